//! App tokens (`/admin/tokens`): bearer tokens for apps and scripts. A new token is shown once,
//! at creation; only its hash is kept.

use crate::ctx;
use poem::web::{Data, Path, Query, Redirect};
use poem::{IntoResponse, Response, handler};
use serde::{Deserialize, Serialize};

use super::DoneQuery;
use crate::app::App;
use crate::auth::Admin;
use crate::auth::csrf::{AdminForm, NoFields};
use crate::auth::tokens::{self as app_tokens, SCOPES, validate_scope};
use crate::error::{Failure, Result};
use crate::render::time;
use crate::store::ids::TokenId;
use crate::store::tokens;

#[derive(Serialize)]
struct Row {
    id: TokenId,
    name: String,
    scope: String,
    created: String,
    /// The app's address, for a token it got through IndieAuth.
    client_id: String,
    last_used: Option<String>,
}

async fn show(
    app: &App,
    admin: &Admin,
    new_token: Option<String>,
    error: Option<String>,
    done: Option<&str>,
) -> Result<Response> {
    let tz = time::zone(&app.settings().await?.timezone);
    let rows: Vec<Row> = app
        .db
        .read(tokens::list)
        .await?
        .into_iter()
        .map(|t| Row {
            id: t.id,
            name: t.name,
            scope: t.scope,
            created: time::display_date(t.created_at, tz),
            client_id: t.client_id,
            last_used: t.last_used_at.map(|at| time::display_date(at, tz)),
        })
        .collect();
    let refused = error.is_some();
    let mut response = super::render(
        app,
        admin,
        "tokens.html",
        "tokens",
        done,
        ctx! { tokens => rows, new_token, error, scopes => SCOPES },
    )
    .await?;
    if refused {
        response.set_status(poem::http::StatusCode::UNPROCESSABLE_ENTITY);
    }
    Ok(response)
}

#[handler]
pub async fn index(
    Data(app): Data<&App>,
    admin: Admin,
    Query(q): Query<DoneQuery>,
) -> Result<Response> {
    show(app, &admin, None, None, q.done.as_deref()).await
}

#[derive(Deserialize)]
pub struct CreateForm {
    name: String,
    #[serde(default)]
    scope: Vec<String>,
}

#[handler]
pub async fn create_form(Data(app): Data<&App>, f: AdminForm<CreateForm>) -> Result<Response> {
    let name: String = f.form.name.trim().chars().take(100).collect();
    if name.is_empty() {
        return show(
            app,
            &f.admin,
            None,
            Some("Give the token a name, such as the app it is for.".into()),
            None,
        )
        .await;
    }
    let scope = match validate_scope(&f.form.scope.join(" ")) {
        Ok(s) => s,
        Err(message) => return show(app, &f.admin, None, Some(message), None).await,
    };
    let token = app
        .db
        .write(move |tx| app_tokens::create(tx, &name, &scope))
        .await?;
    show(app, &f.admin, Some(token), None, None).await
}

#[handler]
pub async fn revoke(
    Data(app): Data<&App>,
    Path(id): Path<TokenId>,
    _f: AdminForm<NoFields>,
) -> Result<Response> {
    if !app.db.write(move |tx| tokens::revoke(tx, id)).await? {
        return Err(Failure::not_found());
    }
    Ok(Redirect::see_other("/admin/tokens?done=revoked").into_response())
}
