//! First-run setup (`/setup?token=…`): the owner picks a username, display name and password.
//! The link is printed at the first start and works once; the token in it is the form's secret.

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

fn page(app: &App, status: StatusCode, ctx: minijinja::Value) -> Result<Response> {
    let body = app.templates.render("admin/setup.html", ctx)?;
    Ok(super::private_page(status, body))
}

#[handler]
pub async fn show_form(Data(app): Data<&App>, Query(q): Query<TokenQuery>) -> Result<Response> {
    let token = q.token.unwrap_or_default();
    match state(app, &token).await? {
        State::Done => page(app, StatusCode::GONE, ctx! { done => true }),
        State::BadToken => page(app, StatusCode::FORBIDDEN, ctx! { bad_token => true }),
        State::Ready => page(app, StatusCode::OK, ctx! { token }),
    }
}

#[handler]
pub async fn submit(
    Data(app): Data<&App>,
    req: &Request,
    PublicForm(f): PublicForm<SetupForm>,
) -> Result<Response> {
    match state(app, &f.token).await? {
        State::Done => return page(app, StatusCode::GONE, ctx! { done => true }),
        State::BadToken => return page(app, StatusCode::FORBIDDEN, ctx! { bad_token => true }),
        State::Ready => {}
    }
    let new = NewOwner {
        username: f.username.trim().to_lowercase(),
        display_name: f.display_name.trim().to_string(),
        password: f.password.clone(),
    };
    let problem = owner::validate(&new)
        .err()
        .or_else(|| (f.password != f.confirm).then(|| "The two passwords differ.".to_string()));
    if let Some(error) = problem {
        return page(
            app,
            StatusCode::BAD_REQUEST,
            ctx! { token => f.token, error, username => new.username, display_name => new.display_name },
        );
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
            Ok(true)
        })
        .await?;
    if !created {
        return page(app, StatusCode::GONE, ctx! { done => true });
    }
    tracing::info!("setup finished: the owner account exists");
    Ok(session::sign_in(app, req, "/admin").await?)
}
