//! The JSON Feed of a blog archive (`feed.json`), https://jsonfeed.org/version/1.1, as Micro.blog's
//! Blog Archive Format reads it: the Markdown source in `content_text`, the HTML in
//! `content_html`, categories as `tags`. What only Porch keeps (pages, photos with their alt
//! text, replies, navigation) rides in an `_porch` extension, which other readers ignore.
//! Reading is streamed: items are handed over one at a time, never the whole list at once
//! (`read_list`, which Mastodon's outbox is read with too).

use std::fmt;
use std::io::{Read, Write};

use anyhow::Result;
use serde::de::DeserializeOwned;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

pub const VERSION: &str = "https://jsonfeed.org/version/1.1";

/// One post or page.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Item {
    #[serde(deserialize_with = "id_text")]
    pub id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_text: Option<String>,
    #[serde(default)]
    pub content_html: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_published: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_modified: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(rename = "_porch", default, skip_serializing_if = "Option::is_none")]
    pub porch: Option<Extension>,
}

/// What Porch keeps of a post beyond what JSON Feed names.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Extension {
    /// `post` or `page`.
    pub kind: String,
    /// `published`, `draft` or `scheduled`.
    pub status: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub in_nav: bool,
    #[serde(skip_serializing_if = "is_zero")]
    pub nav_order: i64,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub content_warning: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub in_reply_to: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub bookmark_of: String,
    /// The photos attached to the post, in order: files of the archive with their alt text.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub photos: Vec<Photo>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Photo {
    /// The file in the archive (`uploads/…`).
    pub url: String,
    pub alt: String,
}

fn is_zero(n: &i64) -> bool {
    *n == 0
}

/// JSON Feed says an id is a string; some writers put a number.
fn id_text<'de, D: de::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => Ok(s),
        serde_json::Value::Number(n) => Ok(n.to_string()),
        _ => Err(de::Error::custom("an item's id must be a string")),
    }
}

/// The top of a feed, before its items.
#[derive(Serialize)]
pub struct Head<'a> {
    pub version: &'static str,
    pub title: &'a str,
    pub home_page_url: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    pub description: &'a str,
    pub authors: [Author<'a>; 1],
}

#[derive(Serialize)]
pub struct Author<'a> {
    pub name: &'a str,
    pub url: &'a str,
}

/// Writes a feed an item at a time: `start`, then `item` for each, then `finish`.
pub struct Writer<W: Write> {
    out: W,
    items: usize,
}

impl<W: Write> Writer<W> {
    pub fn start(mut out: W, head: &Head) -> Result<Writer<W>> {
        let head = serde_json::to_string(head)?;
        // The head's closing brace gives way to the items.
        let open = head.strip_suffix('}').unwrap_or(&head);
        write!(out, "{open},\"items\":[")?;
        Ok(Writer { out, items: 0 })
    }

    pub fn item(&mut self, item: &Item) -> Result<()> {
        if self.items > 0 {
            self.out.write_all(b",")?;
        }
        self.out.write_all(b"\n")?;
        serde_json::to_writer(&mut self.out, item)?;
        self.items += 1;
        Ok(())
    }

    pub fn finish(mut self) -> Result<W> {
        self.out.write_all(b"\n]}\n")?;
        Ok(self.out)
    }
}

/// Reads the feed in `input`, handing each item to `each` as it is read: `Ok(item)`, or why it
/// is not an item Porch can read (the reading goes on). Returns how many items there were.
/// An error from `each` stops the reading and comes back out.
pub fn read_items(
    input: impl Read,
    each: &mut dyn FnMut(Result<Item, String>) -> Result<()>,
) -> Result<usize> {
    read_list(input, "items", each)
}

/// Reads the JSON object in `input`, handing each element of its list under `key` to `each`
/// as it is read (a JSON Feed's `items`, an ActivityStreams collection's `orderedItems`), so
/// that a list of any length is never held whole.
pub fn read_list<T: DeserializeOwned>(
    input: impl Read,
    key: &str,
    each: &mut dyn FnMut(Result<T, String>) -> Result<()>,
) -> Result<usize> {
    let mut stopped = None;
    let mut count = 0;
    let mut de = serde_json::Deserializer::from_reader(input);
    let read = ObjectSeed {
        key,
        list: ListSeed {
            each,
            stopped: &mut stopped,
            count: &mut count,
        },
    }
    .deserialize(&mut de);
    if let Some(e) = stopped {
        return Err(e);
    }
    read.map_err(|e| anyhow::anyhow!("this is not a JSON object with a list of {key}: {e}"))?;
    de.end()
        .map_err(|e| anyhow::anyhow!("there is more after the end of the JSON: {e}"))?;
    Ok(count)
}

