//! Remote actors as last fetched, and the site's own key pair.

use anyhow::{Context, Result};
use rusqlite::{Connection, OptionalExtension, Row};
use serde::Serialize;

use super::ids::ActorId;

#[derive(Clone, Debug, Default, Serialize)]
pub struct Actor {
    pub id: ActorId,
    pub uri: String,
    /// user@domain, for display and for mentions.
    pub handle: String,
    pub name: String,
    pub url: String,
    pub icon: String,
    pub inbox: String,
    pub shared_inbox: String,
    pub key_id: String,
    pub public_key_pem: String,
    pub also_known_as: Vec<String>,
    pub fetched_at: i64,
    /// File name (under /uploads/) of the local copy of `icon`, "" when there is none.
    pub avatar: String,
}

impl Actor {
    /// Where deliveries go: the server's shared inbox when it has one, so that a post reaches a
    /// server with many followers once.
    pub fn delivery_inbox(&self) -> &str {
        if self.shared_inbox.is_empty() {
            &self.inbox
        } else {
            &self.shared_inbox
        }
    }

    pub fn display_name(&self) -> &str {
        if self.name.trim().is_empty() {
            &self.handle
        } else {
            &self.name
        }
    }
}

pub const COLUMNS: &str = "a.id, a.uri, a.handle, a.name, a.url, a.icon, a.inbox, a.shared_inbox, \
                           a.key_id, a.public_key_pem, a.also_known_as, a.fetched_at, a.avatar";

pub fn from_row(r: &Row) -> rusqlite::Result<Actor> {
    let aka: String = r.get("also_known_as")?;
    Ok(Actor {
        id: r.get("id")?,
        uri: r.get("uri")?,
        handle: r.get("handle")?,
        name: r.get("name")?,
        url: r.get("url")?,
        icon: r.get("icon")?,
        inbox: r.get("inbox")?,
        shared_inbox: r.get("shared_inbox")?,
        key_id: r.get("key_id")?,
        public_key_pem: r.get("public_key_pem")?,
        also_known_as: serde_json::from_str(&aka).unwrap_or_default(),
        fetched_at: r.get("fetched_at")?,
        avatar: r.get("avatar")?,
    })
}

fn one(conn: &Connection, filter: &str, value: &dyn rusqlite::ToSql) -> Result<Option<Actor>> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM actors a WHERE {filter}"))?
        .query_row([value], from_row)
        .optional()
        .context("store: load actor")
}

pub fn by_uri(conn: &Connection, uri: &str) -> Result<Option<Actor>> {
    one(conn, "a.uri = ?1", &uri)
}

pub fn by_id(conn: &Connection, id: ActorId) -> Result<Option<Actor>> {
    one(conn, "a.id = ?1", &id)
}

pub fn by_key_id(conn: &Connection, key_id: &str) -> Result<Option<Actor>> {
    // The second term lets SQLite use the (partial) unique index on key ids.
    one(conn, "a.key_id = ?1 AND a.key_id <> ''", &key_id)
}

/// Case-insensitive lookup by user@domain.
pub fn by_handle(conn: &Connection, handle: &str) -> Result<Option<Actor>> {
    one(conn, "a.handle = ?1 COLLATE NOCASE", &handle)
}

/// Someone the composer can suggest for `@…`: their handle (`name@domain`) and display name.
#[derive(Debug, Serialize)]
pub struct Suggestion {
    pub handle: String,
    pub name: String,
}

