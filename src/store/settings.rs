//! Site settings: one JSON value per key, read into a typed struct with defaults so that a fresh
//! site works before the owner has touched the settings page.

use std::collections::HashMap;

use anyhow::{Context, Result};
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::book_status::BookStatus;

/// An emoji topic: posts containing `emoji` are collected on `/topics/<slug>/`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Topic {
    pub emoji: String,
    pub name: String,
    pub slug: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct SiteSettings {
    pub title: String,
    pub description: String,
    pub bio: String,
    /// The bio rendered from Markdown when it is saved, as posts are.
    pub bio_html: String,
    /// File name (under /uploads/) of the avatar image, if one was uploaded.
    pub avatar: Option<String>,
    /// File name of the profile's header image (Mastodon shows it across the top).
    pub header_image: Option<String>,
    /// Profile links shown with rel="me" (IndieAuth and Mastodon use them to verify the site).
    pub rel_me: Vec<String>,
    /// IANA time zone name: the dates in permalinks and on pages use it.
    pub timezone: String,
    pub topics: Vec<Topic>,
    /// Refuse to publish a photo without alt text (the default, for accessibility).
    pub require_alt: bool,
    pub posts_per_page: u32,
    /// Followers wait for the owner's approval instead of being accepted at once.
    pub manually_approves_followers: bool,
    /// Send titled posts to the fediverse as Articles (Mastodon shows a title and a link)
    /// instead of Notes carrying the whole text (the default).
    pub federate_articles: bool,
    /// Show who follows and is followed in the public collections (off: only the owner sees).
    pub reveal_follows: bool,
    /// The owner's earlier accounts (actor URLs), so that a Move from one brings its followers.
    pub also_known_as: Vec<String>,
    /// The account this one moved to, once a Move was sent: the actor points there.
    pub moved_to: String,
    /// The status shelves visitors see on `/books/` (the owner's own shelves say so each).
    pub book_shelves_public: Vec<BookStatus>,
    /// Publish a read post ("Finished reading: …") whenever a book is moved to Finished.
    pub book_post_on_finish: bool,
}

impl Default for SiteSettings {
    fn default() -> Self {
        SiteSettings {
            title: "My blog".into(),
            description: String::new(),
            bio: String::new(),
            bio_html: String::new(),
            avatar: None,
            header_image: None,
            rel_me: Vec::new(),
            timezone: "UTC".into(),
            topics: default_topics(),
            require_alt: true,
            posts_per_page: 20,
            manually_approves_followers: false,
            federate_articles: false,
            reveal_follows: false,
            also_known_as: Vec::new(),
            moved_to: String::new(),
            book_shelves_public: BookStatus::ALL
                .into_iter()
                .filter(|s| s.public_by_default())
                .collect(),
            book_post_on_finish: false,
        }
    }
}

/// The emoji topics a new site starts with, after Micro.blog's Discover topics.
fn default_topics() -> Vec<Topic> {
    [
        ("📚", "Books", "books"),
        ("🎵", "Music", "music"),
        ("📷", "Photos", "photos"),
        ("☕", "Coffee", "coffee"),
        ("🎬", "Movies", "movies"),
        ("📺", "TV", "tv"),
        ("🎮", "Games", "games"),
        ("🌱", "Gardening", "gardening"),
        ("🍳", "Cooking", "cooking"),
        ("✈️", "Travel", "travel"),
        ("🏃", "Running", "running"),
        ("🎙️", "Podcasts", "podcasts"),
    ]
    .into_iter()
    .map(|(emoji, name, slug)| Topic {
        emoji: emoji.into(),
        name: name.into(),
        slug: slug.into(),
    })
    .collect()
}

/// Keys of the site settings row set; internal keys (setup token) live beside them.
const SITE_KEYS: &[&str] = &[
    "title",
    "description",
    "bio",
    "bio_html",
    "avatar",
    "header_image",
    "rel_me",
    "timezone",
    "topics",
    "require_alt",
    "posts_per_page",
    "manually_approves_followers",
    "federate_articles",
    "reveal_follows",
    "also_known_as",
    "moved_to",
    "book_shelves_public",
    "book_post_on_finish",
];

pub fn load(conn: &Connection) -> Result<SiteSettings> {
    let mut stmt = conn.prepare_cached("SELECT key, value FROM settings")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    let mut map = serde_json::Map::new();
    for row in rows {
        let (key, value) = row?;
        if SITE_KEYS.contains(&key.as_str()) {
            let value = serde_json::from_str(&value)
                .with_context(|| format!("store: setting {key} is not JSON"))?;
            map.insert(key, value);
        }
    }
    let defaults = serde_json::to_value(SiteSettings::default())?;
    let mut merged = defaults.as_object().cloned().unwrap_or_default();
    merged.extend(map);
    serde_json::from_value(serde_json::Value::Object(merged)).context("store: read settings")
}

pub fn save(conn: &Connection, settings: &SiteSettings) -> Result<()> {
    let value = serde_json::to_value(settings)?;
    let fields: HashMap<String, serde_json::Value> = serde_json::from_value(value)?;
    let mut stmt = conn.prepare_cached(
        "INSERT INTO settings (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value WHERE value <> excluded.value",
    )?;
    for (key, value) in fields {
        stmt.execute((key, value.to_string()))
            .context("store: save setting")?;
    }
    Ok(())
}

/// An internal value that is not part of the site settings (the one-time setup token's hash).
pub fn get_raw(conn: &Connection, key: &str) -> Result<Option<String>> {
    conn.query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
        r.get(0)
    })
    .optional()
    .context("store: read setting")
}

pub fn set_raw(conn: &Connection, key: &str, value: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO settings (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, value),
    )
    .context("store: write setting")?;
    Ok(())
}

pub fn delete_raw(conn: &Connection, key: &str) -> Result<()> {
    conn.execute("DELETE FROM settings WHERE key = ?1", [key])
        .context("store: delete setting")?;
    Ok(())
}
