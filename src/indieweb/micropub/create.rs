//! Micropub properties to a Porch post: the Compose the one save path takes, with photos
//! uploaded, fetched or found in the media library.

use chrono::DateTime;
use serde_json::Value;

use crate::app::App;
use crate::books::read_post;
use crate::config::BaseUrl;
use crate::forms::multipart::UploadedFile;
use crate::media::process::MAX_UPLOAD_BYTES;
use crate::media::upload;
use crate::posts::save::{self, Action, Compose};
use crate::store::ids::{MediaId, PostId};
use crate::store::posts::{self, Kind, Post, Status};
use crate::store::{media, settings::SiteSettings, taxonomy};

use super::invalid;
use super::request::{Props, first_text, text_of};
use crate::error::Failure;

/// What a Micropub create or update asks for, beyond the properties: the owner's rules decide
/// the rest.
pub struct Draft {
    pub compose: Compose,
    /// The properties Porch does not use, kept for the app (a JSON object).
    pub other_properties: String,
    /// Saved as a draft only because a photo lacks the alt text the owner's settings require:
    /// the answer is 202, and the post waits in the panel.
    pub deferred: bool,
    /// A new read post (`read-of`): the book to add or move, in the post's transaction.
    pub read: Option<read_post::Plan>,
}

/// Builds the Compose for `props` (a new post, or `existing` updated).
pub async fn compose(
    app: &App,
    settings: &SiteSettings,
    existing: Option<&Post>,
    props: &Props,
    commands: &Props,
    files: Vec<UploadedFile>,
    may_publish: bool,
) -> Result<Draft, Failure> {
    // Counted before anything is fetched or stored: a refused post leaves nothing behind.
    let photo_count = props.get("photo").map_or(0, Vec::len)
        + files
            .iter()
            .filter(|f| f.field.trim_end_matches("[]") == "photo")
            .count();
    if photo_count > save::MAX_PHOTOS {
        return Err(invalid(format!(
            "A post can carry {} photos at most.",
            save::MAX_PHOTOS
        )));
    }
    let status = first_text(props, "post-status");
    let action = match status.as_deref() {
        Some("draft") => Action::Draft,
        Some("published") | None => match first_text(props, "published") {
            Some(when) => Action::Schedule(parse_time(&when)?),
            // Without a word on its status, a post keeps the one it has.
            None if status.is_none() => match existing.map(|p| p.status) {
                Some(Status::Draft) => Action::Draft,
                Some(Status::Scheduled) => {
                    Action::Schedule(existing.and_then(|p| p.published_at).unwrap_or_default())
                }
                _ => Action::Publish,
            },
            None => Action::Publish,
        },
        Some(other) => {
            return Err(invalid(format!(
                "post-status must be published or draft, not {other}."
            )));
        }
    };
    // Publishing needs the create scope: a `draft` token makes drafts, and an `update` token
    // edits what is already public but cannot make a draft public.
    let already_public = existing.is_some_and(|p| p.status == Status::Published);
    let mut action = match (action, may_publish || already_public, existing) {
        (Action::Draft, _, _) | (_, true, _) => action,
        (_, false, None) => Action::Draft,
        (_, false, Some(_)) => {
            return Err(Failure::new(
                poem::http::StatusCode::UNAUTHORIZED,
                "Publishing a draft needs the create scope.",
            )
            .with_code("insufficient_scope"));
        }
    };
    let photos = photos(app, props, commands, files).await?;
    let missing_alt = photos.iter().any(|(_, alt)| alt.trim().is_empty());
    // Only a new post is held back: an update that dropped a public post to a draft would take
    // it off the site behind the app's back, so it is refused with the reason instead (by the
    // save path, as the composer's edits are).
    let deferred =
        existing.is_none() && settings.require_alt && missing_alt && action != Action::Draft;
    if deferred {
        action = Action::Draft;
    }
    let names: Vec<String> = props
        .get("category")
        .into_iter()
        .flatten()
        .filter_map(text_of)
        .collect();
    let known = app.db.read(taxonomy::categories).await?;
    let (category_ids, new_categories) = save::categories_by_name(&names, &known);
    // An update starts from the post as it is, so what Micropub does not speak of (a page's
    // place in the navigation, a content warning) is kept.
    let mut compose = match existing {
        Some(post) => save::compose_from(post, action),
        None => Compose::new(Kind::Post, action),
    };
    compose.title = first_text(props, "name").unwrap_or_default();
    compose.markdown = content(props);
    compose.category_ids = category_ids;
    compose.new_categories = new_categories;
    compose.photos = photos;
    compose.in_reply_to = first_text(props, "in-reply-to").unwrap_or_default();
    compose.bookmark_of = first_text(props, "bookmark-of").unwrap_or_default();
    compose.summary = first_text(props, "summary").unwrap_or_default();
    compose.slug = first_text(commands, "mp-slug").unwrap_or_default();
    // Only a new read post moves a book: an edit of one keeps its properties as they are.
    let read = match (existing, props.get("read-of").and_then(|v| v.first())) {
        (None, Some(read_of)) => {
            let status = first_text(props, "read-status");
            Some(read_post::plan(app, read_of, status.as_deref()).await?)
        }
        _ => None,
    };
    Ok(Draft {
        compose,
        deferred,
        other_properties: other_properties(props),
        read,
    })
}

