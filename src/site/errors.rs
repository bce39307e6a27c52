//! Friendly error pages: a 404, 410 or 500 from any public route is answered with the theme's
//! error page, which keeps the site's header and a way back home.

use crate::ctx;
use poem::http::{StatusCode, header};
use poem::{Endpoint, IntoResponse, Request, Response};

use crate::app::App;

use super::views;

pub struct FriendlyErrors<E> {
    pub inner: E,
}

impl<E: Endpoint> Endpoint for FriendlyErrors<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        let app = req.data::<App>().cloned();
        let path = req.uri().path().to_string();
        let response = match self.inner.call(req).await {
            Ok(r) => return Ok(r.into_response()),
            // Turning the error into a response logs it when it is an internal one.
            Err(e) => e.into_response(),
        };
        let status = response.status();
        let friendly = matches!(
            status,
            StatusCode::NOT_FOUND | StatusCode::GONE | StatusCode::INTERNAL_SERVER_ERROR
        );
        match app {
            Some(app) if friendly => Ok(render(&app, status, &path).await.unwrap_or(response)),
            _ => Ok(response),
        }
    }
}

async fn render(app: &App, status: StatusCode, path: &str) -> Option<Response> {
    let (site, _) = views::site_view(app).await.ok()?;
    let (heading, message) = match status {
        StatusCode::NOT_FOUND => (
            "Not found",
            "There is nothing at this address. It may have been mistyped, or the page may not be published yet.",
        ),
        StatusCode::GONE => ("Deleted", "What was here has been deleted by its author."),
        _ => (
            "Something went wrong",
            "The server could not show this page. Try again in a moment.",
        ),
    };
    let meta = views::listing_meta(
        app,
        &site,
        format!("{heading} · {}", site.title),
        app.config.base_url.join(path),
        message.to_string(),
    );
    let body = app
        .templates
        .render(
            "error.html",
            ctx! { site, meta, heading, message, status => status.as_u16() },
        )
        .ok()?;
    Some(
        Response::builder()
            .status(status)
            .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
            .body(body),
    )
}
