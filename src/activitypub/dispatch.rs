//! What each incoming activity does: one straight function per (activity, object) pair, all run
//! inside the transaction that records the activity id, so a replay changes nothing.

use anyhow::Result;
use rusqlite::Connection;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::config::BaseUrl;
use crate::jobs;
use crate::store::actors::{self, Actor};
use crate::store::follows::{self, Side};
use crate::store::ids::{ActorId, OwnReplyId, PostId, RemotePostId};
use crate::store::kinds::{NotificationKind, Verb};
use crate::store::remote_posts::{self as rp, Moderation, NotificationWrite, RemotePostWrite};
use crate::store::settings::SiteSettings;
use crate::store::{self, activities, blocks};

use super::convert::{self, id_of};
use super::delivery;
use super::following::FollowMove;

/// What the dispatcher needs besides the transaction.
pub struct Context<'a> {
    pub base: &'a BaseUrl,
    pub settings: &'a SiteSettings,
    /// The verified sender.
    pub actor: &'a Actor,
}

impl Context<'_> {
    fn me(&self) -> String {
        super::actor_id(self.base)
    }
}

/// The actor types an Update may describe (anything else updated is a post).
const ACTOR_TYPES: &[&str] = &["Person", "Service", "Application", "Group", "Organization"];

/// What an activity carries that takes parsing: a post's or a profile's HTML, sanitized. It is
/// read before the write transaction (`read`), so that the one writer waits on database work
/// only, never on a hostile sender's markup.
#[derive(Default)]
pub struct Parsed {
    post: Option<convert::RemoteObject>,
    actor: Option<Actor>,
}

/// Parses what `dispatch` will need of an activity's object (blocking: call it off the async
/// threads).
pub fn read(activity: &Value) -> Parsed {
    let verb = activity
        .get("type")
        .and_then(Value::as_str)
        .and_then(Verb::parse);
    let object = activity.get("object").unwrap_or(&Value::Null);
    let object_kind = object
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    match verb {
        Some(Verb::Update) if ACTOR_TYPES.contains(&object_kind) => Parsed {
            actor: convert::json_to_actor(object, None).ok(),
            ..Parsed::default()
        },
        Some(Verb::Create | Verb::Update) => Parsed {
            post: convert::object_to_remote_post(object),
            ..Parsed::default()
        },
        _ => Parsed::default(),
    }
}

/// Handles one verified activity. Returns false when it was seen before (nothing done).
pub fn dispatch(tx: &Connection, cx: &Context, activity: &Value, parsed: Parsed) -> Result<bool> {
    let activity_id = activity
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    // An id names something on its author's server: one from elsewhere could shadow (as a
    // "replay") the real activity that later arrives with it.
    if !activity_id.is_empty() && !crate::urls::same_origin(activity_id, &cx.actor.uri) {
        return Ok(false);
    }
    // An activity without an id is known by its content: the same bytes again (a request
    // captured and replayed within the signature's twelve hours) are a replay all the same.
    let seen_as = match activity_id {
        "" => format!(
            "urn:sha256:{}",
            hex::encode(Sha256::digest(activity.to_string()))
        ),
        id => id.to_string(),
    };
    if !activities::first_sighting(tx, &seen_as)? {
        return Ok(false);
    }
    if let Some(host) = crate::urls::host(&cx.actor.uri) {
        // The server is talking to us, so its inboxes are alive.
        activities::revive_host(tx, &host)?;
    }
    let object = activity.get("object").unwrap_or(&Value::Null);
    let kind = activity
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let object_kind = object
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    match (Verb::parse(kind), object_kind) {
        (Some(Verb::Follow), _) => follow(tx, cx, activity_id, object),
        (Some(Verb::Undo), "Follow") => undo_follow(tx, cx),
        (Some(Verb::Undo), "Like" | "Announce") => undo_reaction(tx, object),
        (Some(Verb::Undo), _) => undo_by_id(tx, cx, object),
        (Some(Verb::Accept), _) => accept(tx, cx, object),
        (Some(Verb::Reject), _) => reject(tx, cx, object),
        (Some(Verb::Update), t) if ACTOR_TYPES.contains(&t) => {
            update_actor(tx, cx, object, parsed.actor)
        }
        (Some(Verb::Create | Verb::Update), _) => {
            create_or_update(tx, cx, activity_id, parsed.post)
        }
        (Some(Verb::Delete), _) => delete(tx, cx, object),
        (Some(Verb::Like), _) => reaction(tx, cx, NotificationKind::Like, activity_id, object),
        (Some(Verb::Announce), _) => {
            reaction(tx, cx, NotificationKind::Announce, activity_id, object)
        }
        (Some(Verb::Move), _) => moved(tx, cx, activity),
        (Some(Verb::Block), _) => blocked_by(tx, cx),
        (None, _) => {
            tracing::debug!(
                kind,
                actor = cx.actor.uri,
                "ignored an activity of a kind Porch does not use"
            );
            Ok(())
        }
    }?;
    Ok(true)
}

