//! The composer's live preview (POST /admin/preview): Markdown in, the HTML the post would show,
//! rendered by the same code that renders it on save, with the people it names linked. Called by the composer's script with the
//! CSRF token in a header.

use poem::http::{StatusCode, header};
use poem::web::Data;
use poem::{Request, Response, handler};

use crate::app::App;
use crate::auth::{Admin, csrf};
use crate::posts::mentions;
use crate::render::markdown;

/// The preview is of one post; more than this is not a post.
const MAX_PREVIEW_BYTES: usize = 1024 * 1024;

#[handler]
pub async fn preview(
    Data(app): Data<&App>,
    admin: Admin,
    req: &Request,
    body: poem::Body,
) -> poem::Result<Response> {
    let token = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    csrf::check(&admin, token)?;
    let bytes = body
        .into_bytes_limit(MAX_PREVIEW_BYTES)
        .await
        .map_err(|_| crate::error::Failure::too_large("The text is too long to preview."))?;
    let text = String::from_utf8_lossy(&bytes).into_owned();
    // People the text names are links in the preview, as they will be in the post.
    let linked = app
        .db
        .read(move |c| mentions::link(c, &text))
        .await
        .map_err(crate::error::Failure::internal)?;
    let html = tokio::task::spawn_blocking(move || markdown::to_html(&linked))
        .await
        .map_err(|e| crate::error::Failure::internal(e.into()))?;
    Ok(Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
        .header(header::CACHE_CONTROL, "no-store")
        .body(html))
}
