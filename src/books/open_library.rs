//! Open Library's JSON, read: an edition (what `/isbn/<isbn>.json` redirects to), a work, an
//! author, and search results. Pure: the fetching is in `lookup.rs`. Everything here is remote
//! input, so every field is optional and checked.

use serde_json::Value;

use super::isbn;

/// What an edition record says about a book.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Edition {
    /// `/books/OL…M`
    pub key: String,
    pub title: String,
    /// Author keys (`/authors/OL…A`), to be looked up for their names.
    pub author_keys: Vec<String>,
    /// The work's key, whose authors stand in when the edition names none.
    pub work_key: Option<String>,
    pub pages: Option<u32>,
    pub publisher: String,
    pub year: Option<i32>,
    pub cover_id: Option<i64>,
    pub isbn13: Option<String>,
}

/// One search result.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Found {
    /// `/works/OL…W`
    pub key: String,
    pub title: String,
    pub authors: Vec<String>,
    pub year: Option<i32>,
    pub isbn13: Option<String>,
    pub cover_id: Option<i64>,
    pub pages: Option<u32>,
}

/// Titles and names from Open Library are cut to this many characters.
const MAX_TEXT_CHARS: usize = 300;
/// Search results kept.
pub const MAX_RESULTS: usize = 10;

fn text(v: &Value) -> Option<String> {
    let s = v.as_str()?.trim();
    (!s.is_empty()).then(|| s.chars().take(MAX_TEXT_CHARS).collect())
}

/// A key of the given kind (`authors`, `works`, `books`), as Open Library writes them
/// (`/authors/OL23919A`); anything else is ignored, since keys become request paths.
fn key(v: &Value, kind: &str) -> Option<String> {
    let k = v.as_str()?;
    let id = k.strip_prefix('/')?.strip_prefix(kind)?.strip_prefix('/')?;
    let valid = id.len() > 3
        && id.len() < 20
        && id.starts_with("OL")
        // Bytes, not a str slice: the last character may not be ASCII.
        && id.as_bytes()[2..id.len() - 1].iter().all(u8::is_ascii_digit)
        && id.ends_with(|c: char| c.is_ascii_uppercase());
    valid.then(|| k.to_string())
}

/// The first four-digit year in a date as Open Library writes it ("1965", "March 3, 2001",
/// "2001-03").
pub fn year_in(date: &str) -> Option<i32> {
    let bytes = date.as_bytes();
    (0..bytes.len().saturating_sub(3)).find_map(|i| {
        let run = &bytes[i..i + 4];
        let before = i.checked_sub(1).map(|j| bytes[j]);
        let after = bytes.get(i + 4);
        (run.iter().all(u8::is_ascii_digit)
            && !before.is_some_and(|b| b.is_ascii_digit())
            && !after.is_some_and(u8::is_ascii_digit))
        .then(|| std::str::from_utf8(run).ok()?.parse().ok())
        .flatten()
    })
}

fn positive_int(v: &Value) -> Option<u32> {
    v.as_u64()
        .filter(|n| (1..=100_000).contains(n))
        .and_then(|n| u32::try_from(n).ok())
}

fn cover_id(v: &Value) -> Option<i64> {
    // Open Library marks a removed cover with -1.
    v.as_i64().filter(|id| *id > 0)
}

/// The first valid ISBN in a list of them, as ISBN-13.
fn first_isbn(v: &Value) -> Option<String> {
    v.as_array()?
        .iter()
        .filter_map(Value::as_str)
        .find_map(|s| isbn::normalize(s).ok())
}

pub fn parse_edition(json: &str) -> Option<Edition> {
    let v: Value = serde_json::from_str(json).ok()?;
    let title = text(&v["title"])?;
    let title = match text(&v["subtitle"]) {
        Some(sub) => format!("{title}: {sub}"),
        None => title,
    };
    Some(Edition {
        key: key(&v["key"], "books").unwrap_or_default(),
        title,
        author_keys: v["authors"]
            .as_array()
            .map(|a| a.iter().filter_map(|x| key(&x["key"], "authors")).collect())
            .unwrap_or_default(),
        work_key: v["works"]
            .as_array()
            .and_then(|w| w.iter().find_map(|x| key(&x["key"], "works"))),
        pages: positive_int(&v["number_of_pages"]),
        publisher: v["publishers"]
            .as_array()
            .and_then(|p| p.iter().find_map(text))
            .unwrap_or_default(),
        year: v["publish_date"].as_str().and_then(year_in),
        cover_id: v["covers"]
            .as_array()
            .and_then(|c| c.iter().find_map(cover_id)),
        isbn13: first_isbn(&v["isbn_13"]).or_else(|| first_isbn(&v["isbn_10"])),
    })
}

