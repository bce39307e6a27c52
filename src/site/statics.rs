//! Files that are not pages: the theme's static files, robots.txt, the health check.

use poem::http::{StatusCode, header};
use poem::web::{Data, Path, Query};
use poem::{Request, Response, handler};
use serde::Deserialize;

use crate::app::App;
use crate::error::{Failure, Result};

#[derive(Deserialize)]
pub struct Version {
    v: Option<String>,
}

/// `/static/<name>`: embedded theme files (or the owner's overrides). URLs from `static_url`
/// carry the file's hash, so those can be cached for a year; bare URLs must revalidate.
#[handler]
pub fn file(
    Data(app): Data<&App>,
    Path(name): Path<String>,
    Query(version): Query<Version>,
    req: &Request,
) -> Result<Response> {
    let file = app.static_files.get(&name).ok_or(Failure::not_found())?;
    let cache = match version.v {
        Some(v) if v == file.hash => "public, max-age=31536000, immutable",
        _ => "public, no-cache",
    };
    let etag = format!("\"{}\"", file.hash);
    let unchanged = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|tag| tag.trim().trim_start_matches("W/") == etag)
        });
    let builder = Response::builder()
        .header(header::CACHE_CONTROL, cache)
        .header(header::ETAG, etag);
    if unchanged {
        return Ok(builder.status(StatusCode::NOT_MODIFIED).finish());
    }
    Ok(builder
        .header(header::CONTENT_TYPE, file.mime)
        .body(file.bytes.clone()))
}

#[handler]
pub fn robots(Data(app): Data<&App>) -> Response {
    let body = format!(
        "User-agent: *\nDisallow: /admin/\nDisallow: /setup\n\nSitemap: {}\n",
        app.config.base_url.join("/sitemap.xml")
    );
    Response::builder()
        .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
        .body(body)
}

/// `/favicon.ico`, which browsers ask for on their own: the avatar, when there is one (the page
/// heads name it as the icon too), else an empty answer rather than a 404 in every log.
#[handler]
pub async fn favicon(Data(app): Data<&App>) -> Response {
    let avatar = app.settings().await.ok().and_then(|s| s.avatar.clone());
    match avatar {
        Some(name) => Response::builder()
            .status(StatusCode::FOUND)
            .header(header::LOCATION, crate::media::files::public_path(&name))
            .header(header::CACHE_CONTROL, "max-age=3600")
            .finish(),
        None => Response::builder()
            .status(StatusCode::NO_CONTENT)
            .header(header::CACHE_CONTROL, "max-age=3600")
            .finish(),
    }
}

/// For monitors and the install script: answers as soon as the server accepts requests.
#[handler]
pub fn healthz() -> Response {
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
        .header(header::CACHE_CONTROL, "no-store")
        .body("ok\n")
}
