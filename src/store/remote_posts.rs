//! Posts from other servers: replies in the owner's conversations, mentions, and the timeline of
//! followed accounts; and the owner's notifications.

use anyhow::{Context, Result};
use rusqlite::{Connection, OptionalExtension, Row, ToSql, params_from_iter};
use serde::{Deserialize, Serialize};

use super::actors::{self, Actor};
use super::ids::{ActorId, NotificationId, PostId, RemotePostId};
use super::kinds::NotificationKind;

/// An image or other file attached to a remote post.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Attachment {
    pub url: String,
    pub media_type: String,
    pub alt: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Moderation {
    /// Not a reply to the owner's posts (timeline, mention): nothing to moderate.
    None,
    Pending,
    Approved,
    Rejected,
}

impl Moderation {
    pub fn as_str(self) -> &'static str {
        match self {
            Moderation::None => "none",
            Moderation::Pending => "pending",
            Moderation::Approved => "approved",
            Moderation::Rejected => "rejected",
        }
    }

    fn parse(s: &str) -> Moderation {
        match s {
            "pending" => Moderation::Pending,
            "approved" => Moderation::Approved,
            "rejected" => Moderation::Rejected,
            _ => Moderation::None,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct RemotePost {
    pub id: RemotePostId,
    pub uri: String,
    pub actor: Actor,
    pub url: String,
    pub in_reply_to: String,
    pub post_id: Option<PostId>,
    /// The content warning, if any (ActivityPub `summary`).
    pub summary: String,
    pub content_html: String,
    pub attachments: Vec<Attachment>,
    pub mentions_owner: bool,
    pub in_timeline: bool,
    pub moderation: Moderation,
    pub published_at: i64,
    pub updated_at: Option<i64>,
    /// Addressed to the public; otherwise only to its audience (the owner among them).
    pub public: bool,
}

/// What an incoming Create or Update says; the row id and actor come from the store.
#[derive(Clone, Debug)]
pub struct RemotePostWrite<'a> {
    pub uri: &'a str,
    pub actor_id: ActorId,
    pub url: &'a str,
    pub in_reply_to: &'a str,
    pub post_id: Option<PostId>,
    pub summary: &'a str,
    pub content_html: &'a str,
    pub attachments: &'a [Attachment],
    pub mentions_owner: bool,
    pub in_timeline: bool,
    pub moderation: Moderation,
    pub published_at: i64,
    pub public: bool,
}

const COLUMNS: &str = "r.id AS rp_id, r.uri AS rp_uri, r.url AS rp_url, r.in_reply_to, r.post_id, \
                       r.summary, r.content_html, r.attachments, r.mentions_owner, r.in_timeline, \
                       r.moderation, r.published_at, r.updated_at, r.public";

fn from_row(r: &Row) -> rusqlite::Result<RemotePost> {
    let attachments: String = r.get("attachments")?;
    let moderation: String = r.get("moderation")?;
    Ok(RemotePost {
        id: r.get("rp_id")?,
        uri: r.get("rp_uri")?,
        actor: actors::from_row(r)?,
        url: r.get("rp_url")?,
        in_reply_to: r.get("in_reply_to")?,
        post_id: r.get("post_id")?,
        summary: r.get("summary")?,
        content_html: r.get("content_html")?,
        attachments: serde_json::from_str(&attachments).unwrap_or_default(),
        mentions_owner: r.get("mentions_owner")?,
        in_timeline: r.get("in_timeline")?,
        moderation: Moderation::parse(&moderation),
        published_at: r.get("published_at")?,
        updated_at: r.get("updated_at")?,
        public: r.get("public")?,
    })
}

fn query(conn: &Connection, filter: &str, params: &[&dyn ToSql]) -> Result<Vec<RemotePost>> {
    let sql = format!(
        "SELECT {COLUMNS}, {} FROM remote_posts r JOIN actors a ON a.id = r.actor_id {filter}",
        actors::COLUMNS
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params_from_iter(params.iter()), from_row)?;
    rows.collect::<rusqlite::Result<_>>()
        .context("store: list remote posts")
}

pub fn by_uri(conn: &Connection, uri: &str) -> Result<Option<RemotePost>> {
    Ok(query(conn, "WHERE r.uri = ?1", &[&uri])?.pop())
}

pub fn by_id(conn: &Connection, id: RemotePostId) -> Result<Option<RemotePost>> {
    Ok(query(conn, "WHERE r.id = ?1", &[&id])?.pop())
}

/// Inserts or, for an Update, replaces the content of a post; its moderation state is kept.
pub fn upsert(conn: &Connection, w: &RemotePostWrite) -> Result<RemotePostId> {
    let now = super::now();
    conn.prepare_cached(
        "INSERT INTO remote_posts (uri, actor_id, url, in_reply_to, post_id, summary, content_html,
             attachments, mentions_owner, in_timeline, moderation, published_at, received_at, public)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
         ON CONFLICT (uri) DO UPDATE SET url = excluded.url, summary = excluded.summary,
             content_html = excluded.content_html, attachments = excluded.attachments,
             mentions_owner = excluded.mentions_owner, updated_at = ?13
         RETURNING id",
    )?
    .query_row(
        rusqlite::params![
            w.uri,
            w.actor_id,
            w.url,
            w.in_reply_to,
            w.post_id,
            w.summary,
            w.content_html,
            serde_json::to_string(w.attachments)?,
            w.mentions_owner,
            w.in_timeline,
            w.moderation.as_str(),
            w.published_at,
            now,
            w.public
        ],
        |r| r.get(0),
    )
    .context("store: save remote post")
}

