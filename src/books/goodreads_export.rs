//! The bookshelf as a Goodreads library export. Goodreads' layout is the one every other service
//! (StoryGraph, BookWyrm, Hardcover…) imports, so writing it is how the owner takes their books
//! anywhere. Two columns are added at the end, which other services ignore and Porch's own
//! import reads back: `Date Started`, which Goodreads' export lacks, and `Porch Rating`, which
//! keeps the half and quarter stars that `My Rating` rounds to whole ones.
//!
//! What does not survive a round trip through this file: a custom shelf whose name has a comma
//! in it, or an author whose name does, is split in two on the way back (Goodreads' lists are
//! comma-separated and its shelf names cannot hold one); notes lose spaces at their ends, and a
//! `<br/>` typed in them comes back as a line break; and a page count of 0 comes back as
//! unknown.

use std::io::Write;

use chrono::NaiveDate;

use crate::books::import_csv::goodreads_shelf;
use crate::books::isbn;
use crate::books::record::BookRecord;
use crate::store::book_status::BookStatus;

/// Goodreads' current export columns, in its order, and Porch's two.
const COLUMNS: [&str; 26] = [
    "Book Id",
    "Title",
    "Author",
    "Author l-f",
    "Additional Authors",
    "ISBN",
    "ISBN13",
    "My Rating",
    "Average Rating",
    "Publisher",
    "Binding",
    "Number of Pages",
    "Year Published",
    "Original Publication Year",
    "Date Read",
    "Date Added",
    "Bookshelves",
    "Bookshelves with positions",
    "Exclusive Shelf",
    "My Review",
    "Spoiler",
    "Private Notes",
    "Read Count",
    "Owned Copies",
    "Date Started",
    "Porch Rating",
];

/// Writes `books` as a Goodreads library export.
pub fn write<W: Write>(out: W, books: impl IntoIterator<Item = BookRecord>) -> anyhow::Result<()> {
    let mut csv = csv::Writer::from_writer(out);
    csv.write_record(COLUMNS)?;
    for (book, id) in books.into_iter().zip(1u64..) {
        csv.write_record(row(id, &book))?;
    }
    // Dropping the writer would flush too, but would swallow the error of a full disk.
    csv.flush()?;
    Ok(())
}

