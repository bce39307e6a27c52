//! Moving a site in and out: the whole site as one archive (`export`, and the panel's
//! `export_job`), and archives of blogs read into posts (`bar_import`, the Blog Archive Format
//! that Micro.blog and Porch write, and the panel's `import_job`). The other verticals plug
//! their own formats in: the export writes the books' and bookmarks' files into `porch/`, and
//! `porch import` sends each file to the reader that knows it.

pub mod archives;
pub mod bar_import;
pub mod export;
pub mod export_job;
pub mod feed;
pub mod h_feed;
pub mod import_job;
pub mod importer;
pub mod markdown_site;
pub mod mastodon;
pub mod shelves;
pub mod social;
pub mod uploads;
pub mod wordpress;
pub mod wxr;
