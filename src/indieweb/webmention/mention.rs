//! What a Webmention's source says, read from its body alone (no I/O): whether it links to the
//! target, and from its microformats what it is (a reply, like, repost, bookmark or mention),
//! who wrote it, what it says and when. `verify` fetches the source and stores the result.

use scraper::Html;
use serde_json::Value;
use url::Url;

use crate::render::nesting;
use crate::render::sanitize;
use crate::store;

use super::Kind;

/// Text shown for a reply, at most; a longer one is cut and its link leads to the rest.
const MAX_TEXT_CHARS: usize = 2000;
/// Attributes whose value is a link to something, on whatever element carries them.
const LINK_ATTRIBUTES: [&str; 5] = ["href", "src", "cite", "data", "poster"];
/// The most work the microformats parser is given, as the sum of every element's depth: it
/// copies each element's subtree as it walks, so its time grows with that sum (about a third
/// of a microsecond per unit measured here). A large article counts a few hundred thousand; a
/// page beyond this is still a mention by its site, just not read for microformats.
const MAX_MICROFORMATS_WORK: usize = 2_000_000;

/// What a verified source says about the target.
#[derive(Clone, Debug, PartialEq)]
pub struct Mention {
    pub kind: Kind,
    pub author: Author,
    /// The entry's own URL, or the source's.
    pub url: String,
    /// Sanitized HTML for display.
    pub content_html: String,
    pub published_at: Option<i64>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Author {
    pub name: String,
    /// The author's page: their h-card's URL, or the source site's home page.
    pub url: String,
    pub photo: String,
}

/// What a fetched source comes to.
#[derive(Debug, PartialEq)]
pub enum Outcome {
    /// It links to the target; this is what it says.
    Links(Mention),
    /// It answered 410 Gone, or no longer links: what it made goes.
    Gone,
    /// Nothing to do (a 404, a page too large or too deeply nested, an address refused): drop
    /// the request.
    Ignore(String),
}

fn is_html(content_type: &str) -> bool {
    let mime = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    mime == "text/html" || mime == "application/xhtml+xml"
}

/// Reads a fetched source (Webmention §3.2.2): whether it links to the target exactly and, if
/// it does, what it says. HTML that nests too deeply is not read at all (see `nesting`): no
/// page needs it, and a hostile one would cost this site its stack or its time.
pub fn read_source(body: &str, content_type: &str, source_url: &Url, target: &str) -> Outcome {
    let mime = content_type.split(';').next().unwrap_or_default().trim();
    if !is_html(content_type) {
        let links = if mime.ends_with("json") {
            serde_json::from_str::<Value>(body).is_ok_and(|v| json_has_string(&v, target))
        } else {
            body.contains(target)
        };
        // JSON or plain text carries no microformats: a bare mention by the source's site.
        return match links {
            true => Outcome::Links(site_mention(source_url)),
            false => Outcome::Gone,
        };
    }
    let doc = match nesting::parse_document(body) {
        Ok(doc) => doc,
        Err(e) => return Outcome::Ignore(e.to_string()),
    };
    if !links_to(&doc, source_url, target) {
        return Outcome::Gone;
    }
    if nesting::depth_sum(&doc) > MAX_MICROFORMATS_WORK {
        return Outcome::Links(site_mention(source_url));
    }
    Outcome::Links(read_mention(body, source_url, target))
}

/// A mention by the source's site, with nothing more known.
fn site_mention(source_url: &Url) -> Mention {
    Mention {
        kind: Kind::Mention,
        author: site_author(source_url),
        url: source_url.to_string(),
        content_html: String::new(),
        published_at: None,
    }
}

/// Whether an HTML page links to the target: an attribute such as `href` or `src` whose value,
/// as written or resolved against the source's URL, is the target.
fn links_to(doc: &Html, source_url: &Url, target: &str) -> bool {
    let resolved_target = Url::parse(target).map(|u| u.to_string()).ok();
    doc.tree.values().any(|node| {
        let Some(el) = node.as_element() else {
            return false;
        };
        LINK_ATTRIBUTES.iter().any(|name| {
            el.attr(name).is_some_and(|value| {
                value.trim() == target
                    || source_url
                        .join(value.trim())
                        .is_ok_and(|u| Some(u.to_string()) == resolved_target)
            })
        })
    })
}

fn json_has_string(v: &Value, needle: &str) -> bool {
    match v {
        Value::String(s) => s == needle,
        Value::Array(items) => items.iter().any(|i| json_has_string(i, needle)),
        Value::Object(map) => map.values().any(|i| json_has_string(i, needle)),
        _ => false,
    }
}

/// Reads the source's microformats: its primary h-entry, what that entry does to the target,
/// its author, text and date. The microformats parser recurses: `html` must have passed
/// `nesting` first.
fn read_mention(html: &str, source_url: &Url, target: &str) -> Mention {
    // The microformats crate panics on some markup (a `dt-` property that is also an item, as
    // fuzzing found): such a page is read as having no microformats, never as a failed job.
    let parsed = std::panic::catch_unwind(|| microformats::from_html(html, source_url));
    let doc = parsed
        .ok()
        .and_then(Result::ok)
        .and_then(|d| serde_json::to_value(&d).ok())
        .unwrap_or(Value::Null);
    let Some((entry, feed)) = primary_entry(&doc, source_url) else {
        return Mention {
            kind: Kind::Mention,
            author: finish(rel_author(&doc).unwrap_or_default(), source_url),
            url: source_url.to_string(),
            content_html: String::new(),
            published_at: None,
        };
    };
    Mention {
        kind: classify(entry, target),
        author: entry_author(&doc, entry, feed, source_url),
        url: urls(entry, "url")
            .into_iter()
            .next()
            .unwrap_or_else(|| source_url.to_string()),
        content_html: content_html(entry),
        published_at: first_text(entry, "published").and_then(|p| parse_published(&p)),
    }
}

fn types(item: &Value) -> impl Iterator<Item = &str> {
    item["type"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
}

fn is_a(item: &Value, kind: &str) -> bool {
    types(item).any(|t| t == kind)
}

fn values<'a>(item: &'a Value, property: &str) -> &'a [Value] {
    item["properties"][property]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
}

