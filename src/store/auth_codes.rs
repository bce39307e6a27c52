//! IndieAuth authorization codes: stored by hash, single use, short-lived.

use anyhow::{Context, Result};
use rusqlite::{Connection, OptionalExtension, Row};

#[derive(Clone, Debug)]
pub struct AuthCode {
    pub client_id: String,
    pub client_name: String,
    pub redirect_uri: String,
    pub scope: String,
    pub code_challenge: String,
    pub me: String,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

fn from_row(r: &Row) -> rusqlite::Result<AuthCode> {
    Ok(AuthCode {
        client_id: r.get("client_id")?,
        client_name: r.get("client_name")?,
        redirect_uri: r.get("redirect_uri")?,
        scope: r.get("scope")?,
        code_challenge: r.get("code_challenge")?,
        me: r.get("me")?,
        expires_at: r.get("expires_at")?,
        used_at: r.get("used_at")?,
    })
}

pub fn insert(conn: &Connection, code_hash: &str, c: &AuthCode) -> Result<()> {
    conn.execute(
        "INSERT INTO auth_codes (code_hash, client_id, client_name, redirect_uri, scope,
                                 code_challenge, me, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        rusqlite::params![
            code_hash,
            c.client_id,
            c.client_name,
            c.redirect_uri,
            c.scope,
            c.code_challenge,
            c.me,
            super::now(),
            c.expires_at
        ],
    )
    .context("store: save authorization code")?;
    Ok(())
}

/// Marks a code used and returns it as it was (with `used_at` as it was before): the caller
/// refuses a code already used or expired. Used and expired codes are kept a day for that.
pub fn take(conn: &Connection, code_hash: &str) -> Result<Option<AuthCode>> {
    let found = conn
        .query_row(
            "SELECT * FROM auth_codes WHERE code_hash = ?1",
            [code_hash],
            from_row,
        )
        .optional()
        .context("store: load authorization code")?;
    if found.is_some() {
        conn.execute(
            "UPDATE auth_codes SET used_at = coalesce(used_at, ?2) WHERE code_hash = ?1",
            (code_hash, super::now()),
        )?;
    }
    conn.execute(
        "DELETE FROM auth_codes WHERE expires_at < ?1",
        [super::now() - 86400],
    )?;
    Ok(found)
}
