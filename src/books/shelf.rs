//! Putting books on the shelf and moving them between statuses: the rules every writer (the
//! panel, Micropub, an import) follows. Each function runs inside the caller's transaction.

use anyhow::Result;
use chrono::NaiveDate;
use rusqlite::Connection;

use crate::jobs;
use crate::posts::permalink;
use crate::store::book_status::BookStatus;
use crate::store::books::{self, BookDetails, Reading};
use crate::store::ids::{BookId, ShelfId};

use super::cover::FetchCover;
use super::record;

/// Addresses under `/books/` that are not a book or one of the owner's shelves.
const RESERVED_SLUGS: [&str; 5] = [
    "want-to-read",
    "currently-reading",
    "finished",
    "did-not-finish",
    "goals",
];

pub const MAX_TITLE_CHARS: usize = 300;
pub const MAX_AUTHOR_CHARS: usize = 200;
pub const MAX_AUTHORS: usize = 10;
pub const MAX_PUBLISHER_CHARS: usize = 200;
pub const MAX_NOTES_CHARS: usize = 20_000;
pub const MAX_SHELF_CHARS: usize = 60;
pub const MAX_PAGES: u32 = 100_000;

/// The date today in the site's time zone, as books store their dates.
pub fn today(timezone: &str) -> String {
    crate::render::time::local(crate::store::now(), crate::render::time::zone(timezone))
        .format("%Y-%m-%d")
        .to_string()
}

/// The year today, in the site's time zone: the one reading goals count toward.
pub fn this_year(timezone: &str) -> i32 {
    chrono::Datelike::year(&crate::render::time::local(
        crate::store::now(),
        crate::render::time::zone(timezone),
    ))
}

/// A free address under `/books/` made from `wished`.
fn free_slug(conn: &Connection, wished: &str) -> Result<String> {
    let base = if wished.is_empty() { "book" } else { wished };
    permalink::unique(base, |s| {
        Ok(RESERVED_SLUGS.contains(&s) || books::slug_taken(conn, s)?)
    })
}

/// What is wrong with a book's details, in a sentence for the owner.
pub fn check(details: &BookDetails) -> Result<(), String> {
    let title = details.title.chars().count();
    if title == 0 || title > MAX_TITLE_CHARS {
        return Err(format!("A title needs 1 to {MAX_TITLE_CHARS} characters."));
    }
    if details.authors.len() > MAX_AUTHORS {
        return Err(format!("A book may name up to {MAX_AUTHORS} authors."));
    }
    if details
        .authors
        .iter()
        .any(|a| a.chars().count() > MAX_AUTHOR_CHARS)
    {
        return Err(format!(
            "An author's name has at most {MAX_AUTHOR_CHARS} characters."
        ));
    }
    if details.publisher.chars().count() > MAX_PUBLISHER_CHARS {
        return Err(format!(
            "A publisher's name has at most {MAX_PUBLISHER_CHARS} characters."
        ));
    }
    if details.pages.is_some_and(|p| p == 0 || p > MAX_PAGES) {
        return Err(format!("Pages are a number from 1 to {MAX_PAGES}."));
    }
    if details.year.is_some_and(|y| !(-3000..=9999).contains(&y)) {
        return Err("The year is a number such as 1965.".into());
    }
    Ok(())
}

/// What is wrong with where a book is in the owner's reading.
pub fn check_reading(reading: &Reading) -> Result<(), String> {
    if reading.notes.chars().count() > MAX_NOTES_CHARS {
        return Err(format!("Notes have at most {MAX_NOTES_CHARS} characters."));
    }
    if let (Some(start), Some(end)) = (&reading.started_on, &reading.finished_on)
        && end < start
    {
        return Err("A book cannot be finished before it was started.".into());
    }
    Ok(())
}

/// A date as the panel's date field sends it (`2026-03-01`); empty is none.
pub fn parse_date(value: &str) -> Result<Option<String>, String> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .map(|d| Some(d.format("%Y-%m-%d").to_string()))
        .map_err(|_| format!("{value:?} is not a date such as 2026-03-01."))
}

/// The book put on the shelf, or the one already there.
pub enum Added {
    New(BookId),
    /// The same book (its ISBN, else its title and first author) was already there: it is left
    /// as it is.
    Existing(BookId),
}

impl Added {
    pub fn id(&self) -> BookId {
        match self {
            Added::New(id) => *id,
            Added::Existing(id) => *id,
        }
    }
}

/// Puts a book on the shelf, unless it is there already, as added at `added_at`, with its
/// cover fetched by a job at `cover_at` (an import spaces them out).
pub fn add(
    tx: &Connection,
    details: &BookDetails,
    reading: &Reading,
    added_at: i64,
    cover_at: i64,
) -> Result<Added> {
    let key = key_of(details);
    if let Some(book) = books::find_same(tx, details.isbn13.as_deref(), &key)? {
        return Ok(Added::Existing(book.id));
    }
    let wished = match &details.isbn13 {
        Some(isbn) => isbn.clone(),
        None => permalink::slugify(&details.title),
    };
    let slug = free_slug(tx, &wished)?;
    let id = books::insert(tx, details, reading, &slug, &key, added_at)?;
    if !details.cover_source.is_empty() {
        jobs::enqueue(tx, &FetchCover { book_id: id }, cover_at)?;
    }
    Ok(Added::New(id))
}

