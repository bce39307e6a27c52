//! Middleware applied to every request: one log line each, security headers, and refusal of
//! form posts that a browser says came from another site.

use std::time::Instant;

use poem::http::{HeaderValue, Method, StatusCode, header};
use poem::{Endpoint, IntoResponse, Middleware, Request, Response};

/// One line per request: method, path, status, time taken.
pub struct RequestLog;

pub struct RequestLogEndpoint<E>(E);

impl<E: Endpoint> Middleware<E> for RequestLog {
    type Output = RequestLogEndpoint<E>;
    fn transform(&self, ep: E) -> Self::Output {
        RequestLogEndpoint(ep)
    }
}

impl<E: Endpoint> Endpoint for RequestLogEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        let start = Instant::now();
        let method = req.method().clone();
        let path = req.uri().path().to_string();
        let response = match self.0.call(req).await {
            Ok(r) => r.into_response(),
            Err(e) => e.into_response(),
        };
        tracing::info!(
            target: "porch::http",
            "{method} {path} {} {:.1}ms",
            response.status().as_u16(),
            start.elapsed().as_secs_f64() * 1000.0
        );
        Ok(response)
    }
}

/// Headers that close off whole classes of attack. The content security policy also keeps the
/// promise that pages make no requests to other sites.
pub struct SecurityHeaders;

pub struct SecurityHeadersEndpoint<E>(E);

impl<E: Endpoint> Middleware<E> for SecurityHeaders {
    type Output = SecurityHeadersEndpoint<E>;
    fn transform(&self, ep: E) -> Self::Output {
        SecurityHeadersEndpoint(ep)
    }
}

const CSP: &str = "default-src 'self'; img-src 'self' data:; media-src 'self'; style-src 'self'; \
                   script-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; \
                   frame-ancestors 'none'";

impl<E: Endpoint> Endpoint for SecurityHeadersEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        let mut response = self.0.call(req).await?.into_response();
        let headers = response.headers_mut();
        headers.insert("content-security-policy", HeaderValue::from_static(CSP));
        headers.insert(
            "x-content-type-options",
            HeaderValue::from_static("nosniff"),
        );
        headers.insert("x-frame-options", HeaderValue::from_static("DENY"));
        headers.insert(
            "referrer-policy",
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        );
        Ok(response)
    }
}

/// Refuses a POST that the browser marks as sent from another site (`Sec-Fetch-Site:
/// cross-site`). The CSRF tokens already stop forged forms; this stops them one step earlier
/// in every browser that sends the header. Requests without it (apps, curl) pass to the token
/// checks.
pub struct SameOriginPosts;

pub struct SameOriginPostsEndpoint<E>(E);

impl<E: Endpoint> Middleware<E> for SameOriginPosts {
    type Output = SameOriginPostsEndpoint<E>;
    fn transform(&self, ep: E) -> Self::Output {
        SameOriginPostsEndpoint(ep)
    }
}

impl<E: Endpoint> Endpoint for SameOriginPostsEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        let cross_site = req.method() == Method::POST
            && req.uri().path().starts_with("/admin")
            && req
                .headers()
                .get("sec-fetch-site")
                .is_some_and(|v| v == "cross-site");
        if cross_site {
            return Ok(Response::builder()
                .status(StatusCode::FORBIDDEN)
                .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
                .body("Forms of the admin panel can only be sent from the admin panel."));
        }
        Ok(self.0.call(req).await?.into_response())
    }
}

/// Adds `Accept-Encoding` to `Vary`: the same URL is sent compressed or plain depending on it,
/// public pages may be kept by shared caches, and poem's compression does not say so itself.
/// Merged into one header with whatever the route already varies on (`Accept` on permalinks),
/// as some caches read only the first `Vary` line.
pub struct VaryEncoding;

pub struct VaryEncodingEndpoint<E>(E);

impl<E: Endpoint> Middleware<E> for VaryEncoding {
    type Output = VaryEncodingEndpoint<E>;
    fn transform(&self, ep: E) -> Self::Output {
        VaryEncodingEndpoint(ep)
    }
}

impl<E: Endpoint> Endpoint for VaryEncodingEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        let mut response = self.0.call(req).await?.into_response();
        let headers = response.headers_mut();
        // Most responses vary on nothing else: no string work for them.
        if !headers.contains_key(header::VARY) {
            headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
            return Ok(response);
        }
        let existing: Vec<String> = headers
            .get_all(header::VARY)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty() && !v.eq_ignore_ascii_case("accept-encoding"))
            .collect();
        let mut merged = existing.join(", ");
        if !merged.is_empty() {
            merged.push_str(", ");
        }
        merged.push_str("Accept-Encoding");
        if let Ok(value) = HeaderValue::from_str(&merged) {
            headers.insert(header::VARY, value);
        }
        Ok(response)
    }
}
