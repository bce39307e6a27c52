//! Posts and pages: rows, the lists the site shows, and full-text search.

use std::collections::HashMap;

use anyhow::{Context, Result, anyhow};
use rusqlite::{Connection, OptionalExtension, Row, ToSql, params_from_iter};
use serde::Serialize;

use super::ids::{CategoryId, MediaId, PostId};
use super::media::{Media, media_from_row};
use super::taxonomy::Category;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Post,
    Page,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Post => "post",
            Kind::Page => "page",
        }
    }

    fn parse(s: &str) -> Result<Kind> {
        match s {
            "post" => Ok(Kind::Post),
            "page" => Ok(Kind::Page),
            other => Err(anyhow!("store: unknown post kind {other:?}")),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Draft,
    Scheduled,
    Published,
    Deleted,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Scheduled => "scheduled",
            Status::Published => "published",
            Status::Deleted => "deleted",
        }
    }

    fn parse(s: &str) -> Result<Status> {
        match s {
            "draft" => Ok(Status::Draft),
            "scheduled" => Ok(Status::Scheduled),
            "published" => Ok(Status::Published),
            "deleted" => Ok(Status::Deleted),
            other => Err(anyhow!("store: unknown post status {other:?}")),
        }
    }
}

/// A photo attached to a post, with the alt text written for it there.
#[derive(Clone, Debug, Serialize)]
pub struct Photo {
    pub media: Media,
    pub alt: String,
}

#[derive(Clone, Debug)]
pub struct Post {
    pub id: PostId,
    pub kind: Kind,
    pub status: Status,
    pub title: Option<String>,
    pub markdown: String,
    pub html: String,
    /// The permalink path, set at first publication and never changed after.
    pub path: Option<String>,
    pub published_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub in_nav: bool,
    pub nav_order: i64,
    /// Shown before the post, collapsed over it; ActivityPub `summary`.
    pub content_warning: String,
    pub in_reply_to: String,
    pub bookmark_of: String,
    /// The owner's own short description, if given (else one is cut from the text).
    pub summary: String,
    /// Micropub properties Porch keeps for apps without using them (a JSON object).
    pub other_properties: String,
    pub categories: Vec<Category>,
    pub photos: Vec<Photo>,
}

const COLUMNS: &str = "p.id, p.kind, p.status, p.title, p.markdown, p.html, p.path, p.published_at, \
                       p.created_at, p.updated_at, p.in_nav, p.nav_order, p.content_warning, \
                       p.in_reply_to, p.bookmark_of, p.summary, p.other_properties";

fn from_row(r: &Row) -> rusqlite::Result<(Post, String, String)> {
    Ok((
        Post {
            id: r.get("id")?,
            kind: Kind::Post,
            status: Status::Draft,
            title: r.get("title")?,
            markdown: r.get("markdown")?,
            html: r.get("html")?,
            path: r.get("path")?,
            published_at: r.get("published_at")?,
            created_at: r.get("created_at")?,
            updated_at: r.get("updated_at")?,
            in_nav: r.get("in_nav")?,
            nav_order: r.get("nav_order")?,
            content_warning: r.get("content_warning")?,
            in_reply_to: r.get("in_reply_to")?,
            bookmark_of: r.get("bookmark_of")?,
            summary: r.get("summary")?,
            other_properties: r.get("other_properties")?,
            categories: Vec::new(),
            photos: Vec::new(),
        },
        r.get("kind")?,
        r.get("status")?,
    ))
}

/// Runs a query selecting `COLUMNS` and returns the posts with their categories and photos.
fn query(conn: &Connection, sql: &str, params: &[&dyn ToSql]) -> Result<Vec<Post>> {
    let mut stmt = conn
        .prepare_cached(sql)
        .context("store: prepare post query")?;
    let rows = stmt.query_map(params_from_iter(params.iter()), from_row)?;
    let mut posts = Vec::new();
    for row in rows {
        let (mut post, kind, status) = row.context("store: read post")?;
        post.kind = Kind::parse(&kind)?;
        post.status = Status::parse(&status)?;
        posts.push(post);
    }
    attach(conn, &mut posts)?;
    Ok(posts)
}

