//! What the owner does on the fediverse, end to end against the fake Mastodon: mentioning
//! people in posts, photos going out with a BlurHash, images of others' posts shown through
//! Porch (and only those), moving to another account and back, the profile's header image,
//! and the earlier accounts a profile lists.

mod common;

use common::fake_mastodon::{Account, FakeMastodon, PUBLIC};
use common::federation::{
    actor, actor_id, alice_follows_bob, assert_content_type, bob, bob_follows_alice, deliver,
    form_fields, key_id, note, number, publish, publish_photo, remote_post, save_settings, select,
    text_of, texts, timeline, wait_for_jobs,
};
use common::{Client, Resp, TestServer};
use scraper::{Html, Selector};
use serde_json::json;

/// BlurHash's alphabet: each character is a base-83 digit, in this order.
const BASE83: &str =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~";

// Helpers.

/// The links (href, text) inside a post's `e-content` on its public page.
fn content_links(server: &TestServer, url: &str) -> Vec<(String, String)> {
    let page = server.client().get(url);
    assert_eq!(page.status, 200, "{url}");
    let doc = Html::parse_document(&page.text());
    select(&doc, ".e-content a")
        .iter()
        .map(|a| {
            (
                a.value().attr("href").unwrap_or_default().to_string(),
                text_of(a),
            )
        })
        .collect()
}

/// The text of a post's `e-content` on its public page, whitespace collapsed.
fn content_text(server: &TestServer, url: &str) -> String {
    let page = server.client().get(url).text();
    let doc = Html::parse_document(&page);
    let text: String = select(&doc, ".e-content").iter().map(text_of).collect();
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The text of the error shown on an admin page.
fn error_on(page: &Resp) -> String {
    let doc = Html::parse_document(&page.text());
    select(&doc, ".error")
        .iter()
        .map(text_of)
        .collect::<String>()
        .trim()
        .to_string()
}

/// The value of one base-83 digit of BlurHash.
fn base83(c: char) -> usize {
    BASE83
        .find(c)
        .unwrap_or_else(|| panic!("{c:?} is not a BlurHash digit"))
}

/// Checks a BlurHash as its specification reads it: the first digit encodes the number of
/// components (numY-1)*9 + (numX-1), which fixes the length at 4 + 2*numX*numY; every
/// character is a base-83 digit. Returns (numX, numY) and the average colour (the DC
/// component, the four digits after the first two, as 24-bit sRGB).
fn read_blurhash(hash: &str) -> ((usize, usize), [u8; 3]) {
    let digits: Vec<usize> = hash.chars().map(base83).collect();
    assert!(digits.len() >= 6, "{hash:?} is too short for a BlurHash");
    let size = digits[0];
    let (num_x, num_y) = (size % 9 + 1, size / 9 + 1);
    assert_eq!(
        digits.len(),
        4 + 2 * num_x * num_y,
        "{hash:?}: {num_x}×{num_y} components need {} characters",
        4 + 2 * num_x * num_y
    );
    let dc = digits[2..6].iter().fold(0, |acc, d| acc * 83 + d);
    assert!(dc < 1 << 24, "{hash:?}: the average colour is out of range");
    (
        (num_x, num_y),
        [(dc >> 16) as u8, ((dc >> 8) & 255) as u8, (dc & 255) as u8],
    )
}

/// A PNG of one colour.
fn solid_png(width: u32, height: u32, rgb: [u8; 3]) -> Vec<u8> {
    let img = image::RgbImage::from_pixel(width, height, image::Rgb(rgb));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

// Mentions.

#[test]
fn a_mention_links_the_profile_tags_the_note_and_reaches_someone_who_does_not_follow() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let fake = FakeMastodon::start();
    let bob = bob(&fake);
    let bob_doc = fake.actor();
    let profile = bob_doc["url"].as_str().unwrap().to_string();

    let url = publish(&server, &admin, &format!("Hello @{bob}!"));

    // bob was found through WebFinger before the post was saved.
    let asked = fake.gets("/.well-known/webfinger");
    assert_eq!(asked.len(), 1, "{}", fake.summary());
    let query = asked[0].path.split_once('?').map_or("", |(_, q)| q);
    let query: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap();
    assert_eq!(query, vec![("resource".to_string(), format!("acct:{bob}"))]);

    // On the public page, @bob links to his profile.
    assert_eq!(
        content_links(&server, &url),
        vec![(profile.clone(), "@bob".to_string())]
    );
    assert_eq!(content_text(&server, &url), "Hello @bob!");

    // bob's server gets the Create although bob does not follow alice; it tags him and
    // addresses him.
    let create = fake.wait_for_activity("Create", |_| true);
    assert_eq!(create.signature, Ok(key_id(&server)), "{}", fake.summary());
    assert_eq!(
        create.path, "/inbox",
        "delivered to bob's server's shared inbox"
    );
    let created = create.json();
    let mention =
        json!([{ "type": "Mention", "href": fake.actor_id(), "name": format!("@{bob}") }]);
    assert_eq!(created["object"]["tag"], mention, "{created}");
    assert_eq!(
        created["object"]["cc"],
        json!([server.url("/followers"), fake.actor_id()])
    );
    assert_eq!(created["object"]["to"], json!([PUBLIC]));
    assert_eq!(created["cc"], created["object"]["cc"]);
    let content = created["object"]["content"].as_str().unwrap();
    let doc = Html::parse_fragment(content);
    let links = select(&doc, "a");
    assert_eq!(links.len(), 1, "{content}");
    assert_eq!(links[0].value().attr("href"), Some(profile.as_str()));
    assert_eq!(text_of(&links[0]), "@bob");

    // The Note served at the permalink says the same.
    let served = note(&server, &url);
    assert_eq!(served["tag"], mention);
    assert_eq!(served["cc"], created["object"]["cc"]);
    wait_for_jobs(&server);
    assert_eq!(fake.activities("Create").len(), 1, "{}", fake.summary());
}

#[test]
fn a_mentioned_follower_gets_the_post_once() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let fake = FakeMastodon::start();
    bob_follows_alice(&server, &fake);

    let url = publish(&server, &admin, &format!("Thanks, @{}.", bob(&fake)));
    let create = fake.wait_for_activity("Create", |_| true);
    assert_eq!(create.json()["object"]["id"], url);
    assert_eq!(
        create.json()["object"]["tag"][0]["href"],
        fake.actor_id(),
        "{}",
        create.json()
    );
    wait_for_jobs(&server);
    assert_eq!(fake.activities("Create").len(), 1, "{}", fake.summary());
}

