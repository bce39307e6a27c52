//! The composer: a new post or page (`/admin/new`), or an existing one (`/admin/posts/<id>`).
//! The same form serves both, and is shown again with the owner's input and a message when a
//! save is refused.

use crate::ctx;
use poem::web::{Data, Path, Query};
use poem::{Response, handler};
use serde::{Deserialize, Serialize};

use super::FieldError;
use crate::app::App;
use crate::auth::Admin;
use crate::error::{Failure, Result};
use crate::media::files;
use crate::posts::save::{Action, Compose, MAX_ALT_CHARS};
use crate::render::{markdown, time};
use crate::store::ids::{CategoryId, HighlightId, MediaId, PostId};
use crate::store::posts::{self, Kind, Status};
use crate::store::{highlights, media, taxonomy, webmentions};

#[derive(Deserialize)]
pub struct NewQuery {
    kind: Option<String>,
    done: Option<String>,
    /// A media library item to start the post with ("New post with this photo").
    photo: Option<MediaId>,
    /// A bookmark's highlight to start the post with ("New post from highlight").
    highlight: Option<HighlightId>,
}

#[derive(Serialize)]
struct CategoryChoice {
    id: CategoryId,
    name: String,
    checked: bool,
}

/// A Webmention sent for one of the post's links, as its edit screen lists it.
#[derive(Serialize)]
struct SentView {
    target: String,
    status: String,
    detail: String,
    when: String,
}

#[derive(Serialize)]
struct PhotoField {
    id: MediaId,
    thumb: String,
    alt: String,
    /// Its alt text is what a refusal is about (missing, or too long).
    invalid: bool,
    /// The first such photo's alt text field takes the focus.
    focus: bool,
}

/// Everything the composer form shows.
#[derive(Serialize)]
struct FormView {
    id: Option<PostId>,
    kind: &'static str,
    title: String,
    markdown: String,
    status: &'static str,
    url: Option<String>,
    publish_at: String,
    photos: Vec<PhotoField>,
    categories: Vec<CategoryChoice>,
    new_categories: String,
    in_nav: bool,
    nav_order: i64,
    content_warning: String,
    in_reply_to: String,
    bookmark_of: String,
    summary: String,
    scheduling: bool,
    /// When the post was last saved (Unix seconds; 0 for a new one): a copy of the text the
    /// browser kept from before then is not offered.
    updated_at: i64,
}

#[handler]
pub async fn new(
    Data(app): Data<&App>,
    admin: Admin,
    Query(q): Query<NewQuery>,
) -> Result<Response> {
    let kind = match q.kind.as_deref() {
        Some("page") => Kind::Page,
        _ => Kind::Post,
    };
    let markdown = match q.highlight {
        Some(id) => app
            .db
            .read(move |c| highlights::by_id(c, id))
            .await?
            .map(|h| quoting(&h))
            .unwrap_or_default(),
        None => String::new(),
    };
    let compose = Compose {
        markdown,
        photos: q.photo.map(|id| (id, String::new())).into_iter().collect(),
        // A new page joins the navigation only when the owner says so.
        in_nav: false,
        ..Compose::new(kind, Action::Publish)
    };
    show(app, &admin, &compose, None, None, q.done.as_deref()).await
}

/// A post that quotes a highlight: a link to the page it is from, then the passage.
fn quoting(h: &highlights::Highlight) -> String {
    let title = if h.title.trim().is_empty() {
        crate::urls::host(&h.url).unwrap_or_else(|| h.url.clone())
    } else {
        h.title.clone()
    };
    let quote: Vec<String> = h
        .anchor
        .quote
        .trim()
        .lines()
        .map(|line| format!("> {}", line.trim_end()).trim_end().to_string())
        .collect();
    format!(
        "[{}](<{}>)\n\n{}\n\n",
        markdown::bracket_text(&title),
        h.url.replace('>', "%3E"),
        quote.join("\n")
    )
}

#[handler]
pub async fn edit(
    Data(app): Data<&App>,
    admin: Admin,
    Path(id): Path<PostId>,
    Query(q): Query<NewQuery>,
) -> Result<Response> {
    let post = app
        .db
        .read(move |c| posts::by_id(c, id))
        .await?
        .filter(|p| p.status != Status::Deleted)
        .ok_or(Failure::not_found())?;
    let action = match post.status {
        Status::Draft => Action::Draft,
        Status::Scheduled => Action::Schedule(post.published_at.unwrap_or_default()),
        _ => Action::Publish,
    };
    let compose = crate::posts::save::compose_from(&post, action);
    show(
        app,
        &admin,
        &compose,
        Some(post.status),
        None,
        q.done.as_deref(),
    )
    .await
}

/// Micro.blog's length for a short post, past which the counter suggests a title.
const SHORT_POST_CHARS: usize = 300;