/// Loads the categories and photos of a batch of posts in two queries, not two per post.
fn attach(conn: &Connection, posts: &mut [Post]) -> Result<()> {
    if posts.is_empty() {
        return Ok(());
    }
    let ids: Vec<PostId> = posts.iter().map(|p| p.id).collect();
    let placeholders = vec!["?"; ids.len()].join(",");
    let mut categories: HashMap<PostId, Vec<Category>> = HashMap::new();
    let mut stmt = conn.prepare(&format!(
        "SELECT pc.post_id, c.id, c.name, c.slug FROM post_categories pc
         JOIN categories c ON c.id = pc.category_id
         WHERE pc.post_id IN ({placeholders}) ORDER BY c.name COLLATE NOCASE"
    ))?;
    let rows = stmt.query_map(params_from_iter(ids.iter()), |r| {
        Ok((
            r.get::<_, PostId>(0)?,
            Category {
                id: r.get(1)?,
                name: r.get(2)?,
                slug: r.get(3)?,
            },
        ))
    })?;
    for row in rows {
        let (post_id, category) = row.context("store: read post categories")?;
        categories.entry(post_id).or_default().push(category);
    }
    let mut photos: HashMap<PostId, Vec<Photo>> = HashMap::new();
    let mut stmt = conn.prepare(&format!(
        "SELECT pp.post_id, pp.alt AS photo_alt, m.* FROM post_photos pp
         JOIN media m ON m.id = pp.media_id
         WHERE pp.post_id IN ({placeholders}) ORDER BY pp.position"
    ))?;
    let rows = stmt.query_map(params_from_iter(ids.iter()), |r| {
        Ok((
            r.get::<_, PostId>("post_id")?,
            Photo {
                media: media_from_row(r)?,
                alt: r.get("photo_alt")?,
            },
        ))
    })?;
    for row in rows {
        let (post_id, photo) = row.context("store: read post photos")?;
        photos.entry(post_id).or_default().push(photo);
    }
    for post in posts {
        post.categories = categories.remove(&post.id).unwrap_or_default();
        post.photos = photos.remove(&post.id).unwrap_or_default();
    }
    Ok(())
}

pub fn by_id(conn: &Connection, id: PostId) -> Result<Option<Post>> {
    let sql = format!("SELECT {COLUMNS} FROM posts p WHERE p.id = ?1");
    Ok(query(conn, &sql, &[&id])?.pop())
}

/// The post or page at a permalink path, whatever its status (a deleted one answers 410).
pub fn by_path(conn: &Connection, path: &str) -> Result<Option<Post>> {
    let sql = format!("SELECT {COLUMNS} FROM posts p WHERE p.path = ?1");
    Ok(query(conn, &sql, &[&path])?.pop())
}

pub fn path_taken(conn: &Connection, path: &str) -> Result<bool> {
    conn.query_row("SELECT 1 FROM posts WHERE path = ?1", [path], |_| Ok(()))
        .optional()
        .map(|found| found.is_some())
        .context("store: check path")
}

/// A page of published posts, newest first.
pub fn published(conn: &Connection, limit: u32, offset: u32) -> Result<Vec<Post>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM posts p WHERE p.kind = 'post' AND p.status = 'published'
         ORDER BY p.published_at DESC, p.id DESC LIMIT ?1 OFFSET ?2"
    );
    query(conn, &sql, &[&limit, &offset])
}

/// Which posts and pages an export reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exported {
    /// Published posts and pages.
    Public,
    /// Drafts and scheduled posts.
    Unpublished,
}

/// Posts and pages after `after` in id order, `limit` at a time: an export reads them all, a
/// batch at a time, oldest first.
pub fn batch_after(
    conn: &Connection,
    which: Exported,
    after: PostId,
    limit: u32,
) -> Result<Vec<Post>> {
    let statuses = match which {
        Exported::Public => "'published'",
        Exported::Unpublished => "'draft', 'scheduled'",
    };
    let sql = format!(
        "SELECT {COLUMNS} FROM posts p WHERE p.status IN ({statuses}) AND p.id > ?1
         ORDER BY p.id LIMIT ?2"
    );
    query(conn, &sql, &[&after, &limit])
}

pub fn in_category(
    conn: &Connection,
    category_id: CategoryId,
    limit: u32,
    offset: u32,
) -> Result<Vec<Post>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM posts p JOIN post_categories pc ON pc.post_id = p.id
         WHERE pc.category_id = ?1 AND p.kind = 'post' AND p.status = 'published'
         ORDER BY p.published_at DESC, p.id DESC LIMIT ?2 OFFSET ?3"
    );
    query(conn, &sql, &[&category_id, &limit, &offset])
}

pub fn in_topic(conn: &Connection, emoji: &str, limit: u32, offset: u32) -> Result<Vec<Post>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM posts p JOIN post_topics t ON t.post_id = p.id
         WHERE t.topic = ?1 AND p.kind = 'post' AND p.status = 'published'
         ORDER BY p.published_at DESC, p.id DESC LIMIT ?2 OFFSET ?3"
    );
    query(conn, &sql, &[&emoji, &limit, &offset])
}

