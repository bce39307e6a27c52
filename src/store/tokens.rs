//! App tokens (bearer tokens for apps and scripts), stored by hash: made in the panel or on the
//! command line, or issued to an app through IndieAuth (then naming the app's client_id).

use anyhow::{Context, Result};
use rusqlite::{Connection, OptionalExtension, Row};
use serde::Serialize;

use super::ids::TokenId;

#[derive(Clone, Debug, Serialize)]
pub struct AppToken {
    pub id: TokenId,
    pub name: String,
    pub scope: String,
    pub created_at: i64,
    /// The IndieAuth client it was issued to; empty for tokens made by hand.
    pub client_id: String,
    /// When it stops working, if ever (tokens are issued without one: the owner revokes them).
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
}

impl AppToken {
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scope.split_whitespace().any(|s| s == scope)
    }
}

const COLUMNS: &str = "id, name, scope, created_at, client_id, expires_at, last_used_at";

fn from_row(r: &Row) -> rusqlite::Result<AppToken> {
    Ok(AppToken {
        id: r.get("id")?,
        name: r.get("name")?,
        scope: r.get("scope")?,
        created_at: r.get("created_at")?,
        client_id: r.get("client_id")?,
        expires_at: r.get("expires_at")?,
        last_used_at: r.get("last_used_at")?,
    })
}

/// A token for an app; `client_id` for one issued through IndieAuth.
pub struct NewToken<'a> {
    pub name: &'a str,
    pub token_hash: &'a str,
    pub scope: &'a str,
    pub client_id: &'a str,
    pub expires_at: Option<i64>,
}

pub fn create(conn: &Connection, t: &NewToken) -> Result<TokenId> {
    conn.execute(
        "INSERT INTO app_tokens (name, token_hash, scope, created_at, client_id, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        (
            t.name,
            t.token_hash,
            t.scope,
            super::now(),
            t.client_id,
            t.expires_at,
        ),
    )
    .context("store: create token")?;
    Ok(TokenId(conn.last_insert_rowid()))
}

pub fn list(conn: &Connection) -> Result<Vec<AppToken>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM app_tokens ORDER BY created_at DESC, id DESC"
    ))?;
    let rows = stmt.query_map([], from_row)?;
    rows.collect::<rusqlite::Result<_>>()
        .context("store: list tokens")
}

/// The live token with this hash (not expired), if any.
pub fn find(conn: &Connection, token_hash: &str, now: i64) -> Result<Option<AppToken>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM app_tokens
         WHERE token_hash = ?1 AND (expires_at IS NULL OR expires_at > ?2)"
    ))?
    .query_row((token_hash, now), from_row)
    .optional()
    .context("store: find token")
}

/// Records a use, at most once a minute per token (a busy app should not make a write of every
/// request).
pub fn touch(conn: &Connection, id: TokenId, now: i64) -> Result<()> {
    conn.execute(
        "UPDATE app_tokens SET last_used_at = ?2
         WHERE id = ?1 AND (last_used_at IS NULL OR last_used_at < ?2 - 60)",
        (id, now),
    )
    .context("store: touch token")?;
    Ok(())
}

pub fn revoke(conn: &Connection, id: TokenId) -> Result<bool> {
    let n = conn
        .execute("DELETE FROM app_tokens WHERE id = ?1", [id])
        .context("store: revoke token")?;
    Ok(n > 0)
}

/// Revokes a token by its hash (IndieAuth revocation); true if there was one.
pub fn revoke_hash(conn: &Connection, token_hash: &str) -> Result<bool> {
    let n = conn
        .execute("DELETE FROM app_tokens WHERE token_hash = ?1", [token_hash])
        .context("store: revoke token")?;
    Ok(n > 0)
}
