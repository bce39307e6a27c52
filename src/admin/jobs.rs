//! The jobs page (`/admin/jobs`): background work that is waiting, running, or has failed, each
//! described in words (`job_words`) with its raw kind and payload behind a disclosure, and
//! buttons to retry or drop a failed job.

use crate::ctx;
use poem::web::{Data, Path, Query, Redirect};
use poem::{IntoResponse, Response, handler};
use serde::Serialize;

use super::DoneQuery;
use super::job_words::{self, Job, State, Wanted};
use crate::app::App;
use crate::auth::Admin;
use crate::auth::csrf::{AdminForm, NoFields};
use crate::error::{Failure, Result};
use crate::render::time;
use crate::store::ids::JobId;
use crate::store::jobs;

/// Rows shown; a healthy queue is nearly empty, a backed-up one needs only its head seen.
const SHOWN: u32 = 200;

#[derive(Serialize)]
struct Row {
    id: JobId,
    /// What the job does, in words ("Send Webmention to example.org").
    sentence: String,
    /// Where it stands ("DNS lookup failed; next try at 06:29").
    state: String,
    kind: String,
    payload: String,
    status: String,
    run_at: String,
    attempts: String,
    /// Whether it has been tried: only a job waiting out a retry may be run early.
    tried: bool,
    last_error: String,
}

#[handler]
pub async fn index(
    Data(app): Data<&App>,
    admin: Admin,
    Query(q): Query<DoneQuery>,
) -> Result<Response> {
    let settings = app.settings().await?;
    let tz = time::zone(&settings.timezone);
    let found = app
        .db
        .read(|c| {
            let found = jobs::list(c, SHOWN)?;
            let read: Vec<Option<Job>> = found
                .iter()
                .map(|j| job_words::read(&j.kind, &j.payload))
                .collect();
            let mut wanted = Wanted::default();
            read.iter().flatten().for_each(|job| wanted.add(job));
            let names = job_words::look_up(c, wanted)?;
            Ok((found, read, names))
        })
        .await?;
    let (found, read, names) = found;
    let now = crate::store::now();
    let rows: Vec<Row> = found
        .into_iter()
        .zip(read)
        .map(|(j, job)| Row {
            id: j.id,
            sentence: job_words::sentence(&j.kind, job.as_ref(), &names),
            state: job_words::state_words(
                &State {
                    status: &j.status,
                    attempts: j.attempts,
                    run_at: j.run_at,
                    last_error: &j.last_error,
                },
                now,
                tz,
            ),
            kind: j.kind,
            payload: j.payload,
            status: j.status,
            run_at: time::panel_seconds(j.run_at, tz),
            attempts: format!("{} of {}", j.attempts, j.max_attempts),
            tried: j.attempts > 0,
            last_error: j.last_error,
        })
        .collect();
    super::render(
        app,
        &admin,
        "jobs.html",
        "jobs",
        q.done.as_deref(),
        ctx! { rows },
    )
    .await
}

#[handler]
pub async fn retry(
    Data(app): Data<&App>,
    Path(id): Path<JobId>,
    _f: AdminForm<NoFields>,
) -> Result<Response> {
    if !app.db.write(move |tx| jobs::retry(tx, id)).await? {
        return Err(Failure::not_found());
    }
    Ok(Redirect::see_other("/admin/jobs?done=retried").into_response())
}

#[handler]
pub async fn delete(
    Data(app): Data<&App>,
    Path(id): Path<JobId>,
    _f: AdminForm<NoFields>,
) -> Result<Response> {
    if !app.db.write(move |tx| jobs::delete(tx, id)).await? {
        return Err(Failure::not_found());
    }
    Ok(Redirect::see_other("/admin/jobs?done=deleted").into_response())
}
