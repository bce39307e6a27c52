//! The public bookmarks: `/bookmarks/` (an h-feed of h-entries, each a `u-bookmark-of` with the
//! owner's title, tags and note) and its JSON Feed (`/bookmarks/feed.json`), of the bookmarks
//! the owner marked public, newest first. Every other bookmark is private: nothing of it is
//! read here. Neither shows a kept copy or a highlight. With nothing public, both are 404.

use poem::web::{Data, Query};
use poem::{Response, handler};
use serde::{Deserialize, Serialize};

use crate::app::App;
use crate::ctx;
use crate::error::{Failure, Result};
use crate::paging::Page;
use crate::render::time;
use crate::site::views::{self, FeedLink, Link, Meta};
use crate::store::bookmarks::{self, Bookmark};

const PER_PAGE: u32 = 50;
/// Items in the feed.
const FEED_ITEMS: u32 = 50;

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<u32>,
}

/// A public bookmark as a visitor sees it.
#[derive(Serialize)]
struct Entry {
    url: String,
    title: String,
    host: String,
    note: String,
    tags: Vec<String>,
    /// When it was saved: ISO 8601, and as the site shows dates.
    published: String,
    date: String,
}

fn entry(b: Bookmark, tz: chrono_tz::Tz) -> Entry {
    let host = crate::urls::host(&b.url).unwrap_or_default();
    Entry {
        title: if b.title.is_empty() {
            host.clone()
        } else {
            b.title
        },
        host,
        note: b.note,
        tags: b.tags,
        published: time::iso(b.created_at, tz),
        date: time::display_date(b.created_at, tz),
        url: b.url,
    }
}

fn feed_link(app: &App, site_title: &str) -> FeedLink {
    FeedLink {
        title: format!("Bookmarks · {site_title} (JSON Feed)"),
        url: app.config.base_url.join("/bookmarks/feed.json"),
        mime: "application/feed+json",
    }
}

#[handler]
pub async fn index(Data(app): Data<&App>, Query(q): Query<PageQuery>) -> Result<Response> {
    let page = Page::new(q.page, PER_PAGE);
    let (limit, offset) = (page.fetch(), page.offset());
    let list = app
        .db
        .read(move |c| bookmarks::public(c, limit, offset))
        .await?;
    if list.is_empty() {
        return Err(Failure::not_found());
    }
    let (list, prev, next) = page.split(list);
    let (site, settings) = views::site_view(app).await?;
    let tz = time::zone(&settings.timezone);
    let entries: Vec<Entry> = list.into_iter().map(|b| entry(b, tz)).collect();
    let base = &app.config.base_url;
    let link = |n: u32, title: &str| Link {
        title: title.into(),
        url: if n <= 1 {
            base.join("/bookmarks/")
        } else {
            base.join(&format!("/bookmarks/?page={n}"))
        },
    };
    let newer = prev.map(|n| link(n, "Newer bookmarks"));
    let older = next.map(|n| link(n, "Older bookmarks"));
    let mut feeds = views::site_feeds(app, &site.title);
    feeds.push(feed_link(app, &site.title));
    let meta = Meta {
        title: format!("Bookmarks · {}", site.title),
        url: base.join("/bookmarks/"),
        description: format!("Links {} saved and shared.", site.author.name),
        og_type: "website",
        image: None,
        feeds,
    };
    let body = app
        .templates
        .render("bookmarks.html", ctx! { site, meta, entries, newer, older })?;
    Ok(views::html(body))
}

/// A bookmark as a JSON Feed item: its id and `external_url` the page saved (the item has no
/// page of its own here), the note as its text.
#[derive(Serialize)]
struct Item {
    id: String,
    external_url: String,
    title: String,
    content_text: String,
    date_published: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<String>,
}

#[handler]
pub async fn feed(Data(app): Data<&App>) -> Result<Response> {
    let list = app.db.read(|c| bookmarks::public(c, FEED_ITEMS, 0)).await?;
    if list.is_empty() {
        return Err(Failure::not_found());
    }
    let (site, _) = views::site_view(app).await?;
    let items: Vec<Item> = list
        .into_iter()
        .map(|b| {
            let e = entry(b, chrono_tz::Tz::UTC);
            Item {
                id: e.url.clone(),
                external_url: e.url,
                title: e.title,
                content_text: e.note,
                date_published: e.published,
                tags: e.tags,
            }
        })
        .collect();
    let title = format!("Bookmarks · {}", site.title);
    Ok(views::section_feed(app, &site, title, "/bookmarks/", items))
}
