//! The panel's own marks (`panel_marks`): how far the owner has read the notifications, and
//! whether the welcome checklist was put away; and the counts the navigation's badges show.

use anyhow::Result;
use rusqlite::{Connection, OptionalExtension};

/// The id of the newest notification the owner has seen.
pub const NOTIFICATIONS_SEEN: &str = "notifications_seen";
/// Set when the owner puts the first-run checklist away.
pub const WELCOME_DISMISSED: &str = "welcome_dismissed";

pub fn get(conn: &Connection, name: &str) -> Result<i64> {
    Ok(conn
        .prepare_cached("SELECT value FROM panel_marks WHERE name = ?1")?
        .query_row([name], |r| r.get(0))
        .optional()?
        .unwrap_or(0))
}

pub fn set(conn: &Connection, name: &str, value: i64) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO panel_marks (name, value) VALUES (?1, ?2)
         ON CONFLICT (name) DO UPDATE SET value = excluded.value",
    )?
    .execute(rusqlite::params![name, value])?;
    Ok(())
}

/// Marks every notification so far as seen.
pub fn notifications_seen(conn: &Connection) -> Result<()> {
    let newest: i64 =
        conn.query_row("SELECT coalesce(max(id), 0) FROM notifications", [], |r| {
            r.get(0)
        })?;
    set(conn, NOTIFICATIONS_SEEN, newest)
}

/// What waits for the owner, as the navigation's badges count it.
#[derive(Debug, Default, serde::Serialize)]
pub struct Badges {
    /// Notifications newer than the newest one seen.
    pub notifications: i64,
    /// Replies held for approval.
    pub moderation: i64,
    /// Follow requests waiting for an answer.
    pub follow_requests: i64,
    /// Jobs that failed for good (the owner may retry or drop them).
    pub failed_jobs: i64,
}

pub fn badges(conn: &Connection) -> Result<Badges> {
    let seen = get(conn, NOTIFICATIONS_SEEN)?;
    Ok(conn
        .prepare_cached(
            "SELECT (SELECT count(*) FROM notifications WHERE id > ?1),
                    (SELECT count(*) FROM remote_posts WHERE moderation = 'pending'),
                    (SELECT count(*) FROM followers WHERE state = 'pending'),
                    (SELECT count(*) FROM jobs WHERE status = 'failed')",
        )?
        .query_row([seen], |r| {
            Ok(Badges {
                notifications: r.get(0)?,
                moderation: r.get(1)?,
                follow_requests: r.get(2)?,
                failed_jobs: r.get(3)?,
            })
        })?)
}

/// What the welcome checklist needs to know beyond the settings.
#[derive(Debug, Default)]
pub struct Progress {
    pub dismissed: bool,
    pub has_post: bool,
    pub follows_someone: bool,
}

pub fn progress(conn: &Connection) -> Result<Progress> {
    Ok(Progress {
        dismissed: get(conn, WELCOME_DISMISSED)? != 0,
        has_post: conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM posts WHERE kind = 'post' AND status = 'published')",
            [],
            |r| r.get(0),
        )?,
        follows_someone: conn
            .query_row("SELECT EXISTS (SELECT 1 FROM following)", [], |r| r.get(0))?,
    })
}
