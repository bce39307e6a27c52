//! Federation with a fake Mastodon instance: a real HTTP server on loopback with its own key,
//! which checks Porch's signatures with its own code. Discovery, the follow flow and what a
//! follower receives, replies and likes, the inbox's refusals, and deliveries that fail.

mod common;

use std::time::Duration;

use common::fake_mastodon::{AS2, Account, FakeMastodon, PUBLIC, Signing, Tamper};
use common::federation::{
    LD_AS2, actor_id, alice, answer_to_follow, assert_content_type, bob, bob_follows_alice,
    bob_posts, deliver, follower_state, inbox, key_id, newest_post, number, publish, publish_photo,
    select, text_of, texts, timeline, wait_for_jobs, wait_until,
};
use common::{Client, Resp, TestServer};
use rsa::pkcs8::DecodePublicKey;
use rsa::traits::PublicKeyParts;
use scraper::{Html, Selector};
use serde_json::json;

const BROWSER: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

// Helpers.

fn followers(server: &TestServer) -> i64 {
    number(server, "SELECT count(*) FROM followers", [])
}

fn notifications(server: &TestServer, kind: &str) -> i64 {
    number(
        server,
        "SELECT count(*) FROM notifications WHERE kind = ?1",
        [kind],
    )
}

/// Asserts that a post's page shows one reply, and that it says `text`.
#[track_caller]
fn assert_one_comment(page: &str, text: &str) {
    let comments = texts(page, ".u-comment.h-cite");
    assert_eq!(comments.len(), 1, "{page}");
    assert!(comments[0].contains(text), "{comments:?}");
}

fn delete_post(admin: &Client, id: i64) {
    let csrf = admin.csrf();
    let deleted = admin.post_form(&format!("/admin/posts/{id}/delete"), &[("csrf", &csrf)]);
    assert_eq!(deleted.status, 303, "{}", deleted.text());
}

/// Every value of a response header, joined.
fn all_headers(resp: &Resp, name: &str) -> String {
    resp.headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn varies_on_accept(resp: &Resp) -> bool {
    all_headers(resp, "vary")
        .split(',')
        .any(|v| v.trim().eq_ignore_ascii_case("accept"))
}

// Discovery.

#[test]
fn webfinger_finds_the_actor_by_handle_or_url_and_nothing_else() {
    let server = TestServer::with_owner();
    let visitor = server.client();
    let host = server.base.trim_start_matches("http://");
    let by_handle = visitor.get(&format!(
        "/.well-known/webfinger?resource=acct:alice@{host}"
    ));
    assert_eq!(by_handle.status, 200, "{}", by_handle.text());
    assert_content_type(&by_handle, "application/jrd+json");
    assert_eq!(by_handle.header("access-control-allow-origin"), Some("*"));
    let jrd = by_handle.json();
    assert_eq!(jrd["subject"], format!("acct:alice@{host}"));
    let links = jrd["links"].as_array().unwrap();
    let own = links
        .iter()
        .find(|l| l["rel"] == "self")
        .expect("a self link");
    assert_eq!(own["type"], AS2);
    assert_eq!(own["href"], actor_id(&server));
    assert!(
        links
            .iter()
            .any(|l| l["rel"] == "http://webfinger.net/rel/profile-page"
                && l["href"] == server.url("/")),
        "{jrd}"
    );

    let by_url = visitor.get(&format!(
        "/.well-known/webfinger?resource={}",
        actor_id(&server)
    ));
    assert_eq!(by_url.status, 200, "{}", by_url.text());
    assert_eq!(by_url.json()["subject"], format!("acct:alice@{host}"));

    for unknown in [
        format!("acct:nobody@{host}"),
        "acct:alice@elsewhere.example".to_string(),
        "https://elsewhere.example/actor".to_string(),
    ] {
        let resp = visitor.get(&format!("/.well-known/webfinger?resource={unknown}"));
        assert_eq!(resp.status, 404, "{unknown}: {}", resp.text());
    }
    for missing in ["/.well-known/webfinger", "/.well-known/webfinger?resource="] {
        assert_eq!(visitor.get(missing).status, 400, "{missing}");
    }
}

#[test]
fn host_meta_and_nodeinfo_describe_the_server() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    publish(&server, &admin, "One.");
    publish(&server, &admin, "Two.");
    let draft = admin.compose(&[
        ("kind", "post"),
        ("markdown", "Not yet."),
        ("action", "draft"),
    ]);
    assert_eq!(draft.status, 303, "{}", draft.text());
    let visitor = server.client();

    let host_meta = visitor.get("/.well-known/host-meta");
    assert_eq!(host_meta.status, 200);
    assert_content_type(&host_meta, "application/xrd+xml");
    assert!(
        host_meta.text().contains(&format!(
            r#"template="{}/.well-known/webfinger?resource={{uri}}""#,
            server.base
        )),
        "{}",
        host_meta.text()
    );

    let links = visitor.get("/.well-known/nodeinfo");
    assert_eq!(links.status, 200);
    assert_eq!(links.header("access-control-allow-origin"), Some("*"));
    let links = links.json();
    for version in ["2.0", "2.1"] {
        let href = links["links"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["rel"] == format!("http://nodeinfo.diaspora.software/ns/schema/{version}"))
            .and_then(|l| l["href"].as_str())
            .unwrap_or_else(|| panic!("no NodeInfo {version} link in {links}"))
            .to_string();
        assert_eq!(href, server.url(&format!("/nodeinfo/{version}")));
        let doc = visitor.get(&href);
        assert_eq!(doc.status, 200, "{href}");
        assert!(
            doc.header("content-type")
                .unwrap_or_default()
                .contains(&format!(
                    "http://nodeinfo.diaspora.software/ns/schema/{version}#"
                )),
            "{:?}",
            doc.header("content-type")
        );
        let doc = doc.json();
        assert_eq!(doc["version"], version);
        assert_eq!(doc["software"]["name"], "porch");
        assert_eq!(doc["protocols"], json!(["activitypub"]));
        assert_eq!(doc["openRegistrations"], false);
        assert_eq!(doc["usage"]["users"]["total"], 1);
        assert_eq!(doc["usage"]["localPosts"], 2, "drafts are not counted");
    }
}

