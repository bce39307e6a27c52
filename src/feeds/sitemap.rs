//! `/sitemap.xml` (sitemaps.org protocol): the home page and every published post and page.
//! A file may list at most 50,000 URLs, so a larger site's `/sitemap.xml` is an index of
//! `/sitemap/1.xml`, `/sitemap/2.xml`…, each listing 50,000 of them, newest first.

use poem::http::{StatusCode, header};
use poem::web::{Data, Path};
use poem::{Response, handler};
use serde::Serialize;

use crate::app::App;
use crate::config::BaseUrl;
use crate::error::Result;
use crate::render::time;
use crate::store::posts;

/// The most URLs one sitemap file may hold (sitemaps.org).
const MAX_URLS: i64 = 50_000;
const XMLNS: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";

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

#[derive(Serialize)]
#[serde(rename = "sitemapindex")]
struct Index {
    #[serde(rename = "@xmlns")]
    xmlns: &'static str,
    sitemap: Vec<Url>,
}

/// `/sitemap.xml`: every URL, or, past `MAX_URLS`, the index of the files that hold them.
#[handler]
pub async fn sitemap(Data(app): Data<&App>) -> Result<Response> {
    // The home page is one of the URLs.
    let urls = app.db.read(posts::sitemap_count).await? + 1;
    let base = &app.config.base_url;
    if urls <= MAX_URLS {
        return file(app, base, 1).await;
    }
    let files = (urls + MAX_URLS - 1) / MAX_URLS;
    let index = Index {
        xmlns: XMLNS,
        sitemap: (1..=files)
            .map(|n| Url {
                loc: base.join(&format!("/sitemap/{n}.xml")),
                lastmod: None,
            })
            .collect(),
    };
    xml(&index)
}

/// `/sitemap/N.xml`: the Nth `MAX_URLS` of the site's URLs, the home page first.
#[handler]
pub async fn part(Data(app): Data<&App>, Path(name): Path<String>) -> Result<Response> {
    let n = name
        .strip_suffix(".xml")
        .and_then(|n| n.parse::<i64>().ok())
        .filter(|n| *n >= 1);
    let urls = app.db.read(posts::sitemap_count).await? + 1;
    match n {
        Some(n) if (n - 1) * MAX_URLS < urls => file(app, &app.config.base_url, n).await,
        _ => Ok(Response::builder()
            .status(StatusCode::NOT_FOUND)
            .body("No such sitemap.")),
    }
}

/// The Nth file of URLs: the home page, then posts and pages, newest first.
async fn file(app: &App, base: &BaseUrl, n: i64) -> Result<Response> {
    let first = (n - 1) * MAX_URLS;
    let home = first == 0;
    // Posts are counted after the home page.
    let (offset, limit) = if home {
        (0, MAX_URLS - 1)
    } else {
        (first - 1, MAX_URLS)
    };
    let rows = app
        .db
        .read(move |c| posts::sitemap(c, offset, limit))
        .await?;
    let mut url = Vec::with_capacity(rows.len() + 1);
    if home {
        url.push(Url {
            loc: base.join("/"),
            lastmod: None,
        });
    }
    url.extend(rows.into_iter().map(|(path, updated_at)| Url {
        loc: base.join(&path),
        lastmod: Some(time::iso(updated_at, chrono_tz::Tz::UTC)),
    }));
    xml(&UrlSet { xmlns: XMLNS, url })
}

fn xml(value: &impl Serialize) -> Result<Response> {
    let xml = quick_xml::se::to_string(value).map_err(anyhow::Error::from)?;
    Ok(Response::builder()
        .header(header::CONTENT_TYPE, "application/xml; charset=utf-8")
        .body(format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{xml}")))
}
