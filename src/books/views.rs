//! Books as templates see them. A visitor's view is a type of its own that has no field for the
//! private rating or notes, so no public page, feed or object can show them by mistake.

use serde::Serialize;

use crate::media::files;
use crate::store::book_status::BookStatus;
use crate::store::books::Book;
use crate::store::ids::BookId;

use super::record::Rating;

/// Covers are shown small: the smallest stored copy at least this wide.
const COVER_WIDTH: u32 = 480;

/// A book on a public page or feed.
#[derive(Clone, Debug, Serialize)]
pub struct PublicBook {
    /// `/books/<slug>/`
    pub path: String,
    pub title: String,
    pub authors: Vec<String>,
    /// "Frank Herbert and Brian Herbert"
    pub byline: String,
    pub isbn13: Option<String>,
    pub pages: Option<u32>,
    pub publisher: String,
    pub year: Option<i32>,
    /// The local cover (`/uploads/…`), if one was kept.
    pub cover: Option<String>,
    pub status: &'static str,
    pub status_label: &'static str,
    pub read_status: Option<&'static str>,
    pub started_on: Option<String>,
    pub finished_on: Option<String>,
}

/// A book in the panel: what visitors see, and the owner's own rating and notes.
#[derive(Clone, Debug, Serialize)]
pub struct OwnerBook {
    pub id: BookId,
    #[serde(flatten)]
    pub public: PublicBook,
    pub status_slug: &'static str,
    pub rating: Option<String>,
    pub notes: String,
    pub cover_state: String,
}

/// Names joined as people write them: "A", "A and B", "A, B and C".
pub fn byline(authors: &[String]) -> String {
    match authors {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

pub fn path(slug: &str) -> String {
    format!("/books/{slug}/")
}

pub fn public(book: &Book) -> PublicBook {
    PublicBook {
        path: path(&book.slug),
        title: book.title.clone(),
        authors: book.authors.clone(),
        byline: byline(&book.authors),
        isbn13: book.isbn13.clone(),
        pages: book.pages,
        publisher: book.publisher.clone(),
        year: book.year,
        cover: book
            .cover
            .as_ref()
            .map(|c| files::fitting_copy(&c.hash, &c.ext, &c.variants, COVER_WIDTH)),
        status: book.status.slug(),
        status_label: book.status.label(),
        read_status: book.status.read_status(),
        started_on: book.started_on.clone(),
        finished_on: book.finished_on.clone(),
    }
}

pub fn owner(book: &Book) -> OwnerBook {
    OwnerBook {
        id: book.id,
        public: public(book),
        status_slug: book.status.slug(),
        rating: book
            .rating
            .and_then(Rating::from_quarters)
            .map(Rating::display),
        notes: book.notes.clone(),
        cover_state: book.cover_state.clone(),
    }
}

/// A status shelf as a tab or section: its address, its name, how many books.
#[derive(Clone, Debug, Serialize)]
pub struct StatusShelf {
    pub slug: &'static str,
    pub label: &'static str,
    pub count: u32,
    pub public: bool,
}

pub fn status_shelves(counts: &[(BookStatus, u32)], public: &[BookStatus]) -> Vec<StatusShelf> {
    BookStatus::ALL
        .into_iter()
        .map(|s| StatusShelf {
            slug: s.slug(),
            label: s.label(),
            count: counts
                .iter()
                .find(|(c, _)| *c == s)
                .map(|(_, n)| *n)
                .unwrap_or(0),
            public: public.contains(&s),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bylines_read_as_people_write_them() {
        let names = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(byline(&names(&[])), "");
        assert_eq!(byline(&names(&["Ursula K. Le Guin"])), "Ursula K. Le Guin");
        assert_eq!(byline(&names(&["A", "B"])), "A and B");
        assert_eq!(byline(&names(&["A", "B", "C"])), "A, B and C");
    }
}
