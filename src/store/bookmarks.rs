//! Bookmarks: the owner's saved links, their tags, and the readable copy archived of each.

use anyhow::{Context, Result};
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;

use super::ids::{BookmarkId, PostId};

/// A bookmark as lists and the reader show it; the archived HTML and text are read only where
/// they are shown (`archive_of`).
#[derive(Clone, Debug, Serialize)]
pub struct Bookmark {
    pub id: BookmarkId,
    pub url: String,
    pub title: String,
    pub note: String,
    pub unread: bool,
    /// Listed on the public `/bookmarks/` page and its feed.
    pub public: bool,
    pub source: String,
    pub post_id: Option<PostId>,
    pub archive_state: String,
    pub archive_error: String,
    pub archived_at: Option<i64>,
    pub article_title: String,
    pub author: String,
    pub site_name: String,
    pub published: String,
    pub lead_image: String,
    pub tags: Vec<String>,
    /// How many passages the owner highlighted in it.
    pub highlights: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// What a new bookmark is made of.
#[derive(Clone, Debug, Default)]
pub struct NewBookmark {
    pub url: String,
    pub url_key: String,
    pub title: String,
    pub note: String,
    pub tags: Vec<String>,
    pub source: &'static str,
    pub post_id: Option<PostId>,
}

/// The readable copy a job made of a bookmarked page.
#[derive(Clone, Debug, Default)]
pub struct Archive {
    pub article_title: String,
    pub author: String,
    pub site_name: String,
    pub published: String,
    pub lead_image: String,
    pub html: String,
    pub text: String,
}

/// Which bookmarks a list shows.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub tag: Option<String>,
    /// Some(true): unread only; Some(false): read only.
    pub unread: Option<bool>,
    /// Only those with at least one highlight.
    pub highlighted: bool,
}

const COLUMNS: &str = "b.id, b.url, b.title, b.note, b.unread, b.public, b.source, b.post_id,
    b.archive_state, b.archive_error, b.archived_at, b.article_title, b.author, b.site_name,
    b.published, b.lead_image, b.created_at, b.updated_at,
    (SELECT group_concat(tag, char(31)) FROM
        (SELECT tag FROM bookmark_tags t WHERE t.bookmark_id = b.id ORDER BY tag COLLATE NOCASE))
        AS tags,
    (SELECT count(*) FROM highlights h WHERE h.bookmark_id = b.id) AS highlights";

fn from_row(r: &Row) -> rusqlite::Result<Bookmark> {
    let tags: Option<String> = r.get("tags")?;
    Ok(Bookmark {
        id: r.get("id")?,
        url: r.get("url")?,
        title: r.get("title")?,
        note: r.get("note")?,
        unread: r.get("unread")?,
        public: r.get("public")?,
        source: r.get("source")?,
        post_id: r.get("post_id")?,
        archive_state: r.get("archive_state")?,
        archive_error: r.get("archive_error")?,
        archived_at: r.get("archived_at")?,
        article_title: r.get("article_title")?,
        author: r.get("author")?,
        site_name: r.get("site_name")?,
        published: r.get("published")?,
        lead_image: r.get("lead_image")?,
        tags: tags
            .map(|t| t.split('\u{1f}').map(str::to_string).collect())
            .unwrap_or_default(),
        highlights: r.get("highlights")?,
        created_at: r.get("created_at")?,
        updated_at: r.get("updated_at")?,
    })
}

/// The bookmark saved under a normalized URL, if any.
pub fn by_key(conn: &Connection, url_key: &str) -> Result<Option<BookmarkId>> {
    conn.prepare_cached("SELECT id FROM bookmarks WHERE url_key = ?1")?
        .query_row([url_key], |r| r.get(0))
        .optional()
        .context("store: find a bookmark by its URL")
}

pub fn by_id(conn: &Connection, id: BookmarkId) -> Result<Option<Bookmark>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM bookmarks b WHERE b.id = ?1"
    ))?
    .query_row([id], from_row)
    .optional()
    .context("store: read a bookmark")
}

/// The archived copy: (HTML, text).
pub fn archive_of(conn: &Connection, id: BookmarkId) -> Result<Option<(String, String)>> {
    conn.prepare_cached("SELECT archived_html, archived_text FROM bookmarks WHERE id = ?1")?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
        .context("store: read a bookmark's archive")
}

