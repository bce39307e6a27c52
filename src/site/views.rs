//! What templates see: stored rows turned into ready-to-print values (absolute URLs, dates in
//! the site's zone, image sizes), so that templates hold no logic a theme could get wrong.

use chrono_tz::Tz;
use poem::Response;
use poem::http::header;
use serde::Serialize;

use crate::app::App;
use crate::books::read_post::{self, ReadOf};
use crate::config::BaseUrl;
use crate::error::Result;
use crate::media::files;
use crate::render::{text, time};
use crate::store::ids::PostId;
use crate::store::media::Media;
use crate::store::posts::{self, Kind, Post};
use crate::store::{owner, settings::SiteSettings};

#[derive(Clone, Serialize)]
pub struct Link {
    pub title: String,
    pub url: String,
}

#[derive(Serialize)]
pub struct Author {
    pub name: String,
    pub username: String,
    /// The host of the owner's fediverse handle, `@username@domain` (with a port, if any).
    pub domain: String,
    pub url: String,
    pub about_url: String,
    pub avatar: Option<String>,
    pub bio_html: String,
    pub rel_me: Vec<String>,
}

/// The parts of every page that come from the site, not the page.
#[derive(Serialize)]
pub struct SiteView {
    pub title: String,
    pub description: String,
    pub base_url: String,
    pub author: Author,
    pub nav: Vec<Link>,
}

/// A page's own head: its title, canonical URL, Open Graph data and feed links.
#[derive(Serialize)]
pub struct Meta {
    pub title: String,
    pub url: String,
    pub description: String,
    pub og_type: &'static str,
    pub image: Option<String>,
    pub feeds: Vec<FeedLink>,
}

#[derive(Clone, Serialize)]
pub struct FeedLink {
    pub title: String,
    pub url: String,
    pub mime: &'static str,
}

#[derive(Serialize)]
pub struct PhotoView {
    /// The copy sized for a page column.
    pub src: String,
    /// The grid copy and the column copy with their widths, for the browser to pick from; ""
    /// when there is only one.
    pub srcset: String,
    /// The copy sized for a grid tile.
    pub thumb: String,
    pub original: String,
    pub alt: String,
    pub width: u32,
    pub height: u32,
}

#[derive(Serialize)]
pub struct PostView {
    pub id: PostId,
    pub url: String,
    pub path: String,
    pub title: Option<String>,
    pub html: String,
    pub content_warning: String,
    pub in_reply_to: String,
    pub bookmark_of: String,
    pub summary: String,
    pub published_at: i64,
    pub published_iso: String,
    pub published_display: String,
    pub updated_iso: String,
    pub categories: Vec<Link>,
    pub photos: Vec<PhotoView>,
    pub is_page: bool,
    /// The book a read post is about.
    pub read: Option<ReadOf>,
}

pub fn post_view(app: &App, post: &Post, tz: Tz) -> PostView {
    let base = &app.config.base_url;
    let path = post.path.clone().unwrap_or_default();
    let published = post.published_at.unwrap_or(post.updated_at);
    PostView {
        id: post.id,
        url: base.join(&path),
        path,
        title: post.title.clone(),
        content_warning: post.content_warning.clone(),
        in_reply_to: post.in_reply_to.clone(),
        bookmark_of: post.bookmark_of.clone(),
        summary: if post.summary.trim().is_empty() {
            text::summarize(&post.html)
        } else {
            post.summary.clone()
        },
        html: post.html.clone(),
        published_at: published,
        published_iso: time::iso(published, tz),
        published_display: time::display_date(published, tz),
        updated_iso: time::iso(post.updated_at, tz),
        categories: post
            .categories
            .iter()
            .map(|c| Link {
                title: c.name.clone(),
                url: base.join(&format!("/categories/{}/", c.slug)),
            })
            .collect(),
        photos: post
            .photos
            .iter()
            .map(|p| PhotoView {
                src: base.join(&files::fitting(&p.media, COLUMN_WIDTH)),
                srcset: srcset(base, &p.media),
                thumb: base.join(&files::fitting(&p.media, GRID_WIDTH)),
                original: base.join(&files::url_path(&p.media.hash, &p.media.ext, None)),
                alt: p.alt.clone(),
                width: p.media.width,
                height: p.media.height,
            })
            .collect(),
        is_page: post.kind == Kind::Page,
        read: read_post::from_properties(&post.other_properties),
    }
}

