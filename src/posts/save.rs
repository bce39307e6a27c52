//! The one way a post or page is written: validate, render the Markdown once, store it with its
//! categories, photos and topics, give it a permalink when it is first published, and queue the
//! job that publishes a scheduled post — all in the caller's transaction.

use anyhow::Context;
use chrono_tz::Tz;
use rusqlite::Connection;

use serde::{Deserialize, Serialize};

use crate::jobs::{self, Task};
use crate::render::{markdown, text, time};
use crate::store::ids::{CategoryId, MediaId, PostId};
use crate::store::posts::{self, Kind, Post, PostWrite, Status};
use crate::store::settings::SiteSettings;
use crate::store::taxonomy::Category;
use crate::store::{self, media, taxonomy};

use super::{changed, mentions, permalink, topics};

/// The job that publishes a scheduled post at its time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishPost {
    pub post_id: PostId,
}

impl Task for PublishPost {
    const KIND: &'static str = "publish_post";
    /// Publishing only touches the local database, so a failure is a bug or a full disk: retry
    /// a few times, then show it.
    const MAX_ATTEMPTS: u32 = 8;
}

/// Longest title accepted; longer is almost certainly a paste into the wrong box.
const MAX_TITLE_CHARS: usize = 300;
/// Largest post body: about a short book, far beyond any blog post.
const MAX_MARKDOWN_BYTES: usize = 1024 * 1024;
/// Photos one post may carry.
pub const MAX_PHOTOS: usize = 20;
pub const MAX_ALT_CHARS: usize = 1500;
/// Categories one post may have, and the longest category name.
const MAX_CATEGORIES: usize = 30;
pub const MAX_CATEGORY_CHARS: usize = 60;
/// Longest URL a post may reply to or bookmark.
const MAX_URL_CHARS: usize = 2000;
/// A summary is a sentence or two for link previews and feeds.
const MAX_SUMMARY_CHARS: usize = 1000;
/// Mastodon shows a warning as one line; a long one is a post in the wrong box.
const MAX_WARNING_CHARS: usize = 500;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Draft,
    Publish,
    /// Publish at this time: in the future it waits in the queue; in the past it backdates.
    Schedule(i64),
}

/// Everything the composer (or an API) sends for one save.
#[derive(Clone, Debug)]
pub struct Compose {
    pub id: Option<PostId>,
    pub kind: Kind,
    pub title: String,
    pub markdown: String,
    pub category_ids: Vec<CategoryId>,
    pub new_categories: Vec<String>,
    pub photos: Vec<(MediaId, String)>,
    pub action: Action,
    pub in_nav: bool,
    pub nav_order: i64,
    pub content_warning: String,
    /// The URL this post replies to, or empty.
    pub in_reply_to: String,
    /// The URL this post bookmarks, or empty.
    pub bookmark_of: String,
    /// The permalink's name, when the app chose one (Micropub `mp-slug`); else from the title.
    pub slug: String,
    /// A short description of the post (Micropub `summary`), or empty.
    pub summary: String,
}

