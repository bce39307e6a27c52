//! The job table: what runs for each kind of background job, read top to bottom, the way
//! `routes.rs` maps a URL to its handler. The queue (`jobs/`) knows no feature; each feature
//! defines its jobs as `Task`s beside the code that does them, and is listed here.
//!
//! A post changing is one job (`PostChanged`), fanned out below to everything that reacts to
//! it. A capability that must react to posts being published, edited or withdrawn adds one line
//! to `post_changed`.

use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};

use crate::activitypub::delivery::{self, Deliver, FanOut, Probe};
use crate::activitypub::following::{self, FollowMove};
use crate::app::App;
use crate::bookmarks::archive::{self, ArchiveBookmark};
use crate::bookmarks::import_job::{self as bookmark_import, ImportBookmarks};
use crate::books::cover::{self, FetchCover};
use crate::books::import_job::{self, ImportBooks};
use crate::books::read_post;
use crate::indieweb::webmention::send::{self, SendWebmention, SendWebmentions};
use crate::indieweb::webmention::verify::{self, VerifyWebmention};
use crate::jobs::{Task, parse};
use crate::media::avatars::{self, FetchAvatar};
use crate::portability::export_job::{self, ExportSite, RemoveExport};
use crate::portability::import_job::{self as import_posts, ImportPosts};
use crate::posts::changed::PostChanged;
use crate::posts::save::{self, PublishPost};
use crate::store::{self, activities, books, sessions};

/// Runs one job of `kind` with its `payload`.
pub async fn run(app: &App, kind: &str, payload: &str) -> Result<()> {
    match kind {
        // Posts
        PostChanged::KIND => post_changed(app, parse(payload)?).await,
        PublishPost::KIND => publish_post(app, parse(payload)?).await,

        // Federation
        FanOut::KIND => delivery::fan_out(app, parse(payload)?).await,
        Deliver::KIND => {
            let Deliver { activity_id, inbox } = parse(payload)?;
            delivery::deliver(app, activity_id, inbox, true).await
        }
        Probe::KIND => {
            let Probe { activity_id, inbox } = parse(payload)?;
            delivery::deliver(app, activity_id, inbox, false).await
        }
        FollowMove::KIND => following::follow_move(app, parse(payload)?).await,

        // Replies (from the fediverse or by Webmention): their authors' avatars, kept here
        FetchAvatar::KIND => avatars::fetch(app, parse(payload)?).await,

        // Webmention
        VerifyWebmention::KIND => verify::verify(app, parse(payload)?).await,
        SendWebmentions::KIND => send::fan_out(app, parse(payload)?).await,
        SendWebmention::KIND => send::send_one(app, parse(payload)?).await,

        // The bookshelf
        FetchCover::KIND => cover::fetch(app, parse(payload)?).await,
        ImportBooks::KIND => import_job::run(app, parse(payload)?).await,

        // Bookmarks
        ArchiveBookmark::KIND => archive::archive(app, parse(payload)?).await,
        ImportBookmarks::KIND => bookmark_import::run(app, parse(payload)?).await,

        // Moving the site in and out
        ImportPosts::KIND => import_posts::run(app, parse(payload)?).await,
        ExportSite::KIND => export_job::run(app, parse(payload)?).await,
        RemoveExport::KIND => export_job::remove(app, parse(payload)?).await,

        // Upkeep
        Housekeeping::KIND => housekeeping(app).await,

        other => bail!("no job of the kind {other:?} is known"),
    }
}

/// The post-changed fan-out: everything that reacts to a post becoming public, changing while
/// public, or being withdrawn, one line each, in one transaction. Each reads the post as it is
/// now and keeps its own record of what it did.
async fn post_changed(app: &App, changed: PostChanged) -> Result<()> {
    let base = app.config.base_url.clone();
    app.db
        .write(move |tx| {
            read_post::post_changed(tx, &changed, &base)?;
            crate::bookmarks::save::post_changed(tx, &changed)?;
            // An imported post is an old one: editing it later tells no one else either.
            if !store::imported_posts::is_imported(tx, changed.post_id)? {
                delivery::post_changed(tx, &changed, &base)?;
                crate::indieweb::webmention::post_changed(tx, &changed, base.as_str())?;
            }
            Ok(())
        })
        .await
}

/// A scheduled post whose time has come.
async fn publish_post(app: &App, PublishPost { post_id }: PublishPost) -> Result<()> {
    let settings = app.settings().await?;
    let published = app
        .db
        .write(move |tx| save::publish_due(tx, &settings, post_id))
        .await?;
    if published {
        tracing::info!(post_id = post_id.0, "published scheduled post");
    }
    Ok(())
}

/// Drop expired sessions and old activity ids; runs at each start and then daily.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Housekeeping;

impl Task for Housekeeping {
    const KIND: &'static str = "housekeeping";
    const MAX_ATTEMPTS: u32 = 8;
}

/// Activity ids are remembered this long to refuse replays: senders stop retrying within days,
/// and a signature older than 12 hours is refused anyway.
const SEEN_ACTIVITIES_SECS: i64 = 30 * 86400;

/// Open Library answers are reused for a month (see `books::lookup`), then forgotten.
const BOOK_LOOKUPS_SECS: i64 = 30 * 86400;

async fn housekeeping(app: &App) -> Result<()> {
    app.db
        .write(|tx| {
            let now = store::now();
            sessions::delete_expired(tx, now)?;
            activities::prune_seen(tx, now - SEEN_ACTIVITIES_SECS)?;
            books::prune_lookups(tx, now - BOOK_LOOKUPS_SECS)?;
            crate::jobs::enqueue(tx, &Housekeeping, now + 86400)?;
            Ok(())
        })
        .await
}
