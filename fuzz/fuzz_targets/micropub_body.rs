//! A Micropub request body, form-encoded or JSON, read into properties; an update applied to
//! them; the content rendered as a post's would be.
#![no_main]

use libfuzzer_sys::fuzz_target;
use porch::indieweb::micropub::{request, update};

fuzz_target!(|data: &[u8]| {
    let parsed = match data.first() {
        Some(b'{') => serde_json::from_slice(data)
            .ok()
            .and_then(|json| request::from_json(json).ok()),
        _ => porch::forms::pairs(data).ok().map(request::from_pairs),
    };
    let Some(mut parsed) = parsed else {
        return;
    };
    if let Some(serde_json::Value::Object(body)) = &parsed.json {
        let _ = update::apply(&mut parsed.props, body);
    }
    if let Some(content) = request::first_text(&parsed.props, "content") {
        let _ = porch::render::markdown::to_html(&content);
    }
});
