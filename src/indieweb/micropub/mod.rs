//! Micropub (W3C Recommendation): apps create, update, delete and undelete posts, query the
//! configuration and posts, and upload media. `request` reads the three body forms into one
//! shape; `create`, `update` and `source` map between Micropub properties and Porch posts;
//! `media` is the media endpoint; `bookmark` saves a private bookmark, which publishes nothing.
//! Everything goes through the same save path as the panel.

mod bookmark;
mod create;
pub mod endpoint;
pub mod media;
pub mod request;
mod source;
pub mod update;

use std::borrow::Cow;

use poem::http::StatusCode;
use poem::{IntoResponse, Response};

use crate::app::App;
use crate::auth::tokens;
pub use crate::auth::tokens::bearer;
use crate::error::Failure;
use crate::store::tokens::AppToken;

/// A request the app must change: Micropub's `invalid_request`.
pub fn invalid(description: impl Into<Cow<'static, str>>) -> Failure {
    Failure::bad_request(description).with_code("invalid_request")
}

/// A token presented twice (header and body) is refused with 400, as RFC 6750 says. The body
/// is plain text: micropub.rocks (test 805) reads a JSON body's `error` as the literal words
/// "bad request", which no other client expects.
pub fn both_tokens() -> Response {
    (
        StatusCode::BAD_REQUEST,
        "invalid_request: the access token was sent both in the Authorization header and in the body",
    )
        .into_response()
}

/// The token a request carries, checked: absent → `unauthorized`, unknown → `invalid_token`.
pub async fn authorize(app: &App, presented: Option<&str>) -> Result<AppToken, Failure> {
    let Some(value) = presented.filter(|t| !t.trim().is_empty()) else {
        return Err(Failure::unauthorized("An access token is required.").with_code("unauthorized"));
    };
    tokens::authenticate(app, value).await?.ok_or_else(|| {
        Failure::unauthorized("The access token is not valid (revoked or expired?).")
            .with_code("invalid_token")
    })
}

/// Refuses a token without any of `scopes`. The status is 401, as the Recommendation and
/// micropub.rocks (test 804) have it.
pub fn require(token: &AppToken, scopes: &[&str]) -> Result<(), Failure> {
    if scopes.iter().any(|s| token.has_scope(s)) {
        Ok(())
    } else {
        Err(
            Failure::unauthorized(format!("The token needs the {} scope.", scopes[0]))
                .with_code("insufficient_scope"),
        )
    }
}
