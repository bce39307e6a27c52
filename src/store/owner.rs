//! The single owner row: username, display name, password hash.

use anyhow::{Context, Result};
use rusqlite::{Connection, OptionalExtension, Row};

#[derive(Clone, Debug)]
pub struct Owner {
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
}

fn from_row(r: &Row) -> rusqlite::Result<Owner> {
    Ok(Owner {
        username: r.get("username")?,
        display_name: r.get("display_name")?,
        password_hash: r.get("password_hash")?,
    })
}

pub fn get(conn: &Connection) -> Result<Option<Owner>> {
    conn.query_row(
        "SELECT username, display_name, password_hash FROM owner WHERE id = 1",
        [],
        from_row,
    )
    .optional()
    .context("store: load owner")
}

/// Creates the owner; fails if one exists, so that setup can only ever happen once.
pub fn create(conn: &Connection, owner: &Owner) -> Result<()> {
    conn.execute(
        "INSERT INTO owner (id, username, display_name, password_hash, created_at)
         VALUES (1, ?1, ?2, ?3, ?4)",
        (
            &owner.username,
            &owner.display_name,
            &owner.password_hash,
            super::now(),
        ),
    )
    .context("store: create owner")?;
    Ok(())
}

pub fn set_password_hash(conn: &Connection, hash: &str) -> Result<()> {
    conn.execute("UPDATE owner SET password_hash = ?1 WHERE id = 1", [hash])
        .context("store: set password")?;
    Ok(())
}

pub fn set_display_name(conn: &Connection, name: &str) -> Result<()> {
    conn.execute("UPDATE owner SET display_name = ?1 WHERE id = 1", [name])
        .context("store: set display name")?;
    Ok(())
}

/// When the owner was created (the actor's `published`).
pub fn created_at(conn: &Connection) -> Result<Option<i64>> {
    conn.query_row("SELECT created_at FROM owner WHERE id = 1", [], |r| {
        r.get(0)
    })
    .optional()
    .context("store: owner created")
}