/// What identifies a book without an ISBN: its title and first author (`record::match_key`).
pub fn key_of(details: &BookDetails) -> String {
    let first_author = details.authors.first().map(String::as_str).unwrap_or("");
    record::match_key(&details.title, first_author)
}

/// Where a book is after a move to `to` on `today`: starting records a start date, finishing a
/// finish date (both kept if already set, and editable); back to Want to read clears them.
pub fn moved(reading: &Reading, to: BookStatus, today: &str) -> Reading {
    let mut next = reading.clone();
    next.status = to;
    match to {
        BookStatus::WantToRead => {
            next.started_on = None;
            next.finished_on = None;
        }
        BookStatus::Reading => {
            next.started_on.get_or_insert_with(|| today.to_string());
            next.finished_on = None;
        }
        BookStatus::Finished => {
            next.finished_on.get_or_insert_with(|| today.to_string());
        }
        BookStatus::DidNotFinish => {
            next.finished_on = None;
        }
    }
    next
}

/// Adds one of the owner's shelves, at a free address made from its name.
pub fn create_shelf(tx: &Connection, name: &str, public: bool) -> Result<ShelfId> {
    let slug = free_slug(tx, &permalink::slugify(name))?;
    books::create_shelf(tx, name, &slug, public)
}

/// The shelf named `name`, made (public) if there is none: imports name shelves by their
/// names.
pub fn shelf_named(tx: &Connection, name: &str) -> Result<ShelfId> {
    match books::shelf_by_name(tx, name)? {
        Some(shelf) => Ok(shelf.id),
        None => create_shelf(tx, name, true),
    }
}

/// What is wrong with a shelf's name.
pub fn check_shelf_name(name: &str) -> Result<(), String> {
    let n = name.chars().count();
    if n == 0 || n > MAX_SHELF_CHARS {
        return Err(format!(
            "A shelf name needs 1 to {MAX_SHELF_CHARS} characters."
        ));
    }
    if BookStatus::ALL
        .iter()
        .any(|s| s.label().eq_ignore_ascii_case(name))
    {
        return Err(format!("{name:?} is one of the status shelves already."));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reading(status: BookStatus, started: Option<&str>, finished: Option<&str>) -> Reading {
        Reading {
            status,
            started_on: started.map(String::from),
            finished_on: finished.map(String::from),
            ..Reading::default()
        }
    }

    #[test]
    fn starting_records_a_start_date_and_finishing_a_finish_date() {
        let r = moved(
            &reading(BookStatus::WantToRead, None, None),
            BookStatus::Reading,
            "2026-03-01",
        );
        assert_eq!(r.started_on.as_deref(), Some("2026-03-01"));
        let r = moved(&r, BookStatus::Finished, "2026-03-20");
        assert_eq!(r.started_on.as_deref(), Some("2026-03-01"));
        assert_eq!(r.finished_on.as_deref(), Some("2026-03-20"));
    }

    #[test]
    fn dates_already_set_are_kept_and_want_to_read_clears_them() {
        let r = reading(BookStatus::Reading, Some("2025-12-30"), None);
        assert_eq!(
            moved(&r, BookStatus::Reading, "2026-01-02")
                .started_on
                .as_deref(),
            Some("2025-12-30")
        );
        let f = reading(BookStatus::Finished, Some("2025-12-30"), Some("2026-01-05"));
        assert_eq!(
            moved(&f, BookStatus::Reading, "2026-02-01").finished_on,
            None
        );
        let w = moved(&f, BookStatus::WantToRead, "2026-02-01");
        assert_eq!((w.started_on, w.finished_on), (None, None));
        assert_eq!(
            moved(&f, BookStatus::DidNotFinish, "2026-02-01")
                .started_on
                .as_deref(),
            Some("2025-12-30")
        );
    }

    #[test]
    fn details_are_checked() {
        let mut d = BookDetails {
            title: "Dune".into(),
            ..BookDetails::default()
        };
        assert!(check(&d).is_ok());
        d.pages = Some(0);
        assert!(check(&d).is_err());
        d.pages = None;
        d.title = String::new();
        assert!(check(&d).is_err());
        assert!(
            check_reading(&reading(
                BookStatus::Finished,
                Some("2026-02-01"),
                Some("2026-01-01")
            ))
            .is_err()
        );
        assert_eq!(
            parse_date(" 2026-3-1 ").unwrap().as_deref(),
            Some("2026-03-01")
        );
        assert!(parse_date("yesterday").is_err());
        assert!(check_shelf_name("Currently reading").is_err());
        assert!(check_shelf_name("Sci-fi").is_ok());
    }
}