/// Published posts of one month, oldest first; `prefix` is `/YYYY/MM/` (paths carry the local
/// date, so a month in the path is the month the owner saw).
pub fn in_month(conn: &Connection, prefix: &str) -> Result<Vec<Post>> {
    let pattern = format!("{prefix}%");
    let sql = format!(
        "SELECT {COLUMNS} FROM posts p
         WHERE p.kind = 'post' AND p.status = 'published' AND p.path LIKE ?1
         ORDER BY p.published_at ASC, p.id ASC"
    );
    query(conn, &sql, &[&pattern])
}

/// Months that have posts, newest first, with how many each has: (`YYYY/MM`, count).
pub fn months(conn: &Connection) -> Result<Vec<(String, u32)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT substr(path, 2, 7) AS month, count(*) FROM posts
         WHERE kind = 'post' AND status = 'published'
         GROUP BY month ORDER BY month DESC",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect::<rusqlite::Result<_>>()
        .context("store: list months")
}

/// Published posts with photos, newest first: the `/photos/` grid.
pub fn with_photos(conn: &Connection, limit: u32, offset: u32) -> Result<Vec<Post>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM posts p
         WHERE p.kind = 'post' AND p.status = 'published'
           AND EXISTS (SELECT 1 FROM post_photos pp WHERE pp.post_id = p.id)
         ORDER BY p.published_at DESC, p.id DESC LIMIT ?1 OFFSET ?2"
    );
    query(conn, &sql, &[&limit, &offset])
}

/// Full-text search over published posts and pages, best match first. Each word of the query is
/// quoted, so that FTS5's own syntax in a visitor's query can never cause an error; control
/// characters (NUL among them, which ends an FTS5 string early) separate words like spaces.
pub fn search(conn: &Connection, terms: &str, limit: u32) -> Result<Vec<Post>> {
    let Some(terms) = super::fts_terms(terms) else {
        return Ok(Vec::new());
    };
    let sql = format!(
        "SELECT {COLUMNS} FROM posts_fts f JOIN posts p ON p.id = f.rowid
         WHERE posts_fts MATCH ?1 AND p.status = 'published'
         ORDER BY f.rank LIMIT ?2"
    );
    query(conn, &sql, &[&terms, &limit])
}

/// Pages marked for the navigation, in their order.
pub fn nav_pages(conn: &Connection) -> Result<Vec<(String, String)>> {
    let mut stmt = conn.prepare_cached(
        // The About page extends /about/, which the navigation always has.
        "SELECT coalesce(title, path), path FROM posts
         WHERE kind = 'page' AND status = 'published' AND in_nav = 1 AND path <> '/about/'
         ORDER BY nav_order, title COLLATE NOCASE",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect::<rusqlite::Result<_>>()
        .context("store: list navigation")
}

/// Published URLs with their last change, newest first, for the sitemap: `limit` from `offset`.
pub fn sitemap(conn: &Connection, offset: i64, limit: i64) -> Result<Vec<(String, i64)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT path, updated_at FROM posts WHERE status = 'published'
         ORDER BY published_at DESC, id DESC LIMIT ?1 OFFSET ?2",
    )?;
    let rows = stmt.query_map([limit, offset], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect::<rusqlite::Result<_>>()
        .context("store: list sitemap")
}

/// How many posts and pages the sitemap lists.
pub fn sitemap_count(conn: &Connection) -> Result<i64> {
    conn.query_row(
        "SELECT count(*) FROM posts WHERE status = 'published'",
        [],
        |r| r.get(0),
    )
    .context("store: count sitemap")
}

/// The admin panel's lists: posts or pages in any of `statuses`, newest first (a draft by its
/// last edit, the rest by their publication time).
pub fn for_admin(
    conn: &Connection,
    kind: Kind,
    statuses: &[Status],
    limit: u32,
    offset: u32,
) -> Result<Vec<Post>> {
    let placeholders = vec!["?"; statuses.len()].join(",");
    let sql = format!(
        "SELECT {COLUMNS} FROM posts p WHERE p.kind = ? AND p.status IN ({placeholders})
         ORDER BY coalesce(p.published_at, p.updated_at) DESC, p.id DESC LIMIT ? OFFSET ?"
    );
    let kind = kind.as_str();
    let names: Vec<&str> = statuses.iter().map(|s| s.as_str()).collect();
    let mut params: Vec<&dyn ToSql> = vec![&kind];
    params.extend(names.iter().map(|n| n as &dyn ToSql));
    params.push(&limit);
    params.push(&offset);
    query(conn, &sql, &params)
}

