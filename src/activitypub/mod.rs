//! ActivityPub: one actor for the site's owner. Discovery (WebFinger, NodeInfo), the actor and
//! its collections, HTTP signatures, the inbox and its dispatcher, delivery on the job queue, and
//! fetching remote actors. All ActivityStreams mapping is in `convert`.

pub mod actor;
pub mod convert;
pub mod delivery;
pub mod discovery;
pub mod dispatch;
pub mod following;
pub mod inbox;
pub mod keys;
pub mod mentions;
pub mod objects;
pub mod remote;
pub mod signature;
pub mod verify;

use poem::http::Uri;

use crate::config::BaseUrl;

/// The content type ActivityPub objects are served as.
pub const AS2: &str = "application/activity+json";
/// What Porch asks other servers for: either AS2 content type.
pub const ACCEPT: &str = "application/activity+json, application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"";
pub const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

/// The actor's id. It never depends on the owner's username (which may change): it is the
/// site's base URL with `/actor`, chosen once and documented in the README.
pub fn actor_id(base: &BaseUrl) -> String {
    base.join("/actor")
}

pub fn key_id(base: &BaseUrl) -> String {
    format!("{}#main-key", actor_id(base))
}

/// Whether an `Accept` header prefers ActivityStreams to HTML: an AS2 type (either spelling, any
/// profile) listed with a quality above zero and at least that of any HTML type.
pub fn wants_as2(accept: &str) -> bool {
    let (mut as2, mut html) = (0.0f32, 0.0f32);
    for range in accept.split(',') {
        let mut parts = range.split(';').map(str::trim);
        let media = parts.next().unwrap_or_default().to_ascii_lowercase();
        let q = parts
            .find_map(|p| p.replace(' ', "").strip_prefix("q=").map(str::to_string))
            .and_then(|q| q.parse::<f32>().ok())
            .unwrap_or(1.0);
        match media.as_str() {
            "application/activity+json" | "application/ld+json" => as2 = as2.max(q),
            "text/html" | "application/xhtml+xml" => html = html.max(q),
            _ => {}
        }
    }
    as2 > 0.0 && as2 >= html
}

/// Whether a request body's content type is one of the AS2 types (Mastodon sends either).
pub fn is_as2_content_type(content_type: &str) -> bool {
    let media = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    media == "application/activity+json" || media == "application/ld+json"
}

/// The lowercased host of a URL, without port: what domain blocks match.
pub fn host_of(url: &str) -> Option<String> {
    let uri: Uri = url.parse().ok()?;
    Some(uri.host()?.to_ascii_lowercase())
}

/// The scheme, host and port of a URL: two URLs with the same origin belong to one server.
pub fn origin_of(url: &str) -> Option<String> {
    let uri: Uri = url.parse().ok()?;
    Some(format!(
        "{}://{}",
        uri.scheme_str()?,
        uri.authority()?.as_str().to_ascii_lowercase()
    ))
}

/// Inbox requests verified at once: enough to keep both cores busy with cached keys (a check
/// takes well under a millisecond), few enough that slow key fetches leave threads for the rest.
pub const VERIFYING_AT_ONCE: usize = 16;

/// The state federation keeps in memory: the signing key and the ids derived from the base URL.
pub struct Federation {
    pub key: keys::OwnKey,
    pub actor_id: String,
    pub key_id: String,
    pub refetched: verify::RefetchLog,
    /// Inbox requests being verified at once (each may fetch a key from another server).
    pub verifying: tokio::sync::Semaphore,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn as2_is_chosen_only_when_asked_for() {
        assert!(wants_as2("application/activity+json"));
        assert!(wants_as2(
            "application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\""
        ));
        assert!(wants_as2("application/activity+json, application/ld+json"));
        assert!(wants_as2("text/html;q=0.5, application/activity+json"));
        assert!(!wants_as2(
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
        ));
        assert!(!wants_as2("application/activity+json;q=0"));
        assert!(!wants_as2("text/html, application/activity+json;q=0.5"));
        assert!(wants_as2(
            "text/html;q=0.1, application/activity+json;q=0.9"
        ));
        assert!(!wants_as2(""));
    }

    #[test]
    fn hosts_and_origins() {
        assert_eq!(
            host_of("https://Mastodon.Social/users/a").as_deref(),
            Some("mastodon.social")
        );
        assert_eq!(
            host_of("http://127.0.0.1:8080/x").as_deref(),
            Some("127.0.0.1")
        );
        assert_eq!(
            origin_of("http://127.0.0.1:8080/x").as_deref(),
            Some("http://127.0.0.1:8080")
        );
        assert_eq!(host_of("not a url"), None);
    }
}
