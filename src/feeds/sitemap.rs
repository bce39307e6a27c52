//! `/sitemap.xml` (sitemaps.org protocol): the home page and every published post and page.

use poem::http::header;
use poem::web::Data;
use poem::{Response, handler};
use serde::Serialize;

use crate::app::App;
use crate::error::Result;
use crate::render::time;
use crate::store::posts;

#[derive(Serialize)]
#[serde(rename = "urlset")]
struct UrlSet {
    #[serde(rename = "@xmlns")]
    xmlns: &'static str,
    url: Vec<Url>,
}

#[derive(Serialize)]
struct Url {
    loc: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    lastmod: Option<String>,
}

#[handler]
pub async fn sitemap(Data(app): Data<&App>) -> Result<Response> {
    let rows = app.db.read(posts::sitemap).await?;
    let base = &app.config.base_url;
    let mut url = vec![Url {
        loc: base.join("/"),
        lastmod: None,
    }];
    url.extend(rows.into_iter().map(|(path, updated_at)| Url {
        loc: base.join(&path),
        lastmod: Some(time::iso(updated_at, chrono_tz::Tz::UTC)),
    }));
    let set = UrlSet {
        xmlns: "http://www.sitemaps.org/schemas/sitemap/0.9",
        url,
    };
    let xml = quick_xml::se::to_string(&set).map_err(anyhow::Error::from)?;
    Ok(Response::builder()
        .header(header::CONTENT_TYPE, "application/xml; charset=utf-8")
        .body(format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{xml}")))
}
