//! The public site: every page a visitor sees. Each file holds one page (or a family of them);
//! `views` turns stored rows into what templates show, `cache` answers repeat requests and
//! conditional GETs, and `errors` renders the friendly 404 and 410 pages.

pub mod about;
pub mod archive;
pub mod cache;
pub mod errors;
pub mod home;
pub mod lists;
pub mod page_cache;
pub mod photos;
pub mod post_show;
pub mod search;
pub mod statics;
pub mod views;
