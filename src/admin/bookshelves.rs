//! The shelves and goals of the bookshelf (`/admin/books/shelves`): which status shelves
//! visitors see, the owner's own shelves (add, rename, make private, delete), and the reading
//! goal of each year.

use poem::web::{Data, Path, Query, Redirect};
use poem::{IntoResponse, Response, handler};
use serde::Deserialize;

use super::DoneQuery;
use crate::app::App;
use crate::auth::Admin;
use crate::auth::csrf::{AdminForm, NoFields};
use crate::books::posts as book_posts;
use crate::books::{shelf, views};
use crate::ctx;
use crate::error::{Failure, Result};
use crate::posts::publish;
use crate::store::books;
use crate::store::ids::ShelfId;

/// Goals are for years people read in: a typo such as 20266 is refused.
const GOAL_YEARS: std::ops::RangeInclusive<i32> = 1900..=2200;
const MAX_GOAL: u32 = 10_000;

#[handler]
pub async fn index(
    Data(app): Data<&App>,
    admin: Admin,
    Query(q): Query<DoneQuery>,
) -> Result<Response> {
    let site = app.settings().await?;
    let (counts, custom, goals, per_year) = app
        .db
        .read(|c| {
            Ok((
                books::status_counts(c)?,
                books::shelves(c)?,
                books::goals(c)?,
                books::finished_per_year(c)?,
            ))
        })
        .await?;
    let statuses = views::status_shelves(&counts, &site.book_shelves_public);
    let goals: Vec<_> = goals
        .into_iter()
        .map(|g| {
            let done = per_year
                .iter()
                .find(|(y, _)| *y == g.year)
                .map(|(_, n)| *n)
                .unwrap_or(0);
            ctx! { year => g.year, target => g.target, done }
        })
        .collect();
    let this_year = shelf::this_year(&site.timezone);
    super::render(
        app,
        &admin,
        "bookshelves.html",
        "books",
        q.done.as_deref(),
        ctx! { statuses, custom, goals, this_year, post_on_finish => site.book_post_on_finish },
    )
    .await
}

#[derive(Deserialize)]
pub struct ShelfForm {
    name: String,
    /// A tick box: present when ticked.
    public: Option<String>,
}

#[handler]
pub async fn create(Data(app): Data<&App>, f: AdminForm<ShelfForm>) -> Result<Response> {
    let name = f.form.name.trim().to_string();
    shelf::check_shelf_name(&name).map_err(Failure::bad_request)?;
    let public = f.form.public.is_some();
    let exists = {
        let name = name.clone();
        app.db
            .read(move |c| books::shelf_by_name(c, &name))
            .await?
            .is_some()
    };
    if exists {
        return Err(Failure::bad_request(format!(
            "There is a shelf called {name:?} already."
        )));
    }
    app.db
        .write(move |tx| shelf::create_shelf(tx, &name, public))
        .await?;
    Ok(Redirect::see_other("/admin/books/shelves?done=shelf_added").into_response())
}

/// Renames a shelf or changes who sees it; its address stays.
#[handler]
pub async fn update(
    Data(app): Data<&App>,
    Path(id): Path<ShelfId>,
    f: AdminForm<ShelfForm>,
) -> Result<Response> {
    let name = f.form.name.trim().to_string();
    shelf::check_shelf_name(&name).map_err(Failure::bad_request)?;
    let public = f.form.public.is_some();
    let updated = app
        .db
        .write(move |tx| books::update_shelf(tx, id, &name, public))
        .await?;
    if !updated {
        return Err(Failure::not_found());
    }
    Ok(Redirect::see_other("/admin/books/shelves?done=settings").into_response())
}

/// Removes a shelf; its books stay on the bookshelf.
#[handler]
pub async fn delete(
    Data(app): Data<&App>,
    Path(id): Path<ShelfId>,
    _f: AdminForm<NoFields>,
) -> Result<Response> {
    if !app.db.write(move |tx| books::delete_shelf(tx, id)).await? {
        return Err(Failure::not_found());
    }
    Ok(Redirect::see_other("/admin/books/shelves?done=deleted").into_response())
}

#[derive(Deserialize)]
pub struct YearForm {
    year: i32,
}

/// Writes the Year in books draft and opens it in the composer.
#[handler]
pub async fn year_in_books(Data(app): Data<&App>, f: AdminForm<YearForm>) -> Result<Response> {
    let year = f.form.year;
    if !GOAL_YEARS.contains(&year) {
        return Err(Failure::bad_request("That is not a year of reading."));
    }
    let finished = app.db.read(move |c| books::finished_in(c, year)).await?;
    if finished.is_empty() {
        return Err(Failure::bad_request(format!(
            "No book on the shelf was finished in {year}."
        )));
    }
    let compose = book_posts::year_in_books(year, &finished, &app.config.base_url);
    let saved = publish::publish(app, compose).await?;
    Ok(Redirect::see_other(format!("/admin/posts/{}?done=draft", saved.id)).into_response())
}

#[derive(Deserialize)]
pub struct GoalForm {
    year: i32,
    /// Books to finish; empty or 0 removes the goal.
    target: Option<u32>,
}

#[handler]
pub async fn set_goal(Data(app): Data<&App>, f: AdminForm<GoalForm>) -> Result<Response> {
    let GoalForm { year, target } = f.form;
    let target = target.unwrap_or(0);
    if !GOAL_YEARS.contains(&year) {
        return Err(Failure::bad_request(
            "That is not a year to set a goal for.",
        ));
    }
    if target > MAX_GOAL {
        return Err(Failure::bad_request(format!(
            "A goal is at most {MAX_GOAL} books."
        )));
    }
    app.db
        .write(move |tx| books::set_goal(tx, year, target))
        .await?;
    Ok(Redirect::see_other("/admin/books/shelves?done=goal").into_response())
}
