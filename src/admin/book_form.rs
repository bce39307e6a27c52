//! The form for one book, typed in or edited: what describes it, where it is in the owner's
//! reading, their shelves, and a cover upload. A refused form comes back with what was typed
//! and the reason beside it.

use poem::Response;
use serde::Serialize;

use crate::app::App;
use crate::auth::Admin;
use crate::books::record::Rating;
use crate::books::shelf;
use crate::books::{isbn, views};
use crate::ctx;
use crate::error::Result;
use crate::forms::multipart::FormData;
use crate::media::upload;
use crate::store::book_status::BookStatus;
use crate::store::books::{self, Book, BookDetails, Reading};
use crate::store::ids::{MediaId, ShelfId};

/// The form's fields as typed.
#[derive(Clone, Debug, Default, Serialize)]
pub struct BookForm {
    pub title: String,
    /// One per line.
    pub authors: String,
    pub isbn: String,
    pub pages: String,
    pub publisher: String,
    pub year: String,
    pub status: String,
    pub started_on: String,
    pub finished_on: String,
    /// Stars, "4" or "4.5"; empty for none.
    pub rating: String,
    pub notes: String,
    pub shelves: Vec<String>,
}

/// Non-empty trimmed lines.
pub fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}

fn number<T: std::str::FromStr>(value: &str, what: &str) -> Result<Option<T>, String> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    value
        .parse()
        .map(Some)
        .map_err(|_| format!("{what} must be a number."))
}

impl BookForm {
    pub fn from_form(data: &FormData) -> BookForm {
        let field = |name: &str| data.get(name).unwrap_or("").to_string();
        BookForm {
            title: field("title"),
            authors: field("authors"),
            isbn: field("isbn"),
            pages: field("pages"),
            publisher: field("publisher"),
            year: field("year"),
            status: field("status"),
            started_on: field("started_on"),
            finished_on: field("finished_on"),
            rating: field("rating"),
            notes: field("notes"),
            shelves: data.all("shelf").into_iter().map(String::from).collect(),
        }
    }

    /// The form as it shows a book.
    pub fn of(book: &Book, shelves: &[ShelfId]) -> BookForm {
        BookForm {
            title: book.title.clone(),
            authors: book.authors.join("\n"),
            isbn: book.isbn13.clone().unwrap_or_default(),
            pages: book.pages.map(|p| p.to_string()).unwrap_or_default(),
            publisher: book.publisher.clone(),
            year: book.year.map(|y| y.to_string()).unwrap_or_default(),
            status: book.status.slug().to_string(),
            started_on: book.started_on.clone().unwrap_or_default(),
            finished_on: book.finished_on.clone().unwrap_or_default(),
            rating: book
                .rating
                .and_then(Rating::from_quarters)
                .map(Rating::display)
                .unwrap_or_default(),
            notes: book.notes.clone(),
            shelves: shelves.iter().map(|s| s.0.to_string()).collect(),
        }
    }

    /// The book the form describes, or what is wrong with it.
    pub fn read(&self) -> Result<(BookDetails, Reading, Vec<ShelfId>), String> {
        let isbn13 = match self.isbn.trim() {
            "" => None,
            typed => Some(isbn::normalize(typed).map_err(|e| e.to_string())?),
        };
        let details = BookDetails {
            title: self.title.trim().to_string(),
            authors: lines(&self.authors),
            isbn13,
            pages: number(&self.pages, "Pages")?,
            publisher: self.publisher.trim().to_string(),
            year: number(&self.year, "The year")?,
            ..BookDetails::default()
        };
        shelf::check(&details)?;
        let rating = match number::<f64>(&self.rating, "The rating")? {
            None => None,
            Some(stars) => Some(
                Rating::from_stars(stars)
                    .filter(|r| r.quarters() % 2 == 0 && r.quarters() >= 4)
                    .ok_or("A rating is 1 to 5 stars, in halves.")?
                    .quarters(),
            ),
        };
        let reading = Reading {
            status: BookStatus::from_slug(&self.status).unwrap_or_default(),
            started_on: shelf::parse_date(&self.started_on)?,
            finished_on: shelf::parse_date(&self.finished_on)?,
            rating,
            notes: self.notes.replace("\r\n", "\n").trim_end().to_string(),
        };
        shelf::check_reading(&reading)?;
        let shelves = self
            .shelves
            .iter()
            .filter_map(|s| s.parse().ok().map(ShelfId))
            .collect();
        Ok((details, reading, shelves))
    }
}

/// The cover uploaded with the form, taken into the media library, if there is one.
pub async fn cover_upload(app: &App, data: &FormData) -> Result<Option<MediaId>, String> {
    let Some(file) = data.files.iter().find(|f| f.field == "cover") else {
        return Ok(None);
    };
    let alt = format!("Cover of {}", data.get("title").unwrap_or("a book").trim());
    match upload::accept_file(app, file, &alt).await {
        Ok(media) => Ok(Some(media.id)),
        Err(e) => Err(crate::error::Failure::from(e).message().to_string()),
    }
}

/// Renders the form: for a new book (`book` None) or an existing one.
pub async fn render(
    app: &App,
    admin: &Admin,
    book: Option<&Book>,
    form: &BookForm,
    error: Option<&str>,
    note: Option<&str>,
) -> Result<Response> {
    let custom = app.db.read(books::shelves).await?;
    let statuses: Vec<_> = BookStatus::ALL
        .into_iter()
        .map(|s| (s.slug(), s.label()))
        .collect();
    let public = match book {
        Some(b) => app
            .settings()
            .await?
            .book_shelves_public
            .contains(&b.status),
        None => false,
    };
    let book = book.map(views::owner);
    let mut response = super::render(
        app,
        admin,
        "book_form.html",
        "books",
        None,
        ctx! { book, form, error, note, custom, statuses, public },
    )
    .await?;
    if error.is_some() {
        response.set_status(poem::http::StatusCode::BAD_REQUEST);
    }
    Ok(response)
}
