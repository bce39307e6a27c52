//! Moderation (`/admin/moderation`): replies waiting for approval, removing any reply, blocking
//! and muting actors, blocking domains, and the domain block list in Mastodon's CSV format.

use crate::ctx;
use poem::http::header;
use poem::web::{Data, Path, Query, Redirect};
use poem::{IntoResponse, Response, handler};
use serde::Deserialize;

use super::DoneQuery;
use super::timeline::RemoteView;
use crate::activitypub::following;
use crate::app::App;
use crate::auth::Admin;
use crate::auth::csrf::{AdminForm, NoFields};
use crate::error::{Failure, Result};
use crate::render::time;
use crate::store::blocks::{self, DomainBlock};
use crate::store::ids::{OwnReplyId, RemotePostId};
use crate::store::own_replies;
use crate::store::remote_posts::{self, Moderation, RemotePost};

/// Recent replies listed for removal, from others and from the owner.
const RECENT: u32 = 50;

#[handler]
pub async fn index(
    Data(app): Data<&App>,
    admin: Admin,
    Query(q): Query<DoneQuery>,
) -> Result<Response> {
    let tz = time::zone(&app.settings().await?.timezone);
    let (pending, recent, own, domains, actors, muted) = app
        .db
        .read(|c| {
            Ok((
                remote_posts::pending(c)?,
                remote_posts::recent_replies(c, RECENT)?,
                own_replies::recent(c, RECENT)?,
                blocks::domain_blocks(c)?,
                blocks::blocked_actors(c)?,
                blocks::muted_actors(c)?,
            ))
        })
        .await?;
    let view = |posts: Vec<RemotePost>| -> Vec<RemoteView> {
        posts
            .into_iter()
            .map(|post| RemoteView {
                when: time::display_date(post.published_at, tz),
                post,
            })
            .collect()
    };
    let (pending, recent) = (view(pending), view(recent));
    super::render(
        app,
        &admin,
        "moderation.html",
        "moderation",
        q.done.as_deref(),
        ctx! { pending, recent, own, domains, actors, muted },
    )
    .await
}

#[handler]
pub async fn approve(
    Data(app): Data<&App>,
    Path(id): Path<RemotePostId>,
    _f: AdminForm<NoFields>,
) -> Result<Response> {
    set(app, id, Moderation::Approved, "approved").await
}

#[handler]
pub async fn reject(
    Data(app): Data<&App>,
    Path(id): Path<RemotePostId>,
    _f: AdminForm<NoFields>,
) -> Result<Response> {
    set(app, id, Moderation::Rejected, "rejected").await
}

async fn set(app: &App, id: RemotePostId, m: Moderation, done: &str) -> Result<Response> {
    if !app
        .db
        .write(move |tx| remote_posts::set_moderation(tx, id, m))
        .await?
    {
        return Err(Failure::not_found());
    }
    Ok(Redirect::see_other(format!("/admin/moderation?done={done}")).into_response())
}

/// Removes any reply (or other post from elsewhere) for good.
#[handler]
pub async fn remove(
    Data(app): Data<&App>,
    Path(id): Path<RemotePostId>,
    _f: AdminForm<NoFields>,
) -> Result<Response> {
    if !app.db.write(move |tx| remote_posts::remove(tx, id)).await? {
        return Err(Failure::not_found());
    }
    Ok(Redirect::see_other("/admin/moderation?done=removed").into_response())
}

/// Deletes one of the owner's own replies (and tells the servers it went to).
#[handler]
pub async fn delete_own_reply(
    Data(app): Data<&App>,
    Path(id): Path<OwnReplyId>,
    _f: AdminForm<NoFields>,
) -> Result<Response> {
    if !following::delete_reply(app, id).await? {
        return Err(Failure::not_found());
    }
    Ok(Redirect::see_other("/admin/moderation?done=deleted").into_response())
}

#[derive(Deserialize)]
pub struct DomainForm {
    domain: String,
    #[serde(default)]
    severity: String,
    #[serde(default)]
    public_comment: String,
}

/// Mastodon's severities: `suspend` refuses everything, `silence` limits, `noop` is a note.
fn severity(raw: &str) -> &'static str {
    match raw {
        "silence" => "silence",
        "noop" => "noop",
        _ => "suspend",
    }
}

/// A domain as typed or pasted: a bare host name, lowercased, without scheme, path or port.
fn clean_domain(raw: &str) -> Option<String> {
    let d = raw
        .trim()
        .trim_start_matches("https://")
        .trim_start_matches("http://");
    let d = d
        .split(['/', ':'])
        .next()
        .unwrap_or_default()
        .trim_end_matches('.')
        .to_ascii_lowercase();
    let valid = !d.is_empty()
        && d.len() <= 253
        && d.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        && !d.starts_with('.');
    valid.then_some(d)
}

#[handler]
pub async fn block_domain(Data(app): Data<&App>, f: AdminForm<DomainForm>) -> Result<Response> {
    let domain = clean_domain(&f.form.domain)
        .ok_or_else(|| Failure::bad_request("That is not a domain name like example.social."))?;
    following::block_domain(
        app,
        DomainBlock {
            domain,
            severity: severity(&f.form.severity).into(),
            public_comment: f.form.public_comment.trim().chars().take(500).collect(),
        },
    )
    .await?;
    Ok(Redirect::see_other("/admin/moderation?done=blocked").into_response())
}

