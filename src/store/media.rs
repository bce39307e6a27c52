//! Uploaded media: metadata rows for the content-addressed files under the data folder.

use std::collections::HashMap;

use anyhow::{Context, Result};
use rusqlite::{Connection, OptionalExtension, Row, params_from_iter};
use serde::Serialize;

use super::ids::{BookId, MediaId, PostId};
use super::posts::PostLabel;

#[derive(Clone, Debug, Serialize)]
pub struct Media {
    pub id: MediaId,
    pub hash: String,
    pub ext: String,
    pub mime: String,
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
    /// Widths of the resized copies stored beside the original.
    pub variants: Vec<u32>,
    pub original_name: String,
    pub alt: String,
    pub created_at: i64,
    pub blurhash: String,
}

/// Reads a media row from any query that selects the `media` columns by name.
pub fn media_from_row(r: &Row) -> rusqlite::Result<Media> {
    let variants: String = r.get("variants")?;
    Ok(Media {
        id: r.get("id")?,
        hash: r.get("hash")?,
        ext: r.get("ext")?,
        mime: r.get("mime")?,
        width: r.get("width")?,
        height: r.get("height")?,
        bytes: r.get::<_, i64>("bytes")?.max(0) as u64,
        variants: serde_json::from_str(&variants).unwrap_or_default(),
        original_name: r.get("original_name")?,
        alt: r.get("alt")?,
        created_at: r.get("created_at")?,
        blurhash: r.get("blurhash")?,
    })
}

pub struct NewMedia<'a> {
    pub hash: &'a str,
    pub ext: &'a str,
    pub mime: &'a str,
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
    pub variants: &'a [u32],
    pub original_name: &'a str,
    pub alt: &'a str,
    pub blurhash: &'a str,
}

/// Records an upload; the same bytes uploaded twice give the one existing row.
pub fn insert(conn: &Connection, m: &NewMedia) -> Result<Media> {
    conn.execute(
        "INSERT INTO media (hash, ext, mime, width, height, bytes, variants, original_name, alt,
                            created_at, blurhash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT (hash) DO NOTHING",
        (
            m.hash,
            m.ext,
            m.mime,
            m.width,
            m.height,
            m.bytes as i64,
            serde_json::to_string(m.variants)?,
            m.original_name,
            m.alt,
            super::now(),
            m.blurhash,
        ),
    )
    .context("store: insert media")?;
    by_hash(conn, m.hash)?.context("store: media vanished after insert")
}

pub fn by_hash(conn: &Connection, hash: &str) -> Result<Option<Media>> {
    conn.query_row(
        "SELECT * FROM media WHERE hash = ?1",
        [hash],
        media_from_row,
    )
    .optional()
    .context("store: find media")
}

pub fn by_id(conn: &Connection, id: MediaId) -> Result<Option<Media>> {
    conn.query_row("SELECT * FROM media WHERE id = ?1", [id], media_from_row)
        .optional()
        .context("store: find media")
}

pub fn list(conn: &Connection, limit: u32, offset: u32) -> Result<Vec<Media>> {
    let mut stmt = conn.prepare_cached(
        "SELECT * FROM media ORDER BY created_at DESC, id DESC LIMIT ?1 OFFSET ?2",
    )?;
    let rows = stmt.query_map((limit, offset), media_from_row)?;
    rows.collect::<rusqlite::Result<_>>()
        .context("store: list media")
}

/// Sets an item's alt text; false when there is no such item.
pub fn set_alt(conn: &Connection, id: MediaId, alt: &str) -> Result<bool> {
    let changed = conn
        .execute("UPDATE media SET alt = ?2 WHERE id = ?1", (id, alt))
        .context("store: set alt")?;
    Ok(changed > 0)
}

/// What uses one media item. A post counts whatever its status (deleted ones included, since
/// they can come back); so do a book's cover, the avatar and the header image.
#[derive(Clone, Debug, Default)]
pub struct Uses {
    /// The posts and pages showing it, newest first.
    pub posts: Vec<PostLabel>,
    /// The books whose cover it is: (book, title).
    pub covers: Vec<(BookId, String)>,
    pub avatar: bool,
    pub header_image: bool,
}

impl Uses {
    pub fn any(&self) -> bool {
        !self.posts.is_empty() || !self.covers.is_empty() || self.avatar || self.header_image
    }
}

/// What uses each of these media items, in a fixed number of queries however many there are
/// (the library lists a page of them at once). Items nothing uses are absent from the map.
pub fn uses(conn: &Connection, items: &[Media]) -> Result<HashMap<MediaId, Uses>> {
    let mut out: HashMap<MediaId, Uses> = HashMap::new();
    if items.is_empty() {
        return Ok(out);
    }
    let ids: Vec<MediaId> = items.iter().map(|m| m.id).collect();
    let placeholders = vec!["?"; ids.len()].join(",");
    // A post may show the same photo twice; it is named once.
    let mut stmt = conn.prepare(&format!(
        "SELECT DISTINCT media_id, post_id FROM post_photos WHERE media_id IN ({placeholders})"
    ))?;
    let pairs: Vec<(MediaId, PostId)> = stmt
        .query_map(params_from_iter(ids.iter()), |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()
        .context("store: list media uses")?;
    let mut post_ids: Vec<PostId> = pairs.iter().map(|(_, p)| *p).collect();
    post_ids.sort_unstable();
    post_ids.dedup();
    // Labels come newest first; each is handed to every item it shows.
    for label in super::posts::labels(conn, &post_ids)? {
        for (media_id, _) in pairs.iter().filter(|(_, p)| *p == label.id) {
            out.entry(*media_id).or_default().posts.push(label.clone());
        }
    }
    for (media_id, book, title) in super::books::cover_uses(conn, &ids)? {
        out.entry(media_id).or_default().covers.push((book, title));
    }
    // The profile images are kept by file name (`<hash>.<ext>` or a resized copy of it).
    let settings = super::settings::load(conn)?;
    let named =
        |name: &Option<String>, m: &Media| name.as_deref().is_some_and(|n| n.starts_with(&m.hash));
    for m in items {
        let avatar = named(&settings.avatar, m);
        let header_image = named(&settings.header_image, m);
        if avatar || header_image {
            let uses = out.entry(m.id).or_default();
            uses.avatar = avatar;
            uses.header_image = header_image;
        }
    }
    Ok(out)
}

/// Whether anything uses this media (see `Uses`). Used media is not deleted.
pub fn in_use(conn: &Connection, m: &Media) -> Result<bool> {
    Ok(uses(conn, std::slice::from_ref(m))?
        .get(&m.id)
        .is_some_and(Uses::any))
}

pub fn delete(conn: &Connection, id: MediaId) -> Result<()> {
    conn.execute("DELETE FROM media WHERE id = ?1", [id])
        .context("store: delete media")?;
    Ok(())
}
