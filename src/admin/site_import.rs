//! Importing posts (`/admin/import`): a blog archive (`.bar`, from Micro.blog or Porch) is
//! uploaded and checked at once, then its page shows what it holds ("142 posts, 37 photos,
//! 3 pages; 2 items cannot be read because …") until the owner presses Start or Cancel; a job
//! then reads it while the page shows the progress, and afterwards what it added and skipped.
//! The screen also leads to the other imports and exports, and to the steps of a move from
//! Mastodon.

use poem::web::{Data, Multipart, Path, Redirect};
use poem::{IntoResponse, Response, handler};

use super::imports::{self, Intake, Kind};
use crate::app::App;
use crate::auth::Admin;
use crate::auth::csrf::{AdminForm, NoFields};
use crate::ctx;
use crate::error::{Failure, Result};
use crate::jobs;
use crate::portability::archives;
use crate::portability::import_job::{self, ImportPosts};
use crate::store::ids::ImportId;
use crate::store::{imported_posts, imports as import_records};

/// A blog of many years with its photos runs to a few gigabytes; past this, `porch import` on
/// the server is the way.
const MAX_IMPORT_BYTES: u64 = 4 * 1024 * 1024 * 1024;
/// Imports listed on the screen.
const RECENT: i64 = 10;

const INTAKE: Intake = Intake {
    kind: "posts",
    max_bytes: MAX_IMPORT_BYTES,
    check: |path| archives::check_file(path).map(drop),
    kept_at: import_job::file_path,
    queue: None,
};

const KIND: Kind = Kind {
    name: "posts",
    active: "import",
    back_url: "/admin/import",
    back_label: "Import",
    existing_label: "Imported before",
    report_label: "Skipped, and worth knowing",
    done_url: "/admin",
    done_label: "See your posts",
};

async fn page(app: &App, admin: &Admin, error: Option<String>) -> Result<Response> {
    let (recent, redirects) = app
        .db
        .read(|c| {
            Ok((
                import_records::recent(c, "posts", RECENT)?,
                imported_posts::redirects(c)?,
            ))
        })
        .await?;
    let refused = error.is_some();
    imports::screen(
        app,
        admin,
        "site_import.html",
        "import",
        refused,
        ctx! { recent, redirects, error },
    )
    .await
}

#[handler]
pub async fn index(Data(app): Data<&App>, admin: Admin) -> Result<Response> {
    page(app, &admin, None).await
}

/// POST /admin/import: the archive is checked (is it a blog archive?) and kept, waiting.
#[handler]
pub async fn upload(
    Data(app): Data<&App>,
    admin: Admin,
    multipart: Multipart,
) -> poem::Result<Response> {
    match imports::accept(app, &admin, multipart, &INTAKE).await? {
        Ok(id) => Ok(Redirect::see_other(format!("/admin/imports/{id}")).into_response()),
        Err(reason) => Ok(page(app, &admin, Some(reason)).await?),
    }
}

/// An import's page: what the archive holds while it waits for Start, then its progress.
#[handler]
pub async fn show(
    Data(app): Data<&App>,
    admin: Admin,
    Path(id): Path<ImportId>,
) -> Result<Response> {
    let import = app
        .db
        .read(move |c| import_records::get(c, id))
        .await?
        .filter(|i| i.kind == KIND.name)
        .ok_or_else(Failure::not_found)?;
    if import.status != "waiting" {
        return imports::status(app, &admin, id, &KIND).await;
    }
    let path = import_job::file_path(app, id);
    let survey = tokio::task::spawn_blocking(move || archives::survey(&path))
        .await
        .map_err(|e| Failure::internal(e.into()))?;
    let (survey, error) = match survey {
        Ok(s) => (Some(s), None),
        Err(e) => (None, Some(format!("{e:#}"))),
    };
    super::render(
        app,
        &admin,
        "import_preview.html",
        "import",
        None,
        ctx! { import, survey, error },
    )
    .await
}

/// POST /admin/imports/<id>/start: the owner has seen what the archive holds.
#[handler]
pub async fn start(
    Data(app): Data<&App>,
    _form: AdminForm<NoFields>,
    Path(id): Path<ImportId>,
) -> Result<Response> {
    let now = crate::store::now();
    app.db
        .write(move |tx| {
            let waiting = import_records::get(tx, id)?.is_some_and(|i| i.kind == KIND.name);
            if waiting && import_records::start(tx, id)? {
                jobs::enqueue(tx, &ImportPosts { import_id: id }, now)?;
            }
            Ok(())
        })
        .await?;
    Ok(Redirect::see_other(format!("/admin/imports/{id}")).into_response())
}

/// POST /admin/imports/<id>/cancel: nothing is imported and the upload is removed.
#[handler]
pub async fn cancel(
    Data(app): Data<&App>,
    _form: AdminForm<NoFields>,
    Path(id): Path<ImportId>,
) -> Result<Response> {
    let now = crate::store::now();
    let cancelled = app
        .db
        .write(move |tx| {
            let waiting = import_records::get(tx, id)?
                .is_some_and(|i| i.kind == KIND.name && i.status == "waiting");
            if waiting {
                import_records::finish(tx, id, Some("Cancelled: nothing was imported."), now)?;
            }
            Ok(waiting)
        })
        .await?;
    if cancelled && let Err(e) = tokio::fs::remove_file(import_job::file_path(app, id)).await {
        tracing::warn!(error = %e, "could not remove a cancelled import's file");
    }
    Ok(Redirect::see_other("/admin/import").into_response())
}
