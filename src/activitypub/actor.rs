//! The actor document and its collections: outbox (paged public activities), followers and
//! following (members hidden unless the owner chooses to show them), featured, a post's
//! conversation, and the activities and replies this site sent.

use poem::http::{StatusCode, header};
use poem::web::{Data, Path, Query, Redirect};
use poem::{IntoResponse, Request, Response, handler};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::app::App;
use crate::error::{Failure, Result};
use crate::paging::Page;
use crate::store::follows::{self, Side};
use crate::store::ids::{ActivityId, OwnReplyId, PostId};
use crate::store::{activities, actors, own_replies, owner, remote_posts};

use super::convert;

/// Activities per outbox page, as Mastodon pages its own.
const OUTBOX_PAGE: u32 = 20;

/// An ActivityStreams document. `Vary: Accept` because the same URLs serve HTML to browsers.
pub fn as2(value: &Value) -> Response {
    Response::builder()
        .content_type(super::AS2)
        .header(header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")
        .header(header::VARY, "Accept")
        .body(value.to_string())
}

/// The actor as JSON. Browsers asking for HTML are sent to the About page, or, once the owner
/// has moved, to the new account.
#[handler]
pub async fn actor(Data(app): Data<&App>, req: &Request) -> Result<Response> {
    let accept = req.header(header::ACCEPT).unwrap_or_default();
    if !super::wants_as2(accept) && accept.contains("text/html") {
        let moved_to = app.settings().await?.moved_to.clone();
        let to = if moved_to.is_empty() {
            "/about/".to_string()
        } else {
            moved_to
        };
        return Ok(Redirect::see_other(to).into_response());
    }
    actor_document(app).await
}

pub async fn actor_document(app: &App) -> Result<Response> {
    let (owner, created_at) = app
        .db
        .read(|c| Ok((owner::get(c)?, owner::created_at(c)?)))
        .await?;
    let owner = owner.ok_or(Failure::not_found())?;
    let settings = app.settings().await?;
    Ok(as2(&convert::owner_to_actor(
        &app.config.base_url,
        &owner,
        &settings,
        &app.federation.key.public_pem,
        created_at.unwrap_or_default(),
    )))
}

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<u32>,
}

#[handler]
pub async fn outbox(Data(app): Data<&App>, Query(q): Query<PageQuery>) -> Result<Response> {
    let base = &app.config.base_url;
    let id = base.join("/outbox");
    let total = app.db.read(activities::public_count).await?;
    let Some(page) = q.page.filter(|p| *p >= 1) else {
        return Ok(as2(&json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": id,
            "type": "OrderedCollection",
            "totalItems": total,
            "first": format!("{id}?page=1"),
            "last": format!("{id}?page={}", total.div_ceil(OUTBOX_PAGE).max(1)),
        })));
    };
    let page = Page::new(Some(page), OUTBOX_PAGE);
    let (limit, offset) = (page.fetch(), page.offset());
    let rows = app
        .db
        .read(move |c| activities::public_page(c, limit, offset))
        .await?;
    let (rows, prev, next) = page.split(rows);
    let items: Vec<Value> = rows
        .iter()
        .filter_map(|j| serde_json::from_str::<Value>(j).ok())
        .map(|mut v| {
            if let Some(o) = v.as_object_mut() {
                o.remove("@context");
            }
            v
        })
        .collect();
    let mut body = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{id}?page={}", page.number),
        "type": "OrderedCollectionPage",
        "partOf": id,
        "orderedItems": items,
    });
    if let Some(n) = next {
        body["next"] = json!(format!("{id}?page={n}"));
    }
    if let Some(p) = prev {
        body["prev"] = json!(format!("{id}?page={p}"));
    }
    Ok(as2(&body))
}

#[handler]
pub async fn followers(Data(app): Data<&App>) -> Result<Response> {
    follow_collection(app, Side::Followers, "/followers").await
}

#[handler]
pub async fn following(Data(app): Data<&App>) -> Result<Response> {
    follow_collection(app, Side::Following, "/following").await
}

/// Without the owner's say-so, a follow collection shows neither its members nor their number:
/// Porch shows no follower counts, to anyone.
async fn follow_collection(app: &App, side: Side, path: &str) -> Result<Response> {
    let id = app.config.base_url.join(path);
    let settings = app.settings().await?;
    let mut body = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": id,
        "type": "OrderedCollection",
    });
    if settings.reveal_follows {
        let members: Vec<String> = app
            .db
            .read(move |c| follows::list(c, side))
            .await?
            .into_iter()
            .filter(|f| f.accepted)
            .map(|f| f.actor.uri)
            .collect();
        body["totalItems"] = json!(members.len());
        body["orderedItems"] = json!(members);
    }
    Ok(as2(&body))
}

/// Pinned posts: Porch pins none, but Mastodon expects the collection to exist.
#[handler]
pub fn featured(Data(app): Data<&App>) -> Response {
    as2(&json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": app.config.base_url.join("/featured"),
        "type": "OrderedCollection",
        "totalItems": 0,
        "orderedItems": [],
    }))
}

/// The approved replies to one of the owner's posts, and the owner's answers in it.
#[handler]
pub async fn conversation(Data(app): Data<&App>, Path(post_id): Path<PostId>) -> Result<Response> {
    let base = app.config.base_url.clone();
    let items = app
        .db
        .read(move |c| {
            let mut items: Vec<(i64, String)> = remote_posts::approved_replies(c, post_id)?
                .into_iter()
                .map(|r| (r.published_at, r.uri))
                .collect();
            items.extend(
                own_replies::in_conversation(c, post_id)?
                    .into_iter()
                    .map(|r| (r.created_at, base.join(&format!("/replies/{}", r.id)))),
            );
            items.sort();
            Ok(items.into_iter().map(|(_, uri)| uri).collect::<Vec<_>>())
        })
        .await?;
    Ok(as2(&json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": app.config.base_url.join(&format!("/conversations/{post_id}")),
        "type": "OrderedCollection",
        "totalItems": items.len(),
        "orderedItems": items,
    })))
}

/// An activity this site sent, if it was public.
#[handler]
pub async fn activity(Data(app): Data<&App>, Path(id): Path<ActivityId>) -> Result<Response> {
    match app.db.read(move |c| activities::json(c, id)).await? {
        Some((json, true)) if json != "{}" => {
            let value: Value = serde_json::from_str(&json).map_err(anyhow::Error::from)?;
            Ok(as2(&value))
        }
        _ => Err(Failure::not_found()),
    }
}

/// One of the owner's replies, as the Note that was sent.
#[handler]
pub async fn own_reply(Data(app): Data<&App>, Path(id): Path<OwnReplyId>) -> Result<Response> {
    let (reply, mentioned) = app
        .db
        .read(move |c| {
            let reply = own_replies::by_id(c, id)?;
            let mut mentioned = Vec::new();
            for uri in reply.iter().flat_map(|r| &r.mentions) {
                mentioned.extend(actors::by_uri(c, uri)?);
            }
            Ok((reply, mentioned))
        })
        .await?;
    // A reply to a direct message was for its recipient only.
    let reply = reply.filter(|r| r.public).ok_or(Failure::not_found())?;
    let base = &app.config.base_url;
    if reply.deleted_at.is_some() {
        return Ok((
            StatusCode::GONE,
            as2(&json!({
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": base.join(&format!("/replies/{id}")),
                "type": "Tombstone",
                "formerType": "Note",
            })),
        )
            .into_response());
    }
    let mut note = convert::own_reply_to_note(base, &reply, &mentioned);
    note["@context"] = convert::context();
    Ok(as2(&note))
}
