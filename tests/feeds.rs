//! Feeds, caching and the machine-readable face of the site, through the real server: JSON Feed
//! 1.1 and RSS 2.0 checked against their specifications, conditional GETs on every cached page,
//! the sitemap and robots.txt, microformats and head metadata, paging, and the promise that pages
//! make no requests to other hosts.

mod common;

use std::collections::BTreeMap;

use common::{Client, Resp, TestServer, newest_path};
use quick_xml::XmlVersion;
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;
use scraper::{ElementRef, Html, Selector};
use serde_json::Value;

const ATOM_NS: &str = "http://www.w3.org/2005/Atom";
const SITEMAP_NS: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";
const JSON_FEED_VERSION: &str = "https://jsonfeed.org/version/1.1";

// ---------------------------------------------------------------------------------------------
// Helpers

/// Publishes a post through the composer and returns its permalink path.
fn publish(server: &TestServer, admin: &Client, title: &str, markdown: &str, cats: &str) -> String {
    let saved = admin.compose(&[
        ("kind", "post"),
        ("title", title),
        ("markdown", markdown),
        ("new_categories", cats),
        ("action", "publish"),
    ]);
    assert_eq!(saved.status, 303, "publishing failed: {}", saved.text());
    newest_path(server)
}

/// Publishes a page (`kind=page`) and checks that it landed at `path`.
fn publish_page(admin: &Client, title: &str, markdown: &str, path: &str) {
    let saved = admin.compose(&[
        ("kind", "page"),
        ("title", title),
        ("markdown", markdown),
        ("action", "publish"),
    ]);
    assert_eq!(
        saved.status,
        303,
        "publishing a page failed: {}",
        saved.text()
    );
    assert_eq!(admin.get(path).status, 200, "the page is at {path}");
}

fn post_id(server: &TestServer, path: &str) -> porch::store::ids::PostId {
    let path = path.to_string();
    server
        .app
        .db
        .read_blocking(move |c| porch::store::posts::by_path(c, &path))
        .unwrap()
        .expect("post exists")
        .id
}

fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap_or_else(|e| panic!("bad selector {s}: {e:?}"))
}

fn page(client: &Client, path: &str) -> Html {
    let resp = client.get(path);
    assert_eq!(resp.status, 200, "GET {path}: {}", resp.text());
    Html::parse_document(&resp.text())
}

fn text_of(el: ElementRef) -> String {
    el.text().collect::<String>().trim().to_string()
}

fn has_class(el: ElementRef, class: &str) -> bool {
    el.value().classes().any(|c| c == class)
}

fn attr<'a>(el: ElementRef<'a>, name: &str) -> &'a str {
    el.value()
        .attr(name)
        .unwrap_or_else(|| panic!("no {name} on {}", el.html()))
}

/// The `content` of `<meta property=…>`.
fn meta_property(doc: &Html, property: &str) -> String {
    let found: Vec<_> = doc
        .select(&sel(&format!(r#"meta[property="{property}"]"#)))
        .collect();
    assert_eq!(found.len(), 1, "exactly one {property} meta tag");
    attr(found[0], "content").to_string()
}

fn mime_essence(resp: &Resp) -> String {
    resp.header("content-type")
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap()
        .trim()
        .to_ascii_lowercase()
}

fn post_settings(admin: &Client, changes: &[(&str, &str)]) -> Resp {
    common::federation::save_settings(admin, changes)
}

#[track_caller]
fn save_settings(admin: &Client, changes: &[(&str, &str)]) {
    let resp = post_settings(admin, changes);
    assert_eq!(resp.status, 303, "settings refused: {}", resp.text());
    let section = common::federation::settings_section(changes[0].0);
    assert_eq!(resp.location(), format!("{section}?done=settings"));
}

fn json_feed(client: &Client, path: &str) -> Value {
    let resp = client.get(path);
    assert_eq!(resp.status, 200, "GET {path}: {}", resp.text());
    assert_eq!(mime_essence(&resp), "application/feed+json");
    let feed = resp.json();
    assert_json_feed_1_1(&feed);
    feed
}

fn rss_feed(client: &Client, path: &str) -> (rss::Channel, Vec<XmlNode>) {
    let resp = client.get(path);
    assert_eq!(resp.status, 200, "GET {path}: {}", resp.text());
    assert_eq!(mime_essence(&resp), "application/rss+xml");
    let channel = rss::Channel::read_from(resp.body.as_slice())
        .unwrap_or_else(|e| panic!("the rss crate cannot read {path} ({e}): {}", resp.text()));
    (channel, parse_xml(&resp.text()))
}

fn items(feed: &Value) -> &Vec<Value> {
    feed["items"].as_array().expect("items is an array")
}

fn string_at<'a>(value: &'a Value, key: &str) -> &'a str {
    value[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} is not a string in {value}"))
}

fn rfc3339(s: &str) -> chrono::DateTime<chrono::FixedOffset> {
    chrono::DateTime::parse_from_rfc3339(s).unwrap_or_else(|e| panic!("not RFC 3339: {s} ({e})"))
}

/// Every key JSON Feed 1.1 defines, with the type it must have; unknown keys (other than the
/// spec's `_extensions`) are refused, so a misspelled or deprecated field fails the test.
fn assert_json_feed_1_1(feed: &Value) {
    let top = feed.as_object().expect("a JSON Feed is an object");
    for (key, value) in top {
        match key.as_str() {
            "version" | "title" | "home_page_url" | "feed_url" | "description" | "user_comment"
            | "next_url" | "icon" | "favicon" | "language" => {
                assert!(
                    value.is_string(),
                    "top-level {key} must be a string: {value}"
                )
            }
            "expired" => assert!(value.is_boolean(), "expired must be a boolean"),
            "authors" => assert_authors(value),
            "hubs" => {
                for hub in value.as_array().expect("hubs is an array") {
                    assert!(hub["type"].is_string() && hub["url"].is_string(), "{hub}");
                }
            }
            "items" => assert!(value.is_array(), "items must be an array"),
            k if k.starts_with('_') => {}
            other => panic!("JSON Feed 1.1 has no top-level `{other}`"),
        }
    }
    assert_eq!(feed["version"], JSON_FEED_VERSION);
    assert!(!string_at(feed, "title").is_empty(), "title is required");
    for item in items(feed) {
        let fields = item.as_object().expect("an item is an object");
        for (key, value) in fields {
            match key.as_str() {
                "id" | "url" | "external_url" | "title" | "content_html" | "content_text"
                | "summary" | "image" | "banner_image" | "language" => {
                    assert!(value.is_string(), "item {key} must be a string: {value}")
                }
                "date_published" | "date_modified" => {
                    rfc3339(value.as_str().expect("dates are strings"));
                }
                "tags" => {
                    let tags = value.as_array().expect("tags is an array");
                    assert!(
                        tags.iter().all(Value::is_string),
                        "tags are strings: {value}"
                    );
                }
                "authors" => assert_authors(value),
                "attachments" => {
                    for a in value.as_array().expect("attachments is an array") {
                        assert!(a["url"].is_string() && a["mime_type"].is_string(), "{a}");
                    }
                }
                k if k.starts_with('_') => {}
                other => panic!("JSON Feed 1.1 items have no `{other}`: {item}"),
            }
        }
        assert!(!string_at(item, "id").is_empty(), "id is required: {item}");
        assert!(
            item["content_html"].is_string() || item["content_text"].is_string(),
            "an item needs content_html or content_text: {item}"
        );
    }
}

fn assert_authors(value: &Value) {
    let authors = value.as_array().expect("authors is an array");
    for author in authors {
        let fields = author.as_object().expect("an author is an object");
        assert!(!fields.is_empty(), "an author needs at least one field");
        for (key, v) in fields {
            assert!(
                matches!(key.as_str(), "name" | "url" | "avatar") || key.starts_with('_'),
                "authors have no `{key}`"
            );
            assert!(v.is_string(), "author {key} must be a string: {v}");
        }
    }
}

/// One element of a parsed XML document.
#[derive(Debug)]
struct XmlNode {
    /// The namespace URI the element's name resolved to ("" when none).
    ns: String,
    name: String,
    parent: Option<usize>,
    attrs: BTreeMap<String, String>,
    /// The element's own character data, unescaped.
    text: String,
}

fn append_text(text: &str, stack: &[usize], nodes: &mut [XmlNode]) {
    match stack.last() {
        Some(&top) => nodes[top].text.push_str(text),
        None => assert!(text.trim().is_empty(), "text outside the root: {text:?}"),
    }
}

/// Reads a whole XML document with quick-xml, panicking on anything that is not well-formed:
/// a syntax error, a mismatched or unclosed tag, an undeclared namespace prefix, an entity XML
/// does not predefine, text outside the root, or more than one root element.
fn parse_xml(xml: &str) -> Vec<XmlNode> {
    let mut reader = NsReader::from_str(xml);
    let mut nodes: Vec<XmlNode> = Vec::new();
    let mut stack: Vec<usize> = Vec::new();
    let mut roots = 0;
    loop {
        let (resolved, event) = match reader.read_resolved_event() {
            Ok(pair) => pair,
            Err(e) => panic!("not well-formed XML ({e}):\n{xml}"),
        };
        let ns = match resolved {
            ResolveResult::Bound(ns) => String::from_utf8(ns.0.to_vec()).unwrap(),
            ResolveResult::Unbound => String::new(),
            ResolveResult::Unknown(prefix) => panic!(
                "undeclared namespace prefix {}:\n{xml}",
                String::from_utf8_lossy(&prefix)
            ),
        };
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let mut attrs = BTreeMap::new();
                for a in e.attributes() {
                    let a = a.unwrap_or_else(|err| panic!("bad attribute ({err}):\n{xml}"));
                    let key = String::from_utf8(a.key.as_ref().to_vec()).unwrap();
                    let value = a
                        .decoded_and_normalized_value(XmlVersion::Implicit1_0, reader.decoder())
                        .unwrap_or_else(|err| panic!("bad attribute value ({err}):\n{xml}"));
                    assert!(
                        attrs.insert(key.clone(), value.into_owned()).is_none(),
                        "attribute {key} twice"
                    );
                }
                if stack.is_empty() {
                    roots += 1;
                }
                nodes.push(XmlNode {
                    ns,
                    name: String::from_utf8(e.local_name().as_ref().to_vec()).unwrap(),
                    parent: stack.last().copied(),
                    attrs,
                    text: String::new(),
                });
                if matches!(event, Event::Start(_)) {
                    stack.push(nodes.len() - 1);
                }
            }
            Event::End(_) => {
                stack.pop().expect("an end tag without a start tag");
            }
            Event::Text(t) => append_text(&t.decode().expect("UTF-8 text"), &stack, &mut nodes),
            Event::CData(c) => append_text(&c.decode().expect("UTF-8 CDATA"), &stack, &mut nodes),
            Event::GeneralRef(r) => {
                let ch = match r.resolve_char_ref().expect("a valid character reference") {
                    Some(ch) => ch,
                    None => match r.decode().expect("UTF-8 entity name").as_ref() {
                        "amp" => '&',
                        "lt" => '<',
                        "gt" => '>',
                        "quot" => '"',
                        "apos" => '\'',
                        other => panic!("&{other}; is not defined in XML:\n{xml}"),
                    },
                };
                append_text(ch.encode_utf8(&mut [0; 4]), &stack, &mut nodes);
            }
            Event::Eof => break,
            Event::Decl(_) | Event::Comment(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    assert!(stack.is_empty(), "unclosed elements at the end:\n{xml}");
    assert_eq!(roots, 1, "an XML document has exactly one root element");
    nodes
}

/// The elements named `name` in namespace `ns` whose parent is `parent`.
fn xml_children<'a>(nodes: &'a [XmlNode], parent: usize, ns: &str, name: &str) -> Vec<&'a XmlNode> {
    nodes
        .iter()
        .filter(|n| n.parent == Some(parent) && n.ns == ns && n.name == name)
        .collect()
}

