//! Posts and pages: `metaWeblog.newPost` / `editPost` / `getPost` / `getRecentPosts`,
//! `blogger.deletePost`, and `wp.newPage` / `editPage` / `getPage` / `getPages` /
//! `deletePage`. Every change goes through the one save (or delete) path, so that permalinks,
//! scheduling and federation behave exactly as in the admin panel.

use chrono_tz::Tz;
use dxr::Value;
use rusqlite::Connection;

use crate::app::App;
// Reading posts (drafts among them) needs a token that may post, as with Micropub's q=source.
use crate::auth::tokens::READ_SCOPES;
use crate::posts::delete as removal;
use crate::posts::publish;
use crate::posts::save::{self, Compose, Saved};
use crate::render::time;
use crate::store::ids::PostId;
use crate::store::posts::{self as store, Kind, Post, Status};
use crate::store::taxonomy::{self, Category};

use super::Caller;
use super::fields::{compose, read_fields};
use super::structs::Site;
use super::values::{Params, Struct, text};
use super::wire::Fault;

/// Posts listed when the app does not say, and at most: MarsEdit asks for 50 by default, and a
/// thousand posts with their text is already megabytes of XML.
const DEFAULT_LIST: i64 = 10;
const MAX_LIST: i64 = 1000;
const LISTED: [Status; 3] = [Status::Draft, Status::Scheduled, Status::Published];

/// `metaWeblog.newPost(blogid, username, password, struct, publish)`, and `wp.newPage` with the
/// same parameters. Answers the new id.
pub async fn create(app: &App, caller: Caller, p: Params, kind: Kind) -> Result<Value, Fault> {
    let fields = read_fields(p.structure(3)?, kind, zone(app).await?)?;
    let publish = fields.publish.or(p.boolean(4)?);
    // WordPress's rule: a post not asked to be published is a draft.
    let scopes: &[&str] = if publish == Some(true) {
        &["create"]
    } else {
        &["create", "draft"]
    };
    caller.require(scopes)?;
    let now = crate::store::now();
    let saved = save_with(app, None, None, fields.text(), move |existing, known| {
        Ok(compose(existing, kind, &fields, publish, known, now))
    })
    .await?;
    Ok(text(&saved.id.to_string()))
}

/// `metaWeblog.editPost(postid, username, password, struct, publish)`: the members sent change,
/// the rest stays. An unknown id is a fault, never a new post.
pub async fn edit(app: &App, caller: Caller, p: Params) -> Result<Value, Fault> {
    let id = p.id(0)?;
    update(app, &caller, id, None, p.structure(3)?, p.boolean(4)?).await
}

/// `wp.editPage(blogid, page_id, username, password, struct, publish)`.
pub async fn edit_page(app: &App, caller: Caller, p: Params) -> Result<Value, Fault> {
    let id = p.id(1)?;
    let publish = p.boolean(5)?;
    update(app, &caller, id, Some(Kind::Page), p.structure(4)?, publish).await
}

async fn update(
    app: &App,
    caller: &Caller,
    id: PostId,
    kind: Option<Kind>,
    s: &Struct,
    publish: Option<bool>,
) -> Result<Value, Fault> {
    caller.require(&["update"])?;
    let expected = kind.unwrap_or(Kind::Post);
    let fields = read_fields(s, expected, zone(app).await?)?;
    let publish = fields.publish.or(publish);
    let now = crate::store::now();
    // Making a draft public needs the create scope, as with Micropub: an `update` token edits
    // what is public, a `draft` token writes drafts.
    let may_publish = caller.require(&["create"]).is_ok();
    save_with(
        app,
        Some(id),
        kind,
        fields.text(),
        move |existing, known| {
            let compose = compose(existing, expected, &fields, publish, known, now);
            let was_public = existing.is_some_and(|p| p.status == Status::Published);
            if !may_publish && !was_public && compose.action != save::Action::Draft {
                return Err(Fault::not_allowed(
                    "Sorry, publishing a draft needs the create scope.",
                ));
            }
            Ok(compose)
        },
    )
    .await?;
    Ok(Value::Boolean(true))
}

/// `metaWeblog.getPost(postid, username, password)`.
pub async fn get(app: &App, caller: Caller, p: Params) -> Result<Value, Fault> {
    let id = p.id(0)?;
    caller.require(READ_SCOPES)?;
    let site = Site::load(app, caller).await?;
    let post = app.db.read(move |c| live(c, id, None)).await?;
    Ok(site.post(&post.ok_or_else(|| not_found(None))?))
}

