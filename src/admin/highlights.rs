//! Highlights: marking a passage of a bookmark's kept copy (`POST
//! /admin/bookmarks/<id>/highlights`, from a selection in the reader or a pasted quote), a
//! highlight's note, deleting one, and every highlight (`/admin/highlights`), newest first and
//! searchable. "New post from highlight" is the composer opened with `?highlight=<id>`.

use poem::web::{Data, Path, Query, Redirect};
use poem::{IntoResponse, Response, handler};
use serde::{Deserialize, Serialize};

use super::FieldError;
use super::bookmark::{Refused, show};
use crate::app::App;
use crate::auth::Admin;
use crate::auth::csrf::AdminForm;
use crate::bookmarks::highlights::{self as marking, Marked};
use crate::ctx;
use crate::error::{Failure, Result};
use crate::paging::Page;
use crate::render::time;
use crate::store::highlights::{self, Highlight};
use crate::store::ids::{BookmarkId, HighlightId};

const PER_PAGE: u32 = 50;

/// The reader's highlight form: the passage, and where the browser's selection put it (in
/// UTF-16 units over the copy's text; empty when the quote was pasted).
#[derive(Deserialize, Serialize, Default)]
pub struct HighlightForm {
    #[serde(default)]
    quote: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    start: String,
    #[serde(default)]
    end: String,
}

/// A highlight as lists show it.
#[derive(Serialize)]
pub struct HighlightRow {
    #[serde(flatten)]
    highlight: Highlight,
    when: String,
    /// Whether its quote is in the current copy (else it is listed, not drawn).
    found: bool,
}

pub fn highlight_row(highlight: Highlight, tz: chrono_tz::Tz) -> HighlightRow {
    HighlightRow {
        when: time::display_date(highlight.created_at, tz),
        found: highlight.anchor.start.is_some(),
        highlight,
    }
}

#[handler]
pub async fn create(
    Data(app): Data<&App>,
    Path(id): Path<BookmarkId>,
    f: AdminForm<HighlightForm>,
) -> Result<Response> {
    let marked = Marked {
        quote: f.form.quote.clone(),
        note: f.form.note.clone(),
        start: f.form.start.trim().parse().ok(),
        end: f.form.end.trim().parse().ok(),
    };
    let added = app
        .db
        .write(move |tx| marking::add(tx, id, &marked))
        .await?;
    match added {
        Ok(highlight) => Ok(Redirect::see_other(format!(
            "/admin/bookmarks/{id}?done=highlighted#h-{highlight}"
        ))
        .into_response()),
        Err((field, message)) => {
            let refused = Refused::Highlight(f.form, FieldError::on(field, message));
            show(app, &f.admin, id, Some(refused), None).await
        }
    }
}

#[derive(Deserialize)]
pub struct NoteForm {
    #[serde(default)]
    note: String,
    /// "list" goes back to all highlights; anything else to the bookmark's reader.
    #[serde(default)]
    back: String,
}

/// Where a change to a highlight returns to.
fn back_to(back: &str, bookmark: BookmarkId, highlight: HighlightId, done: &str) -> Response {
    let to = if back == "list" {
        format!("/admin/highlights?done={done}#h-{highlight}")
    } else {
        format!("/admin/bookmarks/{bookmark}?done={done}#h-{highlight}")
    };
    Redirect::see_other(to).into_response()
}

#[handler]
pub async fn edit(
    Data(app): Data<&App>,
    Path(id): Path<HighlightId>,
    f: AdminForm<NoteForm>,
) -> Result<Response> {
    marking::check_note(&f.form.note)
        .map_err(|(field, message)| Failure::bad_request(message).on_field(Some(field)))?;
    let note = f.form.note.trim().to_string();
    let bookmark = app
        .db
        .write(move |tx| {
            if !highlights::set_note(tx, id, &note, crate::store::now())? {
                return Ok(None);
            }
            Ok(highlights::by_id(tx, id)?.map(|h| h.bookmark_id))
        })
        .await?
        .ok_or(Failure::not_found())?;
    Ok(back_to(&f.form.back, bookmark, id, "highlight_saved"))
}

#[handler]
pub async fn delete(
    Data(app): Data<&App>,
    Path(id): Path<HighlightId>,
    f: AdminForm<NoteForm>,
) -> Result<Response> {
    let bookmark = app
        .db
        .write(move |tx| highlights::delete(tx, id))
        .await?
        .ok_or(Failure::not_found())?;
    let to = if f.form.back == "list" {
        "/admin/highlights?done=highlight_deleted".to_string()
    } else {
        format!("/admin/bookmarks/{bookmark}?done=highlight_deleted")
    };
    Ok(Redirect::see_other(to).into_response())
}

#[derive(Deserialize)]
pub struct ListQuery {
    /// Words that the quote or the note holds.
    q: Option<String>,
    page: Option<u32>,
    done: Option<String>,
}

#[handler]
pub async fn index(
    Data(app): Data<&App>,
    admin: Admin,
    Query(q): Query<ListQuery>,
) -> Result<Response> {
    let tz = time::zone(&app.settings().await?.timezone);
    let page = Page::new(q.page, PER_PAGE);
    let search = q.q.unwrap_or_default().trim().to_string();
    let (limit, offset) = (page.fetch(), page.offset());
    let typed = search.clone();
    let found = app
        .db
        .read(move |c| {
            if typed.is_empty() {
                highlights::recent(c, limit, offset)
            } else {
                highlights::search(c, &typed, limit, offset)
            }
        })
        .await?;
    let (found, prev, next) = page.split(found);
    let rows: Vec<HighlightRow> = found.into_iter().map(|h| highlight_row(h, tz)).collect();
    super::render(
        app,
        &admin,
        "highlights.html",
        "bookmarks",
        q.done.as_deref(),
        ctx! { rows, prev, next, search },
    )
    .await
}
