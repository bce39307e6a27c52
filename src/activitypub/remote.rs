//! Talking to other servers: fetching actors, objects and WebFinger (every GET is signed, so
//! servers in Mastodon's authorized-fetch mode answer) and POSTing signed activities. The
//! `_blocking` functions block, for code already off the async threads (signature
//! verification); the others are their async face, which runs them off the async threads here,
//! once, so that callers need not.

use anyhow::{Context, Result, anyhow, bail};
use serde_json::Value;

use crate::app::App;
use crate::net::{self, Fetched};
use crate::store::actors::{self, Actor};

use super::convert::{self, id_of};
use super::signature::cavage;

/// Actor documents and posts are small; a megabyte is generous and bounds a hostile answer.
pub const MAX_DOCUMENT_BYTES: u64 = 1024 * 1024;

/// GETs a URL signed as the site's actor over `(request-target) host date accept`, as Mastodon
/// signs its own fetches.
pub fn signed_get(app: &App, url: &str, accept: &str) -> Result<Fetched> {
    let target = request_target(url)?;
    let host = crate::urls::authority(url).ok_or_else(|| anyhow!("{url} has no host"))?;
    let date = crate::render::time::http_date(crate::store::now());
    let fed = &app.federation;
    let signature = cavage::sign(
        &fed.key.private,
        &fed.key_id,
        &[
            ("(request-target)", format!("get {target}")),
            ("host", host),
            ("date", date.clone()),
            ("accept", accept.to_string()),
        ],
    )?;
    Ok(app.http.get_with(
        url,
        &[
            ("Accept", accept.to_string()),
            ("Date", date),
            ("Signature", signature),
        ],
        MAX_DOCUMENT_BYTES,
    )?)
}

/// The path and query of a URL, as `(request-target)` has it.
pub fn request_target(url: &str) -> Result<String> {
    let uri: poem::http::Uri = url.parse().with_context(|| format!("{url} is not a URL"))?;
    Ok(uri
        .path_and_query()
        .map_or_else(|| "/".to_string(), |pq| pq.as_str().to_string()))
}

