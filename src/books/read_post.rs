//! Read posts: a post saying the owner wants to read, is reading or has finished a book. It
//! carries the IndieWeb `read-status` and `read-of` (an h-cite of the book) among the post's
//! kept Micropub properties, so that `q=source` returns them and the post's h-entry shows them.
//! Three ways make one: Micropub (`read-of` + `read-status`, as indiebookclub sends), the
//! panel's "Post about this book", and any post whose text starts the way Epilogue's do,
//! `Finished reading: [Title](…/books/<isbn>/) by Author 📚`, which is attached to that book
//! when the post is published.

use anyhow::Result;
use rusqlite::Connection;
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::app::App;
use crate::config::BaseUrl;
use crate::error::Failure;
use crate::posts::changed::PostChanged;
use crate::store::book_status::BookStatus;
use crate::store::books::{self, Book, BookDetails, Reading};
use crate::store::ids::BookId;
use crate::store::posts::{self, Status};

use super::shelf::{self, Added};
use super::views::{self, byline};
use super::{isbn, lookup};

/// The book a read post is about, as its h-entry shows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReadOf {
    pub status: Option<String>,
    pub name: String,
    pub authors: Vec<String>,
    pub uid: Option<String>,
    pub url: Option<String>,
    pub photo: Option<String>,
}

/// How a read post's text begins, for each status (Epilogue's words).
fn prefix(status: BookStatus) -> &'static str {
    match status {
        BookStatus::WantToRead => "Want to read",
        BookStatus::Reading => "Currently reading",
        BookStatus::Finished => "Finished reading",
        BookStatus::DidNotFinish => "Stopped reading",
    }
}

/// `Finished reading: [Dune](https://…/books/9780441172719/) by Frank Herbert 📚`
pub fn text(book: &Book, status: BookStatus, base: &BaseUrl) -> String {
    let title = book.title.replace(['[', ']'], "");
    let by = byline(&book.authors);
    let link = format!("[{title}]({})", base.join(&views::path(&book.slug)));
    if by.is_empty() {
        format!("{}: {link} 📚", prefix(status))
    } else {
        format!("{}: {link} by {by} 📚", prefix(status))
    }
}

fn first_str<'a>(props: &'a Value, name: &str) -> Option<&'a str> {
    props.get(name)?.as_array()?.first()?.as_str()
}

