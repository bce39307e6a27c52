//! The home page: the newest posts, paged (`/`, `/page/2/`, …). `/` itself arrives through
//! the permalink handler (see `post_show`).

use crate::ctx;
use poem::web::{Data, Path};
use poem::{Response, handler};

use crate::app::App;
use crate::error::{Failure, Result};
use crate::paging::Page;
use crate::render::time;
use crate::store::posts;

use super::views::{self, Link, Meta};

#[handler]
pub async fn numbered(Data(app): Data<&App>, Path(n): Path<String>) -> Result<Response> {
    match n.parse::<u32>() {
        Ok(n) if n >= 2 => render(app, n).await,
        _ => Err(Failure::not_found()),
    }
}

fn page_path(n: u32) -> String {
    if n <= 1 {
        "/".into()
    } else {
        format!("/page/{n}/")
    }
}

pub async fn render(app: &App, page: u32) -> Result<Response> {
    let (site, settings) = views::site_view(app).await?;
    let paging = Page::new(Some(page), settings.posts_per_page.clamp(1, 100));
    let list = app
        .db
        .read(move |c| posts::published(c, paging.fetch(), paging.offset()))
        .await?;
    if list.is_empty() && page > 1 {
        return Err(Failure::not_found());
    }
    let (list, prev, next) = paging.split(list);
    let tz = time::zone(&settings.timezone);
    let base = &app.config.base_url;
    let newer = prev.map(|n| Link {
        title: "Newer posts".into(),
        url: base.join(&page_path(n)),
    });
    let older = next.map(|n| Link {
        title: "Older posts".into(),
        url: base.join(&page_path(n)),
    });
    let meta = Meta {
        title: if page > 1 {
            format!("{} (page {page})", site.title)
        } else {
            site.title.clone()
        },
        url: base.join(&page_path(page)),
        description: site.description.clone(),
        og_type: "website",
        image: site.author.avatar.clone(),
        feeds: views::site_feeds(app, &site.title),
    };
    let body = app.templates.render(
        "home.html",
        ctx! { site, meta, posts => views::post_views(app, &list, tz), newer, older },
    )?;
    Ok(views::html(body))
}
