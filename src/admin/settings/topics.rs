//! Settings › Topics (`/admin/settings/topics`): emoji topics, one per line as "emoji name";
//! posts containing the emoji are collected on the topic's page. Changing them re-tags every
//! post.

use minijinja::Value;
use poem::web::{Data, Query};
use poem::{Response, handler};
use serde::{Deserialize, Serialize};

use crate::admin::{DoneQuery, FieldError};
use crate::app::App;
use crate::auth::Admin;
use crate::auth::csrf::AdminForm;
use crate::error::Result;
use crate::posts::permalink::slugify;
use crate::posts::topics;
use crate::store::settings::Topic;

#[derive(Deserialize, Serialize)]
pub struct TopicsForm {
    topics: String,
}

/// Topics are edited as lines of "emoji name" (the slug comes from the name).
fn topics_text(topics: &[Topic]) -> String {
    topics
        .iter()
        .map(|t| format!("{} {}", t.emoji, t.name))
        .collect::<Vec<_>>()
        .join("\n")
}

fn parse_topics(text: &str) -> Result<Vec<Topic>, String> {
    let mut out: Vec<Topic> = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (emoji, name) = line
            .split_once(char::is_whitespace)
            .ok_or_else(|| format!("Topic line “{line}” needs an emoji, a space and a name."))?;
        let name = name.trim();
        let slug = slugify(name);
        if emoji.chars().any(|c| c.is_alphanumeric()) || slug.is_empty() {
            return Err(format!(
                "Topic line “{line}” needs an emoji, a space and a name."
            ));
        }
        if out
            .iter()
            .any(|t| t.slug == slug || topics::normalize(&t.emoji) == topics::normalize(emoji))
        {
            return Err(format!("The topic “{line}” appears twice."));
        }
        out.push(Topic {
            emoji: emoji.to_string(),
            name: name.to_string(),
            slug,
        });
    }
    Ok(out)
}

#[handler]
pub async fn page(
    Data(app): Data<&App>,
    admin: Admin,
    Query(q): Query<DoneQuery>,
) -> Result<Response> {
    let s = app.settings().await?;
    let form = Value::from(minijinja::value::Serde(&TopicsForm {
        topics: topics_text(&s.topics),
    }));
    super::show(app, &admin, "topics", form, None, q.done.as_deref()).await
}

#[handler]
pub async fn save(Data(app): Data<&App>, f: AdminForm<TopicsForm>) -> Result<Response> {
    let new = match parse_topics(&f.form.topics) {
        Ok(new) => new,
        Err(message) => {
            let form = Value::from(minijinja::value::Serde(&f.form));
            let error = FieldError::on("topics", message);
            return super::show(app, &f.admin, "topics", form, Some(error), None).await;
        }
    };
    super::update(app, move |tx, s| {
        if new != s.topics {
            topics::retag_all(tx, &new)?;
        }
        s.topics = new;
        Ok(false)
    })
    .await?;
    Ok(super::saved("topics"))
}
