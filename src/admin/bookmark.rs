//! One bookmark (`/admin/bookmarks/<id>`): the reader, which shows the archived copy with the
//! panel's styles, its highlights drawn in, and links to the original; the highlights listed
//! with their notes; and the form that edits its title, tags and note;
//! marking it read, archiving it again, deleting it; and the archived images, served to the
//! owner alone (`/admin/bookmarks/files/<name>`).

use poem::web::{Data, Path, Query, Redirect, StaticFileRequest};
use poem::{IntoResponse, Response, handler};
use serde::{Deserialize, Serialize};

use super::bookmarks::row;
use super::highlights::{HighlightForm, highlight_row};
use super::{DoneQuery, FieldError};
use crate::app::App;
use crate::auth::Admin;
use crate::auth::csrf::{AdminForm, NoFields};
use crate::bookmarks::{anchor, save};
use crate::ctx;
use crate::error::{Failure, Result};
use crate::media::{files, serve};
use crate::render::time;
use crate::store::{self, bookmarks, highlights, ids::BookmarkId};

#[derive(Deserialize, Serialize, Default)]
pub struct EditForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    tags: String,
    #[serde(default)]
    note: String,
    /// A ticked box: listed on the public `/bookmarks/` page.
    #[serde(default)]
    public: Option<String>,
}

/// What the reader shows again when a form on it was refused, with why.
pub(super) enum Refused {
    Edit(EditForm, FieldError),
    Highlight(HighlightForm, FieldError),
}

pub(super) async fn show(
    app: &App,
    admin: &Admin,
    id: BookmarkId,
    refused: Option<Refused>,
    done: Option<&str>,
) -> Result<Response> {
    let tz = time::zone(&app.settings().await?.timezone);
    let (bookmark, archived_html, marks) = app
        .db
        .read(move |c| {
            let marks = highlights::of_bookmark(c, id)?;
            let (html, _) = bookmarks::archive_of(c, id)?.unwrap_or_default();
            let placed: Vec<_> = marks
                .iter()
                .filter_map(|h| {
                    let start = usize::try_from(h.anchor.start?).ok()?;
                    let end = usize::try_from(h.anchor.end?).ok()?;
                    Some((h.id, start, end))
                })
                .collect();
            Ok((
                bookmarks::by_id(c, id)?,
                anchor::draw(&html, &placed),
                marks,
            ))
        })
        .await?;
    let bookmark = bookmark.ok_or(Failure::not_found())?;
    let marks: Vec<_> = marks.into_iter().map(|h| highlight_row(h, tz)).collect();
    let status = refused.is_some();
    let (mut form, mut error) = (
        EditForm {
            title: bookmark.title.clone(),
            tags: bookmark.tags.join(", "),
            note: bookmark.note.clone(),
            public: bookmark.public.then(|| "1".to_string()),
        },
        None,
    );
    let (mut highlight, mut highlight_error) = (HighlightForm::default(), None);
    match refused {
        Some(Refused::Edit(f, e)) => (form, error) = (f, Some(e)),
        Some(Refused::Highlight(f, e)) => (highlight, highlight_error) = (f, Some(e)),
        None => {}
    }
    let archived_at = bookmark.archived_at.map(|at| time::panel(at, tz));
    let mut page = super::render(
        app,
        admin,
        "bookmark.html",
        "bookmarks",
        done,
        ctx! {
            b => row(bookmark, tz),
            archived_at,
            // Sanitized when it was archived, its images all local (`bookmarks::extract`);
            // the highlights are drawn into it as `<mark>`, their text escaped.
            archived_html,
            marks,
            form,
            error,
            highlight,
            highlight_error,
        },
    )
    .await?;
    if status {
        page.set_status(poem::http::StatusCode::UNPROCESSABLE_ENTITY);
    }
    Ok(page)
}

#[handler]
pub async fn reader(
    Data(app): Data<&App>,
    admin: Admin,
    Path(id): Path<BookmarkId>,
    Query(q): Query<DoneQuery>,
) -> Result<Response> {
    show(app, &admin, id, None, q.done.as_deref()).await
}

#[handler]
pub async fn edit(
    Data(app): Data<&App>,
    Path(id): Path<BookmarkId>,
    f: AdminForm<EditForm>,
) -> Result<Response> {
    let tags = match save::check_details(&f.form.title, &f.form.note, &f.form.tags) {
        Ok(tags) => tags,
        Err((field, message)) => {
            let error = FieldError::on(field, message);
            return show(app, &f.admin, id, Some(Refused::Edit(f.form, error)), None).await;
        }
    };
    let details = bookmarks::Details {
        title: f.form.title.trim().to_string(),
        note: f.form.note.trim().to_string(),
        tags,
        public: f.form.public.is_some(),
    };
    let changed = app
        .db
        .write(move |tx| bookmarks::update(tx, id, &details, store::now()))
        .await?;
    if !changed {
        return Err(Failure::not_found());
    }
    Ok(Redirect::see_other(format!("/admin/bookmarks/{id}?done=saved")).into_response())
}

#[derive(Deserialize)]
pub struct ReadForm {
    /// "1" marks it unread again, anything else read.
    #[serde(default)]
    unread: String,
    /// Back to the list (with its filters) or to the reader.
    #[serde(default)]
    back: String,
}

#[handler]
pub async fn mark_read(
    Data(app): Data<&App>,
    Path(id): Path<BookmarkId>,
    f: AdminForm<ReadForm>,
) -> Result<Response> {
    let unread = f.form.unread == "1";
    if !app
        .db
        .write(move |tx| bookmarks::set_unread(tx, id, unread))
        .await?
    {
        return Err(Failure::not_found());
    }
    let done = if unread { "unread" } else { "read" };
    let to = if f.form.back == "list" {
        format!("/admin/bookmarks?done={done}")
    } else {
        format!("/admin/bookmarks/{id}?done={done}")
    };
    Ok(Redirect::see_other(to).into_response())
}

/// Archives the page again (after a failure, or to refresh the copy).
#[handler]
pub async fn rearchive(
    Data(app): Data<&App>,
    Path(id): Path<BookmarkId>,
    _f: AdminForm<NoFields>,
) -> Result<Response> {
    let queued = app
        .db
        .write(move |tx| {
            if !bookmarks::mark_pending(tx, id)? {
                return Ok(false);
            }
            save::queue_archive(tx, id)?;
            Ok(true)
        })
        .await?;
    if !queued {
        return Err(Failure::not_found());
    }
    Ok(Redirect::see_other(format!("/admin/bookmarks/{id}?done=archiving")).into_response())
}

#[handler]
pub async fn delete(
    Data(app): Data<&App>,
    Path(id): Path<BookmarkId>,
    _f: AdminForm<NoFields>,
) -> Result<Response> {
    if !app.db.write(move |tx| bookmarks::delete(tx, id)).await? {
        return Err(Failure::not_found());
    }
    Ok(Redirect::see_other("/admin/bookmarks?done=deleted").into_response())
}

/// An archived image, to the owner only: the bookmarks are private, and so are their copies.
#[handler]
pub async fn file(
    Data(app): Data<&App>,
    _admin: Admin,
    Path(name): Path<String>,
    file: StaticFileRequest,
) -> Result<Response> {
    let path = files::disk_path(&app.config.archive_dir(), &name).ok_or(Failure::not_found())?;
    serve::file_response(file, &path, "private, max-age=31536000, immutable")
}
