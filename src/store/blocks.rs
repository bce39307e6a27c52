//! Moderation lists: blocked domains and actors, muted actors.

use anyhow::{Context, Result};
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
pub struct DomainBlock {
    pub domain: String,
    pub severity: String,
    pub public_comment: String,
}

/// Whether a block of `blocked` covers `host`: the domain itself and its subdomains.
pub fn domain_covers(blocked: &str, host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    host == blocked || host.ends_with(&format!(".{blocked}"))
}

pub fn block_domain(conn: &Connection, b: &DomainBlock) -> Result<()> {
    conn.execute(
        "INSERT INTO blocked_domains (domain, severity, public_comment, created_at)
         VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (domain) DO UPDATE SET severity = excluded.severity,
             public_comment = excluded.public_comment",
        (&b.domain, &b.severity, &b.public_comment, super::now()),
    )
    .context("store: block domain")?;
    Ok(())
}

pub fn unblock_domain(conn: &Connection, domain: &str) -> Result<bool> {
    let n = conn.execute("DELETE FROM blocked_domains WHERE domain = ?1", [domain])?;
    Ok(n > 0)
}

pub fn domain_blocks(conn: &Connection) -> Result<Vec<DomainBlock>> {
    let mut stmt = conn
        .prepare("SELECT domain, severity, public_comment FROM blocked_domains ORDER BY domain")?;
    let rows = stmt.query_map([], |r| {
        Ok(DomainBlock {
            domain: r.get(0)?,
            severity: r.get(1)?,
            public_comment: r.get(2)?,
        })
    })?;
    rows.collect::<rusqlite::Result<_>>()
        .context("store: list domain blocks")
}

/// Whether anything from this actor is refused: the actor is blocked, or its domain is
/// suspended (Mastodon's severity for a full block).
pub fn is_blocked(conn: &Connection, actor_uri: &str) -> Result<bool> {
    let actor_blocked = conn
        .prepare_cached("SELECT 1 FROM blocked_actors WHERE uri = ?1")?
        .query_row([actor_uri], |_| Ok(()))
        .optional()?
        .is_some();
    if actor_blocked {
        return Ok(true);
    }
    match crate::urls::host(actor_uri) {
        Some(host) => Ok(domain_severity(conn, &host)?.as_deref() == Some("suspend")),
        None => Ok(true),
    }
}

/// Whether the actor's domain is silenced (Mastodon's "limit"): its accounts may follow and
/// reply, but their replies always wait for approval and they stay out of the timeline.
pub fn is_silenced(conn: &Connection, actor_uri: &str) -> Result<bool> {
    match crate::urls::host(actor_uri) {
        Some(host) => Ok(domain_severity(conn, &host)?.as_deref() == Some("silence")),
        None => Ok(false),
    }
}

/// The severity of the block covering a host: its own, or its nearest parent domain's, so a
/// block of example.com covers a.example.com. A `noop` entry is a note and blocks nothing.
fn domain_severity(conn: &Connection, host: &str) -> Result<Option<String>> {
    let mut stmt = conn.prepare_cached("SELECT severity FROM blocked_domains WHERE domain = ?1")?;
    let mut domain = host;
    loop {
        if let Some(severity) = stmt.query_row([domain], |r| r.get(0)).optional()? {
            return Ok(Some(severity));
        }
        match domain.split_once('.') {
            Some((_, parent)) if parent.contains('.') => domain = parent,
            _ => return Ok(None),
        }
    }
}

pub fn block_actor(conn: &Connection, uri: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO blocked_actors (uri, created_at) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
        (uri, super::now()),
    )
    .context("store: block actor")?;
    Ok(())
}

pub fn unblock_actor(conn: &Connection, uri: &str) -> Result<bool> {
    Ok(conn.execute("DELETE FROM blocked_actors WHERE uri = ?1", [uri])? > 0)
}

pub fn blocked_actors(conn: &Connection) -> Result<Vec<String>> {
    let mut stmt = conn.prepare("SELECT uri FROM blocked_actors ORDER BY uri")?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    rows.collect::<rusqlite::Result<_>>()
        .context("store: list blocked actors")
}

pub fn set_muted(conn: &Connection, uri: &str, muted: bool) -> Result<()> {
    if muted {
        conn.execute(
            "INSERT INTO muted_actors (uri, created_at) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
            (uri, super::now()),
        )?;
    } else {
        conn.execute("DELETE FROM muted_actors WHERE uri = ?1", [uri])?;
    }
    Ok(())
}

pub fn muted_actors(conn: &Connection) -> Result<Vec<String>> {
    let mut stmt = conn.prepare("SELECT uri FROM muted_actors ORDER BY uri")?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    rows.collect::<rusqlite::Result<_>>()
        .context("store: list muted actors")
}

pub fn is_muted(conn: &Connection, uri: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM muted_actors WHERE uri = ?1")?
        .query_row([uri], |_| Ok(()))
        .optional()?
        .is_some())
}
