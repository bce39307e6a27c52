//! First-run setup (`/setup?token=…`): the owner picks a username, display name and password,
//! the site's title and time zone, and is told in words whether other servers can reach the
//! site at its address. The link is printed at the first start and works once; the token in it
//! is the form's secret.

use crate::ctx;
use poem::http::StatusCode;
use poem::web::{Data, Query};
use poem::{Request, Response, handler};
use serde::Deserialize;

use crate::app::App;
use crate::auth::csrf::PublicForm;
use crate::auth::owner::{self, NewOwner};
use crate::auth::session;
use crate::error::{Failure, Result};
use crate::store;

#[derive(Deserialize)]
pub struct TokenQuery {
    token: Option<String>,
}

#[derive(Deserialize)]
pub struct SetupForm {
    token: String,
    username: String,
    display_name: String,
    password: String,
    confirm: String,
    /// The site's title and time zone; a form without them keeps the defaults.
    #[serde(default)]
    title: String,
    #[serde(default)]
    timezone: String,
}

/// Whether Mastodon could reach the site at its base URL, said in words for the setup page.
fn reachability(app: &App) -> Option<&'static str> {
    let host = app.config.base_url.host();
    let name = host
        .rsplit_once(':')
        .filter(|(_, port)| port.chars().all(|c| c.is_ascii_digit()))
        .map_or(host, |(name, _)| name);
    let local = name == "localhost"
        || name.ends_with(".localhost")
        || name
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback() || ip.is_unspecified());
    if local {
        Some("local")
    } else if !app.config.base_url.is_https() {
        Some("http")
    } else {
        None
    }
}

enum State {
    Done,
    BadToken,
    Ready,
}

async fn state(app: &App, token: &str) -> Result<State> {
    let token = token.to_string();
    app.db
        .read(move |c| {
            Ok(if store::owner::get(c)?.is_some() {
                State::Done
            } else if owner::setup_token_valid(c, &token)? {
                State::Ready
            } else {
                State::BadToken
            })
        })
        .await
        .map_err(Failure::from)
}

async fn page(app: &App, status: StatusCode, ctx: minijinja::Value) -> Result<Response> {
    let settings = app.settings().await?;
    let zones: Vec<&str> = chrono_tz::TZ_VARIANTS.iter().map(|z| z.name()).collect();
    let site = ctx! {
        base_url => app.config.base_url.as_str(),
        host => app.config.base_url.host(),
        reach => reachability(app),
        zones,
        default_title => settings.title.clone(),
        default_timezone => settings.timezone.clone(),
    };
    let body = app
        .templates
        .render("admin/setup.html", minijinja::context! { ..ctx, ..site })?;
    Ok(super::private_page(status, body))
}

#[handler]
pub async fn show_form(Data(app): Data<&App>, Query(q): Query<TokenQuery>) -> Result<Response> {
    let token = q.token.unwrap_or_default();
    match state(app, &token).await? {
        State::Done => page(app, StatusCode::GONE, ctx! { done => true }).await,
        State::BadToken => page(app, StatusCode::FORBIDDEN, ctx! { bad_token => true }).await,
        State::Ready => page(app, StatusCode::OK, ctx! { token }).await,
    }
}

#[handler]
pub async fn submit(
    Data(app): Data<&App>,
    req: &Request,
    PublicForm(f): PublicForm<SetupForm>,
) -> Result<Response> {
    match state(app, &f.token).await? {
        State::Done => return page(app, StatusCode::GONE, ctx! { done => true }).await,
        State::BadToken => {
            return page(app, StatusCode::FORBIDDEN, ctx! { bad_token => true }).await;
        }
        State::Ready => {}
    }
    let new = NewOwner {
        username: f.username.trim().to_lowercase(),
        display_name: f.display_name.trim().to_string(),
        password: f.password.clone(),
    };
    let title = f.title.trim().to_string();
    let timezone = f.timezone.trim().to_string();
    let problem = owner::validate(&new)
        .err()
        .or_else(|| (f.password != f.confirm).then(|| "The two passwords differ.".to_string()))
        .or_else(|| {
            (title.chars().count() > 200)
                .then(|| "The site title is 200 characters at most.".into())
        })
        .or_else(|| {
            (!timezone.is_empty() && timezone.parse::<chrono_tz::Tz>().is_err())
                .then(|| "Pick a time zone from the list.".to_string())
        });
    if let Some(error) = problem {
        return page(
            app,
            StatusCode::BAD_REQUEST,
            ctx! { token => f.token, error, username => new.username, display_name => new.display_name, title, timezone },
        )
        .await;
    }
    let hash = app.passwords.hash(new.password.clone()).await?;
    let token = f.token.clone();
    let created = app
        .db
        .write(move |tx| {
            // Checked again inside the write: two submissions racing must not both succeed.
            if store::owner::get(tx)?.is_some() || !owner::setup_token_valid(tx, &token)? {
                return Ok(false);
            }
            owner::create(tx, &new, &hash)?;
            if !title.is_empty() || !timezone.is_empty() {
                let mut site = store::settings::load(tx)?;
                if !title.is_empty() {
                    site.title = title;
                }
                if !timezone.is_empty() {
                    site.timezone = timezone;
                }
                store::settings::save(tx, &site)?;
            }
            Ok(true)
        })
        .await?;
    if !created {
        return page(app, StatusCode::GONE, ctx! { done => true }).await;
    }
    tracing::info!("setup finished: the owner account exists");
    Ok(session::sign_in(app, req, "/admin").await?)
}
