//! The durable job queue: work that must happen later or talk to another server is a row in the
//! `jobs` table, written in the same transaction as the change that needs it, so a crash loses
//! nothing, and the commit wakes the worker (`store::Db`). The queue knows no feature: a job is
//! a kind (a name) and a JSON payload. Each feature defines its jobs as `Task`s beside the code
//! that does them; what runs for each kind is the job table's (`src/job_table.rs`).

pub mod worker;

use std::time::Duration;

use anyhow::{Context, Result};
use rusqlite::Connection;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::store::ids::JobId;
use crate::store::jobs as table;

/// A kind of background work: its fields are the job's payload.
pub trait Task: Serialize + DeserializeOwned {
    /// The `kind` column, by which the job table finds what runs it. Never renamed: jobs queued
    /// by an older release are still in the table.
    const KIND: &'static str;
    /// Tries before the job is left failed, for the owner to see and retry on the jobs page.
    const MAX_ATTEMPTS: u32;
}

/// Queues `task` to run at `run_at`, inside the caller's transaction.
pub fn enqueue<T: Task>(tx: &Connection, task: &T, run_at: i64) -> Result<JobId> {
    let payload = serde_json::to_string(task)?;
    table::enqueue(tx, T::KIND, &payload, run_at, T::MAX_ATTEMPTS)
}

/// Drops queued copies of `task` (a post rescheduled or published by hand).
pub fn cancel<T: Task>(tx: &Connection, task: &T) -> Result<usize> {
    table::cancel(tx, T::KIND, &serde_json::to_string(task)?)
}

/// A job's payload read back as its task.
pub fn parse<T: Task>(payload: &str) -> Result<T> {
    serde_json::from_str(payload).with_context(|| format!("job {}: bad payload", T::KIND))
}

/// The wait before attempt `attempt + 1`: exponential from 30 seconds, capped at six hours, so
/// a job retried eight times has waited about a day in all.
pub fn backoff(attempt: u32) -> Duration {
    const BASE_SECS: u64 = 30;
    const CAP_SECS: u64 = 6 * 3600;
    let secs = BASE_SECS.saturating_mul(1u64 << attempt.min(20));
    Duration::from_secs(secs.min(CAP_SECS))
}

/// The longest a server's `Retry-After` holds a job back: a server may not park our deliveries
/// for longer than a day at a time.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);

/// A failure that says when to try again (another server's `Retry-After`).
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct RetryAfter {
    pub wait: Duration,
    pub message: String,
}

/// The wait before the next attempt of a job whose attempt `attempt` failed with `error`: the
/// backoff, or longer when the failure said to wait longer (at most a day).
pub fn retry_wait(attempt: u32, error: &anyhow::Error) -> Duration {
    let usual = backoff(attempt);
    match error.downcast_ref::<RetryAfter>() {
        Some(asked) => asked.wait.min(MAX_RETRY_AFTER).max(usual),
        None => usual,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Example {
        post_id: i64,
    }

    impl Task for Example {
        const KIND: &'static str = "example";
        const MAX_ATTEMPTS: u32 = 3;
    }

    #[test]
    fn a_payload_round_trips() {
        let payload = serde_json::to_string(&Example { post_id: 42 }).unwrap();
        assert_eq!(payload, r#"{"post_id":42}"#);
        assert_eq!(parse::<Example>(&payload).unwrap(), Example { post_id: 42 });
        assert!(parse::<Example>("{}").is_err());
    }

    #[test]
    fn a_retry_after_waits_longer_than_the_backoff_but_not_past_a_day() {
        let asked = |secs| {
            anyhow::Error::new(RetryAfter {
                wait: Duration::from_secs(secs),
                message: "busy".into(),
            })
        };
        assert_eq!(retry_wait(0, &asked(3600)), Duration::from_secs(3600));
        assert_eq!(retry_wait(0, &asked(5)), Duration::from_secs(30));
        assert_eq!(retry_wait(0, &asked(10 * 86400)), MAX_RETRY_AFTER);
        let wrapped = asked(600).context("deliver");
        assert_eq!(retry_wait(0, &wrapped), Duration::from_secs(600));
        assert_eq!(retry_wait(1, &anyhow::anyhow!("down")), backoff(1));
    }

    #[test]
    fn backoff_grows_then_caps() {
        assert_eq!(backoff(0), Duration::from_secs(30));
        assert_eq!(backoff(1), Duration::from_secs(60));
        assert_eq!(backoff(3), Duration::from_secs(240));
        assert_eq!(backoff(30), Duration::from_secs(6 * 3600));
    }
}
