//! A multipart/form-data body, as the panel's composer and Micropub receive one, read with its
//! caps (files to a temporary folder).
#![no_main]

use libfuzzer_sys::fuzz_target;
use poem::web::Multipart;
use poem::{FromRequest, Request};

fuzz_target!(|data: &[u8]| {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    let dir = tempfile::tempdir().expect("a temporary folder");
    runtime.block_on(async {
        let req = Request::builder()
            .content_type("multipart/form-data; boundary=XyZ")
            .body(data.to_vec());
        let (req, mut body) = req.split();
        let Ok(multipart) = Multipart::from_request(&req, &mut body).await else {
            return;
        };
        let _ = porch::forms::multipart::read(multipart, dir.path(), 1 << 20).await;
    });
});
