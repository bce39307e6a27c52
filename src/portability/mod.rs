//! Moving a site in and out: the whole site as one archive (`export`), and imports of other
//! blogs' archives into posts (`bar_import`, for now the Blog Archive Format that Micro.blog and
//! Porch write). The other verticals' own formats (books, bookmarks) plug in here: the export
//! writes them into `porch/`, and the detection of a file's kind (`detect`) sends each file to
//! the reader that knows it.

pub mod bar_import;
pub mod export;
pub mod export_job;
pub mod feed;
pub mod h_feed;
pub mod import_job;
pub mod uploads;