/// Fetches an ActivityStreams document. A 410 is reported as `Gone` so callers can forget it.
pub fn fetch_json(app: &App, url: &str) -> Result<Value, FetchError> {
    let fetched = signed_get(app, url, super::ACCEPT).map_err(FetchError::Other)?;
    match fetched.status {
        200 => serde_json::from_slice(&fetched.body)
            .map_err(|e| FetchError::Other(anyhow!("{url}: not JSON: {e}"))),
        404 | 410 => Err(FetchError::Gone),
        other => Err(FetchError::Other(anyhow!("{url} answered {other}"))),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("the document is gone")]
    Gone,
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// Fetches an actor and stores what it says. The document's id must be on the same server as
/// the URL it was fetched from, or anyone could publish someone else's profile.
pub fn fetch_actor_blocking(app: &App, uri: &str) -> Result<Actor> {
    let doc = fetch_json(app, uri)?;
    save_actor(app, read_actor(uri, &doc, None)?)
}

/// Reads a fetched actor document, refusing one that speaks for another server: its id, inbox
/// and shared inbox must all be where it was fetched from, or anyone could publish someone
/// else's profile, or aim our deliveries at a third party.
fn read_actor(fetched_from: &str, doc: &Value, key_id: Option<&str>) -> Result<Actor> {
    let mut actor = convert::json_to_actor(doc, key_id)?;
    if crate::urls::origin(&actor.uri) != crate::urls::origin(fetched_from) {
        bail!(
            "{fetched_from} served an actor from another server ({})",
            actor.uri
        );
    }
    if crate::urls::origin(&actor.inbox) != crate::urls::origin(&actor.uri) {
        bail!("{} names an inbox on another server", actor.uri);
    }
    if !actor.shared_inbox.is_empty()
        && crate::urls::origin(&actor.shared_inbox) != crate::urls::origin(&actor.uri)
    {
        actor.shared_inbox.clear();
    }
    // A key id on another server is that server's to describe: a document here cannot claim
    // it (it would take over another actor's key, and fail that actor's deliveries).
    if crate::urls::origin(&actor.key_id) != crate::urls::origin(&actor.uri) {
        actor.key_id.clear();
        actor.public_key_pem.clear();
    }
    Ok(actor)
}

/// Stores an actor read from its server; returns it with its row id.
pub fn save_actor(app: &App, mut actor: Actor) -> Result<Actor> {
    actor.id = app.db.write_blocking(|tx| actors::upsert(tx, &actor))?;
    Ok(actor)
}

/// Finds the actor that owns a key id: the key id is usually the actor's URL with a fragment,
/// sometimes a separate document (`/main-key`, or a Key object) naming its `owner`. Not
/// stored: the caller stores it once a signature has verified with it.
pub fn fetch_key_owner(app: &App, key_id: &str) -> Result<Actor> {
    let doc_url = key_id.split('#').next().unwrap_or(key_id);
    let doc = fetch_json(app, doc_url)?;
    if doc.get("inbox").is_some() {
        let actor = read_actor(doc_url, &doc, Some(key_id))?;
        if actor.key_id != key_id {
            bail!("{doc_url} does not list the key {key_id}");
        }
        return Ok(actor);
    }
    let owner = doc
        .get("owner")
        .and_then(id_of)
        .ok_or_else(|| anyhow!("{key_id} is neither an actor nor a key with an owner"))?;
    if crate::urls::origin(owner) != crate::urls::origin(key_id) {
        bail!("the key {key_id} names an owner on another server");
    }
    let owner_doc = fetch_json(app, owner)?;
    let actor = read_actor(owner, &owner_doc, Some(key_id))?;
    if actor.key_id != key_id {
        bail!("{owner} does not list the key {key_id}");
    }
    Ok(actor)
}

/// Resolves `user@domain` (with or without a leading @) through WebFinger to an actor URL.
pub fn webfinger(app: &App, handle: &str) -> Result<String> {
    let handle = handle.trim().trim_start_matches('@');
    let (user, domain) = handle
        .split_once('@')
        .filter(|(u, d)| !u.is_empty() && !d.is_empty() && !d.contains(['/', '?', '#', '@']))
        .ok_or_else(|| anyhow!("{handle:?} is not a handle like name@example.social"))?;
    // Loopback peers in tests and local networks speak plain HTTP; the rest of the world HTTPS.
    let scheme = if app.config.allow_private_network && is_local(domain) {
        "http"
    } else {
        "https"
    };
    let query = serde_urlencoded::to_string([("resource", format!("acct:{user}@{domain}"))])?;
    let url = format!("{scheme}://{domain}/.well-known/webfinger?{query}");
    let fetched = app.http.get(
        &url,
        "application/jrd+json, application/json",
        MAX_DOCUMENT_BYTES,
    )?;
    if fetched.status != 200 {
        bail!(
            "no account {handle} (WebFinger answered {})",
            fetched.status
        );
    }
    let jrd: Value = serde_json::from_slice(&fetched.body).context("WebFinger: not JSON")?;
    jrd.get("links")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|l| {
            l.get("rel").and_then(Value::as_str) == Some("self")
                && l.get("type")
                    .and_then(Value::as_str)
                    .is_some_and(super::is_as2_content_type)
        })
        .and_then(|l| l.get("href").and_then(Value::as_str))
        .map(String::from)
        .ok_or_else(|| anyhow!("{handle} has no ActivityPub actor"))
}

fn is_local(domain: &str) -> bool {
    let host = domain.rsplit_once(':').map_or(domain, |(h, _)| h);
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| !net::is_public(ip))
}

/// A handle or profile URL, as the owner types it, to a stored actor (fetching it if needed).
pub fn resolve_blocking(app: &App, input: &str) -> Result<Actor> {
    let input = input.trim();
    let uri = if input.starts_with("https://") || input.starts_with("http://") {
        input.to_string()
    } else {
        webfinger(app, input)?
    };
    if let Some(known) = app.db.read_blocking(|c| actors::by_uri(c, &uri))?
        && crate::store::now() - known.fetched_at < ACTOR_FRESH_SECS
    {
        return Ok(known);
    }
    let doc = fetch_json(app, &uri)?;
    // A profile URL (https://m.example/@bob) serves the actor, whose id is the canonical URL.
    let id = doc
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or(&uri)
        .to_string();
    save_actor(app, read_actor(&id, &doc, None)?)
}

