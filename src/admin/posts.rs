//! The lists of posts (`/admin`), drafts and scheduled posts (`/admin/drafts`) and pages
//! (`/admin/pages`), each with links to edit and buttons to delete.

use crate::ctx;
use poem::web::{Data, Query};
use poem::{Response, handler};
use serde::{Deserialize, Serialize};

use crate::app::App;
use crate::auth::Admin;
use crate::error::Result;
use crate::paging::Page;
use crate::render::time;
use crate::store::ids::PostId;
use crate::store::posts::{self, Kind, Post, Status};

const PER_PAGE: u32 = 50;

#[derive(Deserialize)]
pub struct ListQuery {
    page: Option<u32>,
    done: Option<String>,
    /// The post just published, which the notice links to.
    post: Option<PostId>,
}

#[derive(Serialize)]
struct Row {
    id: PostId,
    title: String,
    status: &'static str,
    when: String,
    url: Option<String>,
    categories: Vec<String>,
    photos: usize,
}

fn row(app: &App, post: &Post, tz: chrono_tz::Tz) -> Row {
    Row {
        id: post.id,
        title: post
            .title
            .clone()
            .unwrap_or_else(|| crate::render::text::summarize(&post.html)),
        status: post.status.as_str(),
        when: time::panel(post.published_at.unwrap_or(post.updated_at), tz),
        url: post
            .path
            .as_ref()
            .filter(|_| post.status == Status::Published)
            .map(|p| app.config.base_url.join(p)),
        categories: post.categories.iter().map(|c| c.name.clone()).collect(),
        photos: post.photos.len(),
    }
}

async fn list(
    app: &App,
    admin: &Admin,
    q: ListQuery,
    kind: Kind,
    statuses: &'static [Status],
    active: &str,
    heading: &str,
) -> Result<Response> {
    let settings = app.settings().await?;
    let tz = time::zone(&settings.timezone);
    let page = Page::new(q.page, PER_PAGE);
    let found = app
        .db
        .read(move |c| posts::for_admin(c, kind, statuses, page.fetch(), page.offset()))
        .await?;
    let (found, prev, next) = page.split(found);
    let rows: Vec<Row> = found.iter().map(|p| row(app, p, tz)).collect();
    let mut notice = super::notice(q.done.as_deref()).map(|n| super::Notice::from(n.to_string()));
    if let (Some(notice), Some(id)) = (notice.as_mut(), q.post) {
        let post = app.db.read(move |c| posts::by_id(c, id)).await?;
        notice.link = post
            .filter(|p| p.status == Status::Published)
            .and_then(|p| p.path.map(|path| app.config.base_url.join(&path)));
    }
    // The first screen greets a new owner with what is left to make the site theirs.
    let welcome = if active == "posts" {
        super::welcome::checklist(app).await?
    } else {
        Vec::new()
    };
    super::render_noted(
        app,
        admin,
        "posts.html",
        active,
        notice,
        ctx! {
            welcome,
            heading,
            rows,
            kind => kind.as_str(),
            prev,
            next,
        },
    )
    .await
}

#[handler]
pub async fn published(
    Data(app): Data<&App>,
    admin: Admin,
    Query(q): Query<ListQuery>,
) -> Result<Response> {
    list(
        app,
        &admin,
        q,
        Kind::Post,
        &[Status::Published],
        "posts",
        "Posts",
    )
    .await
}

#[handler]
pub async fn drafts(
    Data(app): Data<&App>,
    admin: Admin,
    Query(q): Query<ListQuery>,
) -> Result<Response> {
    list(
        app,
        &admin,
        q,
        Kind::Post,
        &[Status::Scheduled, Status::Draft],
        "drafts",
        "Drafts and scheduled posts",
    )
    .await
}

#[handler]
pub async fn pages(
    Data(app): Data<&App>,
    admin: Admin,
    Query(q): Query<ListQuery>,
) -> Result<Response> {
    list(
        app,
        &admin,
        q,
        Kind::Page,
        &[Status::Published, Status::Scheduled, Status::Draft],
        "pages",
        "Pages",
    )
    .await
}