/// The author keys of a work (`{"authors": [{"author": {"key": …}}]}`).
pub fn parse_work_authors(json: &str) -> Vec<String> {
    let Ok(v) = serde_json::from_str::<Value>(json) else {
        return Vec::new();
    };
    v["authors"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| key(&x["author"]["key"], "authors"))
                .collect()
        })
        .unwrap_or_default()
}

pub fn parse_author(json: &str) -> Option<String> {
    let v: Value = serde_json::from_str(json).ok()?;
    text(&v["name"]).or_else(|| text(&v["personal_name"]))
}

/// The fields a search asks for, so that Open Library sends no more than is shown.
pub const SEARCH_FIELDS: &str =
    "key,title,subtitle,author_name,first_publish_year,isbn,cover_i,number_of_pages_median";

pub fn parse_search(json: &str) -> Vec<Found> {
    let Ok(v) = serde_json::from_str::<Value>(json) else {
        return Vec::new();
    };
    let Some(docs) = v["docs"].as_array() else {
        return Vec::new();
    };
    docs.iter()
        .filter_map(|d| {
            Some(Found {
                key: key(&d["key"], "works").unwrap_or_default(),
                title: text(&d["title"])?,
                authors: d["author_name"]
                    .as_array()
                    .map(|a| a.iter().filter_map(text).take(5).collect())
                    .unwrap_or_default(),
                year: d["first_publish_year"]
                    .as_i64()
                    .and_then(|y| i32::try_from(y).ok()),
                isbn13: first_isbn(&d["isbn"]),
                cover_id: cover_id(&d["cover_i"]),
                pages: positive_int(&d["number_of_pages_median"]),
            })
        })
        .take(MAX_RESULTS)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_edition_gives_title_authors_pages_publisher_year_and_cover() {
        let e = parse_edition(
            r#"{"key": "/books/OL7353617M", "title": "Dune", "subtitle": "Deluxe Edition",
                "authors": [{"key": "/authors/OL79034A"}], "works": [{"key": "/works/OL893415W"}],
                "number_of_pages": 535, "publishers": ["Ace Books"], "publish_date": "June 1990",
                "covers": [-1, 8231856], "isbn_10": ["0441172717"]}"#,
        )
        .unwrap();
        assert_eq!(e.title, "Dune: Deluxe Edition");
        assert_eq!(e.author_keys, ["/authors/OL79034A"]);
        assert_eq!(e.work_key.as_deref(), Some("/works/OL893415W"));
        assert_eq!(e.pages, Some(535));
        assert_eq!(e.publisher, "Ace Books");
        assert_eq!(e.year, Some(1990));
        assert_eq!(e.cover_id, Some(8231856));
        assert_eq!(e.isbn13.as_deref(), Some("9780441172719"));
    }

    #[test]
    fn keys_that_are_not_open_library_keys_are_ignored() {
        let e = parse_edition(
            r#"{"title": "X", "authors": [{"key": "/authors/../admin"}, {"key": "http://evil/"}],
                "works": [{"key": "/works/OL1W?x"}]}"#,
        )
        .unwrap();
        assert!(e.author_keys.is_empty());
        assert_eq!(e.work_key, None);
        assert_eq!(parse_edition(r#"{"title": ""}"#), None);
        assert_eq!(parse_edition("not json"), None);
    }

    #[test]
    fn years_are_found_in_any_date_shape() {
        assert_eq!(year_in("1965"), Some(1965));
        assert_eq!(year_in("March 3, 2001"), Some(2001));
        assert_eq!(year_in("2001-03"), Some(2001));
        assert_eq!(year_in("12345"), None);
        assert_eq!(year_in("n.d."), None);
    }

    #[test]
    fn search_results_keep_what_is_shown() {
        let found = parse_search(
            r#"{"numFound": 2, "docs": [
                {"key": "/works/OL893415W", "title": "Dune", "author_name": ["Frank Herbert"],
                 "first_publish_year": 1965, "isbn": ["bad", "9780441172719"], "cover_i": 11481354},
                {"title": null},
                {"key": "/works/OL1W", "title": "Untitled notes"}]}"#,
        );
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].authors, ["Frank Herbert"]);
        assert_eq!(found[0].isbn13.as_deref(), Some("9780441172719"));
        assert_eq!(found[0].cover_id, Some(11481354));
        assert_eq!(found[1].authors, Vec::<String>::new());
    }

    #[test]
    fn a_work_and_an_author_are_read() {
        assert_eq!(
            parse_work_authors(r#"{"authors": [{"author": {"key": "/authors/OL79034A"}}]}"#),
            ["/authors/OL79034A"]
        );
        assert_eq!(
            parse_author(r#"{"name": "Frank Herbert"}"#).as_deref(),
            Some("Frank Herbert")
        );
    }
}