#[test]
fn a_handle_that_does_not_resolve_stays_plain_text_and_the_post_still_saves() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let fake = FakeMastodon::start();
    let nobody = format!("nobody@{}", fake.host);

    let url = publish(&server, &admin, &format!("Is @{nobody} there?"));
    let asked = fake.gets("/.well-known/webfinger");
    assert_eq!(asked.len(), 1, "{}", fake.summary());
    assert_eq!(asked[0].status, 404);

    assert_eq!(content_text(&server, &url), format!("Is @{nobody} there?"));
    assert_eq!(
        content_links(&server, &url),
        vec![],
        "no link for an unknown handle"
    );
    let served = note(&server, &url);
    assert_eq!(served["tag"], json!([]));
    assert_eq!(served["cc"], json!([server.url("/followers")]));
    wait_for_jobs(&server);
    assert!(fake.inbox_posts().is_empty(), "{}", fake.summary());
    assert_eq!(number(&server, "SELECT count(*) FROM actors", []), 0);
}

#[test]
fn e_mail_addresses_profile_urls_and_code_spans_are_not_mentions() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let fake = FakeMastodon::start();
    let bob = bob(&fake);
    let profile_url = format!("{}/@{bob}", fake.base);

    let url = publish(
        &server,
        &admin,
        &format!("Mail me@example.com or {bob}, see {profile_url}, or type `@{bob}`."),
    );
    // Only Webmention discovery may visit the linked profile page; nothing is resolved as a
    // mention (no WebFinger, no signed fetch of an actor).
    let only_discovery = |fake: &FakeMastodon| {
        fake.received().iter().all(|r| {
            r.method == "GET" && r.path.starts_with("/@") && r.header("signature").is_none()
        })
    };
    assert!(
        only_discovery(&fake),
        "nothing looked up: {}",
        fake.summary()
    );
    let served = note(&server, &url);
    assert_eq!(served["tag"], json!([]));
    assert_eq!(served["cc"], json!([server.url("/followers")]));
    let page = server.client().get(&url).text();
    let code = texts(&page, ".e-content code");
    assert_eq!(code, vec![format!("@{bob}")]);
    assert!(
        content_links(&server, &url)
            .iter()
            .all(|(_, text)| text != "@bob"),
        "{page}"
    );
    wait_for_jobs(&server);
    assert!(only_discovery(&fake), "{}", fake.summary());
}