#[handler]
pub async fn unblock_domain(Data(app): Data<&App>, f: AdminForm<DomainForm>) -> Result<Response> {
    let domain = f.form.domain.trim().to_ascii_lowercase();
    app.db
        .write(move |tx| blocks::unblock_domain(tx, &domain))
        .await?;
    Ok(Redirect::see_other("/admin/moderation?done=unblocked").into_response())
}

#[derive(Deserialize)]
pub struct ActorForm {
    uri: String,
    #[serde(default)]
    action: String,
}

fn actor_uri(raw: &str) -> Result<String> {
    let uri = raw.trim();
    if (uri.starts_with("https://") || uri.starts_with("http://"))
        && crate::urls::host(uri).is_some()
    {
        Ok(uri.to_string())
    } else {
        Err(Failure::bad_request(
            "Give the account's URL (its actor id), such as https://example.social/users/name.",
        ))
    }
}

#[handler]
pub async fn block_actor(Data(app): Data<&App>, f: AdminForm<ActorForm>) -> Result<Response> {
    let uri = actor_uri(&f.form.uri)?;
    following::block_actor(app, &uri).await?;
    Ok(Redirect::see_other("/admin/moderation?done=blocked").into_response())
}

#[handler]
pub async fn unblock_actor(Data(app): Data<&App>, f: AdminForm<ActorForm>) -> Result<Response> {
    let uri = f.form.uri.trim().to_string();
    app.db
        .write(move |tx| blocks::unblock_actor(tx, &uri))
        .await?;
    Ok(Redirect::see_other("/admin/moderation?done=unblocked").into_response())
}

/// Mute or unmute: a muted account's posts stay out of the timeline and notifications, and its
/// replies wait for approval, but it is not told and its follow stays.
#[handler]
pub async fn mute(Data(app): Data<&App>, f: AdminForm<ActorForm>) -> Result<Response> {
    let uri = actor_uri(&f.form.uri)?;
    let muted = f.form.action != "unmute";
    app.db
        .write(move |tx| blocks::set_muted(tx, &uri, muted))
        .await?;
    let done = if muted { "muted" } else { "unmuted" };
    Ok(Redirect::see_other(format!("/admin/moderation?done={done}")).into_response())
}

/// The domain block list as Mastodon exports it.
#[handler]
pub async fn export_domains(Data(app): Data<&App>, _admin: Admin) -> Result<Response> {
    let list = app.db.read(blocks::domain_blocks).await?;
    let mut body = Vec::new();
    crate::portability::social::write_domain_blocks(&list, &mut body)?;
    Ok(Response::builder()
        .content_type("text/csv; charset=utf-8")
        .header(
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"domain_blocks.csv\"",
        )
        .header(header::CACHE_CONTROL, "no-store")
        .body(body))
}

#[derive(Deserialize)]
pub struct ImportForm {
    csv: String,
}

/// Reads a domain block list: Mastodon's CSV (with its `#domain` header), or one domain per line.
pub fn parse_domain_csv(text: &str) -> Result<Vec<DomainBlock>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut blocks = Vec::new();
    let mut columns: Option<Vec<String>> = None;
    for (n, record) in reader.records().enumerate() {
        let record = record.map_err(|e| format!("Line {}: {e}", n + 1))?;
        let first = record.get(0).unwrap_or_default().trim();
        if first.is_empty() {
            continue;
        }
        if first.starts_with('#') && columns.is_none() {
            columns = Some(
                record
                    .iter()
                    .map(|c| c.trim().trim_start_matches('#').to_string())
                    .collect(),
            );
            continue;
        }
        let field = |name: &str| {
            columns
                .as_ref()
                .and_then(|cols| cols.iter().position(|c| c == name))
                .and_then(|i| record.get(i))
                .unwrap_or_default()
                .trim()
                .to_string()
        };
        let domain = clean_domain(first)
            .ok_or_else(|| format!("Line {}: “{first}” is not a domain.", n + 1))?;
        blocks.push(DomainBlock {
            domain,
            severity: severity(&field("severity")).into(),
            public_comment: field("public_comment").chars().take(500).collect(),
        });
    }
    Ok(blocks)
}

#[handler]
pub async fn import_domains(Data(app): Data<&App>, f: AdminForm<ImportForm>) -> Result<Response> {
    let blocks = parse_domain_csv(&f.form.csv).map_err(Failure::bad_request)?;
    for block in blocks {
        following::block_domain(app, block).await?;
    }
    Ok(Redirect::see_other("/admin/moderation?done=imported").into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_mastodons_domain_block_export_and_plain_lists() {
        let csv = "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n\
                   spam.example,suspend,false,false,\"spam, lots\",false\n\
                   loud.example,silence,true,false,,false\n";
        let list = parse_domain_csv(csv).unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(list[0].domain, "spam.example");
        assert_eq!(list[0].public_comment, "spam, lots");
        assert_eq!(list[1].severity, "silence");
        let plain = parse_domain_csv("a.example\n\nhttps://B.example/\n").unwrap();
        assert_eq!(
            plain.iter().map(|b| b.domain.as_str()).collect::<Vec<_>>(),
            ["a.example", "b.example"]
        );
        assert!(parse_domain_csv("not a domain!\n").is_err());
    }
}