/// The widths of the copies a page shows (see `media::process::VARIANT_WIDTHS`): a grid tile,
/// and a page column on a dense screen.
const GRID_WIDTH: u32 = 480;
const COLUMN_WIDTH: u32 = 1200;

/// A photo's `srcset`: its grid copy, if it has one, and what `src` shows (the column copy, else
/// the original), each with its width in pixels. Only copies that exist are listed: a photo
/// narrower than a copy's width has none of that size.
fn srcset(base: &BaseUrl, media: &Media) -> String {
    let has = |width: u32| media.variants.contains(&width);
    let mut candidates = Vec::new();
    if has(GRID_WIDTH) {
        let grid = files::url_path(&media.hash, &media.ext, Some(GRID_WIDTH));
        candidates.push(format!("{} {GRID_WIDTH}w", base.join(&grid)));
    }
    let (column, width) = match has(COLUMN_WIDTH) {
        true => (Some(COLUMN_WIDTH), COLUMN_WIDTH),
        false => (None, media.width),
    };
    let column = files::url_path(&media.hash, &media.ext, column);
    candidates.push(format!("{} {width}w", base.join(&column)));
    match candidates.len() {
        1 => String::new(),
        _ => candidates.join(", "),
    }
}

pub fn post_views(app: &App, posts: &[Post], tz: Tz) -> Vec<PostView> {
    posts.iter().map(|p| post_view(app, p, tz)).collect()
}

/// The head of a page that lists things (archive, categories, search, errors): no image of its
/// own, the site's feeds.
pub fn listing_meta(
    app: &App,
    site: &SiteView,
    title: String,
    url: String,
    description: String,
) -> Meta {
    Meta {
        title,
        url,
        description,
        og_type: "website",
        image: None,
        feeds: site_feeds(app, &site.title),
    }
}

/// The feed links every page advertises: the whole site's, plus any of the page's own.
pub fn site_feeds(app: &App, title: &str) -> Vec<FeedLink> {
    let base = &app.config.base_url;
    vec![
        FeedLink {
            title: format!("{title} (RSS)"),
            url: base.join("/feed.xml"),
            mime: "application/rss+xml",
        },
        FeedLink {
            title: format!("{title} (JSON Feed)"),
            url: base.join("/feed.json"),
            mime: "application/feed+json",
        },
    ]
}

pub async fn site_view(app: &App) -> Result<(SiteView, std::sync::Arc<SiteSettings>)> {
    let settings = app.settings().await?;
    let (owner, nav) = app
        .db
        .read(|c| Ok((owner::get(c)?, posts::nav_pages(c)?)))
        .await?;
    let base = &app.config.base_url;
    let (name, username) = owner
        .map(|o| (o.display_name, o.username))
        .unwrap_or_default();
    let view = SiteView {
        title: settings.title.clone(),
        description: settings.description.clone(),
        base_url: base.to_string(),
        author: Author {
            name,
            username,
            domain: base.host().to_string(),
            url: base.join("/"),
            about_url: base.join("/about/"),
            avatar: settings
                .avatar
                .as_deref()
                .map(|name| base.join(&files::public_path(name))),
            bio_html: settings.bio_html.clone(),
            rel_me: settings.rel_me.clone(),
        },
        nav: nav
            .into_iter()
            .map(|(title, path)| Link {
                title,
                url: base.join(&path),
            })
            .collect(),
    };
    Ok((view, settings))
}

