//! The IndieWeb protocols: Micropub (apps post here), IndieAuth (apps get a token from the
//! owner), and Webmention (other sites reply and mention; this site tells the pages it links).
//! The MetaWeblog XML-RPC API that MarsEdit speaks is in `xmlrpc/`.

pub mod indieauth;
pub mod micropub;
pub mod webmention;

use poem::http::{HeaderValue, StatusCode, header};
use poem::{Endpoint, IntoResponse, Request, Response};

use crate::app::App;
use crate::error::Failure;

/// A JSON answer no cache keeps: the APIs here answer about tokens, codes and drafts.
pub fn private_json(status: StatusCode, body: &serde_json::Value) -> Response {
    Response::builder()
        .status(status)
        .content_type("application/json")
        .header(header::CACHE_CONTROL, "no-store")
        .body(body.to_string())
}

/// A failure as OAuth 2.0 answers one (RFC 6749 §5.2), which Micropub and IndieAuth share: a
/// JSON `error` code and `error_description`. A 401 carries the RFC 6750 challenge, without
/// an error code when no token was given at all.
pub fn oauth_json(failure: Failure) -> Response {
    failure.log();
    let status = failure.status();
    let code = failure.code().unwrap_or(match status {
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::SERVICE_UNAVAILABLE => "temporarily_unavailable",
        s if s.is_server_error() => "server_error",
        _ => "invalid_request",
    });
    let mut response = private_json(
        status,
        &serde_json::json!({ "error": code, "error_description": failure.message() }),
    );
    if status == StatusCode::UNAUTHORIZED {
        let challenge = match code {
            "unauthorized" => "Bearer".to_string(),
            code => format!("Bearer error=\"{code}\""),
        };
        if let Ok(value) = HeaderValue::from_str(&challenge) {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, value);
        }
    }
    response
}

/// A handler's outcome in OAuth's terms: its answer, or its failure as `oauth_json`.
pub fn oauth(outcome: Result<Response, Failure>) -> Response {
    outcome.unwrap_or_else(oauth_json)
}

/// Wraps the home page and permalinks with the `Link` headers that IndieWeb clients look for
/// before the HTML: the Webmention endpoint on every page, and on the home page (the owner's
/// identity) Micropub and IndieAuth. It sits outside the page cache, so cached answers carry
/// them too. The values are made once, on the first request (they depend on the base URL only).
pub struct Discovery<E> {
    inner: E,
    links: std::sync::OnceLock<(HeaderValue, Vec<HeaderValue>)>,
}

impl<E> Discovery<E> {
    pub fn new(inner: E) -> Discovery<E> {
        Discovery {
            inner,
            links: std::sync::OnceLock::new(),
        }
    }
}

/// The webmention link of every page, and the home page's further links.
fn discovery_links(app: &App) -> (HeaderValue, Vec<HeaderValue>) {
    let base = &app.config.base_url;
    let link = |url: String, rel: &str| {
        HeaderValue::from_str(&format!("<{url}>; rel=\"{rel}\""))
            .unwrap_or(HeaderValue::from_static(""))
    };
    (
        link(base.join(webmention::PATH), "webmention"),
        vec![
            link(base.join("/micropub"), "micropub"),
            link(
                base.join("/.well-known/oauth-authorization-server"),
                "indieauth-metadata",
            ),
            link(base.join("/indieauth/auth"), "authorization_endpoint"),
            link(base.join("/indieauth/token"), "token_endpoint"),
        ],
    )
}

impl<E: Endpoint> Endpoint for Discovery<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        let home = req.uri().path() == "/";
        let links = req
            .data::<App>()
            .map(|app| self.links.get_or_init(|| discovery_links(app)).clone());
        let mut response = self.inner.call(req).await?.into_response();
        if let Some((webmention, home_links)) = links
            && response.status().is_success()
        {
            let headers = response.headers_mut();
            headers.append("link", webmention);
            if home {
                for link in home_links {
                    headers.append("link", link);
                }
            }
        }
        Ok(response)
    }
}
