//! Webmention (W3C Recommendation): other sites tell this one that they link to a post, and
//! this site tells the pages its posts link to.
//!
//! - `receive`: the endpoint `POST /webmention`: synchronous checks, then a verification job.
//! - `verify`: that job: fetch the source and store what it says: a reply (moderated, in the
//!   post's conversation) or a private notification.
//! - `mention`: reading a fetched source: the link, and its microformats.
//! - `send`: after a post changes, discover each linked page's endpoint and notify it.
//! - `discover`: endpoint discovery from a page's headers and HTML.
//!
//! Every public page advertises the endpoint: a `<link rel="webmention">` in the theme's
//! `base.html`, and on the home page and permalinks an HTTP `Link` header (`indieweb::Discovery`).

pub mod discover;
pub mod mention;
pub mod receive;
pub mod send;
pub mod verify;

pub use send::post_changed;

use crate::store::ids::PostId;
use crate::store::kinds::NotificationKind;

/// The endpoint's path, which pages advertise.
pub const PATH: &str = "/webmention";

/// What a received Webmention says about the post it names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Reply,
    Like,
    Repost,
    Bookmark,
    Mention,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::Reply,
        Kind::Like,
        Kind::Repost,
        Kind::Bookmark,
        Kind::Mention,
    ];

    /// The notification kind, shared with ActivityPub's (a repost is a boost).
    pub fn notification(self) -> NotificationKind {
        match self {
            Kind::Reply => NotificationKind::Reply,
            Kind::Like => NotificationKind::Like,
            Kind::Repost => NotificationKind::Announce,
            Kind::Bookmark => NotificationKind::Bookmark,
            Kind::Mention => NotificationKind::Mention,
        }
    }

    /// The notification's `activity_uri`: stable for one source, post and kind, so that the
    /// same Webmention sent again notifies once, and a source that goes away can take it back.
    pub fn key(self, post_id: PostId, source: &str) -> String {
        format!("webmention:{}:{post_id}:{source}", self.notification())
    }
}
