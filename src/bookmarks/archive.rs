//! The archived copy of a bookmarked page, made by a job: the page fetched through the guarded
//! client (no private addresses unless allowed, redirects checked again, size and time capped),
//! its article read and sanitized (`extract`), its images copied into `DATA/archive` anew from
//! their pixels, and the copy kept with its title, author, site, date and lead image. The copy
//! points only at those local images, served to the owner alone, so reading it asks no other
//! site for anything.

use std::collections::HashMap;

use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};

use super::extract::{self, Article};
use super::highlights;
use crate::app::App;
use crate::jobs::Task;
use crate::media::{files, square};
use crate::net::{Fetched, NetError};
use crate::store::{self, bookmarks, ids::BookmarkId};

/// A page larger than this is not an article worth keeping.
const MAX_PAGE_BYTES: u64 = 5 * 1024 * 1024;
/// Images copied per page, and the largest image fetched.
const MAX_IMAGES: usize = 30;
const MAX_IMAGE_BYTES: u64 = 5 * 1024 * 1024;
/// Images are kept at most this wide: the reader's column, twice over for dense screens.
const IMAGE_WIDTH: u32 = 1200;
/// An image past this many pixels is not decoded.
const IMAGE_MAX_PIXELS: u64 = 40_000_000;
/// Where the panel serves the copies from.
pub const FILES_PATH: &str = "/admin/bookmarks/files/";

/// Make (or make again) the archived copy of one bookmark.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArchiveBookmark {
    pub bookmark_id: BookmarkId,
}

impl Task for ArchiveBookmark {
    const KIND: &'static str = "archive_bookmark";
    /// A site that is down gets tries over a few hours; the owner can always Retry.
    const MAX_ATTEMPTS: u32 = 5;
}

/// Why a copy was not made: for good (the page is gone, too large, not an article), or for now.
enum NotMade {
    ForGood(String),
    ForNow(String),
}

/// The job.
pub async fn archive(app: &App, ArchiveBookmark { bookmark_id }: ArchiveBookmark) -> Result<()> {
    let Some(bookmark) = app
        .db
        .read(move |c| bookmarks::by_id(c, bookmark_id))
        .await?
    else {
        // Deleted since.
        return Ok(());
    };
    match make(app, &bookmark.url).await? {
        Ok(copy) => {
            app.db
                .write(move |tx| {
                    bookmarks::save_archive(tx, bookmark_id, &copy, store::now())?;
                    // Highlights made in the old copy are found again in this one.
                    highlights::reanchor(tx, bookmark_id, &copy.html)
                })
                .await
        }
        Err(NotMade::ForGood(reason)) => {
            app.db
                .write(move |tx| bookmarks::archive_failed(tx, bookmark_id, &reason))
                .await
        }
        Err(NotMade::ForNow(reason)) => {
            let said = format!("{reason} (Porch tries again later)");
            app.db
                .write(move |tx| bookmarks::archive_failed(tx, bookmark_id, &said))
                .await?;
            bail!("archive of bookmark {bookmark_id}: {reason}")
        }
    }
}

/// The copy of the page at `url`, or why there is none.
async fn make(app: &App, url: &str) -> Result<Result<bookmarks::Archive, NotMade>> {
    let page = match app
        .http
        .fetch(url, "text/html,application/xhtml+xml", MAX_PAGE_BYTES)
        .await
    {
        Ok(page) => page,
        Err(e) => return Ok(Err(not_fetched(e))),
    };
    if let Err(why) = usable(&page) {
        return Ok(Err(why));
    }
    let html = String::from_utf8_lossy(&page.body).into_owned();
    let page_url = page.url.clone();
    // Reading the article is CPU work on up to a few megabytes: off the async threads.
    let article = tokio::task::spawn_blocking(move || extract::extract(&html, &page_url)).await?;
    let article = match article {
        Ok(article) => article,
        Err(e) => return Ok(Err(NotMade::ForGood(capitalized(&e.to_string())))),
    };
    let local = copy_images(app, &article).await?;
    Ok(Ok(keep(article, &local)))
}