fn row(id: u64, book: &BookRecord) -> [String; 26] {
    let exclusive = goodreads_shelf(book.status);
    let (author, additional) = match book.authors.split_first() {
        Some((first, rest)) => (first.clone(), rest.join(", ")),
        None => (String::new(), String::new()),
    };
    let bookshelves = std::iter::once(exclusive)
        .chain(book.shelves.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join(", ");
    [
        id.to_string(),
        book.title.clone(),
        author.clone(),
        last_name_first(&author),
        additional,
        formula(book.isbn13.as_deref().and_then(isbn::to_isbn10).as_deref()),
        formula(book.isbn13.as_deref()),
        book.rating.map_or(0, |r| r.whole_stars()).to_string(),
        // Porch knows no average of other readers' ratings.
        String::new(),
        book.publisher.clone(),
        String::new(),
        number(book.pages),
        number(book.year),
        String::new(),
        date(book.finished_on),
        date(book.added_on),
        bookshelves,
        // Positions are the order of a Goodreads shelf, which Porch does not keep.
        String::new(),
        exclusive.to_string(),
        review_html(&book.notes),
        String::new(),
        String::new(),
        read_count(book.status).to_string(),
        "0".into(),
        date(book.started_on),
        book.rating.map(|r| r.display()).unwrap_or_default(),
    ]
}

/// Goodreads' reviews are HTML: it writes a line break as `<br/>`, and services that import its
/// files turn them back into lines (Porch's import included), where a bare newline in HTML
/// would run the lines together.
fn review_html(notes: &str) -> String {
    notes.replace('\n', "<br/>")
}

/// Goodreads writes ISBNs as spreadsheet formulas, `="0441172717"`, so that spreadsheets keep
/// the leading zero; importers expect it.
fn formula(isbn: Option<&str>) -> String {
    format!("=\"{}\"", isbn.unwrap_or(""))
}

/// "Frank Herbert" as "Herbert, Frank", taking the last word as the family name. Goodreads
/// knows better for "Ursula K. Le Guin"; importers use this column only to sort.
fn last_name_first(name: &str) -> String {
    match name.trim().rsplit_once(' ') {
        Some((given, family)) => format!("{family}, {}", given.trim()),
        None => name.trim().to_string(),
    }
}

fn number<N: ToString>(n: Option<N>) -> String {
    n.map(|n| n.to_string()).unwrap_or_default()
}

fn date(day: Option<NaiveDate>) -> String {
    day.map(|d| d.format("%Y/%m/%d").to_string())
        .unwrap_or_default()
}

/// Goodreads counts the readings of a book; Porch knows only whether it was finished.
fn read_count(status: BookStatus) -> u8 {
    u8::from(status == BookStatus::Finished)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::books::import_csv::{self, Format, RowError};
    use crate::books::record::Rating;

    fn day(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, d)
    }

    fn export(books: Vec<BookRecord>) -> String {
        let mut out = Vec::new();
        if let Err(err) = write(&mut out, books) {
            panic!("writing to memory should not fail: {err}");
        }
        match String::from_utf8(out) {
            Ok(text) => text,
            Err(err) => panic!("the export should be UTF-8: {err}"),
        }
    }

    fn import(text: &str) -> (Format, Vec<Result<BookRecord, RowError>>) {
        match import_csv::open(text.as_bytes()) {
            Ok((format, rows)) => (format, rows.collect()),
            Err(err) => panic!("the export should import: {err}"),
        }
    }

    fn sample() -> Vec<BookRecord> {
        vec![
            BookRecord {
                title: "Dune".into(),
                authors: vec!["Frank Herbert".into()],
                isbn13: Some("9780441172719".into()),
                pages: Some(535),
                publisher: "Ace Books".into(),
                year: Some(1990),
                status: BookStatus::Finished,
                shelves: vec!["sci-fi".into(), "favorites".into()],
                rating: Rating::from_stars(4.5),
                started_on: day(2019, 7, 3),
                finished_on: day(2019, 8, 14),
                added_on: day(2019, 7, 1),
                notes: "Spice, \"the\" spice.\nTwo lines, with commas.".into(),
            },
            BookRecord {
                title: "Good Omens: The Nice and Accurate Prophecies of Agnes Nutter, Witch".into(),
                authors: vec!["Terry Pratchett".into(), "Neil Gaiman".into()],
                isbn13: Some("9780060853983".into()),
                pages: Some(412),
                publisher: "William Morrow".into(),
                year: Some(2006),
                status: BookStatus::Reading,
                shelves: vec!["comedy".into()],
                rating: Rating::from_stars(3.75),
                started_on: day(2024, 5, 1),
                finished_on: None,
                added_on: None,
                notes: String::new(),
            },
            BookRecord {
                title: "A \"Quoted\" Title,\nOn Two Lines".into(),
                authors: vec![],
                isbn13: None,
                pages: None,
                publisher: String::new(),
                year: None,
                status: BookStatus::WantToRead,
                shelves: vec![],
                rating: None,
                started_on: None,
                finished_on: None,
                added_on: day(2024, 2, 29),
                notes: String::new(),
            },
            BookRecord {
                title: "Infinite Jest".into(),
                authors: vec!["David Foster Wallace".into()],
                isbn13: Some("9780316066525".into()),
                pages: Some(1079),
                publisher: "Back Bay Books".into(),
                year: Some(2006),
                status: BookStatus::DidNotFinish,
                shelves: vec!["doorstoppers".into(), "on-hold".into()],
                rating: Rating::from_stars(0.25),
                started_on: day(2018, 6, 2),
                finished_on: None,
                added_on: day(2018, 6, 1),
                notes: "Stopped at page 300.\n\nMaybe next winter.".into(),
            },
            BookRecord {
                title: "L'Anomalie".into(),
                authors: vec!["Hervé Le Tellier".into()],
                // A 979 ISBN has no ten-digit form.
                isbn13: Some("9791090636071".into()),
                pages: Some(336),
                publisher: "Gallimard".into(),
                year: Some(2020),
                status: BookStatus::Finished,
                shelves: vec!["français".into()],
                rating: Rating::from_stars(5.0),
                started_on: None,
                finished_on: day(2021, 3, 4),
                added_on: None,
                notes: "Très bien.".into(),
            },
        ]
    }

    #[test]
    fn an_export_reads_back_as_the_same_books() {
        let books = sample();
        let (format, results) = import(&export(books.clone()));
        assert_eq!(format, Format::Goodreads);
        let read: Vec<BookRecord> = results
            .into_iter()
            .map(|r| match r {
                Ok(book) => book,
                Err(err) => panic!("every exported row should import: {err}"),
            })
            .collect();
        assert_eq!(read, books);
    }

    #[test]
    fn the_header_is_goodreads_layout_followed_by_porchs_two_columns() {
        let text = export(vec![]);
        assert_eq!(
            text,
            "Book Id,Title,Author,Author l-f,Additional Authors,ISBN,ISBN13,My Rating,\
             Average Rating,Publisher,Binding,Number of Pages,Year Published,\
             Original Publication Year,Date Read,Date Added,Bookshelves,\
             Bookshelves with positions,Exclusive Shelf,My Review,Spoiler,Private Notes,\
             Read Count,Owned Copies,Date Started,Porch Rating\n"
        );
    }

    #[test]
    fn a_row_is_written_as_goodreads_writes_it() {
        let text = export(sample().into_iter().take(1).collect());
        let row = text.lines().nth(1);
        assert_eq!(
            row,
            Some(
                "1,Dune,Frank Herbert,\"Herbert, Frank\",,\"=\"\"0441172717\"\"\",\
                 \"=\"\"9780441172719\"\"\",5,,Ace Books,,535,1990,,2019/08/14,2019/07/01,\
                 \"read, sci-fi, favorites\",,read,\"Spice, \"\"the\"\" spice.<br/>Two lines, \
                 with commas.\",,,1,0,2019/07/03,4.5"
            )
        );
    }

    #[test]
    fn a_book_without_an_isbn_has_empty_formulas_and_no_rating_is_zero() {
        let text = export(sample().into_iter().skip(2).take(1).collect());
        let (_, results) = import(&text);
        assert!(results.iter().all(Result::is_ok));
        assert!(text.contains(",\"=\"\"\"\"\",\"=\"\"\"\"\",0,,"), "{text}");
        assert!(text.ends_with(",0,0,,\n"), "{text}");
    }

    #[test]
    fn did_not_finish_is_written_as_its_own_exclusive_shelf() {
        let text = export(sample().into_iter().skip(3).take(1).collect());
        assert!(text.contains(",\"did-not-finish, doorstoppers, on-hold\",,did-not-finish,"));
        // Whole stars round up, as Goodreads has no quarter ones; Porch's column keeps it.
        assert!(text.contains(",1,,Back Bay Books,"), "{text}");
        assert!(text.ends_with(",0,0,2018/06/02,0.25\n"), "{text}");
    }

    #[test]
    fn books_are_numbered_in_order() {
        let text = export(sample());
        let ids: Vec<String> = csv::Reader::from_reader(text.as_bytes())
            .records()
            .filter_map(Result::ok)
            .filter_map(|record| record.get(0).map(str::to_string))
            .collect();
        assert_eq!(ids, vec!["1", "2", "3", "4", "5"]);
    }

    #[test]
    fn line_breaks_in_notes_are_written_as_goodreads_writes_them() {
        let text = export(sample().into_iter().skip(3).take(1).collect());
        assert!(
            text.contains(",Stopped at page 300.<br/><br/>Maybe next winter.,"),
            "{text}"
        );
    }

    #[test]
    fn the_family_name_comes_first_in_author_l_f() {
        assert_eq!(last_name_first("Frank Herbert"), "Herbert, Frank");
        assert_eq!(last_name_first("N.K. Jemisin"), "Jemisin, N.K.");
        assert_eq!(last_name_first("Homer"), "Homer");
        assert_eq!(last_name_first(""), "");
    }

    #[test]
    fn a_failing_writer_is_an_error() {
        struct Full;
        impl Write for Full {
            fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
                Err(std::io::Error::other("disk full"))
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        assert!(write(Full, sample()).is_err());
    }
}