fn xml_index(nodes: &[XmlNode], node: &XmlNode) -> usize {
    nodes
        .iter()
        .position(|n| std::ptr::eq(n, node))
        .expect("a node of this document")
}

/// The one child `name` of `parent`, its text trimmed.
fn xml_child_text(nodes: &[XmlNode], parent: usize, name: &str) -> String {
    let found = xml_children(nodes, parent, "", name);
    assert_eq!(
        found.len(),
        1,
        "exactly one <{name}> in <{}>",
        nodes[parent].name
    );
    found[0].text.trim().to_string()
}

/// Whether a URL that a page or feed makes a reader fetch stays on the site.
fn on_site(url: &str, base: &str) -> bool {
    url.starts_with(&format!("{base}/")) || (url.starts_with('/') && !url.starts_with("//"))
}

/// Every URL in some HTML that a browser would fetch on its own: `src` and `srcset` of any
/// element, `href` of `<link>` (except rel="me", which browsers never fetch), `poster`, `data`.
fn fetched_urls(html: &Html) -> Vec<String> {
    let mut urls = Vec::new();
    for el in html.select(&sel("[src], [srcset], [poster], object[data]")) {
        for name in ["src", "poster", "data"] {
            if let Some(v) = el.value().attr(name) {
                urls.push(v.to_string());
            }
        }
        if let Some(set) = el.value().attr("srcset") {
            urls.extend(
                set.split(',')
                    .filter_map(|c| c.split_whitespace().next())
                    .map(str::to_string),
            );
        }
    }
    for link in html.select(&sel("link[href]")) {
        let rel = link.value().attr("rel").unwrap_or("");
        if !rel.split_whitespace().any(|r| r.eq_ignore_ascii_case("me")) {
            urls.push(attr(link, "href").to_string());
        }
    }
    urls
}

fn assert_fetches_only_from_site(what: &str, html: &Html, base: &str) {
    for url in fetched_urls(html) {
        assert!(on_site(&url, base), "{what} makes the reader fetch {url}");
    }
}

/// The directives of a Content-Security-Policy header: name → sources.
fn csp_directives(header: &str) -> BTreeMap<String, Vec<String>> {
    header
        .split(';')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(|d| {
            let mut parts = d.split_whitespace();
            let name = parts.next().unwrap().to_ascii_lowercase();
            (name, parts.map(str::to_string).collect())
        })
        .collect()
}

/// The text of some HTML, as a reader sees it.
fn plain(html: &str) -> String {
    Html::parse_fragment(html)
        .root_element()
        .text()
        .collect::<String>()
}

/// Deletes a post through the admin panel.
fn delete_post(server: &TestServer, admin: &Client, path: &str) {
    let id = post_id(server, path);
    let csrf = admin.csrf();
    let resp = admin.post_form(&format!("/admin/posts/{id}/delete"), &[("csrf", &csrf)]);
    assert_eq!(resp.status, 303, "delete: {}", resp.text());
}

// ---------------------------------------------------------------------------------------------
// JSON Feed 1.1

/// Three posts (titled with a category, untitled, titled with two categories), a draft and a
/// page; only the posts belong in the feed.
struct Blog {
    server: TestServer,
    admin: Client,
    first: String,
    note: String,
    second: String,
}

fn blog() -> Blog {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let first = publish(
        &server,
        &admin,
        "First light",
        "The porch at dawn.",
        "Reading",
    );
    let note = publish(&server, &admin, "", "Just a short note.", "");
    let second = publish(
        &server,
        &admin,
        "Two categories",
        "Tagged twice.",
        "Reading, Travel Notes",
    );
    let draft = admin.compose(&[
        ("title", "Not yet"),
        ("markdown", "A draft nobody may see."),
        ("new_categories", "Reading"),
        ("action", "draft"),
    ]);
    assert_eq!(draft.status, 303, "{}", draft.text());
    publish_page(&admin, "Now", "What I am doing now.", "/now/");
    Blog {
        server,
        admin,
        first,
        note,
        second,
    }
}

