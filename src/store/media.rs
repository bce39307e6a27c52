//! Uploaded media: metadata rows for the content-addressed files under the data folder.

use anyhow::{Context, Result};
use rusqlite::{Connection, OptionalExtension, Row};
use serde::Serialize;

use super::ids::MediaId;

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

pub fn set_alt(conn: &Connection, id: MediaId, alt: &str) -> Result<()> {
    conn.execute("UPDATE media SET alt = ?2 WHERE id = ?1", (id, alt))
        .context("store: set alt")?;
    Ok(())
}

/// Whether anything uses this media: a post (of any status, deleted ones included, since they
/// can come back), a book's cover, the avatar or the header image. Used media is not deleted.
pub fn in_use(conn: &Connection, m: &Media) -> Result<bool> {
    let posts: i64 = conn
        .query_row(
            "SELECT count(*) FROM post_photos WHERE media_id = ?1",
            [m.id],
            |r| r.get(0),
        )
        .context("store: count media uses")?;
    let covers = super::books::count_cover_uses(conn, m.id)?;
    let settings = super::settings::load(conn)?;
    let profile = [settings.avatar, settings.header_image]
        .into_iter()
        .flatten()
        .any(|name| name.starts_with(&m.hash));
    Ok(posts > 0 || covers > 0 || profile)
}

pub fn delete(conn: &Connection, id: MediaId) -> Result<()> {
    conn.execute("DELETE FROM media WHERE id = ?1", [id])
        .context("store: delete media")?;
    Ok(())
}