#[test]
fn a_code_span_naming_someone_mentioned_elsewhere_in_the_post_stays_code() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let fake = FakeMastodon::start();
    let bob = bob(&fake);
    let profile = fake.actor()["url"].as_str().unwrap().to_string();

    let url = publish(
        &server,
        &admin,
        &format!("Hi @{bob}! To mention you, people type `hi @{bob}`."),
    );
    assert_eq!(
        content_links(&server, &url),
        vec![(profile, "@bob".to_string())]
    );
    let page = server.client().get(&url).text();
    let code = texts(&page, ".e-content code");
    assert_eq!(code, vec![format!("hi @{bob}")], "{page}");
    let served = note(&server, &url);
    assert_eq!(served["tag"].as_array().unwrap().len(), 1, "{served}");
}

// BlurHash.

#[test]
fn a_photo_goes_out_as_an_image_with_its_alt_text_size_and_a_valid_blurhash() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let fake = FakeMastodon::start();
    bob_follows_alice(&server, &fake);

    let teal = [0, 128, 128];
    let photo = solid_png(120, 80, teal);
    let url = publish_photo(
        &server,
        &admin,
        "A teal wall.",
        ("wall.png", &photo),
        "A wall painted teal",
    );

    let create = fake.wait_for_activity("Create", |_| true);
    assert_eq!(create.signature, Ok(key_id(&server)));
    let created = create.json();
    assert_eq!(created["object"]["id"], url);
    let attachments = created["object"]["attachment"].as_array().unwrap();
    assert_eq!(attachments.len(), 1, "{created}");
    let image = &attachments[0];
    assert_eq!(image["type"], "Image");
    assert_eq!(image["mediaType"], "image/png");
    assert_eq!(image["name"], "A wall painted teal");
    assert_eq!(image["width"], 120);
    assert_eq!(image["height"], 80);
    let hash = image["blurhash"].as_str().expect("a blurhash");
    let ((num_x, num_y), average) = read_blurhash(hash);
    assert!(
        (1..=9).contains(&num_x) && (1..=9).contains(&num_y),
        "{hash}"
    );
    for (got, want) in average.iter().zip(teal) {
        assert!(
            got.abs_diff(want) <= 2,
            "{hash}: average colour {average:?}, the photo is {teal:?}"
        );
    }
    // Mastodon knows `blurhash` as toot:blurhash only through the context.
    assert_eq!(created["@context"][2]["blurhash"], "toot:blurhash");
    // The image is the upload, and the Note at the permalink carries the same attachment.
    let served = server.client().get(image["url"].as_str().unwrap());
    assert_eq!(served.status, 200);
    assert_eq!(served.body, photo);
    assert_eq!(
        note(&server, &url)["attachment"],
        created["object"]["attachment"]
    );
}

#[test]
fn photos_of_different_colours_get_different_blurhashes() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let mut hashes = Vec::new();
    for (name, rgb) in [("red.png", [200, 30, 30]), ("blue.png", [30, 30, 200])] {
        let url = publish_photo(&server, &admin, name, (name, &solid_png(64, 64, rgb)), name);
        let hash = note(&server, &url)["attachment"][0]["blurhash"]
            .as_str()
            .expect("a blurhash")
            .to_string();
        let (_, average) = read_blurhash(&hash);
        for (got, want) in average.iter().zip(rgb) {
            assert!(got.abs_diff(want) <= 2, "{name}: {hash} is {average:?}");
        }
        hashes.push(hash);
    }
    assert_ne!(hashes[0], hashes[1]);
}

// The remote media proxy.

