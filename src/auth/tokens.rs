//! App tokens: bearer tokens for apps and scripts, made in the admin panel or with
//! `porch token create`, or issued through IndieAuth. Only a hash is stored; the value is shown
//! once.

use anyhow::Result;

use crate::app::App;
use crate::store::tokens::{self, AppToken, NewToken};

use super::secret;

/// The scopes a token may carry, as Micropub names them: `draft` may only create drafts.
pub const SCOPES: &[&str] = &["create", "update", "delete", "undelete", "media", "draft"];

/// Scopes that allow reading the owner's posts, drafts included, through an API.
pub const READ_SCOPES: &[&str] = &["create", "update", "delete", "undelete", "draft"];

/// Checks a space-separated scope list; the message is for the owner.
pub fn validate_scope(scope: &str) -> Result<String, String> {
    let mut picked: Vec<&str> = Vec::new();
    for s in scope.split_whitespace() {
        if !SCOPES.contains(&s) {
            return Err(format!("Unknown scope “{s}”: use {}.", SCOPES.join(", ")));
        }
        if !picked.contains(&s) {
            picked.push(s);
        }
    }
    if picked.is_empty() {
        return Err("Pick at least one scope.".into());
    }
    Ok(picked.join(" "))
}

/// Creates a token made by hand and returns its secret value, which is never stored.
pub fn create(conn: &rusqlite::Connection, name: &str, scope: &str) -> Result<String> {
    issue(conn, name, scope, "", None)
}

/// Creates a token (for an IndieAuth client, when `client_id` is set) and returns its value.
pub fn issue(
    conn: &rusqlite::Connection,
    name: &str,
    scope: &str,
    client_id: &str,
    expires_at: Option<i64>,
) -> Result<String> {
    let token = secret::random_token();
    tokens::create(
        conn,
        &NewToken {
            name,
            token_hash: &secret::hash(&token),
            scope,
            client_id,
            expires_at,
        },
    )?;
    Ok(token)
}

/// The live token a request presents, if it is one; its use is recorded.
pub async fn authenticate(app: &App, token: &str) -> Result<Option<AppToken>> {
    let hash = secret::hash(token.trim());
    let now = crate::store::now();
    let found = app.db.read(move |c| tokens::find(c, &hash, now)).await?;
    if let Some(t) = &found
        && t.last_used_at.is_none_or(|at| at < now - 60)
    {
        let id = t.id;
        app.db.write(move |tx| tokens::touch(tx, id, now)).await?;
    }
    Ok(found)
}

/// The token of an `Authorization: Bearer …` header, if the request has one.
pub fn bearer(req: &poem::Request) -> Option<String> {
    let value = req.header(poem::http::header::AUTHORIZATION)?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
}
