mod common;

use common::TestServer;
use common::federation::publish_photo;
use serde_json::Value;

fn mf2(server: &TestServer, path: &str) -> Value {
    let resp = server.client().get(path);
    let url = url::Url::parse(&server.url(path)).unwrap();
    let doc = microformats::from_html(&resp.text(), &url).unwrap();
    serde_json::to_value(&doc).unwrap()
}

#[test]
fn explore() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let saved = admin.compose(&[
        ("title", "A titled post"),
        ("markdown", "Some **bold** words.\n\nAnd a [link](https://example.com/)."),
        ("new_categories", "Porch life, Wood"),
        ("action", "publish"),
    ]);
    assert_eq!(saved.status, 303);
    let titled = common::newest_path(&server);
    let saved = admin.compose(&[
        ("markdown", "Just a note, no title."),
        ("in_reply_to", "https://example.com/a/post"),
        ("action", "publish"),
    ]);
    assert_eq!(saved.status, 303);
    let note = common::newest_path(&server);
    let ph = publish_photo(&server, &admin, "A photo", ("barn.png", &common::png(300, 200)), "A red barn").replace(&server.base, "");
    for p in [titled.as_str(), note.as_str(), ph.as_str(), "/", "/about/", "/categories/wood/", "/search/?q=note"] {
        std::fs::write(format!("/tmp/mfx/{}.json", p.replace('/', "_").replace(&server.base, "")), serde_json::to_string_pretty(&mf2(&server, p)).unwrap()).unwrap();
    }
}
