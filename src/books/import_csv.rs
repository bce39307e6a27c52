//! Reading a Goodreads or StoryGraph library export, one row at a time.
//!
//! Exports run to thousands of rows and come from people's own hands (some edited in a
//! spreadsheet first), so the reader streams the file and treats each row on its own: a row it
//! cannot use is reported with the number a spreadsheet shows for it, and the rest go on. Within
//! a row, a field that cannot be read (an ISBN with a wrong check digit, an impossible date, a
//! rating that is not a number) is left empty and the book is kept: losing one fact is better
//! than losing the book. Only a row without a title, which would be a book nobody can find, a
//! row whose cells do not line up with the header, and a row over the size caps are skipped.
//!
//! Columns are found by name, so their order does not matter and columns the bookshelf has no
//! use for (moods, binding, average rating…) are ignored.

use std::io::Read;

use chrono::NaiveDate;
use csv::{ByteRecord, StringRecord};

use crate::books::isbn;
use crate::books::record::{BookRecord, Rating};
use crate::store::book_status::BookStatus;

/// One cell larger than this is no title or review but a broken or hostile file.
const MAX_FIELD_BYTES: usize = 64 * 1024;
/// Nor is a row whose cells add up to more than this.
const MAX_ROW_BYTES: usize = 256 * 1024;

/// The service a file was exported from, told by its header row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Goodreads,
    StoryGraph,
}

impl Format {
    /// What the owner is told was read ("the Goodreads export").
    pub fn name(self) -> &'static str {
        match self {
            Format::Goodreads => "Goodreads export",
            Format::StoryGraph => "StoryGraph export",
        }
    }
}

/// Why a file cannot be imported at all.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("The file is empty.")]
    Empty,
    #[error(
        "This is neither a Goodreads export (whose first row names the columns Title, Author and \
         Exclusive Shelf) nor a StoryGraph export (Title, Authors and Read Status)."
    )]
    UnknownFormat,
    #[error("The file could not be read: {0}")]
    Unreadable(#[source] csv::Error),
}

/// A row that was skipped, and why. `row` is the row number a spreadsheet shows: the header is
/// row 1 and the first book row 2.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("Row {row}: {reason}")]
pub struct RowError {
    pub row: usize,
    pub reason: String,
}

/// Starts reading an export: reads the header row and tells which service wrote the file. The
/// books follow from the returned [`Rows`].
pub fn open<R: Read>(reader: R) -> Result<(Format, Rows<R>), ImportError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        // Cell counts are checked row by row below, so that a short row is reported with its
        // number rather than as a parse error.
        .flexible(true)
        .from_reader(reader);
    let mut first = ByteRecord::new();
    if !reader
        .read_byte_record(&mut first)
        .map_err(ImportError::Unreadable)?
    {
        return Err(ImportError::Empty);
    }
    let header = Header::new(&first);
    let columns = if header.has_all(&["Title", "Author", "Exclusive Shelf"]) {
        Columns::Goodreads(GoodreadsColumns::new(&header))
    } else if header.has_all(&["Title", "Authors", "Read Status"]) {
        Columns::StoryGraph(StoryGraphColumns::new(&header))
    } else {
        return Err(ImportError::UnknownFormat);
    };
    let format = columns.format();
    let rows = Rows {
        reader,
        columns,
        width: first.len(),
        row: 1,
        record: ByteRecord::new(),
        finished: false,
    };
    Ok((format, rows))
}

/// The books of an export, in file order, each one or the reason its row was skipped.
pub struct Rows<R> {
    reader: csv::Reader<R>,
    columns: Columns,
    /// Cells in the header row; every row should have as many.
    width: usize,
    /// The spreadsheet row number of the record read last.
    row: usize,
    record: ByteRecord,
    finished: bool,
}

impl<R: Read> Iterator for Rows<R> {
    type Item = Result<BookRecord, RowError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.finished {
            match self.reader.read_byte_record(&mut self.record) {
                Ok(false) => self.finished = true,
                Err(err) => {
                    // With flexible records the only error left is the reader's own, which
                    // would come back on every further call: report it once and stop.
                    self.finished = true;
                    return Some(Err(RowError {
                        row: self.row + 1,
                        reason: format!("The rest of the file could not be read: {err}"),
                    }));
                }
                Ok(true) => {
                    self.row += 1;
                    // Spreadsheets leave rows of empty cells at the end; they are no books.
                    if is_blank(&self.record) {
                        continue;
                    }
                    let row = self.row;
                    return Some(self.book().map_err(|reason| RowError { row, reason }));
                }
            }
        }
        None
    }
}

impl<R> Rows<R> {
    /// The spreadsheet row number of the row read last (the header is row 1).
    pub fn row(&self) -> usize {
        self.row
    }

    fn book(&self) -> Result<BookRecord, String> {
        check_size(&self.record)?;
        check_width(&self.record, self.width)?;
        let record = StringRecord::from_byte_record(self.record.clone()).map_err(|_| {
            "This row is not UTF-8 text; save the file as UTF-8 CSV and import it again."
                .to_string()
        })?;
        let cells = Cells(&record);
        match &self.columns {
            Columns::Goodreads(columns) => goodreads_book(&cells, columns),
            Columns::StoryGraph(columns) => storygraph_book(&cells, columns),
        }
    }
}

