//! Posts the bookshelf writes for the owner: a read post for a book (what "Post about this
//! book" opens in the composer, and what moving a book to Finished publishes when the owner
//! asked for that), and the Year in books draft. Each goes through the one publish path.

use crate::config::BaseUrl;
use crate::posts::save::{Action, Compose};
use crate::store::book_status::BookStatus;
use crate::store::books::Book;
use crate::store::posts::Kind;

use super::read_post;
use super::views::{self, byline};

/// A read post about `book` in `status`, with its cover as the photo: ready for the composer or
/// to publish as it is.
pub fn read_post(book: &Book, status: BookStatus, base: &BaseUrl, action: Action) -> Compose {
    let mut compose = Compose::new(Kind::Post, action);
    compose.markdown = read_post::text(book, status, base);
    if let Some(cover) = &book.cover {
        compose.photos = vec![(cover.media_id, format!("Cover of {}", book.title))];
    }
    compose
}

/// A draft listing the books finished in `year`, each with its cover and a link to its page.
pub fn year_in_books(year: i32, books: &[Book], base: &BaseUrl) -> Compose {
    let mut compose = Compose::new(Kind::Post, Action::Draft);
    compose.title = format!("My year in books: {year}");
    let count = match books.len() {
        1 => "one book".to_string(),
        n => format!("{n} books"),
    };
    let mut text = format!("I finished {count} in {year}. 📚\n");
    for book in books {
        let view = views::public(book);
        let url = base.join(&view.path);
        let title = book.title.replace(['[', ']'], "");
        text.push('\n');
        if let Some(cover) = &view.cover {
            text.push_str(&format!(
                "[![Cover of {title}]({})]({url})\n",
                base.join(cover)
            ));
        }
        text.push_str(&format!("**[{title}]({url})**"));
        let by = byline(&book.authors);
        if !by.is_empty() {
            text.push_str(&format!(" by {by}"));
        }
        text.push('\n');
    }
    compose.markdown = text;
    compose
}
