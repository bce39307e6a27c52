//! What was sent (activities, and the health of each remote inbox) and what was received
//! (activity ids, for idempotency).

use anyhow::{Context, Result};
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;

use super::ids::{ActivityId, PostId};
use super::kinds::Verb;

/// Stores an activity about to be delivered and returns its row id (its URL is made from it).
pub fn insert(
    conn: &Connection,
    kind: Verb,
    post_id: Option<PostId>,
    public: bool,
) -> Result<ActivityId> {
    conn.execute(
        "INSERT INTO activities (kind, post_id, public, json, created_at) VALUES (?1, ?2, ?3, '{}', ?4)",
        (kind, post_id, public, super::now()),
    )
    .context("store: insert activity")?;
    Ok(ActivityId(conn.last_insert_rowid()))
}

/// What an activity is and which post it is about.
pub fn kind_and_post(conn: &Connection, id: ActivityId) -> Result<(Verb, Option<PostId>)> {
    conn.query_row(
        "SELECT kind, post_id FROM activities WHERE id = ?1",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .context("store: load activity kind")
}

/// The last Create, Update or Delete sent about a post, if any: what followers last heard of it.
pub fn last_about_post(conn: &Connection, post_id: PostId) -> Result<Option<Verb>> {
    conn.query_row(
        "SELECT kind FROM activities WHERE post_id = ?1 AND kind IN ('Create', 'Update', 'Delete')
         ORDER BY id DESC LIMIT 1",
        [post_id],
        |r| r.get(0),
    )
    .optional()
    .context("store: last activity about a post")
}

/// Takes a post's Creates and Updates out of the outbox once it is deleted or unpublished: they
/// carry its text.
pub fn hide_post_activities(conn: &Connection, post_id: PostId) -> Result<()> {
    conn.execute(
        "UPDATE activities SET public = 0 WHERE post_id = ?1 AND kind IN ('Create', 'Update')",
        [post_id],
    )
    .context("store: hide activities")?;
    Ok(())
}

pub fn set_json(conn: &Connection, id: ActivityId, json: &str) -> Result<()> {
    conn.execute("UPDATE activities SET json = ?2 WHERE id = ?1", (id, json))
        .context("store: save activity")?;
    Ok(())
}

pub fn json(conn: &Connection, id: ActivityId) -> Result<Option<(String, bool)>> {
    conn.query_row(
        "SELECT json, public FROM activities WHERE id = ?1",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()
    .context("store: load activity")
}

/// Public activities, newest first, for the outbox collection (those whose fan-out has not
/// built them yet are left out).
pub fn public_page(conn: &Connection, limit: u32, offset: u32) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT json FROM activities WHERE public = 1 AND json <> '{}'
         ORDER BY id DESC LIMIT ?1 OFFSET ?2",
    )?;
    let rows = stmt.query_map((limit, offset), |r| r.get(0))?;
    rows.collect::<rusqlite::Result<_>>()
        .context("store: list activities")
}

pub fn public_count(conn: &Connection) -> Result<u32> {
    conn.query_row(
        "SELECT count(*) FROM activities WHERE public = 1 AND json <> '{}'",
        [],
        |r| r.get(0),
    )
    .context("store: count activities")
}

/// Records an incoming activity id; false when it was seen before (a retry or a replay).
pub fn first_sighting(conn: &Connection, activity_uri: &str) -> Result<bool> {
    let n = conn
        .prepare_cached(
            "INSERT INTO inbox_seen (activity_uri, received_at) VALUES (?1, ?2)
             ON CONFLICT DO NOTHING",
        )?
        .execute((activity_uri, super::now()))
        .context("store: record activity id")?;
    Ok(n > 0)
}

/// Forgets activity ids older than `before`: senders stop retrying long before.
pub fn prune_seen(conn: &Connection, before: i64) -> Result<usize> {
    conn.execute("DELETE FROM inbox_seen WHERE received_at < ?1", [before])
        .context("store: prune activity ids")
}

#[derive(Clone, Debug, Serialize)]
pub struct InboxHealth {
    pub url: String,
    pub failing_since: Option<i64>,
    pub last_error: String,
    pub last_success_at: Option<i64>,
    pub dead: bool,
}

pub fn inbox_health(conn: &Connection) -> Result<Vec<InboxHealth>> {
    let mut stmt = conn.prepare(
        "SELECT url, failing_since, last_error, last_success_at, dead FROM inboxes
         ORDER BY dead DESC, failing_since IS NULL, url",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(InboxHealth {
            url: r.get(0)?,
            failing_since: r.get(1)?,
            last_error: r.get(2)?,
            last_success_at: r.get(3)?,
            dead: r.get(4)?,
        })
    })?;
    rows.collect::<rusqlite::Result<_>>()
        .context("store: list inboxes")
}

/// Inboxes marked dead: fan-out skips them.
pub fn dead_inboxes(conn: &Connection) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached("SELECT url FROM inboxes WHERE dead = 1")?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    rows.collect::<rusqlite::Result<_>>()
        .context("store: dead inboxes")
}

pub fn delivered(conn: &Connection, url: &str) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO inboxes (url, last_success_at) VALUES (?1, ?2)
         ON CONFLICT (url) DO UPDATE SET failing_since = NULL, last_error = '', dead = 0,
             last_success_at = excluded.last_success_at",
    )?
    .execute((url, super::now()))
    .context("store: inbox delivered")?;
    Ok(())
}

/// Records a failed delivery; the inbox is marked dead once it has failed for `dead_after`
/// seconds without one success. Returns whether it is now dead.
pub fn delivery_failed(conn: &Connection, url: &str, error: &str, dead_after: i64) -> Result<bool> {
    let now = super::now();
    conn.prepare_cached(
        "INSERT INTO inboxes (url, failing_since, last_error) VALUES (?1, ?2, ?3)
         ON CONFLICT (url) DO UPDATE SET failing_since = coalesce(failing_since, excluded.failing_since),
             last_error = excluded.last_error",
    )?
    .execute((url, now, error))
    .context("store: inbox failed")?;
    let n = conn.execute(
        "UPDATE inboxes SET dead = 1 WHERE url = ?1 AND failing_since <= ?2 AND dead = 0",
        (url, now - dead_after),
    )?;
    Ok(n > 0)
}

/// A server was heard from (it sent us a signed activity): its inboxes are alive again.
pub fn revive_host(conn: &Connection, host: &str) -> Result<()> {
    let mut stmt = conn.prepare_cached("SELECT url FROM inboxes WHERE dead = 1")?;
    let urls: Vec<String> = stmt
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for url in urls {
        if crate::urls::host(&url).as_deref() == Some(host) {
            conn.execute(
                "UPDATE inboxes SET dead = 0, failing_since = NULL WHERE url = ?1",
                [&url],
            )?;
        }
    }
    Ok(())
}