/// Renders the composer for `c`; `error` is the reason a save was refused, if it was.
pub async fn show(
    app: &App,
    admin: &Admin,
    c: &Compose,
    status: Option<Status>,
    error: Option<FieldError>,
    done: Option<&str>,
) -> Result<Response> {
    let settings = app.settings().await?;
    let tz = time::zone(&settings.timezone);
    let alt_refused = error.as_ref().is_some_and(|e| e.field == Some("photo_alt"));
    let (all_categories, mut photos, path, sent, published_at, updated_at) = {
        let ids: Vec<(MediaId, String)> = c.photos.clone();
        let id = c.id;
        app.db
            .read(move |conn| {
                let cats = taxonomy::categories(conn)?;
                let mut photos = Vec::new();
                for (media_id, alt) in ids {
                    if let Some(m) = media::by_id(conn, media_id)? {
                        let alt = if alt.is_empty() { m.alt.clone() } else { alt };
                        photos.push(PhotoField {
                            id: m.id,
                            thumb: files::fitting(&m, 480),
                            invalid: alt_refused
                                && (alt.trim().is_empty() || alt.chars().count() > MAX_ALT_CHARS),
                            focus: false,
                            alt,
                        });
                    }
                }
                let post = match id {
                    Some(id) => posts::by_id(conn, id)?,
                    None => None,
                };
                let published_at = post.as_ref().and_then(|p| p.published_at);
                let updated_at = post.as_ref().map_or(0, |p| p.updated_at);
                let path = post.and_then(|p| p.path);
                let sent = match id {
                    Some(id) => webmentions::sent_for(conn, id)?,
                    None => Vec::new(),
                };
                Ok((cats, photos, path, sent, published_at, updated_at))
            })
            .await?
    };
    if let Some(first) = photos.iter_mut().find(|p| p.invalid) {
        first.focus = true;
    }
    let view = FormView {
        updated_at,
        id: c.id,
        kind: c.kind.as_str(),
        title: c.title.clone(),
        markdown: c.markdown.clone(),
        status: status.map(Status::as_str).unwrap_or("new"),
        url: path
            .filter(|_| status == Some(Status::Published))
            .map(|p| app.config.base_url.join(&p)),
        publish_at: match c.action {
            Action::Schedule(at) => time::input_value(at, tz),
            _ => String::new(),
        },
        // A schedule refused for its date is still the owner's choice.
        scheduling: matches!(c.action, Action::Schedule(_))
            || error
                .as_ref()
                .is_some_and(|e| e.field == Some("publish_at")),
        photos,
        categories: all_categories
            .into_iter()
            .map(|cat| CategoryChoice {
                checked: c.category_ids.contains(&cat.id),
                id: cat.id,
                name: cat.name,
            })
            .collect(),
        new_categories: c.new_categories.join(", "),
        in_nav: c.in_nav,
        nav_order: c.nav_order,
        content_warning: c.content_warning.clone(),
        in_reply_to: c.in_reply_to.clone(),
        bookmark_of: c.bookmark_of.clone(),
        summary: c.summary.clone(),
    };
    // What the primary button does, named so.
    let post_label = match (status, c.kind) {
        (Some(Status::Published), _) => "Update",
        (_, Kind::Page) => "Publish",
        _ => "Post",
    };
    // "More" is open when anything folded in it has a value or is what a refusal is about.
    let folded_error = error
        .as_ref()
        .and_then(|e| e.field)
        // (the text, the photos and a page's title are outside it)
        .is_some_and(|f| {
            !(matches!(f, "markdown" | "photos" | "photo_alt")
                || f == "title" && c.kind == Kind::Page)
        });
    let more_open = folded_error
        || view.scheduling
        || c.kind == Kind::Post
            && [
                &view.title,
                &view.content_warning,
                &view.summary,
                &view.in_reply_to,
                &view.bookmark_of,
                &view.new_categories,
            ]
            .iter()
            .any(|v| !v.trim().is_empty())
        || c.kind == Kind::Post && view.categories.iter().any(|c| c.checked)
        || c.kind == Kind::Page && view.in_nav;
    let webmentions: Vec<SentView> = sent
        .into_iter()
        .map(|s| SentView {
            when: time::panel(s.sent_at, tz),
            target: s.target,
            status: s.status,
            detail: s.detail,
        })
        .collect();
    let active = if c.kind == Kind::Page { "pages" } else { "new" };
    // A post scheduled for a time already past was published at once, dated then: say so.
    let notice = match (done, published_at) {
        (Some("backdated"), Some(at)) => {
            Some(format!("Published, dated {}.", time::display_date(at, tz)).into())
        }
        _ => super::notice(done).map(|n| n.to_string().into()),
    };
    super::render_noted(
        app,
        admin,
        "compose.html",
        active,
        notice,
        ctx! {
            post => view,
            error,
            require_alt => settings.require_alt,
            timezone => settings.timezone.clone(),
            webmentions,
            post_label,
            more_open,
            short_limit => SHORT_POST_CHARS,
            federate_articles => settings.federate_articles,
        },
    )
    .await
}
