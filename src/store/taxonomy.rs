//! Categories (the owner's own) and the emoji topics found in posts.

use anyhow::{Context, Result};
use rusqlite::{Connection, OptionalExtension, Row};
use serde::Serialize;

use super::ids::CategoryId;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Category {
    pub id: CategoryId,
    pub name: String,
    pub slug: String,
}

fn from_row(r: &Row) -> rusqlite::Result<Category> {
    Ok(Category {
        id: r.get("id")?,
        name: r.get("name")?,
        slug: r.get("slug")?,
    })
}

pub fn categories(conn: &Connection) -> Result<Vec<Category>> {
    let mut stmt =
        conn.prepare_cached("SELECT id, name, slug FROM categories ORDER BY name COLLATE NOCASE")?;
    let rows = stmt.query_map([], from_row)?;
    rows.collect::<rusqlite::Result<_>>()
        .context("store: list categories")
}

/// Every category with how many posts (of any status but deleted) it holds, for the panel.
pub fn categories_with_counts(conn: &Connection) -> Result<Vec<(Category, u32)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT c.id, c.name, c.slug,
                (SELECT count(*) FROM post_categories pc JOIN posts p ON p.id = pc.post_id
                 WHERE pc.category_id = c.id AND p.status <> 'deleted') AS posts
         FROM categories c ORDER BY c.name COLLATE NOCASE",
    )?;
    let rows = stmt.query_map([], |r| Ok((from_row(r)?, r.get("posts")?)))?;
    rows.collect::<rusqlite::Result<_>>()
        .context("store: count categories")
}

/// Categories that have at least one published post, for the public category list.
pub fn categories_in_use(conn: &Connection) -> Result<Vec<Category>> {
    let mut stmt = conn.prepare_cached(
        "SELECT c.id, c.name, c.slug FROM categories c
         WHERE EXISTS (SELECT 1 FROM post_categories pc JOIN posts p ON p.id = pc.post_id
                       WHERE pc.category_id = c.id AND p.status = 'published' AND p.kind = 'post')
         ORDER BY c.name COLLATE NOCASE",
    )?;
    let rows = stmt.query_map([], from_row)?;
    rows.collect::<rusqlite::Result<_>>()
        .context("store: list categories in use")
}

pub fn category_by_slug(conn: &Connection, slug: &str) -> Result<Option<Category>> {
    conn.query_row(
        "SELECT id, name, slug FROM categories WHERE slug = ?1",
        [slug],
        from_row,
    )
    .optional()
    .context("store: find category")
}

/// The category with this slug, created with `name` if there is none yet.
pub fn ensure_category(conn: &Connection, name: &str, slug: &str) -> Result<CategoryId> {
    conn.execute(
        "INSERT INTO categories (name, slug) VALUES (?1, ?2) ON CONFLICT (slug) DO NOTHING",
        (name, slug),
    )
    .context("store: create category")?;
    conn.query_row("SELECT id FROM categories WHERE slug = ?1", [slug], |r| {
        r.get(0)
    })
    .context("store: find category")
}

/// Renames a category; false when there is no such category.
pub fn rename_category(conn: &Connection, id: CategoryId, name: &str) -> Result<bool> {
    let changed = conn
        .execute("UPDATE categories SET name = ?2 WHERE id = ?1", (id, name))
        .context("store: rename category")?;
    Ok(changed > 0)
}

/// Removes a category; its posts stay, without it. False when there is no such category.
pub fn delete_category(conn: &Connection, id: CategoryId) -> Result<bool> {
    let changed = conn
        .execute("DELETE FROM categories WHERE id = ?1", [id])
        .context("store: delete category")?;
    Ok(changed > 0)
}

/// The emoji that have at least one published post.
pub fn topics_in_use(conn: &Connection) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT t.topic FROM post_topics t JOIN posts p ON p.id = t.post_id
         WHERE p.status = 'published' AND p.kind = 'post'",
    )?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    rows.collect::<rusqlite::Result<_>>()
        .context("store: list topics")
}
