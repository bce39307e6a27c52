//! Files being imported (from the panel or by `porch import`): what kind, how far the reading
//! has come, what it added and what it had to skip; and, for the panel's import jobs, the
//! reading of a kept upload from start to end.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use rusqlite::{Connection, OptionalExtension, Row};
use serde::Serialize;

use super::Db;
use super::ids::ImportId;

/// Skipped rows listed by reason; past this only their count grows.
pub const MAX_REPORTED: usize = 100;

/// What an import of a file in format `F` did, or has done so far.
#[derive(Debug)]
pub struct Outcome<F> {
    pub format: Option<F>,
    pub counts: Counts,
    /// "Row 8: This row has no title.", the first `MAX_REPORTED` of them.
    pub report: Vec<String>,
}

impl<F> Outcome<F> {
    pub fn of(format: F) -> Outcome<F> {
        Outcome {
            format: Some(format),
            counts: Counts::default(),
            report: Vec::new(),
        }
    }

    /// Reports something the owner should know that skipped no row (a photo left out).
    pub fn note(&mut self, line: String) {
        if self.report.len() < MAX_REPORTED {
            self.report.push(line);
        }
    }

    /// Counts a row that could not be used, with why.
    pub fn skip(&mut self, line: String) {
        self.counts.skipped += 1;
        if self.report.len() < MAX_REPORTED {
            self.report.push(line);
        }
    }
}

/// A panel import's job: reads the upload kept at `path` with `read` (off the async threads),
/// which calls back after each batch (inside its transaction) with the outcome so far and fails
/// with a message for the owner when the file cannot be read at all;
/// recording its progress with the format's `name`; ends the import done, or failed with the
/// reason (a file that is not what it should be is the owner's to fix); removes the file.
pub async fn run_job<F: Copy + Send + 'static>(
    db: &Db,
    id: ImportId,
    path: PathBuf,
    name: fn(F) -> &'static str,
    read: impl FnOnce(
        &Db,
        &Path,
        &mut dyn FnMut(&Connection, &Outcome<F>) -> Result<()>,
    ) -> Result<Outcome<F>>
    + Send
    + 'static,
) -> Result<()> {
    let read = {
        let (db, path) = (db.clone(), path.clone());
        tokio::task::spawn_blocking(move || {
            read(&db, &path, &mut |tx, outcome| {
                let format = outcome.format.map(name).unwrap_or_default();
                progress(tx, id, format, &outcome.counts, &outcome.report)
            })
        })
        .await?
    };
    let error = read.err().map(|e| e.to_string());
    let now = super::now();
    db.write(move |tx| finish(tx, id, error.as_deref(), now))
        .await?;
    if let Err(e) = tokio::fs::remove_file(&path).await {
        tracing::warn!(error = %e, path = %path.display(), "could not remove an imported file");
    }
    Ok(())
}

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

/// Leaves an import waiting for the owner to start it.
pub fn wait(conn: &Connection, id: ImportId) -> Result<()> {
    conn.execute("UPDATE imports SET status = 'waiting' WHERE id = ?1", [id])
        .context("store: leave import waiting")?;
    Ok(())
}

/// Starts a waiting import; false when it was not waiting (started or cancelled already).
pub fn start(conn: &Connection, id: ImportId) -> Result<bool> {
    let changed = conn
        .execute(
            "UPDATE imports SET status = 'queued' WHERE id = ?1 AND status = 'waiting'",
            [id],
        )
        .context("store: start import")?;
    Ok(changed == 1)
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