#[test]
fn the_json_feed_follows_json_feed_1_1() {
    let b = blog();
    let base = &b.server.base;
    let feed = json_feed(&b.server.client(), "/feed.json");

    assert_eq!(feed["version"], "https://jsonfeed.org/version/1.1");
    assert_eq!(feed["title"], "My blog");
    assert_eq!(feed["home_page_url"], format!("{base}/"));
    assert_eq!(feed["feed_url"], format!("{base}/feed.json"));
    let authors = feed["authors"].as_array().expect("authors");
    assert_eq!(authors.len(), 1);
    assert_eq!(authors[0]["name"], "Alice Example");
    assert_eq!(authors[0]["url"], format!("{base}/"));

    let list = items(&feed);
    let urls: Vec<&str> = list.iter().map(|i| string_at(i, "url")).collect();
    let expected: Vec<String> = [&b.second, &b.note, &b.first]
        .iter()
        .map(|p| format!("{base}{p}"))
        .collect();
    assert_eq!(
        urls, expected,
        "posts only, newest first (no draft, no page)"
    );
    let text = serde_json::to_string(&feed).unwrap();
    assert!(!text.contains("A draft nobody may see"), "drafts stay out");
    assert!(!text.contains("What I am doing now"), "pages stay out");

    let mut previous: Option<chrono::DateTime<chrono::FixedOffset>> = None;
    for item in list {
        assert_eq!(item["id"], item["url"], "the id is the permalink");
        let published = rfc3339(string_at(item, "date_published"));
        if let Some(p) = previous {
            assert!(published <= p, "items are newest first");
        }
        previous = Some(published);
        let html = string_at(item, "content_html");
        assert!(html.starts_with("<p>"), "content_html is HTML: {html}");
    }

    let second = &list[0];
    assert_eq!(second["title"], "Two categories");
    assert_eq!(
        plain(string_at(second, "content_html")).trim(),
        "Tagged twice."
    );
    assert_eq!(
        second["tags"],
        serde_json::json!(["Reading", "Travel Notes"])
    );

    let note = &list[1];
    assert!(
        note.get("title").is_none(),
        "an untitled post has no title at all (not even null): {note}"
    );
    assert!(note.get("tags").is_none(), "no categories, no tags: {note}");
    assert_eq!(
        plain(string_at(note, "content_html")).trim(),
        "Just a short note."
    );

    let first = &list[2];
    assert_eq!(first["title"], "First light");
    assert_eq!(first["tags"], serde_json::json!(["Reading"]));
}

#[test]
fn a_category_json_feed_holds_only_that_categorys_posts() {
    let b = blog();
    let base = &b.server.base;
    let visitor = b.server.client();

    let travel = json_feed(&visitor, "/categories/travel-notes/feed.json");
    assert_eq!(
        travel["feed_url"],
        format!("{base}/categories/travel-notes/feed.json")
    );
    assert_eq!(
        travel["home_page_url"],
        format!("{base}/categories/travel-notes/")
    );
    assert!(string_at(&travel, "title").contains("Travel Notes"));
    let urls: Vec<&str> = items(&travel).iter().map(|i| string_at(i, "url")).collect();
    assert_eq!(urls, [format!("{base}{}", b.second)]);

    let reading = json_feed(&visitor, "/categories/reading/feed.json");
    let urls: Vec<&str> = items(&reading)
        .iter()
        .map(|i| string_at(i, "url"))
        .collect();
    assert_eq!(
        urls,
        [format!("{base}{}", b.second), format!("{base}{}", b.first)],
        "both Reading posts, newest first, and not the draft filed under Reading"
    );

    // The category's page advertises its own feeds before the site's.
    let doc = page(&visitor, "/categories/travel-notes/");
    let alternates: Vec<(&str, &str)> = doc
        .select(&sel(r#"head link[rel="alternate"]"#))
        .map(|l| (attr(l, "type"), attr(l, "href")))
        .collect();
    let rss = format!("{base}/categories/travel-notes/feed.xml");
    let json = format!("{base}/categories/travel-notes/feed.json");
    assert_eq!(alternates[0], ("application/rss+xml", rss.as_str()));
    assert_eq!(alternates[1], ("application/feed+json", json.as_str()));
    let (channel, _) = rss_feed(&visitor, "/categories/travel-notes/feed.xml");
    let links: Vec<&str> = channel.items().iter().filter_map(|i| i.link()).collect();
    assert_eq!(links, [format!("{base}{}", b.second)]);

    for path in [
        "/categories/no-such-thing/feed.json",
        "/categories/no-such-thing/feed.xml",
    ] {
        let resp = visitor.get(path);
        assert_eq!(resp.status, 404, "{path}");
        assert!(resp.header("etag").is_none(), "a 404 is not cached: {path}");
    }
}

#[test]
fn feed_and_page_dates_carry_the_sites_time_zone() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    save_settings(&admin, &[("timezone", "Asia/Kolkata")]);
    let path = publish(&server, &admin, "Monsoon", "Rain again.", "");
    let visitor = server.client();
    let json = json_feed(&visitor, "/feed.json");
    let published = string_at(&items(&json)[0], "date_published").to_string();
    assert!(published.ends_with("+05:30"), "{published}");
    let local = rfc3339(&published);
    assert_eq!(
        &path[..12],
        local.format("/%Y/%m/%d/").to_string(),
        "the permalink carries the local date"
    );
    let doc = page(&visitor, &path);
    let time = doc.select(&sel(".dt-published")).next().unwrap();
    assert_eq!(attr(time, "datetime"), published);
    let (channel, _) = rss_feed(&visitor, "/feed.xml");
    let pub_date = channel.items()[0].pub_date().unwrap();
    assert_eq!(
        chrono::DateTime::parse_from_rfc2822(pub_date).unwrap(),
        local,
        "RSS gives the same instant"
    );
}

// ---------------------------------------------------------------------------------------------
// RSS 2.0

#[test]
fn the_rss_feed_is_well_formed_rss_2_0() {
    let b = blog();
    let base = &b.server.base;
    let visitor = b.server.client();
    let (channel, nodes) = rss_feed(&visitor, "/feed.xml");

    // As the rss crate reads it.
    assert_eq!(channel.title(), "My blog");
    assert_eq!(channel.link(), format!("{base}/"));
    assert!(
        !channel.description().trim().is_empty(),
        "a channel needs a description"
    );
    let self_links: Vec<_> = channel
        .atom_ext()
        .expect("an atom extension")
        .links()
        .iter()
        .filter(|l| l.rel == "self")
        .collect();
    assert_eq!(self_links.len(), 1);
    assert_eq!(self_links[0].href, format!("{base}/feed.xml"));
    assert_eq!(
        self_links[0].mime_type.as_deref(),
        Some("application/rss+xml")
    );

    let json = json_feed(&visitor, "/feed.json");
    let permalinks: Vec<String> = [&b.second, &b.note, &b.first]
        .iter()
        .map(|p| format!("{base}{p}"))
        .collect();
    assert_eq!(channel.items().len(), 3, "posts only: no draft, no page");
    for ((item, permalink), json_item) in channel.items().iter().zip(&permalinks).zip(items(&json))
    {
        assert_eq!(item.link(), Some(permalink.as_str()));
        let guid = item.guid().expect("a guid");
        assert_eq!(guid.value(), permalink);
        assert!(guid.is_permalink());
        let date = item.pub_date().expect("a pubDate");
        let parsed = chrono::DateTime::parse_from_rfc2822(date)
            .unwrap_or_else(|e| panic!("pubDate {date} is not RFC 2822: {e}"));
        assert_eq!(
            parsed,
            rfc3339(string_at(json_item, "date_published")),
            "both feeds give the same publication time"
        );
        // The rss crate trims text as it reads; quick-xml's exact reading is checked below.
        assert_eq!(
            item.description(),
            Some(string_at(json_item, "content_html").trim()),
            "the description holds the post's HTML"
        );
    }
    assert_eq!(channel.items()[0].title(), Some("Two categories"));
    assert_eq!(
        channel.items()[1].title(),
        None,
        "an untitled post has no <title>"
    );
    assert_eq!(channel.items()[2].title(), Some("First light"));
    let cats: Vec<&str> = channel.items()[0]
        .categories()
        .iter()
        .map(|c| c.name())
        .collect();
    assert_eq!(cats, ["Reading", "Travel Notes"]);

    // As quick-xml reads it: the document's own structure.
    let root = &nodes[0];
    assert_eq!((root.ns.as_str(), root.name.as_str()), ("", "rss"));
    assert_eq!(root.attrs.get("version").map(String::as_str), Some("2.0"));
    let channels = xml_children(&nodes, 0, "", "channel");
    assert_eq!(channels.len(), 1, "one channel");
    let ch = xml_index(&nodes, channels[0]);
    assert_eq!(xml_child_text(&nodes, ch, "title"), "My blog");
    assert_eq!(xml_child_text(&nodes, ch, "link"), format!("{base}/"));
    assert!(!xml_child_text(&nodes, ch, "description").is_empty());
    let atom_links = xml_children(&nodes, ch, ATOM_NS, "link");
    assert_eq!(atom_links.len(), 1, "one atom:link, in the Atom namespace");
    assert_eq!(atom_links[0].attrs["rel"], "self");
    assert_eq!(atom_links[0].attrs["href"], format!("{base}/feed.xml"));
    assert_eq!(atom_links[0].attrs["type"], "application/rss+xml");
    let xml_items = xml_children(&nodes, ch, "", "item");
    assert_eq!(xml_items.len(), 3);
    for ((node, permalink), json_item) in xml_items.iter().zip(&permalinks).zip(items(&json)) {
        let i = xml_index(&nodes, node);
        let description = xml_children(&nodes, i, "", "description");
        assert_eq!(description.len(), 1);
        assert_eq!(description[0].text, string_at(json_item, "content_html"));
        assert_eq!(&xml_child_text(&nodes, i, "link"), permalink);
        let guid = xml_children(&nodes, i, "", "guid");
        assert_eq!(guid.len(), 1);
        assert_eq!(guid[0].text.trim(), permalink);
        if let Some(v) = guid[0].attrs.get("isPermaLink") {
            assert_eq!(v, "true", "the guid is the permalink");
        }
    }
    let untitled = xml_index(&nodes, xml_items[1]);
    assert!(
        xml_children(&nodes, untitled, "", "title").is_empty(),
        "no <title> element at all for an untitled post"
    );
}

#[test]
fn ampersands_angle_brackets_quotes_and_emoji_survive_in_both_feeds() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let title = r#"Tom & Jerry <3 "quoted" 'single' 🎉 café"#;
    let text = r#"Fish & chips, a < b > c, "double" and 'single' quotes, 😀 and ✨."#;
    let path = publish(&server, &admin, title, text, "Fish & Chips");
    let visitor = server.client();

    let json = json_feed(&visitor, "/feed.json");
    let item = &items(&json)[0];
    assert_eq!(item["url"], format!("{}{path}", server.base));
    assert_eq!(item["title"], title);
    assert_eq!(plain(string_at(item, "content_html")).trim(), text);
    assert_eq!(item["tags"], serde_json::json!(["Fish & Chips"]));

    let (channel, nodes) = rss_feed(&visitor, "/feed.xml");
    let rss_item = &channel.items()[0];
    assert_eq!(rss_item.title(), Some(title));
    assert_eq!(plain(rss_item.description().unwrap()).trim(), text);
    assert_eq!(rss_item.categories()[0].name(), "Fish & Chips");
    let xml_title = nodes
        .iter()
        .find(|n| n.name == "title" && n.parent.is_some_and(|p| nodes[p].name == "item"))
        .expect("the item's title");
    assert_eq!(xml_title.text, title, "quick-xml reads the same title");

    let category = json_feed(&visitor, "/categories/fish-chips/feed.json");
    assert_eq!(items(&category)[0]["title"], title);

    let doc = page(&visitor, &path);
    let name = doc.select(&sel(".h-entry .p-name")).next().expect("p-name");
    assert_eq!(text_of(name), title, "and so does the post's page");
    assert_eq!(
        text_of(doc.select(&sel(".e-content")).next().unwrap()),
        text
    );
}

