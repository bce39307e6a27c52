//! The inbox (`POST /inbox`, the actor's inbox and the shared inbox in one): read the activity,
//! verify who sent it, dispatch it, answer 202. A refusal is a `Failure`, answered as plain text
//! with its status, for the sender's logs.

use poem::http::StatusCode;
use poem::web::Data;
use poem::{Body, Request, handler};
use serde_json::Value;

use crate::app::App;
use crate::error::Failure;
use crate::store::actors::{self, Actor};
use crate::store::blocks;
use crate::store::kinds::Verb;

use super::convert::id_of;
use super::dispatch::{self, Context};
use super::remote;
use super::verify::{self, Incoming, Refused};

/// The largest activity accepted. Mastodon's own limit is 1 MB; real activities are a few KB.
pub const MAX_ACTIVITY_BYTES: usize = 1024 * 1024;
/// The longest id accepted (of the activity, its actor or its object): real ones are a URL of
/// a hundred characters or so, and ids are kept for a month to refuse replays.
const MAX_ID_CHARS: usize = 2048;

#[handler]
pub async fn receive(
    Data(app): Data<&App>,
    req: &Request,
    body: Body,
) -> Result<StatusCode, Failure> {
    let Some(activity) = read(app, req, body).await? else {
        return Ok(StatusCode::ACCEPTED);
    };
    let actor = verify_sender(app, req, &activity).await?;
    dispatch(app, actor, activity).await?;
    Ok(StatusCode::ACCEPTED)
}

/// An activity as it arrived, checked for shape.
struct Activity {
    json: Value,
    bytes: bytes::Bytes,
    /// The actor it names (not yet verified).
    actor: String,
}

/// Reads the body: the AS2 content type, the size cap, a JSON object with an actor and a type,
/// ids of sane length. None for what needs no answer but 202 (an unknown account deleting
/// itself), and a refusal for what is not an activity or comes from a blocked actor.
async fn read(app: &App, req: &Request, body: Body) -> Result<Option<Activity>, Failure> {
    let content_type = req
        .header(poem::http::header::CONTENT_TYPE)
        .unwrap_or_default();
    if !super::is_as2_content_type(content_type) {
        return Err(Failure::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send application/activity+json",
        ));
    }
    // Activities are a few kilobytes; a large (or unannounced) body is read one of a few at
    // once, its sender not yet verified.
    let slot = app.large_bodies.enter(req).await?;
    let bytes = body
        .into_bytes_limit(MAX_ACTIVITY_BYTES)
        .await
        .map_err(|_| Failure::too_large("the activity is too large"))?;
    drop(slot);
    let json: Value = match serde_json::from_slice(&bytes) {
        Ok(v @ Value::Object(_)) => v,
        _ => return Err(Failure::bad_request("the body is not a JSON object")),
    };
    let actor = json
        .get("actor")
        .and_then(id_of)
        .map(String::from)
        .ok_or_else(|| Failure::bad_request("the activity has no actor"))?;
    if json.get("type").and_then(Value::as_str).is_none() {
        return Err(Failure::bad_request("the activity has no type"));
    }
    let too_long = |v: Option<&Value>| v.and_then(id_of).is_some_and(|id| id.len() > MAX_ID_CHARS);
    if too_long(json.get("id")) || too_long(json.get("object")) || actor.len() > MAX_ID_CHARS {
        return Err(Failure::bad_request("an id is too long"));
    }
    let uri = actor.clone();
    let (blocked, known) = app
        .db
        .read(move |c| {
            Ok((
                blocks::is_blocked(c, &uri)?,
                actors::by_uri(c, &uri)?.is_some(),
            ))
        })
        .await?;
    if blocked {
        return Err(Failure::forbidden("blocked"));
    }
    // Servers announce every deleted account to everyone they know: for an actor never seen
    // there is nothing to delete, and fetching its (gone) key would be wasted work.
    if !known && is_self_delete(&json, &actor) {
        return Ok(None);
    }
    Ok(Some(Activity { json, bytes, actor }))
}

