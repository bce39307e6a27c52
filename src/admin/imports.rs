//! What the panel's imports share (books, bookmarks, blog archives): an uploaded file is
//! checked at once (is it a file Porch reads?), recorded, kept in the data folder's `imports/`
//! for the job that reads it, and the job queued (or, for a blog archive, left waiting until
//! the owner has seen what it holds and pressed Start); then the import's page shows its progress while the job
//! reads, and afterwards what it added and what it skipped, and why.

use std::path::{Path, PathBuf};

use poem::http::header;
use poem::web::Multipart;
use poem::{Body, Response, Result as PoemResult};
use rusqlite::Connection;
use serde::Serialize;

use crate::app::App;
use crate::auth::Admin;
use crate::ctx;
use crate::error::{Failure, Result};
use crate::store::ids::ImportId;
use crate::store::{self, imports};

/// How one kind of import is named on its pages.
#[derive(Serialize)]
pub struct Kind {
    /// The kind recorded with the import (`books`, `bookmarks`).
    pub name: &'static str,
    /// The panel's section it belongs to.
    #[serde(skip)]
    pub active: &'static str,
    /// The import screen, and what its link says.
    pub back_url: &'static str,
    pub back_label: &'static str,
    /// What "already there" means for this kind.
    pub existing_label: &'static str,
    /// The heading of what was skipped or is worth knowing, with why.
    pub report_label: &'static str,
    /// Where to see what was imported.
    pub done_url: &'static str,
    pub done_label: &'static str,
}

/// How the upload of one kind of import is taken.
#[derive(Clone, Copy)]
pub struct Intake {
    /// The kind recorded with the import.
    pub kind: &'static str,
    pub max_bytes: u64,
    /// Whether the file is one the import reads; why not, for the owner.
    pub check: fn(&Path) -> std::result::Result<(), String>,
    /// Where the job looks for the file.
    pub kept_at: fn(&App, ImportId) -> PathBuf,
    /// Queues the job, in the caller's transaction; None when the owner first sees what the
    /// file holds and starts it (the import then waits).
    pub queue: Option<Queue>,
}

/// Queues an import's job, in the caller's transaction.
pub type Queue = fn(&Connection, ImportId, i64) -> anyhow::Result<()>;

/// An upload taken for an import: the import's id, or why the file is refused (for the form).
pub async fn accept(
    app: &App,
    admin: &Admin,
    multipart: Multipart,
    intake: &Intake,
) -> PoemResult<std::result::Result<ImportId, String>> {
    let Intake {
        kind,
        max_bytes,
        check,
        kept_at,
        queue,
    } = *intake;
    let mut data = super::upload_form_capped(app, admin, multipart, max_bytes).await?;
    let Some(at) = data.files.iter().position(|f| f.field == "file") else {
        return Ok(Err("Choose the file to import.".into()));
    };
    let file = data.files.swap_remove(at);
    let checked = {
        let path = file.path().to_path_buf();
        tokio::task::spawn_blocking(move || check(&path))
            .await
            .map_err(|e| Failure::internal(e.into()))?
    };
    if let Err(reason) = checked {
        return Ok(Err(reason));
    }
    let name: String = file.file_name.chars().take(200).collect();
    let now = store::now();
    let id = app
        .db
        .write(move |tx| imports::create(tx, kind, &name, now))
        .await
        .map_err(Failure::from)?;
    let target = kept_at(app, id);
    let kept = tokio::fs::create_dir_all(app.config.imports_dir())
        .await
        .and_then(|()| file.keep(&target));
    if let Err(e) = kept {
        app.db
            .write(move |tx| imports::finish(tx, id, Some("The file could not be kept."), now))
            .await
            .map_err(Failure::from)?;
        return Err(Failure::internal(anyhow::Error::from(e)).into());
    }
    app.db
        .write(move |tx| match queue {
            Some(queue) => queue(tx, id, now),
            None => imports::wait(tx, id),
        })
        .await
        .map_err(Failure::from)?;
    Ok(Ok(id))
}

/// An import screen (`template`, in the panel's section `active`); 400 when it is shown again
/// because the upload was refused (`refused`, the reason being in `ctx`).
pub async fn screen(
    app: &App,
    admin: &Admin,
    template: &str,
    active: &str,
    refused: bool,
    ctx: minijinja::Value,
) -> Result<Response> {
    let mut response = super::render(app, admin, template, active, None, ctx).await?;
    if refused {
        response.set_status(poem::http::StatusCode::BAD_REQUEST);
    }
    Ok(response)
}

/// An import's page: its progress while the job reads (the page refreshes itself), then what it
/// added and skipped.
pub async fn status(app: &App, admin: &Admin, id: ImportId, kind: &Kind) -> Result<Response> {
    let name = kind.name;
    let import = app
        .db
        .read(move |c| imports::get(c, id))
        .await?
        .filter(|i| i.kind == name)
        .ok_or_else(Failure::not_found)?;
    let running = matches!(import.status.as_str(), "queued" | "running");
    super::render(
        app,
        admin,
        "import_status.html",
        kind.active,
        None,
        ctx! { import, running, kind },
    )
    .await
}

/// A file made by `write` (an export, written a page at a time to a temporary file in the data
/// folder, never held whole in memory), sent as a download named `file_name`.
pub async fn download(
    app: &App,
    file_name: &str,
    content_type: &'static str,
    write: impl FnOnce(&crate::store::Db, &mut std::fs::File) -> anyhow::Result<()> + Send + 'static,
) -> Result<Response> {
    let db = app.db.clone();
    let tmp = app.config.tmp_dir();
    let file = tokio::task::spawn_blocking(move || -> anyhow::Result<std::fs::File> {
        let mut file = tempfile::tempfile_in(&tmp)?;
        write(&db, &mut file)?;
        use std::io::Seek;
        file.rewind()?;
        Ok(file)
    })
    .await
    .map_err(|e| Failure::internal(e.into()))??;
    let file = tokio::fs::File::from_std(file);
    Ok(Response::builder()
        .header(header::CONTENT_TYPE, content_type)
        .header(
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{file_name}\""),
        )
        .header(header::CACHE_CONTROL, "no-store")
        .body(Body::from_async_read(file)))
}
