//! The authorization endpoint (`/indieauth/auth`): an app sends the owner here, on to the
//! consent screen in the admin panel (`admin::indieauth`), which checks the request with
//! `check_client` and sends the owner back with `back_to_app`. A code redeemed here (POST)
//! proves who the owner is, without a token.

use poem::http::StatusCode;
use poem::web::{Data, Redirect};
use poem::{IntoResponse, Request, Response, handler};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::app::App;
use crate::auth::csrf::PublicForm;
use crate::auth::secret;
use crate::error::Result;
use crate::store::auth_codes::{self, AuthCode};

use super::client::{self, ClientInfo};
use super::{canonical_url, issuer, oauth_error};

/// The parameters of an authorization request, as the app sends them.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct AuthRequest {
    pub response_type: String,
    pub client_id: String,
    pub redirect_uri: String,
    pub state: String,
    pub code_challenge: String,
    pub code_challenge_method: String,
    pub scope: String,
}

/// GET /indieauth/auth: on to the consent screen, which needs the owner signed in (the login
/// form brings them back there).
#[handler]
pub fn start(req: &Request) -> Response {
    let query = req.uri().query().unwrap_or_default();
    Redirect::see_other(format!("/admin/indieauth?{query}")).into_response()
}

/// Where the app may be sent back to: on its own host (scheme, host and port), or listed by
/// the app itself.
fn redirect_allowed(client_id: &str, redirect_uri: &str, info: &ClientInfo) -> bool {
    crate::urls::same_origin(client_id, redirect_uri)
        || info.redirect_uris.iter().any(|u| u == redirect_uri)
}

/// Checks what must be right before the owner can be sent back anywhere; the message is shown
/// on an error page instead (RFC 6749 §4.1.2.1: never redirect to an unchecked address).
pub async fn check_client(app: &App, r: &AuthRequest) -> Result<ClientInfo, String> {
    if !super::valid_client_id(&r.client_id) {
        return Err("This app's client_id is not a valid web address.".into());
    }
    // A fragment would swallow the code and state appended after it. Schemes other than
    // http(s) (a phone app's own, `ia-writer://…`) are allowed only if the app lists them,
    // below; never ones a browser would run.
    let scheme = r
        .redirect_uri
        .split_once(':')
        .map(|(s, _)| s.to_ascii_lowercase());
    let redirect_ok = scheme.is_some_and(|s| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
            && !matches!(s.as_str(), "javascript" | "data" | "vbscript" | "file")
    }) && !r.redirect_uri.contains('#');
    if !redirect_ok {
        return Err("This app gave no valid address to come back to (redirect_uri).".into());
    }
    let info = client::fetch(app, &r.client_id).await;
    if !redirect_allowed(&r.client_id, &r.redirect_uri, &info) {
        return Err(format!(
            "This app asks to send you back to {}, which is not on its own site and which it does \
             not list as one of its addresses. Porch refused, to keep your code from being sent \
             elsewhere.",
            r.redirect_uri
        ));
    }
    Ok(info)
}

/// Sends the owner back to the app with these parameters added to its redirect URL.
pub fn back_to_app(app: &App, redirect_uri: &str, params: &[(&str, &str)]) -> Response {
    let mut all: Vec<(&str, &str)> = params.to_vec();
    let iss = issuer(&app.config.base_url);
    all.push(("iss", &iss));
    let query = serde_urlencoded::to_string(&all).unwrap_or_default();
    let sep = if redirect_uri.contains('?') { '&' } else { '?' };
    Redirect::see_other(format!("{redirect_uri}{sep}{query}")).into_response()
}

/// The parameters that redeem a code, at either endpoint.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Redemption {
    pub grant_type: String,
    pub code: String,
    pub client_id: String,
    pub redirect_uri: String,
    pub code_verifier: String,
}

/// Checks a code against its redemption and takes it (once); the error is an OAuth one.
pub async fn redeem(app: &App, r: &Redemption) -> Result<AuthCode> {
    if r.code.is_empty() || r.client_id.is_empty() || r.redirect_uri.is_empty() {
        return Err(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "code, client_id and redirect_uri are required",
        ));
    }
    let hash = secret::hash(&r.code);
    let found = app.db.write(move |tx| auth_codes::take(tx, &hash)).await?;
    let invalid = |why: &'static str| oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", why);
    let Some(code) = found else {
        return Err(invalid("the code is not known"));
    };
    if code.used_at.is_some() {
        return Err(invalid("the code was already used"));
    }
    if code.expires_at < crate::store::now() {
        return Err(invalid("the code has expired"));
    }
    if code.client_id != canonical_url(&r.client_id) || code.redirect_uri != r.redirect_uri {
        return Err(invalid(
            "the code was issued to another client_id or redirect_uri",
        ));
    }
    // A code asked for with PKCE needs its verifier; one asked for without must come without.
    let pkce_ok = match (code.code_challenge.is_empty(), r.code_verifier.is_empty()) {
        (true, true) => true,
        (false, false) => super::pkce_matches(&code.code_challenge, &r.code_verifier),
        _ => false,
    };
    if !pkce_ok {
        return Err(invalid(
            "the code_verifier does not match the code_challenge",
        ));
    }
    Ok(code)
}

/// POST /indieauth/auth: a code redeemed for the owner's identity (and profile), no token.
#[handler]
pub async fn profile_redemption(
    Data(app): Data<&App>,
    PublicForm(r): PublicForm<Redemption>,
) -> Response {
    crate::indieweb::oauth(identify(app, r).await)
}

async fn identify(app: &App, r: Redemption) -> Result<Response> {
    let code = redeem(app, &r).await?;
    let mut body = json!({ "me": code.me });
    if code.scope.split_whitespace().any(|s| s == "profile") {
        body["profile"] = super::token::profile(app).await?;
    }
    Ok(crate::indieweb::private_json(StatusCode::OK, &body))
}
