//! The bookshelf: books, the owner's own shelves, reading goals, and the cache of Open Library's
//! answers.

use anyhow::{Context, Result};
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;

use super::book_status::BookStatus;
use super::ids::{BookId, MediaId, ShelfId};

/// A cover kept in the media library, as much of it as a page needs to pick a copy.
#[derive(Clone, Debug, Serialize)]
pub struct CoverFile {
    pub media_id: MediaId,
    pub hash: String,
    pub ext: String,
    pub variants: Vec<u32>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Book {
    pub id: BookId,
    /// The book's address under `/books/`: its ISBN-13, or a slug of its title.
    pub slug: String,
    pub isbn13: Option<String>,
    pub title: String,
    pub authors: Vec<String>,
    pub pages: Option<u32>,
    pub publisher: String,
    pub year: Option<i32>,
    pub status: BookStatus,
    pub started_on: Option<String>,
    pub finished_on: Option<String>,
    /// Quarter stars, 1 to 20; private.
    pub rating: Option<u8>,
    /// Private.
    pub notes: String,
    pub cover: Option<CoverFile>,
    pub cover_state: String,
    /// Open Library's key for the edition or work (`/books/OL…M`), if it was looked up there.
    pub ol_key: String,
    pub added_at: i64,
    pub updated_at: i64,
}

const BOOK_COLUMNS: &str = "b.id, b.slug, b.isbn13, b.title, b.authors, b.pages, b.publisher,
    b.year, b.status, b.started_on, b.finished_on, b.rating, b.notes, b.cover_media_id,
    b.cover_state, b.ol_key, b.added_at, b.updated_at,
    m.hash AS cover_hash, m.ext AS cover_ext, m.variants AS cover_variants";

const BOOK_FROM: &str = "books b LEFT JOIN media m ON m.id = b.cover_media_id";

fn book_from_row(r: &Row) -> rusqlite::Result<Book> {
    let authors: String = r.get("authors")?;
    let cover = match r.get::<_, Option<MediaId>>("cover_media_id")? {
        Some(media_id) => Some(CoverFile {
            media_id,
            hash: r.get("cover_hash")?,
            ext: r.get("cover_ext")?,
            variants: serde_json::from_str(&r.get::<_, String>("cover_variants")?)
                .unwrap_or_default(),
        }),
        None => None,
    };
    Ok(Book {
        id: r.get("id")?,
        slug: r.get("slug")?,
        isbn13: r.get("isbn13")?,
        title: r.get("title")?,
        authors: serde_json::from_str(&authors).unwrap_or_default(),
        pages: r.get("pages")?,
        publisher: r.get("publisher")?,
        year: r.get("year")?,
        status: r.get("status")?,
        started_on: r.get("started_on")?,
        finished_on: r.get("finished_on")?,
        rating: r.get("rating")?,
        notes: r.get("notes")?,
        cover,
        cover_state: r.get("cover_state")?,
        ol_key: r.get("ol_key")?,
        added_at: r.get("added_at")?,
        updated_at: r.get("updated_at")?,
    })
}

/// What describes a book, as the owner types it or a lookup finds it.
#[derive(Clone, Debug, Default)]
pub struct BookDetails {
    pub title: String,
    pub authors: Vec<String>,
    pub isbn13: Option<String>,
    pub pages: Option<u32>,
    pub publisher: String,
    pub year: Option<i32>,
    pub ol_key: String,
    /// Where a cover can be fetched from (a URL), empty when there is none to fetch.
    pub cover_source: String,
}

/// Where a book is in the owner's reading, and what they think of it.
#[derive(Clone, Debug, Default)]
pub struct Reading {
    pub status: BookStatus,
    pub started_on: Option<String>,
    pub finished_on: Option<String>,
    pub rating: Option<u8>,
    pub notes: String,
}

impl Book {
    /// Where the book is in the owner's reading, to change and store back.
    pub fn reading(&self) -> Reading {
        Reading {
            status: self.status,
            started_on: self.started_on.clone(),
            finished_on: self.finished_on.clone(),
            rating: self.rating,
            notes: self.notes.clone(),
        }
    }
}

fn authors_json(authors: &[String]) -> String {
    serde_json::to_string(authors).unwrap_or_else(|_| "[]".into())
}

/// Adds a book at `slug` (free: see `slug_taken`); `match_key` identifies it without an ISBN.
pub fn insert(
    conn: &Connection,
    details: &BookDetails,
    reading: &Reading,
    slug: &str,
    match_key: &str,
    added_at: i64,
) -> Result<BookId> {
    let cover_state = if details.cover_source.is_empty() {
        "none"
    } else {
        "pending"
    };
    conn.execute(
        "INSERT INTO books (slug, isbn13, match_key, title, authors, pages, publisher, year,
             status, started_on, finished_on, rating, notes, cover_source, cover_state, ol_key,
             added_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?17)",
        params![
            slug,
            details.isbn13,
            match_key,
            details.title,
            authors_json(&details.authors),
            details.pages,
            details.publisher,
            details.year,
            reading.status,
            reading.started_on,
            reading.finished_on,
            reading.rating,
            reading.notes,
            details.cover_source,
            cover_state,
            details.ol_key,
            added_at,
        ],
    )
    .context("store: add book")?;
    Ok(BookId(conn.last_insert_rowid()))
}