/// A property's first value as text: a string, or the `value` of an object (a nested item,
/// an e- property, an image).
fn first_text(item: &Value, property: &str) -> Option<String> {
    values(item, property).iter().find_map(|v| match v {
        Value::String(s) => Some(s.trim().to_string()),
        Value::Object(o) => o
            .get("value")
            .and_then(Value::as_str)
            .map(|s| s.trim().to_string()),
        _ => None,
    })
}

/// A property's values as web URLs: strings, or a nested item's `url` (else its `value`).
fn urls(item: &Value, property: &str) -> Vec<String> {
    values(item, property)
        .iter()
        .filter_map(|v| match v {
            Value::String(s) => Some(s.clone()),
            Value::Object(o) if o.contains_key("type") => v["properties"]["url"][0]
                .as_str()
                .or_else(|| o.get("value").and_then(Value::as_str))
                .map(String::from),
            Value::Object(o) => o.get("value").and_then(Value::as_str).map(String::from),
            _ => None,
        })
        .filter(|u| Url::parse(u).is_ok_and(|u| matches!(u.scheme(), "http" | "https")))
        .collect()
}

/// The page's primary h-entry (and the h-feed holding it, if any): the first top-level one, or
/// in a feed the entry whose URL is the page's, else the feed's first.
fn primary_entry<'a>(doc: &'a Value, source_url: &Url) -> Option<(&'a Value, Option<&'a Value>)> {
    let items = doc["items"].as_array()?;
    if let Some(entry) = items.iter().find(|i| is_a(i, "h-entry")) {
        return Some((entry, None));
    }
    let feed = items.iter().find(|i| is_a(i, "h-feed"))?;
    let children: Vec<&Value> = feed["children"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| is_a(c, "h-entry"))
        .collect();
    let own = children.iter().find(|c| {
        urls(c, "url")
            .iter()
            .any(|u| crate::urls::same_page(u, source_url.as_str()))
    });
    own.or(children.first()).map(|entry| (*entry, Some(feed)))
}