/// The read-of and read-status among a post's kept properties, if it has them.
pub fn from_properties(json: &str) -> Option<ReadOf> {
    if !json.contains("read-of") {
        return None;
    }
    let props: Value = serde_json::from_str(json).ok()?;
    let status = first_str(&props, "read-status").map(String::from);
    let first = props.get("read-of")?.as_array()?.first()?;
    if let Some(url) = first.as_str() {
        return Some(ReadOf {
            status,
            name: url.to_string(),
            authors: Vec::new(),
            uid: None,
            url: Some(url.to_string()),
            photo: None,
        });
    }
    let cite = first.get("properties")?;
    let names = |key: &str| -> Vec<String> {
        cite.get(key)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| {
                        v.as_str()
                            .map(String::from)
                            .or_else(|| first_str(&v["properties"], "name").map(String::from))
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    Some(ReadOf {
        status,
        name: first_str(cite, "name")?.to_string(),
        authors: names("author"),
        uid: first_str(cite, "uid").map(String::from),
        url: first_str(cite, "url").map(String::from),
        photo: first_str(cite, "photo").map(String::from),
    })
}

/// The properties a read post of `book` keeps: an h-cite with the book's page, its local cover
/// and its ISBN, and the status.
fn properties(book: &Book, status: BookStatus, base: &BaseUrl) -> Map<String, Value> {
    let mut cite = Map::new();
    cite.insert("name".into(), json!([book.title]));
    cite.insert("author".into(), json!(book.authors));
    cite.insert("url".into(), json!([base.join(&views::path(&book.slug))]));
    if let Some(isbn) = &book.isbn13 {
        cite.insert("uid".into(), json!([format!("urn:isbn:{isbn}")]));
    }
    if let Some(cover) = views::public(book).cover {
        cite.insert("photo".into(), json!([base.join(&cover)]));
    }
    let mut props = Map::new();
    props.insert(
        "read-of".into(),
        json!([{ "type": ["h-cite"], "properties": cite }]),
    );
    if let Some(word) = status.read_status() {
        props.insert("read-status".into(), json!([word]));
    }
    props
}

/// `json` (a post's kept properties) with a read post's properties set: `read-of` the book's
/// h-cite and `read-status` its status.
pub fn merged(json: &str, book: &Book, status: BookStatus, base: &BaseUrl) -> String {
    let mut all: Map<String, Value> = serde_json::from_str(json).unwrap_or_default();
    all.extend(properties(book, status, base));
    Value::Object(all).to_string()
}

/// The post-changed reaction: a published post whose text begins like a read post and links
/// to a book on this shelf is attached to it (once; the owner's own properties win).
pub fn post_changed(tx: &Connection, changed: &PostChanged, base: &BaseUrl) -> Result<()> {
    let Some(post) = posts::by_id(tx, changed.post_id)? else {
        return Ok(());
    };
    if post.status != Status::Published || post.other_properties.contains("read-of") {
        return Ok(());
    }
    let Some((status, slug)) = epilogue_link(&post.markdown, base) else {
        return Ok(());
    };
    let Some(book) = books::by_slug(tx, &slug)? else {
        return Ok(());
    };
    let json = merged(&post.other_properties, &book, status, base);
    posts::set_other_properties(tx, post.id, &json)
}

/// The status and book slug of a text that begins `Finished reading: [Title](<base>/books/<slug>/)`.
fn epilogue_link(markdown: &str, base: &BaseUrl) -> Option<(BookStatus, String)> {
    let text = markdown.trim_start();
    let status = [
        BookStatus::Finished,
        BookStatus::Reading,
        BookStatus::WantToRead,
    ]
    .into_iter()
    .find(|s| text.starts_with(&format!("{}:", prefix(*s))))?;
    let first_line = text.lines().next()?;
    let target = first_line.split("](").nth(1)?.split(')').next()?;
    let path = target.strip_prefix(base.as_str()).unwrap_or(target);
    let slug = path.strip_prefix("/books/")?.trim_end_matches('/');
    (!slug.is_empty() && !slug.contains('/')).then(|| (status, slug.to_string()))
}

/// What a Micropub read post asks of the shelf: which book, and its new status.
pub struct Plan {
    target: Target,
    status: BookStatus,
}

enum Target {
    Known(BookId),
    New(Box<BookDetails>),
}

/// Reads `read-of` and `read-status` into a plan, looking the book up where only its ISBN is
/// given. Nothing is written yet: the plan is carried out in the post's own transaction.
pub async fn plan(app: &App, read_of: &Value, read_status: Option<&str>) -> Result<Plan, Failure> {
    let invalid = |m: &str| Failure::bad_request(m.to_string()).with_code("invalid_request");
    let status = read_status
        .and_then(BookStatus::from_read_status)
        .ok_or_else(|| invalid("read-status must be to-read, reading or finished."))?;
    let base = app.config.base_url.clone();
    let (isbn13, slug, mut details) = match read_of {
        Value::String(url) => {
            let (isbn, slug) = book_url(url, &base);
            (isbn, slug, None)
        }
        Value::Object(o) => {
            let cite = o.get("properties").unwrap_or(&Value::Null);
            let text = |key: &str| first_str(cite, key).map(str::trim).map(String::from);
            let authors: Vec<String> = cite
                .get("author")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|v| {
                            v.as_str()
                                .or_else(|| first_str(&v["properties"], "name"))
                                .map(|s| s.trim().to_string())
                        })
                        .filter(|s| !s.is_empty())
                        .collect()
                })
                .unwrap_or_default();
            let isbn = text("uid")
                .and_then(|u| isbn::from_uri(&u))
                .or_else(|| text("url").and_then(|u| book_url(&u, &base).0));
            let slug = text("url").and_then(|u| book_url(&u, &base).1);
            let details = text("name")
                .filter(|n| !n.is_empty())
                .map(|title| BookDetails {
                    title,
                    authors,
                    isbn13: isbn.clone(),
                    cover_source: super::cover::source(None, isbn.as_deref()),
                    ..BookDetails::default()
                });
            (isbn, slug, details)
        }
        _ => return Err(invalid("read-of must be a URL or an h-cite.")),
    };
    let key = details.as_ref().map(shelf::key_of).unwrap_or_default();
    let (by_isbn, by_slug) = {
        let (isbn13, slug) = (isbn13.clone(), slug.clone());
        app.db
            .read(move |c| {
                let by_isbn = match &isbn13 {
                    Some(i) => books::find_same(c, Some(i), &key)?,
                    None if !key.is_empty() => books::find_same(c, None, &key)?,
                    None => None,
                };
                let by_slug = match &slug {
                    Some(s) => books::by_slug(c, s)?,
                    None => None,
                };
                Ok((by_isbn, by_slug))
            })
            .await?
    };
    if let Some(book) = by_slug.or(by_isbn) {
        return Ok(Plan {
            target: Target::Known(book.id),
            status,
        });
    }
    if details.is_none()
        && let Some(isbn) = &isbn13
    {
        details = lookup::by_isbn(app, isbn).await?;
    }
    let details = details.ok_or_else(|| {
        invalid(
            "read-of names no book on this shelf, and gives no name or known ISBN to add it by.",
        )
    })?;
    shelf::check(&details).map_err(|m| invalid(&m))?;
    Ok(Plan {
        target: Target::New(Box::new(details)),
        status,
    })
}

