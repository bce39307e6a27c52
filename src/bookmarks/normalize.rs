//! The key under which a link is one bookmark: the same page saved twice, once from a newsletter
//! with `utm_source` and once from the address bar with a `#section`, is found as the same.
//!
//! The URL parser does most of it (scheme and host in lower case, default ports dropped, the
//! path's dot segments resolved and its odd characters percent-encoded); this adds the rest:
//! only http and https, no user name or password, no fragment, no tracking parameters, no empty
//! query, and a length cap. The path and the other parameters are kept as written, in their
//! order: on most servers `/About` and `/about` are different pages, and so are `?b=1&a=2` and
//! `?a=2&b=1` for all anyone knows.

use percent_encoding::percent_decode_str;
use url::Url;

/// The longest normalized URL kept, in bytes: longer than any link a person saves, short
/// enough for an index key.
pub const MAX_URL_BYTES: usize = 2000;

/// Query parameters that only say where a click came from, compared without regard to case.
/// Every `utm_…` parameter is one too.
const TRACKING: &[&str] = &[
    "fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "igshid", "yclid", "_hsenc",
    "_hsmi", "mkt_tok", "ref_src",
];

/// The normalized form of a link, or why it cannot be bookmarked (a sentence for the owner).
pub fn normalize(url: &str) -> Result<String, String> {
    let url = url.trim();
    if url.is_empty() {
        return Err("Give the address of the page to bookmark.".into());
    }
    // The parser's work is linear, but a link several times the cap is refused unread.
    if url.len() > 4 * MAX_URL_BYTES {
        return Err(too_long());
    }
    let mut parsed = Url::parse(url).map_err(|e| match e {
        url::ParseError::RelativeUrlWithoutBase => format!(
            "“{}” is not a whole web address: it should start with https:// or http://.",
            shorten(url)
        ),
        e => format!("“{}” is not a web address ({e}).", shorten(url)),
    })?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!(
            "Only web pages (http:// or https:// addresses) can be bookmarked, not {}: links.",
            parsed.scheme()
        ));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(format!("“{}” names no site.", shorten(url)));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(
            "A link with a user name or password in it cannot be bookmarked: remove the part before @."
                .into(),
        );
    }
    parsed.set_fragment(None);
    let kept = parsed.query().map(|query| {
        query
            .split('&')
            .filter(|pair| !pair.is_empty() && !is_tracking(pair))
            .collect::<Vec<_>>()
            .join("&")
    });
    match kept {
        Some(query) if !query.is_empty() => parsed.set_query(Some(&query)),
        _ => parsed.set_query(None),
    }
    let normalized = String::from(parsed);
    if normalized.len() > MAX_URL_BYTES {
        return Err(too_long());
    }
    Ok(normalized)
}

/// Whether a `name=value` pair of a query is a tracking parameter.
fn is_tracking(pair: &str) -> bool {
    let raw = pair.split_once('=').map_or(pair, |(name, _)| name);
    let name = percent_decode_str(&raw.replace('+', " "))
        .decode_utf8_lossy()
        .to_ascii_lowercase();
    name.starts_with("utm_") || TRACKING.contains(&name.as_str())
}

fn too_long() -> String {
    format!("That link is longer than {MAX_URL_BYTES} characters, too long to bookmark.")
}