/// What a save writes: everything about a post except its id, path and timestamps.
pub struct PostWrite<'a> {
    pub kind: Kind,
    pub status: Status,
    pub title: Option<&'a str>,
    pub markdown: &'a str,
    pub html: &'a str,
    pub published_at: Option<i64>,
    pub in_nav: bool,
    pub nav_order: i64,
    pub content_warning: &'a str,
    pub in_reply_to: &'a str,
    pub bookmark_of: &'a str,
    pub summary: &'a str,
    pub category_ids: &'a [CategoryId],
    pub photos: &'a [(MediaId, String)],
    pub topics: &'a [String],
    /// Plain text of the body for the search index.
    pub search_text: &'a str,
}

pub fn insert(conn: &Connection, w: &PostWrite) -> Result<PostId> {
    let now = super::now();
    conn.execute(
        "INSERT INTO posts (kind, status, title, markdown, html, published_at, created_at, updated_at,
                            in_nav, nav_order, content_warning, in_reply_to, bookmark_of, summary)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        (
            w.kind.as_str(),
            w.status.as_str(),
            w.title,
            w.markdown,
            w.html,
            w.published_at,
            now,
            w.in_nav,
            w.nav_order,
            w.content_warning,
            w.in_reply_to,
            w.bookmark_of,
            w.summary,
        ),
    )
    .context("store: insert post")?;
    let id = PostId(conn.last_insert_rowid());
    write_relations(conn, id, w)?;
    Ok(id)
}

pub fn update(conn: &Connection, id: PostId, w: &PostWrite) -> Result<()> {
    conn.execute(
        "UPDATE posts SET kind = ?2, status = ?3, title = ?4, markdown = ?5, html = ?6,
                          published_at = ?7, updated_at = ?8, in_nav = ?9, nav_order = ?10,
                          content_warning = ?11, in_reply_to = ?12, bookmark_of = ?13,
                          summary = ?14
         WHERE id = ?1",
        (
            id,
            w.kind.as_str(),
            w.status.as_str(),
            w.title,
            w.markdown,
            w.html,
            w.published_at,
            super::now(),
            w.in_nav,
            w.nav_order,
            w.content_warning,
            w.in_reply_to,
            w.bookmark_of,
            w.summary,
        ),
    )
    .context("store: update post")?;
    write_relations(conn, id, w)
}

fn write_relations(conn: &Connection, id: PostId, w: &PostWrite) -> Result<()> {
    conn.execute("DELETE FROM post_categories WHERE post_id = ?1", [id])?;
    for category_id in w.category_ids {
        conn.execute(
            "INSERT OR IGNORE INTO post_categories (post_id, category_id) VALUES (?1, ?2)",
            (id, category_id),
        )
        .context("store: link category")?;
    }
    conn.execute("DELETE FROM post_photos WHERE post_id = ?1", [id])?;
    for (position, (media_id, alt)) in w.photos.iter().enumerate() {
        conn.execute(
            "INSERT INTO post_photos (post_id, media_id, position, alt) VALUES (?1, ?2, ?3, ?4)",
            (id, media_id, position as i64, alt),
        )
        .context("store: attach photo")?;
    }
    set_topics(conn, id, w.topics)?;
    conn.execute("DELETE FROM posts_fts WHERE rowid = ?1", [id])?;
    if w.status == Status::Published {
        conn.execute(
            "INSERT INTO posts_fts (rowid, title, body) VALUES (?1, ?2, ?3)",
            (id, w.title.unwrap_or(""), w.search_text),
        )
        .context("store: index post")?;
    }
    Ok(())
}

pub fn set_topics(conn: &Connection, id: PostId, topics: &[String]) -> Result<()> {
    conn.execute("DELETE FROM post_topics WHERE post_id = ?1", [id])?;
    for topic in topics {
        conn.execute(
            "INSERT OR IGNORE INTO post_topics (post_id, topic) VALUES (?1, ?2)",
            (id, topic),
        )
        .context("store: tag topic")?;
    }
    Ok(())
}

/// Gives a post its permalink; only ever called while it has none.
pub fn set_path(conn: &Connection, id: PostId, path: &str) -> Result<()> {
    let changed = conn
        .execute(
            "UPDATE posts SET path = ?2 WHERE id = ?1 AND path IS NULL",
            (id, path),
        )
        .context("store: set path")?;
    if changed == 0 {
        return Err(anyhow!("store: post {id} already has a path"));
    }
    Ok(())
}

