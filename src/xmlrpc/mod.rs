//! The XML-RPC blogging APIs MarsEdit speaks — Blogger, MetaWeblog, MovableType and
//! WordPress's pages — at `POST /xmlrpc`, found through RSD (`/rsd.xml`). Porch has one blog
//! (blog id 1; the id sent is ignored). The password is an app token, never the admin
//! password, and its scopes decide what a call may do, as for Micropub.
//!
//! Shapes follow WordPress, which every client is tested against: ids are strings, dates carry
//! no zone (`dateCreated` in the site's, `date_created_gmt` in UTC), `description` is the
//! Markdown the owner wrote and `mt_text_more` what follows a `<!--more-->`. Faults use
//! WordPress's codes for refusals (403 login, 401 not allowed, 404 no such post, 400 content
//! that cannot be saved) and the interoperability codes (-32700 and on) for protocol errors.

mod categories;
mod fields;
mod media;
mod posts;
pub mod rsd;
mod structs;
mod values;
pub mod wire;

use std::ops::RangeInclusive;

use poem::web::Data;
use poem::{Body, Request, Response, handler};

use crate::app::App;
use crate::auth::tokens;
use crate::store::owner::{self, Owner};
use crate::store::posts::Kind;
use crate::store::tokens::AppToken;

use values::{Params, text};
use wire::Fault;

/// Every method answered: its name, where its username is among its parameters (the password
/// follows it) if it needs a login, and how many parameters it takes. The username comes
/// second in most, first in WordPress's blog list, third where an app key or a blog and a page
/// id come first.
const METHODS: &[(&str, Option<usize>, RangeInclusive<usize>)] = &[
    ("blogger.getUsersBlogs", Some(1), 3..=3),
    ("blogger.deletePost", Some(2), 4..=5),
    ("metaWeblog.getUsersBlogs", Some(1), 3..=3),
    ("metaWeblog.newPost", Some(1), 4..=5),
    ("metaWeblog.editPost", Some(1), 4..=5),
    ("metaWeblog.getPost", Some(1), 3..=3),
    ("metaWeblog.getRecentPosts", Some(1), 3..=4),
    ("metaWeblog.deletePost", Some(2), 4..=5),
    ("metaWeblog.getCategories", Some(1), 3..=3),
    ("metaWeblog.newMediaObject", Some(1), 4..=4),
    ("mt.getCategoryList", Some(1), 3..=3),
    ("mt.getPostCategories", Some(1), 3..=3),
    ("mt.setPostCategories", Some(1), 4..=4),
    ("mt.supportedMethods", None, 0..=0),
    ("mt.supportedTextFilters", None, 0..=0),
    ("wp.getUsersBlogs", Some(0), 2..=2),
    ("wp.getCategories", Some(1), 3..=3),
    ("wp.uploadFile", Some(1), 4..=4),
    ("wp.getPages", Some(1), 3..=4),
    ("wp.getPage", Some(2), 4..=4),
    ("wp.newPage", Some(1), 4..=5),
    ("wp.editPage", Some(2), 5..=6),
    ("wp.deletePage", Some(1), 4..=4),
    ("system.listMethods", None, 0..=0),
];

/// A method's login position and parameter count; an unknown method is a fault.
fn method(name: &str) -> Result<(Option<usize>, &'static RangeInclusive<usize>), Fault> {
    METHODS
        .iter()
        .find(|(n, ..)| *n == name)
        .map(|(_, login_at, count)| (*login_at, count))
        .ok_or_else(|| Fault::unknown_method(name))
}

/// `POST /xmlrpc`: one method call, answered with its value or a fault.
#[handler]
pub async fn endpoint(Data(app): Data<&App>, req: &Request, body: Body) -> Response {
    wire::respond(answer(app, req, body).await)
}

/// Reads a call. A small one is parsed whole; a large one (an upload: 36 MB of XML at most) is
/// written to disk and only its start is read at first, where the username and password are:
/// it is parsed whole only if they are the owner's. A stranger's upload costs a temporary
/// file and a few kilobytes read, never tens of megabytes of memory.
async fn answer(app: &App, req: &Request, body: Body) -> Result<dxr::Value, Fault> {
    let slot = app.large_bodies.enter(req).await.map_err(Fault::body)?;
    let body = wire::receive(req, body, &app.config.tmp_dir()).await?;
    let body = if body.len() > wire::MAX_UNCHECKED_BYTES {
        let (body, head) = wire::read_head(body).await?;
        let Some(at) = method(&head.name)?.0 else {
            return Err(Fault::params("This method takes no parameters."));
        };
        let head = Params::new(head.params);
        if head.string(at).is_err() || head.string(at + 1).is_err() {
            return Err(Fault::params(
                "The username and password must come before the rest of a large call.",
            ));
        }
        login(app, &head, at).await?;
        body
    } else {
        body
    };
    drop(slot);
    let call = wire::read_call(body).await?;
    tracing::debug!(method = call.name, "xmlrpc call");
    let (login_at, count) = method(&call.name)?;
    let p = Params::new(call.params);
    p.count(*count.start(), *count.end())?;
    match login_at {
        Some(at) => {
            let caller = login(app, &p, at).await?;
            dispatch(app, caller, &call.name, p).await
        }
        None => Ok(unauthenticated(&call.name)),
    }
}