pub fn insert(conn: &Connection, new: &NewBookmark, now: i64) -> Result<BookmarkId> {
    conn.prepare_cached(
        "INSERT INTO bookmarks (url, url_key, title, note, source, post_id, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
    )?
    .execute(params![
        new.url,
        new.url_key,
        new.title,
        new.note,
        new.source,
        new.post_id,
        now
    ])
    .context("store: add a bookmark")?;
    let id = BookmarkId(conn.last_insert_rowid());
    set_tags(conn, id, &new.tags)?;
    reindex(conn, id)?;
    Ok(id)
}

/// Brings a bookmark's search entry in step with it (or removes it, when it is gone): its
/// titles, kept text, note, tags and highlights.
pub(super) fn reindex(conn: &Connection, id: BookmarkId) -> Result<()> {
    conn.prepare_cached("DELETE FROM bookmarks_fts WHERE rowid = ?1")?
        .execute([id])?;
    conn.prepare_cached(
        "INSERT INTO bookmarks_fts (rowid, title, body, note, tags, highlights)
         SELECT b.id, b.title || ' ' || b.article_title, b.archived_text, b.note,
                coalesce((SELECT group_concat(t.tag, ' ') FROM bookmark_tags t
                          WHERE t.bookmark_id = b.id), ''),
                coalesce((SELECT group_concat(h.quote || ' ' || h.note, ' ') FROM highlights h
                          WHERE h.bookmark_id = b.id), '')
         FROM bookmarks b WHERE b.id = ?1",
    )?
    .execute([id])
    .context("store: index a bookmark for search")?;
    Ok(())
}

/// Marks where a search snippet's matches start and end; the panel escapes the snippet, then
/// turns these into highlighting.
pub const MATCH_START: char = '\u{2}';
pub const MATCH_END: char = '\u{3}';

/// Bookmarks matching every word typed (titles, archived text, note, tags, highlights), best first, each with
/// a snippet of its archived text around the match (plain text with `MATCH_START`/`MATCH_END`).
pub fn search(conn: &Connection, typed: &str, limit: u32) -> Result<Vec<(Bookmark, String)>> {
    let Some(terms) = super::fts_terms(typed) else {
        return Ok(Vec::new());
    };
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS}, snippet(bookmarks_fts, 1, char(2), char(3), '…', 16) AS snippet
         FROM bookmarks_fts f JOIN bookmarks b ON b.id = f.rowid
         WHERE bookmarks_fts MATCH ?1 ORDER BY f.rank LIMIT ?2"
    ))?;
    let rows = stmt.query_map(params![terms, limit], |r| {
        Ok((from_row(r)?, r.get::<_, String>("snippet")?))
    })?;
    rows.collect::<rusqlite::Result<_>>()
        .context("store: search bookmarks")
}

/// What the owner edits of a bookmark.
#[derive(Clone, Debug, Default)]
pub struct Details {
    pub title: String,
    pub note: String,
    pub tags: Vec<String>,
    pub public: bool,
}

/// Changes what the owner edits; false when there is no such bookmark.
pub fn update(conn: &Connection, id: BookmarkId, d: &Details, now: i64) -> Result<bool> {
    let changed = conn
        .prepare_cached(
            "UPDATE bookmarks SET title = ?2, note = ?3, public = ?4, updated_at = ?5 WHERE id = ?1",
        )?
        .execute(params![id, d.title, d.note, d.public, now])
        .context("store: edit a bookmark")?;
    if changed > 0 {
        set_tags(conn, id, &d.tags)?;
        reindex(conn, id)?;
    }
    Ok(changed > 0)
}

fn set_tags(conn: &Connection, id: BookmarkId, tags: &[String]) -> Result<()> {
    conn.prepare_cached("DELETE FROM bookmark_tags WHERE bookmark_id = ?1")?
        .execute([id])?;
    let mut insert = conn
        .prepare_cached("INSERT OR IGNORE INTO bookmark_tags (bookmark_id, tag) VALUES (?1, ?2)")?;
    for tag in tags {
        insert.execute(params![id, tag])?;
    }
    Ok(())
}

/// False when there is no such bookmark.
pub fn set_unread(conn: &Connection, id: BookmarkId, unread: bool) -> Result<bool> {
    let changed = conn
        .prepare_cached("UPDATE bookmarks SET unread = ?2 WHERE id = ?1")?
        .execute(params![id, unread])
        .context("store: mark a bookmark read")?;
    Ok(changed > 0)
}

/// Lists it on the public page, or takes it off; false when there is no such bookmark.
pub fn set_public(conn: &Connection, id: BookmarkId, public: bool) -> Result<bool> {
    let changed = conn
        .prepare_cached("UPDATE bookmarks SET public = ?2 WHERE id = ?1")?
        .execute(params![id, public])
        .context("store: share a bookmark")?;
    Ok(changed > 0)
}

