//! Writing posts and pages: permalinks, emoji topics, and the one save operation that the admin
//! panel, the job queue (scheduled posts) and later the posting APIs share.

pub mod delete;
pub mod permalink;
pub mod save;
pub mod topics;
