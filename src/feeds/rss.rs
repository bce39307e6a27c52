//! RSS 2.0 (`/feed.xml`, `/categories/<slug>/feed.xml`), written with the `rss` crate.

use std::collections::BTreeMap;

use poem::http::header;
use poem::web::{Data, Path};
use poem::{Response, handler};
use rss::extension::atom::{AtomExtension, Link as AtomLink};
use rss::{CategoryBuilder, ChannelBuilder, GuidBuilder, ItemBuilder};

use crate::app::App;
use crate::error::Result;
use crate::render::time;

use super::source::{self, FeedSource};

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
        .header(header::CONTENT_TYPE, "application/rss+xml; charset=utf-8")
        .body(to_xml(src))
}

pub fn to_xml(src: &FeedSource) -> String {
    let items: Vec<rss::Item> = src
        .posts
        .iter()
        .map(|post| {
            ItemBuilder::default()
                .title(post.title.clone())
                .link(Some(post.url.clone()))
                .description(Some(src.item_html(post)))
                .pub_date(Some(time::rfc2822(post.published_at)))
                .guid(Some(
                    GuidBuilder::default()
                        .value(post.url.clone())
                        .permalink(true)
                        .build(),
                ))
                .categories(
                    post.categories
                        .iter()
                        .map(|c| CategoryBuilder::default().name(c.title.clone()).build())
                        .collect::<Vec<_>>(),
                )
                .build()
        })
        .collect();
    let self_link = AtomLink {
        href: format!("{}.xml", src.feed_base),
        rel: "self".into(),
        mime_type: Some("application/rss+xml".into()),
        ..Default::default()
    };
    let channel = ChannelBuilder::default()
        .title(src.title.clone())
        .link(src.home_url.clone())
        .description(if src.site.description.is_empty() {
            format!("The latest posts from {}", src.title)
        } else {
            src.site.description.clone()
        })
        .last_build_date(Some(time::rfc2822(src.updated_at)))
        .generator(Some(format!("Porch {}", env!("CARGO_PKG_VERSION"))))
        .atom_ext(Some(AtomExtension {
            links: vec![self_link],
        }))
        .namespaces(BTreeMap::from([(
            "atom".to_string(),
            "http://www.w3.org/2005/Atom".to_string(),
        )]))
        .items(items)
        .build();
    channel.to_string()
}
