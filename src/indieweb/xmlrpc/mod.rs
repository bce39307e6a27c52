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
mod wire;

use poem::web::Data;
use poem::{Body, Request, Response, handler};

use crate::app::App;
use crate::auth::tokens;
use crate::store::owner::{self, Owner};
use crate::store::posts::Kind;
use crate::store::tokens::AppToken;

use values::{Params, text};
use wire::Fault;

/// Every method answered, for `mt.supportedMethods` and `system.listMethods`.
const METHODS: &[&str] = &[
    "blogger.getUsersBlogs",
    "blogger.deletePost",
    "metaWeblog.getUsersBlogs",
    "metaWeblog.newPost",
    "metaWeblog.editPost",
    "metaWeblog.getPost",
    "metaWeblog.getRecentPosts",
    "metaWeblog.deletePost",
    "metaWeblog.getCategories",
    "metaWeblog.newMediaObject",
    "mt.getCategoryList",
    "mt.getPostCategories",
    "mt.setPostCategories",
    "mt.supportedMethods",
    "mt.supportedTextFilters",
    "wp.getUsersBlogs",
    "wp.getCategories",
    "wp.uploadFile",
    "wp.getPages",
    "wp.getPage",
    "wp.newPage",
    "wp.editPage",
    "wp.deletePage",
    "system.listMethods",
];

/// `POST /xmlrpc`: one method call, answered with its value or a fault.
#[handler]
pub async fn endpoint(Data(app): Data<&App>, req: &Request, body: Body) -> Response {
    let answer = match wire::read(req, body).await {
        Ok(call) => {
            tracing::debug!(method = call.name, "xmlrpc call");
            dispatch(app, &call.name, Params::new(call.params)).await
        }
        Err(fault) => Err(fault),
    };
    wire::respond(answer)
}

async fn dispatch(app: &App, method: &str, p: Params) -> Result<dxr::Value, Fault> {
    match method {
        "blogger.getUsersBlogs" | "metaWeblog.getUsersBlogs" => users_blogs(app, p, 1).await,
        "wp.getUsersBlogs" => users_blogs(app, p, 0).await,
        "metaWeblog.getRecentPosts" => posts::recent(app, p).await,
        "metaWeblog.getPost" => posts::get(app, p).await,
        "metaWeblog.newPost" => posts::create(app, p, Kind::Post).await,
        "metaWeblog.editPost" => posts::edit(app, p).await,
        "blogger.deletePost" | "metaWeblog.deletePost" => posts::delete(app, p).await,
        "wp.getPages" => posts::pages(app, p).await,
        "wp.getPage" => posts::page(app, p).await,
        "wp.newPage" => posts::create(app, p, Kind::Page).await,
        "wp.editPage" => posts::edit_page(app, p).await,
        "wp.deletePage" => posts::delete_page(app, p).await,
        "metaWeblog.getCategories" | "wp.getCategories" => categories::all(app, p).await,
        "mt.getCategoryList" => categories::list(app, p).await,
        "mt.getPostCategories" => categories::of_post(app, p).await,
        "mt.setPostCategories" => categories::set(app, p).await,
        "metaWeblog.newMediaObject" | "wp.uploadFile" => media::upload(app, p).await,
        "mt.supportedMethods" | "system.listMethods" => {
            p.count(0, 0)?;
            Ok(dxr::Value::Array(METHODS.iter().map(|m| text(m)).collect()))
        }
        // The description is stored as Markdown and rendered by Porch: an app may send its
        // Markdown as is.
        "mt.supportedTextFilters" => {
            p.count(0, 0)?;
            Ok(dxr::Value::Array(vec![values::structure([
                ("key", text("markdown")),
                ("label", text("Markdown")),
            ])]))
        }
        other => Err(Fault::unknown_method(other)),
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

/// Checks the username and password at `at` and `at + 1`: the owner's username and an app
/// token. The admin password is not a token, so it fails like any other wrong password.
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
async fn users_blogs(app: &App, p: Params, login_at: usize) -> Result<dxr::Value, Fault> {
    p.count(login_at + 2, login_at + 2)?;
    login(app, &p, login_at).await?;
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
