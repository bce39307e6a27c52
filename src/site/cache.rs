//! Public pages change only when the owner changes something, and the content version (bumped by
//! triggers on every such change) says when. So each page is rendered once per version and kept:
//! repeat requests are answered from memory, and conditional GETs get 304 from the ETag or the
//! time of the last change. This is what lets a Raspberry Pi serve a busy day's traffic.

use std::sync::Arc;

use bytes::Bytes;

use poem::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use poem::{Endpoint, IntoResponse, Request, Response};
use sha2::{Digest, Sha256};

use crate::app::App;
use crate::encoding::{self, Coding};

use super::page_cache::{Entry, MAX_ENTRY_BYTES};

/// Wraps the public site's routes with the page cache and conditional GET.
pub struct Cached<E> {
    pub inner: E,
    /// Whether the query string changes the page (search terms, page numbers). For other pages
    /// it is left out of the cache key, so that `/?x=1`, `/?x=2`… cannot crowd real pages out.
    pub by_query: bool,
}

impl<E: Endpoint> Endpoint for Cached<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        if req.method() != Method::GET && req.method() != Method::HEAD {
            return self.inner.call(req).await.map(IntoResponse::into_response);
        }
        let Some(app) = req.data::<App>().cloned() else {
            return self.inner.call(req).await.map(IntoResponse::into_response);
        };
        let key = match (self.by_query, req.uri().path_and_query()) {
            (true, Some(pq)) => pq.as_str().to_string(),
            _ => req.uri().path().to_string(),
        };
        let stamp = match app.db.fresh_stamp().await {
            Ok(stamp) => stamp,
            Err(e) => return Err(crate::error::Failure::internal(e).into()),
        };
        let version = stamp.version();
        if let Some(entry) = app.pages.get(&key, version) {
            return Ok(respond(&app, &entry, req.headers()));
        }
        let changed_at = stamp.changed_at();
        let request_headers = req.headers().clone();
        let response = self.inner.call(req).await?.into_response();
        if response.status() != StatusCode::OK {
            return Ok(response);
        }
        let (parts, body) = response.into_parts();
        let body = body.into_bytes().await?;
        // Weak: the compression middleware sends this one representation as gzip, brotli or
        // plain bytes, which a strong ETag would have to tell apart.
        let etag = format!("W/\"{}\"", hex::encode(&Sha256::digest(&body)[..12]));
        let last_modified = crate::render::time::http_date(changed_at);
        let entry = Arc::new(Entry {
            version,
            headers: parts.headers,
            etag: HeaderValue::from_str(&etag).unwrap_or(HeaderValue::from_static("\"\"")),
            last_modified: HeaderValue::from_str(&last_modified)
                .unwrap_or(HeaderValue::from_static("")),
            changed_at,
            body,
            encoded: Default::default(),
        });
        if entry.body.len() <= MAX_ENTRY_BYTES {
            app.pages.put(key, entry.clone());
        }
        Ok(respond(&app, &entry, &request_headers))
    }
}

/// RFC 9110 §13.1: If-None-Match decides when present (with the weak comparison it
/// prescribes); otherwise If-Modified-Since.
fn not_modified(entry: &Entry, req: &HeaderMap) -> bool {
    if let Some(inm) = req.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) {
        let ours = entry
            .etag
            .to_str()
            .unwrap_or_default()
            .trim_start_matches("W/");
        return inm.split(',').any(|tag| {
            let tag = tag.trim();
            tag == "*" || tag.trim_start_matches("W/") == ours
        });
    }
    match (
        req.get(header::IF_MODIFIED_SINCE)
            .and_then(|v| v.to_str().ok()),
        entry.last_modified.to_str().ok(),
    ) {
        (Some(since), Some(ours)) => match (
            chrono::DateTime::parse_from_rfc2822(since),
            chrono::DateTime::parse_from_rfc2822(ours),
        ) {
            // Within the second of the last change, another change could still come and carry
            // the same Last-Modified: only a date in a second that is over can prove freshness.
            (Ok(since), Ok(ours)) => ours <= since && entry.changed_at < crate::store::now(),
            _ => false,
        },
        _ => false,
    }
}

/// The entry's body in the coding the client takes, compressed once per entry: the first
/// request that wants brotli (or gzip) pays for it, the rest copy bytes.
fn encoded(app: &App, entry: &Entry, req: &HeaderMap) -> Option<(Coding, Bytes)> {
    let content_type = entry
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    if entry.body.len() < encoding::MIN_BYTES || !encoding::compressible(content_type) {
        return None;
    }
    let coding = encoding::negotiate(req)?;
    let slot = &entry.encoded[coding as usize];
    if let Some(bytes) = slot.get() {
        return Some((coding, bytes.clone()));
    }
    let bytes = encoding::encode(&entry.body, coding).ok()?;
    if slot.set(bytes.clone()).is_ok() {
        app.pages.grew(bytes.len());
    }
    Some((coding, bytes))
}

fn respond(app: &App, entry: &Entry, req: &HeaderMap) -> Response {
    let unchanged = not_modified(entry, req);
    let mut builder = Response::builder();
    if unchanged {
        builder = builder.status(StatusCode::NOT_MODIFIED);
    } else {
        for (name, value) in &entry.headers {
            builder = builder.header(name, value);
        }
    }
    let builder = builder
        .header(header::ETAG, entry.etag.clone())
        .header(header::LAST_MODIFIED, entry.last_modified.clone())
        // Browsers and proxies may keep a copy but must ask (cheaply, with the ETag) each time,
        // so that a new post shows at once.
        .header(header::CACHE_CONTROL, "public, no-cache");
    if unchanged {
        return builder.body(poem::Body::empty());
    }
    match encoded(app, entry, req) {
        Some((coding, bytes)) => builder
            .header(header::CONTENT_ENCODING, coding.name())
            .body(bytes),
        None => builder.body(entry.body.clone()),
    }
}
