//! Sending activities. A change to a post records an activity and queues one fan-out job in the
//! same transaction; the fan-out job builds the activity, works out the inboxes (one per server
//! with a shared inbox) and queues one delivery job each. A delivery signs and POSTs, and the
//! job queue retries it with backoff for days.

use anyhow::{Context, Result, bail};
use rusqlite::Connection;
use serde_json::Value;

use crate::app::App;
use crate::config::BaseUrl;
use serde::{Deserialize, Serialize};

use crate::jobs::{self, Task};
use crate::posts::changed::PostChanged;
use crate::posts::mentions;
use crate::store::actors::Actor;
use crate::store::ids::{ActivityId, PostId};
use crate::store::kinds::Verb;
use crate::store::posts::{self, Kind, Post, Status};
use crate::store::settings::SiteSettings;
use crate::store::{self, activities, blocks, follows};

use super::{convert, remote};

/// An inbox failing for this long, without one success, is marked dead and skipped, until its
/// server sends us something again. Mastodon gives up after about a week; a personal site
/// should not keep trying a server that has gone for longer.
const DEAD_AFTER_SECS: i64 = 7 * 86400;
/// Builds an activity and queues its delivery to every follower inbox.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FanOut {
    pub activity_id: ActivityId,
}

impl Task for FanOut {
    const KIND: &'static str = "fan_out";
    const MAX_ATTEMPTS: u32 = 8;
}

/// POSTs one activity to one inbox.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deliver {
    pub activity_id: ActivityId,
    pub inbox: String,
}

impl Task for Deliver {
    const KIND: &'static str = "deliver";
    /// With the backoff capped at six hours, 20 tries span about three and a half days: a
    /// server down for a weekend still gets the post.
    const MAX_ATTEMPTS: u32 = 20;
}

/// POSTs one activity once to an inbox marked dead, to learn whether it is back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Probe {
    pub activity_id: ActivityId,
    pub inbox: String,
}

impl Task for Probe {
    const KIND: &'static str = "probe";
    const MAX_ATTEMPTS: u32 = 1;
}

/// What a change to a post means for followers: Create when it becomes public, Update when it
/// changes while public, Delete when it stops being public. Worked out from what followers were
/// last sent about it (the post-changed jobs of quick successive saves may run in any order),
/// not from the change the job names. Pages are not federated: they are the site's furniture.
///
/// With no follower, no one mentioned and no reply to make, there is nobody to tell: the
/// activity is built here (the outbox and its URL still show it) and no fan-out job is queued.
pub fn post_changed(tx: &Connection, changed: &PostChanged, base: &BaseUrl) -> Result<()> {
    let Some(post) = posts::by_id(tx, changed.post_id)? else {
        return Ok(());
    };
    if post.kind != Kind::Post {
        return Ok(());
    }
    let known = matches!(
        activities::last_about_post(tx, post.id)?,
        Some(Verb::Create | Verb::Update)
    );
    let verb = match (known, post.status == Status::Published) {
        (false, true) => Verb::Create,
        (true, true) => Verb::Update,
        (true, false) => Verb::Delete,
        (false, false) => return Ok(()),
    };
    if verb == Verb::Delete {
        activities::hide_post_activities(tx, post.id)?;
    }
    if !post.in_reply_to.is_empty() || follows::has_followers(tx)? {
        return queue(tx, verb, Some(post.id));
    }
    let mentioned = mentions::actors_in(tx, &post.markdown)?;
    if !mentioned.is_empty() {
        return queue(tx, verb, Some(post.id));
    }
    let activity_id = activities::insert(tx, verb, Some(post.id), true)?;
    let settings = store::settings::load(tx)?;
    let json = post_activity(base, &settings, activity_id, verb, &post, &mentioned, None);
    activities::set_json(tx, activity_id, &json.to_string())
}

/// The activity about a post, as it is now, naming the actors it mentions (with the author of
/// the post it replies to added to them, when that is known).
fn post_activity(
    base: &BaseUrl,
    settings: &SiteSettings,
    activity_id: ActivityId,
    kind: Verb,
    post: &Post,
    mentioned: &[Actor],
    replied: Option<&(String, Actor)>,
) -> Value {
    let mut object = match kind {
        Verb::Delete => {
            let mut gone = post.clone();
            gone.status = Status::Deleted;
            convert::post_to_object(base, settings, &gone, &[])
        }
        Verb::Update => convert::post_to_updated_object(base, settings, post, mentioned),
        _ => convert::post_to_object(base, settings, post, mentioned),
    };
    if let Some((object_id, _)) = replied
        && kind != Verb::Delete
    {
        object["inReplyTo"] = serde_json::json!(object_id);
    }
    let id = activity_url(base, activity_id);
    convert::activity(base, kind, &id, object)
}

