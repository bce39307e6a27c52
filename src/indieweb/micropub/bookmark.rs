//! A private bookmark by Micropub: `bookmark-of` with `visibility=private`, or with
//! `post-status=draft` and `mp-bookmark=private`, saves the link to the owner's bookmarks
//! (archived like one saved in the panel) and publishes nothing. `name` is its title, `content`
//! its note, `category` its tags. The answer is 201 with the bookmark's address in the panel.

use poem::http::{StatusCode, header};
use poem::{IntoResponse, Response};

use super::invalid;
use super::request::{Props, first_text, text_of};
use crate::app::App;
use crate::bookmarks::save::{self, Link, Saved};
use crate::error::Failure;

/// The link to save privately, when the request asks for that.
pub fn wanted(props: &Props, commands: &Props) -> Option<String> {
    let link = first_text(props, "bookmark-of")?;
    let private = first_text(props, "visibility").as_deref() == Some("private")
        || (first_text(props, "post-status").as_deref() == Some("draft")
            && first_text(commands, "mp-bookmark").as_deref() == Some("private"));
    private.then_some(link)
}

pub async fn save(app: &App, url: String, props: &Props) -> Result<Response, Failure> {
    let tags: Vec<String> = props
        .get("category")
        .into_iter()
        .flatten()
        .filter_map(text_of)
        .collect();
    let note = props
        .get("content")
        .and_then(|v| v.first())
        .and_then(|c| match c {
            serde_json::Value::Object(o) => o
                .get("markdown")
                .or_else(|| o.get("value"))
                .or_else(|| o.get("html"))
                .and_then(|v| v.as_str())
                .map(str::to_string),
            other => text_of(other),
        })
        .unwrap_or_default();
    let link = Link {
        url,
        title: first_text(props, "name").unwrap_or_default(),
        note,
        // Commas inside one category would split it: they are what separates typed tags.
        tags: tags
            .iter()
            .map(|t| t.replace(',', " "))
            .collect::<Vec<_>>()
            .join(","),
        source: "micropub",
        post_id: None,
    };
    let (key, tags) = save::check(&link).map_err(|(_, message)| invalid(message))?;
    let saved = app
        .db
        .write(move |tx| save::save(tx, &link, key, tags))
        .await?;
    let id = match saved {
        Saved::New(id) | Saved::Existing(id) => id,
    };
    let location = app.config.base_url.join(&format!("/admin/bookmarks/{id}"));
    Ok((StatusCode::CREATED, ())
        .with_header(header::LOCATION, location)
        .into_response())
}