/// False when there is no such bookmark.
pub fn delete(conn: &Connection, id: BookmarkId) -> Result<bool> {
    // Its highlights go with it (the foreign key); their search entries must go too.
    conn.prepare_cached(
        "DELETE FROM highlights_fts WHERE rowid IN (SELECT id FROM highlights WHERE bookmark_id = ?1)",
    )?
    .execute([id])?;
    let changed = conn
        .prepare_cached("DELETE FROM bookmarks WHERE id = ?1")?
        .execute([id])
        .context("store: delete a bookmark")?;
    reindex(conn, id)?;
    Ok(changed > 0)
}

/// Newest first.
pub fn list(conn: &Connection, filter: &Filter, limit: u32, offset: u32) -> Result<Vec<Bookmark>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM bookmarks b
         WHERE (?1 IS NULL OR EXISTS (SELECT 1 FROM bookmark_tags t
                                      WHERE t.bookmark_id = b.id AND t.tag = ?1))
           AND (?2 IS NULL OR b.unread = ?2)
           AND (NOT ?5 OR EXISTS (SELECT 1 FROM highlights h WHERE h.bookmark_id = b.id))
         ORDER BY b.created_at DESC, b.id DESC LIMIT ?3 OFFSET ?4"
    ))?;
    let rows = stmt.query_map(
        params![filter.tag, filter.unread, limit, offset, filter.highlighted],
        from_row,
    )?;
    rows.collect::<rusqlite::Result<_>>()
        .context("store: list bookmarks")
}

/// Every tag in use, with how many bookmarks carry it, by name.
pub fn tags(conn: &Connection) -> Result<Vec<(String, i64)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT min(tag), count(*) FROM bookmark_tags GROUP BY tag ORDER BY tag COLLATE NOCASE",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect::<rusqlite::Result<_>>()
        .context("store: list bookmark tags")
}

/// Sets a bookmark to be archived (again); false when there is no such bookmark.
pub fn mark_pending(conn: &Connection, id: BookmarkId) -> Result<bool> {
    let changed = conn
        .prepare_cached(
            "UPDATE bookmarks SET archive_state = 'pending', archive_error = '' WHERE id = ?1",
        )?
        .execute([id])?;
    Ok(changed > 0)
}

pub fn save_archive(conn: &Connection, id: BookmarkId, a: &Archive, now: i64) -> Result<()> {
    conn.prepare_cached(
        "UPDATE bookmarks SET archive_state = 'archived', archive_error = '', archived_at = ?2,
             article_title = ?3, author = ?4, site_name = ?5, published = ?6, lead_image = ?7,
             archived_html = ?8, archived_text = ?9,
             title = CASE WHEN title = '' THEN ?3 ELSE title END
         WHERE id = ?1",
    )?
    .execute(params![
        id,
        now,
        a.article_title,
        a.author,
        a.site_name,
        a.published,
        a.lead_image,
        a.html,
        a.text
    ])
    .context("store: save a bookmark's archive")?;
    reindex(conn, id)
}

/// The archive could not be made; an earlier copy, if any, is kept.
pub fn archive_failed(conn: &Connection, id: BookmarkId, reason: &str) -> Result<()> {
    conn.prepare_cached(
        "UPDATE bookmarks SET archive_state = 'failed', archive_error = ?2 WHERE id = ?1",
    )?
    .execute(params![id, reason])
    .context("store: record a failed archive")?;
    Ok(())
}

/// How many imported bookmarks still wait for their copy (they are kept a few seconds apart).
pub fn imported_waiting(conn: &Connection) -> Result<i64> {
    conn.prepare_cached(
        "SELECT count(*) FROM bookmarks WHERE source = 'import' AND archive_state = 'pending'",
    )?
    .query_row([], |r| r.get(0))
    .context("store: count imported bookmarks waiting")
}

/// The bookmarks the owner made public, newest first.
pub fn public(conn: &Connection, limit: u32, offset: u32) -> Result<Vec<Bookmark>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM bookmarks b WHERE b.public = 1
         ORDER BY b.created_at DESC, b.id DESC LIMIT ?1 OFFSET ?2"
    ))?;
    let rows = stmt.query_map(params![limit, offset], from_row)?;
    rows.collect::<rusqlite::Result<_>>()
        .context("store: list public bookmarks")
}