struct ObjectSeed<'a, T> {
    key: &'a str,
    list: ListSeed<'a, T>,
}

impl<'de, T: DeserializeOwned> DeserializeSeed<'de> for ObjectSeed<'_, T> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, T: DeserializeOwned> Visitor<'de> for ObjectSeed<'_, T> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a JSON object with {}", self.key)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut list = Some(self.list);
        while let Some(key) = map.next_key::<String>()? {
            match list.take() {
                Some(seed) if key == self.key => map.next_value_seed(seed)?,
                other => {
                    list = other;
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if list.is_some() {
            return Err(de::Error::custom(format_args!("it has no {}", self.key)));
        }
        Ok(())
    }
}

struct ListSeed<'a, T> {
    each: &'a mut dyn FnMut(Result<T, String>) -> Result<()>,
    stopped: &'a mut Option<anyhow::Error>,
    count: &'a mut usize,
}

impl<'de, T: DeserializeOwned> DeserializeSeed<'de> for ListSeed<'_, T> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, T: DeserializeOwned> Visitor<'de> for ListSeed<'_, T> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        // Each element is read whole (it is one post), then checked: one that is not what it
        // should be is reported and the reading goes on.
        while let Some(value) = seq.next_element::<serde_json::Value>()? {
            *self.count += 1;
            let item = serde_json::from_value::<T>(value).map_err(|e| e.to_string());
            if let Err(e) = (self.each)(item) {
                *self.stopped = Some(e);
                return Err(de::Error::custom("stopped"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_written_feed_reads_back_item_by_item() {
        let head = Head {
            version: VERSION,
            title: "A \"quoted\" blog",
            home_page_url: "https://example.org/",
            description: "",
            authors: [Author {
                name: "Ann",
                url: "https://example.org/",
            }],
        };
        let mut w = Writer::start(Vec::new(), &head).unwrap();
        for n in 0..3 {
            w.item(&Item {
                id: format!("https://example.org/{n}"),
                content_text: Some(format!("Post {n}")),
                content_html: Some(format!("<p>Post {n}</p>")),
                tags: vec!["Cats".into()],
                ..Item::default()
            })
            .unwrap();
        }
        let bytes = w.finish().unwrap();
        let whole: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(whole["version"], VERSION);
        assert_eq!(whole["title"], "A \"quoted\" blog");
        assert_eq!(whole["items"].as_array().unwrap().len(), 3);

        let mut seen = Vec::new();
        let count = read_items(&bytes[..], &mut |item| {
            seen.push(item.unwrap().content_text.unwrap());
            Ok(())
        })
        .unwrap();
        assert_eq!(count, 3);
        assert_eq!(seen, ["Post 0", "Post 1", "Post 2"]);
    }

    #[test]
    fn a_bad_item_is_reported_and_the_rest_are_read() {
        let feed = br#"{"version":"https://jsonfeed.org/version/1","items":[
            {"id":1,"content_html":"<p>numbered</p>"},
            {"content_text":"no id"},
            {"id":"b","content_text":"fine","tags":["x"],"_other":{"a":1}}]}"#;
        let mut ok = 0;
        let mut bad = Vec::new();
        read_items(&feed[..], &mut |item| {
            match item {
                Ok(_) => ok += 1,
                Err(e) => bad.push(e),
            }
            Ok(())
        })
        .unwrap();
        assert_eq!(ok, 2);
        assert_eq!(bad.len(), 1);
        assert!(bad[0].contains("id"), "{bad:?}");
    }

    #[test]
    fn what_is_not_a_feed_is_refused_and_a_callback_error_stops_the_reading() {
        assert!(read_items(&b"[1,2]"[..], &mut |_| Ok(())).is_err());
        assert!(read_items(&br#"{"title":"no items"}"#[..], &mut |_| Ok(())).is_err());
        let feed = br#"{"items":[{"id":"a"},{"id":"b"}]}"#;
        let mut calls = 0;
        let e = read_items(&feed[..], &mut |_| {
            calls += 1;
            anyhow::bail!("disk full")
        })
        .unwrap_err();
        assert_eq!(calls, 1);
        assert_eq!(e.to_string(), "disk full");
    }
}