// ---------------------------------------------------------------------------------------------
// Conditional GET and the page cache

#[test]
fn every_cached_page_and_feed_answers_conditional_gets() {
    let b = blog();
    let visitor = b.server.client();
    // Last-Modified has one-second resolution, so the server proves freshness by date only once
    // the second of the last change is over.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    for path in [
        "/",
        b.first.as_str(),
        "/archive/",
        "/feed.xml",
        "/feed.json",
        "/sitemap.xml",
        "/categories/reading/",
        "/categories/reading/feed.xml",
    ] {
        let first = visitor.get(path);
        assert_eq!(first.status, 200, "{path}");
        let etag = first
            .header("etag")
            .unwrap_or_else(|| panic!("no ETag on {path}"));
        // Weak, because the compressed and plain bytes share it.
        assert!(
            etag.starts_with("W/\"") && etag.ends_with('"') && etag.len() > 4,
            "{path}: a weak ETag is W/ and a quoted string: {etag}"
        );
        let modified = first
            .header("last-modified")
            .unwrap_or_else(|| panic!("no Last-Modified on {path}"));
        assert!(
            modified.ends_with(" GMT") && chrono::DateTime::parse_from_rfc2822(modified).is_ok(),
            "{path}: Last-Modified is an HTTP date: {modified}"
        );

        let again = visitor.get(path);
        assert_eq!(
            again.header("etag"),
            Some(etag),
            "{path}: a repeat has the same ETag"
        );
        assert_eq!(again.body, first.body, "{path}: and the same body");

        let by_tag = visitor.get_with(path, &[("If-None-Match", etag)]);
        assert_eq!(by_tag.status, 304, "{path}: If-None-Match");
        assert!(by_tag.body.is_empty(), "{path}: a 304 has no body");
        assert_eq!(
            by_tag.header("etag"),
            Some(etag),
            "{path}: a 304 repeats the ETag"
        );

        let listed = format!("\"nope\", W/{etag}");
        let in_list = visitor.get_with(path, &[("If-None-Match", &listed)]);
        assert_eq!(in_list.status, 304, "{path}: a weak match in a list");

        let by_date = visitor.get_with(path, &[("If-Modified-Since", modified)]);
        assert_eq!(by_date.status, 304, "{path}: If-Modified-Since");
        assert!(by_date.body.is_empty(), "{path}: a 304 has no body");

        let older = visitor.get_with(
            path,
            &[("If-Modified-Since", "Thu, 01 Jan 1970 00:00:00 GMT")],
        );
        assert_eq!(older.status, 200, "{path}: changed since 1970");

        let other = visitor.get_with(path, &[("If-None-Match", "\"someone-elses-etag\"")]);
        assert_eq!(other.status, 200, "{path}: another ETag");
        assert_eq!(other.body, first.body, "{path}: full body for another ETag");

        // RFC 9110 §13.2.2: If-None-Match decides when both are sent.
        let both = visitor.get_with(
            path,
            &[
                ("If-None-Match", "\"someone-elses-etag\""),
                ("If-Modified-Since", modified),
            ],
        );
        assert_eq!(
            both.status, 200,
            "{path}: If-None-Match wins over If-Modified-Since"
        );
    }
}

