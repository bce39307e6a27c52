//! How other servers find the actor: WebFinger (`acct:name@host` to the actor), host-meta (the
//! older pointer to WebFinger), and NodeInfo (what software this is).

use poem::http::{StatusCode, header};
use poem::web::{Data, Query};
use poem::{IntoResponse, Response, handler};
use serde::Deserialize;
use serde_json::json;

use crate::app::App;
use crate::error::{Failure, Result};
use crate::store::{owner, posts};

const JRD: &str = "application/jrd+json; charset=utf-8";

/// Discovery documents are public and read by browsers-based clients too: any origin may read.
fn public_json(content_type: &str, body: String) -> Response {
    Response::builder()
        .content_type(content_type)
        .header(header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")
        .header(header::CACHE_CONTROL, "public, max-age=300")
        .body(body)
}

#[derive(Deserialize)]
pub struct WebfingerQuery {
    resource: Option<String>,
}

#[handler]
pub async fn webfinger(Data(app): Data<&App>, Query(q): Query<WebfingerQuery>) -> Result<Response> {
    let Some(resource) = q
        .resource
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty())
    else {
        return Ok((
            StatusCode::BAD_REQUEST,
            "the resource parameter is required",
        )
            .into_response());
    };
    let owner = app.db.read(owner::get).await?.ok_or(Failure::not_found())?;
    let base = &app.config.base_url;
    let host = base.host();
    let actor = super::actor_id(base);
    let acct = format!("acct:{}@{host}", owner.username);
    let matches = resource.eq_ignore_ascii_case(&acct)
        // Some clients leave out the scheme or add a leading @.
        || resource.eq_ignore_ascii_case(&format!("{}@{host}", owner.username))
        || resource.eq_ignore_ascii_case(&format!("acct:@{}@{host}", owner.username))
        || resource == actor
        || resource.trim_end_matches('/') == base.as_str();
    if !matches {
        return Err(Failure::not_found());
    }
    let settings = app.settings().await?;
    let mut links = vec![
        json!({ "rel": "self", "type": super::AS2, "href": actor }),
        json!({ "rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": base.join("/") }),
    ];
    if let Some(avatar) = &settings.avatar {
        links.push(json!({
            "rel": "http://webfinger.net/rel/avatar",
            "href": base.join(&crate::media::files::public_path(avatar)),
        }));
    }
    let body = json!({
        "subject": acct,
        "aliases": [actor, base.join("/")],
        "links": links,
    });
    Ok(public_json(JRD, body.to_string()))
}

#[handler]
pub fn host_meta(Data(app): Data<&App>) -> Response {
    let template = app
        .config
        .base_url
        .join("/.well-known/webfinger?resource={uri}");
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <XRD xmlns=\"http://docs.oasis-open.org/ns/xri/xrd-1.0\">\n  \
         <Link rel=\"lrdd\" type=\"application/jrd+json\" template=\"{}\"/>\n</XRD>\n",
        crate::render::escape_html(&template)
    );
    public_json("application/xrd+xml; charset=utf-8", body)
}

#[handler]
pub fn nodeinfo_links(Data(app): Data<&App>) -> Response {
    let base = &app.config.base_url;
    let body = json!({
        "links": [
            { "rel": "http://nodeinfo.diaspora.software/ns/schema/2.0", "href": base.join("/nodeinfo/2.0") },
            { "rel": "http://nodeinfo.diaspora.software/ns/schema/2.1", "href": base.join("/nodeinfo/2.1") },
        ]
    });
    public_json("application/json", body.to_string())
}

#[handler]
pub async fn nodeinfo_20(Data(app): Data<&App>) -> Result<Response> {
    nodeinfo(app, "2.0").await
}

#[handler]
pub async fn nodeinfo_21(Data(app): Data<&App>) -> Result<Response> {
    nodeinfo(app, "2.1").await
}

async fn nodeinfo(app: &App, version: &str) -> Result<Response> {
    let local_posts = app.db.read(posts::count_published).await?;
    let settings = app.settings().await?;
    let software = json!({ "name": "porch", "version": env!("CARGO_PKG_VERSION") });
    // One user, active by definition; the figures are the same ones the site shows anyway.
    let body = json!({
        "version": version,
        "software": software,
        "protocols": ["activitypub"],
        "services": { "inbound": [], "outbound": ["rss2.0"] },
        "openRegistrations": false,
        "usage": {
            "users": { "total": 1, "activeMonth": 1, "activeHalfyear": 1 },
            "localPosts": local_posts,
        },
        "metadata": { "nodeName": settings.title },
    });
    let content_type = format!(
        "application/json; profile=\"http://nodeinfo.diaspora.software/ns/schema/{version}#\""
    );
    Ok(public_json(&content_type, body.to_string()))
}
