//! The media library (`/admin/media`): every uploaded image, an upload form, alt text editing,
//! its URL and Markdown to copy, what uses it ("Used in …"), and deletion of images nothing
//! uses. The composer's drag-and-drop posts here too and gets JSON back.

use crate::ctx;
use poem::http::{StatusCode, header};
use poem::web::{Data, Multipart, Path, Query, Redirect};
use poem::{IntoResponse, Request, Response, handler};
use serde::{Deserialize, Serialize};

use super::job_words;
use crate::app::App;
use crate::auth::Admin;
use crate::auth::csrf::{AdminForm, NoFields};
use crate::error::{Failure, Result};
use crate::media::files;
use crate::media::upload::{self, UploadError};
use crate::paging::Page;
use crate::render::markdown;
use crate::store::ids::MediaId;
use crate::store::media::{self, Media, Uses};
use crate::store::posts::{Kind, Status};

const PER_PAGE: u32 = 60;

#[derive(Deserialize)]
pub struct ListQuery {
    page: Option<u32>,
    done: Option<String>,
    error: Option<String>,
}

#[derive(Serialize)]
struct Item {
    id: MediaId,
    thumb: String,
    /// The original's absolute URL: what "Copy URL" copies.
    url: String,
    /// `![alt](url)`: what "Copy Markdown" copies, ready for a post's text.
    markdown: String,
    alt: String,
    width: u32,
    height: u32,
    kb: u64,
    name: String,
}

fn item(app: &App, m: &Media) -> Item {
    let url = app
        .config
        .base_url
        .join(&files::url_path(&m.hash, &m.ext, None));
    Item {
        id: m.id,
        thumb: files::fitting(m, 480),
        markdown: markdown_image(&m.alt, &url),
        url,
        alt: m.alt.clone(),
        width: m.width,
        height: m.height,
        kb: m.bytes.div_ceil(1024),
        name: m.original_name.clone(),
    }
}

/// Markdown that shows an image. Upload URLs are a hash and an extension, with nothing to
/// escape.
fn markdown_image(alt: &str, url: &str) -> String {
    format!("![{}]({url})", markdown::bracket_text(alt))
}

/// An item as the library lists it: with what uses it.
#[derive(Serialize)]
struct Listed {
    #[serde(flatten)]
    item: Item,
    uses: Vec<UseLink>,
    /// Posts past the first few, counted rather than listed.
    more_uses: usize,
}

/// One thing that uses an image, linked to where the owner can change it.
#[derive(Serialize)]
struct UseLink {
    label: String,
    /// Where it is edited; none for a deleted post.
    href: Option<String>,
    /// What else to know: "draft", "page", "deleted".
    note: String,
}

/// Posts named under an image; an image in many posts is a logo or a favourite, and the count
/// says enough about the rest.
const USES_SHOWN: usize = 5;

fn listed(app: &App, m: &Media, uses: Option<&Uses>) -> Listed {
    let mut links = Vec::new();
    let mut more_uses = 0;
    if let Some(uses) = uses {
        for post in uses.posts.iter().take(USES_SHOWN) {
            let label = job_words::post_words(post.title.as_deref(), &post.html_start)
                .unwrap_or_else(|| match post.kind {
                    Kind::Page => "Untitled page".to_string(),
                    Kind::Post => "Untitled post".to_string(),
                });
            let mut note = Vec::new();
            if post.kind == Kind::Page {
                note.push("page");
            }
            if post.status != Status::Published {
                note.push(post.status.as_str());
            }
            // A deleted post has no edit screen; it still holds the image, as it can come back.
            let href =
                (post.status != Status::Deleted).then(|| format!("/admin/posts/{}", post.id));
            links.push(UseLink {
                label,
                href,
                note: note.join(", "),
            });
        }
        more_uses = uses.posts.len().saturating_sub(USES_SHOWN);
        for (book, title) in &uses.covers {
            links.push(UseLink {
                label: format!("Cover of “{title}”"),
                href: Some(format!("/admin/books/{book}")),
                note: String::new(),
            });
        }
        for (used, label) in [(uses.avatar, "Avatar"), (uses.header_image, "Header image")] {
            if used {
                links.push(UseLink {
                    label: label.to_string(),
                    // Settings › Profile, where both are chosen.
                    href: Some("/admin/settings/profile".to_string()),
                    note: String::new(),
                });
            }
        }
    }
    Listed {
        item: item(app, m),
        uses: links,
        more_uses,
    }
}

