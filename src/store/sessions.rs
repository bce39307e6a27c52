//! Admin sessions, stored by a hash of their cookie value.

use anyhow::{Context, Result};
use rusqlite::{Connection, OptionalExtension};

#[derive(Clone, Debug)]
pub struct Session {
    pub id: i64,
    pub csrf_token: String,
    pub last_seen_at: i64,
}

pub fn create(
    conn: &Connection,
    token_hash: &str,
    csrf_token: &str,
    expires_at: i64,
    user_agent: &str,
) -> Result<()> {
    let now = super::now();
    conn.execute(
        "INSERT INTO sessions (token_hash, csrf_token, created_at, last_seen_at, expires_at, user_agent)
         VALUES (?1, ?2, ?3, ?3, ?4, ?5)",
        (token_hash, csrf_token, now, expires_at, user_agent),
    )
    .context("store: create session")?;
    Ok(())
}

/// The live session with this token hash, if it has not expired.
pub fn find(conn: &Connection, token_hash: &str, now: i64) -> Result<Option<Session>> {
    conn.query_row(
        "SELECT id, csrf_token, last_seen_at FROM sessions
         WHERE token_hash = ?1 AND expires_at > ?2",
        (token_hash, now),
        |r| {
            Ok(Session {
                id: r.get("id")?,
                csrf_token: r.get("csrf_token")?,
                last_seen_at: r.get("last_seen_at")?,
            })
        },
    )
    .optional()
    .context("store: find session")
}

pub fn touch(conn: &Connection, id: i64, now: i64, expires_at: i64) -> Result<()> {
    conn.execute(
        "UPDATE sessions SET last_seen_at = ?2, expires_at = ?3 WHERE id = ?1",
        (id, now, expires_at),
    )
    .context("store: touch session")?;
    Ok(())
}

pub fn delete(conn: &Connection, id: i64) -> Result<()> {
    conn.execute("DELETE FROM sessions WHERE id = ?1", [id])
        .context("store: delete session")?;
    Ok(())
}

/// Ends every session: "log out everywhere" and a password change.
pub fn delete_all(conn: &Connection) -> Result<usize> {
    conn.execute("DELETE FROM sessions", [])
        .context("store: delete sessions")
}

pub fn delete_expired(conn: &Connection, now: i64) -> Result<usize> {
    conn.execute("DELETE FROM sessions WHERE expires_at <= ?1", [now])
        .context("store: delete expired sessions")
}
