//! A Goodreads or StoryGraph export read onto the bookshelf: by `porch import` and by the panel's
//! import job, the same way. The file is streamed and written in batches, each its own short
//! transaction, so that a site being served meanwhile keeps answering and memory stays flat
//! however long the file is. A book already on the shelf (by ISBN, else by title and first
//! author) is left as it is, so reading the same file twice adds nothing. Nothing is posted,
//! federated or mailed; the only work queued is fetching covers, spaced out for Open Library.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use anyhow::{Context, Result};
use chrono::NaiveDate;
use rusqlite::Connection;

use crate::store::Db;
use crate::store::books::{self, BookDetails, Reading};
use crate::store::imports;

use super::cover::{self, ISBN_COVER_SPACING_SECS};
use super::import_csv::{self, Format};
use super::record::BookRecord;
use super::shelf::{self, Added, MAX_NOTES_CHARS};

/// Rows written per transaction: large enough to be quick, small enough that a server sharing
/// the database waits at most a few milliseconds for its own writes.
const BATCH_ROWS: usize = 250;

/// What an import did.
pub type Outcome = imports::Outcome<Format>;

/// Imports the export at `path`. `after_batch` runs inside each batch's transaction with the
/// outcome so far (the panel's job records its progress there). A file that is no export at
/// all is an error whose message is for the owner.
pub fn import_file(
    db: &Db,
    path: &Path,
    after_batch: &mut dyn FnMut(&Connection, &Outcome) -> Result<()>,
) -> Result<Outcome> {
    let file = File::open(path).with_context(|| format!("open {}", path.display()))?;
    let (format, mut rows) = import_csv::open(BufReader::new(file))?;
    let mut outcome = Outcome::of(format);
    let now = crate::store::now();
    // Covers by ISBN are rate-limited at Open Library: one fetch every few seconds.
    let mut next_cover = now;
    loop {
        let mut batch = Vec::with_capacity(BATCH_ROWS);
        while batch.len() < BATCH_ROWS {
            let Some(item) = rows.next() else { break };
            batch.push((item, rows.row()));
        }
        if batch.is_empty() {
            break;
        }
        db.write_blocking(|tx| {
            for (item, row) in batch {
                outcome.counts.rows += 1;
                match item {
                    Err(e) => outcome.skip(e.to_string()),
                    Ok(record) => match apply(tx, record, now, &mut next_cover)? {
                        Ok(Added::New(_)) => outcome.counts.added += 1,
                        Ok(Added::Existing(_)) => outcome.counts.existing += 1,
                        Err(reason) => outcome.skip(format!("Row {row}: {reason}")),
                    },
                }
            }
            after_batch(tx, &outcome)
        })?;
    }
    Ok(outcome)
}

fn date(d: Option<NaiveDate>) -> Option<String> {
    d.map(|d| d.format("%Y-%m-%d").to_string())
}

/// Puts one book of the file on the shelf, or says why it cannot be.
fn apply(
    tx: &Connection,
    record: BookRecord,
    now: i64,
    next_cover: &mut i64,
) -> Result<Result<Added, String>> {
    let details = BookDetails {
        title: record.title.trim().to_string(),
        authors: record.authors,
        cover_source: cover::source(None, record.isbn13.as_deref()),
        isbn13: record.isbn13,
        pages: record.pages,
        publisher: record.publisher,
        year: record.year,
        ol_key: String::new(),
    };
    if let Err(reason) = shelf::check(&details) {
        return Ok(Err(reason));
    }
    let mut reading = Reading {
        status: record.status,
        started_on: date(record.started_on),
        finished_on: date(record.finished_on),
        rating: record.rating.map(|r| r.quarters()),
        // A review longer than the panel takes is kept, cut, rather than the book lost.
        notes: record.notes.chars().take(MAX_NOTES_CHARS).collect(),
    };
    // A start after the finish is a typo in one of them; the finish is what goals count.
    if shelf::check_reading(&reading).is_err() {
        reading.started_on = None;
    }
    let added_at = record
        .added_on
        .and_then(|d| d.and_hms_opt(12, 0, 0))
        .map(|t| t.and_utc().timestamp())
        .unwrap_or(now);
    let cover_at = if details.cover_source.is_empty() {
        now
    } else {
        *next_cover
    };
    let added = shelf::add(tx, &details, &reading, added_at, cover_at)?;
    if let Added::New(id) = added {
        if !details.cover_source.is_empty() {
            *next_cover += ISBN_COVER_SPACING_SECS;
        }
        for name in &record.shelves {
            let name: String = name.trim().chars().take(shelf::MAX_SHELF_CHARS).collect();
            if shelf::check_shelf_name(&name).is_ok() {
                let shelf_id = shelf::shelf_named(tx, &name)?;
                books::add_to_shelf(tx, id, shelf_id)?;
            }
        }
    }
    Ok(Ok(added))
}
