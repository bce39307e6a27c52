//! Follows both ways: the owner's followers, and the accounts the owner follows.

use anyhow::{Context, Result};
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;

use super::actors::{self, Actor};
use super::ids::ActorId;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// Remote actors following the owner.
    Followers,
    /// Remote actors the owner follows.
    Following,
}

impl Side {
    fn table(self) -> &'static str {
        match self {
            Side::Followers => "followers",
            Side::Following => "following",
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Follow {
    pub actor: Actor,
    pub follow_uri: String,
    pub accepted: bool,
    pub created_at: i64,
}

/// Records a follow (or replaces an earlier one by the same actor).
pub fn put(
    conn: &Connection,
    side: Side,
    actor_id: ActorId,
    follow_uri: &str,
    accepted: bool,
) -> Result<()> {
    let state = if accepted { "accepted" } else { "pending" };
    conn.execute(
        &format!(
            "INSERT INTO {} (actor_id, follow_uri, state, created_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (actor_id) DO UPDATE SET follow_uri = excluded.follow_uri,
                 state = excluded.state",
            side.table()
        ),
        (actor_id, follow_uri, state, super::now()),
    )
    .context("store: save follow")?;
    Ok(())
}

pub fn accept(conn: &Connection, side: Side, actor_id: ActorId) -> Result<bool> {
    let n = conn
        .execute(
            &format!(
                "UPDATE {} SET state = 'accepted' WHERE actor_id = ?1",
                side.table()
            ),
            [actor_id],
        )
        .context("store: accept follow")?;
    Ok(n > 0)
}

pub fn remove(conn: &Connection, side: Side, actor_id: ActorId) -> Result<bool> {
    let n = conn
        .execute(
            &format!("DELETE FROM {} WHERE actor_id = ?1", side.table()),
            [actor_id],
        )
        .context("store: remove follow")?;
    Ok(n > 0)
}

pub fn get(conn: &Connection, side: Side, actor_id: ActorId) -> Result<Option<Follow>> {
    Ok(list_where(conn, side, "f.actor_id = ?1", &actor_id)?.pop())
}

/// The owner's follow whose activity id is `follow_uri` (an Accept or Reject names it).
pub fn following_by_uri(conn: &Connection, follow_uri: &str) -> Result<Option<Follow>> {
    Ok(list_where(conn, Side::Following, "f.follow_uri = ?1", &follow_uri)?.pop())
}

pub fn list(conn: &Connection, side: Side) -> Result<Vec<Follow>> {
    list_where(conn, side, "1 = ?1", &1)
}

fn list_where(
    conn: &Connection,
    side: Side,
    filter: &str,
    value: &dyn rusqlite::ToSql,
) -> Result<Vec<Follow>> {
    let sql = format!(
        "SELECT {}, f.follow_uri, f.state, f.created_at AS followed_at
         FROM {} f JOIN actors a ON a.id = f.actor_id WHERE {filter}
         ORDER BY f.created_at DESC, a.id DESC",
        actors::COLUMNS,
        side.table()
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([value], |r| {
        Ok(Follow {
            actor: actors::from_row(r)?,
            follow_uri: r.get("follow_uri")?,
            accepted: r.get::<_, String>("state")? == "accepted",
            created_at: r.get("followed_at")?,
        })
    })?;
    rows.collect::<rusqlite::Result<_>>()
        .context("store: list follows")
}

/// The distinct inboxes of accepted followers: one delivery per server that has a shared inbox.
pub fn follower_inboxes(conn: &Connection) -> Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT DISTINCT CASE WHEN a.shared_inbox <> '' THEN a.shared_inbox ELSE a.inbox END
         FROM followers f JOIN actors a ON a.id = f.actor_id WHERE f.state = 'accepted'",
    )?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    rows.collect::<rusqlite::Result<_>>()
        .context("store: follower inboxes")
}

/// Whether anyone follows the site: one row looked at, not the list of their inboxes.
pub fn has_followers(conn: &Connection) -> Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM followers WHERE state = 'accepted')",
        [],
        |r| r.get(0),
    )
    .context("store: has followers")
}

/// Whether the owner follows this actor (their replies skip the moderation queue).
pub fn is_followed(conn: &Connection, actor_id: ActorId) -> Result<bool> {
    conn.query_row(
        "SELECT 1 FROM following WHERE actor_id = ?1 AND state = 'accepted'",
        [actor_id],
        |_| Ok(()),
    )
    .optional()
    .map(|o| o.is_some())
    .context("store: is followed")
}
