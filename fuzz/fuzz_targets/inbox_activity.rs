//! An activity as an inbox receives it: JSON, read into what the dispatcher stores (a remote
//! post with its HTML sanitized, an actor), and the signature headers beside it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use porch::activitypub::{convert, dispatch, signature};

fuzz_target!(|data: &[u8]| {
    if let Ok(activity) = serde_json::from_slice::<serde_json::Value>(data) {
        let _ = dispatch::read(&activity);
        let _ = convert::json_to_actor(&activity, None);
        let _ = convert::object_to_remote_post(&activity);
    }
    if let Ok(header) = std::str::from_utf8(data) {
        let _ = signature::cavage::parse(header);
        let _ = signature::rfc9421::content_digest_matches(header, b"body");
    }
});
