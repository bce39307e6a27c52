//! CSRF protection for the admin panel: every form carries its session's token (the synchronizer
//! token pattern), and `AdminForm` refuses a post whose token is missing or wrong before the
//! handler runs. Multipart forms (uploads) check the token with `check` on their first field.

use poem::http::StatusCode;
use poem::{FromRequest, Request, RequestBody, Response};
use serde::de::DeserializeOwned;

use super::{Admin, secret};
use crate::forms;

/// Admin forms are small; the composer's text is the largest field (a long post is well under
/// a megabyte).
const MAX_FORM_BYTES: usize = 4 * 1024 * 1024;

/// A form posted from the admin panel by the signed-in owner, with its CSRF token verified.
pub struct AdminForm<T> {
    pub admin: Admin,
    pub form: T,
}

/// The form of a button that only needs its CSRF token (delete, revoke, log out).
#[derive(serde::Deserialize)]
pub struct NoFields {}

pub fn refused() -> poem::Error {
    poem::Error::from_response(
        Response::builder()
            .status(StatusCode::FORBIDDEN)
            .content_type("text/plain; charset=utf-8")
            .body("This form has expired or did not come from your admin panel. Go back, reload the page and try again."),
    )
}

/// Checks a token that came with a form against the session's.
pub fn check(admin: &Admin, token: &str) -> poem::Result<()> {
    if secret::equal(&admin.csrf, token) {
        Ok(())
    } else {
        Err(refused())
    }
}

impl<'a, T: DeserializeOwned + Send> FromRequest<'a> for AdminForm<T> {
    async fn from_request(req: &'a Request, body: &mut RequestBody) -> poem::Result<Self> {
        let admin = Admin::from_request(req, body).await?;
        let bytes = read_body(body, MAX_FORM_BYTES).await?;
        let pairs = forms::pairs(&bytes).map_err(bad_form)?;
        let token = pairs
            .iter()
            .find(|(k, _)| k == "csrf")
            .map(|(_, v)| v.as_str());
        check(&admin, token.unwrap_or(""))?;
        Ok(AdminForm {
            admin,
            form: parse(&bytes)?,
        })
    }
}

/// The largest form a visitor who is not signed in may send (login, setup): a few fields.
const MAX_PUBLIC_FORM_BYTES: usize = 16 * 1024;

/// A small url-encoded form from someone not (yet) signed in, read with a size cap so that an
/// endless body cannot fill the memory. Its own CSRF defence is up to the handler.
pub struct PublicForm<T>(pub T);

impl<'a, T: DeserializeOwned + Send> FromRequest<'a> for PublicForm<T> {
    async fn from_request(_req: &'a Request, body: &mut RequestBody) -> poem::Result<Self> {
        let bytes = read_body(body, MAX_PUBLIC_FORM_BYTES).await?;
        Ok(PublicForm(parse(&bytes)?))
    }
}

async fn read_body(body: &mut RequestBody, limit: usize) -> poem::Result<bytes::Bytes> {
    body.take()?.into_bytes_limit(limit).await.map_err(|_| {
        poem::Error::from_string("The form is too large.", StatusCode::PAYLOAD_TOO_LARGE)
    })
}

fn parse<T: DeserializeOwned>(bytes: &[u8]) -> poem::Result<T> {
    forms::parse(bytes).map_err(bad_form)
}

fn bad_form(e: forms::FormError) -> poem::Error {
    poem::Error::from_string(e.to_string(), StatusCode::BAD_REQUEST)
}
