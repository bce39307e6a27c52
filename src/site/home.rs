//! The home page: the newest posts, paged (`/`, `/page/2/`, …). `/` itself arrives through
//! the permalink handler (see `post_show`).

use crate::ctx;
use poem::web::{Data, Path};
use poem::{Response, handler};

use crate::app::App;
use crate::error::{AppError, Result};
use crate::render::time;
use crate::store::posts;

use super::views::{self, Link, Meta};

#[handler]
pub async fn numbered(Data(app): Data<&App>, Path(n): Path<String>) -> Result<Response> {
    match n.parse::<u32>() {
        Ok(n) if n >= 2 => render(app, n).await,
        _ => Err(AppError::NotFound),
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
    let per_page = settings.posts_per_page.clamp(1, 100);
    let offset = (page - 1).saturating_mul(per_page);
    let (list, total) = app
        .db
        .read(move |c| {
            Ok((
                posts::published(c, per_page, offset)?,
                posts::published_count(c)?,
            ))
        })
        .await?;
    if list.is_empty() && page > 1 {
        return Err(AppError::NotFound);
    }
    let tz = time::zone(&settings.timezone);
    let base = &app.config.base_url;
    let newer = (page > 1).then(|| Link {
        title: "Newer posts".into(),
        url: base.join(&page_path(page - 1)),
    });
    let older = (offset + per_page < total).then(|| Link {
        title: "Older posts".into(),
        url: base.join(&page_path(page + 1)),
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
