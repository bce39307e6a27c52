//! Verifying a received Webmention (the job queued by the endpoint, Webmention §3.2.2): fetch
//! the source, check that it links to the target, read its microformats to learn what it is (a
//! reply, like, repost, bookmark or mention) and who wrote it, and store that where
//! ActivityPub's replies and notifications already are. A source that answers 410 Gone or no
//! longer links to the target takes back what it made.

use anyhow::{Result, bail};
use rusqlite::Connection;
use scraper::Html;
use serde_json::Value;
use url::Url;

use crate::app::App;
use crate::net::NetError;
use crate::render::sanitize;
use crate::store::actors::{self, Actor};
use crate::store::posts::{self, Status};
use crate::store::remote_posts::{self, Moderation, NotificationWrite, RemotePostWrite};
use crate::store::{self, blocks, webmentions};

use super::Kind;

/// The largest source read. A page that mentions a post is an article at most; anything larger
/// is refused rather than parsed, so that no one can make this site chew on huge documents.
pub const MAX_SOURCE_BYTES: u64 = 1024 * 1024;
/// What the source is asked for: HTML first, which is where microformats are.
const ACCEPT: &str =
    "text/html, application/xhtml+xml;q=0.9, application/json;q=0.8, text/plain;q=0.5";
/// Text shown for a reply, at most; a longer one is cut and its link leads to the rest.
const MAX_TEXT_CHARS: usize = 2000;
/// Attributes whose value is a link to something, on whatever element carries them.
const LINK_ATTRIBUTES: [&str; 5] = ["href", "src", "cite", "data", "poster"];

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

/// What fetching the source came to.
enum Outcome {
    /// It links to the target; this is what it says.
    Links(Mention),
    /// It answered 410 Gone, or no longer links: what it made goes.
    Gone,
    /// Nothing to do (a 404, a page too large, an address refused): drop the request.
    Ignore(String),
}

/// The job: verify `source` against `target` and store or remove what it makes.
pub async fn verify(app: &App, source: String, target: String) -> Result<()> {
    let Ok(target_url) = Url::parse(&target) else {
        return Ok(());
    };
    let path = target_url.path().to_string();
    let found = app
        .db
        .read(move |c| {
            Ok(posts::by_path(c, &path)?
                .filter(|p| p.status == Status::Published)
                .map(|p| (p.id, p.kind)))
        })
        .await?;
    let Some((post_id, post_kind)) = found else {
        // Deleted or unpublished since: its conversation is gone or hidden already.
        return Ok(());
    };
    let app2 = app.clone();
    let (source2, target2) = (source.clone(), target.clone());
    let outcome =
        tokio::task::spawn_blocking(move || fetch_and_read(&app2, &source2, &target2)).await??;
    let keys = Kind::ALL.map(|k| k.key(post_id, &source));
    match outcome {
        Outcome::Ignore(why) => {
            tracing::info!(source, target, why, "webmention ignored");
            Ok(())
        }
        Outcome::Gone => {
            app.db
                .write(move |tx| {
                    webmentions::forget_received(tx, &source, post_id, &keys, false, false)
                })
                .await
        }
        Outcome::Links(mut mention) => {
            // Pages show no conversation: a reply to one is a mention the owner is told of.
            if post_kind == posts::Kind::Page && mention.kind == Kind::Reply {
                mention.kind = Kind::Mention;
            }
            app.db
                .write(move |tx| store_mention(tx, &source, post_id, &target, &mention))
                .await
        }
    }
}