pub fn delete(conn: &Connection, id: RemotePostId) -> Result<bool> {
    Ok(conn
        .execute("DELETE FROM remote_posts WHERE id = ?1", [id])
        .context("store: delete remote post")?
        > 0)
}

pub fn delete_by_actor(conn: &Connection, actor_id: ActorId) -> Result<usize> {
    conn.execute("DELETE FROM remote_posts WHERE actor_id = ?1", [actor_id])
        .context("store: delete actor's posts")
}

/// Removes a post from elsewhere for good. A reply is kept as rejected rather than deleted, so
/// that an edit from its author cannot bring it back.
pub fn remove(conn: &Connection, id: RemotePostId) -> Result<bool> {
    let rejected = conn.execute(
        "UPDATE remote_posts SET moderation = 'rejected'
         WHERE id = ?1 AND post_id IS NOT NULL AND moderation <> 'rejected'",
        [id],
    )?;
    let deleted = conn.execute(
        "DELETE FROM remote_posts WHERE id = ?1 AND post_id IS NULL",
        [id],
    )?;
    Ok(rejected + deleted > 0)
}

pub fn set_moderation(conn: &Connection, id: RemotePostId, m: Moderation) -> Result<bool> {
    // Only a public reply can be shown under a post.
    Ok(conn.execute(
        "UPDATE remote_posts SET moderation = ?2
         WHERE id = ?1 AND post_id IS NOT NULL AND (public = 1 OR ?2 <> 'approved')",
        (id, m.as_str()),
    )? > 0)
}

/// The approved replies under one of the owner's posts, oldest first, as a conversation reads.
pub fn approved_replies(conn: &Connection, post_id: PostId) -> Result<Vec<RemotePost>> {
    query(
        conn,
        "WHERE r.post_id = ?1 AND r.moderation = 'approved' ORDER BY r.published_at, r.id",
        &[&post_id],
    )
}

/// The latest approved replies across all conversations, newest first (to remove one).
pub fn recent_replies(conn: &Connection, limit: u32) -> Result<Vec<RemotePost>> {
    query(
        conn,
        "WHERE r.moderation = 'approved' ORDER BY r.published_at DESC, r.id DESC LIMIT ?1",
        &[&limit],
    )
}

/// Every reply to the owner's posts and every post that mentions the owner, oldest first (an
/// export keeps them), whatever became of them in moderation.
pub fn received(conn: &Connection) -> Result<Vec<RemotePost>> {
    query(
        conn,
        "WHERE r.post_id IS NOT NULL OR r.mentions_owner ORDER BY r.published_at, r.id",
        &[],
    )
}

