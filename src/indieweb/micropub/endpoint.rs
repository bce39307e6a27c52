//! `/micropub`: GET answers queries, POST creates, updates, deletes and undeletes.

use poem::http::{StatusCode, header};
use poem::web::Data;
use poem::{Body, IntoResponse, Request, Response, handler};
use serde_json::{Value, json};

use std::sync::{Arc, Mutex};

use crate::app::App;
use crate::books::{read_post, shelf};
use crate::error::Failure;
use crate::posts::delete as remove;
use crate::posts::publish;
use crate::store::posts::{self as post_store, Kind, Status};
use crate::store::taxonomy;

use super::create::{self, location, post_by_url};
use super::request::{self, Props};
use super::{authorize, bearer, bookmark, both_tokens, invalid, require, source, update};

/// Posts listed per `q=source` page when the app gives no limit, and the most it may ask for.
const DEFAULT_LIMIT: u32 = 20;
const MAX_LIMIT: u32 = 100;

fn json_ok(body: &Value) -> Response {
    crate::indieweb::private_json(StatusCode::OK, body)
}

/// The query parameters, with `properties[]` and `properties` both read.
fn query_pairs(req: &Request) -> Vec<(String, String)> {
    serde_urlencoded::from_str(req.uri().query().unwrap_or_default()).unwrap_or_default()
}

fn param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

#[handler]
pub async fn query(Data(app): Data<&App>, req: &Request) -> Response {
    crate::indieweb::oauth(answer_query(app, req).await)
}

async fn answer_query(app: &App, req: &Request) -> Result<Response, Failure> {
    let pairs = query_pairs(req);
    let from_query = param(&pairs, "access_token").map(String::from);
    let header_token = bearer(req);
    if header_token.is_some() && from_query.is_some() {
        return Ok(both_tokens());
    }
    let token = authorize(app, header_token.or(from_query).as_deref()).await?;
    let base = app.config.base_url.clone();
    match param(&pairs, "q") {
        Some("config") => {
            let settings = app.settings().await?;
            Ok(json_ok(&json!({
                "media-endpoint": base.join("/micropub/media"),
                "syndicate-to": [],
                "destination": [{ "uid": base.join("/"), "name": settings.title }],
                "post-types": [
                    { "type": "note", "name": "Note" },
                    { "type": "article", "name": "Article" },
                    { "type": "photo", "name": "Photo" },
                    { "type": "reply", "name": "Reply" },
                    { "type": "bookmark", "name": "Bookmark" },
                    { "type": "read", "name": "Read" },
                ],
                "q": ["config", "source", "syndicate-to", "category"],
            })))
        }
        Some("syndicate-to") => Ok(json_ok(&json!({ "syndicate-to": [] }))),
        Some("category") => {
            // Category names can be a draft's: private, like `q=source`.
            require(&token, crate::auth::tokens::READ_SCOPES)?;
            let filter = param(&pairs, "filter")
                .or(param(&pairs, "search"))
                .unwrap_or_default()
                .to_lowercase();
            let names: Vec<String> = app
                .db
                .read(taxonomy::categories)
                .await?
                .into_iter()
                .map(|c| c.name)
                .filter(|n| n.to_lowercase().contains(&filter))
                .collect();
            Ok(json_ok(&json!({ "categories": names })))
        }
        Some("source") => {
            // Drafts are private: only a token that writes posts reads them back, not one an
            // app was given to sign the owner in (`profile`) or to upload (`media`).
            require(&token, crate::auth::tokens::READ_SCOPES)?;
            let only: Vec<String> = pairs
                .iter()
                .filter(|(k, _)| k == "properties[]" || k == "properties")
                .map(|(_, v)| v.clone())
                .collect();
            match param(&pairs, "url") {
                Some(url) => {
                    let url = url.to_string();
                    let base2 = base.clone();
                    let post = app
                        .db
                        .read(move |c| post_by_url(c, &base2, &url))
                        .await?
                        .filter(|p| p.status != Status::Deleted)
                        .ok_or_else(|| invalid("There is no post at that URL."))?;
                    Ok(json_ok(&source::source(&base, &post, &only)))
                }
                None => {
                    let limit = param(&pairs, "limit")
                        .and_then(|l| l.parse().ok())
                        .unwrap_or(DEFAULT_LIMIT)
                        .min(MAX_LIMIT);
                    let offset = param(&pairs, "offset")
                        .and_then(|o| o.parse().ok())
                        .unwrap_or(0);
                    let statuses: &'static [Status] =
                        if param(&pairs, "post-status") == Some("draft") {
                            &[Status::Draft]
                        } else {
                            &[Status::Published]
                        };
                    let list = app
                        .db
                        .read(move |c| {
                            post_store::for_admin(c, Kind::Post, statuses, limit, offset)
                        })
                        .await?;
                    let items: Vec<Value> = list
                        .iter()
                        .map(|p| source::source(&base, p, &only))
                        .collect();
                    Ok(json_ok(&json!({ "items": items })))
                }
            }
        }
        Some(other) => Err(invalid(format!("Unknown query q={other}."))),
        None => Err(invalid("Give a query, such as q=config.")),
    }
}

#[handler]
pub async fn receive(Data(app): Data<&App>, req: &Request, body: Body) -> Response {
    crate::indieweb::oauth(act(app, req, body).await)
}