#[test]
fn the_actor_document_has_what_mastodon_needs() {
    let server = TestServer::with_owner();
    let visitor = server.client();
    let resp = visitor.get_with("/actor", &[("Accept", AS2)]);
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert_eq!(resp.header("content-type"), Some(AS2));
    assert!(varies_on_accept(&resp));
    let actor = resp.json();
    let id = actor_id(&server);
    assert_eq!(actor["id"], id);
    assert_eq!(actor["type"], "Person");
    assert_eq!(actor["preferredUsername"], "alice");
    assert_eq!(actor["name"], "Alice Example");
    assert_eq!(actor["inbox"], server.url("/inbox"));
    assert_eq!(actor["outbox"], server.url("/outbox"));
    assert_eq!(actor["followers"], server.url("/followers"));
    assert_eq!(actor["following"], server.url("/following"));
    assert_eq!(actor["featured"], server.url("/featured"));
    assert_eq!(actor["endpoints"]["sharedInbox"], server.url("/inbox"));
    assert_eq!(actor["manuallyApprovesFollowers"], false);
    assert_eq!(actor["publicKey"]["id"], key_id(&server));
    assert_eq!(actor["publicKey"]["owner"], id);
    let pem = actor["publicKey"]["publicKeyPem"].as_str().unwrap();
    let key = rsa::PublicKey::from_public_key_pem(pem).expect("an RSA public key in PEM");
    assert_eq!(key.size() * 8, 2048);

    // The same document under the JSON-LD spelling; the About page for a browser.
    let ld = visitor.get_with("/actor", &[("Accept", LD_AS2)]);
    assert_eq!(ld.status, 200);
    assert_eq!(ld.json(), actor);
    let browser = visitor.get_with("/actor", &[("Accept", BROWSER)]);
    assert_eq!(browser.status, 303);
    assert_eq!(browser.location(), "/about/");

    for collection in ["/outbox", "/followers", "/following", "/featured"] {
        let resp = visitor.get_with(collection, &[("Accept", AS2)]);
        assert_eq!(resp.status, 200, "{collection}");
        let doc = resp.json();
        assert_eq!(doc["id"], server.url(collection));
        assert_eq!(doc["type"], "OrderedCollection", "{collection}");
    }
}

#[test]
fn a_post_permalink_serves_its_note_to_activitypub_clients_and_html_to_browsers() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let png = common::png(64, 48);
    let url = publish_photo(
        &server,
        &admin,
        "Evening light on the steps.",
        ("steps.png", &png),
        "The porch steps at dusk",
    );
    let visitor = server.client();

    let resp = visitor.get_with(&url, &[("Accept", AS2)]);
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert_eq!(resp.header("content-type"), Some(AS2));
    assert!(varies_on_accept(&resp), "{:?}", resp.headers);
    let note = resp.json();
    assert_eq!(note["type"], "Note");
    assert_eq!(note["id"], url);
    assert_eq!(note["url"], url);
    assert_eq!(note["attributedTo"], actor_id(&server));
    assert_eq!(note["to"], json!([PUBLIC]));
    assert_eq!(note["cc"], json!([server.url("/followers")]));
    assert_eq!(
        note["content"].as_str().unwrap().trim(),
        "<p>Evening light on the steps.</p>"
    );
    assert!(note.get("name").is_none(), "an untitled post has no name");
    let attachments = note["attachment"].as_array().unwrap();
    assert_eq!(attachments.len(), 1, "{note}");
    let photo = &attachments[0];
    assert_eq!(photo["type"], "Image");
    assert_eq!(photo["mediaType"], "image/png");
    assert_eq!(photo["name"], "The porch steps at dusk");
    assert_eq!(photo["width"], 64);
    assert_eq!(photo["height"], 48);
    let photo_url = photo["url"].as_str().unwrap();
    assert!(photo_url.starts_with(&server.base), "{photo_url}");
    let image = visitor.get(photo_url);
    assert_eq!(image.status, 200, "{photo_url}");
    assert_eq!(image.body, png, "the attachment is the uploaded image");

    let ld = visitor.get_with(&url, &[("Accept", LD_AS2)]);
    assert_eq!(ld.status, 200);
    assert_eq!(ld.json(), note);

    let html = visitor.get_with(&url, &[("Accept", BROWSER)]);
    assert_eq!(html.status, 200);
    assert_content_type(&html, "text/html");
    assert!(varies_on_accept(&html), "{:?}", html.headers);
    assert!(html.text().contains("h-entry"));

    let titled = admin.compose(&[
        ("kind", "post"),
        ("title", "On Porches & Steps"),
        ("markdown", "A longer piece about porches."),
        ("action", "publish"),
    ]);
    assert_eq!(titled.status, 303, "{}", titled.text());
    let (titled_id, titled_url) = newest_post(&server);
    let article = visitor.get_with(&titled_url, &[("Accept", AS2)]).json();
    assert_eq!(article["type"], "Note", "titled posts are Notes by default");
    let content = article["content"].as_str().unwrap();
    assert!(
        content.starts_with(&format!(
            r#"<p><a href="{titled_url}">On Porches &amp; Steps</a></p>"#
        )),
        "{content}"
    );
    assert!(content.contains("A longer piece about porches."));

    delete_post(&admin, titled_id);
    let gone = visitor.get_with(&titled_url, &[("Accept", AS2)]);
    assert_eq!(gone.status, 410);
    let tombstone = gone.json();
    assert_eq!(tombstone["type"], "Tombstone");
    assert_eq!(tombstone["id"], titled_url);
}

