//! Posts brought in by an import: the key each is found again by, and the address it had on
//! this same site before, which answers with a redirect.

use anyhow::{Context, Result};
use rusqlite::{Connection, OptionalExtension};

use super::ids::PostId;

/// The post imported under `source` (an original URL or a file's own id), if any.
pub fn find(conn: &Connection, source: &str) -> Result<Option<PostId>> {
    conn.query_row(
        "SELECT post_id FROM imported_posts WHERE source = ?1",
        [source],
        |r| r.get(0),
    )
    .optional()
    .context("store: find imported post")
}

/// Records that `post_id` came in under `source`, from `original_url`; `old_path` is the path
/// it had on this site before, when that differs from its permalink here (else empty).
pub fn record(
    conn: &Connection,
    post_id: PostId,
    source: &str,
    original_url: &str,
    old_path: &str,
) -> Result<()> {
    conn.execute(
        "INSERT INTO imported_posts (post_id, source, original_url, old_path)
         VALUES (?1, ?2, ?3, ?4)",
        (post_id, source, original_url, old_path),
    )
    .context("store: record imported post")?;
    Ok(())
}

/// Whether the post came in by an import (the protocols leave such posts alone).
pub fn is_imported(conn: &Connection, post_id: PostId) -> Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM imported_posts WHERE post_id = ?1)",
        [post_id],
        |r| r.get(0),
    )
    .context("store: is the post imported")
}

/// The permalink an old address of a published post now has.
pub fn redirect(conn: &Connection, old_path: &str) -> Result<Option<String>> {
    conn.query_row(
        "SELECT p.path FROM imported_posts i JOIN posts p ON p.id = i.post_id
         WHERE i.old_path = ?1 AND i.old_path <> '' AND p.status = 'published'",
        [old_path],
        |r| r.get(0),
    )
    .optional()
    .context("store: find a redirect")
}

/// An old address and the permalink it sends visitors to.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Redirect {
    pub old_path: String,
    pub path: String,
    pub title: Option<String>,
}

/// Every redirect kept for imported posts, by old address.
pub fn redirects(conn: &Connection) -> Result<Vec<Redirect>> {
    let mut stmt = conn.prepare(
        "SELECT i.old_path, p.path, p.title FROM imported_posts i JOIN posts p ON p.id = i.post_id
         WHERE i.old_path <> '' AND p.status = 'published' ORDER BY i.old_path",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(Redirect {
            old_path: r.get(0)?,
            path: r.get(1)?,
            title: r.get(2)?,
        })
    })?;
    rows.collect::<rusqlite::Result<_>>()
        .context("store: list redirects")
}
