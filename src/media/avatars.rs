//! Local copies of the avatars of people who reply (from the fediverse or by Webmention). A page
//! never asks another site for anything, so a reply's author is shown with a small square copy
//! of their icon kept under `/uploads/`, made by a job when a reply is stored, or with their
//! initials when there is no copy. The copy is made once per icon URL: the URL it came from is
//! kept beside it, and a new one is copied when the author's profile names another.

use anyhow::{Result, bail};
use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use crate::app::App;
use crate::jobs::{self, Task};
use crate::net::NetError;
use crate::store::{self, actors, ids::ActorId};

use super::{files, square};

/// Side of the stored copy: twice the 48 CSS pixels a reply shows it at, for dense screens.
pub const SIDE: u32 = 96;
/// Mastodon takes avatars of up to 8 MB; a Webmention author's photo may be any picture.
const MAX_AVATAR_BYTES: u64 = 8 * 1024 * 1024;

/// Copy an actor's icon into a local avatar, unless the copy kept was made from it already.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchAvatar {
    pub actor_id: ActorId,
}

impl Task for FetchAvatar {
    const KIND: &'static str = "fetch_avatar";
    /// A server that is down gets tries over about a quarter of an hour; the next reply of the
    /// same author asks again.
    const MAX_ATTEMPTS: u32 = 5;
}

/// For a reply just stored: queues a copy of its author's avatar unless the one kept was made
/// from the icon they name now. In the caller's transaction; one queued copy per author.
pub fn request(tx: &Connection, actor_id: ActorId) -> Result<()> {
    match actors::avatar_state(tx, actor_id)? {
        Some((icon, source)) if icon != source => queue(tx, actor_id),
        _ => Ok(()),
    }
}

/// For a profile just updated: a new copy if one was made before (someone who never replied
/// gets none) and the icon changed.
pub fn refresh(tx: &Connection, actor_id: ActorId) -> Result<()> {
    match actors::avatar_state(tx, actor_id)? {
        Some((icon, source)) if !source.is_empty() && icon != source => queue(tx, actor_id),
        _ => Ok(()),
    }
}

fn queue(tx: &Connection, actor_id: ActorId) -> Result<()> {
    let job = FetchAvatar { actor_id };
    jobs::cancel(tx, &job)?;
    jobs::enqueue(tx, &job, store::now())?;
    Ok(())
}

/// The job: fetch the icon, make the small square, record it. An icon that is gone or is not
/// an image Porch takes is recorded as giving no copy (the author's initials show); a network
/// failure or a server in trouble is tried again.
pub async fn fetch(app: &App, FetchAvatar { actor_id }: FetchAvatar) -> Result<()> {
    let Some((icon, source)) = app
        .db
        .read(move |c| actors::avatar_state(c, actor_id))
        .await?
    else {
        // The actor was removed since (blocked, or its account deleted).
        return Ok(());
    };
    if icon == source {
        return Ok(());
    }
    let file = copy(app, &icon).await?;
    app.db
        .write(move |tx| actors::set_avatar(tx, actor_id, &icon, &file))
        .await
}

/// The file name of a local copy of the image at `icon`, "" when none can be made of it; an
/// error when asking again later may do better.
async fn copy(app: &App, icon: &str) -> Result<String> {
    if icon.is_empty() {
        return Ok(String::new());
    }
    let fetched = match app.http.fetch(icon, "image/*", MAX_AVATAR_BYTES).await {
        Ok(fetched) => fetched,
        Err(e @ (NetError::Timeout | NetError::Other(_))) => bail!("avatar: fetch {icon}: {e}"),
        Err(e) => {
            tracing::info!(icon, error = %e, "avatar: not fetched");
            return Ok(String::new());
        }
    };
    match fetched.status {
        200 => {}
        408 | 429 | 500..=599 => bail!("avatar: {icon} answered {}", fetched.status),
        status => {
            tracing::info!(icon, status, "avatar: the icon is not there");
            return Ok(String::new());
        }
    }
    // Decoding and resizing take real time: off the async threads.
    let dir = app.config.media_dir();
    let made = tokio::task::spawn_blocking(move || match square::square(&fetched.body, SIDE) {
        Ok(small) => files::write_one(&dir, &small.hash, small.ext, &small.bytes).map(Some),
        Err(e) => {
            tracing::info!(error = %e, "avatar: not an image Porch takes");
            Ok(None)
        }
    })
    .await??;
    Ok(made.unwrap_or_default())
}
