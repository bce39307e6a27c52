//! The photo grid (`/photos/`): every published photo, newest first, each linking to its post.

use crate::ctx;
use poem::web::{Data, Query};
use poem::{Response, handler};
use serde::{Deserialize, Serialize};

use crate::app::App;
use crate::error::{Failure, Result};
use crate::paging::Page;
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
    let page = Page::new(q.page, PER_PAGE);
    let list = app
        .db
        .read(move |c| posts::with_photos(c, page.fetch(), page.offset()))
        .await?;
    if list.is_empty() && page.number > 1 {
        return Err(Failure::not_found());
    }
    let (list, prev, next) = page.split(list);
    let (site, settings) = views::site_view(app).await?;
    let tz = time::zone(&settings.timezone);
    let base = &app.config.base_url;
    let tiles: Vec<Tile> = views::post_views(app, &list, tz)
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
    let newer = prev.map(|n| link(n, "Newer photos"));
    let older = next.map(|n| link(n, "Older photos"));
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
