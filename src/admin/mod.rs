//! The admin panel (`/admin`). Every handler takes `Admin` (or `AdminForm`, which checks the CSRF
//! token too), so none can skip authentication. Each file holds one screen or action.

pub mod book_edit;
pub mod book_form;
pub mod book_import;
pub mod bookmark;
pub mod bookmark_import;
pub mod bookmarks;
pub mod books;
pub mod bookshelves;
pub mod categories;
pub mod compose;
pub mod errors;
pub mod fediverse;
pub mod highlights;
pub mod imports;
pub mod indieauth;
pub mod job_words;
pub mod jobs;
pub mod login;
pub mod manifest;
pub mod media;
pub mod mentions;
pub mod moderation;
pub mod notifications;
pub mod post_delete;
pub mod post_save;
pub mod posts;
pub mod preview;
pub mod remote_media;
pub mod settings;
pub mod setup;
pub mod site_export;
pub mod site_import;
pub mod timeline;
pub mod tokens;
pub mod welcome;

use minijinja::Value;
use poem::Response;
use poem::http::{StatusCode, header};
use serde::Serialize;

use crate::app::App;
use crate::auth::{Admin, csrf};
use crate::error::Result;
use crate::forms::multipart::{self, FormData};
use crate::media::process::MAX_UPLOAD_BYTES;
use crate::store::panel_marks::{self, Badges};

/// What every admin screen's layout needs.
#[derive(Serialize)]
struct Chrome<'a> {
    csrf: &'a str,
    site_title: String,
    site_url: String,
    active: &'a str,
    notice: Option<String>,
    /// Where the notice's "View it" goes (the post just published).
    notice_link: Option<String>,
    /// What waits for the owner, counted on the navigation.
    badges: Badges,
}

/// A notice made by a screen: its text, and a link to what it is about.
pub struct Notice {
    pub text: String,
    pub link: Option<String>,
}

impl From<String> for Notice {
    fn from(text: String) -> Notice {
        Notice { text, link: None }
    }
}

/// Why a form was refused, as the form shown again puts it: beside the field it names (marked
/// invalid, described by the message and focused), or above the form when it names none.
#[derive(Serialize, Debug, Clone)]
pub struct FieldError {
    pub field: Option<&'static str>,
    pub message: String,
}

impl FieldError {
    pub fn on(field: &'static str, message: impl Into<String>) -> FieldError {
        FieldError {
            field: Some(field),
            message: message.into(),
        }
    }
}

impl From<&crate::error::Failure> for FieldError {
    fn from(f: &crate::error::Failure) -> FieldError {
        FieldError {
            field: f.field(),
            message: f.message().to_string(),
        }
    }
}

/// The query of a screen that may show a notice after an action (`?done=saved`).
#[derive(serde::Deserialize)]
pub struct DoneQuery {
    pub done: Option<String>,
}

/// Messages shown after an action, chosen by a fixed code in the redirect's `done=` parameter,
/// so that no text from a URL is ever echoed into the page.
pub fn notice(code: Option<&str>) -> Option<&'static str> {
    Some(match code? {
        "published" => "Published.",
        "posted" => "Posted.",
        "updated" => "Updated.",
        "scheduled" => "Scheduled: it will be published at its time.",
        "draft" => "Saved as a draft.",
        "deleted" => "Deleted.",
        "settings" => "Settings saved.",
        "password" => "Password changed. Every other session was signed out.",
        "uploaded" => "Uploaded.",
        "alt" => "Alt text saved.",
        "revoked" => "Token revoked.",
        "retried" => "The job will run again shortly.",
        "renamed" => "Category renamed.",
        "following" => "Follow request sent.",
        "unfollowed" => "Unfollowed.",
        "approved" => "Approved.",
        "rejected" => "Rejected.",
        "replied" => "Reply sent.",
        "removed" => "Removed.",
        "blocked" => "Blocked.",
        "unblocked" => "Unblocked.",
        "muted" => "Muted.",
        "unmuted" => "Unmuted.",
        "imported" => "Block list imported.",
        "moved" => "Moved: your followers are being sent to the new account.",
        "book_added" => "Added to your bookshelf.",
        "book_exists" => "That book is on your bookshelf already.",
        "moved_book" => "Moved.",
        "shelf_added" => "Shelf added.",
        "goal" => "Goal saved.",
        "category_added" => "Category added.",
        "bookmarked" => "Saved. Porch is keeping a readable copy of the page.",
        "bookmark_exists" => "You saved this link before: here it is.",
        "saved" => "Saved.",
        "read" => "Marked read.",
        "unread" => "Marked unread.",
        "archiving" => "Porch is making a new copy of the page.",
        "bookmarked_post" => "Saved to your bookmarks. Nobody is told.",
        "highlighted" => "Highlighted.",
        "highlight_saved" => "Note saved.",
        "highlight_deleted" => "Highlight deleted.",
        _ => return None,
    })
}

/// Renders an admin screen: `ctx` plus the layout's own values, with the notice of `done`.
pub async fn render(
    app: &App,
    admin: &Admin,
    template: &str,
    active: &str,
    done: Option<&str>,
    ctx: Value,
) -> Result<Response> {
    let notice = notice(done).map(|text| Notice::from(text.to_string()));
    render_noted(app, admin, template, active, notice, ctx).await
}

/// `render` with a notice made for this screen (one that names a date, say), never text from
/// the URL.
pub async fn render_noted(
    app: &App,
    admin: &Admin,
    template: &str,
    active: &str,
    notice: Option<Notice>,
    ctx: Value,
) -> Result<Response> {
    let settings = app.settings().await?;
    let (notice, notice_link) = match notice {
        Some(n) => (Some(n.text), n.link),
        None => (None, None),
    };
    let badges = app.db.read(panel_marks::badges).await?;
    let chrome = Chrome {
        badges,
        csrf: &admin.csrf,
        site_title: settings.title.clone(),
        site_url: app.config.base_url.join("/"),
        active,
        notice,
        notice_link,
    };
    let ctx = minijinja::context! { admin => Value::from(minijinja::value::Serde(&chrome)), ..ctx };
    let body = app.templates.render(&format!("admin/{template}"), ctx)?;
    Ok(private_page(StatusCode::OK, body))
}

/// An HTML response that no cache may keep: admin pages show drafts, and the login and setup
/// forms carry one-time tokens.
pub fn private_page(status: StatusCode, body: String) -> Response {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
        .header(header::CACHE_CONTROL, "no-store")
        .body(body)
}

/// Reads a multipart form of the panel (the composer, an upload), its images into the data
/// folder's temporary files, and checks its CSRF token before anything in it is acted on.
async fn upload_form(
    app: &App,
    admin: &Admin,
    form: poem::web::Multipart,
) -> poem::Result<FormData> {
    upload_form_capped(app, admin, form, MAX_UPLOAD_BYTES as u64).await
}

/// `upload_form` for files of up to `max_file_bytes` (an import is larger than any image).
async fn upload_form_capped(
    app: &App,
    admin: &Admin,
    form: poem::web::Multipart,
    max_file_bytes: u64,
) -> poem::Result<FormData> {
    let form = multipart::read(form, &app.config.tmp_dir(), max_file_bytes).await?;
    csrf::check(admin, form.get("csrf").unwrap_or(""))?;
    Ok(form)
}