/// How long a stored actor is trusted before it is fetched again for an owner's action.
const ACTOR_FRESH_SECS: i64 = 24 * 3600;

/// What a post's `in-reply-to` URL is on the fediverse, if it is a post there: its object id
/// (a Mastodon page URL and its id differ) and its author, stored. None for a plain web page.
fn reply_target_blocking(app: &App, url: &str) -> Option<(String, Actor)> {
    let doc = fetch_json(app, url).ok()?;
    let object = convert::object_to_remote_post(&doc)?;
    if crate::urls::origin(&object.uri) != crate::urls::origin(&object.attributed_to) {
        return None;
    }
    let known = app
        .db
        .read_blocking(|c| actors::by_uri(c, &object.attributed_to))
        .ok()
        .flatten();
    let author = match known {
        Some(a) => a,
        None => fetch_actor_blocking(app, &object.attributed_to).ok()?,
    };
    Some((object.uri, author))
}

/// An answer to a delivery is never needed; read little of it.
const MAX_ANSWER_BYTES: u64 = 64 * 1024;

/// POSTs a body signed the way Mastodon verifies: rsa-sha256 over
/// `(request-target) host date digest content-type`, with a SHA-256 `Digest`.
/// What an inbox answered to a signed POST.
pub struct Posted {
    pub status: u16,
    /// How long it asked to be left alone (`Retry-After`), if it did.
    pub retry_after: Option<std::time::Duration>,
}

fn post_signed_blocking(app: &App, url: &str, body: &[u8]) -> Result<Posted> {
    let target = request_target(url)?;
    let host = crate::urls::authority(url).ok_or_else(|| anyhow!("{url} has no host"))?;
    let date = crate::render::time::http_date(crate::store::now());
    let digest = cavage::digest(body);
    let fed = &app.federation;
    let signature = cavage::sign(
        &fed.key.private,
        &fed.key_id,
        &[
            ("(request-target)", format!("post {target}")),
            ("host", host),
            ("date", date.clone()),
            ("digest", digest.clone()),
            ("content-type", super::AS2.to_string()),
        ],
    )?;
    let answer = app.http.post(
        url,
        &[
            ("Content-Type", super::AS2.to_string()),
            ("Accept", super::ACCEPT.to_string()),
            ("Date", date),
            ("Digest", digest),
            ("Signature", signature),
        ],
        body,
        MAX_ANSWER_BYTES,
    )?;
    Ok(Posted {
        status: answer.status,
        retry_after: answer.retry_after(crate::store::now()),
    })
}

// The async face.

/// Runs blocking work with the app off the async threads.
async fn off_thread<T: Send + 'static>(
    app: &App,
    work: impl FnOnce(&App) -> T + Send + 'static,
) -> Result<T> {
    let app = app.clone();
    tokio::task::spawn_blocking(move || work(&app))
        .await
        .context("remote: the request task failed")
}

/// `post_signed_blocking`, awaited: the status the inbox answered.
pub async fn post_signed(app: &App, url: &str, body: Vec<u8>) -> Result<Posted> {
    let url = url.to_string();
    off_thread(app, move |app| post_signed_blocking(app, &url, &body)).await?
}

/// `resolve_blocking`, awaited: a handle or profile URL to a stored actor.
pub async fn resolve(app: &App, input: &str) -> Result<Actor> {
    let input = input.to_string();
    off_thread(app, move |app| resolve_blocking(app, &input)).await?
}

/// `fetch_actor_blocking`, awaited.
pub async fn fetch_actor(app: &App, uri: &str) -> Result<Actor> {
    let uri = uri.to_string();
    off_thread(app, move |app| fetch_actor_blocking(app, &uri)).await?
}

/// What a post's `in-reply-to` URL is on the fediverse, if it is a post there (see
/// `reply_target_blocking`).
pub async fn reply_target(app: &App, url: &str) -> Option<(String, Actor)> {
    let url = url.to_string();
    off_thread(app, move |app| reply_target_blocking(app, &url))
        .await
        .ok()
        .flatten()
}
