//! A post or page at its permalink. Every path the route table does not claim comes here, and
//! is looked up as a permalink: published ones are shown, deleted ones answer 410 Gone, and the
//! old address of an imported post redirects to its permalink.

use crate::ctx;
use poem::http::Uri;
use poem::web::{Data, Redirect};
use poem::{IntoResponse, Response, handler};

use crate::app::App;
use crate::error::{Failure, Result};
use crate::render::time;
use crate::store::imported_posts;
use crate::store::posts::{self, Kind, Status};

use super::views::{self, Meta};

/// The answer for a path no page of the site has: the permalink an imported post moved to
/// from there (its old address on this site), else 404.
pub async fn not_here(app: &App, path: &str) -> Result<Response> {
    let old = path.to_string();
    match app
        .db
        .read(move |c| imported_posts::redirect(c, &old))
        .await?
    {
        Some(moved) => Ok(Redirect::moved_permanent(moved).into_response()),
        None => Err(Failure::not_found()),
    }
}

#[handler]
pub async fn show(Data(app): Data<&App>, uri: &Uri) -> Result<Response> {
    let path = uri.path().to_string();
    if path == "/" {
        // poem's router prefers a catch-all over an exact "/" route, so the home page is
        // dispatched from here.
        return super::home::render(app, 1).await;
    }
    let lookup = path.clone();
    let found = app.db.read(move |c| posts::by_path(c, &lookup)).await?;
    let Some(post) = found else {
        // `/about` for `/about/`: pages are folders, and people type them without the slash.
        if !path.ends_with('/') && !path.ends_with(".html") {
            let with_slash = format!("{path}/");
            let exists = app
                .db
                .read(move |c| posts::path_taken(c, &with_slash))
                .await?;
            if exists {
                return Ok(Redirect::permanent(format!("{path}/")).into_response());
            }
        }
        return not_here(app, &path).await;
    };
    match post.status {
        Status::Published => {}
        Status::Deleted => return Err(Failure::gone()),
        // A draft or a post waiting for its time does not exist yet, as far as visitors know.
        Status::Draft | Status::Scheduled => return Err(Failure::not_found()),
    }
    let (site, settings) = views::site_view(app).await?;
    let tz = time::zone(&settings.timezone);
    let view = views::post_view(app, &post, tz);
    let meta = Meta {
        title: view
            .title
            .clone()
            .unwrap_or_else(|| short_title(&view.summary, &site.title)),
        url: view.url.clone(),
        description: view.summary.clone(),
        og_type: "article",
        image: view
            .photos
            .first()
            .map(|p| p.src.clone())
            .or_else(|| site.author.avatar.clone()),
        feeds: views::site_feeds(app, &site.title),
    };
    let template = match post.kind {
        Kind::Post => "post.html",
        Kind::Page => "page.html",
    };
    let replies = views::conversation(app, post.id, tz).await?;
    let body = app
        .templates
        .render(template, ctx! { site, meta, post => view, replies })?;
    Ok(views::html(body))
}

/// A browser-tab title for an untitled post: the start of its text.
fn short_title(summary: &str, site_title: &str) -> String {
    let words: Vec<&str> = summary.split_whitespace().take(8).collect();
    if words.is_empty() {
        site_title.to_string()
    } else {
        let mut t = words.join(" ");
        if summary.split_whitespace().count() > 8 {
            t.push('…');
        }
        t
    }
}
