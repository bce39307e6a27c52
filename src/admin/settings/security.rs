//! Settings › Security (`/admin/settings/security`): changing the password (POST
//! /admin/password), which ends every other session, and signing out everywhere.

use poem::web::{Data, Query};
use poem::{Response, handler};
use serde::Deserialize;

use crate::admin::{DoneQuery, FieldError};
use crate::app::App;
use crate::auth::csrf::AdminForm;
use crate::auth::throttle::client_ip;
use crate::auth::{Admin, owner, password};
use crate::error::{Failure, Result};
use crate::store::owner as owner_store;

#[handler]
pub async fn page(
    Data(app): Data<&App>,
    admin: Admin,
    Query(q): Query<DoneQuery>,
) -> Result<Response> {
    let form = minijinja::Value::UNDEFINED;
    super::show(app, &admin, "security", form, None, q.done.as_deref()).await
}

#[derive(Deserialize)]
pub struct PasswordForm {
    current: String,
    new: String,
    confirm: String,
}

/// POST /admin/password: needs the current password; ends every session, this one included,
/// then signs this browser in again.
#[handler]
pub async fn change_password(
    Data(app): Data<&App>,
    req: &poem::Request,
    f: AdminForm<PasswordForm>,
) -> Result<Response> {
    let Some(found) = app.db.read(owner_store::get).await? else {
        return Err(Failure::not_found());
    };
    let PasswordForm {
        current,
        new,
        confirm,
    } = f.form;
    let refuse = |field, message: &str| {
        let error = FieldError::on(field, message);
        let form = minijinja::Value::UNDEFINED;
        super::show(app, &f.admin, "security", form, Some(error), None)
    };
    // Whoever holds a session could otherwise guess the password here without limit.
    let ip = client_ip(req, app.config.trust_proxy);
    if app.login_throttle.attempt(ip).is_err() {
        return refuse(
            "current",
            "Too many wrong passwords. Wait a while, then try again.",
        )
        .await;
    }
    let current_ok = app.passwords.verify(current, found.password_hash).await?;
    if current_ok {
        app.login_throttle.succeeded(ip);
    }
    let problem = if !current_ok {
        Some(("current", "The current password is not right.".to_string()))
    } else if new != confirm {
        Some(("confirm", "The two new passwords differ.".to_string()))
    } else {
        password::validate(&new).err().map(|m| ("new", m))
    };
    if let Some((field, message)) = problem {
        return refuse(field, &message).await;
    }
    let hash = app.passwords.hash(new).await?;
    app.db
        .write(move |tx| owner::change_password(tx, &hash))
        .await?;
    Ok(crate::auth::session::sign_in(app, req, "/admin/settings/security?done=password").await?)
}