fn is_blank(record: &ByteRecord) -> bool {
    record
        .iter()
        .all(|cell| cell.iter().all(u8::is_ascii_whitespace))
}

fn check_size(record: &ByteRecord) -> Result<(), String> {
    if record.iter().any(|cell| cell.len() > MAX_FIELD_BYTES) {
        return Err("A cell in this row is longer than 64 KB.".into());
    }
    if record.as_slice().len() > MAX_ROW_BYTES {
        return Err("This row is longer than 256 KB.".into());
    }
    Ok(())
}

/// A row with fewer cells than the header, or more that are not empty, is most often half of a
/// row split by a lost quote: reading it would put the wrong text in the wrong fields.
fn check_width(record: &ByteRecord, width: usize) -> Result<(), String> {
    let extra_is_empty = record
        .iter()
        .skip(width)
        .all(|cell| cell.iter().all(u8::is_ascii_whitespace));
    if record.len() < width || !extra_is_empty {
        return Err(format!(
            "This row has {} cells but the first row names {width} columns.",
            record.len()
        ));
    }
    Ok(())
}

/// The header row's column names, as found in the file.
struct Header(Vec<String>);

impl Header {
    fn new(record: &ByteRecord) -> Header {
        Header(
            record
                .iter()
                .map(|name| {
                    String::from_utf8_lossy(name)
                        .trim_start_matches('\u{feff}')
                        .trim()
                        .to_string()
                })
                .collect(),
        )
    }

    /// The position of a column, its name in any case (files edited by hand drift).
    fn find(&self, name: &str) -> Option<usize> {
        self.0.iter().position(|h| h.eq_ignore_ascii_case(name))
    }

    fn has_all(&self, names: &[&str]) -> bool {
        names.iter().all(|name| self.find(name).is_some())
    }
}

enum Columns {
    Goodreads(GoodreadsColumns),
    StoryGraph(StoryGraphColumns),
}

impl Columns {
    fn format(&self) -> Format {
        match self {
            Columns::Goodreads(_) => Format::Goodreads,
            Columns::StoryGraph(_) => Format::StoryGraph,
        }
    }
}

struct GoodreadsColumns {
    title: Option<usize>,
    author: Option<usize>,
    additional_authors: Option<usize>,
    isbn: Option<usize>,
    isbn13: Option<usize>,
    my_rating: Option<usize>,
    publisher: Option<usize>,
    pages: Option<usize>,
    year: Option<usize>,
    original_year: Option<usize>,
    date_read: Option<usize>,
    date_added: Option<usize>,
    bookshelves: Option<usize>,
    exclusive_shelf: Option<usize>,
    review: Option<usize>,
    private_notes: Option<usize>,
    /// Written by Porch's own export only.
    date_started: Option<usize>,
    /// Written by Porch's own export only; keeps the quarter stars `My Rating` rounds away.
    porch_rating: Option<usize>,
}

impl GoodreadsColumns {
    fn new(header: &Header) -> GoodreadsColumns {
        GoodreadsColumns {
            title: header.find("Title"),
            author: header.find("Author"),
            additional_authors: header.find("Additional Authors"),
            isbn: header.find("ISBN"),
            isbn13: header.find("ISBN13"),
            my_rating: header.find("My Rating"),
            publisher: header.find("Publisher"),
            pages: header.find("Number of Pages"),
            year: header.find("Year Published"),
            original_year: header.find("Original Publication Year"),
            date_read: header.find("Date Read"),
            date_added: header.find("Date Added"),
            bookshelves: header.find("Bookshelves"),
            exclusive_shelf: header.find("Exclusive Shelf"),
            review: header.find("My Review"),
            private_notes: header.find("Private Notes"),
            date_started: header.find("Date Started"),
            porch_rating: header.find("Porch Rating"),
        }
    }
}

struct StoryGraphColumns {
    title: Option<usize>,
    authors: Option<usize>,
    isbn: Option<usize>,
    read_status: Option<usize>,
    date_added: Option<usize>,
    last_date_read: Option<usize>,
    dates_read: Option<usize>,
    star_rating: Option<usize>,
    review: Option<usize>,
    tags: Option<usize>,
}

impl StoryGraphColumns {
    fn new(header: &Header) -> StoryGraphColumns {
        StoryGraphColumns {
            title: header.find("Title"),
            authors: header.find("Authors"),
            // Older exports call it ISBN; newer ones ISBN/UID, as it can hold StoryGraph's own id.
            isbn: header.find("ISBN/UID").or_else(|| header.find("ISBN")),
            read_status: header.find("Read Status"),
            date_added: header.find("Date Added"),
            last_date_read: header.find("Last Date Read"),
            dates_read: header.find("Dates Read"),
            star_rating: header.find("Star Rating"),
            review: header.find("Review"),
            tags: header.find("Tags"),
        }
    }
}

/// The cells of one row, trimmed; a column the file lacks reads as empty.
struct Cells<'a>(&'a StringRecord);