#[test]
fn publishing_a_post_invalidates_the_old_etags() {
    let b = blog();
    let visitor = b.server.client();
    let paths = [
        "/",
        b.first.as_str(),
        "/archive/",
        "/feed.xml",
        "/feed.json",
        "/sitemap.xml",
        "/categories/reading/",
    ];
    let before: Vec<(String, Vec<u8>)> = paths
        .iter()
        .map(|p| {
            let r = visitor.get(p);
            assert_eq!(r.status, 200, "{p}");
            (r.header("etag").expect("ETag").to_string(), r.body)
        })
        .collect();

    let newer = publish(
        &b.server,
        &b.admin,
        "Fresh news",
        "Brand new words.",
        "Reading",
    );

    for (path, (etag, old_body)) in paths.iter().zip(&before) {
        let resp = visitor.get_with(path, &[("If-None-Match", etag)]);
        let new_etag = resp.header("etag").expect("ETag");
        if *path == b.first {
            // The old post's page has not changed, but it may be re-rendered: either way the
            // answer must match its current content.
            assert!(
                resp.status == 304 || resp.body == *old_body,
                "{path}: an unchanged page keeps its content"
            );
            continue;
        }
        assert_eq!(
            resp.status, 200,
            "{path}: the old ETag is stale after a new post"
        );
        assert_ne!(new_etag, etag, "{path}: a new ETag");
        let text = resp.text();
        let expected = if *path == "/sitemap.xml" {
            newer.as_str()
        } else if *path == "/archive/" {
            "4 posts"
        } else {
            "Fresh news"
        };
        assert!(text.contains(expected), "{path} shows the new post: {text}");
        let repeat = visitor.get_with(path, &[("If-None-Match", new_etag)]);
        assert_eq!(repeat.status, 304, "{path}: the new ETag validates");
    }
}

#[test]
fn changing_the_site_title_shows_on_pages_and_feeds() {
    let b = blog();
    let visitor = b.server.client();
    let home = visitor.get("/");
    let home_etag = home.header("etag").unwrap().to_string();

    // A refused change changes nothing: not the title, not the ETag.
    let refused = post_settings(&b.admin, &[("title", "   ")]);
    assert_eq!(refused.status, 422, "{}", refused.text());
    assert!(refused.text().contains("site title"), "{}", refused.text());
    let still = visitor.get_with("/", &[("If-None-Match", &home_etag)]);
    assert_eq!(still.status, 304, "a refused save leaves the cache valid");

    let new_title = "Porch Light & Co <est. 2026>";
    save_settings(&b.admin, &[("title", new_title)]);

    let fresh = visitor.get_with("/", &[("If-None-Match", &home_etag)]);
    assert_eq!(fresh.status, 200, "the old home page is stale");
    let doc = Html::parse_document(&fresh.text());
    assert_eq!(
        text_of(doc.select(&sel("title")).next().unwrap()),
        new_title
    );
    assert_eq!(
        text_of(doc.select(&sel(".site-title")).next().unwrap()),
        new_title
    );
    assert_eq!(meta_property(&doc, "og:title"), new_title);

    let post = page(&visitor, &b.first);
    assert_eq!(meta_property(&post, "og:site_name"), new_title);
    assert_eq!(
        text_of(post.select(&sel(".site-title")).next().unwrap()),
        new_title
    );
    let archive = page(&visitor, "/archive/");
    assert_eq!(
        text_of(archive.select(&sel("title")).next().unwrap()),
        format!("Archive · {new_title}")
    );

    assert_eq!(json_feed(&visitor, "/feed.json")["title"], new_title);
    assert_eq!(rss_feed(&visitor, "/feed.xml").0.title(), new_title);
    assert_eq!(
        json_feed(&visitor, "/categories/reading/feed.json")["title"],
        format!("Reading · {new_title}")
    );
}

/// A GET over a bare HTTP/1.1 connection: the response head (names lowercased, as the server
/// sends them) and the body as it came.
fn bare_get(base: &str, path: &str, accept_encoding: &str) -> (String, Vec<u8>) {
    let addr = base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept-Encoding: {accept_encoding}\r\n\
         Connection: close\r\n\r\n"
    );
    std::io::Write::write_all(&mut stream, request.as_bytes()).unwrap();
    let mut response = Vec::new();
    std::io::Read::read_to_end(&mut stream, &mut response).unwrap();
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a response head");
    let head = String::from_utf8_lossy(&response[..split + 2]).to_ascii_lowercase();
    (head, response[split + 4..].to_vec())
}

#[test]
fn compressed_and_plain_copies_are_kept_apart_by_caches() {
    let b = blog();
    let visitor = b.server.client();
    for path in [
        "/",
        b.first.as_str(),
        "/feed.xml",
        "/feed.json",
        "/sitemap.xml",
    ] {
        let plain = visitor.get_with(path, &[("Accept-Encoding", "identity")]);
        assert_eq!(plain.status, 200, "{path}");
        assert_eq!(plain.header("content-encoding"), None, "{path}");
        let brotli = visitor.get_with(path, &[("Accept-Encoding", "br")]);
        assert_eq!(brotli.header("content-encoding"), Some("br"), "{path}");
        assert_ne!(
            brotli.body, plain.body,
            "{path}: the copies differ byte for byte"
        );
        let mut unpacked = Vec::new();
        std::io::Read::read_to_end(
            &mut brotli::Decompressor::new(&brotli.body[..], 4096),
            &mut unpacked,
        )
        .unwrap();
        assert_eq!(unpacked, plain.body, "{path}: brotli holds the same page");
        let again = visitor.get_with(path, &[("Accept-Encoding", "br")]);
        assert_eq!(
            again.body, brotli.body,
            "{path}: the kept copy is sent again"
        );
        // The test client would unpack gzip itself: ask over a bare connection.
        let (head, gzip) = bare_get(&b.server.base, path, "gzip, deflate");
        assert!(
            head.contains("\r\ncontent-encoding: gzip\r\n"),
            "{path}: {head}"
        );
        let mut unpacked = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gzip[..]), &mut unpacked)
            .unwrap();
        assert_eq!(unpacked, plain.body, "{path}: gzip holds the same page");
        // Pages are `Cache-Control: public`, so a shared cache must not hand the brotli copy
        // to a reader that cannot decode it (RFC 9110 §12.5.5).
        let etag = plain.header("etag").unwrap();
        let not_modified = visitor.get_with(path, &[("If-None-Match", etag)]);
        for (what, resp) in [
            ("plain", &plain),
            ("brotli", &brotli),
            ("304", &not_modified),
        ] {
            let vary = resp.header("vary").unwrap_or("");
            assert!(
                vary.split(',')
                    .any(|v| v.trim().eq_ignore_ascii_case("accept-encoding")),
                "{path} ({what}): Vary names Accept-Encoding, got {vary:?}"
            );
        }
        assert_eq!(not_modified.header("content-encoding"), None, "{path}");
    }
    // The stylesheet is text and compressed; robots.txt is too small to gain anything.
    let css = visitor.get_with("/static/style.css", &[("Accept-Encoding", "br")]);
    assert_eq!(css.header("content-encoding"), Some("br"));
    let robots = visitor.get_with("/robots.txt", &[("Accept-Encoding", "br")]);
    assert_eq!(robots.status, 200);
    assert_eq!(robots.header("content-encoding"), None, "{}", robots.text());
}

// ---------------------------------------------------------------------------------------------
// Sitemap and robots.txt

#[test]
fn the_sitemap_lists_published_posts_and_pages_but_no_drafts_or_deleted_posts() {
    let b = blog();
    let base = &b.server.base;
    let gone = publish(&b.server, &b.admin, "Soon gone", "Deleted shortly.", "");
    delete_post(&b.server, &b.admin, &gone);
    assert_eq!(b.server.client().get(&gone).status, 410);

    let resp = b.server.client().get("/sitemap.xml");
    assert_eq!(resp.status, 200);
    assert_eq!(mime_essence(&resp), "application/xml");
    let nodes = parse_xml(&resp.text());
    assert_eq!(
        (nodes[0].ns.as_str(), nodes[0].name.as_str()),
        (SITEMAP_NS, "urlset")
    );
    let urls = xml_children(&nodes, 0, SITEMAP_NS, "url");
    let mut locs = Vec::new();
    for url in &urls {
        let i = xml_index(&nodes, url);
        let loc = xml_children(&nodes, i, SITEMAP_NS, "loc");
        assert_eq!(loc.len(), 1, "one <loc> per <url>");
        locs.push(loc[0].text.trim().to_string());
        for lastmod in xml_children(&nodes, i, SITEMAP_NS, "lastmod") {
            rfc3339(lastmod.text.trim());
        }
    }
    locs.sort();
    let mut expected: Vec<String> = ["/", "/now/", &b.first, &b.note, &b.second]
        .iter()
        .map(|p| format!("{base}{p}"))
        .collect();
    expected.sort();
    assert_eq!(
        locs, expected,
        "home, posts and the page; no draft, no deleted post"
    );
}

