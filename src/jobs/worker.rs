//! The worker: claims due jobs, runs a bounded number at once, retries failures with backoff,
//! and leaves a job that keeps failing visible (status 'failed') on the admin jobs page. What a
//! job does is given by the caller (the job table); the worker knows kinds only as names.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

use crate::store::{self, Db, jobs as table};

use super::retry_wait;

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
/// The longest the worker sleeps without looking at the queue. A commit that queues a job
/// wakes it at once; this is for jobs queued by another process (the command line).
const IDLE_POLL: Duration = Duration::from_secs(30);

/// Starts the worker on the current Tokio runtime, running each job with `run(kind, payload)`.
/// Jobs left 'running' by a crash are queued again first (they never finished), unless they
/// keep being interrupted.
pub async fn start<F, Fut>(db: Db, run: F) -> anyhow::Result<()>
where
    F: Fn(String, String) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = anyhow::Result<()>> + Send + 'static,
{
    let (requeued, failed) = db
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
    tokio::spawn(work(db, Arc::new(run)));
    Ok(())
}

async fn work<F, Fut>(db: Db, run: Arc<F>)
where
    F: Fn(String, String) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = anyhow::Result<()>> + Send + 'static,
{
    let slots = Arc::new(Semaphore::new(CONCURRENCY));
    loop {
        let free = slots.available_permits() as u32;
        let claimed = if free == 0 {
            Vec::new()
        } else {
            db.write(move |tx| {
                let now = store::now();
                // Cheap: it looks at the few running jobs only (an index on status).
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
            let (db, run) = (db.clone(), run.clone());
            tokio::spawn(async move {
                let outcome = run(row.kind.clone(), row.payload.clone()).await;
                record(&db, row, outcome).await;
                drop(permit);
                // A finished job may have freed the slot other due jobs wait for.
                db.queued_jobs().notify_one();
            });
        }
        let wait = match db.read(table::next_due).await {
            Ok(Some(at)) => Duration::from_secs((at - store::now()).clamp(0, 30) as u64),
            _ => IDLE_POLL,
        };
        let wait = if slots.available_permits() == 0 {
            IDLE_POLL
        } else {
            wait.max(Duration::from_millis(200))
        };
        tokio::select! {
            _ = db.queued_jobs().notified() => {}
            _ = tokio::time::sleep(wait) => {}
        }
    }
}

/// Records what came of a run: done (the row goes), or failed (queued again with backoff, or
/// failed for good once its attempts are spent).
async fn record(db: &Db, row: table::JobRow, outcome: anyhow::Result<()>) {
    let id = row.id;
    let result = match outcome {
        Ok(()) => db.write(move |tx| table::complete(tx, id)).await,
        Err(e) => {
            let message = format!("{e:#}");
            let wait = retry_wait(row.attempts.saturating_sub(1), &e);
            let retry_at =
                (row.attempts < row.max_attempts).then(|| store::now() + wait.as_secs() as i64);
            tracing::warn!(
                job = %id,
                kind = row.kind,
                attempt = row.attempts,
                error = message,
                "job failed"
            );
            db.write(move |tx| table::fail(tx, id, &message, retry_at))
                .await
        }
    };
    if let Err(e) = result {
        tracing::error!(
            job = %id,
            error = format!("{e:#}"),
            "jobs: could not record outcome"
        );
    }
}
