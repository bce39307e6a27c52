//! Feeds: RSS 2.0 and JSON Feed 1.1 for the whole site and each category, and the sitemap.
//! They go through the page cache like pages, so they get ETags and 304s too.

pub mod json_feed;
pub mod rss;
pub mod sitemap;
mod source;