/// Follow: accepted at once, or kept for the owner to approve when approval is on.
fn follow(tx: &Connection, cx: &Context, activity_id: &str, object: &Value) -> Result<()> {
    if id_of(object) != Some(cx.me().as_str()) || activity_id.is_empty() {
        return Ok(());
    }
    // Someone already following who follows again (Mastodon sends a new Follow when its user
    // clicks Follow anew) is accepted at once, as Mastodon does, not sent back to wait.
    let following = follows::get(tx, Side::Followers, cx.actor.id)?.is_some_and(|f| f.accepted);
    let approve = cx.settings.manually_approves_followers && !following;
    follows::put(tx, Side::Followers, cx.actor.id, activity_id, !approve)?;
    // A follow renewed is not news.
    if !following {
        let kind = if approve {
            NotificationKind::FollowRequest
        } else {
            NotificationKind::Follow
        };
        notify(tx, kind, cx.actor.id, None, None, activity_id)?;
    }
    if !approve {
        send_accept(tx, cx.base, cx.actor, activity_id)?;
    }
    Ok(())
}

/// Accepts a follow (at once, or when the owner approves it).
pub fn send_accept(
    tx: &Connection,
    base: &BaseUrl,
    follower: &Actor,
    follow_id: &str,
) -> Result<()> {
    let me = super::actor_id(base);
    let build = |id: String| {
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": id,
            "type": "Accept",
            "actor": me,
            // Mastodon matches the Follow by its id; the object carries it whole, as Mastodon's does.
            "object": { "id": follow_id, "type": "Follow", "actor": follower.uri, "object": me },
        })
    };
    delivery::send_to(
        tx,
        base,
        Verb::Accept,
        build,
        std::slice::from_ref(&follower.inbox),
        false,
    )?;
    Ok(())
}

fn undo_follow(tx: &Connection, cx: &Context) -> Result<()> {
    follows::remove(tx, Side::Followers, cx.actor.id)?;
    Ok(())
}

fn undo_reaction(tx: &Connection, object: &Value) -> Result<()> {
    if let Some(id) = id_of(object) {
        rp::unnotify(tx, id)?;
    }
    Ok(())
}

/// An Undo that names its object only by id: it may be a follow, a like or a boost.
fn undo_by_id(tx: &Connection, cx: &Context, object: &Value) -> Result<()> {
    let Some(id) = id_of(object) else {
        return Ok(());
    };
    if follows::get(tx, Side::Followers, cx.actor.id)?.is_some_and(|f| f.follow_uri == id) {
        follows::remove(tx, Side::Followers, cx.actor.id)?;
    }
    rp::unnotify(tx, id)
}

/// Accept of the owner's Follow.
fn accept(tx: &Connection, cx: &Context, object: &Value) -> Result<()> {
    if let Some(follow) = id_of(object)
        .map(|id| follows::following_by_uri(tx, id))
        .transpose()?
        .flatten()
        && follow.actor.id == cx.actor.id
    {
        follows::accept(tx, Side::Following, cx.actor.id)?;
    }
    Ok(())
}

