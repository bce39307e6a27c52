//! Endpoint discovery (Webmention §3.1.2): from one response to a GET of the target, the first
//! `Link` header with `rel="webmention"`, else the first `<link>` or `<a>` with that rel and an
//! `href`, in document order; resolved against the URL the redirects ended at. The cases are
//! webmention.rocks' 23 discovery tests: header casing, quoting, several links in one header or
//! several headers, several rel values, exact rel matching, rels in comments or escaped text,
//! an empty href (the page itself), a query string to keep, paths relative to the page.

use scraper::{Html, Selector};
use url::Url;

use crate::render::nesting;

/// The Webmention endpoint the page at `page_url` advertises, if any. `headers` are the
/// response's headers in the order received; `body` is read as HTML when `html` says it is.
pub fn endpoint(
    page_url: &Url,
    headers: &[(String, String)],
    body: &str,
    html: bool,
) -> Option<Url> {
    let from_header = headers
        .iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case("link"))
        .flat_map(|(_, value)| parse_link_header(value))
        .find(|link| has_webmention_rel(&link.rel))
        .and_then(|link| page_url.join(&link.target).ok());
    if from_header.is_some() {
        return from_header.filter(is_web);
    }
    if !html {
        return None;
    }
    // A page nesting too deeply to parse safely names no endpoint.
    let doc = nesting::parse_document(body).ok()?;
    let base = document_base(&doc, page_url);
    let selector = Selector::parse("link[href], a[href]").ok()?;
    doc.select(&selector)
        .find(|el| el.value().attr("rel").is_some_and(has_webmention_rel))
        .and_then(|el| base.join(el.value().attr("href").unwrap_or_default()).ok())
        .filter(is_web)
}

/// Relative URLs in a document resolve against its `<base href>` when it has one.
fn document_base(doc: &Html, page_url: &Url) -> Url {
    Selector::parse("base[href]")
        .ok()
        .and_then(|s| doc.select(&s).next())
        .and_then(|el| {
            page_url
                .join(el.value().attr("href").unwrap_or_default())
                .ok()
        })
        .unwrap_or_else(|| page_url.clone())
}

fn is_web(url: &Url) -> bool {
    matches!(url.scheme(), "http" | "https")
}

/// Whether a rel value (space-separated tokens) holds `webmention` as a whole token.
fn has_webmention_rel(rel: &str) -> bool {
    rel.split_ascii_whitespace()
        .any(|token| token.eq_ignore_ascii_case("webmention"))
}

/// One link of a `Link` header (RFC 8288): its target as written, and its `rel`.
#[derive(Debug, PartialEq, Eq)]
pub struct HeaderLink {
    pub target: String,
    pub rel: String,
}

/// Parses a `Link` header value, which may hold several comma-separated links. Commas and
/// semicolons inside `<…>` or quoted strings are part of them.
pub fn parse_link_header(value: &str) -> Vec<HeaderLink> {
    let mut links = Vec::new();
    let mut rest = value;
    loop {
        rest = rest.trim_start_matches(|c: char| c == ',' || c.is_whitespace());
        let Some(after) = rest.strip_prefix('<') else {
            return links;
        };
        let Some(end) = after.find('>') else {
            return links;
        };
        let target = after[..end].trim().to_string();
        rest = &after[end + 1..];
        let mut rel = None;
        // Parameters: `; name=value` or `; name="quoted value"`, up to the next comma.
        loop {
            rest = rest.trim_start();
            let Some(after) = rest.strip_prefix(';') else {
                break;
            };
            let after = after.trim_start();
            let name_end = after.find(['=', ';', ',']).unwrap_or(after.len());
            let name = after[..name_end].trim().to_ascii_lowercase();
            rest = &after[name_end..];
            let Some(after) = rest.strip_prefix('=') else {
                continue;
            };
            let (param, remaining) = param_value(after.trim_start());
            rest = remaining;
            // RFC 8288 §3.3: only the first rel parameter counts.
            if name == "rel" && rel.is_none() {
                rel = Some(param);
            }
        }
        if let Some(rel) = rel {
            links.push(HeaderLink { target, rel });
        }
        // Anything up to the next comma is not understood: skip it.
        match rest.find(',') {
            Some(i) if !rest.trim_start().starts_with('<') => rest = &rest[i..],
            _ => {}
        }
    }
}

