//! What a feed is made of, whichever format it is written in.

use anyhow::Result;

use crate::app::App;
use crate::error::Failure;
use crate::render::{escape_html, sanitize, time};
use crate::site::views::{self, PostView, SiteView};
use crate::store::{posts, taxonomy};

/// Items in a feed: enough for a reader that checks daily to miss nothing from a busy day.
const ITEMS: u32 = 30;

pub struct FeedSource {
    pub site: SiteView,
    pub title: String,
    pub home_url: String,
    /// The feed's own URL without its extension (`…/feed`), so each format appends its own.
    pub feed_base: String,
    pub posts: Vec<PostView>,
    pub updated_at: i64,
    /// Rewrites each item's relative links against the site's address.
    absolutizer: ammonia::Builder<'static>,
}

/// The site-wide feed, or one category's when `category` is given.
pub async fn load(app: &App, category: Option<String>) -> Result<FeedSource, Failure> {
    let (site, settings) = views::site_view(app).await?;
    let tz = time::zone(&settings.timezone);
    let base = &app.config.base_url;
    let (title, home_path, list) = match category {
        None => {
            let list = app.db.read(|c| posts::published(c, ITEMS, 0)).await?;
            (site.title.clone(), "/".to_string(), list)
        }
        Some(slug) => {
            let found = app
                .db
                .read(move |c| -> Result<_> {
                    let Some(cat) = taxonomy::category_by_slug(c, &slug)? else {
                        return Ok(None);
                    };
                    let list = posts::in_category(c, cat.id, ITEMS, 0)?;
                    Ok(Some((cat, list)))
                })
                .await?;
            let (cat, list) = found.ok_or(Failure::not_found())?;
            (
                format!("{} · {}", cat.name, site.title),
                format!("/categories/{}/", cat.slug),
                list,
            )
        }
    };
    let updated_at = list
        .iter()
        .map(|p| p.updated_at)
        .max()
        .unwrap_or_else(|| app.db.stamp().changed_at());
    Ok(FeedSource {
        title,
        home_url: base.join(&home_path),
        feed_base: base.join(&format!("{home_path}feed")),
        posts: views::post_views(app, &list, tz),
        absolutizer: sanitize::absolutizer(base.as_str()),
        site,
        updated_at,
    })
}

impl FeedSource {
    /// A post's HTML for feed readers: its text with absolute links, then its photos, which
    /// readers otherwise miss.
    pub fn item_html(&self, post: &PostView) -> String {
        let mut html = self.absolutizer.clean(&post.html).to_string();
        for photo in &post.photos {
            html.push_str(&format!(
                "\n<p><img src=\"{}\" alt=\"{}\" width=\"{}\" height=\"{}\"></p>",
                escape_html(&photo.src),
                escape_html(&photo.alt),
                photo.width,
                photo.height
            ));
        }
        html
    }
}