/// Queues an activity about a post (or, with `post_id` None, about the actor) for every follower.
pub fn queue(tx: &Connection, verb: Verb, post_id: Option<PostId>) -> Result<()> {
    let activity_id = activities::insert(tx, verb, post_id, true)?;
    jobs::enqueue(tx, &FanOut { activity_id }, store::now())?;
    Ok(())
}

/// Stores an activity addressed to some inboxes (an Accept, a Follow, a reply) and queues its
/// deliveries. `build` makes the JSON given the activity's URL.
pub fn send_to(
    tx: &Connection,
    base: &BaseUrl,
    kind: Verb,
    build: impl FnOnce(String) -> Value,
    inboxes: &[String],
    public: bool,
) -> Result<ActivityId> {
    let activity_id = activities::insert(tx, kind, None, public)?;
    let json = build(activity_url(base, activity_id));
    activities::set_json(tx, activity_id, &json.to_string())?;
    for inbox in inboxes {
        jobs::enqueue(
            tx,
            &Deliver {
                activity_id,
                inbox: inbox.clone(),
            },
            store::now(),
        )?;
    }
    Ok(activity_id)
}

/// Where something public of the owner's goes: each follower server once, and the people it
/// mentions (unless blocked).
pub fn audience_inboxes(tx: &Connection, mentioned: &[Actor]) -> Result<Vec<String>> {
    let mut inboxes = follows::follower_inboxes(tx)?;
    for actor in mentioned {
        let inbox = actor.delivery_inbox().to_string();
        if !inboxes.contains(&inbox) && !blocks::is_blocked(tx, &actor.uri)? {
            inboxes.push(inbox);
        }
    }
    Ok(inboxes)
}

/// The URL of an activity this site sent.
pub fn activity_url(base: &BaseUrl, id: ActivityId) -> String {
    base.join(&format!("/activities/{id}"))
}

/// The fan-out job: builds the activity from the post as it is now, and queues a delivery to
/// each follower inbox that is alive and not blocked.
pub async fn fan_out(app: &App, FanOut { activity_id }: FanOut) -> Result<()> {
    let settings = app.settings().await?;
    // A post replying to a post elsewhere: find that post's id and author first (a fetch, so
    // outside the transaction), to thread the reply there and tell its author.
    let in_reply_to = app
        .db
        .read(move |c| {
            let (_, post_id) = activities::kind_and_post(c, activity_id)?;
            Ok(match post_id {
                Some(id) => posts::by_id(c, id)?
                    .map(|p| p.in_reply_to)
                    .unwrap_or_default(),
                None => String::new(),
            })
        })
        .await?;
    let replied = if in_reply_to.is_empty() {
        None
    } else {
        remote::reply_target(app, &in_reply_to).await
    };
    let app2 = app.clone();
    let queued = app
        .db
        .write(move |tx| {
            let base = &app2.config.base_url;
            let (kind, post_id) = activities::kind_and_post(tx, activity_id)?;
            let id = activity_url(base, activity_id);
            let mut mentioned = Vec::new();
            let json = match post_id {
                Some(post_id) => {
                    let post = posts::by_id(tx, post_id)?.context("fan-out: the post is gone")?;
                    mentioned = mentions::actors_in(tx, &post.markdown)?;
                    if let Some((_, author)) = &replied
                        && !mentioned.iter().any(|a| a.uri == author.uri)
                    {
                        mentioned.push(author.clone());
                    }
                    post_activity(
                        base,
                        &settings,
                        activity_id,
                        kind,
                        &post,
                        &mentioned,
                        replied.as_ref(),
                    )
                }
                None if kind == Verb::Move => {
                    let me = super::actor_id(base);
                    serde_json::json!({
                        "@context": convert::context(),
                        "id": id,
                        "type": "Move",
                        "actor": me,
                        "object": me,
                        "target": settings.moved_to,
                    })
                }
                None => {
                    // An Update of the actor: its profile changed.
                    let owner = store::owner::get(tx)?.context("fan-out: no owner")?;
                    let created_at = store::owner::created_at(tx)?.unwrap_or_default();
                    let actor = convert::owner_to_actor(
                        base,
                        &owner,
                        &settings,
                        &app2.federation.key.public_pem,
                        created_at,
                    );
                    convert::activity(base, kind, &id, actor)
                }
            };
            activities::set_json(tx, activity_id, &json.to_string())?;
            let dead = activities::dead_inboxes(tx)?;
            let inboxes = audience_inboxes(tx, &mentioned)?;
            let mut queued = 0;
            for inbox in inboxes {
                if blocks::is_blocked(tx, &inbox)? {
                    continue;
                }
                // A dead inbox gets each new activity once, without retries: when its server
                // is back, the first success brings it back to life.
                if dead.contains(&inbox) {
                    jobs::enqueue(tx, &Probe { activity_id, inbox }, store::now())?;
                } else {
                    jobs::enqueue(tx, &Deliver { activity_id, inbox }, store::now())?;
                }
                queued += 1;
            }
            Ok(queued)
        })
        .await?;
    tracing::debug!(
        activity_id = activity_id.0,
        queued,
        "fan-out queued deliveries"
    );
    Ok(())
}