/// Who sent the activity: its signature's key checked (and fetched if new), the signer or the
/// account of its server that it speaks for, neither blocked.
async fn verify_sender(app: &App, req: &Request, activity: &Activity) -> Result<Actor, Failure> {
    let headers: Vec<(String, String)> = req
        .headers()
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
        .collect();
    let path = req.uri().path().to_string();
    let query = req.uri().query().map(String::from);
    let method = req.method().as_str().to_string();
    let authority = req
        .header(poem::http::header::HOST)
        .unwrap_or(app.config.base_url.host())
        .to_ascii_lowercase();
    let scheme = if app.config.base_url.is_https() {
        "https"
    } else {
        "http"
    };
    // Verifying may fetch a key from another server: a bounded number at once, so that a flood
    // of requests naming slow servers cannot take every blocking thread from the database.
    let _permit = app
        .federation
        .verifying
        .acquire()
        .await
        .map_err(|_| Failure::unavailable("try again later"))?;
    let (app2, claimed, body) = (app.clone(), activity.actor.clone(), activity.bytes.clone());
    let verified = tokio::task::spawn_blocking(move || {
        let incoming = Incoming {
            method: &method,
            scheme,
            authority: &authority,
            path: &path,
            query: query.as_deref(),
            headers: &headers,
            body: &body,
        };
        verify::verify(&app2, &incoming, &claimed)
    })
    .await
    .map_err(anyhow::Error::from)?;
    let signer = match verified {
        Ok(actor) => actor,
        Err(Refused::Blocked) => return Err(Failure::forbidden("blocked")),
        Err(refused) => {
            tracing::info!(actor = activity.actor, reason = %refused, "inbox: refused a request");
            return Err(Failure::unauthorized(refused.to_string()));
        }
    };
    // The signer may be another account of the actor's server (a server may sign for its
    // accounts); a blocked signer is refused whomever it claims to be.
    let (app2, claimed) = (app.clone(), activity.actor.clone());
    let sender = tokio::task::spawn_blocking(move || sender(&app2, signer, &claimed))
        .await
        .map_err(anyhow::Error::from)?;
    match sender {
        Ok(Some(actor)) => Ok(actor),
        Ok(None) => Err(Failure::forbidden("blocked")),
        Err(e) => {
            tracing::info!(
                actor = activity.actor,
                error = format!("{e:#}"),
                "inbox: unknown actor"
            );
            Err(Failure::unauthorized(
                "the activity's actor could not be fetched",
            ))
        }
    }
}

/// Parses what the activity carries (off the async threads, outside the write transaction),
/// then records and handles it in one transaction.
async fn dispatch(app: &App, actor: Actor, activity: Activity) -> Result<(), Failure> {
    let settings = app.settings().await?;
    let (json, parsed) = tokio::task::spawn_blocking(move || {
        let parsed = dispatch::read(&activity.json);
        (activity.json, parsed)
    })
    .await
    .map_err(anyhow::Error::from)?;
    let base = app.config.base_url.clone();
    let uri = actor.uri.clone();
    app.db
        .write(move |tx| {
            let cx = Context {
                base: &base,
                settings: &settings,
                actor: &actor,
            };
            dispatch::dispatch(tx, &cx, &json, parsed)
        })
        .await
        .map_err(|e| {
            tracing::error!(
                error = format!("{e:#}"),
                actor = uri,
                "inbox: dispatch failed"
            );
            Failure::new(StatusCode::INTERNAL_SERVER_ERROR, "try again later")
        })?;
    Ok(())
}

/// The actor an activity is handled as: the verified signer, or the account of the same server
/// it speaks for (fetched if new). None when either is blocked.
fn sender(app: &App, signer: Actor, claimed: &str) -> anyhow::Result<Option<Actor>> {
    if app
        .db
        .read_blocking(|c| blocks::is_blocked(c, &signer.uri))?
    {
        return Ok(None);
    }
    if signer.uri == claimed {
        return Ok(Some(signer));
    }
    match app.db.read_blocking(|c| actors::by_uri(c, claimed))? {
        Some(known) => Ok(Some(known)),
        None => remote::fetch_actor_blocking(app, claimed).map(Some),
    }
}

/// A Delete whose object is its own actor: an account deleting itself.
fn is_self_delete(activity: &Value, actor: &str) -> bool {
    activity
        .get("type")
        .and_then(Value::as_str)
        .and_then(Verb::parse)
        == Some(Verb::Delete)
        && activity.get("object").and_then(id_of) == Some(actor)
}