/// What the entry does to the target, in the order webmention.rocks and Post Type Discovery
/// check: like, repost, bookmark, reply; anything else (a link in the text) is a mention.
pub fn classify(entry: &Value, target: &str) -> Kind {
    for (property, kind) in [
        ("like-of", Kind::Like),
        ("repost-of", Kind::Repost),
        ("bookmark-of", Kind::Bookmark),
        ("in-reply-to", Kind::Reply),
    ] {
        if urls(entry, property)
            .iter()
            .any(|u| crate::urls::same_page(u, target))
        {
            return kind;
        }
    }
    Kind::Mention
}

/// The authorship algorithm's first steps (indieweb.org/authorship-spec): the entry's `author`,
/// else its feed's; an h-card gives name, URL and photo; a URL is the author's page, described
/// by an h-card on the source with that URL if there is one; a bare name is a name. With no
/// author at all, a `rel=author` link, else the source's site. Author pages are not fetched.
fn entry_author(doc: &Value, entry: &Value, feed: Option<&Value>, source_url: &Url) -> Author {
    let author = values(entry, "author")
        .first()
        .or_else(|| feed.and_then(|f| values(f, "author").first()));
    let found = match author {
        Some(card @ Value::Object(o)) if o.contains_key("type") => Some(card_author(card)),
        Some(Value::String(s)) => match web_url(s) {
            Some(page) => Some(page_author(doc, &page)),
            None => Some(name_only(s)),
        },
        _ => rel_author(doc),
    };
    finish(found.unwrap_or_default(), source_url)
}

fn name_only(name: &str) -> Author {
    Author {
        name: name.trim().to_string(),
        ..Author::default()
    }
}

/// The author page a `rel=author` link names (the authorship algorithm's fallback).
fn rel_author(doc: &Value) -> Option<Author> {
    let page = doc["rels"]["author"][0].as_str().and_then(web_url)?;
    Some(page_author(doc, &page))
}

fn web_url(s: &str) -> Option<String> {
    Url::parse(s.trim())
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .map(|u| u.to_string())
}

fn card_author(card: &Value) -> Author {
    Author {
        name: first_text(card, "name")
            .or_else(|| card["value"].as_str().map(|s| s.trim().to_string()))
            .unwrap_or_default(),
        url: urls(card, "url").into_iter().next().unwrap_or_default(),
        photo: urls(card, "photo").into_iter().next().unwrap_or_default(),
    }
}

/// An author known by their page: an h-card on the source whose URL is that page, else the
/// page alone.
fn page_author(doc: &Value, page: &str) -> Author {
    let mut cards = Vec::new();
    collect_cards(&doc["items"], &mut cards);
    cards
        .into_iter()
        .map(card_author)
        .find(|a| crate::urls::same_page(&a.url, page))
        .unwrap_or_else(|| Author {
            url: page.to_string(),
            ..Author::default()
        })
}

fn collect_cards<'a>(items: &'a Value, out: &mut Vec<&'a Value>) {
    for item in items.as_array().into_iter().flatten() {
        if is_a(item, "h-card") {
            out.push(item);
        }
        collect_cards(&item["children"], out);
    }
}

/// Fills what an author lacks: a URL (the source's site) and a name (the URL's host).
fn finish(mut author: Author, source_url: &Url) -> Author {
    if web_url(&author.url).is_none() {
        author.url = site_author(source_url).url;
    }
    if author.name.is_empty() {
        author.name = Url::parse(&author.url)
            .ok()
            .and_then(|u| u.host_str().map(String::from))
            .unwrap_or_default();
    }
    if web_url(&author.photo).is_none() {
        author.photo.clear();
    }
    author
}

