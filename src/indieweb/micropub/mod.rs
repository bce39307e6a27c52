//! Micropub (W3C Recommendation): apps create, update, delete and undelete posts, query the
//! configuration and posts, and upload media. `request` reads the three body forms into one
//! shape; `create`, `update` and `source` map between Micropub properties and Porch posts;
//! `media` is the media endpoint. Everything goes through the same save path as the panel.

mod create;
pub mod endpoint;
pub mod media;
mod request;
mod source;
mod update;

use poem::http::{StatusCode, header};
use poem::{IntoResponse, Response};
use serde_json::json;

use crate::app::App;
use crate::auth::tokens;
pub use crate::auth::tokens::bearer;
use crate::store::tokens::AppToken;

/// An error in the form the specification gives: a status and a JSON `error` code.
#[derive(Debug)]
pub struct MpError {
    pub status: StatusCode,
    pub error: &'static str,
    pub description: String,
}

impl MpError {
    pub fn invalid(description: impl Into<String>) -> MpError {
        MpError {
            status: StatusCode::BAD_REQUEST,
            error: "invalid_request",
            description: description.into(),
        }
    }

    /// A body that could not be read: too large, or no slot free to read it.
    pub fn body(e: crate::forms::spool::BodyError) -> MpError {
        use crate::forms::spool::BodyError;
        let status = match e {
            BodyError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            BodyError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            BodyError::Io(_) => StatusCode::BAD_REQUEST,
        };
        MpError {
            status,
            error: "invalid_request",
            description: e.to_string(),
        }
    }

    fn internal(e: impl std::fmt::Display) -> MpError {
        tracing::error!(error = %e, "micropub: request failed");
        MpError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            error: "server_error",
            description: "The server could not do this; the error was logged.".into(),
        }
    }
}

/// A refused file is the app's to fix; anything else is the server's.
impl From<crate::media::upload::UploadError> for MpError {
    fn from(e: crate::media::upload::UploadError) -> Self {
        match e {
            crate::media::upload::UploadError::Refused(e) => MpError::invalid(e.to_string()),
            crate::media::upload::UploadError::Internal(e) => e.into(),
        }
    }
}

impl From<anyhow::Error> for MpError {
    fn from(e: anyhow::Error) -> Self {
        MpError::internal(format!("{e:#}"))
    }
}

impl IntoResponse for MpError {
    fn into_response(self) -> Response {
        let mut builder = Response::builder()
            .status(self.status)
            .content_type("application/json");
        // RFC 6750 §3.1: a request with no token at all gets the challenge without an error code.
        if self.status == StatusCode::UNAUTHORIZED {
            let challenge = if self.error == "unauthorized" {
                "Bearer".to_string()
            } else {
                format!("Bearer error=\"{}\"", self.error)
            };
            builder = builder.header(header::WWW_AUTHENTICATE, challenge);
        }
        builder
            .body(json!({ "error": self.error, "error_description": self.description }).to_string())
    }
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
pub async fn authorize(app: &App, presented: Option<&str>) -> Result<AppToken, MpError> {
    let Some(value) = presented.filter(|t| !t.trim().is_empty()) else {
        return Err(MpError {
            status: StatusCode::UNAUTHORIZED,
            error: "unauthorized",
            description: "An access token is required.".into(),
        });
    };
    tokens::authenticate(app, value).await?.ok_or(MpError {
        status: StatusCode::UNAUTHORIZED,
        error: "invalid_token",
        description: "The access token is not valid (revoked or expired?).".into(),
    })
}

/// Refuses a token without any of `scopes`. The status is 401, as the Recommendation and
/// micropub.rocks (test 804) have it.
pub fn require(token: &AppToken, scopes: &[&str]) -> Result<(), MpError> {
    if scopes.iter().any(|s| token.has_scope(s)) {
        Ok(())
    } else {
        Err(MpError {
            status: StatusCode::UNAUTHORIZED,
            error: "insufficient_scope",
            description: format!("The token needs the {} scope.", scopes[0]),
        })
    }
}