/// A parameter value, quoted (with backslash escapes) or a bare token; and what follows it.
fn param_value(s: &str) -> (String, &str) {
    if let Some(quoted) = s.strip_prefix('"') {
        let mut value = String::new();
        let mut chars = quoted.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => {
                    if let Some((_, escaped)) = chars.next() {
                        value.push(escaped);
                    }
                }
                '"' => return (value, &quoted[i + 1..]),
                _ => value.push(c),
            }
        }
        (value, "")
    } else {
        let end = s.find([';', ',']).unwrap_or(s.len());
        (s[..end].trim().to_string(), &s[end..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "https://webmention.rocks/test/1";

    fn found(page: &str, headers: &[(&str, &str)], body: &str) -> Option<String> {
        let headers: Vec<(String, String)> = headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        endpoint(&Url::parse(page).unwrap(), &headers, body, true).map(|u| u.to_string())
    }

    fn html(head: &str, body: &str) -> String {
        format!(
            "<!doctype html><html><head><title>t</title>{head}</head><body>{body}</body></html>"
        )
    }

    #[test]
    fn link_headers_in_every_form_the_tests_use() {
        let rocks = |n: u32| format!("https://webmention.rocks/test/{n}/webmention");
        // 1, 2: unquoted rel, relative and absolute; 7: the header name's casing; 8: quoted.
        assert_eq!(
            found(
                PAGE,
                &[("Link", "</test/1/webmention>; rel=webmention")],
                ""
            ),
            Some(rocks(1))
        );
        assert_eq!(
            found(
                PAGE,
                &[("LinK", &format!("<{}>; rel=webmention", rocks(7)))],
                ""
            ),
            Some(rocks(7))
        );
        assert_eq!(
            found(
                PAGE,
                &[("link", &format!("<{}>; rel=\"webmention\"", rocks(8)))],
                ""
            ),
            Some(rocks(8))
        );
        // 10: several rel values.
        assert_eq!(
            found(
                PAGE,
                &[(
                    "Link",
                    "</test/10/webmention>; rel=\"webmention somethingelse\""
                )],
                ""
            ),
            Some(rocks(10))
        );
        // 18: several headers; 19: several links in one header.
        assert_eq!(
            found(
                PAGE,
                &[
                    ("Link", "</test/18/webmention/error>; rel=\"other\""),
                    ("Link", "</test/18/webmention>; rel=\"webmention\""),
                ],
                ""
            ),
            Some(rocks(18))
        );
        assert_eq!(
            found(
                PAGE,
                &[(
                    "Link",
                    "</test/19/webmention/error>; rel=\"other\", </test/19/webmention>; rel=\"webmention\""
                )],
                ""
            ),
            Some(rocks(19))
        );
    }

    #[test]
    fn the_header_wins_over_the_document() {
        // 11
        let body = html(
            r#"<link rel="webmention" href="/test/11/webmention/error">"#,
            r#"<a href="/test/11/webmention/error" rel="webmention">x</a>"#,
        );
        assert_eq!(
            found(
                PAGE,
                &[("Link", "</test/11/webmention>; rel=\"webmention\"")],
                &body
            ),
            Some("https://webmention.rocks/test/11/webmention".into())
        );
    }

    #[test]
    fn link_and_a_elements_in_document_order() {
        let at = |head: &str, body: &str| found(PAGE, &[], &html(head, body));
        // 3, 4: <link>, relative and absolute (href before rel).
        assert_eq!(
            at(r#"<link rel="webmention" href="/test/3/webmention">"#, ""),
            Some("https://webmention.rocks/test/3/webmention".into())
        );
        assert_eq!(
            at(
                r#"<link href="https://webmention.rocks/test/4/webmention" rel="webmention">"#,
                ""
            ),
            Some("https://webmention.rocks/test/4/webmention".into())
        );
        // 5, 6: <a>.
        assert_eq!(
            at("", r#"<a rel="webmention" href="/test/5/webmention">e</a>"#),
            Some("https://webmention.rocks/test/5/webmention".into())
        );
        // 9: several rel values; 12: exact match only.
        assert_eq!(
            at(
                r#"<link rel="webmention somethingelse" href="/test/9/webmention">"#,
                ""
            ),
            Some("https://webmention.rocks/test/9/webmention".into())
        );
        assert_eq!(
            at(
                r#"<link rel="not-webmention" href="/test/12/webmention/error">"#,
                r#"<a href="/test/12/webmention" rel="webmention">e</a>"#
            ),
            Some("https://webmention.rocks/test/12/webmention".into())
        );
        // 13: a comment; 14: escaped HTML.
        assert_eq!(
            at(
                "",
                r#"<!-- <a href="/test/13/webmention/error" rel="webmention"></a> --><a href="/test/13/webmention" rel="webmention">e</a>"#
            ),
            Some("https://webmention.rocks/test/13/webmention".into())
        );
        assert_eq!(
            at(
                "",
                r#"<code>&lt;a href="/test/14/webmention/error" rel="webmention"&gt;&lt;/a&gt;</code><a href="/test/14/webmention" rel="webmention">e</a>"#
            ),
            Some("https://webmention.rocks/test/14/webmention".into())
        );
        // 16, 17: whichever comes first in the body.
        assert_eq!(
            at(
                "",
                r#"<a href="/test/16/webmention" rel="webmention">e</a><link rel="webmention" href="/test/16/webmention/error">"#
            ),
            Some("https://webmention.rocks/test/16/webmention".into())
        );
        assert_eq!(
            at(
                "",
                r#"<link rel="webmention" href="/test/17/webmention"><a href="/test/17/webmention/error" rel="webmention">e</a>"#
            ),
            Some("https://webmention.rocks/test/17/webmention".into())
        );
        // 20: a <link> without href is skipped.
        assert_eq!(
            at(
                "",
                r#"<link rel="webmention"><a href="/test/20/webmention" rel="webmention">e</a>"#
            ),
            Some("https://webmention.rocks/test/20/webmention".into())
        );
    }

    #[test]
    fn empty_query_and_path_relative_hrefs() {
        // 15: an empty href is the page itself.
        assert_eq!(
            found(
                "https://webmention.rocks/test/15",
                &[],
                &html(r#"<link rel="webmention" href="">"#, "")
            ),
            Some("https://webmention.rocks/test/15".into())
        );
        // 21: the query string is kept.
        assert_eq!(
            found(
                PAGE,
                &[],
                &html(
                    r#"<link rel="webmention" href="/test/21/webmention?query=yes">"#,
                    ""
                )
            ),
            Some("https://webmention.rocks/test/21/webmention?query=yes".into())
        );
        // 22: relative to the page's path.
        assert_eq!(
            found(
                "https://webmention.rocks/test/22",
                &[],
                &html(r#"<link rel="webmention" href="22/webmention">"#, "")
            ),
            Some("https://webmention.rocks/test/22/webmention".into())
        );
        // 23: relative to the URL the redirects ended at.
        assert_eq!(
            found(
                "https://webmention.rocks/test/23/page/abc",
                &[("Link", "<webmention-endpoint/def>; rel=webmention")],
                ""
            ),
            Some("https://webmention.rocks/test/23/page/webmention-endpoint/def".into())
        );
    }

    #[test]
    fn no_endpoint_and_odd_schemes_give_nothing() {
        assert_eq!(found(PAGE, &[], &html("", "<a href=\"/x\">x</a>")), None);
        assert_eq!(
            found(
                PAGE,
                &[("Link", "<mailto:a@b.example>; rel=webmention")],
                ""
            ),
            None
        );
        assert_eq!(
            found(PAGE, &[("Link", "</x>; rel=\"me\"")], &html("", "")),
            None
        );
    }

    #[test]
    fn link_header_values_with_commas_and_escapes() {
        assert_eq!(
            parse_link_header(r#"</a,b>; title="x, \"y\""; rel="webmention", </c>; rel=me"#),
            vec![
                HeaderLink {
                    target: "/a,b".into(),
                    rel: "webmention".into()
                },
                HeaderLink {
                    target: "/c".into(),
                    rel: "me".into()
                },
            ]
        );
        assert!(parse_link_header("garbage").is_empty());
    }
}