fn fetch_and_read(app: &App, source: &str, target: &str) -> Result<Outcome> {
    let fetched = match app.http.get(source, ACCEPT, MAX_SOURCE_BYTES) {
        Ok(f) => f,
        Err(e @ (NetError::Timeout | NetError::Other(_))) => {
            bail!("webmention: fetch {source}: {e}")
        }
        Err(e) => return Ok(Outcome::Ignore(e.to_string())),
    };
    match fetched.status {
        410 => return Ok(Outcome::Gone),
        200..=299 => {}
        // The source's server is in trouble: ask again later.
        500..=599 => bail!("webmention: {source} answered {}", fetched.status),
        status => return Ok(Outcome::Ignore(format!("the source answered {status}"))),
    }
    let source_url = Url::parse(&fetched.url).or_else(|_| Url::parse(source))?;
    let content_type = fetched.header("content-type").unwrap_or("text/html");
    let body = String::from_utf8_lossy(&fetched.body);
    if !links_to(&body, content_type, &source_url, target) {
        return Ok(Outcome::Gone);
    }
    Ok(Outcome::Links(if is_html(content_type) {
        read_mention(&body, &source_url, target)
    } else {
        // JSON or plain text carries no microformats: a bare mention by the source's site.
        Mention {
            kind: Kind::Mention,
            author: site_author(&source_url),
            url: source_url.to_string(),
            content_html: String::new(),
            published_at: None,
        }
    }))
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

/// Whether the source links to the target exactly (Webmention §3.2.2): in HTML, an attribute
/// such as `href` or `src` whose value, as written or resolved against the source's URL, is the
/// target; in JSON, any string equal to it; in other text, the target anywhere.
pub fn links_to(body: &str, content_type: &str, source_url: &Url, target: &str) -> bool {
    let mime = content_type.split(';').next().unwrap_or_default().trim();
    if is_html(content_type) {
        let resolved_target = Url::parse(target).map(|u| u.to_string()).ok();
        let doc = Html::parse_document(body);
        return doc.tree.values().any(|node| {
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
        });
    }
    if mime.ends_with("json") {
        return serde_json::from_str::<Value>(body).is_ok_and(|v| json_has_string(&v, target));
    }
    body.contains(target)
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
/// its author, text and date.
pub fn read_mention(html: &str, source_url: &Url, target: &str) -> Mention {
    let doc = microformats::from_html(html, source_url)
        .ok()
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
            .any(|u| same_url(u, source_url.as_str()))
    });
    own.or(children.first()).map(|entry| (*entry, Some(feed)))
}

