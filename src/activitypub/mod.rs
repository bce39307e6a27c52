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
}