impl<'a> Cells<'a> {
    fn get(&self, column: Option<usize>) -> &'a str {
        column
            .and_then(|i| self.0.get(i))
            .map(str::trim)
            .unwrap_or("")
    }
}

fn goodreads_book(cells: &Cells, c: &GoodreadsColumns) -> Result<BookRecord, String> {
    let title = title(cells.get(c.title))?;
    let mut shelves = custom_shelves(cells.get(c.bookshelves));
    let exclusive = cells.get(c.exclusive_shelf);
    let status = match status_of_shelf(exclusive) {
        Some(status) => status,
        None => {
            // A shelf of the owner's own made exclusive (`on-hold`, `dnf`…): Porch has no such
            // status, so the book waits on Want to read and keeps the shelf's name.
            add_shelf(&mut shelves, exclusive);
            BookStatus::WantToRead
        }
    };
    Ok(BookRecord {
        title,
        authors: goodreads_authors(cells.get(c.author), cells.get(c.additional_authors)),
        isbn13: first_valid_isbn(&[cells.get(c.isbn13), cells.get(c.isbn)]),
        pages: pages(cells.get(c.pages)),
        publisher: cells.get(c.publisher).to_string(),
        year: year(cells.get(c.year)).or_else(|| year(cells.get(c.original_year))),
        status,
        shelves,
        rating: stars(cells.get(c.porch_rating)).or_else(|| stars(cells.get(c.my_rating))),
        started_on: date(cells.get(c.date_started)),
        // Kept whatever the status: Goodreads keeps the date of a past reading of a book that
        // is back on to-read, and so does Porch.
        finished_on: date(cells.get(c.date_read)),
        added_on: date(cells.get(c.date_added)),
        notes: join_notes(review_text(cells.get(c.review)), cells.get(c.private_notes)),
    })
}

fn storygraph_book(cells: &Cells, c: &StoryGraphColumns) -> Result<BookRecord, String> {
    let title = title(cells.get(c.title))?;
    let mut shelves = custom_shelves(cells.get(c.tags));
    let read_status = cells.get(c.read_status);
    let status = match status_of_shelf(read_status) {
        Some(status) => status,
        // A paused book is one being read, put down for now; the shelf says which.
        None if read_status.eq_ignore_ascii_case("paused") => {
            add_shelf(&mut shelves, read_status);
            BookStatus::Reading
        }
        None => {
            add_shelf(&mut shelves, read_status);
            BookStatus::WantToRead
        }
    };
    let (started_on, finished_on) = latest_reading(cells.get(c.dates_read));
    Ok(BookRecord {
        title,
        authors: names(cells.get(c.authors)),
        // The column holds StoryGraph's own id for books without an ISBN; that is no ISBN.
        isbn13: first_valid_isbn(&[cells.get(c.isbn)]),
        pages: None,
        publisher: String::new(),
        year: None,
        status,
        shelves,
        rating: stars(cells.get(c.star_rating)),
        started_on,
        finished_on: finished_on.or_else(|| date(cells.get(c.last_date_read))),
        added_on: date(cells.get(c.date_added)),
        notes: review_text(cells.get(c.review)),
    })
}

fn title(cell: &str) -> Result<String, String> {
    if cell.is_empty() {
        Err("This row has no title.".into())
    } else {
        Ok(cell.to_string())
    }
}

/// The exclusive shelves as Goodreads names them, and as Porch's export writes them.
pub(crate) fn goodreads_shelf(status: BookStatus) -> &'static str {
    match status {
        BookStatus::WantToRead => "to-read",
        BookStatus::Reading => "currently-reading",
        BookStatus::Finished => "read",
        BookStatus::DidNotFinish => "did-not-finish",
    }
}

/// StoryGraph's read statuses use the same four names as Goodreads' exclusive shelves.
fn status_of_shelf(name: &str) -> Option<BookStatus> {
    BookStatus::ALL
        .into_iter()
        .find(|status| goodreads_shelf(*status).eq_ignore_ascii_case(name))
}

/// The owner's own shelves (or StoryGraph tags) in a comma-separated list, without the status
/// shelves, which Goodreads lists there too.
fn custom_shelves(list: &str) -> Vec<String> {
    let mut shelves = Vec::new();
    for name in list.split(',') {
        if status_of_shelf(name.trim()).is_none() {
            add_shelf(&mut shelves, name);
        }
    }
    shelves
}

fn add_shelf(shelves: &mut Vec<String>, name: &str) {
    let name = name.trim();
    if !name.is_empty() && !shelves.iter().any(|s| s == name) {
        shelves.push(name.to_string());
    }
}

/// Goodreads keeps the main author on their own and the others (translators and editors
/// among them, as Goodreads does not tell them apart) in a comma-separated list.
fn goodreads_authors(author: &str, additional: &str) -> Vec<String> {
    let mut authors = Vec::new();
    if !author.is_empty() {
        authors.push(author.to_string());
    }
    authors.extend(names(additional));
    authors
}

fn names(list: &str) -> Vec<String> {
    list.split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(str::to_string)
        .collect()
}

