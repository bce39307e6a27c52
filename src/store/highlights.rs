//! Highlights: passages of a bookmark's kept copy, anchored by quote and place, with a note.

use anyhow::{Context, Result};
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;

use super::bookmarks::reindex;
use super::ids::{BookmarkId, HighlightId};

/// Where a highlight is in the copy's text, the way a W3C Web Annotation says it: a
/// TextQuoteSelector (`quote`, `prefix`, `suffix`) and a TextPositionSelector (`start`..`end`,
/// in code points), the latter None when the quote is no longer in the copy.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Anchor {
    pub quote: String,
    pub prefix: String,
    pub suffix: String,
    pub start: Option<i64>,
    pub end: Option<i64>,
}

/// A highlight with the bookmark it is in, as lists show it.
#[derive(Clone, Debug, Serialize)]
pub struct Highlight {
    pub id: HighlightId,
    pub bookmark_id: BookmarkId,
    pub anchor: Anchor,
    pub note: String,
    pub created_at: i64,
    pub updated_at: i64,
    /// The bookmark's title (the owner's, else the page's), and its link.
    pub title: String,
    pub url: String,
}

const COLUMNS: &str = "h.id, h.bookmark_id, h.quote, h.prefix, h.suffix, h.pos_start, h.pos_end,
    h.note, h.created_at, h.updated_at,
    CASE WHEN b.title <> '' THEN b.title ELSE b.article_title END AS title, b.url";

fn from_row(r: &Row) -> rusqlite::Result<Highlight> {
    Ok(Highlight {
        id: r.get("id")?,
        bookmark_id: r.get("bookmark_id")?,
        anchor: Anchor {
            quote: r.get("quote")?,
            prefix: r.get("prefix")?,
            suffix: r.get("suffix")?,
            start: r.get("pos_start")?,
            end: r.get("pos_end")?,
        },
        note: r.get("note")?,
        created_at: r.get("created_at")?,
        updated_at: r.get("updated_at")?,
        title: r.get("title")?,
        url: r.get("url")?,
    })
}

/// Keeps a highlight's search entry, and its bookmark's, in step with it.
fn reindex_highlight(conn: &Connection, id: HighlightId) -> Result<()> {
    conn.prepare_cached("DELETE FROM highlights_fts WHERE rowid = ?1")?
        .execute([id])?;
    conn.prepare_cached(
        "INSERT INTO highlights_fts (rowid, quote, note)
         SELECT id, quote, note FROM highlights WHERE id = ?1",
    )?
    .execute([id])
    .context("store: index a highlight for search")?;
    Ok(())
}

pub fn insert(
    conn: &Connection,
    bookmark: BookmarkId,
    anchor: &Anchor,
    note: &str,
    now: i64,
) -> Result<HighlightId> {
    conn.prepare_cached(
        "INSERT INTO highlights (bookmark_id, quote, prefix, suffix, pos_start, pos_end, note,
                                 created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
    )?
    .execute(params![
        bookmark,
        anchor.quote,
        anchor.prefix,
        anchor.suffix,
        anchor.start,
        anchor.end,
        note,
        now
    ])
    .context("store: add a highlight")?;
    let id = HighlightId(conn.last_insert_rowid());
    reindex_highlight(conn, id)?;
    reindex(conn, bookmark)?;
    Ok(id)
}

pub fn by_id(conn: &Connection, id: HighlightId) -> Result<Option<Highlight>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM highlights h JOIN bookmarks b ON b.id = h.bookmark_id
         WHERE h.id = ?1"
    ))?
    .query_row([id], from_row)
    .optional()
    .context("store: read a highlight")
}

/// A bookmark's highlights in the order they come in the copy; those no longer found in it
/// last.
pub fn of_bookmark(conn: &Connection, bookmark: BookmarkId) -> Result<Vec<Highlight>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM highlights h JOIN bookmarks b ON b.id = h.bookmark_id
         WHERE h.bookmark_id = ?1 ORDER BY h.pos_start IS NULL, h.pos_start, h.id"
    ))?;
    let rows = stmt.query_map([bookmark], from_row)?;
    rows.collect::<rusqlite::Result<_>>()
        .context("store: list a bookmark's highlights")
}

/// Newest first.
pub fn recent(conn: &Connection, limit: u32, offset: u32) -> Result<Vec<Highlight>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM highlights h JOIN bookmarks b ON b.id = h.bookmark_id
         ORDER BY h.created_at DESC, h.id DESC LIMIT ?1 OFFSET ?2"
    ))?;
    let rows = stmt.query_map(params![limit, offset], from_row)?;
    rows.collect::<rusqlite::Result<_>>()
        .context("store: list highlights")
}

/// Highlights whose quote or note holds every word typed, newest first.
pub fn search(conn: &Connection, typed: &str, limit: u32, offset: u32) -> Result<Vec<Highlight>> {
    let Some(terms) = super::fts_terms(typed) else {
        return Ok(Vec::new());
    };
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM highlights_fts f
         JOIN highlights h ON h.id = f.rowid JOIN bookmarks b ON b.id = h.bookmark_id
         WHERE highlights_fts MATCH ?1
         ORDER BY h.created_at DESC, h.id DESC LIMIT ?2 OFFSET ?3"
    ))?;
    let rows = stmt.query_map(params![terms, limit, offset], from_row)?;
    rows.collect::<rusqlite::Result<_>>()
        .context("store: search highlights")
}

/// False when there is no such highlight.
pub fn set_note(conn: &Connection, id: HighlightId, note: &str, now: i64) -> Result<bool> {
    let bookmark: Option<BookmarkId> = conn
        .prepare_cached(
            "UPDATE highlights SET note = ?2, updated_at = ?3 WHERE id = ?1 RETURNING bookmark_id",
        )?
        .query_row(params![id, note, now], |r| r.get(0))
        .optional()
        .context("store: edit a highlight's note")?;
    let Some(bookmark) = bookmark else {
        return Ok(false);
    };
    reindex_highlight(conn, id)?;
    reindex(conn, bookmark)?;
    Ok(true)
}

/// Moves a highlight to where it is found in a new copy of the page (or to no place); its
/// quote is the new copy's text there, which may differ from the old in whitespace.
pub fn reanchor(conn: &Connection, id: HighlightId, anchor: &Anchor) -> Result<()> {
    let bookmark: Option<BookmarkId> = conn
        .prepare_cached(
            "UPDATE highlights SET quote = ?2, prefix = ?3, suffix = ?4, pos_start = ?5,
                 pos_end = ?6
             WHERE id = ?1 RETURNING bookmark_id",
        )?
        .query_row(
            params![
                id,
                anchor.quote,
                anchor.prefix,
                anchor.suffix,
                anchor.start,
                anchor.end
            ],
            |r| r.get(0),
        )
        .optional()
        .context("store: move a highlight")?;
    if let Some(bookmark) = bookmark {
        reindex_highlight(conn, id)?;
        reindex(conn, bookmark)?;
    }
    Ok(())
}

/// The bookmark it was in; None when there is no such highlight.
pub fn delete(conn: &Connection, id: HighlightId) -> Result<Option<BookmarkId>> {
    let bookmark: Option<BookmarkId> = conn
        .prepare_cached("DELETE FROM highlights WHERE id = ?1 RETURNING bookmark_id")?
        .query_row([id], |r| r.get(0))
        .optional()
        .context("store: delete a highlight")?;
    if let Some(bookmark) = bookmark {
        reindex_highlight(conn, id)?;
        reindex(conn, bookmark)?;
    }
    Ok(bookmark)
}
