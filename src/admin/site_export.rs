//! Exporting the whole site (`/admin/export`): a button starts a job that writes the archive
//! (a Blog Archive, `.bar`) into the data folder; its page shows the progress and then a
//! download, for the owner only, until the archive is removed a day later.

use poem::http::header;
use poem::web::{Data, Path, Redirect};
use poem::{Body, IntoResponse, Response, handler};

use crate::app::App;
use crate::auth::Admin;
use crate::auth::csrf::{AdminForm, NoFields};
use crate::ctx;
use crate::error::{Failure, Result};
use crate::jobs;
use crate::portability::export_job::{self, ExportSite, KEPT_SECS, RemoveExport};
use crate::store::exports;
use crate::store::ids::ExportId;

/// Exports listed on the screen.
const RECENT: i64 = 10;

#[handler]
pub async fn index(Data(app): Data<&App>, admin: Admin) -> Result<Response> {
    let recent = app.db.read(|c| exports::recent(c, RECENT)).await?;
    super::render(
        app,
        &admin,
        "site_export.html",
        "export",
        None,
        ctx! { recent, kept_hours => KEPT_SECS / 3600 },
    )
    .await
}

/// POST /admin/export: starts an export.
#[handler]
pub async fn start(Data(app): Data<&App>, _form: AdminForm<NoFields>) -> Result<Response> {
    let now = crate::store::now();
    let host = app.config.base_url.host().to_string();
    let day = chrono::Utc::now().format("%Y-%m-%d");
    let name = format!("{}-{day}.bar", crate::posts::permalink::slugify(&host));
    let id = app
        .db
        .write(move |tx| {
            let id = exports::create(tx, &name, now)?;
            jobs::enqueue(tx, &ExportSite { export_id: id }, now)?;
            jobs::enqueue(tx, &RemoveExport { export_id: id }, now + KEPT_SECS)?;
            Ok(id)
        })
        .await?;
    Ok(Redirect::see_other(format!("/admin/export/{id}")).into_response())
}

async fn load(app: &App, id: ExportId) -> Result<exports::Export> {
    app.db
        .read(move |c| exports::get(c, id))
        .await?
        .ok_or_else(Failure::not_found)
}

#[handler]
pub async fn show(
    Data(app): Data<&App>,
    admin: Admin,
    Path(id): Path<ExportId>,
) -> Result<Response> {
    let export = load(app, id).await?;
    let running = matches!(export.status.as_str(), "queued" | "running");
    let megabytes = format!("{:.1}", export.bytes as f64 / 1_048_576.0);
    super::render(
        app,
        &admin,
        "site_export_status.html",
        "export",
        None,
        ctx! { export, running, megabytes, kept_hours => KEPT_SECS / 3600 },
    )
    .await
}

/// GET /admin/export/<id>/download: the archive, streamed from disk.
#[handler]
pub async fn download(
    Data(app): Data<&App>,
    _admin: Admin,
    Path(id): Path<ExportId>,
) -> Result<Response> {
    let export = Some(load(app, id).await?)
        .filter(|e| e.status == "done")
        .ok_or_else(Failure::not_found)?;
    let file = tokio::fs::File::open(export_job::file_path(app, id))
        .await
        .map_err(|_| Failure::not_found())?;
    let length = file
        .metadata()
        .await
        .map_err(|e| Failure::internal(e.into()))?
        .len();
    Ok(Response::builder()
        .header(header::CONTENT_TYPE, "application/zip")
        .header(header::CONTENT_LENGTH, length)
        .header(
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}\"", export.file_name),
        )
        .header(header::CACHE_CONTROL, "no-store")
        .body(Body::from_async_read(file)))
}
