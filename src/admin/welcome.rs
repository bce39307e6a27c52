//! The welcome checklist on the first screen after setup: the few things that make a new site
//! the owner's (a title, an avatar, a bio, a first post, someone followed, HTTPS), each ticked
//! off as it is done, until all are or the owner puts the list away.

use poem::web::{Data, Redirect};
use poem::{IntoResponse, Response, handler};
use serde::Serialize;

use crate::app::App;
use crate::auth::csrf::{AdminForm, NoFields};
use crate::error::Result;
use crate::store::panel_marks;
use crate::store::settings::SiteSettings;

#[derive(Serialize, Debug)]
pub struct Step {
    pub label: &'static str,
    pub hint: &'static str,
    /// Where it is done in the panel (HTTPS is done where Porch is started, not here).
    pub link: Option<&'static str>,
    pub done: bool,
}

/// The steps, or none once every one is done or the list was put away.
pub async fn checklist(app: &App) -> Result<Vec<Step>> {
    let settings = app.settings().await?;
    let progress = app.db.read(panel_marks::progress).await?;
    if progress.dismissed {
        return Ok(Vec::new());
    }
    let steps = steps(app, &settings, &progress);
    Ok(if steps.iter().all(|s| s.done) {
        Vec::new()
    } else {
        steps
    })
}

fn steps(app: &App, settings: &SiteSettings, progress: &panel_marks::Progress) -> Vec<Step> {
    vec![
        Step {
            label: "Give the site a title",
            hint: "It names every page and your feeds.",
            link: Some("/admin/settings"),
            done: settings.title != SiteSettings::default().title,
        },
        Step {
            label: "Add an avatar",
            hint: "Shown beside your posts here and on Mastodon.",
            link: Some("/admin/settings/profile"),
            done: settings.avatar.is_some(),
        },
        Step {
            label: "Write a short bio",
            hint: "The about page and your fediverse profile show it.",
            link: Some("/admin/settings/profile"),
            done: !settings.bio.trim().is_empty(),
        },
        Step {
            label: "Post something",
            hint: "A line is enough.",
            link: Some("/admin/new"),
            done: progress.has_post,
        },
        Step {
            label: "Follow someone",
            hint: "Their posts come to your timeline; replies from there go to them.",
            link: Some("/admin/fediverse"),
            done: progress.follows_someone,
        },
        Step {
            label: "Serve the site over HTTPS",
            hint: "Mastodon only talks to HTTPS sites: start Porch with --acme-domain, or behind a proxy.",
            link: None,
            done: app.config.base_url.is_https(),
        },
    ]
}

/// POST /admin/welcome/dismiss: the checklist is put away for good.
#[handler]
pub async fn dismiss(Data(app): Data<&App>, _f: AdminForm<NoFields>) -> Result<Response> {
    app.db
        .write(|tx| panel_marks::set(tx, panel_marks::WELCOME_DISMISSED, 1))
        .await?;
    Ok(Redirect::see_other("/admin").into_response())
}
