//! WordPress's export file (WXR: RSS 2.0 with WordPress's `wp:` namespace), read an item at a
//! time so that a site of any size is read in little memory. Elements are told apart by their
//! namespace, not by the prefix a file happens to use; only what an import looks at is kept.
//! Entities beyond XML's five and character references are kept as written: the file's DTD, if
//! it has one, is never read.

use std::io::BufRead;

use anyhow::{Context, Result};
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::{NsReader, XmlVersion};

/// The longest text of one element kept: a post longer than this is not a post.
const MAX_TEXT: usize = 8 * 1024 * 1024;
/// Comments kept for one post; more are counted, not kept.
const MAX_COMMENTS: usize = 5_000;
/// Elements nested deeper than this are not WordPress's.
const MAX_DEPTH: usize = 16;

/// What the channel says about the site that was exported.
#[derive(Debug, Default)]
pub struct Channel {
    pub link: String,
    pub base_site_url: String,
    pub base_blog_url: String,
}

/// A category or tag of an item.
#[derive(Debug, Default, PartialEq)]
pub struct Term {
    /// `category`, `post_tag`, `post_format`, or a plug-in's taxonomy.
    pub domain: String,
    pub nicename: String,
    pub name: String,
}

#[derive(Debug, Default, PartialEq)]
pub struct Comment {
    pub id: String,
    pub author: String,
    pub author_url: String,
    pub date_gmt: String,
    pub content: String,
    /// `1` approved, `0` waiting, `spam`, `trash`.
    pub approved: String,
    /// Empty or `comment` for a comment; `pingback`, `trackback`, or a plug-in's type.
    pub kind: String,
    pub parent: String,
}

/// One `<item>`: a post, page, attachment, menu entry or revision.
#[derive(Debug, Default)]
pub struct Item {
    pub title: String,
    pub link: String,
    pub pub_date: String,
    pub guid: String,
    pub content: String,
    pub excerpt: String,
    pub post_id: String,
    pub post_date_gmt: String,
    pub post_name: String,
    pub status: String,
    pub post_type: String,
    pub password: String,
    pub attachment_url: String,
    pub terms: Vec<Term>,
    /// `wp:postmeta` pairs that an import uses (`_thumbnail_id`, `_wp_attachment_image_alt`).
    pub meta: Vec<(String, String)>,
    pub comments: Vec<Comment>,
    /// Comments past `MAX_COMMENTS`, not kept.
    pub comments_dropped: usize,
}