/// The `<loc>` of each `<entry>` (`url` or `sitemap`) of a sitemap file.
fn locs(nodes: &[XmlNode], entry: &str) -> Vec<String> {
    xml_children(nodes, 0, SITEMAP_NS, entry)
        .iter()
        .map(|e| {
            let i = xml_index(nodes, e);
            xml_children(nodes, i, SITEMAP_NS, "loc")[0]
                .text
                .trim()
                .to_string()
        })
        .collect()
}

#[test]
fn a_site_past_50000_urls_has_a_sitemap_index_of_files_of_at_most_50000() {
    let server = TestServer::with_owner();
    let base = &server.base;
    // 50,001 published posts, written straight into the table: the sitemap reads only it.
    server
        .app
        .db
        .write_blocking(|tx| {
            tx.execute_batch(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50001)
                 INSERT INTO posts (kind, status, markdown, html, path, published_at, created_at,
                                    updated_at)
                 SELECT 'post', 'published', 'x', '<p>x</p>', '/2020/01/01/p' || i || '.html',
                        1577836800 + i, 1577836800 + i, 1577836800 + i FROM n",
            )?;
            Ok(())
        })
        .unwrap();
    let visitor = server.client();
    let index = visitor.get("/sitemap.xml");
    assert_eq!(index.status, 200);
    let nodes = parse_xml(&index.text());
    assert_eq!(
        (nodes[0].ns.as_str(), nodes[0].name.as_str()),
        (SITEMAP_NS, "sitemapindex")
    );
    let files = locs(&nodes, "sitemap");
    assert_eq!(
        files,
        [
            format!("{base}/sitemap/1.xml"),
            format!("{base}/sitemap/2.xml")
        ]
    );
    // The home page and the 49,999 newest posts, then the two oldest.
    let first = visitor.get("/sitemap/1.xml").text();
    assert_eq!(first.matches("<loc>").count(), 50_000);
    assert!(first.contains(&format!("<loc>{base}/</loc>")));
    assert!(first.contains(&format!("<loc>{base}/2020/01/01/p50001.html</loc>")));
    assert!(first.contains(&format!("<loc>{base}/2020/01/01/p3.html</loc>")));
    let second = visitor.get("/sitemap/2.xml");
    assert_eq!(mime_essence(&second), "application/xml");
    let second = second.text();
    let nodes = parse_xml(&second);
    assert_eq!(nodes[0].name, "urlset");
    assert_eq!(
        locs(&nodes, "url"),
        [
            format!("{base}/2020/01/01/p2.html"),
            format!("{base}/2020/01/01/p1.html")
        ]
    );
    for missing in ["/sitemap/3.xml", "/sitemap/0.xml", "/sitemap/x.xml"] {
        assert_eq!(visitor.get(missing).status, 404, "{missing}");
    }
}

#[test]
fn robots_txt_names_the_sitemap_and_keeps_crawlers_out_of_the_admin_panel() {
    let server = TestServer::with_owner();
    let resp = server.client().get("/robots.txt");
    assert_eq!(resp.status, 200);
    assert_eq!(mime_essence(&resp), "text/plain");
    let text = resp.text();
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    assert!(lines.contains(&"User-agent: *"), "{text}");
    assert!(lines.contains(&"Disallow: /admin/"), "{text}");
    assert!(
        lines.contains(&format!("Sitemap: {}/sitemap.xml", server.base).as_str()),
        "{text}"
    );
    assert!(
        !lines.contains(&"Disallow: /"),
        "the blog itself stays crawlable: {text}"
    );
}

// ---------------------------------------------------------------------------------------------
// Microformats and head metadata

/// Checks one h-entry; `title` is the post's title if it has one.
fn assert_h_entry(entry: ElementRef, permalink: &str, title: Option<&str>, base: &str) -> String {
    let contents: Vec<_> = entry.select(&sel(".e-content")).collect();
    assert_eq!(contents.len(), 1, "one e-content: {}", entry.html());
    let published: Vec<_> = entry.select(&sel(".dt-published")).collect();
    assert_eq!(published.len(), 1, "one dt-published");
    let datetime = attr(published[0], "datetime").to_string();
    rfc3339(&datetime);
    let urls: Vec<&str> = entry
        .select(&sel(".u-url"))
        .map(|u| attr(u, "href"))
        .collect();
    assert!(!urls.is_empty(), "a u-url");
    assert!(
        urls.iter().all(|u| *u == permalink),
        "u-url is the permalink: {urls:?}"
    );
    let authors: Vec<_> = entry.select(&sel(".p-author.h-card")).collect();
    assert_eq!(authors.len(), 1, "one p-author h-card");
    assert_eq!(attr(authors[0], "href"), format!("{base}/"));
    assert_eq!(text_of(authors[0]), "Alice Example");
    let names: Vec<_> = entry
        .select(&sel(".p-name"))
        .filter(|n| {
            !n.ancestors()
                .filter_map(ElementRef::wrap)
                .any(|a| has_class(a, "h-card"))
        })
        .collect();
    match title {
        Some(t) => {
            assert_eq!(names.len(), 1, "a titled post has one p-name");
            assert_eq!(text_of(names[0]), t);
        }
        None => assert!(
            names.is_empty(),
            "an untitled post has no p-name: {}",
            entry.html()
        ),
    }
    datetime
}

#[test]
fn the_home_page_and_post_pages_carry_microformats() {
    let b = blog();
    let base = &b.server.base;
    let visitor = b.server.client();
    let json = json_feed(&visitor, "/feed.json");
    let published: BTreeMap<&str, &str> = items(&json)
        .iter()
        .map(|i| (string_at(i, "url"), string_at(i, "date_published")))
        .collect();

    let home = page(&visitor, "/");
    let feeds: Vec<_> = home.select(&sel(".h-feed")).collect();
    assert_eq!(feeds.len(), 1, "one h-feed");
    let entries: Vec<_> = feeds[0].select(&sel(".h-entry")).collect();
    assert_eq!(entries.len(), 3, "one h-entry per post; no draft or page");
    let expected = [
        (&b.second, Some("Two categories")),
        (&b.note, None),
        (&b.first, Some("First light")),
    ];
    for (entry, (path, title)) in entries.iter().zip(expected) {
        let permalink = format!("{base}{path}");
        let datetime = assert_h_entry(*entry, &permalink, title, base);
        assert_eq!(
            rfc3339(&datetime),
            rfc3339(published[permalink.as_str()]),
            "the page and the feed agree on the date"
        );
    }
    let categories: Vec<String> = entries[0]
        .select(&sel(".p-category"))
        .map(text_of)
        .collect();
    assert_eq!(categories, ["Reading", "Travel Notes"]);

    for (path, title) in [(&b.first, Some("First light")), (&b.note, None)] {
        let permalink = format!("{base}{path}");
        let doc = page(&visitor, path);
        let entries: Vec<_> = doc.select(&sel(".h-entry")).collect();
        assert_eq!(entries.len(), 1, "{path}: one h-entry");
        assert_h_entry(entries[0], &permalink, title, base);
        if title.is_some() {
            assert_eq!(
                doc.select(&sel("h1.p-name")).count(),
                1,
                "the title is the h1"
            );
        }
    }
}

