//! Signing in and out. The password is checked with argon2id; failures are throttled per address
//! and overall; the login form has its own CSRF token in a short-lived cookie (there is no
//! session yet to hold one).

use crate::ctx;
use poem::http::{HeaderValue, StatusCode, header};
use poem::web::{Data, Query, Redirect};
use poem::{IntoResponse, Request, Response, handler};
use serde::Deserialize;

use crate::app::App;
use crate::auth::csrf::{AdminForm, NoFields, PublicForm};
use crate::auth::throttle::client_ip;
use crate::auth::{secret, session};
use crate::error::{Failure, Result};
use crate::store::{owner, sessions};

const LOGIN_CSRF_COOKIE: &str = "porch_login_csrf";

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginForm {
    /// Filled in for password managers, which look for a username beside the password; when
    /// sent, it must be the owner's.
    #[serde(default)]
    username: String,
    password: String,
    csrf: String,
    next: Option<String>,
}

/// Only a path inside the admin panel is followed after login, so the login form cannot be used
/// to bounce the owner to another site. The path is what is checked: a query may carry URLs of
/// its own (an IndieAuth request names the app's, often with unencoded `//`), and cannot send the
/// browser anywhere.
fn safe_next(next: Option<&str>) -> String {
    let next = next.unwrap_or_default();
    let path = next.split('?').next().unwrap_or_default();
    if path.starts_with("/admin") && !path.contains("//") && !path.contains('\\') {
        next.into()
    } else {
        "/admin".into()
    }
}

fn login_cookie(app: &App, token: &str) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{LOGIN_CSRF_COOKIE}={token}; Path=/admin/login; HttpOnly; SameSite=Strict; Max-Age=3600{}",
        session::secure_attribute(app)
    ))
    .unwrap_or(HeaderValue::from_static(""))
}

fn page(app: &App, status: StatusCode, ctx: minijinja::Value) -> Result<Response> {
    let token = secret::random_token();
    let body = app.templates.render(
        "admin/login.html",
        minijinja::context! { csrf => token.clone(), ..ctx },
    )?;
    let mut response = super::private_page(status, body);
    response
        .headers_mut()
        .insert(header::SET_COOKIE, login_cookie(app, &token));
    Ok(response)
}

#[handler]
pub async fn show_form(
    Data(app): Data<&App>,
    req: &Request,
    Query(q): Query<NextQuery>,
) -> Result<Response> {
    if session::current(app, req).await?.is_some() {
        return Ok(Redirect::see_other(safe_next(q.next.as_deref())).into_response());
    }
    let owner = app.db.read(owner::get).await?;
    let not_set_up = owner.is_none();
    let username = owner.map(|o| o.username).unwrap_or_default();
    page(
        app,
        StatusCode::OK,
        ctx! { next => safe_next(q.next.as_deref()), not_set_up, username },
    )
}

#[handler]
pub async fn submit(
    Data(app): Data<&App>,
    req: &Request,
    PublicForm(f): PublicForm<LoginForm>,
) -> Result<Response> {
    let next = safe_next(f.next.as_deref());
    let username = f.username.trim().trim_start_matches('@').to_string();
    let expected = session::cookie_value(req, LOGIN_CSRF_COOKIE).unwrap_or("");
    if expected.is_empty() || !secret::equal(expected, &f.csrf) {
        return page(
            app,
            StatusCode::FORBIDDEN,
            ctx! { next, username, error => "The form expired. Please try again." },
        );
    }
    let ip = client_ip(req, app.config.trust_proxy);
    if let Err(wait) = app.login_throttle.attempt(ip) {
        let minutes = wait.as_secs().div_ceil(60);
        let mut response = page(
            app,
            StatusCode::TOO_MANY_REQUESTS,
            ctx! { next, username, error => format!("Too many failed attempts. Try again in {minutes} minute(s).") },
        )?;
        response.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from(wait.as_secs().max(1)),
        );
        return Ok(response);
    }
    let Some(owner) = app.db.read(owner::get).await? else {
        return page(
            app,
            StatusCode::FORBIDDEN,
            ctx! { next, not_set_up => true },
        );
    };
    let right_name = username.is_empty() || username.eq_ignore_ascii_case(&owner.username);
    // The password is checked whatever the name, so that both failures take as long.
    let right_password = app
        .passwords
        .verify(f.password, owner.password_hash)
        .await?;
    if !(right_name && right_password) {
        tracing::warn!(%ip, "failed login");
        let error = if right_name {
            "That password is not right."
        } else {
            "That username or password is not right."
        };
        return page(
            app,
            StatusCode::UNAUTHORIZED,
            ctx! { next, username, error },
        );
    }
    app.login_throttle.succeeded(ip);
    Ok(session::sign_in(app, req, &next).await?)
}

#[handler]
pub async fn logout(Data(app): Data<&App>, f: AdminForm<NoFields>) -> Result<Response> {
    let id = f.admin.session_id;
    app.db.write(move |tx| sessions::delete(tx, id)).await?;
    signed_out(app)
}

/// Ends every session: a lost phone, a shared computer.
#[handler]
pub async fn logout_everywhere(Data(app): Data<&App>, _f: AdminForm<NoFields>) -> Result<Response> {
    let ended = app.db.write(|tx| sessions::delete_all(tx)).await?;
    tracing::info!(ended, "signed out everywhere");
    signed_out(app)
}

fn signed_out(app: &App) -> Result<Response, Failure> {
    let mut response = Redirect::see_other("/admin/login").into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, session::clear_cookie(app));
    Ok(response)
}