/// Replies waiting for the owner's decision, oldest first.
pub fn pending(conn: &Connection) -> Result<Vec<RemotePost>> {
    query(
        conn,
        "WHERE r.moderation = 'pending' ORDER BY r.published_at, r.id LIMIT 200",
        &[],
    )
}

/// The timeline: posts of followed accounts, newest first, optionally those containing an emoji.
pub fn timeline(
    conn: &Connection,
    emoji: Option<&str>,
    limit: u32,
    offset: u32,
) -> Result<Vec<RemotePost>> {
    match emoji {
        Some(e) => query(
            conn,
            "WHERE r.in_timeline = 1 AND instr(r.content_html, ?1) > 0
             ORDER BY r.published_at DESC, r.id DESC LIMIT ?2 OFFSET ?3",
            &[&e, &limit, &offset],
        ),
        None => query(
            conn,
            "WHERE r.in_timeline = 1 ORDER BY r.published_at DESC, r.id DESC LIMIT ?1 OFFSET ?2",
            &[&limit, &offset],
        ),
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Notification {
    pub id: NotificationId,
    pub kind: NotificationKind,
    pub actor: Actor,
    pub post_id: Option<PostId>,
    pub post_path: Option<String>,
    pub remote_post: Option<RemotePostId>,
    pub created_at: i64,
}

pub struct NotificationWrite<'a> {
    pub kind: NotificationKind,
    pub actor_id: ActorId,
    pub post_id: Option<PostId>,
    pub remote_post_id: Option<RemotePostId>,
    pub activity_uri: &'a str,
}

pub fn notify(conn: &Connection, n: &NotificationWrite) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO notifications (kind, actor_id, post_id, remote_post_id, activity_uri, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (activity_uri) DO NOTHING",
    )?
    .execute((
        n.kind,
        n.actor_id,
        n.post_id,
        n.remote_post_id,
        n.activity_uri,
        super::now(),
    ))
    .context("store: notify")?;
    Ok(())
}

/// Removes the notification an activity made (an Undo of a Like).
pub fn unnotify(conn: &Connection, activity_uri: &str) -> Result<()> {
    conn.execute(
        "DELETE FROM notifications WHERE activity_uri = ?1",
        [activity_uri],
    )?;
    Ok(())
}

pub fn notifications(conn: &Connection, limit: u32) -> Result<Vec<Notification>> {
    let sql = format!(
        "SELECT n.id AS n_id, n.kind, n.post_id AS n_post, n.remote_post_id, n.created_at AS n_at,
                p.path AS post_path, {}
         FROM notifications n JOIN actors a ON a.id = n.actor_id
         LEFT JOIN posts p ON p.id = n.post_id
         ORDER BY n.created_at DESC, n.id DESC LIMIT ?1",
        actors::COLUMNS
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([limit], |r| {
        Ok(Notification {
            id: r.get("n_id")?,
            kind: r.get("kind")?,
            actor: actors::from_row(r)?,
            post_id: r.get("n_post")?,
            post_path: r.get("post_path")?,
            remote_post: r.get("remote_post_id")?,
            created_at: r.get("n_at")?,
        })
    })?;
    rows.collect::<rusqlite::Result<_>>()
        .context("store: list notifications")
}

/// Post ids of the owner that a remote post's `inReplyTo` names, if any.
pub fn post_id_for_reply(conn: &Connection, own_path: &str) -> Result<Option<PostId>> {
    conn.query_row(
        "SELECT id FROM posts WHERE path = ?1 AND kind = 'post' AND status = 'published'",
        [own_path],
        |r| r.get(0),
    )
    .optional()
    .context("store: find replied post")
}

/// Whether a stored post has an attachment at this URL (the media proxy fetches nothing else).
pub fn carries_attachment(conn: &Connection, url: &str) -> Result<bool> {
    let needle = serde_json::to_string(url)?;
    conn.query_row(
        "SELECT 1 FROM remote_posts WHERE instr(attachments, ?1) > 0 LIMIT 1",
        [needle],
        |_| Ok(()),
    )
    .optional()
    .map(|o| o.is_some())
    .context("store: find attachment")
}
