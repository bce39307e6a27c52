//! Bookmarks: saved links with an archived readable copy, tags, notes.

pub mod archive;
pub mod export;
pub mod extract;
pub mod normalize;
pub mod save;
