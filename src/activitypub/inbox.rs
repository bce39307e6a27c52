//! The inbox (`POST /inbox`, the actor's inbox and the shared inbox in one): verify, record,
//! dispatch, answer 202. Errors are plain text with the right status, for the sender's logs.

use poem::http::StatusCode;
use poem::web::Data;
use poem::{Body, IntoResponse, Request, Response, handler};
use serde_json::Value;

use crate::app::App;
use crate::store::actors::{self, Actor};
use crate::store::blocks;

use super::convert::id_of;
use super::dispatch::{self, Context};
use super::remote;
use super::verify::{self, Incoming, Refused};

/// The largest activity accepted. Mastodon's own limit is 1 MB; real activities are a few KB.
pub const MAX_ACTIVITY_BYTES: usize = 1024 * 1024;
/// The longest id accepted (of the activity, its actor or its object): real ones are a URL of
/// a hundred characters or so, and ids are kept for a month to refuse replays.
const MAX_ID_CHARS: usize = 2048;

fn answer(status: StatusCode, message: &str) -> Response {
    (status, message.to_string()).into_response()
}

#[handler]
pub async fn receive(Data(app): Data<&App>, req: &Request, body: Body) -> Response {
    let content_type = req
        .header(poem::http::header::CONTENT_TYPE)
        .unwrap_or_default();
    if !super::is_as2_content_type(content_type) {
        return answer(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send application/activity+json",
        );
    }
    // Activities are a few kilobytes; a large (or unannounced) body is read one of a few at
    // once, its sender not yet verified.
    let Ok(slot) = app.large_bodies.enter(req).await else {
        return answer(StatusCode::SERVICE_UNAVAILABLE, "busy; try again later");
    };
    let Ok(bytes) = body.into_bytes_limit(MAX_ACTIVITY_BYTES).await else {
        return answer(StatusCode::PAYLOAD_TOO_LARGE, "the activity is too large");
    };
    drop(slot);
    let activity: Value = match serde_json::from_slice(&bytes) {
        Ok(v @ Value::Object(_)) => v,
        _ => return answer(StatusCode::BAD_REQUEST, "the body is not a JSON object"),
    };
    let Some(actor_uri) = activity.get("actor").and_then(id_of).map(String::from) else {
        return answer(StatusCode::BAD_REQUEST, "the activity has no actor");
    };
    if activity.get("type").and_then(Value::as_str).is_none() {
        return answer(StatusCode::BAD_REQUEST, "the activity has no type");
    }
    let too_long = |v: Option<&Value>| v.and_then(id_of).is_some_and(|id| id.len() > MAX_ID_CHARS);
    if too_long(activity.get("id"))
        || too_long(activity.get("object"))
        || actor_uri.len() > MAX_ID_CHARS
    {
        return answer(StatusCode::BAD_REQUEST, "an id is too long");
    }
    match app
        .db
        .read({
            let uri = actor_uri.clone();
            move |c| {
                Ok((
                    blocks::is_blocked(c, &uri)?,
                    actors::by_uri(c, &uri)?.is_some(),
                ))
            }
        })
        .await
    {
        Ok((true, _)) => return answer(StatusCode::FORBIDDEN, "blocked"),
        // Servers announce every deleted account to everyone they know: for an actor never
        // seen there is nothing to delete, and fetching its (gone) key would be wasted work.
        Ok((false, false)) if is_self_delete(&activity, &actor_uri) => {
            return answer(StatusCode::ACCEPTED, "");
        }
        Ok(_) => {}
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), "inbox: store");
            return answer(StatusCode::INTERNAL_SERVER_ERROR, "try again later");
        }
    }

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
    let Ok(_permit) = app.federation.verifying.acquire().await else {
        return answer(StatusCode::SERVICE_UNAVAILABLE, "try again later");
    };
    let app2 = app.clone();
    let claimed = actor_uri.clone();
    let verified = tokio::task::spawn_blocking(move || {
        let incoming = Incoming {
            method: &method,
            scheme,
            authority: &authority,
            path: &path,
            query: query.as_deref(),
            headers: &headers,
            body: &bytes,
        };
        verify::verify(&app2, &incoming, &claimed)
    })
    .await;
    let signer = match verified {
        Ok(Ok(actor)) => actor,
        Ok(Err(Refused::Blocked)) => return answer(StatusCode::FORBIDDEN, "blocked"),
        Ok(Err(refused)) => {
            tracing::info!(actor = actor_uri, reason = %refused, "inbox: refused a request");
            return answer(StatusCode::UNAUTHORIZED, &refused.to_string());
        }
        Err(e) => {
            tracing::error!(error = %e, "inbox: verification task failed");
            return answer(StatusCode::INTERNAL_SERVER_ERROR, "try again later");
        }
    };

    // The signer may be another account of the actor's server (the issue allows a server to
    // sign for its accounts); a blocked signer is refused whomever it claims to be.
    let app2 = app.clone();
    let claimed = actor_uri.clone();
    let actor = tokio::task::spawn_blocking(move || sender(&app2, signer, &claimed)).await;
    let actor = match actor {
        Ok(Ok(Some(actor))) => actor,
        Ok(Ok(None)) => return answer(StatusCode::FORBIDDEN, "blocked"),
        Ok(Err(e)) => {
            tracing::info!(
                actor = actor_uri,
                error = format!("{e:#}"),
                "inbox: unknown actor"
            );
            return answer(
                StatusCode::UNAUTHORIZED,
                "the activity's actor could not be fetched",
            );
        }
        Err(e) => {
            tracing::error!(error = %e, "inbox: actor task failed");
            return answer(StatusCode::INTERNAL_SERVER_ERROR, "try again later");
        }
    };

    let settings = match app.settings().await {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), "inbox: settings");
            return answer(StatusCode::INTERNAL_SERVER_ERROR, "try again later");
        }
    };
    // Remote HTML is parsed and sanitized here, outside the write transaction.
    let (activity, parsed) = match tokio::task::spawn_blocking(move || {
        let parsed = dispatch::read(&activity);
        (activity, parsed)
    })
    .await
    {
        Ok(read) => read,
        Err(e) => {
            tracing::error!(error = %e, "inbox: reading the activity failed");
            return answer(StatusCode::INTERNAL_SERVER_ERROR, "try again later");
        }
    };
    let app2 = app.clone();
    let done = app
        .db
        .write(move |tx| {
            let cx = Context {
                base: &app2.config.base_url,
                settings: &settings,
                actor: &actor,
            };
            dispatch::dispatch(tx, &cx, &activity, parsed)
        })
        .await;
    match done {
        Ok(_) => answer(StatusCode::ACCEPTED, ""),
        Err(e) => {
            tracing::error!(
                error = format!("{e:#}"),
                actor = actor_uri,
                "inbox: dispatch failed"
            );
            answer(StatusCode::INTERNAL_SERVER_ERROR, "try again later")
        }
    }
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
        None => remote::fetch_actor(app, claimed).map(Some),
    }
}

/// A Delete whose object is its own actor: an account deleting itself.
fn is_self_delete(activity: &Value, actor: &str) -> bool {
    activity.get("type").and_then(Value::as_str) == Some("Delete")
        && activity.get("object").and_then(id_of) == Some(actor)
}
