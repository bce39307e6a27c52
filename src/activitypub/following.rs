//! What the owner does from the admin panel: follow and unfollow, approve followers, reply,
//! block. Each records its change and queues its activity in one transaction.

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::app::App;
use crate::jobs::Task;
use crate::render::markdown;
use crate::store::actors::{self, Actor};
use crate::store::blocks::{self, DomainBlock};
use crate::store::follows::{self, Side};
use crate::store::ids::{ActorId, OwnReplyId, RemotePostId};
use crate::store::kinds::Verb;
use crate::store::own_replies::{self, NewReply};
use crate::store::remote_posts;

use super::{delivery, dispatch, remote};

/// Follows a handle (`name@example.social`) or profile URL. The follow stays pending until the
/// other server accepts it.
pub async fn follow(app: &App, input: &str) -> Result<Actor> {
    let actor = remote::resolve(app, input).await?;
    if app
        .db
        .read({
            let uri = actor.uri.clone();
            move |c| blocks::is_blocked(c, &uri)
        })
        .await?
    {
        bail!("{} is blocked; unblock it first", actor.handle);
    }
    send_follow(app, actor.clone()).await?;
    Ok(actor)
}

async fn send_follow(app: &App, actor: Actor) -> Result<()> {
    let base = app.config.base_url.clone();
    app.db
        .write(move |tx| {
            let base = &base;
            let me = super::actor_id(base);
            let target = actor.uri.clone();
            let mut follow_id = String::new();
            delivery::send_to(
                tx,
                base,
                Verb::Follow,
                |id| {
                    follow_id = id.clone();
                    json!({
                        "@context": "https://www.w3.org/ns/activitystreams",
                        "id": id, "type": "Follow", "actor": me, "object": target,
                    })
                },
                std::slice::from_ref(&actor.inbox),
                false,
            )?;
            follows::put(tx, Side::Following, actor.id, &follow_id, false)
        })
        .await?;
    Ok(())
}

/// Stops following an actor, telling its server with an Undo of the Follow.
pub async fn unfollow(app: &App, actor_id: ActorId) -> Result<bool> {
    let base = app.config.base_url.clone();
    let done = app
        .db
        .write(move |tx| {
            let Some(follow) = follows::get(tx, Side::Following, actor_id)? else {
                return Ok(false);
            };
            let base = &base;
            let me = super::actor_id(base);
            delivery::send_to(
                tx,
                base,
                Verb::Undo,
                |id| {
                    json!({
                        "@context": "https://www.w3.org/ns/activitystreams",
                        "id": id, "type": "Undo", "actor": me,
                        "object": { "id": follow.follow_uri, "type": "Follow", "actor": me, "object": follow.actor.uri },
                    })
                },
                std::slice::from_ref(&follow.actor.inbox),
                false,
            )?;
            follows::remove(tx, Side::Following, actor_id)
        })
        .await?;
    Ok(done)
}

/// Approves (Accept) or refuses (Reject) a follower waiting for approval.
pub async fn decide_follower(app: &App, actor_id: ActorId, approve: bool) -> Result<bool> {
    let base = app.config.base_url.clone();
    let done = app
        .db
        .write(move |tx| {
            let Some(follow) = follows::get(tx, Side::Followers, actor_id)? else {
                return Ok(false);
            };
            // Approving someone who already follows would send them a second Accept.
            if approve && follow.accepted {
                return Ok(false);
            }
            let base = &base;
            if approve {
                follows::accept(tx, Side::Followers, actor_id)?;
                dispatch::send_accept(tx, base, &follow.actor, &follow.follow_uri)?;
            } else {
                follows::remove(tx, Side::Followers, actor_id)?;
                let me = super::actor_id(base);
                delivery::send_to(
                    tx,
                    base,
                    Verb::Reject,
                    |id| {
                        json!({
                            "@context": "https://www.w3.org/ns/activitystreams",
                            "id": id, "type": "Reject", "actor": me,
                            "object": { "id": follow.follow_uri, "type": "Follow", "actor": follow.actor.uri, "object": me },
                        })
                    },
                    std::slice::from_ref(&follow.actor.inbox),
                    false,
                )?;
            }
            Ok(true)
        })
        .await?;
    Ok(done)
}