/// The first cell that holds a valid ISBN. Goodreads writes ISBNs as spreadsheet formulas
/// (`="0441172717"`) so that spreadsheets keep the leading zero.
fn first_valid_isbn(cells: &[&str]) -> Option<String> {
    cells
        .iter()
        .map(|cell| without_formula(cell))
        .filter(|text| !text.is_empty())
        .find_map(|text| isbn::normalize(text).ok())
}

fn without_formula(cell: &str) -> &str {
    let cell = cell.trim();
    match cell.strip_prefix('=') {
        Some(rest) => rest
            .strip_prefix('"')
            .and_then(|quoted| quoted.strip_suffix('"'))
            .unwrap_or(rest)
            .trim(),
        None => cell,
    }
}

/// A rating in stars, whole or fractional; 0 is how both services write "not rated". A decimal
/// comma is accepted, as a spreadsheet in a European locale saves it.
fn stars(cell: &str) -> Option<Rating> {
    cell.replace(',', ".")
        .parse::<f64>()
        .ok()
        .and_then(Rating::from_stars)
}

/// Goodreads writes 0 or nothing for an unknown page count.
fn pages(cell: &str) -> Option<u32> {
    cell.parse().ok().filter(|n| *n > 0)
}

/// Years may be negative: Goodreads gives the Odyssey -725.
fn year(cell: &str) -> Option<i32> {
    cell.parse().ok().filter(|y| *y != 0)
}

/// Both services write `2023/01/05`; a file that went through a spreadsheet may have
/// `2023-01-05`.
fn date(cell: &str) -> Option<NaiveDate> {
    ["%Y/%m/%d", "%Y-%m-%d"]
        .iter()
        .find_map(|format| NaiveDate::parse_from_str(cell.trim(), format).ok())
}

/// The start and end of the latest reading in StoryGraph's `Dates Read`: readings are separated
/// by commas, each a `start-end` range or one date (the day it was finished). The latest is the
/// one with the latest date, whichever order the file lists them in.
fn latest_reading(cell: &str) -> (Option<NaiveDate>, Option<NaiveDate>) {
    cell.split(',')
        .filter_map(reading)
        .max_by_key(|(start, end)| end.or(*start))
        .unwrap_or((None, None))
}

fn reading(text: &str) -> Option<(Option<NaiveDate>, Option<NaiveDate>)> {
    let text = text.trim();
    if let Some(day) = date(text) {
        return Some((None, Some(day)));
    }
    // The range's own hyphen is the one with a date on its left; the dates may have hyphens too.
    text.match_indices('-').find_map(|(at, _)| {
        let start = date(text.get(..at)?)?;
        let end = text.get(at + 1..)?.trim();
        if end.is_empty() {
            Some((Some(start), None))
        } else {
            date(end).map(|end| (Some(start), Some(end)))
        }
    })
}

/// Goodreads keeps reviews as HTML, with `<br/>` for each line break.
fn review_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut rest = html;
    while let Some((before, after)) = rest.split_once('<') {
        text.push_str(before);
        match ["br/>", "br />", "br>"]
            .iter()
            .find_map(|tag| strip_prefix_ignoring_case(after, tag))
        {
            Some(after_tag) => {
                text.push('\n');
                rest = after_tag;
            }
            None => {
                text.push('<');
                rest = after;
            }
        }
    }
    text.push_str(rest);
    text.trim().to_string()
}

fn strip_prefix_ignoring_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    if head.eq_ignore_ascii_case(prefix) {
        text.get(prefix.len()..)
    } else {
        None
    }
}