// Following and delivery.

#[test]
fn a_mastodon_user_follows_and_receives_posts_edits_and_deletions() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let fake = FakeMastodon::start();

    let alice_doc = fake.resolve(&alice(&server));
    assert_eq!(alice_doc["id"], actor_id(&server));
    let follow = fake.follow(&actor_id(&server));
    let answer = fake.send(alice_doc["inbox"].as_str().unwrap(), &follow);
    assert_eq!(answer.status, 202, "{}", answer.body);

    // Porch fetched bob's actor to check the signature, signing its GET.
    let fetched = fake.wait_for("Porch fetching bob", |r| {
        r.method == "GET" && r.path == "/users/bob"
    });
    assert_eq!(fetched.signature, Ok(key_id(&server)), "{}", fake.summary());
    assert!(
        fetched.header("accept").unwrap_or_default().contains(AS2),
        "{:?}",
        fetched.header("accept")
    );

    let accept = answer_to_follow(&server, &fake, "Accept", &follow, "/users/bob/inbox");
    assert_eq!(accept.status, 202);
    assert_eq!(accept.header("content-type"), Some(AS2));
    let accepted = accept.json();
    assert_eq!(follower_state(&server, &fake).as_deref(), Some("accepted"));
    assert_eq!(notifications(&server, "follow"), 1);
    // No follower counts anywhere: the collection shows neither members nor their number.
    let collection = server
        .client()
        .get_with("/followers", &[("Accept", AS2)])
        .json();
    assert!(collection.get("totalItems").is_none(), "{collection}");
    assert!(collection.get("orderedItems").is_none(), "{collection}");
    // The Accept is addressed to bob alone: it is not published.
    let accept_path = accepted["id"].as_str().unwrap().replace(&server.base, "");
    assert_eq!(
        server
            .client()
            .get_with(&accept_path, &[("Accept", AS2)])
            .status,
        404
    );

    // A new post reaches bob's server once, at its shared inbox.
    publish(&server, &admin, "Hello, fediverse, from the porch.");
    let (post_id, url) = newest_post(&server);
    let create = fake.wait_for_activity("Create", |_| true);
    assert_eq!(create.path, "/inbox", "delivered to the shared inbox");
    assert_eq!(create.signature, Ok(key_id(&server)));
    let created = create.json();
    assert_eq!(created["actor"], actor_id(&server));
    assert_eq!(created["to"], json!([PUBLIC]));
    assert_eq!(created["cc"], json!([server.url("/followers")]));
    assert_eq!(created["object"]["type"], "Note");
    assert_eq!(created["object"]["id"], url);
    assert_eq!(created["object"]["attributedTo"], actor_id(&server));
    assert!(
        created["object"]["content"]
            .as_str()
            .unwrap()
            .contains("Hello, fediverse, from the porch."),
        "{created}"
    );

    // The Create is public: in the outbox, and at its own id.
    let visitor = server.client();
    let outbox = visitor
        .get_with("/outbox?page=1", &[("Accept", AS2)])
        .json();
    assert_eq!(outbox["orderedItems"][0]["id"], created["id"], "{outbox}");
    let create_path = created["id"].as_str().unwrap().replace(&server.base, "");
    let served = visitor.get_with(&create_path, &[("Accept", AS2)]);
    assert_eq!(served.status, 200);
    assert_eq!(served.json()["object"]["id"], url);

    // An edit is an Update of the same object.
    let edited = admin.compose(&[
        ("id", &post_id.to_string()),
        ("kind", "post"),
        ("title", ""),
        ("markdown", "Hello again, edited."),
        ("action", "publish"),
    ]);
    assert_eq!(edited.status, 303, "{}", edited.text());
    let update = fake.wait_for_activity("Update", |_| true);
    assert_eq!(update.signature, Ok(key_id(&server)));
    let updated = update.json();
    assert_eq!(updated["object"]["id"], url);
    assert_eq!(updated["object"]["type"], "Note");
    assert!(
        updated["object"]["content"]
            .as_str()
            .unwrap()
            .contains("Hello again, edited."),
        "{updated}"
    );
    assert_ne!(updated["id"], created["id"]);
    // Mastodon applies an edit only when the Note says when it was edited (`updated`, later
    // than `published` or the last edit); without it the Update changes nothing there.
    let edited_at = updated["object"]["updated"]
        .as_str()
        .unwrap_or_else(|| panic!("an Update without `updated`: {updated}"));
    let published = updated["object"]["published"].as_str().unwrap();
    assert!(
        chrono::DateTime::parse_from_rfc3339(edited_at).unwrap()
            >= chrono::DateTime::parse_from_rfc3339(published).unwrap(),
        "{edited_at} before {published}"
    );

    // A deletion is a Delete of a Tombstone.
    delete_post(&admin, post_id);
    let delete = fake.wait_for_activity("Delete", |_| true);
    assert_eq!(delete.signature, Ok(key_id(&server)));
    let deleted = delete.json();
    assert_eq!(deleted["object"]["id"], url);
    assert_eq!(deleted["object"]["type"], "Tombstone");
    assert_eq!(deleted["actor"], actor_id(&server));
    wait_for_jobs(&server);
    for (kind, n) in [("Accept", 1), ("Create", 1), ("Update", 1), ("Delete", 1)] {
        assert_eq!(fake.activities(kind).len(), n, "{kind}: {}", fake.summary());
    }

    // Undo Follow: bob is no longer a follower, and the next post goes nowhere.
    deliver(&server, &fake, &fake.undo(&follow));
    assert_eq!(follower_state(&server, &fake), None);
    publish(&server, &admin, "Nobody hears this one.");
    wait_for_jobs(&server);
    assert_eq!(fake.activities("Create").len(), 1, "{}", fake.summary());
}