/// bob posts a Note with one image attachment at `image_url`.
fn bob_posts_an_image(server: &TestServer, fake: &FakeMastodon, text: &str, image_url: &str) {
    let mut post = fake.note(&format!("<p>{text}</p>"), None, None);
    post["attachment"] = json!([{
        "type": "Document",
        "mediaType": "image/png",
        "url": image_url,
        "name": format!("{text} (photo)"),
    }]);
    deliver(server, fake, &fake.wrap("Create", &post));
}

/// The src of the one image the timeline shows for the post with `text`.
fn timeline_image(admin: &Client, text: &str) -> String {
    let page = timeline(admin);
    let doc = Html::parse_document(&page);
    let images: Vec<String> = remote_post(&doc, text)
        .select(&Selector::parse("img").unwrap())
        .map(|i| i.value().attr("src").unwrap_or_default().to_string())
        .collect();
    assert_eq!(images.len(), 1, "{page}");
    images[0].clone()
}

/// The image URL a proxy URL of the timeline asks for.
fn proxied_url(src: &str) -> String {
    let query = src
        .strip_prefix("/admin/remote-media?")
        .unwrap_or_else(|| panic!("the image is not shown through Porch: {src}"));
    let asked: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap();
    assert_eq!(asked.len(), 1, "{src}");
    assert_eq!(asked[0].0, "url", "{src}");
    asked[0].1.clone()
}

/// The proxy URL for an image URL, as a query string encodes it.
fn proxied(url: &str) -> String {
    format!(
        "/admin/remote-media?{}",
        serde_urlencoded::to_string([("url", url)]).unwrap()
    )
}

#[test]
fn the_timeline_shows_images_of_others_posts_through_porch_only_to_the_owner() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let fake = FakeMastodon::start();
    alice_follows_bob(&server, &admin, &fake);
    let png = common::png(40, 30);
    let path = "/system/media_attachments/files/1/original/porch.png";
    let image_url = fake.serve_file(path, "image/png", png.clone());
    bob_posts_an_image(&server, &fake, "The view from my porch", &image_url);

    let src = timeline_image(&admin, "The view from my porch");
    assert_eq!(proxied_url(&src), image_url);
    assert!(
        fake.gets(path).is_empty(),
        "nothing fetched before it is asked for"
    );

    // Without a session: off to the login page, and nothing fetched.
    let visitor = server.client().get(&src);
    assert_eq!(visitor.status, 303);
    assert!(
        visitor.location().starts_with("/admin/login?next="),
        "{}",
        visitor.location()
    );
    assert!(fake.gets(path).is_empty(), "{}", fake.summary());

    let served = admin.get(&src);
    assert_eq!(served.status, 200, "{}", served.text());
    assert_eq!(served.header("content-type"), Some("image/png"));
    assert!(
        served
            .header("cache-control")
            .unwrap_or_default()
            .starts_with("private"),
        "{:?}",
        served.header("cache-control")
    );
    assert_eq!(served.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(served.body, png);
    assert_eq!(fake.gets(path).len(), 1, "{}", fake.summary());
}

#[test]
fn the_media_proxy_fetches_no_url_that_no_stored_post_carries() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let fake = FakeMastodon::start();
    alice_follows_bob(&server, &admin, &fake);
    let carried = fake.serve_file("/media/carried.png", "image/png", common::png(8, 8));
    let other = fake.serve_file("/media/other.png", "image/png", common::png(8, 8));
    bob_posts_an_image(&server, &fake, "Carried", &carried);
    let before = fake.received().len();

    for url in [
        other.clone(),
        // A part of a carried URL, or more than it, is not that URL.
        carried.trim_end_matches(".png").to_string(),
        format!("{carried}?size=original"),
        format!("{}/media/", fake.base),
        server.url("/admin/settings"),
    ] {
        let resp = admin.get(&proxied(&url));
        assert_eq!(resp.status, 404, "{url}: {}", resp.text());
    }
    assert_eq!(admin.get("/admin/remote-media").status, 400);
    assert_eq!(
        fake.received().len(),
        before,
        "no request for any of them: {}",
        fake.summary()
    );
}