/// Longest reply accepted: Mastodon's own limit is 500 characters; a personal server may write
/// more, but a reply box is not for essays.
const MAX_REPLY_CHARS: usize = 5000;

/// Replies to a post from elsewhere (stored in the timeline, notifications or a conversation):
/// a public Note in reply to it, mentioning its author, delivered to the author and to the
/// owner's followers.
pub async fn reply(
    app: &App,
    remote_post_id: RemotePostId,
    text: &str,
) -> Result<OwnReplyId, ReplyError> {
    let text = text.replace("\r\n", "\n");
    if text.trim().is_empty() {
        return Err(ReplyError::Invalid("Write something to reply with.".into()));
    }
    if text.chars().count() > MAX_REPLY_CHARS {
        return Err(ReplyError::Invalid(format!(
            "A reply can be {MAX_REPLY_CHARS} characters at most."
        )));
    }
    let html = markdown::to_html(&text);
    let base = app.config.base_url.clone();
    let id = app
        .db
        .write(move |tx| {
            let Some(target) = remote_posts::by_id(tx, remote_post_id)? else {
                return Ok(None);
            };
            // The answer keeps the audience of what it answers: public stays public; a direct
            // message is answered to its author alone.
            let public = target.public;
            let mentions = vec![target.actor.uri.clone()];
            let id = own_replies::insert(
                tx,
                &NewReply {
                    in_reply_to: &target.uri,
                    post_id: target.post_id.filter(|_| public),
                    markdown: &text,
                    html: &html,
                    mentions: &mentions,
                    public,
                },
            )?;
            let reply = own_replies::by_id(tx, id)?.context("reply: just written")?;
            let base = &base;
            let author = std::slice::from_ref(&target.actor);
            let note = super::convert::own_reply_to_note(base, &reply, author);
            let inboxes = if public {
                delivery::audience_inboxes(tx, author)?
            } else {
                // Private: to the author's own inbox, not through their server's shared one.
                vec![target.actor.inbox.clone()]
            };
            // Replies stay out of the outbox: it lists posts; each reply is served at its URL.
            delivery::send_to(
                tx,
                base,
                Verb::Create,
                |activity_id| super::convert::activity(base, Verb::Create, &activity_id, note),
                &inboxes,
                false,
            )?;
            Ok(Some(id))
        })
        .await
        .map_err(ReplyError::Internal)?;
    id.ok_or_else(|| ReplyError::Invalid("That post is no longer here.".into()))
}

/// Deletes one of the owner's replies: its URL answers with a Tombstone, and a Delete goes where
/// the reply went (followers and the people it mentions).
pub async fn delete_reply(app: &App, id: OwnReplyId) -> Result<bool> {
    let base = app.config.base_url.clone();
    let done = app
        .db
        .write(move |tx| {
            let Some(reply) = own_replies::by_id(tx, id)?.filter(|r| r.deleted_at.is_none()) else {
                return Ok(false);
            };
            own_replies::mark_deleted(tx, id)?;
            let base = &base;
            let mut mentioned = Vec::new();
            for uri in &reply.mentions {
                mentioned.extend(actors::by_uri(tx, uri)?);
            }
            let inboxes = delivery::audience_inboxes(tx, &mentioned)?;
            let object = json!({ "id": base.join(&format!("/replies/{id}")), "type": "Tombstone" });
            delivery::send_to(
                tx,
                base,
                Verb::Delete,
                |activity_id| super::convert::activity(base, Verb::Delete, &activity_id, object),
                &inboxes,
                true,
            )?;
            Ok(true)
        })
        .await?;
    Ok(done)
}

#[derive(Debug, thiserror::Error)]
pub enum ReplyError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Internal(anyhow::Error),
}

/// An account the owner follows moved: follow its new account if that one confirms it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowMove {
    pub old_actor: String,
    pub target: String,
}

impl Task for FollowMove {
    const KIND: &'static str = "follow_move";
    const MAX_ATTEMPTS: u32 = 8;
}