impl Item {
    pub fn meta(&self, key: &str) -> Option<&str> {
        self.meta
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

const KEPT_META: [&str; 2] = ["_thumbnail_id", "_wp_attachment_image_alt"];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ns {
    /// No namespace: RSS's own elements.
    Rss,
    Wp,
    Content,
    Excerpt,
    Other,
}

fn namespace(resolved: &ResolveResult) -> Ns {
    let ResolveResult::Bound(ns) = resolved else {
        return match resolved {
            ResolveResult::Unbound => Ns::Rss,
            _ => Ns::Other,
        };
    };
    let ns = ns.as_ref();
    if ns.starts_with(b"http://wordpress.org/export/") {
        if ns.ends_with(b"/excerpt/") {
            Ns::Excerpt
        } else {
            Ns::Wp
        }
    } else if ns == b"http://purl.org/rss/1.0/modules/content/" {
        Ns::Content
    } else {
        Ns::Other
    }
}

/// Whether the start of a file (its first few kilobytes) is a WordPress export.
pub fn looks_like_wxr(head: &[u8]) -> bool {
    let head = String::from_utf8_lossy(head);
    head.contains("<rss") && head.contains("wordpress.org/export/")
}

/// What is handed each item, or why it could not be kept, with the channel read so far.
pub type EachItem<'a> = &'a mut dyn FnMut(&Channel, Result<Item, String>) -> Result<()>;

/// Reads the export from `reader`, handing each item to `each` with the channel read so far
/// (WordPress writes the channel's addresses before the first item). An item that cannot be
/// kept comes as an `Err` with why; the XML's own errors end the reading.
pub fn read_items(reader: impl BufRead, each: EachItem) -> Result<()> {
    let mut xml = NsReader::from_reader(reader);
    let mut buf = Vec::new();
    let mut path: Vec<(Ns, String)> = Vec::new();
    let mut channel = Channel::default();
    let mut item: Option<Item> = None;
    let mut too_long = false;
    let mut text = String::new();
    loop {
        let at = xml.buffer_position();
        let (resolved, event) = xml
            .read_resolved_event_into(&mut buf)
            .with_context(|| format!("the file is not well-formed XML after byte {at}"))?;
        let ns = namespace(&resolved);
        match event {
            Event::Start(start) => {
                if path.len() >= MAX_DEPTH {
                    anyhow::bail!("the file nests elements deeper than a WordPress export does");
                }
                let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
                text.clear();
                opened(&mut item, &path, ns, &name, &start);
                path.push((ns, name));
            }
            Event::Empty(start) => {
                let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
                opened(&mut item, &path, ns, &name, &start);
            }
            Event::Text(t) => push(&mut text, &t.decode().unwrap_or_default(), &mut too_long),
            Event::CData(t) => push(&mut text, &t.decode().unwrap_or_default(), &mut too_long),
            Event::GeneralRef(r) => {
                let name = String::from_utf8_lossy(&r).into_owned();
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    _ => match resolve_predefined_entity(&name) {
                        Some(s) => s.to_string(),
                        None => format!("&{name};"),
                    },
                };
                push(&mut text, &resolved, &mut too_long);
            }
            Event::End(_) => {
                let Some((ns, name)) = path.pop() else {
                    continue;
                };
                let value = std::mem::take(&mut text);
                let parents: Vec<&str> = path.iter().map(|(_, n)| n.as_str()).collect();
                match (parents.as_slice(), ns, name.as_str()) {
                    ([.., "channel"], Ns::Rss, "item") => {
                        let done = item.take().unwrap_or_default();
                        let result = if std::mem::take(&mut too_long) {
                            Err(format!(
                                "it has text longer than {} MB",
                                MAX_TEXT / (1024 * 1024)
                            ))
                        } else {
                            Ok(done)
                        };
                        each(&channel, result)?;
                    }
                    ([.., "channel"], _, _) if item.is_none() => {
                        channel_field(&mut channel, ns, &name, value)
                    }
                    (_, _, _) => {
                        if let Some(item) = item.as_mut() {
                            item_field(item, &parents, ns, &name, value);
                        }
                    }
                }
            }
            Event::Eof => return Ok(()),
            _ => {}
        }
        buf.clear();
    }
}

fn push(text: &mut String, more: &str, too_long: &mut bool) {
    if text.len() + more.len() > MAX_TEXT {
        *too_long = true;
    } else {
        text.push_str(more);
    }
}

/// What an element's start tells: a new item, comment or meta pair, or a category's names.
fn opened(item: &mut Option<Item>, path: &[(Ns, String)], ns: Ns, name: &str, start: &BytesStart) {
    let parent = path.last().map(|(_, n)| n.as_str());
    match (parent, ns, name) {
        (Some("channel"), Ns::Rss, "item") => *item = Some(Item::default()),
        (Some("item"), Ns::Wp, "comment") => {
            if let Some(item) = item {
                if item.comments.len() < MAX_COMMENTS {
                    item.comments.push(Comment::default());
                } else {
                    item.comments_dropped += 1;
                }
            }
        }
        (Some("item"), Ns::Wp, "postmeta") => {
            if let Some(item) = item {
                item.meta.push((String::new(), String::new()));
            }
        }
        (Some("item"), Ns::Rss, "category") => {
            if let Some(item) = item {
                let attr = |key: &[u8]| {
                    start
                        .try_get_attribute(key)
                        .ok()
                        .flatten()
                        .and_then(|a| {
                            a.normalized_value(XmlVersion::Implicit1_0)
                                .ok()
                                .map(|v| v.trim().to_string())
                        })
                        .unwrap_or_default()
                };
                item.terms.push(Term {
                    domain: attr(b"domain"),
                    nicename: attr(b"nicename"),
                    name: String::new(),
                });
            }
        }
        _ => {}
    }
}

fn channel_field(channel: &mut Channel, ns: Ns, name: &str, value: String) {
    let value = value.trim().to_string();
    match (ns, name) {
        (Ns::Rss, "link") => channel.link = value,
        (Ns::Wp, "base_site_url") => channel.base_site_url = value,
        (Ns::Wp, "base_blog_url") => channel.base_blog_url = value,
        _ => {}
    }
}

fn item_field(item: &mut Item, parents: &[&str], ns: Ns, name: &str, value: String) {
    match (parents.last().copied(), ns, name) {
        (Some("item"), Ns::Rss, "title") => item.title = value.trim().to_string(),
        (Some("item"), Ns::Rss, "link") => item.link = value.trim().to_string(),
        (Some("item"), Ns::Rss, "pubDate") => item.pub_date = value.trim().to_string(),
        (Some("item"), Ns::Rss, "guid") => item.guid = value.trim().to_string(),
        (Some("item"), Ns::Rss, "category") => {
            if let Some(term) = item.terms.last_mut() {
                term.name = value.trim().to_string();
            }
        }
        (Some("item"), Ns::Content, "encoded") => item.content = value,
        (Some("item"), Ns::Excerpt, "encoded") => item.excerpt = value,
        (Some("item"), Ns::Wp, field) => {
            let value = value.trim().to_string();
            match field {
                "post_id" => item.post_id = value,
                "post_date_gmt" => item.post_date_gmt = value,
                "post_name" => item.post_name = value,
                "status" => item.status = value,
                "post_type" => item.post_type = value,
                "post_password" => item.password = value,
                "attachment_url" => item.attachment_url = value,
                _ => {}
            }
        }
        (Some("postmeta"), Ns::Wp, "meta_key") => {
            if let Some(pair) = item.meta.last_mut() {
                pair.0 = value.trim().to_string();
            }
        }
        (Some("postmeta"), Ns::Wp, "meta_value") => {
            if let Some(pair) = item.meta.last_mut() {
                pair.1 = if KEPT_META.contains(&pair.0.as_str()) {
                    value.trim().to_string()
                } else {
                    String::new()
                };
            }
        }
        (Some("comment"), Ns::Wp, field) => {
            if item.comments_dropped > 0 {
                return;
            }
            let Some(c) = item.comments.last_mut() else {
                return;
            };
            let trimmed = || value.trim().to_string();
            match field {
                "comment_id" => c.id = trimmed(),
                "comment_author" => c.author = trimmed(),
                "comment_author_url" => c.author_url = trimmed(),
                "comment_date_gmt" => c.date_gmt = trimmed(),
                "comment_approved" => c.approved = trimmed(),
                "comment_type" => c.kind = trimmed(),
                "comment_parent" => c.parent = trimmed(),
                "comment_content" => c.content = value,
                _ => {}
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0"
	xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
	xmlns:content="http://purl.org/rss/1.0/modules/content/"
	xmlns:dc="http://purl.org/dc/elements/1.1/"
	xmlns:w="http://wordpress.org/export/1.2/">
<channel>
	<title>Old blog</title>
	<link>https://old.example</link>
	<w:base_site_url>https://old.example</w:base_site_url>
	<w:base_blog_url>https://old.example/blog</w:base_blog_url>
	<item>
		<title>Fish &amp; chips &#233;t&#xE9;</title>
		<link>https://old.example/2019/05/fish/</link>
		<guid isPermaLink="false">https://old.example/?p=7</guid>
		<content:encoded><![CDATA[<p>Salt & vinegar</p>]]></content:encoded>
		<excerpt:encoded><![CDATA[]]></excerpt:encoded>
		<w:post_id>7</w:post_id>
		<w:post_date_gmt><![CDATA[2019-05-04 10:00:00]]></w:post_date_gmt>
		<w:status><![CDATA[publish]]></w:status>
		<w:post_type><![CDATA[post]]></w:post_type>
		<category domain="category" nicename="food"><![CDATA[Food]]></category>
		<category domain="post_tag" nicename="sea"/>
		<w:postmeta><w:meta_key>_thumbnail_id</w:meta_key><w:meta_value><![CDATA[12]]></w:meta_value></w:postmeta>
		<w:postmeta><w:meta_key>_edit_lock</w:meta_key><w:meta_value>123</w:meta_value></w:postmeta>
		<w:comment>
			<w:comment_id>3</w:comment_id>
			<w:comment_author><![CDATA[Ann]]></w:comment_author>
			<w:comment_content><![CDATA[Lovely.]]></w:comment_content>
			<w:comment_approved>1</w:comment_approved>
			<w:comment_type></w:comment_type>
			<w:comment_parent>0</w:comment_parent>
		</w:comment>
	</item>
	<item><title>Second</title><w:post_type>page</w:post_type></item>
</channel>
</rss>"#;

    fn read(xml: &str) -> Result<(Vec<Result<Item, String>>, String)> {
        let mut items = Vec::new();
        let mut blog = String::new();
        read_items(xml.as_bytes(), &mut |channel, item| {
            blog = channel.base_blog_url.clone();
            items.push(item);
            Ok(())
        })?;
        Ok((items, blog))
    }

    #[test]
    fn items_are_read_by_namespace_not_prefix() {
        assert!(looks_like_wxr(SAMPLE.as_bytes()));
        let (items, blog) = read(SAMPLE).unwrap();
        assert_eq!(blog, "https://old.example/blog");
        assert_eq!(items.len(), 2);
        let first = items[0].as_ref().unwrap();
        assert_eq!(first.title, "Fish & chips été");
        assert_eq!(first.content, "<p>Salt & vinegar</p>");
        assert_eq!(first.post_date_gmt, "2019-05-04 10:00:00");
        assert_eq!(first.terms.len(), 2);
        assert_eq!(first.terms[0].name, "Food");
        assert_eq!(first.terms[1].nicename, "sea");
        assert_eq!(first.meta("_thumbnail_id"), Some("12"));
        assert_eq!(first.meta("_edit_lock"), Some(""));
        assert_eq!(first.comments[0].author, "Ann");
        assert_eq!(first.comments[0].approved, "1");
        assert_eq!(items[1].as_ref().unwrap().post_type, "page");
    }

    #[test]
    fn broken_xml_is_an_error_and_entities_are_not_expanded() {
        assert!(read("<rss><channel><item><title>x</item></channel></rss>").is_err());
        let (items, _) = read(
            "<!DOCTYPE rss [<!ENTITY big \"boom\">]><rss><channel><item><title>&big;</title></item></channel></rss>",
        )
        .unwrap();
        assert_eq!(items[0].as_ref().unwrap().title, "&big;");
        assert!(!looks_like_wxr(b"<rss><channel></channel></rss>"));
    }
}
