//! Schema versions. A fresh database is built from schema.sql in one go; an older one is brought
//! forward by the numbered migrations below, tracked by `PRAGMA user_version`. The list is
//! append-only: a migration, once released, never changes.

use anyhow::{Context, Result, bail};
use rusqlite::Connection;

const SCHEMA: &str = include_str!("../../schema.sql");

/// Each entry upgrades the database from version N (its index) to N + 1.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_initial.sql"),
    include_str!("migrations/0002_federation.sql"),
    include_str!("migrations/0003_blurhash.sql"),
    include_str!("migrations/0004_visibility.sql"),
    include_str!("migrations/0005_indieweb.sql"),
    include_str!("migrations/0006_summary.sql"),
    include_str!("migrations/0007_micropub_properties.sql"),
    include_str!("migrations/0008_security.sql"),
    include_str!("migrations/0009_books.sql"),
    include_str!("migrations/0010_reply_avatars.sql"),
    include_str!("migrations/0011_panel_marks.sql"),
    include_str!("migrations/0012_bookmarks.sql"),
    include_str!("migrations/0013_bookmark_search.sql"),
    include_str!("migrations/0014_highlights.sql"),
    include_str!("migrations/0015_moving.sql"),
];

pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Brings a just-opened database to the current schema.
pub fn prepare(conn: &mut Connection) -> Result<()> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if version == 0 && is_empty(conn)? {
        create_fresh(conn)
    } else if version > SCHEMA_VERSION {
        bail!(
            "store: the database has schema version {version}, newer than this Porch ({SCHEMA_VERSION}); \
             run a newer release"
        )
    } else {
        apply_migrations(conn, version)
    }
}

fn is_empty(conn: &Connection) -> Result<bool> {
    let tables: i64 = conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))?;
    Ok(tables == 0)
}

/// Builds the whole current schema on an empty database.
pub fn create_fresh(conn: &mut Connection) -> Result<()> {
    let tx = conn.transaction()?;
    tx.execute_batch(SCHEMA).context("store: create schema")?;
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    tx.commit()?;
    Ok(())
}

/// Applies every migration after `from`, each in its own transaction with its version bump, so
/// that an interrupted upgrade resumes where it stopped.
pub fn apply_migrations(conn: &mut Connection, from: i64) -> Result<()> {
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(from as usize) {
        let to = index as i64 + 1;
        let tx = conn.transaction()?;
        tx.execute_batch(sql)
            .with_context(|| format!("store: migration to version {to}"))?;
        tx.pragma_update(None, "user_version", to)?;
        tx.commit()?;
    }
    Ok(())
}
