//! A book's cover, fetched once, on the server, by a job: from Open Library's cover store by
//! cover id where the id is known (not rate-limited), else by ISBN (limited to 100 in five
//! minutes, so a large import spaces these out). The image goes through the media pipeline
//! (metadata stripped, resized copies) and is served from `/uploads/`: no page ever asks another
//! site for a cover.

use anyhow::Result;
use serde::{Deserialize, Serialize};

use crate::app::App;
use crate::jobs::Task;
use crate::media::upload::{self, UploadError};
use crate::store::books;
use crate::store::ids::BookId;

use super::lookup;

/// Covers are photographs of a few hundred kilobytes; a large one is still accepted.
const MAX_COVER_BYTES: u64 = 10 * 1024 * 1024;
/// How far apart cover fetches by ISBN are spaced in an import: Open Library allows 100 of
/// them every five minutes.
pub const ISBN_COVER_SPACING_SECS: i64 = 3;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchCover {
    pub book_id: BookId,
}

impl Task for FetchCover {
    const KIND: &'static str = "fetch_book_cover";
    const MAX_ATTEMPTS: u32 = 6;
}

/// Where a cover can come from, stored with the book until it is fetched: `id:<cover id>`,
/// `isbn:<isbn13>`, or "" when there is nothing to ask for.
pub fn source(cover_id: Option<i64>, isbn13: Option<&str>) -> String {
    match (cover_id, isbn13) {
        (Some(id), _) => format!("id:{id}"),
        (None, Some(isbn)) => format!("isbn:{isbn}"),
        (None, None) => String::new(),
    }
}

/// The cover store's URL for a source; `default=false` makes a missing cover a 404 instead of
/// a blank image.
fn url(app: &App, source: &str) -> Option<String> {
    let base = &app.config.books_covers_url;
    if let Some(id) = source.strip_prefix("id:") {
        return Some(format!("{base}/b/id/{id}-L.jpg?default=false"));
    }
    let isbn = source.strip_prefix("isbn:")?;
    Some(format!("{base}/b/isbn/{isbn}-L.jpg?default=false"))
}

/// Fetches a book's cover, if it is still waiting for one. A cover the store does not have, or
/// an answer that is not an image, ends the job (the book keeps no cover; the owner may upload
/// one); a network failure is retried.
pub async fn fetch(app: &App, FetchCover { book_id }: FetchCover) -> Result<()> {
    let Some((mut source, title)) = app
        .db
        .read(move |c| books::cover_source(c, book_id))
        .await?
    else {
        return Ok(());
    };
    // A book known by ISBN only may have a cover id in its edition record (cached from the
    // lookup that added it, or asked now): that fetch is not rate-limited.
    if let Some(isbn) = source.strip_prefix("isbn:")
        && let Ok(Some(edition)) = lookup::edition(app, isbn).await
        && let Some(id) = edition.cover_id
    {
        source = format!("id:{id}");
    }
    let Some(url) = url(app, &source) else {
        return finish(app, book_id, "missing").await;
    };
    let fetched = app.http.fetch(&url, "image/*", MAX_COVER_BYTES).await?;
    match fetched.status {
        200 => {}
        404 | 410 => return finish(app, book_id, "missing").await,
        status => anyhow::bail!("the cover store answered {status} for {url}"),
    }
    match upload::accept(app, fetched.body, "cover.jpg", &format!("Cover of {title}")).await {
        Ok(media) => {
            app.db
                .write(move |tx| books::set_cover(tx, book_id, media.id))
                .await
        }
        Err(UploadError::Refused(e)) => {
            tracing::info!(book = book_id.0, error = %e, "the cover is not an image Porch takes");
            finish(app, book_id, "failed").await
        }
        Err(UploadError::Internal(e)) => Err(e),
    }
}

async fn finish(app: &App, book_id: BookId, state: &'static str) -> Result<()> {
    app.db
        .write(move |tx| books::set_cover_state(tx, book_id, state, ""))
        .await
}
