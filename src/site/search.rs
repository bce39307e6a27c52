//! Full-text search (`/search/?q=…`) over published posts and pages, with SQLite FTS5.

use crate::ctx;
use poem::web::{Data, Query};
use poem::{Response, handler};
use serde::Deserialize;

use crate::app::App;
use crate::error::Result;
use crate::render::time;
use crate::store::posts;

use super::views;

/// Results shown for one query, best first.
const RESULTS: u32 = 50;
/// A query longer than this is cut: nobody types more, and FTS work grows with terms.
const MAX_QUERY_CHARS: usize = 200;

#[derive(Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
}

#[handler]
pub async fn search(Data(app): Data<&App>, Query(query): Query<SearchQuery>) -> Result<Response> {
    let q: String = query
        .q
        .unwrap_or_default()
        .trim()
        .chars()
        .take(MAX_QUERY_CHARS)
        .collect();
    let terms = q.clone();
    let results = if q.is_empty() {
        Vec::new()
    } else {
        app.db
            .read(move |c| posts::search(c, &terms, RESULTS))
            .await?
    };
    let (site, settings) = views::site_view(app).await?;
    let tz = time::zone(&settings.timezone);
    let meta = views::listing_meta(
        app,
        &site,
        if q.is_empty() {
            format!("Search · {}", site.title)
        } else {
            format!("“{q}” · Search · {}", site.title)
        },
        app.config.base_url.join("/search/"),
        format!("Search {}.", site.title),
    );
    let body = app.templates.render(
        "search.html",
        ctx! { site, meta, q, searched => !q.is_empty(), posts => views::post_views(app, &results, tz) },
    )?;
    Ok(views::html(body))
}