/// A page Porch can read: an HTML answer of 200.
fn usable(page: &Fetched) -> Result<(), NotMade> {
    match page.status {
        200 => {}
        408 | 429 | 500..=599 => {
            return Err(NotMade::ForNow(format!(
                "The site answered {} ({})",
                page.status,
                reason(page.status)
            )));
        }
        status => {
            return Err(NotMade::ForGood(format!(
                "The site answered {status} ({})",
                reason(status)
            )));
        }
    }
    let kind = page.media_type();
    if kind != "text/html" && kind != "application/xhtml+xml" {
        let kind = if kind.is_empty() { "no type" } else { &kind };
        return Err(NotMade::ForGood(format!(
            "The address is not a web page ({kind})"
        )));
    }
    Ok(())
}

fn reason(status: u16) -> &'static str {
    match status {
        401 | 403 => "not allowed",
        404 => "not found",
        410 => "gone",
        429 => "too many requests",
        500..=599 => "the site's own failure",
        _ => "not a page",
    }
}

fn not_fetched(e: NetError) -> NotMade {
    match e {
        NetError::PrivateAddress => NotMade::ForGood(
            "The address is on a private or local network, which Porch does not fetch".into(),
        ),
        NetError::TooLarge(max) => NotMade::ForGood(format!(
            "The page is too large to keep (over {} MB)",
            max / (1024 * 1024)
        )),
        NetError::BadUrl(_) => NotMade::ForGood("The address is not a web address".into()),
        NetError::Timeout => NotMade::ForNow("The site did not answer in time".into()),
        NetError::Other(e) => NotMade::ForNow(format!("The site could not be reached: {e}")),
    }
}

fn capitalized(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Copies the article's images (the first `MAX_IMAGES`) and its lead image: remote URL → local
/// path. An image that cannot be fetched or is not one is left out of the copy.
async fn copy_images(app: &App, article: &Article) -> Result<HashMap<String, String>> {
    let mut wanted: Vec<&String> = article.images.iter().take(MAX_IMAGES).collect();
    if let Some(lead) = &article.lead_image
        && !wanted.contains(&lead)
    {
        wanted.push(lead);
    }
    let mut local = HashMap::new();
    for url in wanted {
        let fetched = match app.http.fetch(url, "image/*", MAX_IMAGE_BYTES).await {
            Ok(f) if f.status == 200 => f,
            Ok(f) => {
                tracing::info!(url, status = f.status, "archive: image not copied");
                continue;
            }
            Err(e) => {
                tracing::info!(url, error = %e, "archive: image not copied");
                continue;
            }
        };
        let dir = app.config.archive_dir();
        let written = tokio::task::spawn_blocking(move || {
            match square::fitted(&fetched.body, IMAGE_WIDTH, IMAGE_MAX_PIXELS) {
                Ok(copy) => files::write_one(&dir, &copy.hash, copy.ext, &copy.bytes).map(Some),
                Err(e) => {
                    tracing::info!(error = %e, "archive: not an image Porch takes");
                    Ok(None)
                }
            }
        })
        .await??;
        if let Some(name) = written {
            local.insert(url.clone(), format!("{FILES_PATH}{name}"));
        }
    }
    Ok(local)
}

/// The copy as it is kept: images pointed at their local copies (the others dropped).
fn keep(article: Article, local: &HashMap<String, String>) -> bookmarks::Archive {
    bookmarks::Archive {
        html: extract::rewrite_images(&article.html, local),
        lead_image: article
            .lead_image
            .as_ref()
            .and_then(|u| local.get(u))
            .cloned()
            .unwrap_or_default(),
        article_title: article.title,
        author: article.author.unwrap_or_default(),
        site_name: article.site_name.unwrap_or_default(),
        published: article.published.unwrap_or_default(),
        text: article.text,
    }
}