/// The properties a post is made from; the others are kept as they came.
const USED: &[&str] = &[
    "content",
    "name",
    "category",
    "photo",
    "published",
    "post-status",
    "in-reply-to",
    "bookmark-of",
    "summary",
    "url",
];

fn other_properties(props: &Props) -> String {
    let others: serde_json::Map<String, Value> = props
        .iter()
        .filter(|(k, _)| !USED.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), Value::Array(v.clone())))
        .collect();
    Value::Object(others).to_string()
}

/// The post's text: plain content as it is (Markdown), HTML content as HTML (which Markdown
/// passes through, sanitized like everything the owner writes).
fn content(props: &Props) -> String {
    let Some(first) = props.get("content").and_then(|v| v.first()) else {
        return String::new();
    };
    match first {
        Value::String(s) => s.replace("\r\n", "\n"),
        Value::Object(o) => o
            .get("html")
            .or_else(|| o.get("value"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        _ => String::new(),
    }
}

fn parse_time(value: &str) -> Result<i64, Failure> {
    DateTime::parse_from_rfc3339(value.trim())
        .map(|t| t.timestamp())
        .map_err(|_| invalid(format!("published must be an ISO 8601 date, not {value}.")))
}

/// The post's photos as (media id, alt): files uploaded with the request, URLs of the media
/// library, and URLs elsewhere (fetched once, through the guarded client, into the library).
async fn photos(
    app: &App,
    props: &Props,
    commands: &Props,
    files: Vec<UploadedFile>,
) -> Result<Vec<(MediaId, String)>, Failure> {
    let alts: Vec<String> = commands
        .get("mp-photo-alt")
        .into_iter()
        .flatten()
        .filter_map(text_of)
        .collect();
    let mut out = Vec::new();
    for file in files
        .into_iter()
        .filter(|f| f.field.trim_end_matches("[]") == "photo")
    {
        let media = upload::accept_file(app, &file, "").await?;
        out.push((media.id, String::new()));
    }
    for value in props.get("photo").into_iter().flatten() {
        let (url, alt) = match value {
            Value::String(url) => (url.clone(), String::new()),
            Value::Object(o) => (
                o.get("value")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                o.get("alt")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
            ),
            _ => return Err(invalid("A photo must be a URL or {value, alt}.")),
        };
        let id = photo_by_url(app, &url).await?;
        out.push((id, alt));
    }
    for (i, alt) in alts.into_iter().enumerate() {
        if let Some(photo) = out.get_mut(i)
            && photo.1.is_empty()
        {
            photo.1 = alt;
        }
    }
    Ok(out)
}

async fn photo_by_url(app: &App, url: &str) -> Result<MediaId, Failure> {
    if let Some(hash) = own_media_hash(&app.config.base_url, url) {
        let found = app.db.read(move |c| media::by_hash(c, &hash)).await?;
        return found
            .map(|m| m.id)
            .ok_or_else(|| invalid(format!("{url} is not in the media library.")));
    }
    let fetched = app
        .http
        .fetch(url, "image/*", MAX_UPLOAD_BYTES as u64)
        .await
        .map_err(|e| invalid(format!("The photo {url} could not be fetched: {e}")))?;
    if fetched.status != 200 {
        return Err(invalid(format!(
            "The photo {url} could not be fetched (it answered {}).",
            fetched.status
        )));
    }
    let name = url.rsplit('/').next().unwrap_or("photo").to_string();
    let media = upload::accept(app, fetched.body, &name, "").await?;
    Ok(media.id)
}

/// The content hash in a URL of this site's media (`/uploads/<hash>[-<width>].<ext>`).
fn own_media_hash(base: &BaseUrl, url: &str) -> Option<String> {
    let name = url.strip_prefix(base.as_str())?.strip_prefix("/uploads/")?;
    let stem = name.split('.').next()?;
    let hash = stem.split('-').next()?;
    (hash.len() == 64 && hash.chars().all(|c| c.is_ascii_hexdigit())).then(|| hash.to_string())
}

/// The post a URL names: a permalink of this site, or the panel address given to drafts.
pub fn post_by_url(
    conn: &rusqlite::Connection,
    base: &BaseUrl,
    url: &str,
) -> anyhow::Result<Option<Post>> {
    let Some(path) = url.trim().strip_prefix(base.as_str()) else {
        return Ok(None);
    };
    if let Some(id) = path
        .strip_prefix("/admin/posts/")
        .and_then(|n| n.parse().ok().map(PostId))
    {
        return posts::by_id(conn, id);
    }
    posts::by_path(conn, path)
}

/// Where a post can be found: its permalink once published, else its page in the panel.
pub fn location(base: &BaseUrl, post: &Post) -> String {
    match (&post.path, post.status) {
        (Some(path), Status::Published | Status::Deleted) => base.join(path),
        _ => base.join(&format!("/admin/posts/{}", post.id)),
    }
}