/// Reject of the owner's Follow, or a later removal of the owner as a follower.
/// Reject of the owner's Follow (named by id, or embedded): that follow ends.
fn reject(tx: &Connection, cx: &Context, object: &Value) -> Result<()> {
    let me = cx.me();
    let ours = match id_of(object) {
        Some(id) => follows::following_by_uri(tx, id)?.is_some_and(|f| f.actor.id == cx.actor.id),
        None => false,
    } || (object.get("type").and_then(Value::as_str) == Some("Follow")
        && object.get("actor").and_then(id_of) == Some(me.as_str()));
    if ours {
        follows::remove(tx, Side::Following, cx.actor.id)?;
    }
    Ok(())
}

/// A post from elsewhere: kept if it replies in one of the owner's conversations, mentions the
/// owner, or comes from someone the owner follows; anything else is not this site's business.
fn create_or_update(
    tx: &Connection,
    cx: &Context,
    activity_id: &str,
    post: Option<convert::RemoteObject>,
) -> Result<()> {
    let Some(post) = post else {
        return Ok(());
    };
    // Only the author may create or change a post, and its id is on the author's server.
    if post.attributed_to != cx.actor.uri || !crate::urls::same_origin(&post.uri, &cx.actor.uri) {
        return Ok(());
    }
    let existing = rp::by_uri(tx, &post.uri)?;
    if let Some(old) = &existing
        && old.actor.id != cx.actor.id
    {
        return Ok(());
    }
    let me = cx.me();
    let public = post
        .audience
        .iter()
        .any(|a| a == super::PUBLIC || a == "as:Public" || a == "Public");
    // Only a public reply joins the conversation under a post; a private one is a mention.
    let post_id = conversation_of(tx, cx.base, &post.in_reply_to)?.filter(|_| public);
    let mentions_owner = post.mentions.contains(&me) || post.audience.contains(&me);
    let followed = follows::is_followed(tx, cx.actor.id)?;
    let muted = blocks::is_muted(tx, &cx.actor.uri)?;
    // Accounts of a silenced domain that the owner does not follow reach no notification.
    let quiet = muted || (!followed && blocks::is_silenced(tx, &cx.actor.uri)?);
    let in_timeline = followed && !muted;
    if post_id.is_none() && !mentions_owner && !in_timeline {
        return Ok(());
    }
    let moderation = match (post_id, &existing) {
        (None, _) => Moderation::None,
        (Some(_), Some(old)) => old.moderation,
        // Replies from people the owner follows appear at once; others wait for approval.
        (Some(_), None) if followed && !muted => Moderation::Approved,
        (Some(_), None) => Moderation::Pending,
    };
    let id = rp::upsert(
        tx,
        &RemotePostWrite {
            uri: &post.uri,
            actor_id: cx.actor.id,
            url: &post.url,
            in_reply_to: &post.in_reply_to,
            post_id,
            summary: &post.summary,
            content_html: &post.content_html,
            attachments: &post.attachments,
            mentions_owner,
            in_timeline,
            moderation,
            published_at: post.published,
            public,
        },
    )?;
    // A reply may be shown under the post: its author's avatar is copied here beforehand.
    if post_id.is_some() && moderation != Moderation::Rejected {
        crate::media::avatars::request(tx, cx.actor.id)?;
    }
    if existing.is_none() && !quiet && !activity_id.is_empty() {
        match (post_id, mentions_owner) {
            (Some(pid), _) => notify(
                tx,
                NotificationKind::Reply,
                cx.actor.id,
                Some(pid),
                Some(id),
                activity_id,
            )?,
            (None, true) => notify(
                tx,
                NotificationKind::Mention,
                cx.actor.id,
                None,
                Some(id),
                activity_id,
            )?,
            (None, false) => {}
        }
    }
    Ok(())
}

/// The owner's post whose conversation a reply joins: the post it answers, or the conversation
/// of the reply or owner's answer it answers.
fn conversation_of(tx: &Connection, base: &BaseUrl, in_reply_to: &str) -> Result<Option<PostId>> {
    if in_reply_to.is_empty() {
        return Ok(None);
    }
    if let Some(path) = in_reply_to.strip_prefix(base.as_str()) {
        if let Some(id) = path
            .strip_prefix("/replies/")
            .and_then(|n| n.parse().ok().map(OwnReplyId))
        {
            return store::own_replies::conversation(tx, id);
        }
        return rp::post_id_for_reply(tx, path);
    }
    Ok(rp::by_uri(tx, in_reply_to)?.and_then(|r| r.post_id))
}