// Replies and likes.

/// The kinds of every job queued from now on, recorded by a trigger the test adds: finished
/// jobs leave the queue, so only a record shows what was queued.
fn record_queued_jobs(server: &TestServer) {
    server
        .app
        .db
        .write_blocking(|tx| {
            Ok(tx.execute_batch(
                "CREATE TABLE queued_kinds (kind TEXT NOT NULL);
                 CREATE TRIGGER record_queued AFTER INSERT ON jobs
                 BEGIN INSERT INTO queued_kinds (kind) VALUES (new.kind); END;",
            )?)
        })
        .unwrap();
}

#[test]
fn a_post_nobody_follows_queues_no_fan_out_and_is_still_in_the_outbox() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    record_queued_jobs(&server);
    let queued = |kind: &str| {
        number(
            &server,
            "SELECT count(*) FROM queued_kinds WHERE kind = ?1",
            [kind],
        )
    };

    let url = publish(&server, &admin, "Nobody is listening yet.");
    wait_for_jobs(&server);
    assert_eq!(queued("post_changed"), 1);
    assert_eq!(queued("fan_out"), 0, "nobody to tell: no fan-out job");
    let visitor = server.client();
    let outbox = visitor
        .get_with("/outbox?page=1", &[("Accept", AS2)])
        .json();
    let created = &outbox["orderedItems"][0];
    assert_eq!(created["type"], "Create", "{outbox}");
    assert_eq!(created["object"]["id"], url);
    let create_path = created["id"].as_str().unwrap().replace(&server.base, "");
    let served = visitor.get_with(&create_path, &[("Accept", AS2)]);
    assert_eq!(served.status, 200);
    assert_eq!(served.json()["object"]["id"], url);

    // With a follower there is someone to tell again.
    let fake = FakeMastodon::start();
    bob_follows_alice(&server, &fake);
    publish(&server, &admin, "Now someone is.");
    fake.wait_for_activity("Create", |a| {
        a["object"]["content"]
            .as_str()
            .is_some_and(|c| c.contains("Now someone is."))
    });
    assert_eq!(queued("fan_out"), 1);
}

#[test]
fn a_reply_waits_for_approval_then_follows_its_edits_and_deletion() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let fake = FakeMastodon::start();
    let url = publish(&server, &admin, "What do you sit on, on your porch?");
    let visitor = server.client();

    let note = fake.note(
        "<p>A rocking chair, obviously!<script>alert(1)</script></p>",
        Some(&url),
        Some(&actor_id(&server)),
    );
    let note_id = note["id"].as_str().unwrap().to_string();
    deliver(&server, &fake, &fake.wrap("Create", &note));
    assert_eq!(
        number(
            &server,
            "SELECT count(*) FROM remote_posts WHERE uri = ?1 AND moderation = 'pending'",
            [&note_id]
        ),
        1,
        "a reply from someone alice does not follow waits"
    );
    assert_eq!(notifications(&server, "reply"), 1);
    let page = visitor.get(&url);
    assert_eq!(page.status, 200);
    assert!(
        !page.text().contains("rocking chair"),
        "a pending reply is not public"
    );
    assert!(texts(&page.text(), ".u-comment").is_empty());

    let queue = admin.get("/admin/moderation");
    assert_eq!(queue.status, 200, "{}", queue.text());
    assert!(queue.text().contains("A rocking chair, obviously!"));
    assert!(!queue.text().contains("<script>alert(1)"));
    let remote_id = number(
        &server,
        "SELECT id FROM remote_posts WHERE uri = ?1",
        [&note_id],
    );
    let csrf = admin.csrf();
    let approved = admin.post_form(
        &format!("/admin/moderation/{remote_id}/approve"),
        &[("csrf", &csrf)],
    );
    assert_eq!(approved.status, 303, "{}", approved.text());
    let page = visitor.get(&url).text();
    assert_one_comment(&page, "A rocking chair, obviously!");
    assert!(!page.contains("alert(1)"), "the reply was sanitized");

    // bob edits his reply: the page shows the new text.
    let mut edited = note.clone();
    edited["content"] = json!("<p>A porch swing, actually.</p>");
    edited["updated"] = json!(chrono::Utc::now().to_rfc3339());
    deliver(&server, &fake, &fake.wrap("Update", &edited));
    let page = visitor.get(&url).text();
    assert_one_comment(&page, "A porch swing, actually.");
    assert!(!page.contains("rocking chair"));

    // bob deletes it: it leaves the page and the store.
    deliver(&server, &fake, &fake.delete(&note_id));
    let page = visitor.get(&url).text();
    assert!(texts(&page, ".u-comment").is_empty(), "{page}");
    assert!(!page.contains("porch swing"));
    assert_eq!(
        number(
            &server,
            "SELECT count(*) FROM remote_posts WHERE uri = ?1",
            [&note_id]
        ),
        0
    );
}

