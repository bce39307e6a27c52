//! Settings (`/admin/settings…`), in sections, each its own screen with one form and one save:
//! the site (`site.rs`: title, description, time zone, posts per page, the alt-text rule), the
//! profile (`profile.rs`: name, avatar, header, bio, rel=me links, the images uploaded in the
//! same form), the fediverse (`fediverse.rs`), emoji topics (`topics.rs`) and security
//! (`security.rs`: the password, signing out everywhere). A section saves only its own fields,
//! so nothing typed elsewhere is lost, and a refused save shows the form again as typed.

pub mod fediverse;
pub mod profile;
pub mod security;
pub mod site;
pub mod topics;

use poem::Response;
use poem::http::StatusCode;
use serde::Serialize;

use super::FieldError;
use crate::app::App;
use crate::auth::{Admin, password};
use crate::error::Result;
use crate::media::files;
use crate::store::settings::SiteSettings;

/// The sections, in the order their tabs show: (path segment, tab label).
const SECTIONS: &[(&str, &str)] = &[
    ("site", "Site"),
    ("profile", "Profile"),
    ("fediverse", "Fediverse"),
    ("topics", "Topics"),
    ("security", "Security"),
];

/// Where a section lives.
fn path(section: &str) -> String {
    match section {
        "site" => "/admin/settings".into(),
        other => format!("/admin/settings/{other}"),
    }
}

#[derive(Serialize)]
struct Tab {
    key: &'static str,
    label: &'static str,
    url: String,
}

/// Renders one section: `form` is what its fields show (the stored settings, or what was typed
/// when a save was refused), `error` why it was refused.
async fn show(
    app: &App,
    admin: &Admin,
    section: &'static str,
    form: minijinja::Value,
    error: Option<FieldError>,
    done: Option<&str>,
) -> Result<Response> {
    let current = app.settings().await?;
    let avatar = current.avatar.as_ref().map(|name| files::public_path(name));
    let header_image = current
        .header_image
        .as_ref()
        .map(|name| files::public_path(name));
    let zones: Vec<&str> = chrono_tz::TZ_VARIANTS.iter().map(|z| z.name()).collect();
    let tabs: Vec<Tab> = SECTIONS
        .iter()
        .map(|(key, label)| Tab {
            key,
            label,
            url: path(key),
        })
        .collect();
    let refused = error.is_some();
    let mut response = super::render(
        app,
        admin,
        "settings.html",
        "settings",
        done,
        crate::ctx! {
            section,
            action => path(section),
            tabs,
            form,
            error,
            zones,
            avatar,
            header_image,
            min_password => password::MIN_LENGTH,
        },
    )
    .await?;
    if refused {
        response.set_status(StatusCode::UNPROCESSABLE_ENTITY);
    }
    Ok(response)
}

/// A section's redirect after a save, to its own screen with "Settings saved."
fn saved(section: &str) -> Response {
    use poem::IntoResponse;
    poem::web::Redirect::see_other(format!("{}?done=settings", path(section))).into_response()
}

/// Web addresses, one per line.
fn parse_links(text: &str) -> Result<Vec<String>, String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            if (l.starts_with("https://") || l.starts_with("http://"))
                && !l.contains(char::is_whitespace)
            {
                Ok(l.to_string())
            } else {
                Err(format!("“{l}” is not a web address (https://…)."))
            }
        })
        .collect()
}

/// The stored settings, changed by `change` in the write transaction they are saved in, so
/// that a save of one section never undoes another's saved meanwhile. `change` returns whether
/// followers' servers should be sent the new profile.
async fn update(
    app: &App,
    change: impl FnOnce(&rusqlite::Transaction, &mut SiteSettings) -> anyhow::Result<bool>
    + Send
    + 'static,
) -> Result<()> {
    use crate::activitypub::delivery;
    use crate::store::kinds::Verb;
    use crate::store::settings;
    app.db
        .write(move |tx| {
            let mut s = settings::load(tx)?;
            let profile_changed = change(tx, &mut s)?;
            settings::save(tx, &s)?;
            if profile_changed {
                // Followers' servers show the profile from their copy: send them the new one.
                delivery::queue(tx, Verb::Update, None)?;
            }
            Ok(())
        })
        .await?;
    Ok(())
}
