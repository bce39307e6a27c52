//! Saving a link: the same link saved twice (by its normalized URL) is one bookmark; a new one
//! is queued to be archived, in the transaction that saves it.

use anyhow::Result;
use rusqlite::Connection;

use super::archive::ArchiveBookmark;
use super::normalize::normalize;
use crate::jobs;
use crate::posts::changed::PostChanged;
use crate::store::posts::{self, Status};
use crate::store::{self, bookmarks, ids::BookmarkId, ids::PostId};

/// The most tags one bookmark carries, and the longest tag.
pub const MAX_TAGS: usize = 20;
pub const MAX_TAG_CHARS: usize = 60;
/// The longest title and note kept.
pub const MAX_TITLE_CHARS: usize = 500;
pub const MAX_NOTE_CHARS: usize = 10_000;

/// What the owner (or an app) sends to save a link.
#[derive(Clone, Debug, Default)]
pub struct Link {
    pub url: String,
    pub title: String,
    pub note: String,
    /// As typed: separated by commas.
    pub tags: String,
    pub source: &'static str,
    pub post_id: Option<PostId>,
}

/// What saving did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Saved {
    New(BookmarkId),
    /// The link was saved before: that bookmark, unchanged.
    Existing(BookmarkId),
}

/// Tags from what was typed: split on commas, trimmed, each once (case aside), capped.
pub fn parse_tags(typed: &str) -> Result<Vec<String>, String> {
    let mut tags: Vec<String> = Vec::new();
    for tag in typed.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        if tag.chars().count() > MAX_TAG_CHARS {
            return Err(format!("A tag is {MAX_TAG_CHARS} characters at most."));
        }
        if !tags.iter().any(|t| t.eq_ignore_ascii_case(tag)) {
            tags.push(tag.to_string());
        }
    }
    if tags.len() > MAX_TAGS {
        return Err(format!("A bookmark carries {MAX_TAGS} tags at most."));
    }
    Ok(tags)
}

/// The field a refusal is about, and why.
pub type Refusal = (&'static str, String);

/// Checks a link and the rest; the normalized URL and tags, or what is wrong.
pub fn check(link: &Link) -> Result<(String, Vec<String>), Refusal> {
    let key = normalize(link.url.trim()).map_err(|m| ("url", m))?;
    let tags = check_details(&link.title, &link.note, &link.tags)?;
    Ok((key, tags))
}

/// Checks what the owner writes about a link; its tags, or what is wrong.
pub fn check_details(title: &str, note: &str, tags: &str) -> Result<Vec<String>, Refusal> {
    let tags = parse_tags(tags).map_err(|m| ("tags", m))?;
    if title.chars().count() > MAX_TITLE_CHARS {
        return Err((
            "title",
            format!("The title is {MAX_TITLE_CHARS} characters at most."),
        ));
    }
    if note.chars().count() > MAX_NOTE_CHARS {
        return Err((
            "note",
            format!("The note is {MAX_NOTE_CHARS} characters at most."),
        ));
    }
    Ok(tags)
}

/// Saves a checked link in the caller's transaction, and queues its archive when it is new.
pub fn save(tx: &Connection, link: &Link, key: String, tags: Vec<String>) -> Result<Saved> {
    let saved = insert(tx, link, key, tags, store::now())?;
    if let Saved::New(id) = saved {
        queue_archive(tx, id)?;
    }
    Ok(saved)
}

/// Saves a checked link whose copy is already at hand (a post from the timeline, kept as it was
/// received): nothing is fetched.
pub fn save_with_copy(
    tx: &Connection,
    link: &Link,
    key: String,
    tags: Vec<String>,
    copy: &bookmarks::Archive,
) -> Result<Saved> {
    let saved = insert(tx, link, key, tags, store::now())?;
    if let Saved::New(id) = saved {
        bookmarks::save_archive(tx, id, copy, store::now())?;
    }
    Ok(saved)
}

/// Saves a checked link as saved at `at`, unless it was saved before; queues nothing.
pub(super) fn insert(
    tx: &Connection,
    link: &Link,
    key: String,
    tags: Vec<String>,
    at: i64,
) -> Result<Saved> {
    if let Some(id) = bookmarks::by_key(tx, &key)? {
        return Ok(Saved::Existing(id));
    }
    let id = bookmarks::insert(
        tx,
        &bookmarks::NewBookmark {
            url: link.url.trim().to_string(),
            url_key: key,
            title: link.title.trim().to_string(),
            note: link.note.trim().to_string(),
            tags,
            source: link.source,
            post_id: link.post_id,
        },
        at,
    )?;
    Ok(Saved::New(id))
}

/// The post-changed consumer: a public post that bookmarks a page (`bookmark-of`) stays a post,
/// and the page is kept among the bookmarks too, archived, once.
pub fn post_changed(tx: &Connection, changed: &PostChanged) -> Result<()> {
    let Some(post) = posts::by_id(tx, changed.post_id)? else {
        return Ok(());
    };
    if post.status != Status::Published || post.bookmark_of.is_empty() {
        return Ok(());
    }
    let link = Link {
        url: post.bookmark_of.clone(),
        title: post.title.clone().unwrap_or_default(),
        source: "post",
        post_id: Some(post.id),
        ..Link::default()
    };
    // The save path let through only web addresses; one this cannot read is left out.
    if let Ok((key, tags)) = check(&link) {
        save(tx, &link, key, tags)?;
    }
    Ok(())
}

/// Queues (again) the making of a bookmark's archived copy.
pub fn queue_archive(tx: &Connection, id: BookmarkId) -> Result<()> {
    let job = ArchiveBookmark { bookmark_id: id };
    jobs::cancel(tx, &job)?;
    jobs::enqueue(tx, &job, store::now())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_split_trimmed_and_kept_once() {
        assert_eq!(
            parse_tags(" rust, Web ,rust,, web,RUST ").unwrap(),
            ["rust", "Web"]
        );
        assert!(parse_tags(&"x".repeat(61)).is_err());
        let many: Vec<String> = (0..21).map(|i| format!("t{i}")).collect();
        assert!(parse_tags(&many.join(",")).is_err());
    }

    #[test]
    fn a_link_is_checked_field_by_field() {
        let link = |url: &str| Link {
            url: url.into(),
            ..Link::default()
        };
        assert_eq!(check(&link("ftp://x.example")).unwrap_err().0, "url");
        let (key, _) = check(&link("https://Example.org/a?utm_source=x#top")).unwrap();
        assert_eq!(key, "https://example.org/a");
        let long = Link {
            title: "t".repeat(501),
            ..link("https://example.org/")
        };
        assert_eq!(check(&long).unwrap_err().0, "title");
    }
}
