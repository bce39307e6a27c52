//! `/uploads/<file>`: media files. Their names are content hashes, so they never change and
//! browsers may keep them for a year.

use poem::http::header;
use poem::web::{Data, Path};
use poem::{Response, handler};

use crate::app::App;
use crate::error::{AppError, Result};

use super::files;

#[handler]
pub async fn serve(Data(app): Data<&App>, Path(name): Path<String>) -> Result<Response> {
    let path = files::disk_path(&app.config.media_dir(), &name).ok_or(AppError::NotFound)?;
    let bytes = match tokio::fs::read(&path).await {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(AppError::NotFound),
        Err(e) => return Err(AppError::Internal(e.into())),
    };
    let mime = match name.rsplit('.').next() {
        Some("jpg") => "image/jpeg",
        Some("png") => "image/png",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        _ => return Err(AppError::NotFound),
    };
    let etag = format!("\"{}\"", name.split('.').next().unwrap_or_default());
    Ok(Response::builder()
        .header(header::CONTENT_TYPE, mime)
        .header(header::CACHE_CONTROL, "public, max-age=31536000, immutable")
        .header(header::ETAG, etag)
        .header("X-Content-Type-Options", "nosniff")
        .body(bytes))
}
