//! Settings › Fediverse (`/admin/settings/fediverse`): approving followers by hand, titled posts
//! as Articles, showing the follow lists, and the earlier accounts followers may move from.

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
pub struct FediverseForm {
    #[serde(default)]
    manually_approves_followers: Option<String>,
    #[serde(default)]
    federate_articles: Option<String>,
    #[serde(default)]
    reveal_follows: Option<String>,
    #[serde(default)]
    also_known_as: String,
}

#[handler]
pub async fn page(
    Data(app): Data<&App>,
    admin: Admin,
    Query(q): Query<DoneQuery>,
) -> Result<Response> {
    let s = app.settings().await?;
    let on = |b: bool| b.then(|| "on".to_string());
    let form = Value::from(minijinja::value::Serde(&FediverseForm {
        manually_approves_followers: on(s.manually_approves_followers),
        federate_articles: on(s.federate_articles),
        reveal_follows: on(s.reveal_follows),
        also_known_as: s.also_known_as.join("\n"),
    }));
    super::show(app, &admin, "fediverse", form, None, q.done.as_deref()).await
}

#[handler]
pub async fn save(Data(app): Data<&App>, f: AdminForm<FediverseForm>) -> Result<Response> {
    let also_known_as = match super::parse_links(&f.form.also_known_as) {
        Ok(links) => links,
        Err(message) => {
            let form = Value::from(minijinja::value::Serde(&f.form));
            let error = FieldError::on("also_known_as", message);
            return super::show(app, &f.admin, "fediverse", form, Some(error), None).await;
        }
    };
    let form = f.form;
    super::update(app, move |_, s| {
        let approves = form.manually_approves_followers.is_some();
        // Both are part of the profile other servers keep.
        let profile_changed =
            also_known_as != s.also_known_as || approves != s.manually_approves_followers;
        s.manually_approves_followers = approves;
        s.federate_articles = form.federate_articles.is_some();
        s.reveal_follows = form.reveal_follows.is_some();
        s.also_known_as = also_known_as;
        Ok(profile_changed)
    })
    .await?;
    Ok(super::saved("fediverse"))
}
