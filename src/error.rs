//! The one failure type of everything that answers a request, and its mapping to HTTP. A
//! failure carries its status, a message safe to show whoever asked, the protocol's own name
//! for it where the protocol has one (OAuth's `invalid_request`), and, for a failure of the
//! server's own, the detail for the log, which is never shown.
//!
//! Domain errors convert into it (`From`); each protocol renders it its own way: an HTML or
//! text page here (`ResponseError`), OAuth and Micropub JSON (`indieweb::oauth_json`), an
//! XML-RPC fault (`xmlrpc::wire::Fault`), plain text for ActivityPub (`activitypub::inbox`).

use std::borrow::Cow;

use poem::error::ResponseError;
use poem::http::StatusCode;
use poem::{IntoResponse, Response};

#[derive(Debug)]
pub struct Failure {
    status: StatusCode,
    message: Cow<'static, str>,
    code: Option<&'static str>,
    /// The form field the message is about, when it is about one: a form shown again puts
    /// the message beside that field.
    field: Option<&'static str>,
    detail: Option<anyhow::Error>,
}

pub type Result<T, E = Failure> = std::result::Result<T, E>;

/// What a visitor is told when the server itself failed; the detail goes to the log.
const INTERNAL: &str = "Something went wrong on the server; the error was logged.";

impl Failure {
    pub fn new(status: StatusCode, message: impl Into<Cow<'static, str>>) -> Failure {
        Failure {
            status,
            message: message.into(),
            code: None,
            field: None,
            detail: None,
        }
    }

    /// The request cannot be done as sent; the message says why.
    pub fn bad_request(message: impl Into<Cow<'static, str>>) -> Failure {
        Failure::new(StatusCode::BAD_REQUEST, message)
    }

    /// No credentials, or ones that do not open this door.
    pub fn unauthorized(message: impl Into<Cow<'static, str>>) -> Failure {
        Failure::new(StatusCode::UNAUTHORIZED, message)
    }

    pub fn forbidden(message: impl Into<Cow<'static, str>>) -> Failure {
        Failure::new(StatusCode::FORBIDDEN, message)
    }

    pub fn not_found() -> Failure {
        Failure::new(StatusCode::NOT_FOUND, "This page does not exist.")
    }

    pub fn gone() -> Failure {
        Failure::new(StatusCode::GONE, "This page was deleted.")
    }

    pub fn too_large(message: impl Into<Cow<'static, str>>) -> Failure {
        Failure::new(StatusCode::PAYLOAD_TOO_LARGE, message)
    }

    /// Busy for now: the same request later will do.
    pub fn unavailable(message: impl Into<Cow<'static, str>>) -> Failure {
        Failure::new(StatusCode::SERVICE_UNAVAILABLE, message)
    }

    /// The server's own failure: a safe message for whoever asked, the error for the log.
    pub fn internal(detail: anyhow::Error) -> Failure {
        Failure {
            detail: Some(detail),
            ..Failure::new(StatusCode::INTERNAL_SERVER_ERROR, INTERNAL)
        }
    }

    /// Names the failure as the protocol does (`invalid_request`, `insufficient_scope`, …).
    pub fn with_code(mut self, code: &'static str) -> Failure {
        self.code = Some(code);
        self
    }

    /// Names the form field the failure is about.
    pub fn on_field(mut self, field: Option<&'static str>) -> Failure {
        self.field = field;
        self
    }

    pub fn field(&self) -> Option<&'static str> {
        self.field
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The message safe to show.
    pub fn message(&self) -> &str {
        &self.message
    }

    pub fn code(&self) -> Option<&'static str> {
        self.code
    }

    /// Whether this is the server's own failure (logged by `log`, never shown).
    pub fn is_internal(&self) -> bool {
        self.status.is_server_error()
    }

    /// Writes the detail of a server failure to the log, once, as it is answered.
    pub fn log(&self) {
        if let Some(detail) = &self.detail {
            tracing::error!(error = format!("{detail:#}"), "request failed");
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.detail.as_ref().map(|d| d.as_ref())
    }
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Failure {
        // A failure carried through anyhow (from a transaction, say) keeps what it was.
        match e.downcast::<Failure>() {
            Ok(failure) => failure,
            Err(e) => Failure::internal(e),
        }
    }
}

impl From<minijinja::Error> for Failure {
    fn from(e: minijinja::Error) -> Failure {
        Failure::internal(e.into())
    }
}

impl From<crate::forms::FormError> for Failure {
    fn from(e: crate::forms::FormError) -> Failure {
        Failure::bad_request(e.to_string()).with_code("invalid_request")
    }
}

impl From<crate::forms::spool::BodyError> for Failure {
    fn from(e: crate::forms::spool::BodyError) -> Failure {
        use crate::forms::spool::BodyError;
        let status = match e {
            BodyError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            BodyError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            BodyError::Io(_) => StatusCode::BAD_REQUEST,
        };
        Failure::new(status, e.to_string()).with_code("invalid_request")
    }
}

/// The site's and the panel's rendering: the status, and the message as text.
impl ResponseError for Failure {
    fn status(&self) -> StatusCode {
        self.status
    }

    fn as_response(&self) -> Response {
        self.log();
        (self.status, self.message.to_string()).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_failure_shows_a_safe_message_and_keeps_the_detail() {
        let f = Failure::from(anyhow::anyhow!("disk full at /var/lib/porch"));
        assert_eq!(f.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!f.message().contains("disk"));
        assert!(std::error::Error::source(&f).is_some());
        let carried = Failure::from(anyhow::Error::new(Failure::not_found()));
        assert_eq!(carried.status(), StatusCode::NOT_FOUND);
        let coded = Failure::unauthorized("no").with_code("insufficient_scope");
        assert_eq!(coded.code(), Some("insufficient_scope"));
    }
}
