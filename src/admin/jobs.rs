//! The jobs page (`/admin/jobs`): background work that is waiting, running, or has failed, with
//! buttons to retry or drop a failed job.

use crate::ctx;
use poem::web::{Data, Path, Query, Redirect};
use poem::{IntoResponse, Response, handler};
use serde::Serialize;

use super::DoneQuery;
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
    let rows: Vec<Row> = app
        .db
        .read(|c| jobs::list(c, SHOWN))
        .await?
        .into_iter()
        .map(|j| Row {
            id: j.id,
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