/// The job for a Move of a followed account: follow the new account if it names the old one
/// among its aliases (otherwise anyone could claim to be where an account moved), and drop the
/// old follow.
pub async fn follow_move(app: &App, FollowMove { old_actor, target }: FollowMove) -> Result<()> {
    let new = remote::fetch_actor(app, &target).await?;
    let blocked = app.db.read({
        let uri = new.uri.clone();
        move |c| blocks::is_blocked(c, &uri)
    });
    if blocked.await? {
        tracing::info!(
            old_actor,
            target,
            "a followed account moved to a blocked one; not following"
        );
        return Ok(());
    }
    if !new.also_known_as.contains(&old_actor) {
        tracing::warn!(
            old_actor,
            target,
            "a Move that the new account does not confirm was ignored"
        );
        return Ok(());
    }
    let old = app.db.read(move |c| actors::by_uri(c, &old_actor)).await?;
    send_follow(app, new).await?;
    if let Some(old) = old {
        unfollow(app, old.id).await?;
    }
    Ok(())
}

/// Blocks an actor: their follows both ways and their posts here go, and nothing they send is
/// accepted again.
pub async fn block_actor(app: &App, uri: &str) -> Result<()> {
    let uri = uri.trim().to_string();
    app.db
        .write(move |tx| {
            blocks::block_actor(tx, &uri)?;
            if let Some(actor) = actors::by_uri(tx, &uri)? {
                follows::remove(tx, Side::Followers, actor.id)?;
                follows::remove(tx, Side::Following, actor.id)?;
                remote_posts::delete_by_actor(tx, actor.id)?;
            }
            Ok(())
        })
        .await
}

/// Blocks a whole domain. Suspending forgets its actors (with their follows, replies and
/// notifications) and stops deliveries to it; silencing (Mastodon's "limit") keeps follows but
/// mutes notifications from accounts the owner does not follow; `noop` only keeps a note.
pub async fn block_domain(app: &App, block: DomainBlock) -> Result<()> {
    app.db
        .write(move |tx| {
            blocks::block_domain(tx, &block)?;
            if block.severity == "suspend" {
                for id in actors::ids_on_domain(tx, &block.domain)? {
                    actors::delete(tx, id)?;
                }
            }
            Ok(())
        })
        .await
}

/// Moves the owner's followers to another account: the new account must already list this
/// actor among its aliases (Mastodon: "Moving from a different account"), or followers' servers
/// would refuse the Move. The actor then points there (`movedTo`) and a Move goes to followers.
pub async fn move_to(app: &App, input: &str) -> Result<Actor, MoveError> {
    let me = app.federation.actor_id.clone();
    let not_found =
        |e: anyhow::Error| MoveError::Invalid(format!("That account could not be found: {e:#}"));
    let found = remote::resolve(app, input).await.map_err(not_found)?;
    // The alias is typically added just before moving (often after a first refused try), so a
    // stored copy of the account that lacks it may be stale: ask its server again.
    let target = if found.also_known_as.contains(&me) {
        found
    } else {
        remote::fetch_actor(app, &found.uri)
            .await
            .map_err(not_found)?
    };
    if !target.also_known_as.contains(&me) {
        return Err(MoveError::Invalid(format!(
            "{} does not list {me} as an alias yet. Add it there first (on Mastodon: Preferences → \
             Account → Moving from a different account), then try again.",
            target.handle
        )));
    }
    let uri = target.uri.clone();
    app.db
        .write(move |tx| {
            let mut settings = crate::store::settings::load(tx)?;
            settings.moved_to = uri;
            crate::store::settings::save(tx, &settings)?;
            delivery::queue(tx, Verb::Move, None)
        })
        .await
        .map_err(MoveError::Internal)?;
    Ok(target)
}

/// Stays here after all: the actor no longer points elsewhere, and followers' servers are told.
pub async fn cancel_move(app: &App) -> Result<()> {
    app.db
        .write(|tx| {
            let mut settings = crate::store::settings::load(tx)?;
            settings.moved_to.clear();
            crate::store::settings::save(tx, &settings)?;
            delivery::queue(tx, Verb::Update, None)
        })
        .await?;
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub enum MoveError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Internal(anyhow::Error),
}
