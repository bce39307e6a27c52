//! Facts about URLs, in one place: which host and which server (origin) a URL names, the
//! `Host` a request to it carries, whether two URLs are the same page, and a link resolved
//! against the page it is on. Domain blocks, signatures, Webmention and IndieAuth all ask these.

use poem::http::Uri;
use url::Url;

/// The lowercased host of a URL, without port: what domain blocks match.
pub fn host(url: &str) -> Option<String> {
    let uri: Uri = url.parse().ok()?;
    Some(uri.host()?.to_ascii_lowercase())
}

/// The scheme, host and port of a URL: two URLs with the same origin belong to one server.
pub fn origin(url: &str) -> Option<String> {
    let uri: Uri = url.parse().ok()?;
    Some(format!(
        "{}://{}",
        uri.scheme_str()?,
        uri.authority()?.as_str().to_ascii_lowercase()
    ))
}

/// Whether two URLs are on the same server (and both are URLs).
pub fn same_origin(a: &str, b: &str) -> bool {
    origin(a).is_some_and(|o| Some(o) == origin(b))
}

/// The `Host` a request to `url` carries (with its port when not the scheme's default), which
/// signatures cover and handles show.
pub fn authority(url: &str) -> Option<String> {
    let uri: Uri = url.parse().ok()?;
    let host = uri.host()?;
    match (uri.scheme_str(), uri.port_u16()) {
        (Some("http"), Some(80)) | (Some("https"), Some(443)) | (_, None) => Some(host.into()),
        (_, Some(port)) => Some(format!("{host}:{port}")),
    }
}

/// Whether two URLs name the same page: compared without fragment, with scheme and host in
/// lower case and default ports dropped (as the URL parser writes them).
pub fn same_page(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        Url::parse(s).ok().map(|mut u| {
            u.set_fragment(None);
            u.to_string()
        })
    };
    matches!((norm(a), norm(b)), (Some(x), Some(y)) if x == y)
}

/// A link as written on the page at `base`, made absolute.
pub fn resolve(base: &str, href: &str) -> Option<String> {
    Url::parse(base)
        .ok()?
        .join(href)
        .ok()
        .map(|u| u.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_origins_and_authorities() {
        assert_eq!(
            host("https://Mastodon.Social/users/a").as_deref(),
            Some("mastodon.social")
        );
        assert_eq!(
            host("http://127.0.0.1:8080/x").as_deref(),
            Some("127.0.0.1")
        );
        assert_eq!(
            origin("http://127.0.0.1:8080/x").as_deref(),
            Some("http://127.0.0.1:8080")
        );
        assert_eq!(host("not a url"), None);
        assert!(same_origin("https://a.example/x", "https://A.example/y"));
        assert!(!same_origin("https://a.example/x", "http://a.example/x"));
        assert!(!same_origin("nothing", "nothing"));
        assert_eq!(
            authority("https://a.example:443/x").as_deref(),
            Some("a.example")
        );
        assert_eq!(
            authority("http://a.example:8080/x").as_deref(),
            Some("a.example:8080")
        );
    }

    #[test]
    fn pages_and_links() {
        assert!(same_page(
            "HTTPS://a.example:443/p#c",
            "https://a.example/p"
        ));
        assert!(!same_page("https://a.example/p", "https://a.example/p/"));
        assert_eq!(
            resolve("https://a.example/x/y", "../z").as_deref(),
            Some("https://a.example/z")
        );
        assert_eq!(resolve("not a url", "/z"), None);
    }
}
