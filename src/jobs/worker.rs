//! The worker: claims due jobs, runs a bounded number at once, retries failures with backoff,
//! and leaves a job that keeps failing visible (status 'failed') on the admin jobs page.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

use crate::app::App;
use crate::store::{self, jobs as table};

use super::{Job, backoff, run};

/// Jobs running at once. Deliveries to other servers will be most of them; a few in parallel
/// keep a slow peer from holding up the rest without flooding a small machine.
const CONCURRENCY: usize = 8;
/// How long a claimed job may run before it is considered lost and queued again. Far longer
/// than any job takes (outbound requests time out after 30 s), so a slow job never runs twice.
const LEASE_SECS: i64 = 15 * 60;
/// A job found running with its worker gone this many times is failed for good instead of run
/// again: a job that crashes the process (a parser's stack overflow, say) would otherwise crash
/// it after every restart. Twice, so that one ordinary restart mid-job costs nothing.
const MAX_INTERRUPTED: u32 = 2;
/// The longest the worker sleeps without looking at the queue, in case a wake-up was missed
/// (another process, such as the CLI, queued work).
const IDLE_POLL: Duration = Duration::from_secs(30);

/// Starts the worker on the current Tokio runtime. Jobs left 'running' by a crash are queued
/// again first (they never finished), unless they keep being interrupted.
pub async fn start(app: App) -> anyhow::Result<()> {
    let (requeued, failed) = app
        .db
        .write(|tx| table::recover_lost(tx, store::now(), true, MAX_INTERRUPTED))
        .await?;
    if requeued > 0 {
        tracing::info!(requeued, "jobs interrupted by a restart were queued again");
    }
    if failed > 0 {
        tracing::warn!(
            failed,
            "jobs interrupted too often were failed: see /admin/jobs"
        );
    }
    tokio::spawn(work(app));
    Ok(())
}

async fn work(app: App) {
    let slots = Arc::new(Semaphore::new(CONCURRENCY));
    loop {
        let free = slots.available_permits() as u32;
        let claimed = if free == 0 {
            Vec::new()
        } else {
            app.db
                .write(move |tx| {
                    let now = store::now();
                    table::recover_lost(tx, now, false, MAX_INTERRUPTED)?;
                    table::claim_due(tx, now, LEASE_SECS, free)
                })
                .await
                .unwrap_or_else(|e| {
                    tracing::error!(error = format!("{e:#}"), "jobs: claim failed");
                    Vec::new()
                })
        };
        for row in claimed {
            let Ok(permit) = slots.clone().acquire_owned().await else {
                return;
            };
            let app = app.clone();
            tokio::spawn(async move {
                run_one(&app, row).await;
                drop(permit);
                // A finished job may have freed the slot other due jobs wait for.
                app.jobs_wake.notify_one();
            });
        }
        let wait = match app.db.read(table::next_due).await {
            Ok(Some(at)) => Duration::from_secs((at - store::now()).clamp(0, 30) as u64),
            _ => IDLE_POLL,
        };
        let wait = if slots.available_permits() == 0 {
            IDLE_POLL
        } else {
            wait.max(Duration::from_millis(200))
        };
        tokio::select! {
            _ = app.jobs_wake.notified() => {}
            _ = tokio::time::sleep(wait) => {}
        }
    }
}

async fn run_one(app: &App, row: table::JobRow) {
    let outcome = match Job::parse(&row.kind, &row.payload) {
        Ok(job) => run::run(app, job).await,
        Err(e) => Err(e.context(format!("unknown job {}", row.kind))),
    };
    let id = row.id;
    let result = match outcome {
        Ok(()) => app.db.write(move |tx| table::complete(tx, id)).await,
        Err(e) => {
            let message = format!("{e:#}");
            let retry_at = (row.attempts < row.max_attempts)
                .then(|| store::now() + backoff(row.attempts.saturating_sub(1)).as_secs() as i64);
            tracing::warn!(
                job = id,
                kind = row.kind,
                attempt = row.attempts,
                error = message,
                "job failed"
            );
            app.db
                .write(move |tx| table::fail(tx, id, &message, retry_at))
                .await
        }
    };
    if let Err(e) = result {
        tracing::error!(
            job = id,
            error = format!("{e:#}"),
            "jobs: could not record outcome"
        );
    }
}