#[test]
fn the_owner_follows_a_mastodon_user_whose_replies_then_skip_moderation() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let fake = FakeMastodon::start();
    let csrf = admin.csrf();
    let followed = admin.post_form(
        "/admin/following",
        &[("csrf", &csrf), ("handle", &bob(&fake))],
    );
    assert_eq!(followed.status, 303, "{}", followed.text());
    assert!(
        fake.gets("/.well-known/webfinger").len() == 1,
        "found by WebFinger over http: {}",
        fake.summary()
    );
    let follow = fake.wait_for_activity("Follow", |_| true);
    assert_eq!(follow.path, "/users/bob/inbox");
    assert_eq!(follow.signature, Ok(key_id(&server)));
    let follow = follow.json();
    assert_eq!(follow["actor"], actor_id(&server));
    assert_eq!(follow["object"], fake.actor_id());
    let following = |state: &str| {
        number(
            &server,
            "SELECT count(*) FROM following WHERE state = ?1",
            [state],
        )
    };
    assert_eq!(following("pending"), 1);

    deliver(&server, &fake, &fake.accept(&follow));
    assert_eq!(following("accepted"), 1);

    // A reply from someone the owner follows is shown at once.
    let url = publish(&server, &admin, "Who else has a porch?");
    let reply = fake.note("<p>Me! A small one.</p>", Some(&url), None);
    deliver(&server, &fake, &fake.wrap("Create", &reply));
    assert_one_comment(&server.client().get(&url).text(), "Me! A small one.");

    // An ordinary post of bob's lands in the owner's timeline.
    bob_posts(&server, &fake, "Sunny on the coast today.");
    let timeline = timeline(&admin);
    assert!(timeline.contains("Sunny on the coast today."), "{timeline}");

    // Unfollowing sends an Undo of that Follow.
    let bob_id = number(
        &server,
        "SELECT id FROM actors WHERE uri = ?1",
        [fake.actor_id()],
    );
    let csrf = admin.csrf();
    let unfollowed = admin.post_form(
        &format!("/admin/following/{bob_id}/delete"),
        &[("csrf", &csrf)],
    );
    assert_eq!(unfollowed.status, 303, "{}", unfollowed.text());
    let undo = fake.wait_for_activity("Undo", |_| true);
    assert_eq!(undo.signature, Ok(key_id(&server)));
    assert_eq!(undo.json()["object"]["id"], follow["id"]);
    assert_eq!(following("accepted"), 0);
}

#[test]
fn a_like_is_a_private_notification_never_shown_on_the_post() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let fake = FakeMastodon::start();
    let url = publish(&server, &admin, "Fresh lemonade on the porch.");

    let like = fake.like(&url);
    deliver(&server, &fake, &like);
    // The same Like delivered again (Mastodon retries) is one notification.
    let again = fake.send(&inbox(&server), &like);
    assert_eq!(again.status, 202, "{}", again.body);
    assert_eq!(notifications(&server, "like"), 1);

    let page = admin.get("/admin/notifications");
    assert_eq!(page.status, 200, "{}", page.text());
    assert!(page.text().contains(&fake.handle()), "{}", page.text());

    let public = server.client().get(&url);
    assert_eq!(public.status, 200);
    let public = public.text();
    for private in [fake.handle(), "Bob Fake".to_string(), fake.base.clone()] {
        assert!(!public.contains(&private), "{private} on the public page");
    }

    // Undo Like takes the notification back.
    deliver(&server, &fake, &fake.undo(&like));
    assert_eq!(notifications(&server, "like"), 0);
}

/// `name`, an account of `fake`, replies `text` to the post at `url`; the reply waits for the
/// owner (no one here is followed), who approves it.
#[track_caller]
fn approved_reply_as(
    server: &TestServer,
    admin: &Client,
    fake: &FakeMastodon,
    name: &str,
    url: &str,
    text: &str,
) {
    let mut note = fake.note(text, Some(url), None);
    note["attributedTo"] = json!(fake.account_id(name));
    let mut create = fake.wrap("Create", &note);
    create["actor"] = json!(fake.account_id(name));
    let signing = Signing {
        key_id: Some(fake.account_key_id(name)),
        ..Signing::default()
    };
    let answer = fake.send_raw(&inbox(server), create.to_string().as_bytes(), &signing);
    assert_eq!(answer.status, 202, "{}", answer.body);
    let id = number(
        server,
        "SELECT id FROM remote_posts WHERE uri = ?1 AND moderation = 'pending'",
        [note["id"].as_str().unwrap()],
    );
    let approved = admin.post_form(
        &format!("/admin/moderation/{id}/approve"),
        &[("csrf", &admin.csrf())],
    );
    assert_eq!(approved.status, 303, "{}", approved.text());
}

