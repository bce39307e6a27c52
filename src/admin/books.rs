//! The bookshelf (`/admin/books`): the shelves with their books, the reading goal, and the three
//! ways to add a book: by ISBN, by searching Open Library, or by hand (which needs no network).

use minijinja::Value;
use poem::web::{Data, Multipart, Query, Redirect};
use poem::{IntoResponse, Response, handler};
use serde::Deserialize;

use super::book_form::{self, BookForm};
use crate::app::App;
use crate::auth::Admin;
use crate::auth::csrf::AdminForm;
use crate::books::open_library::Found;
use crate::books::shelf::{self, Added};
use crate::books::{cover, isbn, lookup, views};
use crate::ctx;
use crate::error::Result;
use crate::store::book_status::BookStatus;
use crate::store::books::{self, BookDetails, Reading};
use crate::store::{self, settings};

/// Books listed on one screen of a shelf.
const PER_PAGE: i64 = 100;

#[derive(Deserialize, Default)]
pub struct IndexQuery {
    /// A status shelf's or one of the owner's shelves' slug.
    shelf: Option<String>,
    /// A search of Open Library.
    q: Option<String>,
    page: Option<i64>,
    done: Option<String>,
}

#[handler]
pub async fn index(
    Data(app): Data<&App>,
    admin: Admin,
    Query(q): Query<IndexQuery>,
) -> Result<Response> {
    let query = q.q.as_deref().map(str::trim).unwrap_or("").to_string();
    let (found, search_error) = if query.is_empty() {
        (Vec::new(), None)
    } else {
        match lookup::search(app, &query).await {
            Ok(found) => (found, None),
            Err(e) => (Vec::new(), Some(e.to_string())),
        }
    };
    show(app, &admin, &q, ctx! { query, found, search_error }).await
}

/// The shelves screen with `extra` (search results, an error and what was typed).
async fn show(app: &App, admin: &Admin, q: &IndexQuery, extra: Value) -> Result<Response> {
    let site = app.settings().await?;
    let year = shelf::this_year(&site.timezone);
    let selected = q
        .shelf
        .clone()
        .unwrap_or_else(|| "currently-reading".into());
    let page = q.page.unwrap_or(0).max(0);
    let public = site.book_shelves_public.clone();
    let shown = selected.clone();
    let (counts, custom, list, goal, finished_this_year) = app
        .db
        .read(move |c| {
            let counts = books::status_counts(c)?;
            let custom = books::shelves(c)?;
            let list = match BookStatus::from_slug(&shown) {
                Some(status) => books::with_status(c, &[status], PER_PAGE, page * PER_PAGE)?,
                None => match books::shelf_by_slug(c, &shown)? {
                    Some(shelf) => {
                        books::on_shelf(c, shelf.id, &BookStatus::ALL, PER_PAGE, page * PER_PAGE)?
                    }
                    None => Vec::new(),
                },
            };
            let goal = books::goals(c)?.into_iter().find(|g| g.year == year);
            let finished = books::finished_count(c, year)?;
            Ok((counts, custom, list, goal, finished))
        })
        .await?;
    let statuses = views::status_shelves(&counts, &public);
    let books: Vec<_> = list.iter().map(views::owner).collect();
    let more = books.len() as i64 == PER_PAGE;
    let moves: Vec<_> = BookStatus::ALL
        .into_iter()
        .map(|s| (s.slug(), s.label()))
        .collect();
    super::render(
        app,
        admin,
        "books.html",
        "books",
        q.done.as_deref(),
        minijinja::context! {
            ..ctx! {
                statuses, custom, books, selected, year, goal, finished_this_year, moves, page,
                more
            },
            ..extra
        },
    )
    .await
}

#[derive(Deserialize)]
pub struct IsbnForm {
    isbn: String,
    status: Option<String>,
}

/// Adds a book by ISBN: looked up in Open Library, or, when it is not there or cannot be
/// reached, the form to type it in with the ISBN filled in.
#[handler]
pub async fn add_by_isbn(Data(app): Data<&App>, f: AdminForm<IsbnForm>) -> Result<Response> {
    let status = status_of(f.form.status.as_deref());
    let isbn = match isbn::normalize(&f.form.isbn) {
        Ok(isbn) => isbn,
        Err(e) => {
            let q = IndexQuery::default();
            let (error, typed) = (e.to_string(), f.form.isbn.clone());
            let mut page = show(app, &f.admin, &q, ctx! { isbn_error => error, typed }).await?;
            page.set_status(poem::http::StatusCode::BAD_REQUEST);
            return Ok(page);
        }
    };
    let found = match lookup::by_isbn(app, &isbn).await {
        Ok(Some(details)) => details,
        Ok(None) => {
            let note = "Open Library does not know this ISBN. Type the book in below.";
            return manual(app, &f.admin, &isbn, status, note).await;
        }
        Err(e) => return manual(app, &f.admin, &isbn, status, &e.to_string()).await,
    };
    add(app, found, status).await
}

#[derive(Deserialize)]
pub struct FoundForm {
    key: String,
    title: String,
    /// One per line.
    authors: String,
    year: Option<i32>,
    isbn13: Option<String>,
    cover_id: Option<i64>,
    pages: Option<u32>,
    status: Option<String>,
}