async fn act(app: &App, req: &Request, body: Body) -> Result<Response, Failure> {
    let header_token = bearer(req);
    // A token in the header is checked before the body (which may be large) is read.
    let early = match &header_token {
        Some(t) => Some(authorize(app, Some(t)).await?),
        None => None,
    };
    // Without one, the sender is unknown until the body is read: one of a few at once.
    let _slot = match early {
        Some(_) => None,
        None => app.large_bodies.enter(req).await.map_err(Failure::from)?,
    };
    let parsed = request::read(req, body, &app.config.tmp_dir()).await?;
    if header_token.is_some() && parsed.body_token.is_some() {
        return Ok(both_tokens());
    }
    let token = match early {
        Some(token) => token,
        None => authorize(app, parsed.body_token.as_deref()).await?,
    };
    let base = app.config.base_url.clone();
    match parsed.action.as_deref() {
        None | Some("create") => {
            require(&token, &["create", "draft"])?;
            if parsed.h.as_deref().unwrap_or("entry") != "entry" {
                return Err(invalid("Porch makes h-entry posts only."));
            }
            if let Some(dest) = request::first_text(&parsed.commands, "mp-destination")
                && dest != base.join("/")
            {
                return Err(invalid(format!("Unknown destination {dest}.")));
            }
            // A private bookmark is saved to the bookmarks; nothing is published.
            if let Some(url) = bookmark::wanted(&parsed.props, &parsed.commands) {
                return bookmark::save(app, url, &parsed.props).await;
            }
            let settings = app.settings().await?;
            let draft = create::compose(
                app,
                &settings,
                None,
                &parsed.props,
                &parsed.commands,
                parsed.files,
                token.has_scope("create"),
            )
            .await?;
            save(app, draft, StatusCode::CREATED).await
        }
        Some(action @ ("update" | "delete" | "undelete")) => {
            let scopes: &[&str] = match action {
                "update" => &["update"],
                "delete" => &["delete"],
                _ => &["undelete", "delete"],
            };
            require(&token, scopes)?;
            let url = parsed
                .url
                .clone()
                .ok_or_else(|| invalid("Give the url of the post."))?;
            let base2 = base.clone();
            let post = app
                .db
                .read(move |c| post_by_url(c, &base2, &url))
                .await?
                .ok_or_else(|| invalid("There is no post at that URL."))?;
            let id = post.id;
            match action {
                "delete" => {
                    let gone = app.db.write(move |tx| remove::delete(tx, id)).await?;
                    if gone.is_none() {
                        return Err(invalid("That post is already deleted."));
                    }
                    Ok(StatusCode::NO_CONTENT.into_response())
                }
                "undelete" => {
                    let settings = app.settings().await?;
                    let back = app
                        .db
                        .write(move |tx| remove::undelete(tx, &settings, id))
                        .await?;
                    if !back {
                        return Err(invalid("That post is not deleted."));
                    }
                    Ok(StatusCode::NO_CONTENT.into_response())
                }
                _ => {
                    let Some(Value::Object(body)) = &parsed.json else {
                        return Err(invalid("An update is sent as JSON."));
                    };
                    if post.status == Status::Deleted {
                        return Err(invalid("That post is deleted."));
                    }
                    let mut props: Props = source::properties(&base, &post)
                        .into_iter()
                        .filter_map(|(k, v)| match v {
                            Value::Array(values) => Some((k, values)),
                            _ => None,
                        })
                        .collect();
                    update::apply(&mut props, body)?;
                    let settings = app.settings().await?;
                    let draft = create::compose(
                        app,
                        &settings,
                        Some(&post),
                        &props,
                        &Props::new(),
                        Vec::new(),
                        token.has_scope("create"),
                    )
                    .await?;
                    save(app, draft, StatusCode::NO_CONTENT).await
                }
            }
        }
        Some(other) => Err(invalid(format!("Unknown action {other}."))),
    }
}

/// Saves through the one save path; a create answers 201 with the post's Location (202 when it
/// waits: scheduled, or held as a draft for alt text), an update 204.
async fn save(app: &App, draft: create::Draft, done: StatusCode) -> Result<Response, Failure> {
    let (others, deferred) = (draft.other_properties, draft.deferred);
    let text = Some(draft.compose.markdown.clone());
    let base = app.config.base_url.clone();
    let today = shelf::today(&app.settings().await?.timezone);
    // A read post's book is written in the build step (its text may need the book's address);
    // the properties it makes are kept by the second step, in the same transaction.
    let kept = Arc::new(Mutex::new(others));
    let kept_then = kept.clone();
    let mut compose = draft.compose;
    let read = draft.read;
    let saved = publish::publish_with(
        app,
        text,
        move |tx| {
            if let Some(plan) = read {
                let status = plan.status();
                let book = read_post::apply(tx, plan, &today)?;
                if compose.markdown.trim().is_empty() {
                    compose.markdown = read_post::text(&book, status, &base);
                }
                if compose.photos.is_empty()
                    && let Some(cover) = &book.cover
                {
                    compose.photos = vec![(cover.media_id, format!("Cover of {}", book.title))];
                }
                let mut others = kept.lock().unwrap_or_else(|p| p.into_inner());
                *others = read_post::merged(&others, &book, status, &base);
            }
            Ok(compose)
        },
        move |tx, saved| {
            let others = kept_then.lock().unwrap_or_else(|p| p.into_inner()).clone();
            post_store::set_other_properties(tx, saved.id, &others)
        },
    )
    .await?;
    if done == StatusCode::NO_CONTENT {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let id = saved.id;
    let post = app
        .db
        .read(move |c| post_store::by_id(c, id))
        .await?
        .ok_or_else(|| Failure::from(anyhow::anyhow!("micropub: saved post vanished")))?;
    let status = if deferred || saved.status == Status::Scheduled {
        StatusCode::ACCEPTED
    } else {
        StatusCode::CREATED
    };
    Ok(Response::builder()
        .status(status)
        .header(header::LOCATION, location(&app.config.base_url, &post))
        .finish())
}