#[test]
fn replies_show_under_a_heading_with_their_authors_avatars_copied_here_or_initials() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let fake = FakeMastodon::start();
    let url = publish(&server, &admin, "Which chair is the best on a porch?");
    // dora's icon is a wide picture on her server; carol has none; erin's is gone (404).
    let icon = fake.serve_file("/media/dora.png", "image/png", common::png(300, 200));
    let icon_of = |url: &str| Account {
        overrides: vec![(
            "icon",
            json!({"type": "Image", "mediaType": "image/png", "url": url}),
        )],
        ..Account::default()
    };
    fake.add_account("dora", icon_of(&icon));
    fake.add_account("carol", Account::default());
    fake.add_account("erin", icon_of(&format!("{}/media/erin.png", fake.base)));
    approved_reply_as(
        &server,
        &admin,
        &fake,
        "dora",
        &url,
        "<p>The rocking one.</p>",
    );
    approved_reply_as(&server, &admin, &fake, "carol", &url, "<p>A bench.</p>");
    approved_reply_as(&server, &admin, &fake, "erin", &url, "<p>A swing.</p>");
    wait_for_jobs(&server);

    let page = server.client().get(&url);
    assert_eq!(page.status, 200);
    let page = page.text();
    let doc = Html::parse_document(&page);
    assert_eq!(select(&doc, "h1").len(), 1, "one h1: {page}");
    let headings: Vec<String> = select(&doc, "section.replies > h2")
        .iter()
        .map(text_of)
        .collect();
    assert_eq!(headings, ["Replies"], "{page}");
    let replies = select(&doc, "section.replies > .u-comment.h-cite");
    assert_eq!(replies.len(), 3, "{page}");
    let author = |i: usize| {
        let sel = Selector::parse(".p-author.h-card").unwrap();
        replies[i].select(&sel).next().expect("an author h-card")
    };
    // The author's name is the link's only text: the initials are drawn by CSS.
    assert_eq!(text_of(&author(0)), "dora (fake)");
    assert_eq!(text_of(&author(1)), "carol (fake)");

    // dora's picture is a 96 px square copy served by Porch, never her server's URL.
    let img = Selector::parse("img.u-photo").unwrap();
    let avatar = author(0).select(&img).next().expect("dora's avatar");
    assert_eq!(avatar.value().attr("alt"), Some(""));
    let src = avatar.value().attr("src").unwrap();
    assert!(src.starts_with(&server.url("/uploads/")), "{src}");
    for shown in select(&doc, "img") {
        let at = shown.value().attr("src").unwrap_or_default();
        assert!(
            at.starts_with(&server.base),
            "an image from elsewhere: {at}"
        );
    }
    let served = server.client().get(src);
    assert_eq!(served.status, 200);
    assert_eq!(served.header("content-type"), Some("image/jpeg"));
    let copy = image::load_from_memory(&served.body).unwrap();
    assert_eq!((copy.width(), copy.height()), (96, 96));

    // carol and erin are shown by their initials, with no picture at all.
    for (i, initials) in [(1, "CF"), (2, "EF")] {
        assert!(author(i).select(&img).next().is_none(), "{page}");
        let sel = Selector::parse("span.initials[aria-hidden=true]").unwrap();
        let span = author(i).select(&sel).next().expect("initials");
        assert_eq!(span.value().attr("data-initials"), Some(initials));
    }
    // erin's missing icon is recorded as giving no copy, so it is not asked for again.
    assert_eq!(
        number(
            &server,
            "SELECT count(*) FROM actors WHERE uri = ?1 AND avatar = '' AND avatar_source = ?2",
            [
                fake.account_id("erin"),
                format!("{}/media/erin.png", fake.base)
            ],
        ),
        1
    );

    // For parsers the avatar is the author's photo, and the h-card keeps its URL.
    let mf2 = microformats::from_html(&page, &url::Url::parse(&url).unwrap()).unwrap();
    let mf2 = serde_json::to_value(&mf2).unwrap();
    let entry = mf2["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["type"] == json!(["h-entry"]))
        .expect("an h-entry");
    let card = &entry["properties"]["comment"][0]["properties"]["author"][0]["properties"];
    assert_eq!(card["name"], json!(["dora (fake)"]), "{card}");
    assert_eq!(
        card["url"],
        json!([format!("{}/@dora", fake.base)]),
        "{card}"
    );
    assert_eq!(card["photo"], json!([{"value": src, "alt": ""}]), "{card}");

    // Another reply of dora's: her icon is not fetched again.
    approved_reply_as(&server, &admin, &fake, "dora", &url, "<p>Or a hammock.</p>");
    wait_for_jobs(&server);
    assert_eq!(fake.gets("/media/dora.png").len(), 1, "{}", fake.summary());
    let page = server.client().get(&url).text();
    assert_eq!(page.matches(src).count(), 2, "{page}");
}

// The inbox's refusals.

#[test]
fn the_inbox_refuses_unsigned_forged_stale_and_malformed_requests() {
    let server = TestServer::with_owner();
    let fake = FakeMastodon::start();
    let follow = fake.follow(&actor_id(&server));
    let body = follow.to_string();
    let inbox = inbox(&server);

    for tamper in [
        Tamper::Unsigned,
        Tamper::OtherKey,
        Tamper::WrongDigest,
        Tamper::DatedSecsAgo(13 * 3600),
        Tamper::DatedSecsAgo(-13 * 3600),
        Tamper::OtherHost,
        Tamper::DigestNotSigned,
    ] {
        let signing = Signing {
            tamper,
            ..Signing::default()
        };
        let answer = fake.send_raw(&inbox, body.as_bytes(), &signing);
        assert_eq!(answer.status, 401, "{tamper:?}: {}", answer.body);
    }

    let malformed = fake.send_raw(&inbox, b"{\"type\": \"Follow\",", &Signing::default());
    assert_eq!(malformed.status, 400, "{}", malformed.body);
    let not_an_object = fake.send_raw(&inbox, b"[1, 2]", &Signing::default());
    assert_eq!(not_an_object.status, 400, "{}", not_an_object.body);
    for field in ["actor", "type"] {
        let mut incomplete = follow.clone();
        incomplete.as_object_mut().unwrap().remove(field);
        let answer = fake.send(&inbox, &incomplete);
        assert_eq!(answer.status, 400, "without {field}: {}", answer.body);
    }

    let mut huge = follow.clone();
    huge["padding"] = json!("x".repeat(1024 * 1024));
    let huge = fake.send_raw(&inbox, huge.to_string().as_bytes(), &Signing::default());
    assert_eq!(huge.status, 413, "{}", huge.body);

    let plain = Signing {
        content_type: "text/plain".into(),
        ..Signing::default()
    };
    let wrong_type = fake.send_raw(&inbox, body.as_bytes(), &plain);
    assert_eq!(wrong_type.status, 415, "{}", wrong_type.body);

    // None of that changed anything or sent anything.
    wait_for_jobs(&server);
    assert_eq!(followers(&server), 0);
    assert_eq!(notifications(&server, "follow"), 0);
    assert!(fake.inbox_posts().is_empty(), "{}", fake.summary());

    // The very same Follow, properly signed, is accepted: the refusals did not mark it as seen.
    let answer = fake.send(&inbox, &follow);
    assert_eq!(answer.status, 202, "{}", answer.body);
    fake.wait_for_activity("Accept", |a| a["object"]["id"] == follow["id"]);
    assert_eq!(follower_state(&server, &fake).as_deref(), Some("accepted"));
}