/// URLs compared as the spec's classification does: without fragment, scheme and host in
/// lower case (the URL parser does both).
fn same_url(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        Url::parse(s).ok().map(|mut u| {
            u.set_fragment(None);
            u.to_string()
        })
    };
    matches!((norm(a), norm(b)), (Some(x), Some(y)) if x == y)
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
        if urls(entry, property).iter().any(|u| same_url(u, target)) {
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
        .find(|a| same_url(&a.url, page))
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
    let cleaned = sanitize::remote_html(html);
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

/// Stores what a verified source makes for one post, replacing what it made before: a reply
/// joins the post's conversation once the owner approves it; a like, repost or bookmark is a
/// private notification; a mention is a notification with the source's text.
fn store_mention(
    tx: &Connection,
    source: &str,
    post_id: i64,
    target: &str,
    m: &Mention,
) -> Result<()> {
    let keys = Kind::ALL.map(|k| k.key(post_id, source));
    if blocks::is_blocked(tx, &m.author.url)? {
        return webmentions::forget_received(tx, source, post_id, &keys, false, false);
    }
    // A post that came by ActivityPub under the same id is its author's to change, not a web
    // page's.
    if let Some(existing) = remote_posts::by_uri(tx, source)?
        && !existing.actor.inbox.is_empty()
    {
        return Ok(());
    }
    let actor_id = web_actor(tx, source, &m.author)?;
    let before = remote_posts::by_uri(tx, source)?;
    let others: Vec<String> = Kind::ALL
        .into_iter()
        .filter(|k| *k != m.kind)
        .map(|k| k.key(post_id, source))
        .collect();
    webmentions::forget_received(
        tx,
        source,
        post_id,
        &others,
        m.kind == Kind::Reply,
        m.kind == Kind::Mention,
    )?;
    let key = m.kind.key(post_id, source);
    let remote_post_id = match m.kind {
        Kind::Reply | Kind::Mention => {
            let reply = m.kind == Kind::Reply;
            Some(remote_posts::upsert(
                tx,
                &RemotePostWrite {
                    uri: source,
                    actor_id,
                    url: &m.url,
                    in_reply_to: target,
                    post_id: reply.then_some(post_id),
                    summary: "",
                    content_html: &m.content_html,
                    attachments: &[],
                    mentions_owner: !reply,
                    in_timeline: false,
                    // Replies from the web wait for the owner, whoever wrote them: a web page
                    // proves no identity the way a signed activity does.
                    moderation: if reply {
                        Moderation::Pending
                    } else {
                        Moderation::None
                    },
                    published_at: m.published_at.unwrap_or_else(store::now),
                    public: true,
                },
            )?)
        }
        Kind::Like | Kind::Repost | Kind::Bookmark => None,
    };
    // An approved reply whose page now says something else waits for the owner again: approval
    // was of what it said then.
    if let (Some(id), Some(old)) = (remote_post_id, &before)
        && old.moderation == Moderation::Approved
        && old.content_html != m.content_html
    {
        remote_posts::set_moderation(tx, id, Moderation::Pending)?;
    }
    remote_posts::notify(
        tx,
        &NotificationWrite {
            kind: m.kind.notification(),
            actor_id,
            post_id: Some(post_id),
            remote_post_id,
            activity_uri: &key,
        },
    )
}

/// The `actors` row of a web author. A page speaks only for its own site: an author URL on the
/// source's origin is that author's page; one elsewhere is not believed, and the mention is the
/// source site's (its domain is what the owner sees). A web author never merges with an
/// ActivityPub actor of the same URL, whose replies are signed.
fn web_actor(tx: &Connection, source: &str, author: &Author) -> Result<i64> {
    let origin = crate::activitypub::origin_of(source).unwrap_or_default();
    let own_page = crate::activitypub::origin_of(&author.url).as_deref() == Some(origin.as_str());
    let page = if own_page {
        author.url.clone()
    } else {
        format!("{origin}/")
    };
    let uri = match actors::by_uri(tx, &page)? {
        Some(existing) if !existing.inbox.is_empty() => format!("{page}#webmention"),
        _ => page.clone(),
    };
    let handle = Url::parse(&page)
        .ok()
        .and_then(|u| u.host_str().map(String::from))
        .unwrap_or_default();
    actors::upsert(
        tx,
        &Actor {
            uri,
            handle: handle.clone(),
            name: if own_page {
                author.name.chars().take(200).collect()
            } else {
                handle
            },
            url: page,
            icon: if own_page {
                author.photo.clone()
            } else {
                String::new()
            },
            inbox: String::new(),
            fetched_at: store::now(),
            ..Actor::default()
        },
    )
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

    #[test]
    fn finds_links_by_exact_url_in_html_json_and_text() {
        let source = Url::parse("https://other.example/notes/1").unwrap();
        let html = |s: &str| links_to(s, "text/html; charset=utf-8", &source, TARGET);
        assert!(html(&format!(r#"<a href="{TARGET}">x</a>"#)));
        assert!(html(&format!(r#"<img src="{TARGET}" alt="">"#)));
        assert!(!html(r#"<a href="/../2024/01/02/hi.html">x</a>"#));
        assert!(!html(&format!(r#"<p>{TARGET}</p>"#)));
        assert!(!html(&format!(r#"<!-- <a href="{TARGET}">x</a> -->"#)));
        assert!(!html(&format!(r#"<a href="{TARGET}/more">x</a>"#)));
        let relative_source = Url::parse("https://blog.example/other").unwrap();
        assert!(links_to(
            r#"<a href="/2024/01/02/hi.html">x</a>"#,
            "text/html",
            &relative_source,
            TARGET
        ));
        assert!(links_to(
            &format!(r#"{{"a": [{{"b": "{TARGET}"}}]}}"#),
            "application/json",
            &source,
            TARGET
        ));
        assert!(!links_to(
            r#"{"a": "x"}"#,
            "application/json",
            &source,
            TARGET
        ));
        assert!(links_to(
            &format!("see {TARGET}"),
            "text/plain",
            &source,
            TARGET
        ));
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
