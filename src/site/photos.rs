//! The photo grid (`/photos/`): every published photo, newest first, each linking to its post.

use crate::ctx;
use poem::web::{Data, Query};
use poem::{Response, handler};
use serde::{Deserialize, Serialize};

use crate::app::App;
use crate::error::{AppError, Result};
use crate::render::time;
use crate::store::posts;

use super::views::{self, Link, Meta};

/// Posts per grid page (each may bring several photos).
const PER_PAGE: u32 = 60;

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<u32>,
}

#[derive(Serialize)]
struct Tile {
    post_url: String,
    thumb: String,
    alt: String,
    width: u32,
    height: u32,
}

#[handler]
pub async fn grid(Data(app): Data<&App>, Query(q): Query<PageQuery>) -> Result<Response> {
    let page = q.page.unwrap_or(1).max(1);
    let offset = (page - 1).saturating_mul(PER_PAGE);
    // One more than a page, to know whether there is an older page.
    let list = app
        .db
        .read(move |c| posts::with_photos(c, PER_PAGE + 1, offset))
        .await?;
    if list.is_empty() && page > 1 {
        return Err(AppError::NotFound);
    }
    let (site, settings) = views::site_view(app).await?;
    let tz = time::zone(&settings.timezone);
    let base = &app.config.base_url;
    let has_older = list.len() > PER_PAGE as usize;
    let tiles: Vec<Tile> = views::post_views(app, &list[..list.len().min(PER_PAGE as usize)], tz)
        .into_iter()
        .flat_map(|post| {
            let url = post.url.clone();
            post.photos.into_iter().map(move |p| Tile {
                post_url: url.clone(),
                thumb: p.thumb,
                alt: p.alt,
                width: p.width,
                height: p.height,
            })
        })
        .collect();
    let link = |n: u32, title: &str| Link {
        title: title.into(),
        url: if n <= 1 {
            base.join("/photos/")
        } else {
            base.join(&format!("/photos/?page={n}"))
        },
    };
    let newer = (page > 1).then(|| link(page - 1, "Newer photos"));
    let older = has_older.then(|| link(page + 1, "Older photos"));
    let meta = Meta {
        title: format!("Photos · {}", site.title),
        url: base.join("/photos/"),
        description: format!("Photos from {}.", site.title),
        og_type: "website",
        image: tiles.first().map(|t| t.thumb.clone()),
        feeds: views::site_feeds(app, &site.title),
    };
    let body = app
        .templates
        .render("photos.html", ctx! { site, meta, tiles, newer, older })?;
    Ok(views::html(body))
}