/// Whether a book or a shelf has this slug (they share `/books/`).
pub fn slug_taken(conn: &Connection, slug: &str) -> Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM books WHERE slug = ?1)
             OR EXISTS (SELECT 1 FROM book_shelves WHERE slug = ?1)",
        [slug],
        |r| r.get(0),
    )
    .context("store: check book slug")
}

/// Changes what describes a book. Its slug stays: its address is forever.
pub fn update_details(
    conn: &Connection,
    id: BookId,
    details: &BookDetails,
    match_key: &str,
) -> Result<()> {
    conn.execute(
        "UPDATE books SET isbn13 = ?2, match_key = ?3, title = ?4, authors = ?5, pages = ?6,
             publisher = ?7, year = ?8, updated_at = unixepoch()
         WHERE id = ?1",
        params![
            id,
            details.isbn13,
            match_key,
            details.title,
            authors_json(&details.authors),
            details.pages,
            details.publisher,
            details.year,
        ],
    )
    .context("store: update book")?;
    Ok(())
}

pub fn set_reading(conn: &Connection, id: BookId, reading: &Reading) -> Result<()> {
    conn.execute(
        "UPDATE books SET status = ?2, started_on = ?3, finished_on = ?4, rating = ?5, notes = ?6,
             updated_at = unixepoch()
         WHERE id = ?1",
        params![
            id,
            reading.status,
            reading.started_on,
            reading.finished_on,
            reading.rating,
            reading.notes,
        ],
    )
    .context("store: update reading")?;
    Ok(())
}

pub fn get(conn: &Connection, id: BookId) -> Result<Option<Book>> {
    conn.query_row(
        &format!("SELECT {BOOK_COLUMNS} FROM {BOOK_FROM} WHERE b.id = ?1"),
        [id],
        book_from_row,
    )
    .optional()
    .context("store: load book")
}

pub fn by_slug(conn: &Connection, slug: &str) -> Result<Option<Book>> {
    conn.query_row(
        &format!("SELECT {BOOK_COLUMNS} FROM {BOOK_FROM} WHERE b.slug = ?1"),
        [slug],
        book_from_row,
    )
    .optional()
    .context("store: find book")
}

/// The book already on the shelf that is this one: the same ISBN-13, else (for a book without
/// one) the same title and first author.
pub fn find_same(conn: &Connection, isbn13: Option<&str>, match_key: &str) -> Result<Option<Book>> {
    if let Some(isbn) = isbn13 {
        let found = conn
            .query_row(
                &format!("SELECT {BOOK_COLUMNS} FROM {BOOK_FROM} WHERE b.isbn13 = ?1"),
                [isbn],
                book_from_row,
            )
            .optional()
            .context("store: find book by ISBN")?;
        if found.is_some() {
            return Ok(found);
        }
    }
    conn.query_row(
        &format!(
            "SELECT {BOOK_COLUMNS} FROM {BOOK_FROM}
             WHERE b.match_key = ?1 AND (?2 IS NULL OR b.isbn13 IS NULL)
             ORDER BY b.id LIMIT 1"
        ),
        params![match_key, isbn13],
        book_from_row,
    )
    .optional()
    .context("store: find book by title")
}

