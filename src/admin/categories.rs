//! Categories (`/admin/categories`): add, rename or delete them, with how many posts each holds.
//! The composer can make new ones too.

use crate::ctx;
use poem::web::{Data, Path, Query, Redirect};
use poem::{IntoResponse, Response, handler};
use serde::Deserialize;

use super::{DoneQuery, FieldError};
use crate::app::App;
use crate::auth::Admin;
use crate::auth::csrf::{AdminForm, NoFields};
use crate::error::{Failure, Result};
use crate::posts::permalink::slugify;
use crate::posts::save::MAX_CATEGORY_CHARS;
use crate::store::ids::CategoryId;
use crate::store::taxonomy;

#[handler]
pub async fn index(
    Data(app): Data<&App>,
    admin: Admin,
    Query(q): Query<DoneQuery>,
) -> Result<Response> {
    show(app, &admin, None, q.done.as_deref()).await
}

/// A name that was not taken, as typed, with the reason: for a new category (`id` none) or a
/// rename.
#[derive(serde::Serialize)]
struct Refused {
    id: Option<CategoryId>,
    typed: String,
    error: FieldError,
}

/// The screen, with a refused name shown in the form it was typed in.
async fn show(
    app: &App,
    admin: &Admin,
    refused: Option<Refused>,
    done: Option<&str>,
) -> Result<Response> {
    let categories: Vec<_> = app
        .db
        .read(taxonomy::categories_with_counts)
        .await?
        .into_iter()
        .map(|(c, posts)| ctx! { id => c.id, name => c.name, slug => c.slug, posts })
        .collect();
    let base = app.config.base_url.to_string();
    let failed = refused.is_some();
    let mut page = super::render(
        app,
        admin,
        "categories.html",
        "categories",
        done,
        ctx! { categories, base, refused },
    )
    .await?;
    if failed {
        page.set_status(poem::http::StatusCode::UNPROCESSABLE_ENTITY);
    }
    Ok(page)
}

#[derive(Deserialize)]
pub struct RenameForm {
    name: String,
}

/// What is wrong with a category's name, in a sentence for the owner.
fn check_name(name: &str) -> Result<(), Failure> {
    if name.is_empty() || name.chars().count() > MAX_CATEGORY_CHARS || slugify(name).is_empty() {
        return Err(Failure::bad_request(format!(
            "A category name needs 1 to {MAX_CATEGORY_CHARS} characters, with a letter or digit."
        )));
    }
    Ok(())
}

/// Adds a category before any post uses it. A name that cannot be taken comes back in the form,
/// with the reason beside it.
#[handler]
pub async fn create(Data(app): Data<&App>, f: AdminForm<RenameForm>) -> Result<Response> {
    let name = f.form.name.trim().to_string();
    let refuse = |message: String| {
        let refused = Refused {
            id: None,
            typed: f.form.name.clone(),
            error: FieldError::on("name", message),
        };
        show(app, &f.admin, Some(refused), None)
    };
    if let Err(refusal) = check_name(&name) {
        return refuse(refusal.message().to_string()).await;
    }
    let slug = slugify(&name);
    let added = app
        .db
        .write(move |tx| {
            if taxonomy::category_by_slug(tx, &slug)?.is_some() {
                return Ok(false);
            }
            taxonomy::ensure_category(tx, &name, &slug)?;
            Ok(true)
        })
        .await?;
    if !added {
        return refuse("There is a category with that name (or address) already.".into()).await;
    }
    Ok(Redirect::see_other("/admin/categories?done=category_added").into_response())
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
    if let Err(refusal) = check_name(&name) {
        let refused = Refused {
            id: Some(id),
            typed: f.form.name.clone(),
            error: FieldError::on("name", refusal.message().to_string()),
        };
        return show(app, &f.admin, Some(refused), None).await;
    }
    let renamed = app
        .db
        .write(move |tx| taxonomy::rename_category(tx, id, &name))
        .await?;
    if !renamed {
        return Err(Failure::not_found());
    }
    Ok(Redirect::see_other("/admin/categories?done=renamed").into_response())
}

#[handler]
pub async fn delete(
    Data(app): Data<&App>,
    Path(id): Path<CategoryId>,
    _f: AdminForm<NoFields>,
) -> Result<Response> {
    let deleted = app
        .db
        .write(move |tx| taxonomy::delete_category(tx, id))
        .await?;
    if !deleted {
        return Err(Failure::not_found());
    }
    Ok(Redirect::see_other("/admin/categories?done=deleted").into_response())
}