/// An HTML response for a rendered page.
/// A JSON Feed 1.1 of one section of the site (a bookshelf, the public bookmarks) at `path`
/// (its page; the feed is `feed.json` under it), by the site's author, as a response.
pub fn section_feed<I: Serialize>(
    app: &App,
    site: &SiteView,
    title: String,
    path: &str,
    items: Vec<I>,
) -> Response {
    #[derive(Serialize)]
    struct Feed<'a, I> {
        version: &'static str,
        title: String,
        home_page_url: String,
        feed_url: String,
        authors: [FeedAuthor<'a>; 1],
        items: Vec<I>,
    }
    #[derive(Serialize)]
    struct FeedAuthor<'a> {
        name: &'a str,
        url: &'a str,
    }
    let base = &app.config.base_url;
    let feed = Feed {
        version: "https://jsonfeed.org/version/1.1",
        title,
        home_page_url: base.join(path),
        feed_url: base.join(&format!("{path}feed.json")),
        authors: [FeedAuthor {
            name: &site.author.name,
            url: &site.author.url,
        }],
        items,
    };
    Response::builder()
        .header(header::CONTENT_TYPE, "application/feed+json; charset=utf-8")
        .body(serde_json::to_string_pretty(&feed).unwrap_or_default())
}

pub fn html(body: String) -> Response {
    Response::builder()
        .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
        .body(body)
}

/// One reply shown under a post: from elsewhere (approved) or the owner's own answer.
#[derive(Serialize)]
pub struct ReplyView {
    pub author_name: String,
    pub author_url: String,
    /// The author's avatar, as kept on this site: never another site's URL.
    pub author_avatar: Option<String>,
    /// What stands for the author where there is no avatar.
    pub author_initials: String,
    pub url: String,
    pub html: String,
    pub published_iso: String,
    pub published_display: String,
}

/// The conversation under a post: approved replies and the owner's answers, oldest first.
pub async fn conversation(app: &App, post_id: PostId, tz: Tz) -> anyhow::Result<Vec<ReplyView>> {
    let settings = app.settings().await?;
    let (remote, own, owner) = app
        .db
        .read(move |c| {
            let own = crate::store::own_replies::in_conversation(c, post_id)?;
            // The owner's name is needed only for the owner's own answers.
            let owner = match own.is_empty() {
                true => None,
                false => crate::store::owner::get(c)?,
            };
            Ok((
                crate::store::remote_posts::approved_replies(c, post_id)?,
                own,
                owner,
            ))
        })
        .await?;
    let base = &app.config.base_url;
    let (owner_name, owner_username) = owner
        .map(|o| (o.display_name, o.username))
        .unwrap_or_default();
    let owner_avatar = settings
        .avatar
        .as_deref()
        .map(|name| base.join(&files::public_path(name)));
    let mut replies: Vec<(i64, ReplyView)> = remote
        .into_iter()
        .map(|r| {
            (
                r.published_at,
                ReplyView {
                    author_name: r.actor.display_name().to_string(),
                    author_url: r.actor.url.clone(),
                    author_avatar: (!r.actor.avatar.is_empty())
                        .then(|| base.join(&files::public_path(&r.actor.avatar))),
                    author_initials: text::initials(&r.actor.name, &r.actor.handle),
                    url: r.url,
                    html: r.content_html,
                    published_iso: time::iso(r.published_at, tz),
                    published_display: time::display_date(r.published_at, tz),
                },
            )
        })
        .collect();
    replies.extend(own.into_iter().map(|r| {
        (
            r.created_at,
            ReplyView {
                author_name: owner_name.clone(),
                author_url: base.join("/"),
                author_avatar: owner_avatar.clone(),
                author_initials: text::initials(&owner_name, &owner_username),
                url: base.join(&format!("/replies/{}", r.id)),
                html: r.html,
                published_iso: time::iso(r.created_at, tz),
                published_display: time::display_date(r.created_at, tz),
            },
        )
    }));
    replies.sort_by_key(|(at, _)| *at);
    Ok(replies.into_iter().map(|(_, r)| r).collect())
}