async fn dispatch(app: &App, caller: Caller, method: &str, p: Params) -> Result<dxr::Value, Fault> {
    match method {
        "blogger.getUsersBlogs" | "metaWeblog.getUsersBlogs" | "wp.getUsersBlogs" => {
            users_blogs(app).await
        }
        "metaWeblog.getRecentPosts" => posts::recent(app, caller, p).await,
        "metaWeblog.getPost" => posts::get(app, caller, p).await,
        "metaWeblog.newPost" => posts::create(app, caller, p, Kind::Post).await,
        "metaWeblog.editPost" => posts::edit(app, caller, p).await,
        "blogger.deletePost" | "metaWeblog.deletePost" => posts::delete(app, caller, p).await,
        "wp.getPages" => posts::pages(app, caller, p).await,
        "wp.getPage" => posts::page(app, caller, p).await,
        "wp.newPage" => posts::create(app, caller, p, Kind::Page).await,
        "wp.editPage" => posts::edit_page(app, caller, p).await,
        "wp.deletePage" => posts::delete_page(app, caller, p).await,
        "metaWeblog.getCategories" | "wp.getCategories" => categories::all(app, caller).await,
        "mt.getCategoryList" => categories::list(app, caller).await,
        "mt.getPostCategories" => categories::of_post(app, caller, p).await,
        "mt.setPostCategories" => categories::set(app, caller, p).await,
        "metaWeblog.newMediaObject" | "wp.uploadFile" => media::upload(app, caller, p).await,
        other => Err(Fault::unknown_method(other)),
    }
}

/// The methods anyone may call: what this endpoint speaks.
fn unauthenticated(method: &str) -> dxr::Value {
    match method {
        // The description is stored as Markdown and rendered by Porch: an app may send its
        // Markdown as is.
        "mt.supportedTextFilters" => dxr::Value::Array(vec![values::structure([
            ("key", text("markdown")),
            ("label", text("Markdown")),
        ])]),
        _ => dxr::Value::Array(METHODS.iter().map(|(name, ..)| text(name)).collect()),
    }
}

/// Who is calling: the owner, through one of their app tokens.
struct Caller {
    token: AppToken,
    owner: Owner,
}

impl Caller {
    /// Checks that the token carries one of `scopes` (Micropub's names).
    fn require(&self, scopes: &[&str]) -> Result<(), Fault> {
        if scopes.iter().any(|s| self.token.has_scope(s)) {
            return Ok(());
        }
        Err(Fault::not_allowed(format!(
            "Sorry, this app token is not allowed to do that: it needs the {} scope \
             (its scopes: {}).",
            scopes.join(" or "),
            self.token.scope
        )))
    }
}

/// Checks the username and password at `at` and `at + 1` (of the call's first parameters):
/// the owner's username and an app token. The admin password is not a token, so it fails like
/// any other wrong password.
async fn login(app: &App, p: &Params, at: usize) -> Result<Caller, Fault> {
    let username = p.string(at)?;
    let password = p.string(at + 1)?;
    let owner = app.db.read(owner::get).await?.ok_or_else(Fault::login)?;
    if !owner.username.eq_ignore_ascii_case(username.trim()) {
        return Err(Fault::login());
    }
    let token = tokens::authenticate(app, &password)
        .await?
        .ok_or_else(Fault::login)?;
    Ok(Caller { token, owner })
}

/// `blogger.getUsersBlogs(appkey, username, password)` and its aliases: the one blog.
async fn users_blogs(app: &App) -> Result<dxr::Value, Fault> {
    let settings = app.settings().await?;
    let base = &app.config.base_url;
    Ok(dxr::Value::Array(vec![values::structure([
        ("blogid", text("1")),
        ("blogName", text(&settings.title)),
        ("url", text(&base.join("/"))),
        ("xmlrpc", text(&base.join("/xmlrpc"))),
        ("isAdmin", dxr::Value::Boolean(true)),
    ])]))
}
