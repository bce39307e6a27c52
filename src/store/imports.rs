//! Files being imported from the panel: what kind, how far the job has read, what it added and
//! what it had to skip.

use anyhow::{Context, Result};
use rusqlite::{Connection, OptionalExtension, Row};
use serde::Serialize;

use super::ids::ImportId;

#[derive(Clone, Debug, Serialize)]
pub struct Import {
    pub id: ImportId,
    /// What is imported (`books`).
    pub kind: String,
    pub file_name: String,
    /// queued, running, done or failed.
    pub status: String,
    /// The service the file came from, once its header was read.
    pub format: String,
    pub rows: i64,
    pub added: i64,
    pub existing: i64,
    pub skipped: i64,
    /// The rows skipped, with their reasons (JSON list of strings; the first ones only).
    pub report: Vec<String>,
    /// Why the whole file could not be read, if it could not.
    pub error: String,
    pub created_at: i64,
    pub finished_at: Option<i64>,
}

fn from_row(r: &Row) -> rusqlite::Result<Import> {
    let report: String = r.get("report")?;
    Ok(Import {
        id: r.get("id")?,
        kind: r.get("kind")?,
        file_name: r.get("file_name")?,
        status: r.get("status")?,
        format: r.get("format")?,
        rows: r.get("rows")?,
        added: r.get("added")?,
        existing: r.get("existing")?,
        skipped: r.get("skipped")?,
        report: serde_json::from_str(&report).unwrap_or_default(),
        error: r.get("error")?,
        created_at: r.get("created_at")?,
        finished_at: r.get("finished_at")?,
    })
}

pub fn create(conn: &Connection, kind: &str, file_name: &str, now: i64) -> Result<ImportId> {
    conn.execute(
        "INSERT INTO imports (kind, file_name, created_at) VALUES (?1, ?2, ?3)",
        (kind, file_name, now),
    )
    .context("store: add import")?;
    Ok(ImportId(conn.last_insert_rowid()))
}

pub fn get(conn: &Connection, id: ImportId) -> Result<Option<Import>> {
    conn.query_row("SELECT * FROM imports WHERE id = ?1", [id], from_row)
        .optional()
        .context("store: load import")
}

/// The latest imports of a kind, newest first.
pub fn recent(conn: &Connection, kind: &str, limit: i64) -> Result<Vec<Import>> {
    let mut stmt =
        conn.prepare_cached("SELECT * FROM imports WHERE kind = ?1 ORDER BY id DESC LIMIT ?2")?;
    let rows = stmt.query_map((kind, limit), from_row)?;
    rows.collect::<rusqlite::Result<_>>()
        .context("store: list imports")
}

/// How far an import has come.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub rows: i64,
    pub added: i64,
    pub existing: i64,
    pub skipped: i64,
}

pub fn progress(
    conn: &Connection,
    id: ImportId,
    format: &str,
    counts: &Counts,
    report: &[String],
) -> Result<()> {
    conn.execute(
        "UPDATE imports SET status = 'running', format = ?2, rows = ?3, added = ?4, existing = ?5,
             skipped = ?6, report = ?7
         WHERE id = ?1",
        (
            id,
            format,
            counts.rows,
            counts.added,
            counts.existing,
            counts.skipped,
            serde_json::to_string(report)?,
        ),
    )
    .context("store: record import progress")?;
    Ok(())
}

/// Ends an import: done, or failed with `error`.
pub fn finish(conn: &Connection, id: ImportId, error: Option<&str>, now: i64) -> Result<()> {
    conn.execute(
        "UPDATE imports SET status = ?2, error = ?3, finished_at = ?4 WHERE id = ?1",
        (
            id,
            if error.is_some() { "failed" } else { "done" },
            error.unwrap_or(""),
            now,
        ),
    )
    .context("store: finish import")?;
    Ok(())
}