#[test]
fn an_attachment_whose_server_answers_svg_is_never_served_from_porch() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let fake = FakeMastodon::start();
    alice_follows_bob(&server, &admin, &fake);
    let svg =
        br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>"#;
    let path = "/media/drawing.png";
    let url = fake.serve_file(path, "image/svg+xml", svg.to_vec());
    bob_posts_an_image(&server, &fake, "A drawing", &url);

    let src = timeline_image(&admin, "A drawing");
    assert_eq!(proxied_url(&src), url);
    let refused = admin.get(&src);
    assert_eq!(refused.status, 502, "{}", refused.text());
    assert_eq!(
        fake.gets(path).len(),
        1,
        "it was asked for: {}",
        fake.summary()
    );
    assert!(
        !refused
            .header("content-type")
            .unwrap_or_default()
            .contains("svg"),
        "{:?}",
        refused.header("content-type")
    );
    assert!(!refused.text().contains("<script"), "{}", refused.text());
}

// Moving to another account.

#[test]
fn moving_needs_the_new_account_to_name_this_one_and_can_be_cancelled() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let fake = FakeMastodon::start();
    bob_follows_alice(&server, &fake);
    let me = actor_id(&server);
    fake.add_account("alice2", Account::default());
    let target = fake.account_id("alice2");

    // The new account does not list alice yet: refused, and nothing changes.
    let csrf = admin.csrf();
    let refused = admin.post_form("/admin/move", &[("csrf", &csrf), ("target", &target)]);
    assert_eq!(refused.status, 422, "{}", refused.text());
    let message = error_on(&refused);
    assert!(
        message.contains(&format!("does not list {me} as an alias")),
        "{message}"
    );
    assert!(actor(&server).get("movedTo").is_none());
    wait_for_jobs(&server);
    assert!(fake.activities("Move").is_empty(), "{}", fake.summary());
    assert!(fake.activities("Update").is_empty(), "{}", fake.summary());

    // An account that is not there at all is refused too.
    let csrf = admin.csrf();
    let missing = fake.account_id("nobody");
    let refused = admin.post_form("/admin/move", &[("csrf", &csrf), ("target", &missing)]);
    assert_eq!(refused.status, 422, "{}", refused.text());
    assert!(
        error_on(&refused).starts_with("That account could not be found"),
        "{}",
        error_on(&refused)
    );
    assert!(actor(&server).get("movedTo").is_none());

    // Once alice2 names alice, the move goes through.
    fake.add_account(
        "alice2",
        Account {
            also_known_as: vec![me.clone()],
            ..Account::default()
        },
    );
    let csrf = admin.csrf();
    let moved = admin.post_form("/admin/move", &[("csrf", &csrf), ("target", &target)]);
    assert_eq!(moved.status, 303, "{}", moved.text());
    assert_eq!(moved.location(), "/admin/fediverse?done=moved");
    assert_eq!(actor(&server)["movedTo"], target);
    let sent = fake.wait_for_activity("Move", |_| true);
    assert_eq!(sent.signature, Ok(key_id(&server)), "{}", fake.summary());
    let activity = sent.json();
    assert_eq!(activity["actor"], me);
    assert_eq!(activity["object"], me);
    assert_eq!(activity["target"], target);
    let page = admin.get("/admin/fediverse").text();
    assert!(page.contains(&format!("This account has moved to <a href=\"{target}\"")));

    // Cancelling points the actor back here and tells followers.
    let csrf = admin.csrf();
    let cancelled = admin.post_form("/admin/move/cancel", &[("csrf", &csrf)]);
    assert_eq!(cancelled.status, 303, "{}", cancelled.text());
    assert!(actor(&server).get("movedTo").is_none());
    let update = fake.wait_for_activity("Update", |_| true);
    assert_eq!(update.signature, Ok(key_id(&server)));
    let update = update.json();
    assert_eq!(update["actor"], me);
    assert_eq!(update["object"]["id"], me);
    assert_eq!(update["object"]["type"], "Person");
    assert!(update["object"].get("movedTo").is_none(), "{update}");
    wait_for_jobs(&server);
    assert_eq!(fake.activities("Move").len(), 1, "{}", fake.summary());
    assert_eq!(fake.activities("Update").len(), 1, "{}", fake.summary());
}

