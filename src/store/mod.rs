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
pub mod follows;
pub mod ids;
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
pub use migrations::{SCHEMA_VERSION, apply_migrations, create_fresh};

/// The current time in Unix seconds; every stored timestamp uses it.
pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}