/// The delivery job: signs and POSTs one activity to one inbox. With `retry` false (a probe of
/// a dead inbox) a failure is recorded and not retried.
pub async fn deliver(app: &App, activity_id: ActivityId, inbox: String, retry: bool) -> Result<()> {
    let target = inbox.clone();
    let found = app
        .db
        .read(move |c| {
            // A domain blocked since the delivery was queued gets nothing.
            let blocked = blocks::is_blocked(c, &target)?;
            Ok(activities::json(c, activity_id)?.filter(|_| !blocked))
        })
        .await?;
    let Some((json, _)) = found else {
        return Ok(());
    };
    let answer = remote::post_signed(app, &inbox, json.into_bytes()).await;
    let outcome = match answer.map(|a| (a.status, a.retry_after)) {
        Ok((status, _)) if (200..300).contains(&status) => Ok(()),
        // Gone: the account or server is no more; its followers here go with it.
        Ok((410, _)) => Err(Outcome::Gone),
        // Refused for good (the server says the request itself is wrong): retrying won't help.
        // 401 is retried, as Mastodon does: the other server may not have fetched our key yet.
        Ok((status, _)) if (400..500).contains(&status) && ![401, 408, 429].contains(&status) => {
            Err(Outcome::Refused(format!("{inbox} answered {status}")))
        }
        // Too many requests, or down for a while: it may say how long to leave it alone.
        Ok((status @ (429 | 503), wait)) => {
            Err(Outcome::Retry(format!("{inbox} answered {status}"), wait))
        }
        Ok((status, _)) => Err(Outcome::Retry(format!("{inbox} answered {status}"), None)),
        Err(e) => Err(Outcome::Retry(format!("{inbox}: {e:#}"), None)),
    };
    let inbox2 = inbox.clone();
    match outcome {
        Ok(()) => {
            app.db
                .write(move |tx| activities::delivered(tx, &inbox2))
                .await?;
            Ok(())
        }
        Err(Outcome::Gone) => {
            app.db
                .write(move |tx| {
                    for actor_id in store::actors::ids_with_inbox(tx, &inbox2)? {
                        follows::remove(tx, follows::Side::Followers, actor_id)?;
                    }
                    activities::delivery_failed(tx, &inbox2, "410 Gone", 0)?;
                    Ok(())
                })
                .await?;
            tracing::info!(inbox, "inbox is gone; its followers were removed");
            Ok(())
        }
        Err(Outcome::Refused(message)) => {
            app.db
                .write(move |tx| {
                    activities::delivery_failed(tx, &inbox2, &message, DEAD_AFTER_SECS)
                })
                .await?;
            tracing::warn!(inbox, "delivery refused; not retrying");
            Ok(())
        }
        Err(Outcome::Retry(message, wait)) => {
            let m = message.clone();
            let dead = app
                .db
                .write(move |tx| activities::delivery_failed(tx, &inbox2, &m, DEAD_AFTER_SECS))
                .await?;
            if dead {
                tracing::warn!(inbox, "inbox has failed for a week; marked dead");
            }
            if dead || !retry {
                return Ok(());
            }
            match wait {
                Some(wait) => Err(jobs::RetryAfter { wait, message }.into()),
                None => bail!(message),
            }
        }
    }
}

enum Outcome {
    Gone,
    Refused(String),
    /// Worth another try; the wait the inbox asked for, if it asked.
    Retry(String, Option<std::time::Duration>),
}