/// `status IN (…)` for a fixed set of statuses (their slugs are constants, never input).
fn status_filter(statuses: &[BookStatus]) -> String {
    let list: Vec<String> = statuses.iter().map(|s| format!("'{}'", s.slug())).collect();
    if list.is_empty() {
        "0".into()
    } else {
        format!("b.status IN ({})", list.join(", "))
    }
}

/// The order a shelf reads in: the latest read first, then the latest started, then the
/// latest added.
const SHELF_ORDER: &str =
    "ORDER BY coalesce(b.finished_on, b.started_on, date(b.added_at, 'unixepoch')) DESC, b.id DESC";

/// Books in one of `statuses`, newest first.
pub fn with_status(
    conn: &Connection,
    statuses: &[BookStatus],
    limit: i64,
    offset: i64,
) -> Result<Vec<Book>> {
    let sql = format!(
        "SELECT {BOOK_COLUMNS} FROM {BOOK_FROM} WHERE {} {SHELF_ORDER} LIMIT ?1 OFFSET ?2",
        status_filter(statuses)
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map((limit, offset), book_from_row)?;
    rows.collect::<rusqlite::Result<_>>()
        .context("store: list books")
}

/// Books on one of the owner's shelves whose status is one of `statuses`.
pub fn on_shelf(
    conn: &Connection,
    shelf: ShelfId,
    statuses: &[BookStatus],
    limit: i64,
    offset: i64,
) -> Result<Vec<Book>> {
    let sql = format!(
        "SELECT {BOOK_COLUMNS} FROM {BOOK_FROM}
         JOIN book_shelf_books s ON s.book_id = b.id AND s.shelf_id = ?1
         WHERE {} {SHELF_ORDER} LIMIT ?2 OFFSET ?3",
        status_filter(statuses)
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map((shelf, limit, offset), book_from_row)?;
    rows.collect::<rusqlite::Result<_>>()
        .context("store: list shelf")
}

/// How many books have each status.
pub fn status_counts(conn: &Connection) -> Result<Vec<(BookStatus, u32)>> {
    let mut stmt = conn.prepare_cached("SELECT status, count(*) FROM books GROUP BY status")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect::<rusqlite::Result<_>>()
        .context("store: count books")
}

/// Books finished in `year`, in the order they were finished.
pub fn finished_in(conn: &Connection, year: i32) -> Result<Vec<Book>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {BOOK_COLUMNS} FROM {BOOK_FROM}
         WHERE b.status = 'finished' AND b.finished_on LIKE ?1
         ORDER BY b.finished_on, b.id"
    ))?;
    let rows = stmt.query_map([format!("{year:04}-%")], book_from_row)?;
    rows.collect::<rusqlite::Result<_>>()
        .context("store: list finished books")
}

/// How many books were finished in `year`.
pub fn finished_count(conn: &Connection, year: i32) -> Result<u32> {
    conn.query_row(
        "SELECT count(*) FROM books WHERE status = 'finished' AND finished_on LIKE ?1",
        [format!("{year:04}-%")],
        |r| r.get(0),
    )
    .context("store: count a year's finished books")
}

/// Books finished per year, for every year that has any.
pub fn finished_per_year(conn: &Connection) -> Result<Vec<(i32, u32)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT CAST(substr(finished_on, 1, 4) AS INTEGER) AS y, count(*) FROM books
         WHERE status = 'finished' AND finished_on IS NOT NULL
         GROUP BY y ORDER BY y DESC",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect::<rusqlite::Result<_>>()
        .context("store: count finished books")
}

/// Removes a book; its cover stays in the media library.
/// False when there is no such book.
pub fn delete(conn: &Connection, id: BookId) -> Result<bool> {
    let changed = conn
        .execute("DELETE FROM books WHERE id = ?1", [id])
        .context("store: delete book")?;
    Ok(changed > 0)
}

/// The books that use any of these images as their cover: (image, book, title), in one query.
pub fn cover_uses(conn: &Connection, media: &[MediaId]) -> Result<Vec<(MediaId, BookId, String)>> {
    if media.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders = vec!["?"; media.len()].join(",");
    let mut stmt = conn.prepare(&format!(
        "SELECT cover_media_id, id, title FROM books WHERE cover_media_id IN ({placeholders})
         ORDER BY title COLLATE NOCASE, id"
    ))?;
    let rows = stmt.query_map(rusqlite::params_from_iter(media.iter()), |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
    })?;
    rows.collect::<rusqlite::Result<_>>()
        .context("store: list cover uses")
}