/// The ISBN or the slug a book URL names: this site's book page, an `isbn:`/`urn:isbn:` URI,
/// or an Open Library `/isbn/<isbn>` address.
fn book_url(url: &str, base: &BaseUrl) -> (Option<String>, Option<String>) {
    let url = url.trim();
    if let Some(isbn) = isbn::from_uri(url) {
        return (Some(isbn), None);
    }
    if let Some(slug) = url
        .strip_prefix(base.as_str())
        .and_then(|p| p.strip_prefix("/books/"))
        .map(|s| s.trim_end_matches('/'))
        .filter(|s| !s.is_empty() && !s.contains('/'))
    {
        return (isbn::normalize(slug).ok(), Some(slug.to_string()));
    }
    let isbn = url
        .split("/isbn/")
        .nth(1)
        .map(|rest| rest.trim_end_matches(".json").trim_end_matches('/'))
        .and_then(|i| isbn::normalize(i).ok());
    (isbn, None)
}

/// Carries out a plan inside the post's transaction: the book is added (or found) and moved to
/// the post's status. Returns the book, for the post's text and properties.
pub fn apply(tx: &Connection, plan: Plan, today: &str) -> Result<Book> {
    let now = crate::store::now();
    let id = match plan.target {
        Target::Known(id) => id,
        Target::New(details) => {
            let reading = Reading::default();
            match shelf::add(tx, &details, &reading, now, now)? {
                Added::New(id) | Added::Existing(id) => id,
            }
        }
    };
    let book = books::get(tx, id)?.ok_or_else(|| anyhow::anyhow!("books: {id} vanished"))?;
    books::set_reading(tx, id, &shelf::moved(&book.reading(), plan.status, today))?;
    Ok(book)
}

impl Plan {
    pub fn status(&self) -> BookStatus {
        self.status
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> BaseUrl {
        BaseUrl::parse("https://blog.example").unwrap()
    }

    #[test]
    fn an_epilogue_post_names_its_status_and_book() {
        let b = base();
        assert_eq!(
            epilogue_link(
                "Finished reading: [Dune](https://blog.example/books/9780441172719/) by Frank Herbert 📚",
                &b
            ),
            Some((BookStatus::Finished, "9780441172719".into()))
        );
        assert_eq!(
            epilogue_link(
                "Currently reading: [Piranesi](/books/piranesi/) 📚\n\nSo far so good.",
                &b
            ),
            Some((BookStatus::Reading, "piranesi".into()))
        );
        assert_eq!(
            epilogue_link("I finished reading [Dune](/books/dune/)", &b),
            None
        );
        assert_eq!(
            epilogue_link(
                "Finished reading: [X](https://elsewhere.example/books/x/)",
                &b
            ),
            None
        );
    }

    #[test]
    fn book_urls_give_an_isbn_or_a_slug() {
        let b = base();
        assert_eq!(
            book_url("isbn:9780441172719", &b).0.as_deref(),
            Some("9780441172719")
        );
        assert_eq!(
            book_url("urn:isbn:0441172717", &b).0.as_deref(),
            Some("9780441172719")
        );
        assert_eq!(
            book_url("https://openlibrary.org/isbn/0441172717", &b)
                .0
                .as_deref(),
            Some("9780441172719")
        );
        assert_eq!(
            book_url("https://blog.example/books/piranesi/", &b),
            (None, Some("piranesi".into()))
        );
        assert_eq!(book_url("https://example.org/", &b), (None, None));
    }

    #[test]
    fn kept_properties_are_read_back() {
        let read = from_properties(
            r#"{"read-status": ["finished"], "read-of": [{"type": ["h-cite"], "properties":
                {"name": ["Dune"], "author": ["Frank Herbert"], "uid": ["isbn:9780441172719"]}}]}"#,
        )
        .unwrap();
        assert_eq!(read.status.as_deref(), Some("finished"));
        assert_eq!(read.name, "Dune");
        assert_eq!(read.authors, ["Frank Herbert"]);
        assert_eq!(from_properties("{}"), None);
        assert_eq!(from_properties(r#"{"read-of": 7}"#), None);
    }
}