/// The start of what was typed, for an error message.
fn shorten(url: &str) -> String {
    let mut short: String = url.chars().take(80).collect();
    if short.len() < url.len() {
        short.push('…');
    }
    short
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(url: &str) -> String {
        match normalize(url) {
            Ok(n) => {
                assert_eq!(normalize(&n).as_deref(), Ok(n.as_str()), "twice: {url}");
                n
            }
            Err(e) => panic!("{url}: {e}"),
        }
    }

    #[test]
    fn scheme_and_host_are_lowercased_path_is_not() {
        assert_eq!(
            ok("HTTPS://Example.COM/Some/Path?Q=Up"),
            "https://example.com/Some/Path?Q=Up"
        );
        assert_eq!(ok("http://EXAMPLE.org"), "http://example.org/");
        assert_ne!(ok("https://a.example/About"), ok("https://a.example/about"));
    }

    #[test]
    fn default_ports_are_dropped_others_kept() {
        assert_eq!(ok("https://a.example:443/x"), "https://a.example/x");
        assert_eq!(ok("http://a.example:80/x"), "http://a.example/x");
        assert_eq!(ok("http://a.example:443/x"), "http://a.example:443/x");
        assert_eq!(ok("https://a.example:8443/x"), "https://a.example:8443/x");
    }

    #[test]
    fn fragment_is_dropped() {
        assert_eq!(
            ok("https://a.example/post#comments"),
            "https://a.example/post"
        );
        assert_eq!(
            ok("https://a.example/post?id=3#"),
            "https://a.example/post?id=3"
        );
        assert_eq!(
            ok("https://a.example/p#x"),
            ok("https://a.example/p#y"),
            "two sections of one page are one bookmark"
        );
    }

    #[test]
    fn tracking_parameters_are_dropped_others_kept_in_order() {
        assert_eq!(
            ok(
                "https://a.example/p?utm_source=news&b=2&UTM_Medium=email&a=1&fbclid=x&utm_campaign"
            ),
            "https://a.example/p?b=2&a=1"
        );
        for name in TRACKING {
            let url = format!("https://a.example/p?keep=1&{name}=abc");
            assert_eq!(ok(&url), "https://a.example/p?keep=1", "{name}");
            let upper = format!("https://a.example/p?{}=abc&keep=1", name.to_uppercase());
            assert_eq!(ok(&upper), "https://a.example/p?keep=1", "{name}");
        }
        // A name that merely contains one is kept, and so is one percent-encoded as something else.
        assert_eq!(
            ok("https://a.example/p?notutm_source=1&xfbclid=2&utm=3"),
            "https://a.example/p?notutm_source=1&xfbclid=2&utm=3"
        );
        // An encoded name is still recognized.
        assert_eq!(
            ok("https://a.example/p?utm%5Fsource=1&q=2"),
            "https://a.example/p?q=2"
        );
        // Values stay as they were written.
        assert_eq!(
            ok("https://a.example/s?q=a+b&r=%2F&t=%20"),
            "https://a.example/s?q=a+b&r=%2F&t=%20"
        );
    }

    #[test]
    fn an_empty_query_goes_entirely() {
        assert_eq!(ok("https://a.example/p?"), "https://a.example/p");
        assert_eq!(
            ok("https://a.example/p?utm_source=x&gclid=y"),
            "https://a.example/p"
        );
        assert_eq!(ok("https://a.example/p?&&a=1&&"), "https://a.example/p?a=1");
        assert_eq!(ok("https://a.example/?#top"), "https://a.example/");
    }

    #[test]
    fn the_same_link_saved_twice_is_one_key() {
        let saved = [
            "https://blog.example/2024/05/post/",
            "HTTPS://BLOG.example:443/2024/05/post/#comments",
            "https://blog.example/2024/05/post/?utm_source=rss&utm_medium=feed",
            "  https://Blog.Example/2024/05/post/?fbclid=IwAR0 ",
            "https://blog.example/2024/05/./post/",
        ];
        for url in saved {
            assert_eq!(ok(url), "https://blog.example/2024/05/post/", "{url}");
        }
    }

    #[test]
    fn only_http_and_https() {
        for url in [
            "ftp://a.example/file",
            "javascript:alert(1)",
            "mailto:me@a.example",
            "file:///etc/passwd",
            "data:text/html,hi",
        ] {
            let err = normalize(url).unwrap_err();
            assert!(err.contains("http"), "{url}: {err}");
        }
        for url in [
            "",
            "   ",
            "not a url",
            "a.example/page",
            "/relative",
            "https://",
        ] {
            assert!(normalize(url).is_err(), "{url}");
        }
        assert!(
            normalize("a.example/page")
                .unwrap_err()
                .contains("should start with https://")
        );
    }

    #[test]
    fn userinfo_is_refused() {
        for url in [
            "https://user:pass@a.example/",
            "https://user@a.example/",
            "https://:pass@a.example/",
        ] {
            let err = normalize(url).unwrap_err();
            assert!(err.contains("password"), "{url}: {err}");
        }
    }

    #[test]
    fn long_links_are_refused() {
        let base = "https://a.example/";
        let fits = format!("{base}{}", "a".repeat(MAX_URL_BYTES - base.len()));
        assert_eq!(ok(&fits).len(), MAX_URL_BYTES);
        let over = format!("{fits}b");
        assert!(normalize(&over).unwrap_err().contains("longer"));
        assert!(
            normalize(&"x".repeat(100_000))
                .unwrap_err()
                .contains("longer")
        );
        // What counts is what is kept: tracking parameters past the cap do not matter.
        let tracked = format!("{base}p?utm_content={}", "x".repeat(MAX_URL_BYTES));
        assert_eq!(ok(&tracked), "https://a.example/p");
    }

    #[test]
    fn international_hosts_and_odd_paths_settle() {
        assert_eq!(
            ok("https://Bücher.example/ä b"),
            "https://xn--bcher-kva.example/%C3%A4%20b"
        );
        assert_eq!(ok("http://[::1]:80/x"), "http://[::1]/x");
        assert_eq!(ok("https://a.example/a/../b"), "https://a.example/b");
    }
}