impl Compose {
    /// A new, empty post or page, to be filled in and saved with `action`.
    pub fn new(kind: Kind, action: Action) -> Compose {
        Compose {
            id: None,
            kind,
            title: String::new(),
            markdown: String::new(),
            category_ids: Vec::new(),
            new_categories: Vec::new(),
            photos: Vec::new(),
            action,
            in_nav: false,
            nav_order: 0,
            content_warning: String::new(),
            in_reply_to: String::new(),
            bookmark_of: String::new(),
            slug: String::new(),
            summary: String::new(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    /// The owner's input cannot be saved; the message says why and nothing was written.
    #[error("{0}")]
    Invalid(Refusal),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// Why the owner's input cannot be saved, and which of the composer's fields it is about (named
/// as the form names them), so that a form shown again can put the message beside it.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Refusal {
    pub field: Option<&'static str>,
    pub message: String,
}

impl Refusal {
    pub fn new(field: Option<&'static str>, message: impl Into<String>) -> Refusal {
        Refusal {
            field,
            message: message.into(),
        }
    }
}

fn refuse(field: &'static str, message: impl Into<String>) -> Result<(), Refusal> {
    Err(Refusal::new(Some(field), message))
}

/// Checks what can be checked without the database.
pub fn validate(c: &Compose, settings: &SiteSettings) -> Result<(), Refusal> {
    let title = c.title.trim();
    if title.chars().count() > MAX_TITLE_CHARS {
        return refuse(
            "title",
            format!("The title is too long ({MAX_TITLE_CHARS} characters at most)."),
        );
    }
    for (field, what, url) in [
        ("in_reply_to", "in reply to", &c.in_reply_to),
        ("bookmark_of", "bookmarked", &c.bookmark_of),
    ] {
        let url = url.trim();
        let web = url.starts_with("https://") || url.starts_with("http://");
        if !url.is_empty()
            && (!web || url.len() > MAX_URL_CHARS || url.contains(char::is_whitespace))
        {
            return refuse(
                field,
                format!("The address a post is {what} must be a web address (https://…)."),
            );
        }
    }
    if c.summary.trim().chars().count() > MAX_SUMMARY_CHARS {
        return refuse(
            "summary",
            format!("The summary is too long ({MAX_SUMMARY_CHARS} characters at most)."),
        );
    }
    if c.content_warning.trim().chars().count() > MAX_WARNING_CHARS {
        return refuse(
            "content_warning",
            format!("The content warning is too long ({MAX_WARNING_CHARS} characters at most)."),
        );
    }
    if c.markdown.len() > MAX_MARKDOWN_BYTES {
        return refuse("markdown", "The text is too long (1 MB at most).");
    }
    if c.kind == Kind::Page && title.is_empty() {
        return refuse("title", "A page needs a title.");
    }
    // A bookmark says what it is by its link: it needs no text of its own.
    if c.markdown.trim().is_empty()
        && c.photos.is_empty()
        && title.is_empty()
        && c.bookmark_of.is_empty()
    {
        return refuse(
            "markdown",
            "The post is empty: write something or add a photo.",
        );
    }
    if c.photos.len() > MAX_PHOTOS {
        return refuse(
            "photos",
            format!("A post can carry {MAX_PHOTOS} photos at most."),
        );
    }
    if c.photos
        .iter()
        .any(|(_, alt)| alt.chars().count() > MAX_ALT_CHARS)
    {
        return refuse(
            "photo_alt",
            format!("Alt text is limited to {MAX_ALT_CHARS} characters."),
        );
    }
    if settings.require_alt
        && c.action != Action::Draft
        && c.photos.iter().any(|(_, alt)| alt.trim().is_empty())
    {
        return refuse(
            "photo_alt",
            "Every photo needs alt text, describing it for people who cannot see it. \
                    (You can save a draft without it, or turn this check off in Settings.)",
        );
    }
    let categories = c.category_ids.len() + c.new_categories.len();
    if categories > MAX_CATEGORIES {
        return refuse(
            "new_categories",
            format!("A post can have {MAX_CATEGORIES} categories at most."),
        );
    }
    if c.new_categories
        .iter()
        .any(|n| n.chars().count() > MAX_CATEGORY_CHARS || permalink::slugify(n).is_empty())
    {
        return refuse(
            "new_categories",
            format!(
                "Category names need a letter or digit, and {MAX_CATEGORY_CHARS} characters at most."
            ),
        );
    }
    Ok(())
}

/// What a save did, for the redirect and message after it.
#[derive(Debug)]
pub struct Saved {
    pub id: PostId,
    pub kind: Kind,
    pub status: Status,
    pub path: Option<String>,
}

pub fn save(tx: &Connection, settings: &SiteSettings, c: &Compose) -> Result<Saved, SaveError> {
    write(tx, settings, c, true)
}

/// Saves as `save` does; a save that does not `announce` states no `PostChanged`, so that
/// nothing reacts to it (an import: no federation, no Webmention, no mail).
pub(super) fn write(
    tx: &Connection,
    settings: &SiteSettings,
    c: &Compose,
    announce: bool,
) -> Result<Saved, SaveError> {
    let tz = time::zone(&settings.timezone);
    let now = store::now();
    let existing = match c.id {
        Some(id) => Some(
            posts::by_id(tx, id)?
                .filter(|p| p.status != Status::Deleted)
                .ok_or_else(|| {
                    SaveError::Invalid(Refusal::new(None, "That post no longer exists."))
                })?,
        ),
        None => None,
    };
    let c = &Compose {
        // A post stays a post and a page a page: its URL's shape depends on it.
        kind: existing.as_ref().map_or(c.kind, |p| p.kind),
        photos: resolve_photos(tx, &c.photos)?,
        ..c.clone()
    };
    validate(c, settings).map_err(SaveError::Invalid)?;
    let kept_time = existing.as_ref().and_then(|p| p.published_at);
    // A post that has had a URL keeps the date in it, even when it is published again after
    // going back to draft; one that never had a URL is dated when it goes out.
    let was_public = existing.as_ref().is_some_and(|p| p.path.is_some());
    let (status, published_at) = match c.action {
        Action::Draft => (Status::Draft, kept_time),
        Action::Publish if was_public => (Status::Published, kept_time.or(Some(now))),
        Action::Publish => (Status::Published, Some(now)),
        Action::Schedule(at) if at > now => (Status::Scheduled, Some(at)),
        Action::Schedule(at) => (Status::Published, Some(at)),
    };

    let mut category_ids = c.category_ids.clone();
    for name in &c.new_categories {
        let name = name.trim();
        category_ids.push(taxonomy::ensure_category(
            tx,
            name,
            &permalink::slugify(name),
        )?);
    }
    category_ids.sort_unstable();
    category_ids.dedup();

    let html = markdown::to_html(&mentions::link(tx, &c.markdown)?);
    let title = Some(c.title.trim()).filter(|t| !t.is_empty());
    let found_topics = match c.kind {
        Kind::Post => topics::find(&c.markdown, &settings.topics),
        Kind::Page => Vec::new(),
    };
    let write = PostWrite {
        kind: c.kind,
        status,
        title,
        markdown: &c.markdown,
        html: &html,
        published_at,
        in_nav: c.in_nav,
        nav_order: c.nav_order,
        content_warning: c.content_warning.trim(),
        in_reply_to: c.in_reply_to.trim(),
        bookmark_of: c.bookmark_of.trim(),
        summary: c.summary.trim(),
        category_ids: &category_ids,
        photos: &c.photos,
        topics: &found_topics,
        search_text: &text::plain_text(&html),
    };
    let id = match &existing {
        Some(post) => {
            posts::update(tx, post.id, &write)?;
            post.id
        }
        None => posts::insert(tx, &write)?,
    };

    // A rescheduled or published post no longer needs its old publication job.
    let job = PublishPost { post_id: id };
    jobs::cancel(tx, &job)?;
    if status == Status::Scheduled {
        jobs::enqueue(tx, &job, published_at.unwrap_or(now))?;
    }

    let was_public = existing
        .as_ref()
        .is_some_and(|p| p.status == Status::Published);
    if announce {
        changed::record(tx, id, was_public, status == Status::Published)?;
    }

    let mut path = existing.as_ref().and_then(|p| p.path.clone());
    if status == Status::Published && path.is_none() {
        // An app's chosen slug names the permalink; else the title does.
        let name = Some(c.slug.trim()).filter(|s| !s.is_empty()).or(title);
        path = Some(assign_path(
            tx,
            id,
            c.kind,
            name,
            published_at.unwrap_or(now),
            tz,
        )?);
    }
    Ok(Saved {
        id,
        kind: c.kind,
        status,
        path,
    })
}

/// Category names (as apps send them) to the ids of existing categories, matched without regard
/// to case, and the names of new ones to make.
pub fn categories_by_name(names: &[String], known: &[Category]) -> (Vec<CategoryId>, Vec<String>) {
    let mut ids = Vec::new();
    let mut new = Vec::new();
    for name in names.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
        match known
            .iter()
            .find(|c| c.name.to_lowercase() == name.to_lowercase())
        {
            Some(c) => ids.push(c.id),
            None => new.push(name.to_string()),
        }
    }
    (ids, new)
}

/// Checks that every photo still exists, and gives a photo without alt text the alt text kept
/// for it in the media library, if any.
fn resolve_photos(
    tx: &Connection,
    photos: &[(MediaId, String)],
) -> Result<Vec<(MediaId, String)>, SaveError> {
    photos
        .iter()
        .map(|(id, alt)| {
            let media = media::by_id(tx, *id)?.ok_or_else(|| {
                SaveError::Invalid(Refusal::new(
                    Some("photos"),
                    "A photo of this post was deleted from the media library; remove it and try again.",
                ))
            })?;
            let alt = if alt.trim().is_empty() { media.alt } else { alt.clone() };
            Ok((*id, alt))
        })
        .collect()
}

/// Publishes a scheduled post whose time has come (the job queue calls this). A post that was
/// since edited back to a draft, rescheduled or deleted is left alone.
pub fn publish_due(
    tx: &Connection,
    settings: &SiteSettings,
    post_id: PostId,
) -> anyhow::Result<bool> {
    let Some(post) = posts::by_id(tx, post_id)? else {
        return Ok(false);
    };
    let due = post.published_at.is_some_and(|t| t <= store::now());
    if post.status != Status::Scheduled || !due {
        return Ok(false);
    }
    let compose = compose_from(
        &post,
        Action::Schedule(post.published_at.unwrap_or_default()),
    );
    // Alt text was checked when it was scheduled; the owner's settings may have changed since,
    // and a scheduled post must still go out on time.
    let mut lenient = settings.clone();
    lenient.require_alt = false;
    save(tx, &lenient, &compose).map_err(|e| anyhow::anyhow!("publish scheduled post: {e}"))?;
    Ok(true)
}

/// The Compose that would save `post` unchanged with another action.
pub fn compose_from(post: &Post, action: Action) -> Compose {
    Compose {
        id: Some(post.id),
        kind: post.kind,
        title: post.title.clone().unwrap_or_default(),
        markdown: post.markdown.clone(),
        category_ids: post.categories.iter().map(|c| c.id).collect(),
        new_categories: Vec::new(),
        photos: post
            .photos
            .iter()
            .map(|p| (p.media.id, p.alt.clone()))
            .collect(),
        action,
        in_nav: post.in_nav,
        nav_order: post.nav_order,
        content_warning: post.content_warning.clone(),
        in_reply_to: post.in_reply_to.clone(),
        bookmark_of: post.bookmark_of.clone(),
        slug: String::new(),
        summary: post.summary.clone(),
    }
}

fn assign_path(
    tx: &Connection,
    id: PostId,
    kind: Kind,
    title: Option<&str>,
    published_at: i64,
    tz: Tz,
) -> anyhow::Result<String> {
    let base = match kind {
        Kind::Post => permalink::post_path(title, published_at, tz),
        Kind::Page => permalink::page_path(title.unwrap_or("page")),
    };
    let path = permalink::unique(&base, |p| posts::path_taken(tx, p))?;
    posts::set_path(tx, id, &path).context("posts: assign permalink")?;
    Ok(path)
}