#[test]
fn pages_advertise_both_feeds_and_open_graph_data() {
    let b = blog();
    let base = &b.server.base;
    let visitor = b.server.client();
    let first = format!("{base}{}", b.first);
    let note = format!("{base}{}", b.note);
    for (path, url, og_type, og_title) in [
        ("/", format!("{base}/"), "website", "My blog"),
        (b.first.as_str(), first, "article", "First light"),
        (b.note.as_str(), note, "article", "Just a short note."),
    ] {
        let doc = page(&visitor, path);
        for (mime, feed) in [
            ("application/rss+xml", "/feed.xml"),
            ("application/feed+json", "/feed.json"),
        ] {
            let links: Vec<_> = doc
                .select(&sel(&format!(
                    r#"head link[rel="alternate"][type="{mime}"]"#
                )))
                .collect();
            assert_eq!(links.len(), 1, "{path}: one {mime} link");
            assert_eq!(attr(links[0], "href"), format!("{base}{feed}"));
            assert!(!attr(links[0], "title").is_empty());
        }
        let canonical: Vec<_> = doc.select(&sel(r#"head link[rel="canonical"]"#)).collect();
        assert_eq!(canonical.len(), 1, "{path}: one canonical link");
        assert_eq!(attr(canonical[0], "href"), url);
        assert_eq!(meta_property(&doc, "og:url"), url, "{path}");
        assert_eq!(meta_property(&doc, "og:type"), og_type, "{path}");
        assert_eq!(meta_property(&doc, "og:title"), og_title, "{path}");
        // The browser tab names the site as well (issue 16); Open Graph keeps the page's own.
        let tab = if og_title == "My blog" {
            og_title.to_string()
        } else {
            format!("{og_title} · My blog")
        };
        assert_eq!(text_of(doc.select(&sel("title")).next().unwrap()), tab);
    }
}

#[test]
fn rel_me_links_appear_once_set_in_settings() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let path = publish(&server, &admin, "Hello", "World.", "");
    let visitor = server.client();
    for p in ["/", path.as_str(), "/about/"] {
        let doc = page(&visitor, p);
        assert_eq!(doc.select(&sel(r#"link[rel="me"]"#)).count(), 0, "{p}");
    }

    // A line that is not a web address is refused, and nothing is saved.
    let refused = post_settings(
        &admin,
        &[("rel_me", "https://social.example/@alice\nnot a url")],
    );
    assert_eq!(refused.status, 422, "{}", refused.text());
    assert_eq!(
        page(&visitor, "/")
            .select(&sel(r#"link[rel="me"]"#))
            .count(),
        0
    );

    let links = [
        "https://social.example/@alice",
        "https://code.example/alice",
    ];
    save_settings(&admin, &[("rel_me", &links.join("\r\n"))]);
    for p in ["/", path.as_str(), "/about/"] {
        let doc = page(&visitor, p);
        let heads: Vec<&str> = doc
            .select(&sel(r#"head link[rel="me"]"#))
            .map(|l| attr(l, "href"))
            .collect();
        assert_eq!(heads, links, "{p}: one rel=me link per line, in order");
        let anchors: Vec<&str> = doc
            .select(&sel(r#"body a[rel~="me"]"#))
            .map(|a| attr(a, "href"))
            .filter(|h| links.contains(h))
            .collect();
        assert!(
            anchors.len() >= 2,
            "{p}: visible rel=me links too: {anchors:?}"
        );
    }
    assert_eq!(
        common::federation::form_fields(
            &admin.get("/admin/settings/profile").text(),
            "/admin/settings/profile"
        )
        .iter()
        .find(|(n, _)| n == "rel_me")
        .map(|(_, v)| v.trim().replace("\r\n", "\n")),
        Some(links.join("\n")),
        "the form shows them back one per line"
    );
}

#[test]
fn the_about_page_has_the_authors_h_card() {
    let server = TestServer::with_owner();
    let doc = page(&server.client(), "/about/");
    let cards: Vec<_> = doc
        .select(&sel("main .h-card"))
        .filter(|c| c.select(&sel(".p-name.u-url")).next().is_some())
        .collect();
    assert_eq!(cards.len(), 1, "one h-card with p-name u-url in the page");
    let name = cards[0].select(&sel(".p-name.u-url")).next().unwrap();
    assert_eq!(text_of(name), "Alice Example");
    assert_eq!(attr(name, "href"), format!("{}/", server.base));
    let nick = cards[0]
        .select(&sel(".p-nickname"))
        .next()
        .expect("p-nickname");
    assert_eq!(text_of(nick), "alice");
    assert_eq!(meta_property(&doc, "og:type"), "profile");
    assert_eq!(
        meta_property(&doc, "og:url"),
        format!("{}/about/", server.base)
    );
}

// ---------------------------------------------------------------------------------------------
// Paging

fn entry_titles(doc: &Html) -> Vec<String> {
    doc.select(&sel(".h-entry .p-name")).map(text_of).collect()
}

fn rel_link(doc: &Html, rel: &str) -> Option<String> {
    let found: Vec<_> = doc.select(&sel(&format!(r#"a[rel="{rel}"]"#))).collect();
    assert!(found.len() <= 1, "at most one rel={rel}");
    found.first().map(|a| attr(*a, "href").to_string())
}

#[test]
fn the_home_page_is_paged_by_the_posts_per_page_setting() {
    let server = TestServer::with_owner();
    let base = &server.base;
    let admin = server.admin();
    let mut paths = Vec::new();
    for n in 1..=5 {
        paths.push(publish(
            &server,
            &admin,
            &format!("Post {n}"),
            &format!("Number {n}."),
            "",
        ));
    }
    let refused = post_settings(&admin, &[("posts_per_page", "0")]);
    assert_eq!(refused.status, 422, "{}", refused.text());
    save_settings(&admin, &[("posts_per_page", "2")]);
    let visitor = server.client();

    let home = page(&visitor, "/");
    assert_eq!(entry_titles(&home), ["Post 5", "Post 4"]);
    assert_eq!(rel_link(&home, "next"), Some(format!("{base}/page/2/")));
    assert_eq!(rel_link(&home, "prev"), None);

    let two = page(&visitor, "/page/2/");
    assert_eq!(entry_titles(&two), ["Post 3", "Post 2"]);
    assert_eq!(rel_link(&two, "prev"), Some(format!("{base}/")));
    assert_eq!(rel_link(&two, "next"), Some(format!("{base}/page/3/")));
    let canonical = two.select(&sel(r#"link[rel="canonical"]"#)).next().unwrap();
    assert_eq!(attr(canonical, "href"), format!("{base}/page/2/"));

    let three = page(&visitor, "/page/3/");
    assert_eq!(entry_titles(&three), ["Post 1"]);
    assert_eq!(rel_link(&three, "prev"), Some(format!("{base}/page/2/")));
    assert_eq!(rel_link(&three, "next"), None, "the last page has no next");

    for path in [
        "/page/4/",
        "/page/1/",
        "/page/0/",
        "/page/abc/",
        "/page/-1/",
        "/page/2x/",
    ] {
        assert_eq!(visitor.get(path).status, 404, "{path}");
    }

    // With exactly two pages' worth, page 2 is the last one.
    delete_post(&server, &admin, &paths[0]);
    let two = page(&visitor, "/page/2/");
    assert_eq!(entry_titles(&two), ["Post 3", "Post 2"]);
    assert_eq!(rel_link(&two, "next"), None);
    assert_eq!(visitor.get("/page/3/").status, 404);
}

// ---------------------------------------------------------------------------------------------
// Security headers and no third-party requests

#[test]
fn pages_and_feeds_carry_a_self_only_content_security_policy() {
    let b = blog();
    let visitor = b.server.client();
    for path in [
        "/",
        b.first.as_str(),
        "/about/",
        "/archive/",
        "/now/",
        "/feed.xml",
        "/feed.json",
        "/sitemap.xml",
        "/robots.txt",
        "/no-such-page/",
    ] {
        let resp = visitor.get(path);
        assert_eq!(
            resp.header("x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
        let csp = resp
            .header("content-security-policy")
            .unwrap_or_else(|| panic!("no Content-Security-Policy on {path}"));
        let directives = csp_directives(csp);
        assert_eq!(
            directives.get("default-src").map(Vec::as_slice),
            Some(&["'self'".to_string()][..]),
            "{path}: {csp}"
        );
        for (name, sources) in &directives {
            for source in sources {
                assert!(
                    matches!(source.as_str(), "'self'" | "'none'" | "data:"),
                    "{path}: {name} allows {source}: {csp}"
                );
            }
        }
        assert_eq!(
            directives.get("object-src").map(Vec::as_slice),
            Some(&["'none'".to_string()][..]),
            "{path}: no plug-ins"
        );
    }
}

#[test]
fn no_page_or_feed_loads_anything_from_another_host() {
    let server = TestServer::with_owner();
    let base = server.base.clone();
    let admin = server.admin();
    let csrf = admin.csrf();
    let png = common::png(64, 48);
    let saved = admin.post_multipart(
        "/admin/new",
        &[
            ("csrf", &csrf),
            ("kind", "post"),
            ("title", "With a photo"),
            (
                "markdown",
                "A photo, and [a link elsewhere](https://elsewhere.example/page).",
            ),
            ("new_categories", "Photos"),
            ("photo_file_alt", "A gradient"),
            ("action", "publish"),
        ],
        &[("photo_file", "square.png", &png)],
    );
    assert_eq!(saved.status, 303, "{}", saved.text());
    let photo_post = newest_path(&server);
    publish(
        &server,
        &admin,
        "",
        "A note linking https://another.example/ too.",
        "",
    );
    publish_page(&admin, "Colophon", "Made with Porch.", "/colophon/");
    save_settings(&admin, &[("rel_me", "https://social.example/@alice")]);
    let visitor = server.client();

    let month = format!("{}/", &photo_post[..8]);
    for path in [
        "/",
        photo_post.as_str(),
        "/about/",
        "/archive/",
        month.as_str(),
        "/categories/",
        "/categories/photos/",
        "/topics/",
        "/photos/",
        "/search/?q=photo",
        "/colophon/",
        "/no-such-page/",
    ] {
        let resp = visitor.get(path);
        let expected = if path == "/no-such-page/" { 404 } else { 200 };
        assert_eq!(resp.status, expected, "{path}");
        let doc = Html::parse_document(&resp.text());
        assert_fetches_only_from_site(path, &doc, &base);
        assert!(
            doc.select(&sel("script:not([src])")).next().is_none(),
            "{path}: no inline scripts (the CSP would block them)"
        );
    }

    // The checks above must not be vacuous: the photo and the stylesheet are there, and so is
    // the owner's own link to another site, which a reader follows only by choice.
    let post = page(&visitor, &photo_post);
    let images: Vec<String> = post
        .select(&sel(".h-entry img"))
        .map(|i| attr(i, "src").to_string())
        .collect();
    assert_eq!(images.len(), 1, "the photo is shown");
    assert!(
        images[0].starts_with(&format!("{base}/uploads/")),
        "{images:?}"
    );
    assert_eq!(visitor.get(&images[0]).status, 200, "the photo is served");
    assert!(
        post.select(&sel(r#"link[rel="stylesheet"]"#))
            .next()
            .is_some()
    );
    assert!(
        post.select(&sel(
            r#".e-content a[href="https://elsewhere.example/page"]"#
        ))
        .next()
        .is_some(),
        "the owner's link is kept"
    );

    // The feeds: every URL they give is on the site, and so is everything their HTML loads.
    let json = json_feed(&visitor, "/feed.json");
    for key in ["home_page_url", "feed_url", "icon", "favicon", "next_url"] {
        if let Some(url) = json.get(key).and_then(Value::as_str) {
            assert!(url.starts_with(&format!("{base}/")), "{key}: {url}");
        }
    }
    for author in json["authors"].as_array().unwrap() {
        assert!(string_at(author, "url").starts_with(&format!("{base}/")));
    }
    let mut feed_images = 0;
    for item in items(&json) {
        for key in ["id", "url", "image", "banner_image"] {
            if let Some(url) = item.get(key).and_then(Value::as_str) {
                assert!(url.starts_with(&format!("{base}/")), "item {key}: {url}");
            }
        }
        let html = Html::parse_fragment(string_at(item, "content_html"));
        assert_fetches_only_from_site("a JSON Feed item", &html, &base);
        feed_images += html.select(&sel("img")).count();
    }
    assert_eq!(feed_images, 1, "the photo is in the feed item's HTML");

    let (channel, _) = rss_feed(&visitor, "/feed.xml");
    assert!(channel.link().starts_with(&format!("{base}/")));
    for link in channel.atom_ext().unwrap().links() {
        assert!(link.href.starts_with(&format!("{base}/")), "{}", link.href);
    }
    for item in channel.items() {
        assert!(item.link().unwrap().starts_with(&format!("{base}/")));
        let html = Html::parse_fragment(item.description().unwrap());
        assert_fetches_only_from_site("an RSS item", &html, &base);
    }
}

#[test]
fn relative_links_in_a_post_are_made_absolute_in_the_feeds_only() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let path = publish(
        &server,
        &admin,
        "Relative",
        "Read [me](/about/) and see ![x](/static/style.css).",
        "",
    );
    let about = server.url("/about/");
    let image = server.url("/static/style.css");
    let visitor = server.client();

    // On the site itself a relative link is fine, and stays as the owner wrote it.
    let doc = page(&visitor, &path);
    let content = doc
        .select(&sel(".h-entry .e-content"))
        .next()
        .expect("the post's content");
    let link = content.select(&sel("a")).next().expect("the link");
    assert_eq!(attr(link, "href"), "/about/");
    let img = content.select(&sel("img")).next().expect("the image");
    assert_eq!(attr(img, "src"), "/static/style.css");

    // A feed reader has no page to resolve them against.
    let json = json_feed(&visitor, "/feed.json");
    let item = items(&json)
        .iter()
        .find(|i| string_at(i, "url").ends_with(&path))
        .expect("the post in the JSON Feed");
    let html = Html::parse_fragment(string_at(item, "content_html"));
    let link = html.select(&sel("a")).next().expect("the link");
    assert_eq!(attr(link, "href"), about);
    let img = html.select(&sel("img")).next().expect("the image");
    assert_eq!(attr(img, "src"), image);

    let (channel, _) = rss_feed(&visitor, "/feed.xml");
    let item = channel
        .items()
        .iter()
        .find(|i| i.link().is_some_and(|l| l.ends_with(&path)))
        .expect("the post in the RSS feed");
    let html = Html::parse_fragment(item.description().unwrap());
    let link = html.select(&sel("a")).next().expect("the link");
    assert_eq!(attr(link, "href"), about);
    let img = html.select(&sel("img")).next().expect("the image");
    assert_eq!(attr(img, "src"), image);
}

#[test]
fn static_files_answer_if_none_match_with_304() {
    let server = TestServer::start();
    let visitor = server.client();
    let first = visitor.get("/static/style.css");
    assert_eq!(first.status, 200);
    assert!(!first.body.is_empty());
    let etag = first.header("etag").expect("an ETag").to_string();

    let same = visitor.get_with("/static/style.css", &[("If-None-Match", &etag)]);
    assert_eq!(same.status, 304, "{:?}", same.headers);
    assert!(same.body.is_empty(), "a 304 has no body");
    assert_eq!(same.header("etag"), Some(etag.as_str()));

    let listed = format!("\"nope\", W/{etag}");
    let in_list = visitor.get_with("/static/style.css", &[("If-None-Match", &listed)]);
    assert_eq!(in_list.status, 304, "a weak match in a list");

    let other = visitor.get_with("/static/style.css", &[("If-None-Match", "\"nope\"")]);
    assert_eq!(other.status, 200);
    assert_eq!(other.body, first.body);
}
