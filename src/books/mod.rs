//! The bookshelf: books on four status shelves and the owner's own shelves, looked up in Open
//! Library, with covers kept locally, reading goals, public pages and feeds, and Goodreads and
//! StoryGraph files in and out.

pub mod cover;
pub mod export;
pub mod feed;
pub mod goodreads_export;
pub mod import;
pub mod import_csv;
pub mod import_job;
pub mod isbn;
pub mod lookup;
pub mod open_library;
pub mod pages;
pub mod posts;
pub mod read_post;
pub mod record;
pub mod shelf;
pub mod views;
