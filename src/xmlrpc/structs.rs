//! Posts and pages as apps read them: WordPress's post and page structs.

use chrono_tz::Tz;
use dxr::Value;

use crate::app::App;
use crate::config::BaseUrl;
use crate::store::posts::{Post, Status};

use super::Caller;
use super::fields::split_more;
use super::posts::zone;
use super::values::{date, structure, text};
use super::wire::Fault;

/// What answers about posts need besides the posts.
pub(super) struct Site {
    base: BaseUrl,
    tz: Tz,
    author: String,
}

impl Site {
    pub(super) async fn load(app: &App, caller: Caller) -> Result<Site, Fault> {
        Ok(Site {
            base: app.config.base_url.clone(),
            tz: zone(app).await?,
            author: caller.owner.display_name,
        })
    }

    /// The permalink, or for a post without one yet, its page in the admin panel.
    fn link(&self, p: &Post) -> String {
        match &p.path {
            Some(path) => self.base.join(path),
            None => self.base.join(&format!("/admin/posts/{}", p.id)),
        }
    }

    /// The WordPress post struct. `description` is the Markdown as written, so edits round-trip.
    pub(super) fn post(&self, p: &Post) -> Value {
        let (description, more) = split_more(&p.markdown);
        let link = self.link(p);
        let at = dated(p);
        let categories = p.categories.iter().map(|c| text(&c.name)).collect();
        structure([
            ("postid", text(&p.id.to_string())),
            ("userid", text("1")),
            ("title", text(p.title.as_deref().unwrap_or(""))),
            ("description", text(description)),
            ("mt_text_more", text(more)),
            ("wp_more_text", text("")),
            ("mt_excerpt", text("")),
            ("mt_keywords", text("")),
            ("link", text(&link)),
            ("permaLink", text(&link)),
            ("categories", Value::Array(categories)),
            ("dateCreated", date(at, self.tz)),
            ("date_created_gmt", date(at, Tz::UTC)),
            ("date_modified", date(p.updated_at, self.tz)),
            ("date_modified_gmt", date(p.updated_at, Tz::UTC)),
            ("post_status", text(status_name(p.status))),
            ("wp_slug", text(slug_of(p.path.as_deref()))),
            ("wp_password", text("")),
            ("wp_author_id", text("1")),
            ("wp_author_display_name", text(&self.author)),
            ("mt_allow_comments", Value::Integer(1)),
            ("mt_allow_pings", Value::Integer(0)),
            ("wp_post_format", text("standard")),
            ("sticky", Value::Boolean(false)),
            ("custom_fields", Value::Array(Vec::new())),
        ])
    }

    /// The WordPress page struct.
    pub(super) fn page(&self, p: &Post) -> Value {
        let (description, more) = split_more(&p.markdown);
        let link = self.link(p);
        let at = dated(p);
        let int = |n: i64| i32::try_from(n).map_or_else(|_| text(&n.to_string()), Value::Integer);
        structure([
            ("page_id", int(p.id.0)),
            ("userid", text("1")),
            ("page_status", text(status_name(p.status))),
            ("title", text(p.title.as_deref().unwrap_or(""))),
            ("description", text(description)),
            ("text_more", text(more)),
            ("excerpt", text("")),
            ("link", text(&link)),
            ("permaLink", text(&link)),
            ("categories", Value::Array(Vec::new())),
            ("dateCreated", date(at, self.tz)),
            ("date_created_gmt", date(at, Tz::UTC)),
            ("mt_allow_comments", Value::Integer(0)),
            ("mt_allow_pings", Value::Integer(0)),
            ("wp_slug", text(slug_of(p.path.as_deref()))),
            ("wp_password", text("")),
            ("wp_author", text(&self.author)),
            ("wp_author_id", text("1")),
            ("wp_author_display_name", text(&self.author)),
            ("wp_page_parent_id", Value::Integer(0)),
            ("wp_page_parent_title", text("")),
            ("wp_page_order", int(p.nav_order)),
            ("wp_page_template", text("default")),
            ("custom_fields", Value::Array(Vec::new())),
        ])
    }
}

/// The date an app shows and sends back: the publication time, or for a draft never dated the
/// time of its last edit (see `fields::action`).
fn dated(p: &Post) -> i64 {
    p.published_at.unwrap_or(p.updated_at)
}

/// Scheduled posts read as published with a date to come, as WordPress reports them.
fn status_name(status: Status) -> &'static str {
    match status {
        Status::Published | Status::Scheduled => "publish",
        Status::Draft | Status::Deleted => "draft",
    }
}

/// The slug in a permalink (`/2026/01/05/slug.html`, `/slug/`); none before it has one.
fn slug_of(path: Option<&str>) -> &str {
    path.and_then(|path| {
        path.trim_end_matches('/')
            .trim_end_matches(".html")
            .rsplit('/')
            .next()
    })
    .unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_come_from_permalinks() {
        assert_eq!(slug_of(Some("/2026/01/05/hello-world.html")), "hello-world");
        assert_eq!(slug_of(Some("/about-me/")), "about-me");
        assert_eq!(slug_of(None), "");
    }
}