/// `wp.getPage(blogid, page_id, username, password)`.
pub async fn page(app: &App, caller: Caller, p: Params) -> Result<Value, Fault> {
    let id = p.id(1)?;
    caller.require(READ_SCOPES)?;
    let site = Site::load(app, caller).await?;
    let page = app.db.read(move |c| live(c, id, Some(Kind::Page))).await?;
    Ok(site.page(&page.ok_or_else(|| not_found(Some(Kind::Page)))?))
}

/// `metaWeblog.getRecentPosts(blogid, username, password, numberOfPosts)`: posts in any state,
/// newest first.
pub async fn recent(app: &App, caller: Caller, p: Params) -> Result<Value, Fault> {
    list(app, caller, p, Kind::Post).await
}

/// `wp.getPages(blogid, username, password, num_pages)`.
pub async fn pages(app: &App, caller: Caller, p: Params) -> Result<Value, Fault> {
    list(app, caller, p, Kind::Page).await
}

async fn list(app: &App, caller: Caller, p: Params, kind: Kind) -> Result<Value, Fault> {
    caller.require(READ_SCOPES)?;
    let n = p.int_or(3, DEFAULT_LIST)?.clamp(1, MAX_LIST) as u32;
    let site = Site::load(app, caller).await?;
    let posts = app
        .db
        .read(move |c| store::for_admin(c, kind, &LISTED, n, 0))
        .await?;
    Ok(Value::Array(
        posts
            .iter()
            .map(|p| match kind {
                Kind::Post => site.post(p),
                Kind::Page => site.page(p),
            })
            .collect(),
    ))
}

/// `blogger.deletePost(appkey, postid, username, password, publish)`: a published post's URL
/// answers 410 Gone after, and followers are told.
pub async fn delete(app: &App, caller: Caller, p: Params) -> Result<Value, Fault> {
    let id = p.id(1)?;
    remove(app, &caller, id, None).await
}

/// `wp.deletePage(blogid, username, password, page_id)`.
pub async fn delete_page(app: &App, caller: Caller, p: Params) -> Result<Value, Fault> {
    let id = p.id(3)?;
    remove(app, &caller, id, Some(Kind::Page)).await
}

async fn remove(
    app: &App,
    caller: &Caller,
    id: PostId,
    kind: Option<Kind>,
) -> Result<Value, Fault> {
    caller.require(&["delete"])?;
    let deleted = app
        .db
        .write(move |tx| {
            if live(tx, id, kind)?.is_none() {
                return Ok(false);
            }
            Ok(removal::delete(tx, id)?.is_some())
        })
        .await?;
    if !deleted {
        return Err(not_found(kind));
    }
    Ok(Value::Boolean(true))
}

/// The post or page `id` unless it was deleted, or is not of `kind` when one is asked for.
pub(super) fn live(
    conn: &Connection,
    id: PostId,
    kind: Option<Kind>,
) -> anyhow::Result<Option<Post>> {
    Ok(store::by_id(conn, id)?
        .filter(|p| p.status != Status::Deleted && kind.is_none_or(|k| k == p.kind)))
}

pub(super) fn not_found(kind: Option<Kind>) -> Fault {
    Fault::not_found(match kind {
        Some(Kind::Page) => "Sorry, no such page.",
        _ => "Invalid post ID.",
    })
}

/// Saves through the one publish path. The post `id` (of `kind`, if given) is read in the same
/// transaction, and `build` makes the Compose from it and the categories there are.
pub(super) async fn save_with<F>(
    app: &App,
    id: Option<PostId>,
    kind: Option<Kind>,
    text: Option<String>,
    build: F,
) -> Result<Saved, Fault>
where
    F: FnOnce(Option<&Post>, &[Category]) -> Result<Compose, Fault> + Send + 'static,
{
    let build = move |tx: &Connection| {
        let existing = match id {
            Some(id) => Some(live(tx, id, kind)?.ok_or_else(|| not_found(kind))?),
            None => None,
        };
        Ok(build(existing.as_ref(), &taxonomy::categories(tx)?)?)
    };
    Ok(publish::publish_with(app, text, build, |_, _| Ok(())).await?)
}

pub(super) async fn zone(app: &App) -> Result<Tz, Fault> {
    Ok(time::zone(&app.settings().await?.timezone))
}
