//! Categories: `metaWeblog.getCategories`, `mt.getCategoryList`, `mt.getPostCategories`, and
//! `mt.setPostCategories`, which replaces a post's set (MarsEdit sends it right after saving a
//! post). New categories come from the names in a post struct. Reading categories needs a
//! token that may read posts (as Micropub's `q=source` and `q=category` do): names given only to
//! drafts are private.

use dxr::Value;

use crate::app::App;
use crate::auth::tokens::READ_SCOPES;
use crate::store::taxonomy::{self, Category};

use super::Caller;
use super::fields::unchanged;
use super::posts::{live, not_found, save_with};
use super::values::{Params, member_id, structure, text};
use super::wire::Fault;

/// Every category, for a token that may read posts.
async fn readable(app: &App, caller: &Caller) -> Result<Vec<Category>, Fault> {
    caller.require(READ_SCOPES)?;
    Ok(app.db.read(taxonomy::categories).await?)
}

/// `metaWeblog.getCategories(blogid, username, password)`, in WordPress's shape: an array.
pub async fn all(app: &App, caller: Caller) -> Result<Value, Fault> {
    let categories = readable(app, &caller).await?;
    let base = &app.config.base_url;
    Ok(Value::Array(
        categories
            .iter()
            .map(|c| {
                structure([
                    ("categoryId", text(&c.id.to_string())),
                    ("parentId", text("0")),
                    ("categoryName", text(&c.name)),
                    ("description", text(&c.name)),
                    ("categoryDescription", text("")),
                    (
                        "htmlUrl",
                        text(&base.join(&format!("/categories/{}/", c.slug))),
                    ),
                    (
                        "rssUrl",
                        text(&base.join(&format!("/categories/{}/feed.xml", c.slug))),
                    ),
                ])
            })
            .collect(),
    ))
}

/// `mt.getCategoryList(blogid, username, password)`.
pub async fn list(app: &App, caller: Caller) -> Result<Value, Fault> {
    let categories = readable(app, &caller).await?;
    Ok(Value::Array(
        categories
            .iter()
            .map(|c| {
                structure([
                    ("categoryId", text(&c.id.to_string())),
                    ("categoryName", text(&c.name)),
                ])
            })
            .collect(),
    ))
}

/// `mt.getPostCategories(postid, username, password)`: the first is the primary one.
pub async fn of_post(app: &App, caller: Caller, p: Params) -> Result<Value, Fault> {
    // Checked before the post is looked up, so that a token without it cannot even learn
    // which ids exist.
    caller.require(READ_SCOPES)?;
    let id = p.id(0)?;
    let post = app
        .db
        .read(move |c| live(c, id, None))
        .await?
        .ok_or_else(|| not_found(None))?;
    Ok(Value::Array(
        post.categories
            .iter()
            .enumerate()
            .map(|(i, c)| {
                structure([
                    ("categoryName", text(&c.name)),
                    ("categoryId", text(&c.id.to_string())),
                    ("isPrimary", Value::Boolean(i == 0)),
                ])
            })
            .collect(),
    ))
}

/// `mt.setPostCategories(postid, username, password, [{categoryId, isPrimary}])`. An unknown
/// category id is refused and nothing changes.
pub async fn set(app: &App, caller: Caller, p: Params) -> Result<Value, Fault> {
    let id = p.id(0)?;
    caller.require(&["update"])?;
    let mut ids = Vec::new();
    for item in p.array(3)? {
        let Value::Struct(s) = item else {
            return Err(Fault::params("Each category must be a struct."));
        };
        // Some old clients spell it categoryID.
        let category = match member_id(s, "categoryId")? {
            Some(id) => id,
            None => member_id(s, "categoryID")?
                .ok_or_else(|| Fault::params("Each category needs a categoryId."))?,
        };
        ids.push(category);
    }
    save_with(app, Some(id), None, None, move |existing, known| {
        let post = existing.ok_or_else(|| not_found(None))?;
        if let Some(unknown) = ids.iter().find(|id| !known.iter().any(|c| c.id == **id)) {
            return Err(Fault::not_found(format!("No such category: {unknown}.")));
        }
        let mut compose = crate::posts::save::compose_from(post, unchanged(post));
        compose.category_ids = ids;
        Ok(compose)
    })
    .await?;
    Ok(Value::Boolean(true))
}
