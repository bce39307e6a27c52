//! The fediverse screen (`/admin/fediverse`): who follows the owner (approving those who wait),
//! whom the owner follows (follow by handle or URL, unfollow), and how deliveries are going.

use crate::ctx;
use poem::web::{Data, Path, Query, Redirect};
use poem::{IntoResponse, Response, handler};
use serde::Deserialize;

use super::DoneQuery;
use crate::activitypub::following::{self, MoveError};
use crate::app::App;
use crate::auth::Admin;
use crate::auth::csrf::{AdminForm, NoFields};
use crate::error::{Failure, Result};
use crate::store::activities;
use crate::store::follows::{self, Side};
use crate::store::ids::ActorId;

async fn show(
    app: &App,
    admin: &Admin,
    error: Option<String>,
    done: Option<&str>,
) -> Result<Response> {
    let (followers, following, inboxes) = app
        .db
        .read(|c| {
            Ok((
                follows::list(c, Side::Followers)?,
                follows::list(c, Side::Following)?,
                activities::inbox_health(c)?,
            ))
        })
        .await?;
    let handle = format!(
        "@{}@{}",
        app.db
            .read(crate::store::owner::get)
            .await?
            .map(|o| o.username)
            .unwrap_or_default(),
        app.config.base_url.host()
    );
    let moved_to = app.settings().await?.moved_to.clone();
    let failing: Vec<_> = inboxes
        .into_iter()
        .filter(|i| i.failing_since.is_some())
        .collect();
    let mut response = super::render(
        app,
        admin,
        "fediverse.html",
        "fediverse",
        done,
        ctx! { followers, following, failing, handle, moved_to, error => error.clone() },
    )
    .await?;
    if error.is_some() {
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
    show(app, &admin, None, q.done.as_deref()).await
}

#[derive(Deserialize)]
pub struct FollowForm {
    handle: String,
}

#[handler]
pub async fn follow(Data(app): Data<&App>, f: AdminForm<FollowForm>) -> Result<Response> {
    let handle = f.form.handle.trim();
    if handle.is_empty() {
        return show(
            app,
            &f.admin,
            Some("Type a handle such as name@example.social, or a profile URL.".into()),
            None,
        )
        .await;
    }
    match following::follow(app, handle).await {
        Ok(_) => Ok(Redirect::see_other("/admin/fediverse?done=following").into_response()),
        Err(e) => {
            let message = format!("Could not follow {handle}: {e:#}");
            show(app, &f.admin, Some(message), None).await
        }
    }
}

#[derive(Deserialize)]
pub struct MoveForm {
    target: String,
}

#[handler]
pub async fn move_account(Data(app): Data<&App>, f: AdminForm<MoveForm>) -> Result<Response> {
    match following::move_to(app, f.form.target.trim()).await {
        Ok(_) => Ok(Redirect::see_other("/admin/fediverse?done=moved").into_response()),
        Err(MoveError::Invalid(message)) => show(app, &f.admin, Some(message), None).await,
        Err(MoveError::Internal(e)) => Err(Failure::internal(e)),
    }
}

#[handler]
pub async fn cancel_move(Data(app): Data<&App>, _f: AdminForm<NoFields>) -> Result<Response> {
    following::cancel_move(app).await?;
    Ok(Redirect::see_other("/admin/fediverse?done=settings").into_response())
}

#[handler]
pub async fn unfollow(
    Data(app): Data<&App>,
    Path(actor_id): Path<ActorId>,
    _f: AdminForm<NoFields>,
) -> Result<Response> {
    if !following::unfollow(app, actor_id).await? {
        return Err(Failure::not_found());
    }
    Ok(Redirect::see_other("/admin/fediverse?done=unfollowed").into_response())
}

#[handler]
pub async fn approve(
    Data(app): Data<&App>,
    Path(actor_id): Path<ActorId>,
    _f: AdminForm<NoFields>,
) -> Result<Response> {
    decide(app, actor_id, true).await
}

#[handler]
pub async fn reject(
    Data(app): Data<&App>,
    Path(actor_id): Path<ActorId>,
    _f: AdminForm<NoFields>,
) -> Result<Response> {
    decide(app, actor_id, false).await
}

async fn decide(app: &App, actor_id: ActorId, accept: bool) -> Result<Response> {
    if !following::decide_follower(app, actor_id, accept).await? {
        return Err(Failure::not_found());
    }
    let done = if accept { "approved" } else { "rejected" };
    Ok(Redirect::see_other(format!("/admin/fediverse?done={done}")).into_response())
}
