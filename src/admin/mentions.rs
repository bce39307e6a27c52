//! The composer's `@` suggestions (`/admin/handles?q=…`): people followed, following or seen,
//! from the store only, so that typing never makes Porch ask another server anything.

use poem::web::{Data, Json, Query};
use poem::{IntoResponse, Response, handler};
use serde::Deserialize;

use crate::app::App;
use crate::auth::Admin;
use crate::error::Result;
use crate::store::actors;

/// As many as fit under the text box.
const SHOWN: u32 = 8;

#[derive(Deserialize)]
pub struct Typed {
    #[serde(default)]
    q: String,
}

#[handler]
pub async fn suggest(
    Data(app): Data<&App>,
    _admin: Admin,
    Query(typed): Query<Typed>,
) -> Result<Response> {
    // What follows the `@`; a handle is short, so a long query is no handle.
    let q: String = typed.q.trim_start_matches('@').chars().take(200).collect();
    if q.is_empty() {
        return Ok(Json(Vec::<actors::Suggestion>::new()).into_response());
    }
    let found = app.db.read(move |c| actors::suggest(c, &q, SHOWN)).await?;
    Ok(Json(found)
        .with_header(poem::http::header::CACHE_CONTROL, "no-store")
        .into_response())
}
