//! A JSON Feed 1.1 per public shelf (`/books/<shelf>/feed.json`), in the shape of Micro.blog's
//! bookshelf feeds, so that scripts written for those adapt easily: each item a book, with its
//! title, "Title by Author" as HTML, its authors, its local cover, and the ISBN and reading
//! dates in a `_porch` extension.

use poem::web::{Data, Path};
use poem::{Response, handler};
use serde::Serialize;

use crate::app::App;
use crate::error::{Failure, Result};
use crate::render::{escape_html, time};
use crate::site::views;

use super::pages::{self, Found};
use super::views::{self as book_views, PublicBook};

#[derive(Serialize)]
struct Item {
    id: String,
    url: String,
    title: String,
    content_html: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    authors: Vec<ItemAuthor>,
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<String>,
    date_published: String,
    #[serde(rename = "_porch")]
    porch: Extension,
}

#[derive(Serialize)]
struct ItemAuthor {
    name: String,
}

/// Porch's own fields (JSON Feed extensions start with an underscore).
#[derive(Serialize)]
struct Extension {
    #[serde(skip_serializing_if = "Option::is_none")]
    isbn: Option<String>,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    started_on: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    finished_on: Option<String>,
}

fn item(base: &crate::config::BaseUrl, book: PublicBook, added_at: i64) -> Item {
    let url = base.join(&book.path);
    let content_html = if book.byline.is_empty() {
        escape_html(&book.title)
    } else {
        format!(
            "{} by {}",
            escape_html(&book.title),
            escape_html(&book.byline)
        )
    };
    Item {
        id: url.clone(),
        url,
        title: book.title,
        content_html,
        authors: book
            .authors
            .into_iter()
            .map(|name| ItemAuthor { name })
            .collect(),
        image: book.cover.map(|c| base.join(&c)),
        date_published: time::iso_utc(added_at),
        porch: Extension {
            isbn: book.isbn13,
            status: book.status,
            started_on: book.started_on,
            finished_on: book.finished_on,
        },
    }
}

#[handler]
pub async fn shelf(Data(app): Data<&App>, Path(slug): Path<String>) -> Result<Response> {
    let (site, settings) = views::site_view(app).await?;
    let found = pages::find(app, &settings, slug).await?;
    let path = match &found {
        Found::Status(s) => book_views::path(s.slug()),
        Found::Shelf(s) => book_views::path(&s.slug),
        Found::Book(_) | Found::Goals => return Err(Failure::not_found()),
    };
    let (title, list) = pages::shelf_books(app, &settings, &found).await?;
    let base = &app.config.base_url;
    let items: Vec<Item> = list
        .iter()
        .map(|b| item(base, book_views::public(b), b.added_at))
        .collect();
    let title = format!("{title} · {}", site.title);
    Ok(views::section_feed(app, &site, title, &path, items))
}
