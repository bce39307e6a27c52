//! The timeline (`/admin/timeline`): posts of followed accounts, newest first, optionally those
//! with one emoji topic, each with a reply box. No boosts or favourites: reply instead.

use crate::ctx;
use poem::web::{Data, Path, Query, Redirect};
use poem::{IntoResponse, Response, handler};
use serde::{Deserialize, Serialize};

use crate::activitypub::following::{self, ReplyError};
use crate::app::App;
use crate::auth::Admin;
use crate::auth::csrf::AdminForm;
use crate::bookmarks::save::{self, Link};
use crate::error::{Failure, Result};
use crate::paging::Page;
use crate::render::time;
use crate::store::bookmarks::Archive;
use crate::store::ids::RemotePostId;
use crate::store::remote_posts::{self, RemotePost};

const PER_PAGE: u32 = 40;

#[derive(Deserialize)]
pub struct TimelineQuery {
    topic: Option<String>,
    page: Option<u32>,
    done: Option<String>,
}

#[derive(Serialize)]
pub struct RemoteView {
    pub post: RemotePost,
    pub when: String,
}

#[handler]
pub async fn index(
    Data(app): Data<&App>,
    admin: Admin,
    Query(q): Query<TimelineQuery>,
) -> Result<Response> {
    let settings = app.settings().await?;
    let tz = time::zone(&settings.timezone);
    let topic = q
        .topic
        .as_deref()
        .and_then(|slug| settings.topics.iter().find(|t| t.slug == slug))
        .cloned();
    let page = Page::new(q.page, PER_PAGE);
    let emoji = topic.as_ref().map(|t| t.emoji.clone());
    let (limit, offset) = (page.fetch(), page.offset());
    let posts = app
        .db
        .read(move |c| remote_posts::timeline(c, emoji.as_deref(), limit, offset))
        .await?;
    let (posts, prev, next) = page.split(posts);
    let posts: Vec<RemoteView> = posts
        .into_iter()
        .map(|post| RemoteView {
            when: time::display_date(post.published_at, tz),
            post,
        })
        .collect();
    let topics = settings.topics.clone();
    super::render(
        app,
        &admin,
        "timeline.html",
        "timeline",
        q.done.as_deref(),
        ctx! { posts, topics, topic, prev, next },
    )
    .await
}

#[derive(Deserialize)]
pub struct BookmarkForm {
    #[serde(default)]
    back: String,
}

/// POST /admin/timeline/<id>/bookmark: a post from elsewhere saved to the private bookmarks,
/// with its text as the kept copy (Micro.blog's favourites are bookmarks). Nothing is sent to
/// its author.
#[handler]
pub async fn bookmark(
    Data(app): Data<&App>,
    Path(id): Path<RemotePostId>,
    f: AdminForm<BookmarkForm>,
) -> Result<Response> {
    let post = app
        .db
        .read(move |c| remote_posts::by_id(c, id))
        .await?
        .ok_or(Failure::not_found())?;
    let url = if post.url.is_empty() {
        post.uri.clone()
    } else {
        post.url.clone()
    };
    let who = post.actor.display_name().to_string();
    let text = crate::render::text::plain_text(&post.content_html);
    let link = Link {
        url,
        title: format!(
            "{who}: {}",
            crate::render::text::summarize(&post.content_html)
        ),
        source: "timeline",
        ..Link::default()
    };
    let (key, tags) = save::check(&link).map_err(|(_, message)| Failure::bad_request(message))?;
    let copy = Archive {
        article_title: link.title.clone(),
        author: who,
        site_name: post
            .actor
            .handle
            .split_once('@')
            .map(|(_, d)| d.to_string())
            .unwrap_or_default(),
        published: chrono::DateTime::from_timestamp(post.published_at, 0)
            .map(|t| t.to_rfc3339())
            .unwrap_or_default(),
        lead_image: String::new(),
        // Sanitized when it was received.
        html: post.content_html.clone(),
        text,
    };
    app.db
        .write(move |tx| save::save_with_copy(tx, &link, key, tags, &copy))
        .await?;
    let back = match f.form.back.as_str() {
        "notifications" => "/admin/notifications",
        "moderation" => "/admin/moderation",
        _ => "/admin/timeline",
    };
    Ok(Redirect::see_other(format!("{back}?done=bookmarked_post#r{id}")).into_response())
}

/// The post a refused reply answers, its reply box open with the text typed and the reason.
async fn refused(app: &App, f: &AdminForm<ReplyForm>, error: String) -> Result<Response> {
    let id = f.form.remote_post_id;
    let post = app
        .db
        .read(move |c| remote_posts::by_id(c, id))
        .await?
        .ok_or_else(|| Failure::bad_request(error.clone()))?;
    let tz = time::zone(&app.settings().await?.timezone);
    let r = RemoteView {
        when: time::display_date(post.published_at, tz),
        post,
    };
    let back = match f.form.back.as_str() {
        "moderation" | "notifications" => f.form.back.clone(),
        _ => "timeline".to_string(),
    };
    let mut page = super::render(
        app,
        &f.admin,
        "reply_refused.html",
        "timeline",
        None,
        ctx! { r, typed => f.form.text.clone(), error, back },
    )
    .await?;
    page.set_status(poem::http::StatusCode::UNPROCESSABLE_ENTITY);
    Ok(page)
}

#[derive(Deserialize)]
pub struct ReplyForm {
    remote_post_id: RemotePostId,
    text: String,
    #[serde(default)]
    back: String,
}

#[handler]
pub async fn reply(Data(app): Data<&App>, f: AdminForm<ReplyForm>) -> Result<Response> {
    match following::reply(app, f.form.remote_post_id, &f.form.text).await {
        Ok(_) => {
            // Back to the screen the reply was written on; only known admin screens.
            let back = match f.form.back.as_str() {
                "moderation" => "/admin/moderation?done=replied",
                "notifications" => "/admin/notifications?done=replied",
                _ => "/admin/timeline?done=replied",
            };
            Ok(Redirect::see_other(back).into_response())
        }
        // The reply as typed, beside the post it answers, with the reason.
        Err(ReplyError::Invalid(message)) => refused(app, &f, message).await,
        Err(ReplyError::Internal(e)) => Err(Failure::internal(e)),
    }
}
