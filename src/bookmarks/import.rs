//! A bookmark file (Netscape HTML from a browser or a bookmark service, or Pocket's CSV) read
//! into the bookmarks: by `porch import` and by the panel's import job, the same way. The file
//! is streamed and written in batches, each its own short transaction, so that a site being
//! served meanwhile keeps answering and memory stays flat however long the file is. A link
//! already saved (by its normalized URL) is left as it is, so reading the same file twice adds
//! nothing. Nothing is posted, federated or mailed; each new bookmark's copy is queued, spaced
//! out (after any queued before), so that the sites linked are asked politely.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use anyhow::Result;
use rusqlite::Connection;

use super::archive::ArchiveBookmark;
use super::import_file::{self, BookmarkRecord, Format};
use super::save::{self, Link, MAX_NOTE_CHARS, MAX_TAG_CHARS, MAX_TAGS, Saved};
use crate::jobs::{self, Task};
use crate::store::{self, Db, bookmarks, imports};

/// Rows written per transaction: large enough to be quick, small enough that a server sharing
/// the database waits at most a few milliseconds for its own writes.
const BATCH_ROWS: usize = 250;
/// Seconds between two imported bookmarks' copies: ten thousand take under six hours, and no
/// site is asked more than once every few seconds.
pub const ARCHIVE_SPACING_SECS: i64 = 2;

/// What an import did.
pub type Outcome = imports::Outcome<Format>;

/// Whether the file at `path` is one Porch reads; the reason for the owner if not.
pub fn check_file(path: &Path) -> Result<Format, String> {
    let file = File::open(path).map_err(|e| format!("The file could not be read: {e}"))?;
    import_file::open(BufReader::new(file))
        .map(|(format, _)| format)
        .map_err(|e| e.to_string())
}

/// Imports the file at `path`. `after_batch` runs inside each batch's transaction with the
/// outcome so far (the panel's job records its progress there). A file that is no bookmark
/// file at all is an error whose message is for the owner.
pub fn import_file(
    db: &Db,
    path: &Path,
    after_batch: &mut dyn FnMut(&Connection, &Outcome) -> Result<()>,
) -> Result<Outcome> {
    let file = File::open(path)?;
    let (format, mut records) =
        import_file::open(BufReader::new(file)).map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut outcome = Outcome::of(format);
    let now = store::now();
    let mut next_copy = db
        .read_blocking(|c| store::jobs::last_queued(c, ArchiveBookmark::KIND))?
        .map_or(now, |last| (last + ARCHIVE_SPACING_SECS).max(now));
    loop {
        let mut batch = Vec::with_capacity(BATCH_ROWS);
        while batch.len() < BATCH_ROWS {
            let Some(item) = records.next() else { break };
            batch.push((item, records.position()));
        }
        if batch.is_empty() {
            break;
        }
        db.write_blocking(|tx| {
            for (item, position) in batch {
                outcome.counts.rows += 1;
                match item.and_then(|record| checked(record).map_err(|(_, why)| why)) {
                    Err(reason) => outcome.skip(format!("{position}: {reason}")),
                    Ok((record, link, key, tags)) => {
                        match add(tx, &record, &link, key, tags, now, &mut next_copy)? {
                            Saved::New(_) => outcome.counts.added += 1,
                            Saved::Existing(_) => outcome.counts.existing += 1,
                        }
                    }
                }
            }
            after_batch(tx, &outcome)
        })?;
    }
    Ok(outcome)
}

type Checked = (BookmarkRecord, Link, String, Vec<String>);

/// A record as a link checked the way the panel checks one, its tags fitted to what a bookmark
/// holds (cut, not refused: the rest of the bookmark is worth more than a long folder name).
fn checked(record: BookmarkRecord) -> Result<Checked, save::Refusal> {
    let mut tags: Vec<String> = Vec::new();
    for tag in &record.tags {
        // A comma would split it in two when the tags are read back.
        let tag: String = tag
            .replace(',', " ")
            .trim()
            .chars()
            .take(MAX_TAG_CHARS)
            .collect();
        let tag = tag.trim().to_string();
        if !tag.is_empty() && !tags.iter().any(|t| t.eq_ignore_ascii_case(&tag)) {
            tags.push(tag);
        }
    }
    tags.truncate(MAX_TAGS);
    let link = Link {
        url: record.url.clone(),
        title: record.title.clone(),
        note: record.note.chars().take(MAX_NOTE_CHARS).collect(),
        tags: tags.join(","),
        source: "import",
        post_id: None,
    };
    let (key, tags) = save::check(&link)?;
    Ok((record, link, key, tags))
}

/// Saves one bookmark of the file, as saved when the file says, read or unread and public or
/// private as it says, with its copy queued at `next_copy`.
fn add(
    tx: &Connection,
    record: &BookmarkRecord,
    link: &Link,
    key: String,
    tags: Vec<String>,
    now: i64,
    next_copy: &mut i64,
) -> Result<Saved> {
    let at = record
        .added_at
        .filter(|&t| t > 0 && t <= now)
        .unwrap_or(now);
    let saved = save::insert(tx, link, key, tags, at)?;
    if let Saved::New(id) = saved {
        if !record.unread {
            bookmarks::set_unread(tx, id, false)?;
        }
        // Only a file that says so (a shared bookmark of Pinboard or linkding, or Porch's own
        // export of a public one) makes a bookmark public.
        if record.public {
            bookmarks::set_public(tx, id, true)?;
        }
        jobs::enqueue(tx, &ArchiveBookmark { bookmark_id: id }, *next_copy)?;
        *next_copy += ARCHIVE_SPACING_SECS;
    }
    Ok(saved)
}
