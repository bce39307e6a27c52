//! Verifying a received Webmention (the job queued by the endpoint, Webmention §3.2.2): fetch
//! the source, let `mention` read it, and store what it says where ActivityPub's replies and
//! notifications already are. A source that answers 410 Gone or no longer links to the target
//! takes back what it made.

use anyhow::{Result, bail};
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use url::Url;

use crate::app::App;
use crate::jobs::Task;
use crate::net::NetError;
use crate::store::actors::{self, Actor};
use crate::store::ids::{ActorId, PostId};
use crate::store::posts::{self, Status};
use crate::store::remote_posts::{self, Moderation, NotificationWrite, RemotePostWrite};
use crate::store::{self, blocks, webmentions};

use super::Kind;
use super::mention::{self, Author, Mention, Outcome};

/// The largest source read. A page that mentions a post is an article at most; anything larger
/// is refused rather than parsed, so that no one can make this site chew on huge documents.
pub const MAX_SOURCE_BYTES: u64 = 1024 * 1024;
/// What the source is asked for: HTML first, which is where microformats are.
const ACCEPT: &str =
    "text/html, application/xhtml+xml;q=0.9, application/json;q=0.8, text/plain;q=0.5";

/// Fetch a received Webmention's source, check it links to the target, store what it says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyWebmention {
    pub source: String,
    pub target: String,
}

impl Task for VerifyWebmention {
    const KIND: &'static str = "verify_webmention";
    /// A source that is down gets tries over about a quarter of an hour: a Webmention is sent
    /// again whenever its page changes, so a long outage costs little.
    const MAX_ATTEMPTS: u32 = 6;
}

/// The job: verify `source` against `target` and store or remove what it makes.
pub async fn verify(
    app: &App,
    VerifyWebmention { source, target }: VerifyWebmention,
) -> Result<()> {
    let Ok(target_url) = Url::parse(&target) else {
        return Ok(());
    };
    let path = target_url.path().to_string();
    let found = app
        .db
        .read(move |c| {
            Ok(posts::by_path(c, &path)?
                .filter(|p| p.status == Status::Published)
                .map(|p| (p.id, p.kind)))
        })
        .await?;
    let Some((post_id, post_kind)) = found else {
        // Deleted or unpublished since: its conversation is gone or hidden already.
        return Ok(());
    };
    let outcome = fetch_and_read(app, &source, &target).await?;
    let keys = Kind::ALL.map(|k| k.key(post_id, &source));
    match outcome {
        Outcome::Ignore(why) => {
            tracing::info!(source, target, why, "webmention ignored");
            Ok(())
        }
        Outcome::Gone => {
            app.db
                .write(move |tx| {
                    webmentions::forget_received(tx, &source, post_id, &keys, false, false)
                })
                .await
        }
        Outcome::Links(mut mention) => {
            // Pages show no conversation: a reply to one is a mention the owner is told of.
            if post_kind == posts::Kind::Page && mention.kind == Kind::Reply {
                mention.kind = Kind::Mention;
            }
            app.db
                .write(move |tx| store_mention(tx, &source, post_id, &target, &mention))
                .await
        }
    }
}

async fn fetch_and_read(app: &App, source: &str, target: &str) -> Result<Outcome> {
    let fetched = match app.http.fetch(source, ACCEPT, MAX_SOURCE_BYTES).await {
        Ok(f) => f,
        Err(e @ (NetError::Timeout | NetError::Other(_))) => {
            bail!("webmention: fetch {source}: {e}")
        }
        Err(e) => return Ok(Outcome::Ignore(e.to_string())),
    };
    match fetched.status {
        410 => return Ok(Outcome::Gone),
        200..=299 => {}
        // The source's server is in trouble: ask again later.
        500..=599 => bail!("webmention: {source} answered {}", fetched.status),
        status => return Ok(Outcome::Ignore(format!("the source answered {status}"))),
    }
    let source_url = Url::parse(&fetched.url).or_else(|_| Url::parse(source))?;
    let target = target.to_string();
    // Reading a source is parsing up to a megabyte of HTML: off the async threads.
    Ok(tokio::task::spawn_blocking(move || {
        let content_type = fetched.header("content-type").unwrap_or("text/html");
        let body = String::from_utf8_lossy(&fetched.body);
        mention::read_source(&body, content_type, &source_url, &target)
    })
    .await?)
}