// Covers ----------------------------------------------------------------------------------------

/// Where the cover of a book waiting for one comes from, and the book's title (for its alt
/// text).
pub fn cover_source(conn: &Connection, id: BookId) -> Result<Option<(String, String)>> {
    conn.query_row(
        "SELECT cover_source, title FROM books WHERE id = ?1 AND cover_state = 'pending'",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()
    .context("store: load cover source")
}

/// Records the cover the owner uploaded or a job fetched.
pub fn set_cover(conn: &Connection, id: BookId, media: MediaId) -> Result<()> {
    conn.execute(
        "UPDATE books SET cover_media_id = ?2, cover_state = 'fetched', updated_at = unixepoch()
         WHERE id = ?1",
        (id, media),
    )
    .context("store: set cover")?;
    Ok(())
}

/// Records that a cover will not come (`missing`, `failed`), or that one is to be fetched from
/// `source` (`pending`).
pub fn set_cover_state(conn: &Connection, id: BookId, state: &str, source: &str) -> Result<()> {
    conn.execute(
        "UPDATE books SET cover_state = ?2, cover_source = ?3 WHERE id = ?1",
        (id, state, source),
    )
    .context("store: set cover state")?;
    Ok(())
}

// The owner's shelves ---------------------------------------------------------------------------

#[derive(Clone, Debug, Serialize)]
pub struct Shelf {
    pub id: ShelfId,
    pub name: String,
    pub slug: String,
    pub public: bool,
    /// Books on it (of any status).
    pub books: u32,
}

fn shelf_from_row(r: &Row) -> rusqlite::Result<Shelf> {
    Ok(Shelf {
        id: r.get("id")?,
        name: r.get("name")?,
        slug: r.get("slug")?,
        public: r.get("public")?,
        books: r.get("books")?,
    })
}

const SHELF_SELECT: &str = "SELECT s.id, s.name, s.slug, s.public,
    (SELECT count(*) FROM book_shelf_books sb WHERE sb.shelf_id = s.id) AS books
    FROM book_shelves s";

pub fn shelves(conn: &Connection) -> Result<Vec<Shelf>> {
    let mut stmt =
        conn.prepare_cached(&format!("{SHELF_SELECT} ORDER BY s.name COLLATE NOCASE"))?;
    let rows = stmt.query_map([], shelf_from_row)?;
    rows.collect::<rusqlite::Result<_>>()
        .context("store: list shelves")
}

pub fn shelf_by_slug(conn: &Connection, slug: &str) -> Result<Option<Shelf>> {
    conn.query_row(
        &format!("{SHELF_SELECT} WHERE s.slug = ?1"),
        [slug],
        shelf_from_row,
    )
    .optional()
    .context("store: find shelf")
}

pub fn shelf_by_name(conn: &Connection, name: &str) -> Result<Option<Shelf>> {
    conn.query_row(
        &format!("{SHELF_SELECT} WHERE s.name = ?1 COLLATE NOCASE"),
        [name],
        shelf_from_row,
    )
    .optional()
    .context("store: find shelf")
}

/// Adds a shelf at `slug` (free: see `slug_taken`).
pub fn create_shelf(conn: &Connection, name: &str, slug: &str, public: bool) -> Result<ShelfId> {
    conn.execute(
        "INSERT INTO book_shelves (name, slug, public) VALUES (?1, ?2, ?3)",
        (name, slug, public),
    )
    .context("store: add shelf")?;
    Ok(ShelfId(conn.last_insert_rowid()))
}

/// Renames a shelf and sets who sees it; its address stays.
/// False when there is no such shelf.
pub fn update_shelf(conn: &Connection, id: ShelfId, name: &str, public: bool) -> Result<bool> {
    let changed = conn
        .execute(
            "UPDATE book_shelves SET name = ?2, public = ?3 WHERE id = ?1",
            (id, name, public),
        )
        .context("store: update shelf")?;
    Ok(changed > 0)
}

/// Removes a shelf; its books stay on the bookshelf. False when there is no such shelf.
pub fn delete_shelf(conn: &Connection, id: ShelfId) -> Result<bool> {
    let changed = conn
        .execute("DELETE FROM book_shelves WHERE id = ?1", [id])
        .context("store: delete shelf")?;
    Ok(changed > 0)
}

/// The owner's shelves a book sits on.
pub fn shelves_of(conn: &Connection, book: BookId) -> Result<Vec<ShelfId>> {
    let mut stmt =
        conn.prepare_cached("SELECT shelf_id FROM book_shelf_books WHERE book_id = ?1")?;
    let rows = stmt.query_map([book], |r| r.get(0))?;
    rows.collect::<rusqlite::Result<_>>()
        .context("store: list a book's shelves")
}

/// Puts a book on exactly these shelves.
pub fn set_shelves_of(conn: &Connection, book: BookId, shelves: &[ShelfId]) -> Result<()> {
    conn.execute("DELETE FROM book_shelf_books WHERE book_id = ?1", [book])
        .context("store: clear a book's shelves")?;
    for shelf in shelves {
        add_to_shelf(conn, book, *shelf)?;
    }
    Ok(())
}

pub fn add_to_shelf(conn: &Connection, book: BookId, shelf: ShelfId) -> Result<()> {
    conn.execute(
        "INSERT INTO book_shelf_books (shelf_id, book_id) VALUES (?1, ?2)
         ON CONFLICT DO NOTHING",
        (shelf, book),
    )
    .context("store: shelve book")?;
    Ok(())
}

// Reading goals ---------------------------------------------------------------------------------

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Goal {
    pub year: i32,
    pub target: u32,
}

pub fn goals(conn: &Connection) -> Result<Vec<Goal>> {
    let mut stmt =
        conn.prepare_cached("SELECT year, target FROM reading_goals ORDER BY year DESC")?;
    let rows = stmt.query_map([], |r| {
        Ok(Goal {
            year: r.get(0)?,
            target: r.get(1)?,
        })
    })?;
    rows.collect::<rusqlite::Result<_>>()
        .context("store: list goals")
}

/// Sets the goal of a year; none (`target` 0) removes it.
pub fn set_goal(conn: &Connection, year: i32, target: u32) -> Result<()> {
    if target == 0 {
        conn.execute("DELETE FROM reading_goals WHERE year = ?1", [year])
            .context("store: remove goal")?;
    } else {
        conn.execute(
            "INSERT INTO reading_goals (year, target) VALUES (?1, ?2)
             ON CONFLICT (year) DO UPDATE SET target = excluded.target",
            (year, target),
        )
        .context("store: set goal")?;
    }
    Ok(())
}

// The lookup cache ------------------------------------------------------------------------------

/// The cached answer to `url`, if any: its status, body and when it was fetched.
pub fn cached_lookup(conn: &Connection, url: &str) -> Result<Option<(u16, String, i64)>> {
    conn.query_row(
        "SELECT status, body, fetched_at FROM book_lookups WHERE url = ?1",
        [url],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )
    .optional()
    .context("store: read lookup cache")
}

pub fn cache_lookup(conn: &Connection, url: &str, status: u16, body: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO book_lookups (url, status, body, fetched_at) VALUES (?1, ?2, ?3, unixepoch())
         ON CONFLICT (url) DO UPDATE SET status = excluded.status, body = excluded.body,
             fetched_at = excluded.fetched_at",
        (url, status, body),
    )
    .context("store: write lookup cache")?;
    Ok(())
}

/// Forgets answers older than `before`.
pub fn prune_lookups(conn: &Connection, before: i64) -> Result<()> {
    conn.execute("DELETE FROM book_lookups WHERE fetched_at < ?1", [before])
        .context("store: prune lookup cache")?;
    Ok(())
}

/// Books in id order after `after`, a page at a time (an export walks them all).
pub fn after(conn: &Connection, after: BookId, limit: i64) -> Result<Vec<Book>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {BOOK_COLUMNS} FROM {BOOK_FROM} WHERE b.id > ?1 ORDER BY b.id LIMIT ?2"
    ))?;
    let rows = stmt.query_map((after, limit), book_from_row)?;
    rows.collect::<rusqlite::Result<_>>()
        .context("store: page through books")
}
