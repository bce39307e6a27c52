//! Taking in one uploaded image: clean it, write its files, record it. The admin panel's media
//! library and composer use this, as do the posting APIs and the imports (`record`).

use rusqlite::Connection;

use crate::app::App;
use crate::error::Failure;
use crate::forms::multipart::UploadedFile;
use crate::store::media::{self, Media, NewMedia};

use super::files;
use super::process::{self, MediaError, Processed};

#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error(transparent)]
    Refused(#[from] MediaError),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// A refused upload is the owner's to fix (a bad file); anything else is the server's.
impl From<UploadError> for Failure {
    fn from(e: UploadError) -> Self {
        match e {
            UploadError::Refused(e) => Failure::bad_request(e.to_string()),
            UploadError::Internal(e) => Failure::internal(e),
        }
    }
}

/// Takes in a file uploaded with a form (read from its temporary file only now).
pub async fn accept_file(app: &App, file: &UploadedFile, alt: &str) -> Result<Media, UploadError> {
    let bytes = file.bytes().await.map_err(anyhow::Error::from)?;
    accept(app, bytes, &file.file_name, alt).await
}

pub async fn accept(
    app: &App,
    bytes: Vec<u8>,
    original_name: &str,
    alt: &str,
) -> Result<Media, UploadError> {
    // Decoding, resizing and writing take real time: keep them off the async threads.
    let dir = app.config.media_dir();
    let processed = tokio::task::spawn_blocking(move || -> Result<_, UploadError> {
        let processed = process::process(&bytes)?;
        files::write(&dir, &processed)?;
        Ok(processed)
    })
    .await
    .map_err(anyhow::Error::from)??;
    let name: String = original_name.chars().take(200).collect();
    let alt = alt.trim().to_string();
    let media = app
        .db
        .write(move |tx| record(tx, &processed, &name, &alt))
        .await?;
    Ok(media)
}

/// Records an image whose files `files::write` has written; the same bytes twice give the one
/// existing row.
pub fn record(
    conn: &Connection,
    processed: &Processed,
    original_name: &str,
    alt: &str,
) -> anyhow::Result<Media> {
    media::insert(
        conn,
        &NewMedia {
            hash: &processed.hash,
            ext: processed.ext,
            mime: processed.mime,
            width: processed.width,
            height: processed.height,
            bytes: processed.original.len() as u64,
            variants: &processed
                .variants
                .iter()
                .map(|(w, _)| *w)
                .collect::<Vec<_>>(),
            original_name,
            alt,
            blurhash: &processed.blurhash,
        },
    )
}
