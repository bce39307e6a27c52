//! Webmentions: those sent for each post (`webmentions_sent`), and the clean-up of what a
//! received one made. A received Webmention has no table of its own: a reply is a remote post
//! (its `uri` the source URL) and a like, repost or bookmark a notification, so they join the
//! conversations and notifications that ActivityPub already fills.

use anyhow::{Context, Result};
use rusqlite::{Connection, Row};
use serde::Serialize;

use super::ids::PostId;

/// One Webmention sent (or to be sent) for a link of a post, as it last went.
#[derive(Clone, Debug, Serialize)]
pub struct Sent {
    pub target: String,
    pub endpoint: String,
    /// `queued`, `sent`, `no endpoint`, `failed` (the endpoint refused it) or `error` (will be
    /// tried again).
    pub status: String,
    pub detail: String,
    pub sent_at: i64,
}

fn sent_from_row(r: &Row) -> rusqlite::Result<Sent> {
    Ok(Sent {
        target: r.get("target")?,
        endpoint: r.get("endpoint")?,
        status: r.get("status")?,
        detail: r.get("detail")?,
        sent_at: r.get("sent_at")?,
    })
}

/// Records how sending to `target` went (or that it is queued), replacing the last record.
pub fn record_sent(
    conn: &Connection,
    post_id: PostId,
    target: &str,
    endpoint: &str,
    status: &str,
    detail: &str,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO webmentions_sent (post_id, target, endpoint, status, detail, sent_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (post_id, target) DO UPDATE SET endpoint = excluded.endpoint,
             status = excluded.status, detail = excluded.detail, sent_at = excluded.sent_at",
    )?
    .execute((post_id, target, endpoint, status, detail, super::now()))
    .context("store: record webmention sent")?;
    Ok(())
}

/// The Webmentions of a post, in the order their links were first sent.
pub fn sent_for(conn: &Connection, post_id: PostId) -> Result<Vec<Sent>> {
    let mut stmt = conn.prepare_cached(
        "SELECT target, endpoint, status, detail, sent_at FROM webmentions_sent
         WHERE post_id = ?1 ORDER BY target",
    )?;
    let rows = stmt.query_map([post_id], sent_from_row)?;
    rows.collect::<rusqlite::Result<_>>()
        .context("store: list webmentions sent")
}

/// Removes what a received Webmention made for one post: the notifications under `keys`, and
/// the remote post whose `uri` is `source` if a Webmention made it (its author has no inbox)
/// for this post, or as a mention that no notification points at any more. A reply the owner
/// rejected stays rejected, so that the source cannot bring it back by linking again.
pub fn forget_received(
    conn: &Connection,
    source: &str,
    post_id: PostId,
    keys: &[String],
    keep_reply: bool,
    keep_mention: bool,
) -> Result<()> {
    for key in keys {
        conn.prepare_cached("DELETE FROM notifications WHERE activity_uri = ?1")?
            .execute([key])
            .context("store: forget webmention notification")?;
    }
    if !keep_reply {
        conn.prepare_cached(
            "DELETE FROM remote_posts WHERE uri = ?1 AND post_id = ?2 AND moderation <> 'rejected'
                 AND actor_id IN (SELECT id FROM actors WHERE inbox = '')",
        )?
        .execute((source, post_id))
        .context("store: forget webmention reply")?;
    }
    if !keep_mention {
        conn.prepare_cached(
            "DELETE FROM remote_posts WHERE uri = ?1 AND post_id IS NULL
                 AND actor_id IN (SELECT id FROM actors WHERE inbox = '')
                 AND NOT EXISTS (SELECT 1 FROM notifications n WHERE n.remote_post_id = remote_posts.id)",
        )?
        .execute([source])
        .context("store: forget webmention mention")?;
    }
    Ok(())
}
