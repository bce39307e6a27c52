//! Images of posts from elsewhere, fetched through Porch (`/admin/remote-media?url=…`): the
//! timeline shows them without the owner's browser asking another server for anything. Only
//! URLs that a stored post carries are fetched, so this is no open proxy.

use poem::http::{StatusCode, header};
use poem::web::{Data, Query};
use poem::{IntoResponse, Response, handler};
use serde::Deserialize;

use crate::app::App;
use crate::auth::Admin;
use crate::error::{Failure, Result};
use crate::store::remote_posts;

/// Larger than any attachment Mastodon keeps (its limit is 16 MB for images, after resizing
/// most are far smaller); a bigger answer is refused.
const MAX_IMAGE_BYTES: u64 = 16 * 1024 * 1024;

/// Raster formats only: an SVG opened on this origin could run script.
const IMAGE_TYPES: &[&str] = &[
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "image/avif",
];

#[derive(Deserialize)]
pub struct MediaQuery {
    url: String,
}

#[handler]
pub async fn fetch(
    Data(app): Data<&App>,
    _admin: Admin,
    Query(q): Query<MediaQuery>,
) -> Result<Response> {
    let url = q.url;
    let lookup = url.clone();
    if !app
        .db
        .read(move |c| remote_posts::carries_attachment(c, &lookup))
        .await?
    {
        return Err(Failure::not_found());
    }
    let fetched = app.http.fetch(&url, "image/*", MAX_IMAGE_BYTES).await;
    let fetched = match fetched {
        Ok(f) if f.status == 200 => f,
        Ok(f) => {
            return Ok((
                StatusCode::BAD_GATEWAY,
                format!("the image's server answered {}", f.status),
            )
                .into_response());
        }
        Err(e) => return Ok((StatusCode::BAD_GATEWAY, e.to_string()).into_response()),
    };
    let content_type = fetched.media_type();
    if !IMAGE_TYPES.contains(&content_type.as_str()) {
        return Ok((StatusCode::BAD_GATEWAY, "not an image").into_response());
    }
    Ok(Response::builder()
        .content_type(content_type)
        .header(header::CACHE_CONTROL, "private, max-age=86400")
        .body(fetched.body))
}
