//! A Porch post as Micropub properties (`q=source`), for apps that edit posts.

use serde_json::{Map, Value, json};

use crate::config::BaseUrl;
use crate::media::files;
use crate::render::time::iso_utc;
use crate::store::posts::{Post, Status};

use super::create::location;

/// The post's properties. Content is given as it was written: Markdown as a string, a post
/// written in HTML as `{html}`, so an app edits what it sent.
pub fn properties(base: &BaseUrl, post: &Post) -> Map<String, Value> {
    let mut p = Map::new();
    let text = post.markdown.trim_start();
    let written_in_html = text.starts_with('<') && text.trim_end().ends_with('>');
    p.insert(
        "content".into(),
        if written_in_html {
            json!([{ "html": post.markdown }])
        } else {
            json!([post.markdown])
        },
    );
    if let Some(title) = post.title.as_deref().filter(|t| !t.is_empty()) {
        p.insert("name".into(), json!([title]));
    }
    if !post.categories.is_empty() {
        let names: Vec<&str> = post.categories.iter().map(|c| c.name.as_str()).collect();
        p.insert("category".into(), json!(names));
    }
    if !post.photos.is_empty() {
        let photos: Vec<Value> = post
            .photos
            .iter()
            .map(|ph| {
                let url = base.join(&files::url_path(&ph.media.hash, &ph.media.ext, None));
                if ph.alt.is_empty() {
                    json!(url)
                } else {
                    json!({ "value": url, "alt": ph.alt })
                }
            })
            .collect();
        p.insert("photo".into(), Value::Array(photos));
    }
    if let Some(at) = post.published_at {
        p.insert("published".into(), json!([iso_utc(at)]));
    }
    if !post.summary.is_empty() {
        p.insert("summary".into(), json!([post.summary]));
    }
    if !post.in_reply_to.is_empty() {
        p.insert("in-reply-to".into(), json!([post.in_reply_to]));
    }
    if !post.bookmark_of.is_empty() {
        p.insert("bookmark-of".into(), json!([post.bookmark_of]));
    }
    let status = match post.status {
        Status::Draft => "draft",
        _ => "published",
    };
    p.insert("post-status".into(), json!([status]));
    p.insert("url".into(), json!([location(base, post)]));
    if let Ok(Value::Object(others)) = serde_json::from_str::<Value>(&post.other_properties) {
        for (k, v) in others {
            p.entry(k).or_insert(v);
        }
    }
    p
}

/// The whole source, or only the named properties (then without `type`, as the spec shows).
pub fn source(base: &BaseUrl, post: &Post, only: &[String]) -> Value {
    let all = properties(base, post);
    if only.is_empty() {
        return json!({ "type": ["h-entry"], "properties": all });
    }
    let picked: Map<String, Value> = all.into_iter().filter(|(k, _)| only.contains(k)).collect();
    json!({ "properties": picked })
}