/// Adds a book picked from search results (the result's fields come back with the form, so
/// that nothing is asked of Open Library twice).
#[handler]
pub async fn add_found(Data(app): Data<&App>, f: AdminForm<FoundForm>) -> Result<Response> {
    let form = f.form;
    let found = Found {
        key: form.key,
        title: form.title.trim().to_string(),
        authors: book_form::lines(&form.authors),
        year: form.year,
        isbn13: form.isbn13.as_deref().and_then(|i| isbn::normalize(i).ok()),
        cover_id: form.cover_id.filter(|id| *id > 0),
        pages: form.pages,
    };
    let details = lookup::details_of(&found);
    if let Err(message) = shelf::check(&details) {
        return Err(crate::error::Failure::bad_request(message));
    }
    add(app, details, status_of(form.status.as_deref())).await
}

fn status_of(slug: Option<&str>) -> BookStatus {
    slug.and_then(BookStatus::from_slug).unwrap_or_default()
}

/// Puts a looked-up book on its shelf and opens it, or opens the copy already there.
async fn add(app: &App, details: BookDetails, status: BookStatus) -> Result<Response> {
    let today = shelf::today(&app.settings().await?.timezone);
    let added = app
        .db
        .write(move |tx| {
            let reading = shelf::moved(&Reading::default(), status, &today);
            shelf::add(tx, &details, &reading, store::now(), store::now())
        })
        .await?;
    let done = match added {
        Added::New(_) => "book_added",
        Added::Existing(_) => "book_exists",
    };
    Ok(Redirect::see_other(format!("/admin/books/{}?done={done}", added.id())).into_response())
}

/// The form to type a book in, with what is known filled in and a note on why.
async fn manual(
    app: &App,
    admin: &Admin,
    isbn: &str,
    status: BookStatus,
    note: &str,
) -> Result<Response> {
    let form = BookForm {
        isbn: isbn.to_string(),
        status: status.slug().to_string(),
        ..BookForm::default()
    };
    book_form::render(app, admin, None, &form, None, Some(note)).await
}

#[derive(Deserialize)]
pub struct NewQuery {
    isbn: Option<String>,
    title: Option<String>,
}

/// GET /admin/books/new: the form to type a book in.
#[handler]
pub async fn new(
    Data(app): Data<&App>,
    admin: Admin,
    Query(q): Query<NewQuery>,
) -> Result<Response> {
    let form = BookForm {
        isbn: q.isbn.unwrap_or_default(),
        title: q.title.unwrap_or_default(),
        ..BookForm::default()
    };
    book_form::render(app, &admin, None, &form, None, None).await
}

/// POST /admin/books: a book typed in, with an optional cover upload.
#[handler]
pub async fn create(
    Data(app): Data<&App>,
    admin: Admin,
    multipart: Multipart,
) -> poem::Result<Response> {
    let data = super::upload_form(app, &admin, multipart).await?;
    let form = BookForm::from_form(&data);
    let (details, reading, shelves) = match form.read() {
        Ok(read) => read,
        Err(error) => {
            return Ok(book_form::render(app, &admin, None, &form, Some(&error), None).await?);
        }
    };
    let uploaded = book_form::cover_upload(app, &data).await;
    let media = match uploaded {
        Ok(media) => media,
        Err(error) => {
            return Ok(book_form::render(app, &admin, None, &form, Some(&error), None).await?);
        }
    };
    let details = BookDetails {
        // A book typed in with an ISBN gets its cover from the cover store unless one was
        // uploaded; without an ISBN there is nothing to ask for.
        cover_source: match (&media, &details.isbn13) {
            (None, Some(isbn)) => cover::source(None, Some(isbn)),
            _ => String::new(),
        },
        ..details
    };
    let added = app
        .db
        .write(move |tx| {
            let added = shelf::add(tx, &details, &reading, store::now(), store::now())?;
            if let Added::New(id) = added {
                books::set_shelves_of(tx, id, &shelves)?;
                if let Some(media) = media {
                    books::set_cover(tx, id, media)?;
                }
            }
            Ok(added)
        })
        .await
        .map_err(crate::error::Failure::from)?;
    let done = match added {
        Added::New(_) => "book_added",
        Added::Existing(_) => "book_exists",
    };
    Ok(Redirect::see_other(format!("/admin/books/{}?done={done}", added.id())).into_response())
}

#[derive(Deserialize)]
pub struct VisibilityForm {
    #[serde(default)]
    public: Vec<String>,
    /// A tick box: present when ticked.
    post_on_finish: Option<String>,
}

/// Which status shelves visitors see.
#[handler]
pub async fn set_visibility(
    Data(app): Data<&App>,
    f: AdminForm<VisibilityForm>,
) -> Result<Response> {
    let public: Vec<BookStatus> = BookStatus::ALL
        .into_iter()
        .filter(|s| f.form.public.iter().any(|p| p == s.slug()))
        .collect();
    let post_on_finish = f.form.post_on_finish.is_some();
    app.db
        .write(move |tx| {
            let mut s = settings::load(tx)?;
            s.book_shelves_public = public;
            s.book_post_on_finish = post_on_finish;
            settings::save(tx, &s)
        })
        .await?;
    Ok(Redirect::see_other("/admin/books/shelves?done=settings").into_response())
}