#[test]
fn moving_without_the_csrf_token_or_a_session_changes_nothing() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let fake = FakeMastodon::start();
    bob_follows_alice(&server, &fake);
    fake.add_account(
        "alice2",
        Account {
            also_known_as: vec![actor_id(&server)],
            ..Account::default()
        },
    );
    let target = fake.account_id("alice2");

    let forged = admin.post_form("/admin/move", &[("target", &target)]);
    assert_eq!(forged.status, 403, "{}", forged.text());
    let visitor = server
        .client()
        .post_form("/admin/move", &[("csrf", "x"), ("target", &target)]);
    assert_eq!(visitor.status, 403, "{}", visitor.text());
    assert!(actor(&server).get("movedTo").is_none());
    wait_for_jobs(&server);
    assert!(fake.activities("Move").is_empty(), "{}", fake.summary());
    assert!(
        fake.gets("/users/alice2").is_empty(),
        "nothing looked up: {}",
        fake.summary()
    );
}

// The header image.

#[test]
fn a_header_image_goes_on_the_actor_and_followers_are_told() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let fake = FakeMastodon::start();
    bob_follows_alice(&server, &fake);

    // Not an image: refused, and nothing changes.
    let csrf = admin.csrf();
    let refused = admin.post_multipart(
        "/admin/settings/profile",
        &[("csrf", &csrf)],
        &[("header", "header.png", b"not a picture at all")],
    );
    // The profile form again, the error beside the header's file field.
    assert_eq!(refused.status, 422, "{}", refused.text());
    assert!(
        refused.text().contains("id=\"error-header\""),
        "{}",
        refused.text()
    );
    assert!(
        refused
            .text()
            .contains("This file is not an image Porch accepts (JPEG, PNG, GIF or WebP)."),
        "{}",
        refused.text()
    );
    assert!(actor(&server).get("image").is_none());
    assert_eq!(number(&server, "SELECT count(*) FROM media", []), 0);
    wait_for_jobs(&server);
    assert!(fake.activities("Update").is_empty(), "{}", fake.summary());

    let header = common::png(600, 200);
    let csrf = admin.csrf();
    let saved = admin.post_multipart(
        "/admin/settings/profile",
        &[("csrf", &csrf)],
        &[("header", "header.png", &header)],
    );
    assert_eq!(saved.status, 303, "{}", saved.text());
    assert_eq!(saved.location(), "/admin/settings/profile?done=settings");

    let doc = actor(&server);
    assert_eq!(doc["image"]["type"], "Image", "{doc}");
    let url = doc["image"]["url"].as_str().unwrap();
    assert!(url.starts_with(&server.url("/uploads/")), "{url}");
    let served = server.client().get(url);
    assert_eq!(served.status, 200, "{url}");
    assert_content_type(&served, "image/");
    let decoded = image::load_from_memory(&served.body).expect("an image");
    assert_eq!((decoded.width(), decoded.height()), (600, 200));
    assert!(doc.get("icon").is_none(), "the avatar is untouched: {doc}");

    let update = fake.wait_for_activity("Update", |_| true);
    assert_eq!(update.signature, Ok(key_id(&server)));
    let update = update.json();
    assert_eq!(update["object"]["id"], actor_id(&server));
    assert_eq!(update["object"]["image"], doc["image"]);
    wait_for_jobs(&server);
    assert_eq!(fake.activities("Update").len(), 1, "{}", fake.summary());

    // The profile settings show it.
    let page = admin.get("/admin/settings/profile").text();
    let path = url.strip_prefix(&server.base).unwrap();
    assert!(page.contains(&format!("src=\"{path}\"")), "{page}");

    // A large header goes out as its large copy, 1200 pixels wide, and followers hear again.
    let csrf = admin.csrf();
    let saved = admin.post_multipart(
        "/admin/settings/profile",
        &[("csrf", &csrf)],
        &[("header", "wide.jpg", &common::jpeg(2400, 800))],
    );
    assert_eq!(saved.status, 303, "{}", saved.text());
    let doc = actor(&server);
    let url = doc["image"]["url"].as_str().unwrap();
    let served = server.client().get(url);
    assert_eq!(served.status, 200, "{url}");
    let decoded = image::load_from_memory(&served.body).expect("an image");
    assert_eq!((decoded.width(), decoded.height()), (1200, 400));
    fake.wait_for_activity("Update", |u| u["object"]["image"] == doc["image"]);
    wait_for_jobs(&server);
    assert_eq!(fake.activities("Update").len(), 2, "{}", fake.summary());
}

