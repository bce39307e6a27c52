//! What each kind of job does.

use anyhow::Result;

use crate::activitypub::{delivery, following};
use crate::app::App;
use crate::indieweb::webmention;
use crate::posts::save;
use crate::store::{self, activities, sessions};

use super::Job;

/// Activity ids are remembered this long to refuse replays: senders stop retrying within days,
/// and a signature older than 12 hours is refused anyway.
const SEEN_ACTIVITIES_SECS: i64 = 30 * 86400;

pub async fn run(app: &App, job: Job) -> Result<()> {
    match job {
        Job::PublishPost { post_id } => {
            let settings = app.settings().await?;
            let published = app
                .db
                .write(move |tx| save::publish_due(tx, &settings, post_id))
                .await?;
            if published {
                tracing::info!(post_id, "published scheduled post");
            }
            Ok(())
        }
        Job::FanOut { activity_id } => delivery::fan_out(app, activity_id).await,
        Job::Deliver { activity_id, inbox } => {
            delivery::deliver(app, activity_id, inbox, true).await
        }
        Job::Probe { activity_id, inbox } => {
            delivery::deliver(app, activity_id, inbox, false).await
        }
        Job::FollowMove { old_actor, target } => {
            following::follow_move(app, old_actor, target).await
        }
        Job::VerifyWebmention { source, target } => {
            webmention::verify::verify(app, source, target).await
        }
        Job::SendWebmentions { post_id } => webmention::send::fan_out(app, post_id).await,
        Job::SendWebmention { post_id, target } => {
            webmention::send::send_one(app, post_id, target).await
        }
        Job::Housekeeping => {
            app.db
                .write(|tx| {
                    let now = store::now();
                    sessions::delete_expired(tx, now)?;
                    activities::prune_seen(tx, now - SEEN_ACTIVITIES_SECS)?;
                    super::enqueue(tx, &Job::Housekeeping, now + 86400)?;
                    Ok(())
                })
                .await
        }
    }
}
