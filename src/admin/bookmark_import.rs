//! Importing and exporting bookmarks (`/admin/bookmarks/import`): a bookmark file (Netscape
//! HTML from a browser or a bookmark service, or Pocket's CSV) is uploaded, checked at once,
//! and read by a job while its page shows the progress and then what was added and skipped;
//! the copies of the imported pages are then kept in the background, and this screen says how
//! many are still waiting. The exports download every bookmark as a Netscape file or as JSON
//! with the highlights.

use poem::web::{Data, Multipart, Path, Redirect};
use poem::{IntoResponse, Response, handler};

use super::imports::{self, Intake, Kind};
use crate::app::App;
use crate::auth::Admin;
use crate::bookmarks::export;
use crate::bookmarks::import::{self, ARCHIVE_SPACING_SECS};
use crate::bookmarks::import_job::{self, ImportBookmarks};
use crate::ctx;
use crate::error::Result;
use crate::jobs;
use crate::store::ids::ImportId;
use crate::store::{bookmarks, imports as import_records};

/// Ten thousand bookmarks with their notes are a few megabytes; this leaves room.
const MAX_IMPORT_BYTES: u64 = 50 * 1024 * 1024;
/// Imports listed on the screen.
const RECENT: i64 = 10;

const INTAKE: Intake = Intake {
    kind: "bookmarks",
    max_bytes: MAX_IMPORT_BYTES,
    check: |path| import::check_file(path).map(drop),
    kept_at: import_job::file_path,
    queue: Some(|tx, id, now| jobs::enqueue(tx, &ImportBookmarks { import_id: id }, now).map(drop)),
};

const KIND: Kind = Kind {
    name: "bookmarks",
    active: "bookmarks",
    back_url: "/admin/bookmarks/import",
    back_label: "Import and export",
    existing_label: "Saved before",
    report_label: "Skipped rows",
    done_url: "/admin/bookmarks",
    done_label: "See your bookmarks",
};

async fn page(app: &App, admin: &Admin, error: Option<String>) -> Result<Response> {
    let (recent, waiting) = app
        .db
        .read(|c| {
            Ok((
                import_records::recent(c, "bookmarks", RECENT)?,
                bookmarks::imported_waiting(c)?,
            ))
        })
        .await?;
    let refused = error.is_some();
    imports::screen(
        app,
        admin,
        "bookmark_import.html",
        "bookmarks",
        refused,
        ctx! { recent, error, waiting, spacing => ARCHIVE_SPACING_SECS },
    )
    .await
}

#[handler]
pub async fn index(Data(app): Data<&App>, admin: Admin) -> Result<Response> {
    page(app, &admin, None).await
}

/// POST /admin/bookmarks/import: the file is checked (is it a bookmark file Porch reads?) and
/// kept for the job.
#[handler]
pub async fn upload(
    Data(app): Data<&App>,
    admin: Admin,
    multipart: Multipart,
) -> poem::Result<Response> {
    match imports::accept(app, &admin, multipart, &INTAKE).await? {
        Ok(id) => Ok(Redirect::see_other(format!("/admin/bookmarks/imports/{id}")).into_response()),
        Err(reason) => Ok(page(app, &admin, Some(reason)).await?),
    }
}

#[handler]
pub async fn show(
    Data(app): Data<&App>,
    admin: Admin,
    Path(id): Path<ImportId>,
) -> Result<Response> {
    imports::status(app, &admin, id, &KIND).await
}

/// GET /admin/bookmarks/export.html: every bookmark as a Netscape bookmark file.
#[handler]
pub async fn export_html(Data(app): Data<&App>, _admin: Admin) -> Result<Response> {
    let day = chrono::Utc::now().format("%Y-%m-%d");
    imports::download(
        app,
        &format!("bookmarks-{day}.html"),
        "text/html; charset=utf-8",
        |db, file| export::write_netscape(db, std::io::BufWriter::new(file)).map(drop),
    )
    .await
}

/// GET /admin/bookmarks/export.json: every bookmark with its kept copy and its highlights.
#[handler]
pub async fn export_json(Data(app): Data<&App>, _admin: Admin) -> Result<Response> {
    let day = chrono::Utc::now().format("%Y-%m-%d");
    let base = app.config.base_url.to_string();
    imports::download(
        app,
        &format!("bookmarks-{day}.json"),
        "application/json",
        move |db, file| {
            export::write_json(db, Some(&base), std::io::BufWriter::new(file)).map(drop)
        },
    )
    .await
}