#[test]
fn a_header_upload_without_the_csrf_token_changes_nothing() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let refused = admin.post_multipart(
        "/admin/settings/profile",
        &[],
        &[("header", "header.png", &common::png(300, 100))],
    );
    assert_eq!(refused.status, 403, "{}", refused.text());
    assert!(actor(&server).get("image").is_none());
    assert_eq!(number(&server, "SELECT count(*) FROM media", []), 0);
}

// Earlier accounts.

#[test]
fn earlier_accounts_are_listed_on_the_actor_and_followers_are_told() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let fake = FakeMastodon::start();
    bob_follows_alice(&server, &fake);
    assert_eq!(actor(&server)["alsoKnownAs"], json!([]));

    // Saving the form as it is changes no profile: no Update.
    let unchanged = save_settings(&admin, &[]);
    assert_eq!(unchanged.status, 303, "{}", unchanged.text());
    wait_for_jobs(&server);
    assert!(fake.activities("Update").is_empty(), "{}", fake.summary());

    // A line that is not an actor URL: refused, and nothing changes.
    let old = fake.actor_id();
    for bad in [
        format!("{old}\nmastodon.social/@alice"),
        format!("{old}\njavascript:alert(1)"),
        format!("https://old.example/users/al ice\n{old}"),
    ] {
        let refused = save_settings(&admin, &[("also_known_as", &bad)]);
        assert_eq!(refused.status, 422, "{bad}: {}", refused.text());
        assert!(
            error_on(&refused).contains("is not a web address"),
            "{}",
            error_on(&refused)
        );
        assert_eq!(actor(&server)["alsoKnownAs"], json!([]));
    }
    wait_for_jobs(&server);
    assert!(fake.activities("Update").is_empty(), "{}", fake.summary());

    let earlier = [old.as_str(), "https://mastodon.example/users/alice"];
    let saved = save_settings(
        &admin,
        &[(
            "also_known_as",
            &format!("  {}\r\n\r\n{}  \r\n", earlier[0], earlier[1]),
        )],
    );
    assert_eq!(saved.status, 303, "{}", saved.text());
    assert_eq!(actor(&server)["alsoKnownAs"], json!(earlier));
    let update = fake.wait_for_activity("Update", |_| true);
    assert_eq!(update.signature, Ok(key_id(&server)));
    let update = update.json();
    assert_eq!(update["object"]["id"], actor_id(&server));
    assert_eq!(update["object"]["alsoKnownAs"], json!(earlier));
    // The form shows them again, one per line.
    let page = admin.get("/admin/settings/fediverse");
    let fields = form_fields(&page.text(), "/admin/settings/fediverse");
    let shown = fields
        .iter()
        .find(|(n, _)| n == "also_known_as")
        .map(|(_, v)| v.clone())
        .unwrap();
    assert_eq!(shown.lines().collect::<Vec<_>>(), earlier);
    wait_for_jobs(&server);
    assert_eq!(fake.activities("Update").len(), 1, "{}", fake.summary());
}

#[test]
fn a_mention_written_in_an_app_is_linked_and_tagged_as_in_the_panel() {
    let server = TestServer::with_owner();
    let fake = FakeMastodon::start();
    let bob = bob(&fake);
    let profile = fake.actor()["url"].as_str().unwrap().to_string();
    let token = server
        .app
        .db
        .write_blocking(|tx| porch::auth::tokens::create(tx, "App", "create"))
        .unwrap();
    let body =
        serde_urlencoded::to_string([("h", "entry"), ("content", &format!("Hi @{bob}"))]).unwrap();
    let auth = format!("Bearer {token}");
    let created = server.client().post_raw(
        "/micropub",
        "application/x-www-form-urlencoded",
        body.as_bytes(),
        &[("Authorization", auth.as_str())],
    );
    assert_eq!(created.status, 201, "{}", created.text());
    let url = created
        .header("location")
        .unwrap()
        .trim_start_matches(&server.base)
        .to_string();
    assert_eq!(
        content_links(&server, &url),
        vec![(profile, "@bob".to_string())]
    );
    let create = fake.wait_for_activity("Create", |_| true);
    assert_eq!(create.json()["object"]["tag"][0]["href"], fake.actor_id());
}
