//! Reading a multipart form (the composer with its photo, the media library's upload, a
//! Micropub request) with caps on its size: text fields in memory, each file written to a
//! temporary file as it arrives, so that a form costs little memory whatever it carries. Who
//! sent it is the caller's to check (the panel's CSRF token, Micropub's token).

use std::path::Path;

use poem::http::StatusCode;
use poem::web::Multipart;
use tempfile::NamedTempFile;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Files one form may carry. The composer's drag-and-drop sends each photo on its own request;
/// a form without JavaScript sends a few at most. With the caller's per-file cap this bounds
/// the disk one request can take.
const MAX_FILES: usize = 4;
/// Text fields are small; the post body is the largest.
const MAX_TEXT_BYTES: usize = 2 * 1024 * 1024;
const MAX_FIELDS: usize = 500;

/// A file from a form, waiting in a temporary file (removed when this is dropped).
pub struct UploadedFile {
    pub field: String,
    pub file_name: String,
    file: NamedTempFile,
}

impl UploadedFile {
    /// The file's bytes, read when they are about to be processed.
    pub async fn bytes(&self) -> std::io::Result<Vec<u8>> {
        tokio::fs::read(self.file.path()).await
    }

    /// Where the file waits, to be read as a stream (an import) rather than whole.
    pub fn path(&self) -> &std::path::Path {
        self.file.path()
    }

    /// Keeps the file at `path` (on the same disk: the data folder), for a job to read later.
    pub fn keep(self, path: &std::path::Path) -> std::io::Result<()> {
        self.file.persist(path).map(drop).map_err(|e| e.error)
    }
}

#[derive(Default)]
pub struct FormData {
    pub fields: Vec<(String, String)>,
    pub files: Vec<UploadedFile>,
}

impl FormData {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn all(&self, name: &str) -> Vec<&str> {
        self.fields
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

fn too_large(what: &str) -> poem::Error {
    poem::Error::from_string(
        format!("{what} is too large."),
        StatusCode::PAYLOAD_TOO_LARGE,
    )
}

/// Reads the whole form: text fields, and files of at most `max_file_bytes` each into `dir`.
pub async fn read(
    mut multipart: Multipart,
    dir: &Path,
    max_file_bytes: u64,
) -> poem::Result<FormData> {
    let mut form = FormData::default();
    let mut text_bytes = 0;
    while let Some(field) = multipart.next_field().await? {
        let name = field.name().unwrap_or_default().to_string();
        if form.fields.len() + form.files.len() >= MAX_FIELDS {
            return Err(too_large("The form"));
        }
        match field.file_name().map(str::to_string) {
            // A file input left empty still sends a part, with an empty name and no bytes.
            Some(file_name) => {
                let (file, len) = spool_file(field, dir, max_file_bytes).await?;
                if len == 0 && file_name.is_empty() {
                    continue;
                }
                if form.files.len() >= MAX_FILES {
                    return Err(too_large("The number of files"));
                }
                form.files.push(UploadedFile {
                    field: name,
                    file_name,
                    file,
                });
            }
            None => {
                let bytes = read_limited(field, MAX_TEXT_BYTES, "A text field").await?;
                text_bytes += bytes.len();
                if text_bytes > MAX_TEXT_BYTES {
                    return Err(too_large("The form"));
                }
                let text = String::from_utf8(bytes).map_err(|_| {
                    poem::Error::from_string(
                        "The form is not valid UTF-8.",
                        StatusCode::BAD_REQUEST,
                    )
                })?;
                form.fields.push((name, text));
            }
        }
    }
    Ok(form)
}

fn io_error(e: std::io::Error) -> poem::Error {
    poem::Error::from_string(e.to_string(), StatusCode::BAD_REQUEST)
}

/// Writes one file part to a temporary file in `dir`, refusing it past `max` bytes.
async fn spool_file(
    field: poem::web::Field,
    dir: &Path,
    max: u64,
) -> poem::Result<(NamedTempFile, u64)> {
    let file = tempfile::Builder::new()
        .prefix("upload-")
        .tempfile_in(dir)
        .and_then(|f| Ok((f.reopen()?, f)));
    let (out, file) = file.map_err(|e| {
        tracing::error!(error = %e, "could not make a temporary file for an upload");
        poem::Error::from_string(
            "The upload could not be stored; the error was logged.",
            StatusCode::INTERNAL_SERVER_ERROR,
        )
    })?;
    let mut out = tokio::fs::File::from_std(out);
    let mut reader = field.into_async_read().take(max + 1);
    let len = tokio::io::copy(&mut reader, &mut out)
        .await
        .map_err(io_error)?;
    if len > max {
        return Err(too_large("The file"));
    }
    out.flush().await.map_err(io_error)?;
    Ok((file, len))
}

async fn read_limited(field: poem::web::Field, limit: usize, what: &str) -> poem::Result<Vec<u8>> {
    let mut reader = field.into_async_read().take(limit as u64 + 1);
    let mut bytes = Vec::new();
    reader.read_to_end(&mut bytes).await.map_err(io_error)?;
    if bytes.len() > limit {
        return Err(too_large(what));
    }
    Ok(bytes)
}