/// The source's site as the author, when nothing better is known.
fn site_author(source_url: &Url) -> Author {
    Author {
        name: source_url.host_str().unwrap_or_default().to_string(),
        url: format!("{}/", source_url.origin().ascii_serialization()),
        photo: String::new(),
    }
}

/// The entry's text as sanitized HTML: its `content` (HTML, else text), else `summary`, else
/// `name`. Long text is cut to plain text.
fn content_html(entry: &Value) -> String {
    let content = values(entry, "content").first();
    let html = content.and_then(|c| c["html"].as_str()).unwrap_or_default();
    let text = content
        .and_then(|c| c.as_str().or_else(|| c["value"].as_str()))
        .map(String::from)
        .or_else(|| first_text(entry, "summary"))
        .or_else(|| first_text(entry, "name"))
        .unwrap_or_default();
    if text.chars().count() > MAX_TEXT_CHARS {
        let cut: String = text.chars().take(MAX_TEXT_CHARS).collect();
        return format!("<p>{}…</p>", crate::render::escape_html(cut.trim_end()));
    }
    let cleaned = sanitize::remote_html(html).unwrap_or_default();
    if !cleaned.trim().is_empty() {
        return cleaned;
    }
    if text.trim().is_empty() {
        String::new()
    } else {
        format!("<p>{}</p>", crate::render::escape_html(text.trim()))
    }
}

