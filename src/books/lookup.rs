//! Looking books up in Open Library (or what `--books-lookup-url` names), through the guarded
//! client, with every answer cached: Open Library asks that the same thing not be asked twice,
//! and a book once found is found again with no network.

use std::time::Duration;

use crate::app::App;
use crate::error::Failure;
use crate::store::books::{self, BookDetails};

use super::cover;
use super::open_library::{self, Edition, Found};

/// The owner waits on a lookup in the panel: past this, it is better to say so and let them
/// type the book in.
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(8);
/// Open Library's records are edited, but rarely: a month is fresh enough.
const FOUND_MAX_AGE: i64 = 30 * 86400;
/// A book it does not have may be added there soon; ask again after a day.
const NOT_FOUND_MAX_AGE: i64 = 86400;
/// Records and search results are small; anything larger is not what was asked for.
const MAX_BODY_BYTES: u64 = 1024 * 1024;
/// An edition names a handful of authors at most; more are not looked up one by one.
const MAX_AUTHORS: usize = 5;

#[derive(Debug, thiserror::Error)]
pub enum LookupError {
    #[error("Open Library could not be reached ({0}). Add the book by hand instead.")]
    Unreachable(String),
}

impl From<LookupError> for Failure {
    fn from(e: LookupError) -> Self {
        Failure::new(poem::http::StatusCode::BAD_GATEWAY, e.to_string())
    }
}

/// GETs a path of the lookup service as JSON: the body of a 200, None for a 404, from the cache
/// when it is fresh.
async fn get_json(app: &App, path: &str) -> Result<Option<String>, LookupError> {
    let url = format!("{}{path}", app.config.books_lookup_url);
    let key = url.clone();
    let cached = app
        .db
        .read(move |c| books::cached_lookup(c, &key))
        .await
        .map_err(|e| LookupError::Unreachable(e.to_string()))?;
    if let Some((status, body, fetched_at)) = cached {
        let max_age = if status == 200 {
            FOUND_MAX_AGE
        } else {
            NOT_FOUND_MAX_AGE
        };
        if fetched_at >= crate::store::now() - max_age {
            return Ok((status == 200).then_some(body));
        }
    }
    let fetched = app
        .http
        .fetch_within(&url, "application/json", MAX_BODY_BYTES, LOOKUP_TIMEOUT)
        .await
        .map_err(|e| LookupError::Unreachable(e.to_string()))?;
    let body = match fetched.status {
        200 => String::from_utf8(fetched.body)
            .map_err(|_| LookupError::Unreachable("its answer was not text".into()))?,
        404 => String::new(),
        other => return Err(LookupError::Unreachable(format!("it answered {other}"))),
    };
    let status = fetched.status;
    let stored = body.clone();
    // A cache that cannot be written only costs a second request later.
    if let Err(e) = app
        .db
        .write(move |tx| books::cache_lookup(tx, &url, status, &stored))
        .await
    {
        tracing::warn!(error = %e, "could not cache a book lookup");
    }
    Ok((status == 200).then_some(body))
}

/// The edition record of an ISBN-13 (Open Library redirects `/isbn/…` to it).
pub async fn edition(app: &App, isbn13: &str) -> Result<Option<Edition>, LookupError> {
    let Some(json) = get_json(app, &format!("/isbn/{isbn13}.json")).await? else {
        return Ok(None);
    };
    Ok(open_library::parse_edition(&json))
}

/// A book by its ISBN-13, with its authors' names and where its cover is: None when Open
/// Library does not know it.
pub async fn by_isbn(app: &App, isbn13: &str) -> Result<Option<BookDetails>, LookupError> {
    let Some(edition) = edition(app, isbn13).await? else {
        return Ok(None);
    };
    let mut author_keys = edition.author_keys.clone();
    if author_keys.is_empty()
        && let Some(work) = &edition.work_key
        && let Some(json) = get_json(app, &format!("{work}.json")).await?
    {
        author_keys = open_library::parse_work_authors(&json);
    }
    let mut authors = Vec::new();
    for key in author_keys.iter().take(MAX_AUTHORS) {
        if let Some(json) = get_json(app, &format!("{key}.json")).await?
            && let Some(name) = open_library::parse_author(&json)
        {
            authors.push(name);
        }
    }
    Ok(Some(BookDetails {
        title: edition.title,
        authors,
        isbn13: Some(isbn13.to_string()),
        pages: edition.pages,
        publisher: edition.publisher,
        year: edition.year,
        ol_key: edition.key,
        cover_source: cover::source(edition.cover_id, Some(isbn13)),
    }))
}

/// Books matching a title or author.
pub async fn search(app: &App, query: &str) -> Result<Vec<Found>, LookupError> {
    let q: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("q", query)
        .append_pair("fields", open_library::SEARCH_FIELDS)
        .append_pair("limit", &open_library::MAX_RESULTS.to_string())
        .finish();
    let json = get_json(app, &format!("/search.json?{q}")).await?;
    Ok(json
        .map(|j| open_library::parse_search(&j))
        .unwrap_or_default())
}

/// What a search result says, as a book to add.
pub fn details_of(found: &Found) -> BookDetails {
    BookDetails {
        title: found.title.clone(),
        authors: found.authors.clone(),
        isbn13: found.isbn13.clone(),
        pages: found.pages,
        publisher: String::new(),
        year: found.year,
        ol_key: found.key.clone(),
        cover_source: cover::source(found.cover_id, found.isbn13.as_deref()),
    }
}
