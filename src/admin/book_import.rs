//! Importing and exporting the bookshelf (`/admin/books/import`): a Goodreads or StoryGraph
//! export is uploaded, checked at once, and read by a job while its page shows the progress
//! and then what was added and what was skipped; the export downloads the shelf in Goodreads'
//! layout.

use poem::web::{Data, Multipart, Path, Redirect};
use poem::{IntoResponse, Response, handler};

use crate::app::App;
use crate::auth::Admin;
use crate::books::import_job::ImportBooks;
use crate::books::{export, import_csv, import_job};
use crate::ctx;
use crate::error::Result;
use crate::jobs;
use crate::store::ids::ImportId;
use crate::store::imports as import_records;

use super::imports::{self, Intake, Kind};

/// A library export of tens of thousands of books is a few megabytes; this leaves room.
const MAX_IMPORT_BYTES: u64 = 50 * 1024 * 1024;
/// Imports listed on the screen.
const RECENT: i64 = 10;

async fn page(app: &App, admin: &Admin, error: Option<String>) -> Result<Response> {
    let recent = app
        .db
        .read(|c| import_records::recent(c, "books", RECENT))
        .await?;
    let refused = error.is_some();
    imports::screen(
        app,
        admin,
        "book_import.html",
        "books",
        refused,
        ctx! { recent, error },
    )
    .await
}

#[handler]
pub async fn index(Data(app): Data<&App>, admin: Admin) -> Result<Response> {
    page(app, &admin, None).await
}

/// How a library export is taken.
const INTAKE: Intake = Intake {
    kind: "books",
    max_bytes: MAX_IMPORT_BYTES,
    check: |path| {
        std::fs::File::open(path)
            .map_err(|e| e.to_string())
            .and_then(|f| {
                import_csv::open(std::io::BufReader::new(f))
                    .map(drop)
                    .map_err(|e| e.to_string())
            })
    },
    kept_at: import_job::file_path,
    queue: Some(|tx, id, now| jobs::enqueue(tx, &ImportBooks { import_id: id }, now).map(drop)),
};

const KIND: Kind = Kind {
    name: "books",
    active: "books",
    back_url: "/admin/books/import",
    back_label: "Import and export",
    existing_label: "Already on your shelf",
    report_label: "Skipped rows",
    done_url: "/admin/books",
    done_label: "See your books",
};

/// POST /admin/books/import: the file is checked (is it an export Porch reads?) and kept for the
/// job, which is queued in the same transaction as the import's record.
#[handler]
pub async fn upload(
    Data(app): Data<&App>,
    admin: Admin,
    multipart: Multipart,
) -> poem::Result<Response> {
    match imports::accept(app, &admin, multipart, &INTAKE).await? {
        Ok(id) => Ok(Redirect::see_other(format!("/admin/books/imports/{id}")).into_response()),
        Err(reason) => Ok(page(app, &admin, Some(reason)).await?),
    }
}

/// An import's page: its progress while the job reads, then what it added and skipped.
#[handler]
pub async fn show(
    Data(app): Data<&App>,
    admin: Admin,
    Path(id): Path<ImportId>,
) -> Result<Response> {
    imports::status(app, &admin, id, &KIND).await
}

/// GET /admin/books/export.csv: the whole shelf in Goodreads' layout.
#[handler]
pub async fn export_csv(Data(app): Data<&App>, _admin: Admin) -> Result<Response> {
    let day = chrono::Utc::now().format("%Y-%m-%d");
    imports::download(
        app,
        &format!("books-{day}.csv"),
        "text/csv; charset=utf-8",
        |db, file| export::write_csv(db, std::io::BufWriter::new(file)).map(drop),
    )
    .await
}
