//! Every error in the panel is a page of the panel: a missing post, a mistyped address, a
//! refused action and a server failure are shown with the panel around them and a way back,
//! never as a bare line of text or the public site's 404. A form sent after the session ended
//! gets a page that says so, with a link to sign in.

use poem::error::ParsePathError;
use poem::http::StatusCode;
use poem::{Endpoint, IntoResponse, Request, Response};

use crate::app::App;
use crate::auth::session;
use crate::ctx;

pub struct AdminErrors<E> {
    pub inner: E,
}

/// Said for an address in the panel that names nothing (or names it wrongly, `/posts/abc`).
const NOT_FOUND: &str = "There is nothing at this address in the panel: it may have been deleted, or the link mistyped.";

impl<E: Endpoint> Endpoint for AdminErrors<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        let app = req.data::<App>().cloned();
        let token = app.as_ref().and_then(|app| session::token(app, &req));
        // The composer's scripts ask for JSON and read its errors themselves.
        let wants_json = req
            .header(poem::http::header::ACCEPT)
            .is_some_and(|a| a.contains("application/json") && !a.contains("text/html"));
        // The screen a refused form was sent from: signing in again returns there.
        let from = app.as_ref().and_then(|app| sent_from(app, &req));
        let error = match self.inner.call(req).await {
            Ok(r) => return Ok(r.into_response()),
            Err(e) => e,
        };
        let status = if error.is::<ParsePathError>() {
            StatusCode::NOT_FOUND
        } else {
            error.status()
        };
        // Redirects (to the login form) pass as they are.
        let Some(app) = app.filter(|_| status.as_u16() >= 400 && !wants_json) else {
            return Err(error);
        };
        // Answering a server failure logs its detail; the answer's text is the safe message
        // (a `Failure`'s, or a refusal's such as the CSRF check).
        let (parts, body) = error.into_response().into_parts();
        let text = body.into_string().await.unwrap_or_default();
        let is_text = parts
            .headers
            .get(poem::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_none_or(|t| t.starts_with("text/plain"));
        let message = match status {
            StatusCode::NOT_FOUND => NOT_FOUND.to_string(),
            _ if is_text && !text.trim().is_empty() => text.trim().to_string(),
            _ => "The server could not do this. Try again in a moment.".to_string(),
        };
        let plain = Response::from_parts(parts, poem::Body::from(text));
        let admin = match token {
            Some(token) => session::by_token(&app, &token).await.ok().flatten(),
            None => None,
        };
        let page = match admin {
            Some(admin) => {
                let heading = heading(status);
                super::render_noted(
                    &app,
                    &admin,
                    "error.html",
                    "",
                    None,
                    ctx! { heading, message },
                )
                .await
                .ok()
            }
            // A form sent after the session ended (the `Admin` extractor refuses it).
            None if status == StatusCode::FORBIDDEN => app
                .templates
                .render(
                    "admin/signed_out.html",
                    minijinja::context! { next => from },
                )
                .ok()
                .map(|body| super::private_page(status, body)),
            // Anyone else is a visitor: the site's own error page, as for any address.
            None if matches!(status.as_u16(), 404 | 410 | 500) => {
                return Err(poem::Error::from_status(status));
            }
            None => None,
        };
        Ok(match page {
            Some(mut page) => {
                page.set_status(status);
                page
            }
            None => plain,
        })
    }
}

/// The panel screen named by the request's `Referer`, when it is one of this site's: the login
/// form checks it again before going there.
fn sent_from(app: &App, req: &Request) -> Option<String> {
    let referer = req.header(poem::http::header::REFERER)?;
    let rest = referer.strip_prefix(app.config.base_url.as_str())?;
    if !rest.starts_with("/admin/") {
        return None;
    }
    // A refusal shown at an address that only takes forms: the screen the form belongs to.
    let path = rest.split('?').next().unwrap_or_default();
    Some(match path {
        "/admin/replies" => "/admin/timeline".into(),
        "/admin/password" => "/admin/settings/security".into(),
        _ if path.starts_with("/admin/categories/") && path.ends_with("/rename") => {
            "/admin/categories".into()
        }
        _ => rest.to_string(),
    })
}

fn heading(status: StatusCode) -> &'static str {
    match status {
        StatusCode::NOT_FOUND => "Not found",
        StatusCode::FORBIDDEN => "Not allowed",
        s if s.is_server_error() => "Something went wrong",
        _ => "That did not work",
    }
}
