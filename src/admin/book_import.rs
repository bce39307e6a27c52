//! Importing and exporting the bookshelf (`/admin/books/import`): a Goodreads or StoryGraph
//! export is uploaded, checked at once, and read by a job while its page shows the progress
//! and then what was added and what was skipped; the export downloads the shelf in Goodreads'
//! layout.

use poem::http::{StatusCode, header};
use poem::web::{Data, Multipart, Path, Redirect};
use poem::{Body, IntoResponse, Response, handler};

use crate::app::App;
use crate::auth::Admin;
use crate::books::import_job::ImportBooks;
use crate::books::{export, import_csv, import_job};
use crate::ctx;
use crate::error::{Failure, Result};
use crate::jobs;
use crate::store::ids::ImportId;
use crate::store::{self, imports};

/// A library export of tens of thousands of books is a few megabytes; this leaves room.
const MAX_IMPORT_BYTES: u64 = 50 * 1024 * 1024;
/// Imports listed on the screen.
const RECENT: i64 = 10;

async fn page(app: &App, admin: &Admin, error: Option<String>) -> Result<Response> {
    let recent = app.db.read(|c| imports::recent(c, "books", RECENT)).await?;
    let mut response = super::render(
        app,
        admin,
        "book_import.html",
        "books",
        None,
        ctx! { recent, error },
    )
    .await?;
    if error.is_some() {
        response.set_status(StatusCode::BAD_REQUEST);
    }
    Ok(response)
}

#[handler]
pub async fn index(Data(app): Data<&App>, admin: Admin) -> Result<Response> {
    page(app, &admin, None).await
}

/// POST /admin/books/import: the file is checked (is it an export Porch reads?) and kept for the
/// job, which is queued in the same transaction as the import's record.
#[handler]
pub async fn upload(
    Data(app): Data<&App>,
    admin: Admin,
    multipart: Multipart,
) -> poem::Result<Response> {
    let mut data = super::upload_form_capped(app, &admin, multipart, MAX_IMPORT_BYTES).await?;
    let Some(at) = data.files.iter().position(|f| f.field == "file") else {
        return Ok(page(app, &admin, Some("Choose the file to import.".into())).await?);
    };
    let file = data.files.swap_remove(at);
    let header = {
        let path = file.path().to_path_buf();
        tokio::task::spawn_blocking(move || {
            std::fs::File::open(&path)
                .map_err(|e| e.to_string())
                .and_then(|f| {
                    import_csv::open(std::io::BufReader::new(f))
                        .map(|_| ())
                        .map_err(|e| e.to_string())
                })
        })
        .await
        .map_err(|e| Failure::internal(e.into()))?
    };
    if let Err(reason) = header {
        return Ok(page(app, &admin, Some(reason)).await?);
    }
    let name: String = file.file_name.chars().take(200).collect();
    let now = store::now();
    let id = app
        .db
        .write(move |tx| imports::create(tx, "books", &name, now))
        .await
        .map_err(Failure::from)?;
    let target = import_job::file_path(app, id);
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
        .write(move |tx| jobs::enqueue(tx, &ImportBooks { import_id: id }, now).map(drop))
        .await
        .map_err(Failure::from)?;
    Ok(Redirect::see_other(format!("/admin/books/imports/{id}")).into_response())
}

/// An import's page: its progress while the job reads, then what it added and skipped.
#[handler]
pub async fn show(
    Data(app): Data<&App>,
    admin: Admin,
    Path(id): Path<ImportId>,
) -> Result<Response> {
    let import = app
        .db
        .read(move |c| imports::get(c, id))
        .await?
        .filter(|i| i.kind == "books")
        .ok_or_else(Failure::not_found)?;
    let running = matches!(import.status.as_str(), "queued" | "running");
    super::render(
        app,
        &admin,
        "book_import_status.html",
        "books",
        None,
        ctx! { import, running },
    )
    .await
}

/// GET /admin/books/export.csv: the whole shelf in Goodreads' layout, written to a temporary
/// file a page of books at a time and sent from there.
#[handler]
pub async fn export_csv(Data(app): Data<&App>, _admin: Admin) -> Result<Response> {
    let db = app.db.clone();
    let tmp = app.config.tmp_dir();
    let file = tokio::task::spawn_blocking(move || -> anyhow::Result<std::fs::File> {
        let mut file = tempfile::tempfile_in(&tmp)?;
        export::write_csv(&db, std::io::BufWriter::new(&mut file))?;
        use std::io::Seek;
        file.rewind()?;
        Ok(file)
    })
    .await
    .map_err(|e| Failure::internal(e.into()))??;
    let file = tokio::fs::File::from_std(file);
    let day = chrono::Utc::now().format("%Y-%m-%d");
    Ok(Response::builder()
        .header(header::CONTENT_TYPE, "text/csv; charset=utf-8")
        .header(
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"books-{day}.csv\""),
        )
        .header(header::CACHE_CONTROL, "no-store")
        .body(Body::from_async_read(file)))
}