#[test]
fn an_activity_claiming_an_actor_on_another_server_is_refused() {
    let server = TestServer::with_owner();
    let fake = FakeMastodon::start();
    let elsewhere = FakeMastodon::start_named("localhost");
    // Signed by bob at 127.0.0.1, claiming to come from bob at localhost.
    let follow = elsewhere.follow(&actor_id(&server));
    let answer = fake.send(&inbox(&server), &follow);
    assert_eq!(answer.status, 401, "{}", answer.body);
    wait_for_jobs(&server);
    assert_eq!(followers(&server), 0);
    assert!(fake.inbox_posts().is_empty(), "{}", fake.summary());
    assert!(
        elsewhere.inbox_posts().is_empty(),
        "{}",
        elsewhere.summary()
    );
}

#[test]
fn a_replayed_activity_is_accepted_but_changes_nothing() {
    let server = TestServer::with_owner();
    let fake = FakeMastodon::start();
    let follow = bob_follows_alice(&server, &fake);
    for _ in 0..3 {
        deliver(&server, &fake, &follow);
    }
    wait_for_jobs(&server);
    assert_eq!(followers(&server), 1);
    assert_eq!(notifications(&server, "follow"), 1);
    assert_eq!(fake.activities("Accept").len(), 1, "{}", fake.summary());

    // Once undone, a replay of the old Follow does not bring the follower back.
    deliver(&server, &fake, &fake.undo(&follow));
    assert_eq!(followers(&server), 0);
    let replay = fake.send(&inbox(&server), &follow);
    assert_eq!(replay.status, 202, "{}", replay.body);
    wait_for_jobs(&server);
    assert_eq!(followers(&server), 0);
    assert_eq!(fake.activities("Accept").len(), 1, "{}", fake.summary());
}

#[test]
fn a_rotated_key_is_fetched_again_and_the_old_one_refused() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let fake = FakeMastodon::start();
    bob_follows_alice(&server, &fake);
    let url = publish(&server, &admin, "Rotate me.");
    wait_for_jobs(&server);
    let fetches = fake.gets("/users/bob").len();

    fake.rotate_key();
    let like = fake.like(&url);
    deliver(&server, &fake, &like);
    assert_eq!(notifications(&server, "like"), 1);
    assert_eq!(
        fake.gets("/users/bob").len(),
        fetches + 1,
        "the new key was fetched once: {}",
        fake.summary()
    );

    let stale = Signing {
        tamper: Tamper::PreviousKey,
        ..Signing::default()
    };
    let old_key = fake.like(&url);
    let answer = fake.send_raw(&inbox(&server), old_key.to_string().as_bytes(), &stale);
    assert_eq!(answer.status, 401, "{}", answer.body);
    assert_eq!(notifications(&server, "like"), 1);
}

#[test]
fn deletes_of_unknown_accounts_are_accepted_without_fetching_anything() {
    let server = TestServer::with_owner();
    let fake = FakeMastodon::start();
    for n in 0..50 {
        let delete = fake.account_deleted(&format!("gone{n}"));
        let signing = Signing {
            key_id: Some(format!("{}#main-key", delete["actor"].as_str().unwrap())),
            ..Signing::default()
        };
        let answer = fake.send_raw(&inbox(&server), delete.to_string().as_bytes(), &signing);
        assert_eq!(answer.status, 202, "delete {n}: {}", answer.body);
    }
    assert!(
        fake.received().is_empty(),
        "nothing fetched: {}",
        fake.summary()
    );
    assert_eq!(number(&server, "SELECT count(*) FROM actors", []), 0);

    // A known account's Delete is verified and removes it with its follow.
    bob_follows_alice(&server, &fake);
    let delete = fake.account_deleted("bob");
    deliver(&server, &fake, &delete);
    assert_eq!(followers(&server), 0);
    assert_eq!(
        number(
            &server,
            "SELECT count(*) FROM actors WHERE uri = ?1",
            [&fake.actor_id()]
        ),
        0
    );
}

#[test]
fn a_blocked_domain_is_refused() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let csrf = admin.csrf();
    let blocked = admin.post_form(
        "/admin/blocks/domains",
        &[("csrf", &csrf), ("domain", "localhost")],
    );
    assert_eq!(blocked.status, 303, "{}", blocked.text());

    let elsewhere = FakeMastodon::start_named("localhost");
    let answer = elsewhere.send(&inbox(&server), &elsewhere.follow(&actor_id(&server)));
    assert_eq!(answer.status, 403, "{}", answer.body);
    assert!(
        elsewhere.received().is_empty(),
        "nothing fetched from a blocked domain: {}",
        elsewhere.summary()
    );
    assert_eq!(followers(&server), 0);

    // The same server under its address is another domain, and welcome.
    let fake = FakeMastodon::start();
    bob_follows_alice(&server, &fake);
    assert_eq!(followers(&server), 1);
}

#[test]
fn a_blocked_actor_loses_its_follow_and_is_refused() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let fake = FakeMastodon::start();
    bob_follows_alice(&server, &fake);
    let url = publish(&server, &admin, "Before the block.");
    fake.wait_for_activity("Create", |_| true);
    wait_for_jobs(&server);

    let csrf = admin.csrf();
    let blocked = admin.post_form(
        "/admin/blocks/actors",
        &[("csrf", &csrf), ("uri", &fake.actor_id())],
    );
    assert_eq!(blocked.status, 303, "{}", blocked.text());
    assert_eq!(followers(&server), 0);

    let answer = fake.send(&inbox(&server), &fake.like(&url));
    assert_eq!(answer.status, 403, "{}", answer.body);
    assert_eq!(notifications(&server, "like"), 0);
    publish(&server, &admin, "After the block.");
    wait_for_jobs(&server);
    assert_eq!(fake.activities("Create").len(), 1, "{}", fake.summary());
}

// Deliveries that fail.

