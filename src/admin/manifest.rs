//! The panel's web app manifest (`/admin/manifest.webmanifest`): installed on a phone, the panel
//! opens on the composer and appears in the share sheet, which sends a shared link to the
//! bookmark form. It names nothing private, so it is served without a session (browsers fetch
//! manifests without cookies).

use poem::http::header;
use poem::web::Data;
use poem::{IntoResponse, Response, handler};

use crate::app::App;
use crate::error::Result;

#[handler]
pub async fn manifest(Data(app): Data<&App>) -> Result<Response> {
    let settings = app.settings().await?;
    let mut icons = Vec::new();
    if let Some(avatar) = &settings.avatar {
        icons.push(serde_json::json!({
            "src": crate::media::files::public_path(avatar),
            "sizes": "any",
        }));
    }
    let manifest = serde_json::json!({
        "name": format!("{} · Porch", settings.title),
        "short_name": settings.title,
        "start_url": "/admin/new",
        "scope": "/admin/",
        "display": "standalone",
        "icons": icons,
        "share_target": {
            "action": "/admin/bookmarks/new",
            "method": "GET",
            "params": { "title": "title", "text": "text", "url": "url" },
        },
    });
    Ok(manifest
        .to_string()
        .with_header(header::CONTENT_TYPE, "application/manifest+json")
        .into_response())
}
