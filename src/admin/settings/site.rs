//! Settings › Site (`/admin/settings`): title, description, time zone, posts per page, and
//! whether photos need alt text before they are published.

use minijinja::Value;
use poem::web::{Data, Query};
use poem::{Response, handler};
use serde::{Deserialize, Serialize};

use crate::admin::{DoneQuery, FieldError};
use crate::app::App;
use crate::auth::Admin;
use crate::auth::csrf::AdminForm;
use crate::error::Result;

#[derive(Deserialize, Serialize)]
pub struct SiteForm {
    title: String,
    description: String,
    timezone: String,
    posts_per_page: String,
    #[serde(default)]
    require_alt: Option<String>,
}

#[handler]
pub async fn page(
    Data(app): Data<&App>,
    admin: Admin,
    Query(q): Query<DoneQuery>,
) -> Result<Response> {
    let s = app.settings().await?;
    let form = SiteForm {
        title: s.title.clone(),
        description: s.description.clone(),
        timezone: s.timezone.clone(),
        posts_per_page: s.posts_per_page.to_string(),
        require_alt: s.require_alt.then(|| "on".into()),
    };
    let form = Value::from(minijinja::value::Serde(&form));
    super::show(app, &admin, "site", form, None, q.done.as_deref()).await
}

/// The checked values, or the field that is wrong and why.
fn read(f: &SiteForm) -> Result<(String, u32), FieldError> {
    let title = f.title.trim();
    if title.is_empty() || title.chars().count() > 200 {
        return Err(FieldError::on(
            "title",
            "The site title needs 1 to 200 characters.",
        ));
    }
    if f.timezone.parse::<chrono_tz::Tz>().is_err() {
        return Err(FieldError::on(
            "timezone",
            "Pick a time zone from the list.",
        ));
    }
    let per_page = f
        .posts_per_page
        .trim()
        .parse()
        .ok()
        .filter(|n| (1..=100).contains(n))
        .ok_or_else(|| {
            FieldError::on(
                "posts_per_page",
                "Posts per page must be a number from 1 to 100.",
            )
        })?;
    Ok((title.to_string(), per_page))
}

#[handler]
pub async fn save(Data(app): Data<&App>, f: AdminForm<SiteForm>) -> Result<Response> {
    let (title, posts_per_page) = match read(&f.form) {
        Ok(ok) => ok,
        Err(error) => {
            let form = Value::from(minijinja::value::Serde(&f.form));
            return super::show(app, &f.admin, "site", form, Some(error), None).await;
        }
    };
    let form = f.form;
    super::update(app, move |_, s| {
        s.title = title;
        s.description = form.description.trim().chars().take(500).collect();
        s.timezone = form.timezone;
        s.posts_per_page = posts_per_page;
        s.require_alt = form.require_alt.is_some();
        Ok(false)
    })
    .await?;
    Ok(super::saved("site"))
}
