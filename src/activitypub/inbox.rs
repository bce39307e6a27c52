//! The inbox (`POST /inbox`, the actor's inbox and the shared inbox in one): verify, record,
//! dispatch, answer 202. Errors are plain text with the right status, for the sender's logs.

use poem::http::StatusCode;
use poem::web::Data;
use poem::{Body, IntoResponse, Request, Response, handler};
use serde_json::Value;

use crate::app::App;
use crate::store::{actors, blocks};

use super::convert::id_of;
use super::dispatch::{self, Context};
use super::verify::{self, Incoming, Refused};

/// The largest activity accepted. Mastodon's own limit is 1 MB; real activities are a few KB.
pub const MAX_ACTIVITY_BYTES: usize = 1024 * 1024;

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
    let Ok(bytes) = body.into_bytes_limit(MAX_ACTIVITY_BYTES).await else {
        return answer(StatusCode::PAYLOAD_TOO_LARGE, "the activity is too large");
    };
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
    let actor = match verified {
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

    let settings = match app.settings().await {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), "inbox: settings");
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
            dispatch::dispatch(tx, &cx, &activity)
        })
        .await;
    match done {
        Ok(_) => {
            app.jobs_wake.notify_one();
            answer(StatusCode::ACCEPTED, "")
        }
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

/// A Delete whose object is its own actor: an account deleting itself.
fn is_self_delete(activity: &Value, actor: &str) -> bool {
    activity.get("type").and_then(Value::as_str) == Some("Delete")
        && activity.get("object").and_then(id_of) == Some(actor)
}
