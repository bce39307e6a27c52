//! Collections of posts: categories (`/categories/`, `/categories/<slug>/`) and emoji topics
//! (`/topics/`, `/topics/<slug>/`).

use crate::ctx;
use poem::web::{Data, Path, Query};
use poem::{Response, handler};
use serde::{Deserialize, Serialize};

use crate::app::App;
use crate::error::{Failure, Result};
use crate::paging::Page;
use crate::posts::topics;
use crate::render::time;
use crate::store::{posts, taxonomy};

use super::views::{self, FeedLink, Link};

/// Posts on one page of a category or topic.
const PER_PAGE: u32 = 50;

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<u32>,
}

/// Links to the neighbouring pages of a list at `url`.
fn pager(url: &str, prev: Option<u32>, next: Option<u32>) -> (Option<Link>, Option<Link>) {
    let link = |n: u32, title: &str| Link {
        title: title.into(),
        url: if n <= 1 {
            url.to_string()
        } else {
            format!("{url}?page={n}")
        },
    };
    (
        prev.map(|n| link(n, "Newer posts")),
        next.map(|n| link(n, "Older posts")),
    )
}

#[derive(Serialize)]
struct Collection {
    title: String,
    url: String,
    emoji: Option<String>,
}

#[handler]
pub async fn categories(Data(app): Data<&App>) -> Result<Response> {
    let (site, _) = views::site_view(app).await?;
    let list = app.db.read(taxonomy::categories_in_use).await?;
    let base = &app.config.base_url;
    let items: Vec<Collection> = list
        .into_iter()
        .map(|c| Collection {
            url: base.join(&format!("/categories/{}/", c.slug)),
            title: c.name,
            emoji: None,
        })
        .collect();
    let meta = views::listing_meta(
        app,
        &site,
        format!("Categories · {}", site.title),
        base.join("/categories/"),
        format!("The categories of {}.", site.title),
    );
    let body = app.templates.render(
        "collections.html",
        ctx! { site, meta, heading => "Categories", items },
    )?;
    Ok(views::html(body))
}

#[handler]
pub async fn category(
    Data(app): Data<&App>,
    Path(slug): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Response> {
    let page = Page::new(q.page, PER_PAGE);
    let lookup = slug.clone();
    let found = app
        .db
        .read(move |c| {
            let Some(category) = taxonomy::category_by_slug(c, &lookup)? else {
                return Ok(None);
            };
            let list = posts::in_category(c, category.id, page.fetch(), page.offset())?;
            Ok(Some((category, list)))
        })
        .await?;
    let Some((category, list)) = found.filter(|(_, list)| !list.is_empty() || page.number == 1)
    else {
        return Err(Failure::not_found());
    };
    let (list, prev, next) = page.split(list);
    let (site, settings) = views::site_view(app).await?;
    let tz = time::zone(&settings.timezone);
    let base = &app.config.base_url;
    let mut meta = views::listing_meta(
        app,
        &site,
        format!("{} · {}", category.name, site.title),
        base.join(&format!("/categories/{slug}/")),
        format!("Posts in {} on {}.", category.name, site.title),
    );
    // The category's own feeds come first, so that readers offer them on this page.
    meta.feeds.splice(
        0..0,
        [
            FeedLink {
                title: format!("{} · {} (RSS)", category.name, site.title),
                url: base.join(&format!("/categories/{slug}/feed.xml")),
                mime: "application/rss+xml",
            },
            FeedLink {
                title: format!("{} · {} (JSON Feed)", category.name, site.title),
                url: base.join(&format!("/categories/{slug}/feed.json")),
                mime: "application/feed+json",
            },
        ],
    );
    let (newer, older) = pager(&meta.url, prev, next);
    let body = app.templates.render(
        "list.html",
        ctx! { site, meta, heading => category.name, newer, older, posts => views::post_views(app, &list, tz) },
    )?;
    Ok(views::html(body))
}

#[handler]
pub async fn topic_index(Data(app): Data<&App>) -> Result<Response> {
    let (site, settings) = views::site_view(app).await?;
    let in_use = app.db.read(taxonomy::topics_in_use).await?;
    let base = &app.config.base_url;
    let items: Vec<Collection> = settings
        .topics
        .iter()
        .filter(|t| in_use.contains(&topics::normalize(&t.emoji)))
        .map(|t| Collection {
            title: t.name.clone(),
            url: base.join(&format!("/topics/{}/", t.slug)),
            emoji: Some(t.emoji.clone()),
        })
        .collect();
    let meta = views::listing_meta(
        app,
        &site,
        format!("Topics · {}", site.title),
        base.join("/topics/"),
        format!("Posts on {} collected by emoji.", site.title),
    );
    let body = app.templates.render(
        "collections.html",
        ctx! { site, meta, heading => "Topics", items },
    )?;
    Ok(views::html(body))
}

#[handler]
pub async fn topic(
    Data(app): Data<&App>,
    Path(slug): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Response> {
    let page = Page::new(q.page, PER_PAGE);
    let (site, settings) = views::site_view(app).await?;
    let Some(topic) = settings.topics.iter().find(|t| t.slug == slug).cloned() else {
        return Err(Failure::not_found());
    };
    let emoji = topics::normalize(&topic.emoji);
    let list = app
        .db
        .read(move |c| posts::in_topic(c, &emoji, page.fetch(), page.offset()))
        .await?;
    if list.is_empty() && page.number > 1 {
        return Err(Failure::not_found());
    }
    let (list, prev, next) = page.split(list);
    let tz = time::zone(&settings.timezone);
    let base = &app.config.base_url;
    let heading = format!("{} {}", topic.emoji, topic.name);
    let meta = views::listing_meta(
        app,
        &site,
        format!("{heading} · {}", site.title),
        base.join(&format!("/topics/{slug}/")),
        format!("Posts about {} on {}.", topic.name, site.title),
    );
    let back = Link {
        title: "All topics".into(),
        url: base.join("/topics/"),
    };
    let (newer, older) = pager(&meta.url, prev, next);
    let body = app.templates.render(
        "list.html",
        ctx! { site, meta, heading, back, newer, older, posts => views::post_views(app, &list, tz) },
    )?;
    Ok(views::html(body))
}