#[handler]
pub async fn library(
    Data(app): Data<&App>,
    admin: Admin,
    Query(q): Query<ListQuery>,
) -> Result<Response> {
    let page = Page::new(q.page, PER_PAGE);
    let (found, uses) = app
        .db
        .read(move |c| {
            let found = media::list(c, page.fetch(), page.offset())?;
            // What uses each image, for the whole page at once (a fixed number of queries).
            let uses = media::uses(c, &found)?;
            Ok((found, uses))
        })
        .await?;
    let (found, prev, next) = page.split(found);
    let items: Vec<Listed> = found
        .iter()
        .map(|m| listed(app, m, uses.get(&m.id)))
        .collect();
    // Upload refusals come back as a fixed code, never as text from the URL.
    let error = match q.error.as_deref() {
        Some("in_use") => Some(
            "That image is in use (by a post, or as the avatar or header image); remove it there first.",
        ),
        _ => None,
    };
    super::render(
        app,
        &admin,
        "media.html",
        "media",
        q.done.as_deref(),
        ctx! { items, error, prev, next },
    )
    .await
}

fn wants_json(req: &Request) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"))
}

/// POST /admin/media: one or more files in the `file` field, with optional `alt`.
#[handler]
pub async fn upload_form(
    Data(app): Data<&App>,
    admin: Admin,
    req: &Request,
    multipart: Multipart,
) -> poem::Result<Response> {
    let form = super::upload_form(app, &admin, multipart).await?;
    let alt = form.get("alt").unwrap_or("").to_string();
    let json = wants_json(req);
    let mut uploaded = Vec::new();
    for file in &form.files {
        match upload::accept_file(app, file, &alt).await {
            Ok(m) => uploaded.push(item(app, &m)),
            Err(UploadError::Refused(e)) => {
                let message = format!("{}: {e}", file.file_name);
                return Ok(if json {
                    (
                        StatusCode::UNPROCESSABLE_ENTITY,
                        poem::web::Json(serde_json::json!({ "error": message })),
                    )
                        .into_response()
                } else {
                    refused_page(app, &admin, &message).await?
                });
            }
            Err(e) => return Err(Failure::from(e).into()),
        }
    }
    if uploaded.is_empty() {
        return Err(Failure::bad_request("Choose a file to upload.").into());
    }
    Ok(if json {
        (StatusCode::CREATED, poem::web::Json(uploaded)).into_response()
    } else {
        Redirect::see_other("/admin/media?done=uploaded").into_response()
    })
}

async fn refused_page(app: &App, admin: &Admin, message: &str) -> Result<Response> {
    let mut response = super::render(
        app,
        admin,
        "media.html",
        "media",
        None,
        ctx! { items => Vec::<Listed>::new(), error => message },
    )
    .await?;
    response.set_status(StatusCode::UNPROCESSABLE_ENTITY);
    Ok(response)
}

#[derive(Deserialize)]
pub struct AltForm {
    alt: String,
}

#[handler]
pub async fn set_alt(
    Data(app): Data<&App>,
    Path(id): Path<MediaId>,
    f: AdminForm<AltForm>,
) -> Result<Response> {
    let alt: String = f.form.alt.trim().chars().take(1500).collect();
    if !app.db.write(move |tx| media::set_alt(tx, id, &alt)).await? {
        return Err(Failure::not_found());
    }
    Ok(Redirect::see_other("/admin/media?done=alt").into_response())
}

/// Deletes an image that no post uses (deleted posts included: they may be restored).
#[handler]
pub async fn delete(
    Data(app): Data<&App>,
    Path(id): Path<MediaId>,
    _f: AdminForm<NoFields>,
) -> Result<Response> {
    let outcome = app
        .db
        .write(move |tx| {
            let Some(m) = media::by_id(tx, id)? else {
                return Ok(None);
            };
            if media::in_use(tx, &m)? {
                return Ok(Some(Err(())));
            }
            media::delete(tx, id)?;
            Ok(Some(Ok(m)))
        })
        .await?;
    match outcome {
        None => Err(Failure::not_found()),
        Some(Err(())) => Ok(Redirect::see_other("/admin/media?error=in_use").into_response()),
        Some(Ok(m)) => {
            let dir = app.config.media_dir();
            tokio::task::spawn_blocking(move || files::remove(&dir, &m))
                .await
                .map_err(anyhow::Error::from)?;
            Ok(Redirect::see_other("/admin/media?done=deleted").into_response())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::markdown_image;

    #[test]
    fn markdown_for_an_image_keeps_its_alt_text_inside_the_brackets() {
        let url = "https://example.org/uploads/abc.jpg";
        assert_eq!(
            markdown_image("A red barn", url),
            "![A red barn](https://example.org/uploads/abc.jpg)"
        );
        assert_eq!(
            markdown_image("", url),
            "![](https://example.org/uploads/abc.jpg)"
        );
        assert_eq!(
            markdown_image("a [b]\nc \\ d", url),
            r"![a \[b\] c \\ d](https://example.org/uploads/abc.jpg)"
        );
    }
}