/// The deliver job on the admin jobs page: its status, attempts cell and retry action.
fn deliver_job(admin: &Client) -> Option<(String, String, Option<String>)> {
    let page = admin.get("/admin/jobs");
    assert_eq!(page.status, 200, "{}", page.text());
    let doc = Html::parse_document(&page.text());
    let rows = Selector::parse("tbody tr").unwrap();
    let cells = Selector::parse("td").unwrap();
    let status = Selector::parse(".status").unwrap();
    let retry = Selector::parse(r#"form[action$="/retry"]"#).unwrap();
    doc.select(&rows).find_map(|row| {
        // The row names its job kind; its first cell says what the job does in words.
        if row.value().attr("data-kind") != Some("deliver") {
            return None;
        }
        let status: String = row.select(&status).next()?.text().collect();
        let attempts: String = row.select(&cells).nth(3)?.text().collect();
        let action = row
            .select(&retry)
            .next()
            .and_then(|f| f.value().attr("action"))
            .map(String::from);
        Some((
            status.trim().to_string(),
            attempts.trim().to_string(),
            action,
        ))
    })
}

#[test]
fn a_delivery_waits_as_long_as_the_inbox_asks_in_retry_after() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let fake = FakeMastodon::start();
    bob_follows_alice(&server, &fake);
    let next_try = || {
        number(
            &server,
            "SELECT run_at - unixepoch() FROM jobs WHERE kind = 'deliver'",
            [],
        )
    };
    let deliveries_after = |n: usize| {
        wait_until("the delivery to fail and wait", || {
            fake.activities("Create")
                .iter()
                .filter(|r| r.status != 202)
                .count()
                >= n
                && number(
                    &server,
                    "SELECT count(*) FROM jobs WHERE kind = 'deliver' AND attempts > 0 \
                     AND run_at > unixepoch()",
                    [],
                ) == 1
        });
    };

    let in_two_hours = (chrono::Utc::now() + chrono::Duration::hours(2))
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string();
    for (n, (status, retry_after, expected, what)) in [
        // Too many requests, come back in an hour: an hour, not the usual 30 seconds.
        (429, "3600", 3600, "an hour"),
        // Down for maintenance until a date two hours from now.
        (503, in_two_hours.as_str(), 7200, "two hours"),
        // A server may not park deliveries for a month: a day at most.
        (503, "2592000", 86400, "a day"),
    ]
    .into_iter()
    .enumerate()
    {
        fake.set_inbox_status(status);
        fake.set_retry_after(Some(retry_after));
        publish(&server, &admin, &format!("Anyone there, {n}?"));
        deliveries_after(n + 1);
        let wait = next_try();
        assert!(
            (expected - 10..=expected).contains(&wait),
            "next try in {wait} s, not {what}"
        );
        drop_deliveries(&server);
    }
}

/// Drops the waiting delivery jobs, so that the next one is the only one.
fn drop_deliveries(server: &TestServer) {
    server
        .app
        .db
        .write_blocking(|tx| Ok(tx.execute("DELETE FROM jobs WHERE kind = 'deliver'", [])?))
        .unwrap();
}

#[test]
fn a_delivery_to_a_server_that_is_down_waits_and_can_be_retried_by_hand() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let fake = FakeMastodon::start();
    bob_follows_alice(&server, &fake);

    fake.set_inbox_status(503);
    let url = publish(&server, &admin, "Are you there?");
    let failed = fake.wait_for("a Create answered 503", |r| {
        r.is_inbox_post() && r.kind() == "Create" && r.status == 503
    });
    assert_eq!(failed.signature, Ok(key_id(&server)));

    let mut job = None;
    wait_until("the failed delivery on /admin/jobs", || {
        job = deliver_job(&admin);
        job.as_ref()
            .is_some_and(|(_, attempts, _)| attempts.starts_with("1 of"))
    });
    let (status, attempts, action) = job.unwrap();
    assert_eq!(status, "queued", "waiting out its backoff");
    assert_eq!(attempts, "1 of 20");
    let action = action.expect("a Retry now button for a job waiting after a failure");
    assert!(
        action.starts_with("/admin/jobs/") && action.ends_with("/retry"),
        "{action}"
    );
    assert_eq!(
        fake.activities("Create").len(),
        1,
        "no retry before the backoff: {}",
        fake.summary()
    );
    let wait = number(
        &server,
        "SELECT run_at - unixepoch() FROM jobs WHERE kind = 'deliver'",
        [],
    );
    assert!((1..=30).contains(&wait), "next try in {wait} s, not 30");

    fake.set_inbox_status(202);
    let csrf = admin.csrf();
    let retried = admin.post_form(&action, &[("csrf", &csrf)]);
    assert_eq!(retried.status, 303, "{}", retried.text());
    let delivered = fake.wait_for("the Create, retried", |r| {
        r.is_inbox_post() && r.kind() == "Create" && r.status == 202
    });
    assert!(
        delivered.at.duration_since(failed.at) < Duration::from_secs(30),
        "delivered by the retry, not by the 30 s backoff"
    );
    assert_eq!(delivered.signature, Ok(key_id(&server)));
    assert_eq!(delivered.json()["object"]["id"], url);
    assert_eq!(delivered.json()["id"], failed.json()["id"]);
    wait_for_jobs(&server);
    assert_eq!(deliver_job(&admin), None);
    assert_eq!(fake.activities("Create").len(), 2, "{}", fake.summary());
}

#[test]
fn an_inbox_that_answers_gone_loses_its_follower() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let fake = FakeMastodon::start();
    bob_follows_alice(&server, &fake);

    fake.set_inbox_status(410);
    publish(&server, &admin, "Hello?");
    fake.wait_for("a Create answered 410", |r| {
        r.is_inbox_post() && r.kind() == "Create" && r.status == 410
    });
    wait_until("the follower to be removed", || followers(&server) == 0);
    wait_for_jobs(&server);

    publish(&server, &admin, "Anyone?");
    wait_for_jobs(&server);
    assert_eq!(fake.activities("Create").len(), 1, "{}", fake.summary());
}
