//! Saving the composer (POST /admin/posts): new photos are taken in first, then the post is
//! saved in one transaction. A refused save shows the form again with everything the owner
//! typed, so nothing they wrote is lost.

use poem::http::StatusCode;
use poem::web::{Data, Multipart, Redirect};
use poem::{IntoResponse, Response, handler};

use crate::app::App;
use crate::auth::Admin;
use crate::error::{Failure, Result};
use crate::forms::multipart::FormData;
use crate::media::upload::{self, UploadError};
use crate::posts::publish;
use crate::posts::save::{Action, Compose};
use crate::render::time;
use crate::store::ids::{CategoryId, MediaId, PostId};
use crate::store::posts::{Kind, Status};

use super::{FieldError, compose};

/// Reads the composer's fields into a Compose; photos uploaded with the form are added by the
/// caller. An `Err` is a form no composer sends (a mangled id); a schedule with no usable date
/// is a Compose to publish, with the error the form is shown again with.
fn read_compose(
    form: &FormData,
    tz: chrono_tz::Tz,
) -> Result<(Compose, Option<FieldError>), String> {
    let id = match form.get("id").filter(|s| !s.is_empty()) {
        Some(s) => Some(
            s.parse()
                .map(PostId)
                .map_err(|_| "The post id is not valid.".to_string())?,
        ),
        None => None,
    };
    let kind = match form.get("kind") {
        Some("page") => Kind::Page,
        _ => Kind::Post,
    };
    let removed: Vec<&str> = form.all("remove_photo");
    let ids = form.all("photo_id");
    let alts = form.all("photo_alt");
    let mut photos = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        if removed.contains(id) {
            continue;
        }
        let id = id
            .parse()
            .map(MediaId)
            .map_err(|_| "A photo id is not valid.".to_string())?;
        photos.push((id, alts.get(i).copied().unwrap_or("").trim().to_string()));
    }
    let category_ids = form
        .all("category")
        .iter()
        .map(|s| s.parse().map(CategoryId))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| "A category is not valid.".to_string())?;
    let new_categories = form
        .get("new_categories")
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    // "Save draft" wins; otherwise the "When" choice (`action=schedule` is the older form's
    // way of saying it, still taken).
    let later = form.get("when") == Some("later") || form.get("action") == Some("schedule");
    let mut error = None;
    let action = match form.get("action") {
        Some("draft") => Action::Draft,
        _ if later => match time::parse_input(form.get("publish_at").unwrap_or(""), tz) {
            Some(at) => Action::Schedule(at),
            None => {
                error = Some(FieldError::on(
                    "publish_at",
                    "Pick a date and time to schedule the post for.",
                ));
                Action::Publish
            }
        },
        _ => Action::Publish,
    };
    let compose = Compose {
        id,
        kind,
        title: form.get("title").unwrap_or("").to_string(),
        // Browsers send textarea line breaks as CRLF; store them as the owner sees them.
        markdown: form.get("markdown").unwrap_or("").replace("\r\n", "\n"),
        category_ids,
        new_categories,
        photos,
        action,
        in_nav: form.get("in_nav").is_some(),
        nav_order: form
            .get("nav_order")
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0),
        content_warning: form.get("content_warning").unwrap_or("").to_string(),
        in_reply_to: form.get("in_reply_to").unwrap_or("").to_string(),
        bookmark_of: form.get("bookmark_of").unwrap_or("").to_string(),
        slug: String::new(),
        summary: form.get("summary").unwrap_or("").to_string(),
    };
    Ok((compose, error))
}

#[handler]
pub async fn submit(
    Data(app): Data<&App>,
    admin: Admin,
    multipart: Multipart,
) -> poem::Result<Response> {
    let form = super::upload_form(app, &admin, multipart).await?;
    let settings = app.settings().await.map_err(Failure::from)?;
    let tz = time::zone(&settings.timezone);
    let (mut compose, error) = match read_compose(&form, tz) {
        Ok(read) => read,
        Err(message) => return Err(Failure::bad_request(message).into()),
    };

    // The post's status before this save: a refused save shows it, a save of a public post is
    // an update.
    let before = current_status(app, compose.id).await?;
    let alts = form.all("photo_file_alt");
    let mut refused_files = Vec::new();
    for (i, file) in form
        .files
        .iter()
        .filter(|f| f.field == "photo_file")
        .enumerate()
    {
        let alt = alts.get(i).copied().unwrap_or("").trim().to_string();
        match upload::accept_file(app, file, &alt).await {
            Ok(media) => compose.photos.push((media.id, alt)),
            Err(UploadError::Refused(e)) => {
                refused_files.push(format!("{}: {e}", file.file_name));
            }
            Err(e) => return Err(Failure::from(e).into()),
        }
    }
    // Photos taken in are kept (in the form shown again) even when the save is refused.
    let upload_error =
        (!refused_files.is_empty()).then(|| FieldError::on("photos", refused_files.join(" ")));
    if let Some(error) = upload_error.or(error) {
        return Ok(refused(app, &admin, &compose, before, error).await?);
    }

    let scheduled = matches!(compose.action, Action::Schedule(_));
    let saved = match publish::publish(app, compose.clone()).await {
        Ok(saved) => saved,
        // The owner's input cannot be saved: the form again, with what was typed and why.
        Err(refused) if refused.status() == StatusCode::BAD_REQUEST => {
            let error = FieldError::from(&refused);
            return Ok(self::refused(app, &admin, &compose, before, error).await?);
        }
        Err(failure) => return Err(failure.into()),
    };
    let list = match (saved.kind, saved.status) {
        (Kind::Page, _) => "/admin/pages",
        (_, Status::Draft | Status::Scheduled) => "/admin/drafts",
        _ => "/admin",
    };
    // Scheduled for a time already past, it was published at once with that date: its own
    // screen says so, with the date, rather than a bare "Published."
    if scheduled && saved.status == Status::Published {
        let edit = format!("/admin/posts/{}?done=backdated", saved.id);
        return Ok(Redirect::see_other(edit).into_response());
    }
    let done = match saved.status {
        Status::Draft => "draft",
        Status::Scheduled => "scheduled",
        // An edit of what is already public is an update, not a new publication.
        _ if before == Some(Status::Published) => "updated",
        _ if saved.kind == Kind::Page => "published",
        // A new post's notice links to it.
        _ => {
            return Ok(
                Redirect::see_other(format!("{list}?done=posted&post={}", saved.id))
                    .into_response(),
            );
        }
    };
    Ok(Redirect::see_other(format!("{list}?done={done}")).into_response())
}

async fn current_status(app: &App, id: Option<PostId>) -> Result<Option<Status>> {
    let Some(id) = id else { return Ok(None) };
    let post = app
        .db
        .read(move |c| crate::store::posts::by_id(c, id))
        .await?;
    Ok(post.map(|p| p.status))
}

async fn refused(
    app: &App,
    admin: &Admin,
    compose: &Compose,
    status: Option<Status>,
    error: FieldError,
) -> Result<Response> {
    let mut response = compose::show(app, admin, compose, status, Some(error), None).await?;
    response.set_status(poem::http::StatusCode::UNPROCESSABLE_ENTITY);
    Ok(response)
}
