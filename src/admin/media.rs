//! The media library (`/admin/media`): every uploaded image, an upload form, alt text editing,
//! and deletion of images no post uses. The composer's drag-and-drop posts here too and gets
//! JSON back.

use crate::ctx;
use poem::http::{StatusCode, header};
use poem::web::{Data, Multipart, Path, Query, Redirect};
use poem::{IntoResponse, Request, Response, handler};
use serde::{Deserialize, Serialize};

use crate::app::App;
use crate::auth::Admin;
use crate::auth::csrf::{AdminForm, NoFields};
use crate::error::{Failure, Result};
use crate::media::files;
use crate::media::upload::{self, UploadError};
use crate::paging::Page;
use crate::store::ids::MediaId;
use crate::store::media::{self, Media};

const PER_PAGE: u32 = 60;

#[derive(Deserialize)]
pub struct ListQuery {
    page: Option<u32>,
    done: Option<String>,
    error: Option<String>,
}

#[derive(Serialize)]
struct Item {
    id: MediaId,
    thumb: String,
    url: String,
    alt: String,
    width: u32,
    height: u32,
    kb: u64,
    name: String,
}

fn item(app: &App, m: &Media) -> Item {
    Item {
        id: m.id,
        thumb: files::fitting(m, 480),
        url: app
            .config
            .base_url
            .join(&files::url_path(&m.hash, &m.ext, None)),
        alt: m.alt.clone(),
        width: m.width,
        height: m.height,
        kb: m.bytes.div_ceil(1024),
        name: m.original_name.clone(),
    }
}

#[handler]
pub async fn library(
    Data(app): Data<&App>,
    admin: Admin,
    Query(q): Query<ListQuery>,
) -> Result<Response> {
    let page = Page::new(q.page, PER_PAGE);
    let found = app
        .db
        .read(move |c| media::list(c, page.fetch(), page.offset()))
        .await?;
    let (found, prev, next) = page.split(found);
    let items: Vec<Item> = found.iter().map(|m| item(app, m)).collect();
    // Upload refusals come back as a fixed code, never as text from the URL.
    let error = match q.error.as_deref() {
        Some("in_use") => Some(
            "That image is in use (by a post, or as the avatar or header image); remove it there first.",
        ),
        _ => None,
    };
    super::render(
        app,
        &admin,
        "media.html",
        "media",
        q.done.as_deref(),
        ctx! { items, error, prev, next },
    )
    .await
}

fn wants_json(req: &Request) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"))
}

/// POST /admin/media: one or more files in the `file` field, with optional `alt`.
#[handler]
pub async fn upload_form(
    Data(app): Data<&App>,
    admin: Admin,
    req: &Request,
    multipart: Multipart,
) -> poem::Result<Response> {
    let form = super::upload_form(app, &admin, multipart).await?;
    let alt = form.get("alt").unwrap_or("").to_string();
    let json = wants_json(req);
    let mut uploaded = Vec::new();
    for file in &form.files {
        match upload::accept_file(app, file, &alt).await {
            Ok(m) => uploaded.push(item(app, &m)),
            Err(UploadError::Refused(e)) => {
                let message = format!("{}: {e}", file.file_name);
                return Ok(if json {
                    (
                        StatusCode::UNPROCESSABLE_ENTITY,
                        poem::web::Json(serde_json::json!({ "error": message })),
                    )
                        .into_response()
                } else {
                    refused_page(app, &admin, &message).await?
                });
            }
            Err(e) => return Err(Failure::from(e).into()),
        }
    }
    if uploaded.is_empty() {
        return Err(Failure::bad_request("Choose a file to upload.").into());
    }
    Ok(if json {
        (StatusCode::CREATED, poem::web::Json(uploaded)).into_response()
    } else {
        Redirect::see_other("/admin/media?done=uploaded").into_response()
    })
}

async fn refused_page(app: &App, admin: &Admin, message: &str) -> Result<Response> {
    let mut response = super::render(
        app,
        admin,
        "media.html",
        "media",
        None,
        ctx! { items => Vec::<Item>::new(), error => message },
    )
    .await?;
    response.set_status(StatusCode::UNPROCESSABLE_ENTITY);
    Ok(response)
}

#[derive(Deserialize)]
pub struct AltForm {
    alt: String,
}

#[handler]
pub async fn set_alt(
    Data(app): Data<&App>,
    Path(id): Path<MediaId>,
    f: AdminForm<AltForm>,
) -> Result<Response> {
    let alt: String = f.form.alt.trim().chars().take(1500).collect();
    app.db.write(move |tx| media::set_alt(tx, id, &alt)).await?;
    Ok(Redirect::see_other("/admin/media?done=alt").into_response())
}

/// Deletes an image that no post uses (deleted posts included: they may be restored).
#[handler]
pub async fn delete(
    Data(app): Data<&App>,
    Path(id): Path<MediaId>,
    _f: AdminForm<NoFields>,
) -> Result<Response> {
    let outcome = app
        .db
        .write(move |tx| {
            let Some(m) = media::by_id(tx, id)? else {
                return Ok(None);
            };
            if media::in_use(tx, &m)? {
                return Ok(Some(Err(())));
            }
            media::delete(tx, id)?;
            Ok(Some(Ok(m)))
        })
        .await?;
    match outcome {
        None => Err(Failure::not_found()),
        Some(Err(())) => Ok(Redirect::see_other("/admin/media?error=in_use").into_response()),
        Some(Ok(m)) => {
            let dir = app.config.media_dir();
            tokio::task::spawn_blocking(move || files::remove(&dir, &m))
                .await
                .map_err(anyhow::Error::from)?;
            Ok(Redirect::see_other("/admin/media?done=deleted").into_response())
        }
    }
}
