//! One book in the panel (`/admin/books/<id>`): edit it, move it between statuses, take it off
//! the bookshelf.

use poem::web::{Data, Multipart, Path, Query, Redirect};
use poem::{IntoResponse, Response, handler};
use serde::Deserialize;

use super::DoneQuery;
use super::book_form::{self, BookForm};
use crate::app::App;
use crate::auth::Admin;
use crate::auth::csrf::{AdminForm, NoFields};
use crate::books::posts as book_posts;
use crate::books::shelf;
use crate::error::{Failure, Result};
use crate::posts::publish;
use crate::posts::save::Action;
use crate::store::book_status::BookStatus;
use crate::store::books::{self, Book};
use crate::store::ids::BookId;

async fn load(app: &App, id: BookId) -> Result<Book> {
    app.db
        .read(move |c| books::get(c, id))
        .await?
        .ok_or_else(Failure::not_found)
}

#[handler]
pub async fn show(
    Data(app): Data<&App>,
    admin: Admin,
    Path(id): Path<BookId>,
    Query(q): Query<DoneQuery>,
) -> Result<Response> {
    let book = load(app, id).await?;
    let shelves = app.db.read(move |c| books::shelves_of(c, id)).await?;
    let form = BookForm::of(&book, &shelves);
    let note = super::notice(q.done.as_deref());
    book_form::render(app, &admin, Some(&book), &form, None, note).await
}

/// POST /admin/books/<id>: saves the form; its ISBN, title and authors may change, its address
/// does not.
#[handler]
pub async fn save(
    Data(app): Data<&App>,
    admin: Admin,
    Path(id): Path<BookId>,
    multipart: Multipart,
) -> poem::Result<Response> {
    let book = load(app, id).await?;
    let data = super::upload_form(app, &admin, multipart).await?;
    let form = BookForm::from_form(&data);
    let refuse = |error: String| {
        let (book, form) = (book.clone(), form.clone());
        async move { book_form::render(app, &admin, Some(&book), &form, Some(&error), None).await }
    };
    let (mut details, reading, shelves) = match form.read() {
        Ok(read) => read,
        Err(error) => return Ok(refuse(error).await?),
    };
    let other_has_isbn = match details.isbn13.clone() {
        Some(isbn) if book.isbn13.as_deref() != Some(isbn.as_str()) => {
            let key = shelf::key_of(&details);
            app.db
                .read(move |c| books::find_same(c, Some(&isbn), &key))
                .await
                .map_err(Failure::from)?
                .is_some_and(|other| other.id != id && other.isbn13.is_some())
        }
        _ => false,
    };
    if other_has_isbn {
        return Ok(refuse("Another book on the shelf has this ISBN.".into()).await?);
    }
    let media = match book_form::cover_upload(app, &data).await {
        Ok(media) => media,
        Err(error) => return Ok(refuse(error).await?),
    };
    details.ol_key = book.ol_key.clone();
    let to = reading.status;
    app.db
        .write(move |tx| {
            books::update_details(tx, id, &details, &shelf::key_of(&details))?;
            books::set_reading(tx, id, &reading)?;
            books::set_shelves_of(tx, id, &shelves)?;
            if let Some(media) = media {
                books::set_cover(tx, id, media)?;
            }
            Ok(())
        })
        .await
        .map_err(Failure::from)?;
    finished(app, id, book.status, to).await?;
    Ok(Redirect::see_other(format!("/admin/books/{id}?done=settings")).into_response())
}

#[derive(Deserialize)]
pub struct MoveForm {
    status: String,
    /// The shelf screen to go back to.
    back: Option<String>,
}

/// Moves a book to another status: starting records today as its start, finishing as its end.
#[handler]
pub async fn move_to(
    Data(app): Data<&App>,
    Path(id): Path<BookId>,
    f: AdminForm<MoveForm>,
) -> Result<Response> {
    let to = BookStatus::from_slug(&f.form.status)
        .ok_or_else(|| Failure::bad_request("That is not a reading status."))?;
    let book = load(app, id).await?;
    let today = shelf::today(&app.settings().await?.timezone);
    let reading = book.reading();
    let next = shelf::moved(&reading, to, &today);
    app.db
        .write(move |tx| books::set_reading(tx, id, &next))
        .await?;
    finished(app, id, reading.status, to).await?;
    // Back to the shelf the move was made from (a fixed slug shape, never a URL).
    let back = f
        .form
        .back
        .filter(|b| !b.is_empty() && b.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-'))
        .unwrap_or_else(|| to.slug().to_string());
    Ok(Redirect::see_other(format!("/admin/books?shelf={back}&done=moved_book")).into_response())
}

/// Publishes the read post of a book just moved to Finished, if the owner asked for that.
async fn finished(app: &App, id: BookId, was: BookStatus, to: BookStatus) -> Result<()> {
    if to != BookStatus::Finished || was == BookStatus::Finished {
        return Ok(());
    }
    if !app.settings().await?.book_post_on_finish {
        return Ok(());
    }
    let book = load(app, id).await?;
    let compose = book_posts::read_post(&book, to, &app.config.base_url, Action::Publish);
    publish::publish(app, compose).await?;
    Ok(())
}

/// GET /admin/books/<id>/post: the composer, with a read post about the book in it.
#[handler]
pub async fn post_about(
    Data(app): Data<&App>,
    admin: Admin,
    Path(id): Path<BookId>,
) -> Result<Response> {
    let book = load(app, id).await?;
    let compose = book_posts::read_post(&book, book.status, &app.config.base_url, Action::Publish);
    super::compose::show(app, &admin, &compose, None, None, None).await
}

#[handler]
pub async fn delete(
    Data(app): Data<&App>,
    Path(id): Path<BookId>,
    _f: AdminForm<NoFields>,
) -> Result<Response> {
    if !app.db.write(move |tx| books::delete(tx, id)).await? {
        return Err(Failure::not_found());
    }
    Ok(Redirect::see_other("/admin/books?done=deleted").into_response())
}
