//! A stand-in Open Library on loopback, with the API's real shapes: `/isbn/<isbn>.json`
//! redirects to the edition, editions name author keys (or only a work, whose record names
//! them), `/search.json` answers with `docs`, and the cover store answers `/b/id/<id>-L.jpg` and
//! `/b/isbn/<isbn>-L.jpg`, with a 404 for a missing cover when asked `default=false`. One ISBN
//! answers only after the lookup timeout. It counts every request, so tests can see what Porch
//! asked and how often.

use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::{Answer, serve_on};

/// Dune, known by ISBN with its author and a cover id.
pub const DUNE_ISBN10: &str = "0-441-17271-7";
pub const DUNE_ISBN13: &str = "9780441172719";
pub const DUNE_COVER_ID: i64 = 8231856;
/// Crime and Punishment: its edition names no author, its work does; it has no cover id, so its
/// cover is asked for by ISBN.
pub const CRIME_ISBN13: &str = "9780140449136";
/// A valid ISBN Open Library does not know.
pub const UNKNOWN_ISBN13: &str = "9780000000002";
/// A valid ISBN whose lookup answers only after Porch has stopped waiting.
pub const SLOW_ISBN13: &str = "9781111111113";
/// A cover id whose image the cover store does not have.
pub const MISSING_COVER_ID: i64 = 404404;

pub struct OpenLibrary {
    pub base: String,
    requests: Arc<Mutex<Vec<String>>>,
}

impl OpenLibrary {
    pub fn start(cover_jpeg: Vec<u8>) -> OpenLibrary {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let base = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let log = requests.clone();
        serve_on(listener, move |target| {
            log.lock().unwrap().push(target.to_string());
            route(target, &cover_jpeg)
        });
        OpenLibrary { base, requests }
    }

    /// How many requests asked for `path` (query string ignored).
    pub fn count(&self, path: &str) -> usize {
        self.requests
            .lock()
            .unwrap()
            .iter()
            .filter(|t| t.split('?').next() == Some(path))
            .count()
    }

    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

fn json(body: &str) -> Answer {
    (
        200,
        vec![("Content-Type".into(), "application/json".into())],
        body.as_bytes().to_vec(),
    )
}

fn not_found() -> Answer {
    (
        404,
        vec![("Content-Type".into(), "text/plain".into())],
        b"Not Found".to_vec(),
    )
}

fn redirect(to: &str) -> Answer {
    (302, vec![("Location".into(), to.into())], Vec::new())
}

fn route(target: &str, cover: &[u8]) -> Answer {
    let path = target.split('?').next().unwrap_or("/");
    let jpeg = || {
        (
            200,
            vec![("Content-Type".into(), "image/jpeg".into())],
            cover.to_vec(),
        )
    };
    match path {
        p if p == format!("/isbn/{DUNE_ISBN13}.json") => redirect("/books/OL7353617M.json"),
        "/books/OL7353617M.json" => json(&format!(
            r#"{{"key": "/books/OL7353617M", "title": "Dune", "authors": [{{"key": "/authors/OL79034A"}}],
                "works": [{{"key": "/works/OL893415W"}}], "number_of_pages": 535,
                "publishers": ["Ace Books"], "publish_date": "June 1990", "covers": [{DUNE_COVER_ID}],
                "isbn_10": ["0441172717"], "isbn_13": ["{DUNE_ISBN13}"]}}"#
        )),
        "/authors/OL79034A.json" => {
            json(r#"{"key": "/authors/OL79034A", "name": "Frank Herbert"}"#)
        }
        p if p == format!("/isbn/{CRIME_ISBN13}.json") => redirect("/books/OL22854414M.json"),
        "/books/OL22854414M.json" => json(&format!(
            r#"{{"key": "/books/OL22854414M", "title": "Crime and Punishment",
                "works": [{{"key": "/works/OL166894W"}}], "publishers": ["Penguin Classics"],
                "publish_date": "2003", "isbn_13": ["{CRIME_ISBN13}"]}}"#
        )),
        "/works/OL166894W.json" => json(
            r#"{"key": "/works/OL166894W", "title": "Crime and Punishment",
                "authors": [{"author": {"key": "/authors/OL22098A"}, "type": {"key": "/type/author_role"}}]}"#,
        ),
        "/authors/OL22098A.json" => json(r#"{"name": "Fyodor Dostoevsky"}"#),
        p if p == format!("/isbn/{SLOW_ISBN13}.json") => {
            std::thread::sleep(Duration::from_secs(12));
            json(r#"{"title": "Too late"}"#)
        }
        "/search.json" => json(&format!(
            r#"{{"numFound": 2, "start": 0, "docs": [
                {{"key": "/works/OL893415W", "title": "Dune", "author_name": ["Frank Herbert"],
                  "first_publish_year": 1965, "isbn": ["0441172717", "{DUNE_ISBN13}"],
                  "cover_i": {DUNE_COVER_ID}, "number_of_pages_median": 535}},
                {{"key": "/works/OL893502W", "title": "Dune Messiah", "author_name": ["Frank Herbert"],
                  "first_publish_year": 1969, "cover_i": {MISSING_COVER_ID}}}]}}"#
        )),
        p if p == format!("/b/id/{DUNE_COVER_ID}-L.jpg") => jpeg(),
        p if p == format!("/b/isbn/{CRIME_ISBN13}-L.jpg") => jpeg(),
        _ => not_found(),
    }
}
