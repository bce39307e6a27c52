//! The media endpoint (`/micropub/media`): a file uploaded on its own, through the same image
//! pipeline as the panel (metadata stripped, sizes capped), answered 201 with its URL; apps then
//! name that URL in a post. `q=last` and `q=source` list what was uploaded.

use poem::http::{StatusCode, header};
use poem::web::{Data, Multipart};
use poem::{Body, FromRequest, Request, RequestBody, Response, handler};
use serde_json::{Value, json};

use crate::app::App;
use crate::forms::multipart;
use crate::media::files;
use crate::media::process::MAX_UPLOAD_BYTES;
use crate::media::upload;
use crate::store::media::{self, Media};

use crate::error::Failure;

use super::{authorize, bearer, both_tokens, invalid, require};

/// `q=last` answers only for an upload this recent: it is for the app that just uploaded.
const LAST_WINDOW_SECS: i64 = 300;

fn url_of(app: &App, m: &Media) -> String {
    app.config
        .base_url
        .join(&files::url_path(&m.hash, &m.ext, None))
}

#[handler]
pub async fn upload_file(Data(app): Data<&App>, req: &Request, body: Body) -> Response {
    crate::indieweb::oauth(upload_inner(app, req, body).await)
}

async fn upload_inner(app: &App, req: &Request, body: Body) -> Result<Response, Failure> {
    // A token in the header is checked before the (large) body is read.
    let header_token = bearer(req);
    if let Some(t) = &header_token {
        require(&authorize(app, Some(t)).await?, &["media", "create"])?;
    }
    // Without one, the sender is unknown until the body is read: one of a few at once.
    let _slot = match header_token {
        Some(_) => None,
        None => app.large_bodies.enter(req).await.map_err(Failure::from)?,
    };
    let multipart = Multipart::from_request(req, &mut RequestBody::new(body))
        .await
        .map_err(|_| invalid("Send the file as multipart/form-data, in a part named file."))?;
    let form = multipart::read(multipart, &app.config.tmp_dir(), MAX_UPLOAD_BYTES as u64)
        .await
        .map_err(|e| Failure::new(e.status(), e.to_string()).with_code("invalid_request"))?;
    let body_token = form.get("access_token").map(String::from);
    if header_token.is_some() && body_token.is_some() {
        return Ok(both_tokens());
    }
    if header_token.is_none() {
        require(
            &authorize(app, body_token.as_deref()).await?,
            &["media", "create"],
        )?;
    }
    let Some(file) = form.files.into_iter().find(|f| f.field == "file") else {
        return Err(invalid("There is no part named file."));
    };
    let stored = upload::accept_file(app, &file, "").await?;
    let url = url_of(app, &stored);
    Ok(Response::builder()
        .status(StatusCode::CREATED)
        .header(header::LOCATION, url.clone())
        .content_type("application/json")
        .body(json!({ "url": url }).to_string()))
}

#[handler]
pub async fn query(Data(app): Data<&App>, req: &Request) -> Response {
    crate::indieweb::oauth(query_inner(app, req).await)
}

async fn query_inner(app: &App, req: &Request) -> Result<Response, Failure> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(req.uri().query().unwrap_or_default()).unwrap_or_default();
    let param = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let token = authorize(app, bearer(req).or(param("access_token")).as_deref()).await?;
    let q = param("q");
    if matches!(q.as_deref(), Some("last" | "source")) {
        // The library holds the photos of drafts too: only a token that may upload lists it.
        require(&token, &["media", "create"])?;
    }
    let body = match q.as_deref() {
        Some("last") => {
            let newest = app.db.read(|c| media::list(c, 1, 0)).await?;
            match newest.first() {
                Some(m) if m.created_at >= crate::store::now() - LAST_WINDOW_SECS => {
                    json!({ "url": url_of(app, m) })
                }
                _ => json!({}),
            }
        }
        Some("source") => {
            let limit: u32 = param("limit")
                .and_then(|l| l.parse().ok())
                .unwrap_or(20)
                .min(100);
            let offset: u32 = param("offset").and_then(|o| o.parse().ok()).unwrap_or(0);
            let items: Vec<Value> = app
                .db
                .read(move |c| media::list(c, limit, offset))
                .await?
                .iter()
                .map(|m| {
                    json!({
                        "url": url_of(app, m),
                        "published": crate::render::time::iso_utc(m.created_at),
                        "width": m.width,
                        "height": m.height,
                        "alt": m.alt,
                    })
                })
                .collect();
            json!({ "items": items })
        }
        Some("config") => json!({ "media-endpoint": app.config.base_url.join("/micropub/media") }),
        Some(other) => return Err(invalid(format!("Unknown query q={other}."))),
        None => return Err(invalid("Give a query, such as q=last.")),
    };
    Ok(crate::indieweb::private_json(StatusCode::OK, &body))
}
