//! `/uploads/<file>`: media files. Their names are content hashes, so they never change and
//! browsers may keep them for a year. Files are streamed from disk (a photo can be 25 MB), and
//! conditional and range requests are answered by poem's static file support.

use poem::http::{HeaderValue, header};
use poem::web::{Data, Path, StaticFileRequest};
use poem::{IntoResponse, Response, handler};

use crate::app::App;
use crate::error::{Failure, Result};

use super::files;

#[handler]
pub async fn serve(
    Data(app): Data<&App>,
    Path(name): Path<String>,
    file: StaticFileRequest,
) -> Result<Response> {
    let path = files::disk_path(&app.config.media_dir(), &name).ok_or(Failure::not_found())?;
    file_response(file, &path, "public, max-age=31536000, immutable")
}

/// A file named by its content, streamed from disk, kept by browsers as `cache_control` says.
pub fn file_response(
    file: StaticFileRequest,
    path: &std::path::Path,
    cache_control: &'static str,
) -> Result<Response> {
    let mut response = file
        .create_response(path, false, false)
        .map_err(|_| Failure::not_found())?
        .into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(cache_control),
    );
    headers.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    Ok(response)
}
