//! The bookshelf written out as a Goodreads library export (`porch export books`, and the
//! panel's download), a page of books at a time, so that a library of any size is streamed.

use std::collections::HashMap;
use std::io::Write;

use anyhow::Result;
use chrono::NaiveDate;

use crate::store::Db;
use crate::store::books::{self, Book};
use crate::store::ids::{BookId, ShelfId};

use super::goodreads_export;
use super::record::{BookRecord, Rating};

/// Books read from the database at a time.
const PAGE: i64 = 500;

fn date(value: Option<&str>) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(value?, "%Y-%m-%d").ok()
}

fn record(book: Book, shelves: Vec<String>) -> BookRecord {
    BookRecord {
        title: book.title,
        authors: book.authors,
        isbn13: book.isbn13,
        pages: book.pages,
        publisher: book.publisher,
        year: book.year,
        status: book.status,
        shelves,
        rating: book.rating.and_then(Rating::from_quarters),
        started_on: date(book.started_on.as_deref()),
        finished_on: date(book.finished_on.as_deref()),
        added_on: chrono::DateTime::from_timestamp(book.added_at, 0).map(|t| t.date_naive()),
        notes: book.notes,
    }
}

/// Writes every book to `out`; returns how many. Blocking: call it off the async threads.
pub fn write_csv(db: &Db, out: impl Write) -> Result<u64> {
    let names: HashMap<ShelfId, String> = db
        .read_blocking(books::shelves)?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    let mut last = BookId(0);
    let mut page: std::vec::IntoIter<BookRecord> = Vec::new().into_iter();
    let mut failed = None;
    let mut count = 0;
    let records = std::iter::from_fn(|| {
        if let Some(next) = page.next() {
            count += 1;
            return Some(next);
        }
        let loaded = db.read_blocking(|c| {
            let list = books::after(c, last, PAGE)?;
            let mut out = Vec::with_capacity(list.len());
            for book in list {
                let shelves = books::shelves_of(c, book.id)?
                    .iter()
                    .filter_map(|id| names.get(id).cloned())
                    .collect();
                out.push((book, shelves));
            }
            Ok(out)
        });
        match loaded {
            Ok(list) => {
                last = list.last().map(|(b, _)| b.id)?;
                page = list
                    .into_iter()
                    .map(|(b, s)| record(b, s))
                    .collect::<Vec<_>>()
                    .into_iter();
                count += 1;
                page.next()
            }
            Err(e) => {
                failed = Some(e);
                None
            }
        }
    });
    goodreads_export::write(out, records)?;
    match failed {
        Some(e) => Err(e),
        None => Ok(count),
    }
}
