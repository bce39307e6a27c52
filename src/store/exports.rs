//! Archives of the whole site made from the panel: how far each has come, what it holds, and
//! whether its file is still there to download.

use anyhow::{Context, Result};
use rusqlite::{Connection, OptionalExtension, Row};
use serde::Serialize;

use super::ids::ExportId;

#[derive(Clone, Debug, Serialize)]
pub struct Export {
    pub id: ExportId,
    /// The name the download is given.
    pub file_name: String,
    /// queued, running, done, failed, or removed (its day is over).
    pub status: String,
    pub posts: i64,
    pub files: i64,
    /// The archive's size, once written.
    pub bytes: i64,
    pub error: String,
    pub created_at: i64,
    pub finished_at: Option<i64>,
}

fn from_row(r: &Row) -> rusqlite::Result<Export> {
    Ok(Export {
        id: r.get("id")?,
        file_name: r.get("file_name")?,
        status: r.get("status")?,
        posts: r.get("posts")?,
        files: r.get("files")?,
        bytes: r.get("bytes")?,
        error: r.get("error")?,
        created_at: r.get("created_at")?,
        finished_at: r.get("finished_at")?,
    })
}

pub fn create(conn: &Connection, file_name: &str, now: i64) -> Result<ExportId> {
    conn.execute(
        "INSERT INTO exports (file_name, created_at) VALUES (?1, ?2)",
        (file_name, now),
    )
    .context("store: add export")?;
    Ok(ExportId(conn.last_insert_rowid()))
}

pub fn get(conn: &Connection, id: ExportId) -> Result<Option<Export>> {
    conn.query_row("SELECT * FROM exports WHERE id = ?1", [id], from_row)
        .optional()
        .context("store: load export")
}

/// The latest exports, newest first.
pub fn recent(conn: &Connection, limit: i64) -> Result<Vec<Export>> {
    let mut stmt = conn.prepare_cached("SELECT * FROM exports ORDER BY id DESC LIMIT ?1")?;
    let rows = stmt.query_map([limit], from_row)?;
    rows.collect::<rusqlite::Result<_>>()
        .context("store: list exports")
}

/// How far an export has come.
pub fn progress(conn: &Connection, id: ExportId, posts: i64, files: i64) -> Result<()> {
    conn.execute(
        "UPDATE exports SET status = 'running', posts = ?2, files = ?3 WHERE id = ?1",
        (id, posts, files),
    )
    .context("store: record export progress")?;
    Ok(())
}

/// Ends an export: done with the archive's size, or failed with `error`.
pub fn finish(
    conn: &Connection,
    id: ExportId,
    outcome: std::result::Result<u64, &str>,
    now: i64,
) -> Result<()> {
    let (status, bytes, error) = match outcome {
        Ok(bytes) => ("done", bytes as i64, ""),
        Err(error) => ("failed", 0, error),
    };
    conn.execute(
        "UPDATE exports SET status = ?2, bytes = ?3, error = ?4, finished_at = ?5 WHERE id = ?1",
        (id, status, bytes, error, now),
    )
    .context("store: finish export")?;
    Ok(())
}

/// Marks an export's file as removed (its day is over).
pub fn removed(conn: &Connection, id: ExportId) -> Result<()> {
    conn.execute(
        "UPDATE exports SET status = 'removed' WHERE id = ?1 AND status = 'done'",
        [id],
    )
    .context("store: mark export removed")?;
    Ok(())
}
