//! The durable job queue: work that must happen later or talk to another server is a row in the
//! `jobs` table, written in the same transaction as the change that needs it, so a crash loses
//! nothing. `worker` runs due jobs; `run` holds what each kind of job does.

mod run;
pub mod worker;

use std::time::Duration;

use anyhow::Result;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use crate::store::jobs as table;

/// Every kind of background work. The variant name is the `kind` column; the fields are the
/// JSON `payload`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "payload", rename_all = "snake_case")]
pub enum Job {
    /// Make a scheduled post public at its time.
    PublishPost { post_id: i64 },
    /// Build an activity and queue its delivery to every follower inbox.
    FanOut { activity_id: i64 },
    /// POST one activity to one inbox.
    Deliver { activity_id: i64, inbox: String },
    /// POST one activity once to an inbox marked dead, to learn whether it is back.
    Probe { activity_id: i64, inbox: String },
    /// An account the owner follows moved: follow its new account if that one confirms it.
    FollowMove { old_actor: String, target: String },
    /// Drop expired sessions and old activity ids; runs at each start and then daily.
    Housekeeping,
    /// Fetch a received Webmention's source, check it links to the target, store what it says.
    VerifyWebmention { source: String, target: String },
    /// Queue a Webmention for every page a post links to (or was sent to before).
    SendWebmentions { post_id: i64 },
    /// Discover one page's Webmention endpoint and notify it of the post.
    SendWebmention { post_id: i64, target: String },
}

impl Job {
    /// Tries before a job is left as failed for the owner to see. Publishing only touches the
    /// local database, so a failure is a bug or a full disk: retry a few times, then show it.
    fn max_attempts(&self) -> u32 {
        match self {
            Job::PublishPost { .. } => 8,
            Job::FanOut { .. } => 8,
            // With the backoff capped at six hours, 20 tries span about three and a half days:
            // a server down for a weekend still gets the post.
            Job::Deliver { .. } => 20,
            Job::Probe { .. } => 1,
            Job::FollowMove { .. } => 8,
            Job::Housekeeping => 8,
            // A source that is down gets tries over about a quarter of an hour, an endpoint
            // over about two hours: a Webmention is sent again whenever its page changes, so
            // a long outage costs little.
            Job::VerifyWebmention { .. } => 6,
            Job::SendWebmentions { .. } => 8,
            Job::SendWebmention { .. } => 8,
        }
    }

    fn split(&self) -> Result<(String, String)> {
        let value = serde_json::to_value(self)?;
        let kind = value["kind"].as_str().unwrap_or_default().to_string();
        Ok((kind, value["payload"].to_string()))
    }

    fn parse(kind: &str, payload: &str) -> Result<Job> {
        let payload: serde_json::Value = serde_json::from_str(payload)?;
        Ok(serde_json::from_value(
            serde_json::json!({ "kind": kind, "payload": payload }),
        )?)
    }
}

/// Queues `job` to run at `run_at`, inside the caller's transaction.
pub fn enqueue(tx: &Connection, job: &Job, run_at: i64) -> Result<i64> {
    let (kind, payload) = job.split()?;
    table::enqueue(tx, &kind, &payload, run_at, job.max_attempts())
}

/// Drops queued copies of `job` (a post rescheduled or published by hand).
pub fn cancel(tx: &Connection, job: &Job) -> Result<usize> {
    let (kind, payload) = job.split()?;
    table::cancel(tx, &kind, &payload)
}

/// The wait before attempt `attempt + 1`: exponential from 30 seconds, capped at six hours, so
/// a job retried eight times has waited about a day in all.
pub fn backoff(attempt: u32) -> Duration {
    const BASE_SECS: u64 = 30;
    const CAP_SECS: u64 = 6 * 3600;
    let secs = BASE_SECS.saturating_mul(1u64 << attempt.min(20));
    Duration::from_secs(secs.min(CAP_SECS))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_round_trip_through_kind_and_payload() {
        let job = Job::PublishPost { post_id: 42 };
        let (kind, payload) = job.split().unwrap();
        assert_eq!(kind, "publish_post");
        assert_eq!(payload, r#"{"post_id":42}"#);
        assert_eq!(Job::parse(&kind, &payload).unwrap(), job);
        assert!(Job::parse("no_such_job", "{}").is_err());
    }

    #[test]
    fn backoff_grows_then_caps() {
        assert_eq!(backoff(0), Duration::from_secs(30));
        assert_eq!(backoff(1), Duration::from_secs(60));
        assert_eq!(backoff(3), Duration::from_secs(240));
        assert_eq!(backoff(30), Duration::from_secs(6 * 3600));
    }
}