/// Goodreads' private notes follow the review, a blank line between them.
fn join_notes(review: String, private_notes: &str) -> String {
    match (review.is_empty(), private_notes.is_empty()) {
        (_, true) => review,
        (true, false) => private_notes.to_string(),
        (false, false) => format!("{review}\n\n{private_notes}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, d)
    }

    fn rating(stars: f64) -> Option<Rating> {
        Rating::from_stars(stars)
    }

    fn read_all(text: &str) -> (Format, Vec<Result<BookRecord, RowError>>) {
        match open(text.as_bytes()) {
            Ok((format, rows)) => (format, rows.collect()),
            Err(err) => panic!("the file should open: {err}"),
        }
    }

    fn books(results: &[Result<BookRecord, RowError>]) -> Vec<&BookRecord> {
        results.iter().filter_map(|r| r.as_ref().ok()).collect()
    }

    fn errors(results: &[Result<BookRecord, RowError>]) -> Vec<&RowError> {
        results.iter().filter_map(|r| r.as_ref().err()).collect()
    }

    fn find<'a>(books: &[&'a BookRecord], title: &str) -> &'a BookRecord {
        match books.iter().find(|b| b.title == title) {
            Some(book) => book,
            None => panic!("no book titled {title:?}"),
        }
    }

    const GOODREADS_OLD: &str = include_str!("../../tests/fixtures/books/goodreads_old.csv");
    const GOODREADS_NEW: &str = include_str!("../../tests/fixtures/books/goodreads_new.csv");
    const STORYGRAPH: &str = include_str!("../../tests/fixtures/books/storygraph.csv");
    const STORYGRAPH_OLD: &str = include_str!("../../tests/fixtures/books/storygraph_old.csv");

    #[test]
    fn the_older_goodreads_export_with_a_bom_is_recognised() {
        assert!(GOODREADS_OLD.starts_with('\u{feff}'));
        let (format, results) = read_all(GOODREADS_OLD);
        assert_eq!(format, Format::Goodreads);
        assert_eq!(books(&results).len(), 7);
        assert_eq!(errors(&results).len(), 1);
    }

    #[test]
    fn a_goodreads_row_is_read_into_every_field() {
        let (_, results) = read_all(GOODREADS_OLD);
        let dune = find(&books(&results), "Dune (Dune, #1)");
        assert_eq!(
            dune,
            &BookRecord {
                title: "Dune (Dune, #1)".into(),
                authors: vec!["Frank Herbert".into()],
                isbn13: Some("9780441172719".into()),
                pages: Some(535),
                publisher: "Ace Books".into(),
                year: Some(1990),
                status: BookStatus::Finished,
                shelves: vec!["sci-fi".into(), "favorites".into()],
                rating: rating(5.0),
                started_on: None,
                finished_on: day(2019, 8, 14),
                added_on: day(2019, 7, 1),
                notes: "A desert planet, a messiah, and ecology.\n\nStill the best.".into(),
            }
        );
    }

    #[test]
    fn a_goodreads_isbn_written_as_a_formula_is_read() {
        // The older export writes the formula bare, `="0441478123"`; the current one quotes it.
        let (_, old) = read_all(GOODREADS_OLD);
        assert_eq!(
            find(&books(&old), "The Left Hand of Darkness")
                .isbn13
                .as_deref(),
            Some("9780441478125")
        );
        let (_, new) = read_all(GOODREADS_NEW);
        assert_eq!(
            find(&books(&new), "Piranesi").isbn13.as_deref(),
            Some("9781635575637")
        );
    }

    #[test]
    fn an_empty_goodreads_isbn_formula_is_no_isbn() {
        let (_, results) = read_all(GOODREADS_OLD);
        let kindle = find(&books(&results), "The Master and Margarita");
        assert_eq!(kindle.isbn13, None);
        assert_eq!(kindle.status, BookStatus::WantToRead);
    }

    #[test]
    fn the_ten_digit_isbn_stands_in_when_the_thirteen_digit_one_is_missing() {
        let (_, results) = read_all(GOODREADS_NEW);
        let book = find(&books(&results), "Gideon the Ninth (The Locked Tomb, #1)");
        assert_eq!(book.isbn13.as_deref(), Some("9781250313195"));
    }

    #[test]
    fn a_bad_isbn_check_digit_keeps_the_book_without_an_isbn() {
        let (_, results) = read_all(GOODREADS_OLD);
        let book = find(&books(&results), "Middlemarch");
        assert_eq!(book.isbn13, None);
        assert_eq!(book.authors, vec!["George Eliot".to_string()]);
    }

    #[test]
    fn an_impossible_date_is_dropped_and_the_book_kept() {
        let (_, results) = read_all(GOODREADS_OLD);
        let book = find(&books(&results), "Middlemarch");
        assert_eq!(book.finished_on, None);
        assert_eq!(book.added_on, day(2020, 11, 2));
        assert_eq!(book.status, BookStatus::Finished);
    }

    #[test]
    fn a_row_without_a_title_is_reported_with_its_spreadsheet_row_number() {
        let (_, results) = read_all(GOODREADS_OLD);
        assert_eq!(
            errors(&results),
            vec![&RowError {
                row: 8,
                reason: "This row has no title.".into()
            }]
        );
        // The rows after it are still read.
        assert!(
            books(&results)
                .iter()
                .any(|b| b.title == "Gödel, Escher, Bach")
        );
    }

    #[test]
    fn every_goodreads_exclusive_shelf_becomes_a_status() {
        let (_, results) = read_all(GOODREADS_OLD);
        let books = books(&results);
        let status = |title| find(&books, title).status;
        assert_eq!(status("Dune (Dune, #1)"), BookStatus::Finished);
        assert_eq!(status("The Left Hand of Darkness"), BookStatus::Reading);
        assert_eq!(status("The Odyssey"), BookStatus::WantToRead);
        assert_eq!(status("Infinite Jest"), BookStatus::DidNotFinish);
    }

    #[test]
    fn an_exclusive_shelf_of_the_owners_own_is_kept_as_a_shelf_on_want_to_read() {
        let (_, results) = read_all(GOODREADS_OLD);
        let book = find(&books(&results), "Gödel, Escher, Bach");
        assert_eq!(book.status, BookStatus::WantToRead);
        assert_eq!(
            book.shelves,
            vec!["on-hold".to_string(), "non-fiction".into()]
        );
    }

    #[test]
    fn status_shelves_are_not_kept_as_custom_shelves() {
        let (_, results) = read_all(GOODREADS_OLD);
        let books = books(&results);
        assert_eq!(
            find(&books, "The Left Hand of Darkness").shelves,
            Vec::<String>::new()
        );
        assert_eq!(
            find(&books, "Infinite Jest").shelves,
            vec!["doorstoppers".to_string()]
        );
        assert_eq!(
            find(&books, "The Master and Margarita").shelves,
            vec!["russian".to_string()]
        );
    }

    #[test]
    fn a_zero_goodreads_rating_is_no_rating() {
        let (_, results) = read_all(GOODREADS_OLD);
        let books = books(&results);
        assert_eq!(find(&books, "The Left Hand of Darkness").rating, None);
        assert_eq!(find(&books, "Infinite Jest").rating, rating(2.0));
    }

    #[test]
    fn additional_authors_follow_the_main_one() {
        let (_, results) = read_all(GOODREADS_OLD);
        let odyssey = find(&books(&results), "The Odyssey");
        assert_eq!(
            odyssey.authors,
            vec!["Homer", "Robert Fagles", "Bernard Knox"]
        );
        assert_eq!(odyssey.year, Some(1999));
    }

    #[test]
    fn the_original_publication_year_stands_in_for_a_missing_edition_year() {
        let (_, results) = read_all(GOODREADS_OLD);
        let book = find(&books(&results), "The Master and Margarita");
        assert_eq!(book.year, Some(1967));
        assert_eq!(book.pages, None);
    }

    #[test]
    fn private_notes_follow_the_review_after_a_blank_line() {
        let (_, results) = read_all(GOODREADS_OLD);
        let book = find(&books(&results), "Infinite Jest");
        assert_eq!(
            book.notes,
            "Funny, sad, and far too long for this summer.\n\n\
             Stopped at page 300, near the Eschaton."
        );
    }

    #[test]
    fn the_current_goodreads_export_is_read() {
        let (format, results) = read_all(GOODREADS_NEW);
        assert_eq!(format, Format::Goodreads);
        assert!(errors(&results).is_empty());
        let books = books(&results);
        assert_eq!(books.len(), 5);
        let piranesi = find(&books, "Piranesi");
        assert_eq!(piranesi.status, BookStatus::Finished);
        assert_eq!(piranesi.rating, rating(4.0));
        assert_eq!(piranesi.publisher, "Bloomsbury Publishing");
        assert_eq!(piranesi.pages, Some(272));
        assert_eq!(piranesi.finished_on, day(2021, 1, 10));
        assert_eq!(piranesi.added_on, day(2020, 12, 20));
        let hail_mary = find(&books, "Project Hail Mary");
        assert_eq!(hail_mary.status, BookStatus::Reading);
        assert_eq!(hail_mary.shelves, Vec::<String>::new());
    }

    #[test]
    fn a_review_with_html_line_breaks_becomes_lines() {
        let (_, results) = read_all(GOODREADS_NEW);
        let gideon = find(&books(&results), "Gideon the Ninth (The Locked Tomb, #1)");
        assert_eq!(
            gideon.notes,
            "Lesbian necromancers in space.\nThe ending!\n\nSkeletons <3"
        );
    }

    #[test]
    fn dates_written_with_hyphens_are_read() {
        let (_, results) = read_all(GOODREADS_NEW);
        let book = find(&books(&results), "Tomorrow, and Tomorrow, and Tomorrow");
        assert_eq!(book.added_on, day(2023, 2, 4));
        assert_eq!(book.status, BookStatus::DidNotFinish);
        assert_eq!(book.authors, vec!["Gabrielle Zevin".to_string()]);
    }

    #[test]
    fn the_storygraph_export_is_recognised_and_read() {
        let (format, results) = read_all(STORYGRAPH);
        assert_eq!(format, Format::StoryGraph);
        assert!(errors(&results).is_empty());
        assert_eq!(books(&results).len(), 6);
    }

    #[test]
    fn a_storygraph_row_is_read_into_every_field() {
        let (_, results) = read_all(STORYGRAPH);
        let book = find(&books(&results), "The Fifth Season");
        assert_eq!(
            book,
            &BookRecord {
                title: "The Fifth Season".into(),
                authors: vec!["N.K. Jemisin".into()],
                isbn13: Some("9780316229296".into()),
                pages: None,
                publisher: String::new(),
                year: None,
                status: BookStatus::Finished,
                shelves: vec!["fantasy".into(), "favorites".into()],
                rating: rating(4.25),
                started_on: day(2023, 1, 2),
                finished_on: day(2023, 1, 20),
                added_on: day(2022, 12, 28),
                notes: "Loved it, would reread.".into(),
            }
        );
    }

    #[test]
    fn every_storygraph_read_status_becomes_a_status() {
        let (_, results) = read_all(STORYGRAPH);
        let books = books(&results);
        let status = |title| find(&books, title).status;
        assert_eq!(status("The Fifth Season"), BookStatus::Finished);
        assert_eq!(status("Piranesi"), BookStatus::Reading);
        assert_eq!(status("The Dispossessed"), BookStatus::WantToRead);
        assert_eq!(status("Ulysses"), BookStatus::DidNotFinish);
    }

    #[test]
    fn a_storygraph_quarter_star_rating_is_kept_exactly() {
        let (_, results) = read_all(STORYGRAPH);
        let books = books(&results);
        assert_eq!(
            find(&books, "Good Omens").rating.map(Rating::quarters),
            Some(19)
        );
        assert_eq!(find(&books, "Ulysses").rating, rating(1.5));
        assert_eq!(find(&books, "Piranesi").rating, None);
    }

    #[test]
    fn a_storygraph_id_that_is_not_an_isbn_leaves_the_isbn_empty() {
        let (_, results) = read_all(STORYGRAPH);
        let book = find(&books(&results), "Children of Time");
        assert_eq!(book.isbn13, None);
        assert_eq!(book.authors, vec!["Adrian Tchaikovsky".to_string()]);
    }

    #[test]
    fn the_latest_of_several_storygraph_readings_gives_the_dates() {
        let (_, results) = read_all(STORYGRAPH);
        let book = find(&books(&results), "Good Omens");
        assert_eq!(book.authors, vec!["Terry Pratchett", "Neil Gaiman"]);
        assert_eq!(book.started_on, day(2022, 6, 1));
        assert_eq!(book.finished_on, day(2022, 6, 12));
    }

    #[test]
    fn a_single_storygraph_date_read_is_the_day_it_was_finished() {
        let (_, results) = read_all(STORYGRAPH);
        let book = find(&books(&results), "Children of Time");
        assert_eq!(book.started_on, None);
        assert_eq!(book.finished_on, day(2021, 9, 30));
    }

    #[test]
    fn storygraph_tags_become_shelves() {
        let (_, results) = read_all(STORYGRAPH);
        let books = books(&results);
        assert_eq!(
            find(&books, "The Dispossessed").shelves,
            vec!["sci-fi", "anarchism"]
        );
        assert_eq!(find(&books, "Piranesi").shelves, Vec::<String>::new());
    }

    #[test]
    fn the_older_storygraph_export_with_an_isbn_column_is_read() {
        let (format, results) = read_all(STORYGRAPH_OLD);
        assert_eq!(format, Format::StoryGraph);
        assert!(errors(&results).is_empty());
        let books = books(&results);
        assert_eq!(books.len(), 4);
        let hobbit = find(&books, "The Hobbit");
        assert_eq!(hobbit.isbn13.as_deref(), Some("9780547928227"));
        assert_eq!(hobbit.status, BookStatus::Finished);
        assert_eq!(hobbit.finished_on, day(2020, 4, 18));
        assert_eq!(hobbit.rating, rating(3.75));
        assert_eq!(find(&books, "Anna Karenina").status, BookStatus::Reading);
        assert_eq!(
            find(&books, "Anna Karenina").shelves,
            vec!["classics", "paused"]
        );
    }

    #[test]
    fn a_header_of_another_service_is_refused_naming_what_was_expected() {
        let result = open("Title,Author,Rating\nDune,Frank Herbert,5\n".as_bytes());
        let Err(err) = result else {
            panic!("a file of another service should be refused")
        };
        assert!(matches!(err, ImportError::UnknownFormat));
        let message = err.to_string();
        assert!(message.contains("Exclusive Shelf"), "{message}");
        assert!(message.contains("Read Status"), "{message}");
    }

    #[test]
    fn an_empty_file_is_refused() {
        assert!(matches!(open("".as_bytes()), Err(ImportError::Empty)));
        assert!(matches!(
            open("\u{feff}".as_bytes()),
            Err(ImportError::Empty)
        ));
    }

    #[test]
    fn columns_are_found_by_name_in_any_order() {
        let file = "Exclusive Shelf,Author,Title\nread,Frank Herbert,Dune\n";
        let (format, results) = read_all(file);
        assert_eq!(format, Format::Goodreads);
        let books = books(&results);
        assert_eq!(books[0].title, "Dune");
        assert_eq!(books[0].authors, vec!["Frank Herbert".to_string()]);
        assert_eq!(books[0].status, BookStatus::Finished);
    }

    #[test]
    fn a_porch_rating_wins_over_the_whole_star_one() {
        let file = "Title,Author,Exclusive Shelf,My Rating,Porch Rating,Date Started\n\
                    Dune,Frank Herbert,read,4,3.75,2024/01/02\n\
                    Emma,Jane Austen,read,4,,\n\
                    Kim,Rudyard Kipling,read,4,lots,2024/02/31\n";
        let (_, results) = read_all(file);
        let books = books(&results);
        assert_eq!(books[0].rating, rating(3.75));
        assert_eq!(books[0].started_on, day(2024, 1, 2));
        assert_eq!(books[1].rating, rating(4.0));
        assert_eq!(books[2].rating, rating(4.0));
        assert_eq!(books[2].started_on, None);
    }

    #[test]
    fn a_row_with_too_few_cells_is_reported_and_the_next_read() {
        let file = "Title,Author,Exclusive Shelf\n\
                    Dune,Frank Herbert\n\
                    Emma,Jane Austen,read,\n\
                    Kim,Rudyard Kipling,read,extra\n\
                    Persuasion,Jane Austen,to-read\n";
        let (_, results) = read_all(file);
        let errors = errors(&results);
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[0].row, 2);
        assert_eq!(
            errors[0].reason,
            "This row has 2 cells but the first row names 3 columns."
        );
        assert_eq!(errors[1].row, 4);
        let titles: Vec<_> = books(&results).iter().map(|b| b.title.clone()).collect();
        assert_eq!(titles, vec!["Emma", "Persuasion"]);
    }

    #[test]
    fn row_numbers_count_records_not_lines() {
        let file = "Title,Author,Exclusive Shelf,My Review\n\
                    Dune,Frank Herbert,read,\"line one\nline two\nline three\"\n\
                    ,Nobody,read,\n";
        let (_, results) = read_all(file);
        assert_eq!(errors(&results)[0].row, 3);
        assert_eq!(books(&results)[0].notes, "line one\nline two\nline three");
    }

    #[test]
    fn blank_rows_are_skipped_silently() {
        let file = "Title,Author,Exclusive Shelf\n,,\nDune,Frank Herbert,read\n , ,\n";
        let (_, results) = read_all(file);
        assert_eq!(results.len(), 1);
        assert!(results[0].is_ok());
    }

    #[test]
    fn an_oversized_cell_skips_only_its_row() {
        let long_review = "a".repeat(MAX_FIELD_BYTES + 1);
        let file = format!(
            "Title,Author,Exclusive Shelf,My Review\n\
             Dune,Frank Herbert,read,{long_review}\n\
             Emma,Jane Austen,read,ok\n"
        );
        let (_, results) = read_all(&file);
        assert_eq!(
            errors(&results),
            vec![&RowError {
                row: 2,
                reason: "A cell in this row is longer than 64 KB.".into()
            }]
        );
        assert_eq!(books(&results)[0].title, "Emma");
    }

    #[test]
    fn an_oversized_row_is_skipped() {
        let cell = "a".repeat(MAX_FIELD_BYTES - 1);
        let file = format!(
            "Title,Author,Exclusive Shelf,My Review,Private Notes,Bookshelves,Publisher\n\
             Dune,Frank Herbert,read,{cell},{cell},{cell},{cell}\nEmma,Jane Austen,read,,,,\n"
        );
        let (_, results) = read_all(&file);
        assert_eq!(
            errors(&results)[0].reason,
            "This row is longer than 256 KB."
        );
        assert_eq!(books(&results)[0].title, "Emma");
    }

    #[test]
    fn a_row_that_is_not_utf8_is_reported() {
        let mut file = b"Title,Author,Exclusive Shelf\n".to_vec();
        file.extend_from_slice(b"Les Mis\xe9rables,Victor Hugo,read\nEmma,Jane Austen,read\n");
        let results: Vec<_> = match open(file.as_slice()) {
            Ok((_, rows)) => rows.collect(),
            Err(err) => panic!("the file should open: {err}"),
        };
        assert_eq!(errors(&results)[0].row, 2);
        assert!(errors(&results)[0].reason.contains("UTF-8"));
        assert_eq!(books(&results)[0].title, "Emma");
    }

    #[test]
    fn rows_are_read_as_they_come_not_all_at_once() {
        // A reader that fails after the first rows: the books before the failure still arrive,
        // so the file is never read whole before the first book is given out.
        struct FailingAfter<'a>(&'a [u8]);
        impl Read for FailingAfter<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                if self.0.is_empty() {
                    return Err(std::io::Error::other("the upload was cut off"));
                }
                let n = buf.len().min(self.0.len()).min(16);
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let file = "Title,Author,Exclusive Shelf\nDune,Frank Herbert,read\nEmma,Jane Austen,read\n";
        let results: Vec<_> = match open(FailingAfter(file.as_bytes())) {
            Ok((_, rows)) => rows.collect(),
            Err(err) => panic!("the file should open: {err}"),
        };
        assert_eq!(books(&results).len(), 2);
        let errors = errors(&results);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].row, 4);
        assert!(errors[0].reason.contains("cut off"), "{}", errors[0].reason);
    }

    #[test]
    fn storygraph_ranges_parse_with_either_date_style() {
        assert_eq!(
            latest_reading("2023/01/05-2023/02/10"),
            (day(2023, 1, 5), day(2023, 2, 10))
        );
        assert_eq!(
            latest_reading("2023-01-05-2023-02-10"),
            (day(2023, 1, 5), day(2023, 2, 10))
        );
        assert_eq!(latest_reading("2023/01/05-"), (day(2023, 1, 5), None));
        assert_eq!(latest_reading("2023/02/10"), (None, day(2023, 2, 10)));
        assert_eq!(
            latest_reading("2022/06/01-2022/06/12, 2019/05/01-2019/05/20"),
            (day(2022, 6, 1), day(2022, 6, 12))
        );
        assert_eq!(latest_reading("sometime"), (None, None));
        assert_eq!(latest_reading(""), (None, None));
    }

    #[test]
    fn only_line_break_tags_are_turned_into_lines() {
        assert_eq!(review_text("a<br/>b<BR>c<br />d"), "a\nb\nc\nd");
        assert_eq!(review_text("1 < 2 <b>bold</b>"), "1 < 2 <b>bold</b>");
        assert_eq!(review_text("ends with <"), "ends with <");
    }

    #[test]
    fn formula_cells_lose_their_formula() {
        assert_eq!(without_formula("=\"0441172717\""), "0441172717");
        assert_eq!(without_formula("=\"\""), "");
        assert_eq!(without_formula("=9780441172719"), "9780441172719");
        assert_eq!(without_formula(" 9780441172719 "), "9780441172719");
    }
}
