//! The owner's replies to posts from elsewhere.

use anyhow::{Context, Result};
use rusqlite::{Connection, OptionalExtension, Row};
use serde::Serialize;

use super::ids::{OwnReplyId, PostId};

#[derive(Clone, Debug, Serialize)]
pub struct OwnReply {
    pub id: OwnReplyId,
    pub in_reply_to: String,
    pub post_id: Option<PostId>,
    pub markdown: String,
    pub html: String,
    /// Actor URLs the reply mentions (and is delivered to).
    pub mentions: Vec<String>,
    pub created_at: i64,
    pub deleted_at: Option<i64>,
    /// False for an answer to a direct message: it went to one person and is served to no one.
    pub public: bool,
}

fn from_row(r: &Row) -> rusqlite::Result<OwnReply> {
    let mentions: String = r.get("mentions")?;
    Ok(OwnReply {
        id: r.get("id")?,
        in_reply_to: r.get("in_reply_to")?,
        post_id: r.get("post_id")?,
        markdown: r.get("markdown")?,
        html: r.get("html")?,
        mentions: serde_json::from_str(&mentions).unwrap_or_default(),
        created_at: r.get("created_at")?,
        deleted_at: r.get("deleted_at")?,
        public: r.get("public")?,
    })
}

pub struct NewReply<'a> {
    pub in_reply_to: &'a str,
    pub post_id: Option<PostId>,
    pub markdown: &'a str,
    pub html: &'a str,
    pub mentions: &'a [String],
    pub public: bool,
}

pub fn insert(conn: &Connection, r: &NewReply) -> Result<OwnReplyId> {
    conn.execute(
        "INSERT INTO own_replies (in_reply_to, post_id, markdown, html, mentions, created_at, public)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        (
            r.in_reply_to,
            r.post_id,
            r.markdown,
            r.html,
            serde_json::to_string(r.mentions)?,
            super::now(),
            r.public,
        ),
    )
    .context("store: insert reply")?;
    Ok(OwnReplyId(conn.last_insert_rowid()))
}

pub fn by_id(conn: &Connection, id: OwnReplyId) -> Result<Option<OwnReply>> {
    conn.query_row("SELECT * FROM own_replies WHERE id = ?1", [id], from_row)
        .optional()
        .context("store: load reply")
}

/// The conversation (the owner's post) a reply of the owner's belongs to.
pub fn conversation(conn: &Connection, id: OwnReplyId) -> Result<Option<PostId>> {
    Ok(by_id(conn, id)?.and_then(|r| r.post_id))
}

/// The owner's replies shown in a post's conversation, oldest first.
pub fn in_conversation(conn: &Connection, post_id: PostId) -> Result<Vec<OwnReply>> {
    let mut stmt = conn.prepare_cached(
        "SELECT * FROM own_replies WHERE post_id = ?1 AND deleted_at IS NULL AND public = 1
         ORDER BY created_at, id",
    )?;
    let rows = stmt.query_map([post_id], from_row)?;
    rows.collect::<rusqlite::Result<_>>()
        .context("store: list replies")
}

/// The owner's latest replies, newest first.
pub fn recent(conn: &Connection, limit: u32) -> Result<Vec<OwnReply>> {
    let mut stmt = conn.prepare_cached(
        "SELECT * FROM own_replies WHERE deleted_at IS NULL ORDER BY created_at DESC, id DESC LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit], from_row)?;
    rows.collect::<rusqlite::Result<_>>()
        .context("store: list replies")
}

/// Marks a reply deleted; its URL then answers with a Tombstone. False if it was not there.
pub fn mark_deleted(conn: &Connection, id: OwnReplyId) -> Result<bool> {
    Ok(conn.execute(
        "UPDATE own_replies SET deleted_at = ?2 WHERE id = ?1 AND deleted_at IS NULL",
        (id, super::now()),
    )? > 0)
}