/// A `published` date in the forms mf2 parsers give (ISO 8601, with a space or `T`, with or
/// without a zone or seconds; a zone-less time is taken as UTC). A date in the future is now.
fn parse_published(raw: &str) -> Option<i64> {
    let raw = raw.trim();
    let parsed = chrono::DateTime::parse_from_rfc3339(raw)
        .ok()
        .or_else(|| {
            [
                "%Y-%m-%dT%H:%M:%S%z",
                "%Y-%m-%d %H:%M:%S%z",
                "%Y-%m-%dT%H:%M%z",
                "%Y-%m-%d %H:%M%z",
            ]
            .iter()
            .find_map(|f| chrono::DateTime::parse_from_str(raw, f).ok())
        })
        .map(|d| d.timestamp())
        .or_else(|| {
            [
                "%Y-%m-%dT%H:%M:%S",
                "%Y-%m-%d %H:%M:%S",
                "%Y-%m-%dT%H:%M",
                "%Y-%m-%d %H:%M",
            ]
            .iter()
            .find_map(|f| chrono::NaiveDateTime::parse_from_str(raw, f).ok())
            .map(|d| d.and_utc().timestamp())
        })
        .or_else(|| {
            chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|d| d.and_utc().timestamp())
        })?;
    Some(parsed.min(store::now()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TARGET: &str = "https://blog.example/2024/01/02/hi.html";

    fn read(html: &str) -> Mention {
        read_mention(
            html,
            &Url::parse("https://other.example/notes/1").unwrap(),
            TARGET,
        )
    }

    #[test]
    fn a_reply_with_an_author_card() {
        let m = read(&format!(
            r#"<html><body><article class="h-entry">
              <a class="p-author h-card" href="https://other.example/"><img class="u-photo" src="/me.jpg" alt="">Olga Other</a>
              <a class="u-in-reply-to" href="{TARGET}">in reply to</a>
              <div class="e-content"><p>Lovely <b>post</b>!<script>alert(1)</script></p></div>
              <a class="u-url" href="/notes/1"><time class="dt-published" datetime="2024-01-03T10:00:00+01:00">Jan 3</time></a>
            </article></body></html>"#
        ));
        assert_eq!(m.kind, Kind::Reply);
        assert_eq!(m.author.name, "Olga Other");
        assert_eq!(m.author.url, "https://other.example/");
        assert_eq!(m.author.photo, "https://other.example/me.jpg");
        assert_eq!(m.url, "https://other.example/notes/1");
        assert_eq!(m.content_html, "<p>Lovely <b>post</b>!</p>");
        assert_eq!(m.published_at, Some(1_704_272_400));
    }

    #[test]
    fn likes_reposts_bookmarks_and_mentions() {
        let entry = |class: &str| {
            format!(
                r#"<div class="h-entry"><p class="p-name e-content">See <a class="{class}" href="{TARGET}">this</a></p></div>"#
            )
        };
        assert_eq!(read(&entry("u-like-of")).kind, Kind::Like);
        assert_eq!(read(&entry("u-repost-of")).kind, Kind::Repost);
        assert_eq!(read(&entry("u-bookmark-of")).kind, Kind::Bookmark);
        assert_eq!(read(&entry("u-in-reply-to")).kind, Kind::Reply);
        assert_eq!(read(&entry("")).kind, Kind::Mention);
        // A reply to something else that also links the target is a mention of it.
        let m = read(&format!(
            r#"<div class="h-entry"><a class="u-in-reply-to" href="https://third.example/">x</a><p class="e-content"><a href="{TARGET}#c">y</a></p></div>"#
        ));
        assert_eq!(m.kind, Kind::Mention);
        // A nested h-cite names the target by its url.
        let m = read(&format!(
            r#"<div class="h-entry"><div class="u-like-of h-cite"><a class="u-url p-name" href="{TARGET}">hi</a></div></div>"#
        ));
        assert_eq!(m.kind, Kind::Like);
    }

    #[test]
    fn without_microformats_the_site_is_the_author() {
        let m = read(&format!(r#"<p>Read <a href="{TARGET}">this</a></p>"#));
        assert_eq!(m.kind, Kind::Mention);
        assert_eq!(m.author.url, "https://other.example/");
        assert_eq!(m.author.name, "other.example");
        assert_eq!(m.url, "https://other.example/notes/1");
    }

    #[test]
    fn an_author_url_finds_its_card_on_the_page() {
        let m = read(&format!(
            r#"<div class="h-entry"><a class="u-author" href="https://other.example/about">me</a>
               <a class="u-in-reply-to" href="{TARGET}">re</a><p class="e-content">Hi</p></div>
               <div class="h-card"><a class="u-url p-name" href="https://other.example/about">Olga</a></div>"#
        ));
        assert_eq!(m.author.name, "Olga");
        assert_eq!(m.author.url, "https://other.example/about");
        // A plain name is a name; the site gives the URL.
        let m = read(&format!(
            r#"<div class="h-entry"><span class="p-author">Olga</span><a class="u-in-reply-to" href="{TARGET}">re</a></div>"#
        ));
        assert_eq!(m.author.name, "Olga");
        assert_eq!(m.author.url, "https://other.example/");
    }

    #[test]
    fn the_entry_of_a_feed_is_the_one_at_the_source_url() {
        let m = read(&format!(
            r#"<div class="h-feed"><a class="p-author h-card" href="https://other.example/">Olga</a>
               <div class="h-entry"><a class="u-url" href="/notes/0">0</a><p class="e-content">Old</p></div>
               <div class="h-entry"><a class="u-url" href="/notes/1">1</a><a class="u-like-of" href="{TARGET}">like</a></div>
            </div>"#
        ));
        assert_eq!(m.kind, Kind::Like);
        assert_eq!(m.author.name, "Olga");
    }

    fn links(body: &str, content_type: &str, source: &str) -> bool {
        let source = Url::parse(source).unwrap();
        matches!(
            read_source(body, content_type, &source, TARGET),
            Outcome::Links(_)
        )
    }

    #[test]
    fn finds_links_by_exact_url_in_html_json_and_text() {
        let source = "https://other.example/notes/1";
        let html = |s: &str| links(s, "text/html; charset=utf-8", source);
        assert!(html(&format!(r#"<a href="{TARGET}">x</a>"#)));
        assert!(html(&format!(r#"<img src="{TARGET}" alt="">"#)));
        assert!(!html(r#"<a href="/../2024/01/02/hi.html">x</a>"#));
        assert!(!html(&format!(r#"<p>{TARGET}</p>"#)));
        assert!(!html(&format!(r#"<!-- <a href="{TARGET}">x</a> -->"#)));
        assert!(!html(&format!(r#"<a href="{TARGET}/more">x</a>"#)));
        assert!(links(
            r#"<a href="/2024/01/02/hi.html">x</a>"#,
            "text/html",
            "https://blog.example/other"
        ));
        assert!(links(
            &format!(r#"{{"a": [{{"b": "{TARGET}"}}]}}"#),
            "application/json",
            source
        ));
        assert!(!links(r#"{"a": "x"}"#, "application/json", source));
        assert!(links(&format!("see {TARGET}"), "text/plain", source));
    }

    #[test]
    fn a_page_nested_too_deeply_is_not_read() {
        let n = nesting::MAX_DEPTH * 12;
        let page = format!(
            r#"<div class="h-entry">{}<a class="u-in-reply-to" href="{TARGET}">re</a>{}</div>"#,
            "<div>".repeat(n),
            "</div>".repeat(n)
        );
        let source = Url::parse("https://other.example/notes/1").unwrap();
        assert!(matches!(
            read_source(&page, "text/html", &source, TARGET),
            Outcome::Ignore(_)
        ));
    }

    #[test]
    fn a_page_too_large_for_microformats_is_a_mention_by_its_site() {
        let paragraphs = "<p>Some <a href=\"/x\">text</a> and <b>bold</b></p>".repeat(20_000);
        let page = format!(
            r#"{}<div class="h-entry"><a class="u-in-reply-to" href="{TARGET}">re</a>{paragraphs}</div>"#,
            "<div>".repeat(100)
        );
        let source = Url::parse("https://other.example/notes/1").unwrap();
        let Outcome::Links(m) = read_source(&page, "text/html", &source, TARGET) else {
            panic!("the link was not found");
        };
        assert_eq!(m.kind, Kind::Mention);
        assert_eq!(m.author.url, "https://other.example/");
    }

    #[test]
    fn markup_the_microformats_parser_panics_on_is_a_plain_mention() {
        // Found by `cargo fuzz run webmention_source`: a dt- property that is also an h-card.
        let m = read(&format!(
            r#"<div class="h-entry"><a class="u-in-reply-to" href="{TARGET}">re</a><time class="dt-published h-card">x</time></div>"#
        ));
        assert_eq!(m.kind, Kind::Mention);
        assert_eq!(m.author.url, "https://other.example/");
    }

    #[test]
    fn long_text_is_cut() {
        let long = "word ".repeat(1000);
        let m = read(&format!(
            r#"<div class="h-entry"><a class="u-in-reply-to" href="{TARGET}">re</a><p class="e-content">{long}</p></div>"#
        ));
        assert!(m.content_html.ends_with("…</p>"), "{}", m.content_html);
        assert!(m.content_html.chars().count() < MAX_TEXT_CHARS + 20);
    }

    #[test]
    fn published_dates_in_their_usual_forms() {
        assert_eq!(
            parse_published("2024-01-03T10:00:00+01:00"),
            Some(1_704_272_400)
        );
        assert_eq!(
            parse_published("2024-01-03 10:00:00+0100"),
            Some(1_704_272_400)
        );
        assert_eq!(parse_published("2024-01-03T09:00:00"), Some(1_704_272_400));
        assert_eq!(parse_published("2024-01-03"), Some(1_704_240_000));
        assert_eq!(parse_published("yesterday"), None);
        assert!(parse_published("2999-01-01").unwrap() <= store::now());
    }
}
