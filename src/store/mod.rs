//! SQLite: the connections, the migrations, and the typed queries, one file per table family.
//! SQL lives only here.

pub mod activities;
pub mod actors;
pub mod auth_codes;
pub mod blocks;
pub mod book_status;
pub mod bookmarks;
pub mod books;
mod db;
pub mod exports;
pub mod follows;
pub mod highlights;
pub mod ids;
pub mod imported_posts;
pub mod imports;
pub mod jobs;
pub mod kinds;
pub mod media;
mod migrations;
pub mod own_replies;
pub mod owner;
pub mod panel_marks;
pub mod posts;
pub mod remote_posts;
pub mod sessions;
pub mod settings;
pub mod taxonomy;
pub mod tokens;
pub mod webmentions;

pub use db::{ContentStamp, Db, integrity_check, open_connection};

/// What someone typed into a search box, as an FTS5 query that matches every word: each word
/// quoted (so nothing typed is FTS5 syntax), split on spaces and control characters (a NUL
/// would end the query string). None when nothing is left to search for.
pub(crate) fn fts_terms(typed: &str) -> Option<String> {
    let quoted: Vec<String> = typed
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .map(|w| format!("\"{}\"", w.replace('"', "\"\"")))
        .collect();
    (!quoted.is_empty()).then(|| quoted.join(" "))
}
pub use migrations::{SCHEMA_VERSION, apply_migrations, create_fresh};

/// The current time in Unix seconds; every stored timestamp uses it.
pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}
