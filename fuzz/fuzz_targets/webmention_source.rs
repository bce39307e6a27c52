//! A Webmention source page as fetched: its body under one of the content types a page comes
//! with, read for the link to the target and for what its microformats say.
#![no_main]

use libfuzzer_sys::fuzz_target;
use porch::indieweb::webmention::mention;

const TARGET: &str = "https://blog.example/2026/01/02/hello.html";
const TYPES: [&str; 4] = ["text/html", "application/xhtml+xml", "application/json", "text/plain"];

fuzz_target!(|data: &[u8]| {
    // The reader catches the panics of the microformats crate (it has some): let a caught one
    // pass quietly, as in the server. One that escapes still aborts, and is found.
    static QUIET: std::sync::Once = std::sync::Once::new();
    QUIET.call_once(|| std::panic::set_hook(Box::new(|_| {})));
    let Some((kind, body)) = data.split_first() else {
        return;
    };
    let content_type = TYPES[usize::from(*kind) % TYPES.len()];
    let body = String::from_utf8_lossy(body);
    let source = url::Url::parse("https://other.example/notes/1").expect("a URL");
    let _ = mention::read_source(&body, content_type, &source, TARGET);
});
