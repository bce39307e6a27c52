//! Settings › Profile (`/admin/settings/profile`): the name, avatar, header image, bio and
//! rel=me links, in one form: an image chosen here is saved with the text beside it, so an
//! upload never discards what was typed.

use minijinja::Value;
use poem::web::{Data, Multipart, Query};
use poem::{Response, handler};
use serde::Serialize;

use crate::admin::{DoneQuery, FieldError};
use crate::app::App;
use crate::auth::Admin;
use crate::auth::owner::validate_display_name;
use crate::error::{Failure, Result};
use crate::forms::multipart::{FormData, UploadedFile};
use crate::media::files;
use crate::media::process::VARIANT_WIDTHS;
use crate::media::upload::{self, UploadError};
use crate::render::markdown;
use crate::store::owner as owner_store;

#[derive(Serialize)]
struct ProfileForm {
    author_name: String,
    bio: String,
    rel_me: String,
}

/// The profile as stored, as the form shows it.
async fn stored(app: &App) -> Result<ProfileForm> {
    let s = app.settings().await?;
    let author = app
        .db
        .read(owner_store::get)
        .await?
        .map(|o| o.display_name)
        .unwrap_or_default();
    Ok(ProfileForm {
        author_name: author,
        bio: s.bio.clone(),
        rel_me: s.rel_me.join("\n"),
    })
}

#[handler]
pub async fn page(
    Data(app): Data<&App>,
    admin: Admin,
    Query(q): Query<DoneQuery>,
) -> Result<Response> {
    let form = Value::from(minijinja::value::Serde(&stored(app).await?));
    super::show(app, &admin, "profile", form, None, q.done.as_deref()).await
}

/// Takes an uploaded image through the media pipeline and names the copy to use, or says why
/// it was refused.
async fn accept_image(
    app: &App,
    file: &UploadedFile,
    pick: impl Fn(&[u32]) -> Option<u32>,
) -> Result<Result<String, String>> {
    match upload::accept_file(app, file, "").await {
        Ok(media) => Ok(Ok(files::file_name(
            &media.hash,
            &media.ext,
            pick(&media.variants),
        ))),
        Err(UploadError::Refused(e)) => Ok(Err(format!("{}: {e}", file.file_name))),
        Err(e) => Err(Failure::from(e)),
    }
}

#[handler]
pub async fn save(
    Data(app): Data<&App>,
    admin: Admin,
    multipart: Multipart,
) -> poem::Result<Response> {
    let form: FormData = crate::admin::upload_form(app, &admin, multipart).await?;
    // A field the form does not carry (a script sending only an image) keeps its value.
    let kept = stored(app).await?;
    let typed = ProfileForm {
        author_name: form
            .get("author_name")
            .map_or(kept.author_name, |s| s.trim().to_string()),
        bio: form
            .get("bio")
            .map_or(kept.bio, |s| s.replace("\r\n", "\n")),
        rel_me: form.get("rel_me").map_or(kept.rel_me, str::to_string),
    };
    // A form shown again cannot hold a chosen file: say so when one was chosen.
    let chose_files = !form.files.is_empty();
    let refuse = |mut error: FieldError, typed: &ProfileForm| {
        if chose_files {
            error
                .message
                .push_str(" Nothing was saved: choose the image again.");
        }
        let form = Value::from(minijinja::value::Serde(&typed));
        super::show(app, &admin, "profile", form, Some(error), None)
    };
    if let Err(message) = validate_display_name(&typed.author_name) {
        return Ok(refuse(FieldError::on("author_name", message), &typed).await?);
    }
    let rel_me = match super::parse_links(&typed.rel_me) {
        Ok(links) => links,
        Err(message) => return Ok(refuse(FieldError::on("rel_me", message), &typed).await?),
    };
    // An avatar shows small: the grid-sized copy is plenty when there is one. Mastodon shows
    // headers about 1500 pixels wide: the large copy, or the original if it has none.
    let large = VARIANT_WIDTHS.iter().copied().max();
    let mut avatar = None;
    let mut header = None;
    for file in &form.files {
        let accepted = match file.field.as_str() {
            "avatar" => accept_image(app, file, |w| w.iter().copied().min()).await?,
            "header" => {
                accept_image(app, file, |w| w.iter().copied().find(|w| Some(*w) == large)).await?
            }
            _ => continue,
        };
        match (accepted, file.field.as_str()) {
            (Ok(name), "avatar") => avatar = Some(name),
            (Ok(name), _) => header = Some(name),
            (Err(message), "avatar") => {
                return Ok(refuse(FieldError::on("avatar", message), &typed).await?);
            }
            (Err(message), _) => {
                return Ok(refuse(FieldError::on("header", message), &typed).await?);
            }
        }
    }
    let bio: String = typed.bio.trim().chars().take(5000).collect();
    let author = typed.author_name;
    super::update(app, move |tx, s| {
        let bio_html = markdown::to_html(&bio);
        let name_changed = owner_store::get(tx)?.is_some_and(|o| o.display_name != author);
        owner_store::set_display_name(tx, &author)?;
        let changed = name_changed
            || bio_html != s.bio_html
            || rel_me != s.rel_me
            || avatar.is_some()
            || header.is_some();
        s.bio = bio;
        s.bio_html = bio_html;
        s.rel_me = rel_me;
        if avatar.is_some() {
            s.avatar = avatar;
        }
        if header.is_some() {
            s.header_image = header;
        }
        Ok(changed)
    })
    .await?;
    Ok(super::saved("profile"))
}
