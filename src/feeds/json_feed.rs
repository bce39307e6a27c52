//! JSON Feed 1.1 (`/feed.json`, `/categories/<slug>/feed.json`), https://jsonfeed.org/version/1.1

use poem::http::header;
use poem::web::{Data, Path};
use poem::{Response, handler};
use serde::Serialize;

use crate::app::App;
use crate::error::Result;

use super::source::{self, FeedSource};

#[derive(Serialize)]
struct Feed<'a> {
    version: &'static str,
    title: &'a str,
    home_page_url: &'a str,
    feed_url: String,
    #[serde(skip_serializing_if = "str::is_empty")]
    description: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    icon: Option<&'a str>,
    authors: Vec<Author<'a>>,
    items: Vec<Item<'a>>,
}

#[derive(Serialize)]
struct Author<'a> {
    name: &'a str,
    url: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    avatar: Option<&'a str>,
}

#[derive(Serialize)]
struct Item<'a> {
    id: &'a str,
    url: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<&'a str>,
    content_html: String,
    summary: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<&'a str>,
    date_published: String,
    date_modified: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<&'a str>,
}

#[handler]
pub async fn site(Data(app): Data<&App>) -> Result<Response> {
    Ok(respond(&source::load(app, None).await?))
}

#[handler]
pub async fn category(Data(app): Data<&App>, Path(slug): Path<String>) -> Result<Response> {
    Ok(respond(&source::load(app, Some(slug)).await?))
}

fn respond(src: &FeedSource) -> Response {
    Response::builder()
        .header(header::CONTENT_TYPE, "application/feed+json; charset=utf-8")
        .body(to_json(src))
}

pub fn to_json(src: &FeedSource) -> String {
    let author = &src.site.author;
    let feed = Feed {
        version: "https://jsonfeed.org/version/1.1",
        title: &src.title,
        home_page_url: &src.home_url,
        feed_url: format!("{}.json", src.feed_base),
        description: &src.site.description,
        icon: author.avatar.as_deref(),
        authors: vec![Author {
            name: &author.name,
            url: &author.url,
            avatar: author.avatar.as_deref(),
        }],
        items: src
            .posts
            .iter()
            .map(|post| Item {
                id: &post.url,
                url: &post.url,
                title: post.title.as_deref(),
                content_html: src.item_html(post),
                summary: &post.summary,
                image: post.photos.first().map(|p| p.src.as_str()),
                date_published: post.published_iso.clone(),
                date_modified: post.updated_iso.clone(),
                tags: post.categories.iter().map(|c| c.title.as_str()).collect(),
            })
            .collect(),
    };
    serde_json::to_string_pretty(&feed).unwrap_or_default()
}