/// Stores what a verified source makes for one post, replacing what it made before: a reply
/// joins the post's conversation once the owner approves it; a like, repost or bookmark is a
/// private notification; a mention is a notification with the source's text.
fn store_mention(
    tx: &Connection,
    source: &str,
    post_id: PostId,
    target: &str,
    m: &Mention,
) -> Result<()> {
    let keys = Kind::ALL.map(|k| k.key(post_id, source));
    if blocks::is_blocked(tx, &m.author.url)? {
        return webmentions::forget_received(tx, source, post_id, &keys, false, false);
    }
    // A post that came by ActivityPub under the same id is its author's to change, not a web
    // page's.
    if let Some(existing) = remote_posts::by_uri(tx, source)?
        && !existing.actor.inbox.is_empty()
    {
        return Ok(());
    }
    let actor_id = web_actor(tx, source, &m.author)?;
    let before = remote_posts::by_uri(tx, source)?;
    let others: Vec<String> = Kind::ALL
        .into_iter()
        .filter(|k| *k != m.kind)
        .map(|k| k.key(post_id, source))
        .collect();
    webmentions::forget_received(
        tx,
        source,
        post_id,
        &others,
        m.kind == Kind::Reply,
        m.kind == Kind::Mention,
    )?;
    let key = m.kind.key(post_id, source);
    let remote_post_id = match m.kind {
        Kind::Reply | Kind::Mention => {
            let reply = m.kind == Kind::Reply;
            Some(remote_posts::upsert(
                tx,
                &RemotePostWrite {
                    uri: source,
                    actor_id,
                    url: &m.url,
                    in_reply_to: target,
                    post_id: reply.then_some(post_id),
                    summary: "",
                    content_html: &m.content_html,
                    attachments: &[],
                    mentions_owner: !reply,
                    in_timeline: false,
                    // Replies from the web wait for the owner, whoever wrote them: a web page
                    // proves no identity the way a signed activity does.
                    moderation: if reply {
                        Moderation::Pending
                    } else {
                        Moderation::None
                    },
                    published_at: m.published_at.unwrap_or_else(store::now),
                    public: true,
                },
            )?)
        }
        Kind::Like | Kind::Repost | Kind::Bookmark => None,
    };
    // An approved reply whose page now says something else waits for the owner again: approval
    // was of what it said then.
    if let (Some(id), Some(old)) = (remote_post_id, &before)
        && old.moderation == Moderation::Approved
        && old.content_html != m.content_html
    {
        remote_posts::set_moderation(tx, id, Moderation::Pending)?;
    }
    // A reply may be shown under the post: its author's avatar is copied here beforehand.
    if m.kind == Kind::Reply && before.as_ref().map(|b| b.moderation) != Some(Moderation::Rejected)
    {
        crate::media::avatars::request(tx, actor_id)?;
    }
    remote_posts::notify(
        tx,
        &NotificationWrite {
            kind: m.kind.notification(),
            actor_id,
            post_id: Some(post_id),
            remote_post_id,
            activity_uri: &key,
        },
    )
}

/// The `actors` row of a web author. A page speaks only for its own site: an author URL on the
/// source's origin is that author's page; one elsewhere is not believed, and the mention is the
/// source site's (its domain is what the owner sees). A web author never merges with an
/// ActivityPub actor of the same URL, whose replies are signed.
fn web_actor(tx: &Connection, source: &str, author: &Author) -> Result<ActorId> {
    let origin = crate::urls::origin(source).unwrap_or_default();
    let own_page = crate::urls::origin(&author.url).as_deref() == Some(origin.as_str());
    let page = if own_page {
        author.url.clone()
    } else {
        format!("{origin}/")
    };
    let uri = match actors::by_uri(tx, &page)? {
        Some(existing) if !existing.inbox.is_empty() => format!("{page}#webmention"),
        _ => page.clone(),
    };
    let handle = Url::parse(&page)
        .ok()
        .and_then(|u| u.host_str().map(String::from))
        .unwrap_or_default();
    actors::upsert(
        tx,
        &Actor {
            uri,
            handle: handle.clone(),
            name: if own_page {
                author.name.chars().take(200).collect()
            } else {
                handle
            },
            url: page,
            icon: if own_page {
                author.photo.clone()
            } else {
                String::new()
            },
            inbox: String::new(),
            fetched_at: store::now(),
            ..Actor::default()
        },
    )
}
