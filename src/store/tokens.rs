//! App tokens (bearer tokens for apps and scripts), stored by hash.

use anyhow::{Context, Result};
use rusqlite::{Connection, Row};

#[derive(Clone, Debug)]
pub struct AppToken {
    pub id: i64,
    pub name: String,
    pub scope: String,
    pub created_at: i64,
}

fn from_row(r: &Row) -> rusqlite::Result<AppToken> {
    Ok(AppToken {
        id: r.get("id")?,
        name: r.get("name")?,
        scope: r.get("scope")?,
        created_at: r.get("created_at")?,
    })
}

pub fn create(conn: &Connection, name: &str, token_hash: &str, scope: &str) -> Result<i64> {
    conn.execute(
        "INSERT INTO app_tokens (name, token_hash, scope, created_at) VALUES (?1, ?2, ?3, ?4)",
        (name, token_hash, scope, super::now()),
    )
    .context("store: create token")?;
    Ok(conn.last_insert_rowid())
}

pub fn list(conn: &Connection) -> Result<Vec<AppToken>> {
    let mut stmt = conn.prepare(
        "SELECT id, name, scope, created_at FROM app_tokens ORDER BY created_at DESC, id DESC",
    )?;
    let rows = stmt.query_map([], from_row)?;
    rows.collect::<rusqlite::Result<_>>()
        .context("store: list tokens")
}

pub fn revoke(conn: &Connection, id: i64) -> Result<bool> {
    let n = conn
        .execute("DELETE FROM app_tokens WHERE id = ?1", [id])
        .context("store: revoke token")?;
    Ok(n > 0)
}
