//! Bookmarks: saved links with an archived readable copy, tags, notes, highlights; the public
//! page of those the owner shares.

pub mod anchor;
pub mod archive;
pub mod export;
pub mod extract;
pub mod highlights;
pub mod import;
pub mod import_file;
pub mod import_job;
pub mod normalize;
pub mod pages;
pub mod save;
