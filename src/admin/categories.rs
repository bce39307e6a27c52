//! Categories (`/admin/categories`): rename or delete them. New ones are made in the composer.

use crate::ctx;
use poem::web::{Data, Path, Query, Redirect};
use poem::{IntoResponse, Response, handler};
use serde::Deserialize;

use super::DoneQuery;
use crate::app::App;
use crate::auth::Admin;
use crate::auth::csrf::{AdminForm, NoFields};
use crate::error::{Failure, Result};
use crate::posts::save::MAX_CATEGORY_CHARS;
use crate::store::ids::CategoryId;
use crate::store::taxonomy;

#[handler]
pub async fn index(
    Data(app): Data<&App>,
    admin: Admin,
    Query(q): Query<DoneQuery>,
) -> Result<Response> {
    let categories = app.db.read(taxonomy::categories).await?;
    let base = app.config.base_url.to_string();
    super::render(
        app,
        &admin,
        "categories.html",
        "categories",
        q.done.as_deref(),
        ctx! { categories, base },
    )
    .await
}

#[derive(Deserialize)]
pub struct RenameForm {
    name: String,
}

/// Renames a category. Its slug, and so its URL and feed, stay as they were: links to them
/// keep working.
#[handler]
pub async fn rename(
    Data(app): Data<&App>,
    Path(id): Path<CategoryId>,
    f: AdminForm<RenameForm>,
) -> Result<Response> {
    let name = f.form.name.trim().to_string();
    if name.is_empty() || name.chars().count() > MAX_CATEGORY_CHARS {
        return Err(Failure::bad_request(format!(
            "A category name needs 1 to {MAX_CATEGORY_CHARS} characters."
        )));
    }
    app.db
        .write(move |tx| taxonomy::rename_category(tx, id, &name))
        .await?;
    Ok(Redirect::see_other("/admin/categories?done=renamed").into_response())
}

#[handler]
pub async fn delete(
    Data(app): Data<&App>,
    Path(id): Path<CategoryId>,
    _f: AdminForm<NoFields>,
) -> Result<Response> {
    app.db
        .write(move |tx| taxonomy::delete_category(tx, id))
        .await?;
    Ok(Redirect::see_other("/admin/categories?done=deleted").into_response())
}
