//! The durable job queue's table. See src/jobs/ for the worker that runs them.

use anyhow::{Context, Result};
use rusqlite::{Connection, Row};
use serde::Serialize;

use super::ids::JobId;

#[derive(Clone, Debug, Serialize)]
pub struct JobRow {
    pub id: JobId,
    pub kind: String,
    pub payload: String,
    pub status: String,
    pub run_at: i64,
    pub attempts: u32,
    pub max_attempts: u32,
    pub last_error: String,
    pub created_at: i64,
}

fn from_row(r: &Row) -> rusqlite::Result<JobRow> {
    Ok(JobRow {
        id: r.get("id")?,
        kind: r.get("kind")?,
        payload: r.get("payload")?,
        status: r.get("status")?,
        run_at: r.get("run_at")?,
        attempts: r.get("attempts")?,
        max_attempts: r.get("max_attempts")?,
        last_error: r.get("last_error")?,
        created_at: r.get("created_at")?,
    })
}

/// Queues a job; call it inside the transaction of the change that needs the job.
pub fn enqueue(
    conn: &Connection,
    kind: &str,
    payload: &str,
    run_at: i64,
    max_attempts: u32,
) -> Result<JobId> {
    let now = super::now();
    conn.execute(
        "INSERT INTO jobs (kind, payload, status, run_at, max_attempts, created_at, updated_at)
         VALUES (?1, ?2, 'queued', ?3, ?4, ?5, ?5)",
        (kind, payload, run_at, max_attempts, now),
    )
    .context("store: enqueue job")?;
    Ok(JobId(conn.last_insert_rowid()))
}

/// Removes queued jobs of a kind with this payload (a rescheduled post drops its old job).
pub fn cancel(conn: &Connection, kind: &str, payload: &str) -> Result<usize> {
    conn.execute(
        "DELETE FROM jobs WHERE kind = ?1 AND payload = ?2 AND status <> 'running'",
        (kind, payload),
    )
    .context("store: cancel jobs")
}

/// Marks up to `limit` due jobs as running and returns them, each with one more attempt
/// counted. A running job's `run_at` is the end of its lease (see `recover_lost`).
pub fn claim_due(conn: &Connection, now: i64, lease_secs: i64, limit: u32) -> Result<Vec<JobRow>> {
    let mut stmt = conn.prepare_cached(
        "UPDATE jobs SET status = 'running', attempts = attempts + 1, run_at = ?1 + ?2,
                         updated_at = ?1
         WHERE id IN (SELECT id FROM jobs WHERE status = 'queued' AND run_at <= ?1
                      ORDER BY run_at, id LIMIT ?3)
         RETURNING *",
    )?;
    let rows = stmt.query_map((now, lease_secs, limit), from_row)?;
    rows.collect::<rusqlite::Result<_>>()
        .context("store: claim jobs")
}

/// Jobs whose worker is gone without recording an outcome: every running job after a restart
/// (`all`), or those whose lease is over (a worker that died). Each was interrupted once more
/// and its claim counted as an attempt. One interrupted `max_interrupted` times, or out of
/// attempts, is failed for good: it may be what brought the server down, and running it again
/// would do it again. The rest are queued to run now. Returns (queued, failed).
pub fn recover_lost(
    conn: &Connection,
    now: i64,
    all: bool,
    max_interrupted: u32,
) -> Result<(usize, usize)> {
    let lost = "status = 'running' AND (?2 OR run_at <= ?1)";
    let failed = conn
        .execute(
            &format!(
                "UPDATE jobs SET status = 'failed', interrupted = interrupted + 1, updated_at = ?1,
                     last_error = 'It was still running when the server stopped or lost it, '
                         || (interrupted + 1) || ' times in all (' || attempts || ' of '
                         || max_attempts || ' attempts used): it is not run again on its own.'
                 WHERE {lost} AND (interrupted + 1 >= ?3 OR attempts >= max_attempts)"
            ),
            (now, all, max_interrupted),
        )
        .context("store: fail lost jobs")?;
    let queued = conn
        .execute(
            &format!(
                "UPDATE jobs SET status = 'queued', interrupted = interrupted + 1, run_at = ?1,
                     updated_at = ?1
                 WHERE {lost}"
            ),
            (now, all),
        )
        .context("store: requeue lost jobs")?;
    Ok((queued, failed))
}

/// When the last queued job of a kind is due, if any is queued: work spaced out over time (the
/// copies of imported bookmarks) starts after it rather than beside it.
pub fn last_queued(conn: &Connection, kind: &str) -> Result<Option<i64>> {
    conn.query_row(
        "SELECT max(run_at) FROM jobs WHERE kind = ?1 AND status = 'queued'",
        [kind],
        |r| r.get(0),
    )
    .context("store: last queued job")
}

/// When the next queued job is due, or a running one's lease ends, if ever.
pub fn next_due(conn: &Connection) -> Result<Option<i64>> {
    conn.query_row(
        "SELECT min(run_at) FROM jobs WHERE status IN ('queued', 'running')",
        [],
        |r| r.get(0),
    )
    .context("store: next job")
}

pub fn complete(conn: &Connection, id: JobId) -> Result<()> {
    conn.execute("DELETE FROM jobs WHERE id = ?1", [id])
        .context("store: complete job")?;
    Ok(())
}

/// Records a failed attempt: queued again at `retry_at`, or failed for good when `retry_at` is None.
pub fn fail(conn: &Connection, id: JobId, error: &str, retry_at: Option<i64>) -> Result<()> {
    let now = super::now();
    match retry_at {
        Some(at) => conn.execute(
            "UPDATE jobs SET status = 'queued', run_at = ?2, last_error = ?3, updated_at = ?4 WHERE id = ?1",
            (id, at, error, now),
        ),
        None => conn.execute(
            "UPDATE jobs SET status = 'failed', last_error = ?2, updated_at = ?3 WHERE id = ?1",
            (id, error, now),
        ),
    }
    .context("store: fail job")?;
    Ok(())
}

/// Runs a job now: a failed one goes back in the queue with its attempts counted afresh, and one
/// waiting out its backoff (a peer that was down and is back) stops waiting. A job never tried
/// (a post scheduled for later) keeps its time.
pub fn retry(conn: &Connection, id: JobId) -> Result<bool> {
    let n = conn
        .execute(
            "UPDATE jobs SET run_at = ?2, updated_at = ?2,
                 attempts = CASE WHEN status = 'failed' THEN 0 ELSE attempts END,
                 interrupted = CASE WHEN status = 'failed' THEN 0 ELSE interrupted END,
                 status = 'queued'
             WHERE id = ?1 AND (status = 'failed' OR (status = 'queued' AND attempts > 0))",
            (id, super::now()),
        )
        .context("store: retry job")?;
    Ok(n > 0)
}

pub fn delete(conn: &Connection, id: JobId) -> Result<bool> {
    let n = conn
        .execute(
            "DELETE FROM jobs WHERE id = ?1 AND status <> 'running'",
            [id],
        )
        .context("store: delete job")?;
    Ok(n > 0)
}

/// The jobs the owner sees: all but the daily housekeeping waiting for its next day (always
/// there, and nothing to act on; it shows if it fails).
pub fn list(conn: &Connection, limit: u32) -> Result<Vec<JobRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT * FROM jobs WHERE NOT (kind = 'housekeeping' AND status = 'queued')
         ORDER BY CASE status WHEN 'failed' THEN 0 WHEN 'running' THEN 1 ELSE 2 END, run_at
         LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit], from_row)?;
    rows.collect::<rusqlite::Result<_>>()
        .context("store: list jobs")
}