/// Known people whose handle starts with `typed` (or whose display name contains it): the
/// people the owner follows first, then followers, then anyone else seen, at most `limit`.
pub fn suggest(conn: &Connection, typed: &str, limit: u32) -> Result<Vec<Suggestion>> {
    // LIKE's wildcards typed by the owner are taken literally.
    let escaped = typed
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    let mut stmt = conn.prepare_cached(
        "SELECT a.handle, a.name FROM actors a
         LEFT JOIN following f ON f.actor_id = a.id
         LEFT JOIN followers r ON r.actor_id = a.id
         WHERE a.handle <> ''
           AND (a.handle LIKE ?1 ESCAPE '\\' OR a.name LIKE ?2 ESCAPE '\\')
         ORDER BY f.actor_id IS NULL, r.actor_id IS NULL, a.handle COLLATE NOCASE
         LIMIT ?3",
    )?;
    let rows = stmt.query_map(
        rusqlite::params![format!("{escaped}%"), format!("%{escaped}%"), limit],
        |r| {
            Ok(Suggestion {
                handle: r.get(0)?,
                name: r.get(1)?,
            })
        },
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Stores what was fetched about an actor, keeping its row id; returns the row id. A key id
/// belongs to one actor: the one just read from the key's own server takes it from any other
/// row that had it.
pub fn upsert(conn: &Connection, a: &Actor) -> Result<ActorId> {
    if !a.key_id.is_empty() {
        conn.prepare_cached(
            "UPDATE actors SET key_id = '', public_key_pem = ''
             WHERE key_id = ?1 AND key_id <> '' AND uri <> ?2",
        )?
        .execute((&a.key_id, &a.uri))
        .context("store: release a key id")?;
    }
    conn.prepare_cached(
        "INSERT INTO actors (uri, handle, name, url, icon, inbox, shared_inbox, key_id,
                             public_key_pem, also_known_as, fetched_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT (uri) DO UPDATE SET handle = excluded.handle, name = excluded.name,
             url = excluded.url, icon = excluded.icon, inbox = excluded.inbox,
             shared_inbox = excluded.shared_inbox, key_id = excluded.key_id,
             public_key_pem = excluded.public_key_pem, also_known_as = excluded.also_known_as,
             fetched_at = excluded.fetched_at
         RETURNING id",
    )?
    .query_row(
        rusqlite::params![
            a.uri,
            a.handle,
            a.name,
            a.url,
            a.icon,
            a.inbox,
            a.shared_inbox,
            a.key_id,
            a.public_key_pem,
            serde_json::to_string(&a.also_known_as)?,
            a.fetched_at
        ],
        |r| r.get(0),
    )
    .context("store: save actor")
}

/// An actor's icon URL, and the icon URL its local avatar was last made from ("" if never).
pub fn avatar_state(conn: &Connection, id: ActorId) -> Result<Option<(String, String)>> {
    conn.prepare_cached("SELECT icon, avatar_source FROM actors WHERE id = ?1")?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
        .context("store: load actor avatar state")
}

/// Records the local avatar made from `source` (`file` "" when none could be made from it).
pub fn set_avatar(conn: &Connection, id: ActorId, source: &str, file: &str) -> Result<()> {
    conn.prepare_cached("UPDATE actors SET avatar = ?2, avatar_source = ?3 WHERE id = ?1")?
        .execute((id, file, source))
        .context("store: save actor avatar")?;
    Ok(())
}

/// Forgets an actor and, through the foreign keys, its follows, posts and notifications.
pub fn delete(conn: &Connection, id: ActorId) -> Result<()> {
    conn.execute("DELETE FROM actors WHERE id = ?1", [id])
        .context("store: delete actor")?;
    Ok(())
}

/// Actors delivered to at this inbox (their own or their server's shared one).
pub fn ids_with_inbox(conn: &Connection, inbox: &str) -> Result<Vec<ActorId>> {
    let mut stmt = conn.prepare("SELECT id FROM actors WHERE inbox = ?1 OR shared_inbox = ?1")?;
    let rows = stmt.query_map([inbox], |r| r.get(0))?;
    rows.collect::<rusqlite::Result<_>>()
        .context("store: actors by inbox")
}

/// Actors whose id is on a host (a domain block removes them all).
pub fn ids_on_domain(conn: &Connection, domain: &str) -> Result<Vec<ActorId>> {
    let mut stmt = conn.prepare("SELECT id, uri FROM actors")?;
    let rows = stmt.query_map([], |r| {
        Ok((r.get::<_, ActorId>(0)?, r.get::<_, String>(1)?))
    })?;
    let mut ids = Vec::new();
    for row in rows {
        let (id, uri) = row?;
        if crate::urls::host(&uri).is_some_and(|h| super::blocks::domain_covers(domain, &h)) {
            ids.push(id);
        }
    }
    Ok(ids)
}

/// The site's own key pair, if it was made.
pub fn own_key(conn: &Connection) -> Result<Option<(String, String)>> {
    conn.query_row(
        "SELECT private_pem, public_pem FROM actor_key WHERE id = 1",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()
    .context("store: load actor key")
}

pub fn set_own_key(conn: &Connection, private_pem: &str, public_pem: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO actor_key (id, private_pem, public_pem, created_at) VALUES (1, ?1, ?2, ?3)",
        (private_pem, public_pem, super::now()),
    )
    .context("store: save actor key")?;
    Ok(())
}
