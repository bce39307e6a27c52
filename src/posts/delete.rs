//! The one way a post or page is deleted (panel, Micropub, XML-RPC) and undeleted (Micropub): the
//! row stays, so a published URL answers 410 Gone and followers' servers are told.

use anyhow::Result;
use rusqlite::Connection;

use crate::jobs;
use crate::store::ids::PostId;
use crate::store::posts::{self, Post, Status};
use crate::store::settings::SiteSettings;

use super::changed;
use super::save::{self, Action, PublishPost};

/// Deletes a post or page; returns it as it was, or None if there was none to delete.
pub fn delete(tx: &Connection, id: PostId) -> Result<Option<Post>> {
    let Some(post) = posts::by_id(tx, id)?.filter(|p| p.status != Status::Deleted) else {
        return Ok(None);
    };
    jobs::cancel(tx, &PublishPost { post_id: id })?;
    posts::delete(tx, id)?;
    // Followers saw it, and the pages it linked to: they learn that it is gone.
    changed::record(tx, id, post.status == Status::Published, false)?;
    Ok(Some(post))
}

/// Brings back a deleted post at its old URL, published again (Micropub's undelete); one that
/// never had a URL comes back as a draft. Returns false if it was not deleted.
pub fn undelete(tx: &Connection, settings: &SiteSettings, id: PostId) -> Result<bool> {
    let Some(post) = posts::by_id(tx, id)?.filter(|p| p.status == Status::Deleted) else {
        return Ok(false);
    };
    // Back to a draft, then saved the one way, which indexes it and tells followers again.
    posts::set_status(tx, id, Status::Draft)?;
    let action = if post.path.is_some() {
        Action::Publish
    } else {
        Action::Draft
    };
    // It comes back as it was when it was published; alt text the owner's settings have required
    // since then must not keep it away (as for a scheduled post going out).
    let mut lenient = settings.clone();
    lenient.require_alt = false;
    save::save(tx, &lenient, &save::compose_from(&post, action))
        .map_err(|e| anyhow::anyhow!("undelete: {e}"))?;
    Ok(true)
}