/// Deletes a post. The row stays, with its text, path and relations: its URL answers 410 Gone
/// forever, and what the owner wrote can still be brought back.
pub fn delete(conn: &Connection, id: PostId) -> Result<()> {
    conn.execute("DELETE FROM posts_fts WHERE rowid = ?1", [id])?;
    conn.execute(
        "UPDATE posts SET status = 'deleted', updated_at = ?2 WHERE id = ?1",
        (id, super::now()),
    )
    .context("store: delete post")?;
    Ok(())
}

/// Micropub properties kept for apps (a JSON object).
pub fn set_other_properties(conn: &Connection, id: PostId, json: &str) -> Result<()> {
    conn.execute(
        "UPDATE posts SET other_properties = ?2 WHERE id = ?1",
        (id, json),
    )
    .context("store: save post properties")?;
    Ok(())
}

/// Sets a post's status alone (undeleting goes through draft, then the save path).
pub fn set_status(conn: &Connection, id: PostId, status: Status) -> Result<()> {
    conn.execute(
        "UPDATE posts SET status = ?2 WHERE id = ?1",
        (id, status.as_str()),
    )
    .context("store: set post status")?;
    Ok(())
}

/// Every live post's id and Markdown (not pages'), for re-deriving topics when the topic list
/// changes.
pub fn all_markdown(conn: &Connection) -> Result<Vec<(PostId, String)>> {
    let mut stmt =
        conn.prepare("SELECT id, markdown FROM posts WHERE kind = 'post' AND status <> 'deleted'")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect::<rusqlite::Result<_>>()
        .context("store: list markdown")
}

/// How many posts are public (NodeInfo reports it, as every server does).
pub fn count_published(conn: &Connection) -> Result<i64> {
    conn.query_row(
        "SELECT count(*) FROM posts WHERE kind = 'post' AND status = 'published'",
        [],
        |r| r.get(0),
    )
    .context("store: count posts")
}

/// What the panel needs to name a post in passing (the jobs page, the media library's "Used
/// in"): its title, or else the start of its text.
#[derive(Clone, Debug)]
pub struct PostLabel {
    pub id: PostId,
    pub kind: Kind,
    pub status: Status,
    pub title: Option<String>,
    /// The start of the rendered HTML: enough for a few words of plain text, without reading a
    /// long post whole.
    pub html_start: String,
}

/// Characters of HTML read for a label; markup takes some, a short phrase is all that is shown.
const LABEL_HTML_CHARS: i64 = 2000;

/// The labels of a batch of posts, in one query; ids with no post are left out.
pub fn labels(conn: &Connection, ids: &[PostId]) -> Result<Vec<PostLabel>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders = vec!["?"; ids.len()].join(",");
    let mut stmt = conn.prepare(&format!(
        "SELECT id, kind, status, title, substr(html, 1, {LABEL_HTML_CHARS}) AS html_start
         FROM posts WHERE id IN ({placeholders}) ORDER BY id DESC"
    ))?;
    let rows = stmt.query_map(params_from_iter(ids.iter()), |r| {
        Ok((
            r.get::<_, PostId>("id")?,
            r.get::<_, String>("kind")?,
            r.get::<_, String>("status")?,
            r.get::<_, Option<String>>("title")?,
            r.get::<_, String>("html_start")?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, kind, status, title, html_start) = row.context("store: read post labels")?;
        out.push(PostLabel {
            id,
            kind: Kind::parse(&kind)?,
            status: Status::parse(&status)?,
            title,
            html_start,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_query_string_searches_without_error() {
        let mut conn = Connection::open_in_memory().unwrap();
        super::super::create_fresh(&mut conn).unwrap();
        let nasty = [
            "\0",
            "a\0b",
            "\"",
            "\"\"",
            "*",
            "a*",
            "NEAR(a b)",
            "^a",
            "-a",
            "a OR",
            "AND",
            "(",
            ")",
            ":",
            "title:x",
            "\u{1}\u{7f}",
            "\u{feff}",
            "🙂",
            "a\"b\"c",
            "'",
            "\\",
            "{}",
        ];
        for q in nasty {
            assert!(search(&conn, q, 10).is_ok(), "{q:?}");
        }
        // And every single character of the first two Unicode planes' printable ranges.
        for c in (0u32..0x3000).filter_map(char::from_u32) {
            let q = format!("x{c}y {c}");
            assert!(search(&conn, &q, 1).is_ok(), "{q:?}");
        }
    }
}
