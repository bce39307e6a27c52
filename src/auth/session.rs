//! Admin sessions: a random cookie, stored by hash, sliding expiry. `Admin` is the extractor every
//! admin handler takes, so none can forget to check the session.

use anyhow::Result;
use poem::http::{HeaderValue, StatusCode, header};
use poem::web::Redirect;
use poem::{FromRequest, IntoResponse, Request, RequestBody, Response};

use crate::app::App;
use crate::store::{self, sessions};

use super::secret;

/// A session lasts this long after its last use: a month, like most sites' "remember me".
const LIFETIME_SECS: i64 = 30 * 24 * 3600;
/// The expiry is pushed forward at most this often, to avoid a database write per page view.
const TOUCH_EVERY_SECS: i64 = 3600;

/// The cookie name; over https the `__Host-` prefix makes browsers refuse it from anywhere but
/// this exact origin over a secure connection.
pub fn cookie_name(app: &App) -> &'static str {
    if app.config.base_url.is_https() {
        "__Host-porch_session"
    } else {
        "porch_session"
    }
}

/// Cookies are marked Secure when the site is served over https (and only then: a browser
/// would refuse them on a plain-http test or local site).
pub fn secure_attribute(app: &App) -> &'static str {
    if app.config.base_url.is_https() {
        "; Secure"
    } else {
        ""
    }
}

/// The signed-in owner, with the CSRF token that this session's forms must carry.
#[derive(Clone, Debug)]
pub struct Admin {
    pub session_id: i64,
    pub csrf: String,
}

/// Starts a session and returns the `Set-Cookie` value for it.
pub async fn start(app: &App, user_agent: &str) -> Result<HeaderValue> {
    let token = secret::random_token();
    let token_hash = secret::hash(&token);
    let csrf = secret::random_token();
    let user_agent: String = user_agent.chars().take(200).collect();
    let expires_at = store::now() + LIFETIME_SECS;
    app.db
        .write(move |tx| sessions::create(tx, &token_hash, &csrf, expires_at, &user_agent))
        .await?;
    let cookie = format!(
        "{}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={LIFETIME_SECS}{}",
        cookie_name(app),
        secure_attribute(app)
    );
    Ok(HeaderValue::from_str(&cookie)?)
}

/// Starts a session for this browser and answers with a redirect to `to` that sets its cookie:
/// after setup, login, and a password change (which ended every other session).
pub async fn sign_in(app: &App, req: &Request, to: &str) -> Result<Response> {
    let user_agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let cookie = start(app, user_agent).await?;
    let mut response = Redirect::see_other(to).into_response();
    response.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(response)
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_cookie(app: &App) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}",
        cookie_name(app),
        secure_attribute(app)
    ))
    .unwrap_or(HeaderValue::from_static(""))
}

/// The value of a cookie the request carries.
pub fn cookie_value<'r>(req: &'r Request, name: &str) -> Option<&'r str> {
    req.headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Looks up the session a request carries, if it is live.
pub async fn current(app: &App, req: &Request) -> Result<Option<Admin>> {
    match token(app, req) {
        Some(token) => by_token(app, &token).await,
        None => Ok(None),
    }
}

/// The session cookie's value, kept before a request is handed on (the panel's error pages
/// look the session up again after).
pub fn token(app: &App, req: &Request) -> Option<String> {
    cookie_value(req, cookie_name(app)).map(String::from)
}

/// The signed-in owner of a session token, if it is current.
pub async fn by_token(app: &App, token: &str) -> Result<Option<Admin>> {
    let token_hash = secret::hash(token);
    let now = store::now();
    let Some(session) = app
        .db
        .read(move |c| sessions::find(c, &token_hash, now))
        .await?
    else {
        return Ok(None);
    };
    if now - session.last_seen_at > TOUCH_EVERY_SECS {
        let id = session.id;
        app.db
            .write(move |tx| sessions::touch(tx, id, now, now + LIFETIME_SECS))
            .await?;
    }
    Ok(Some(Admin {
        session_id: session.id,
        csrf: session.csrf_token,
    }))
}

impl<'a> FromRequest<'a> for Admin {
    async fn from_request(req: &'a Request, _body: &mut RequestBody) -> poem::Result<Self> {
        let app = req
            .data::<App>()
            .ok_or_else(|| poem::Error::from_status(StatusCode::INTERNAL_SERVER_ERROR))?;
        match current(app, req).await {
            Ok(Some(admin)) => Ok(admin),
            Ok(None) => Err(not_signed_in(req)),
            Err(e) => Err(crate::error::Failure::internal(e).into()),
        }
    }
}

/// A page view goes to the login form and comes back after; a form post whose session has ended
/// is refused, since replaying it after login would act on a stale page.
fn not_signed_in(req: &Request) -> poem::Error {
    if req.method() == poem::http::Method::GET || req.method() == poem::http::Method::HEAD {
        // The original URI: inside the nested admin routes `uri()` has lost its `/admin` prefix.
        let next = req
            .original_uri()
            .path_and_query()
            .map(|pq| pq.as_str())
            .unwrap_or("/admin");
        let to = format!(
            "/admin/login?next={}",
            serde_urlencoded::to_string([("", next)])
                .unwrap_or_default()
                .trim_start_matches('=')
        );
        poem::Error::from_response(Redirect::see_other(to).into_response())
    } else {
        poem::Error::from_response(
            Response::builder()
                .status(StatusCode::FORBIDDEN)
                .content_type("text/plain; charset=utf-8")
                .body("Your session has ended. Sign in again, then repeat the action."),
        )
    }
}