fn update_actor(tx: &Connection, cx: &Context, object: &Value, fresh: Option<Actor>) -> Result<()> {
    if id_of(object) != Some(cx.actor.uri.as_str()) {
        return Ok(());
    }
    if let Some(mut fresh) = fresh {
        if fresh.inbox.is_empty()
            || crate::urls::origin(&fresh.inbox) != crate::urls::origin(&fresh.uri)
        {
            return Ok(());
        }
        // The key is only ever taken from a fetch, never from what an activity carries.
        fresh.key_id = cx.actor.key_id.clone();
        fresh.public_key_pem = cx.actor.public_key_pem.clone();
        let id = actors::upsert(tx, &fresh)?;
        crate::media::avatars::refresh(tx, id)?;
    }
    Ok(())
}

/// Delete of the actor itself (the account is gone: its follows and replies go with it), or of
/// one of its posts.
fn delete(tx: &Connection, cx: &Context, object: &Value) -> Result<()> {
    let Some(id) = id_of(object) else {
        return Ok(());
    };
    if id == cx.actor.uri {
        actors::delete(tx, cx.actor.id)?;
        return Ok(());
    }
    if let Some(post) = rp::by_uri(tx, id)?
        && post.actor.id == cx.actor.id
    {
        rp::delete(tx, post.id)?;
    }
    Ok(())
}

/// Likes and boosts of the owner's posts: a private notification, never a count.
fn reaction(
    tx: &Connection,
    cx: &Context,
    kind: NotificationKind,
    activity_id: &str,
    object: &Value,
) -> Result<()> {
    let Some(target) = id_of(object) else {
        return Ok(());
    };
    let Some(path) = target.strip_prefix(cx.base.as_str()) else {
        return Ok(());
    };
    if activity_id.is_empty() || blocks::is_muted(tx, &cx.actor.uri)? {
        return Ok(());
    }
    // A post of the owner's, or one of the owner's replies (noted under its conversation).
    let post_id = match path
        .strip_prefix("/replies/")
        .and_then(|n| n.parse().ok().map(OwnReplyId))
    {
        Some(reply) => store::own_replies::by_id(tx, reply)?.map(|r| r.post_id),
        None => rp::post_id_for_reply(tx, path)?.map(Some),
    };
    if let Some(post_id) = post_id {
        notify(tx, kind, cx.actor.id, post_id, None, activity_id)?;
    }
    Ok(())
}

/// An account moved. If the owner follows it, the new account is followed once it confirms the
/// move (its alsoKnownAs names the old one) — checked by a job, as it needs a fetch.
fn moved(tx: &Connection, cx: &Context, activity: &Value) -> Result<()> {
    let object = activity.get("object").and_then(id_of);
    let target = activity.get("target").and_then(id_of);
    let (Some(object), Some(target)) = (object, target) else {
        return Ok(());
    };
    if object != cx.actor.uri {
        return Ok(());
    }
    if follows::get(tx, Side::Following, cx.actor.id)?.is_some() {
        jobs::enqueue(
            tx,
            &FollowMove {
                old_actor: cx.actor.uri.clone(),
                target: target.to_string(),
            },
            store::now(),
        )?;
    }
    if let Some(activity_id) = activity.get("id").and_then(Value::as_str) {
        notify(
            tx,
            NotificationKind::Move,
            cx.actor.id,
            None,
            None,
            activity_id,
        )?;
    }
    Ok(())
}

/// Someone blocked the owner: as Mastodon does, the follows between them end.
fn blocked_by(tx: &Connection, cx: &Context) -> Result<()> {
    follows::remove(tx, Side::Followers, cx.actor.id)?;
    follows::remove(tx, Side::Following, cx.actor.id)?;
    Ok(())
}

fn notify(
    tx: &Connection,
    kind: NotificationKind,
    actor_id: ActorId,
    post_id: Option<PostId>,
    remote_post_id: Option<RemotePostId>,
    activity_uri: &str,
) -> Result<()> {
    rp::notify(
        tx,
        &NotificationWrite {
            kind,
            actor_id,
            post_id,
            remote_post_id,
            activity_uri,
        },
    )
}
