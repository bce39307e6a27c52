//! Federation upkeep: an inbox given up on comes back when it answers, the owner removes replies
//! (others' and their own), a moved account sends browsers on, and domain block severities.

mod common;

use common::TestServer;
use common::fake_mastodon::{AS2, FakeMastodon};
use common::federation::*;
use porch::store::settings;
use serde_json::json;

const BROWSER: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

/// Marks bob's shared inbox as given up on, as a week of failures would.
fn mark_dead(server: &TestServer, fake: &FakeMastodon) {
    let inbox = fake.shared_inbox();
    server
        .app
        .db
        .write_blocking(move |tx| {
            tx.execute(
                "INSERT INTO inboxes (url, failing_since, last_error, dead)
                 VALUES (?1, unixepoch() - 8 * 86400, '503', 1)",
                [&inbox],
            )?;
            Ok(())
        })
        .unwrap();
}

#[test]
fn a_dead_inbox_gets_each_new_post_once_and_comes_back_when_it_answers() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let fake = FakeMastodon::start();
    bob_follows_alice(&server, &fake);
    mark_dead(&server, &fake);

    fake.set_inbox_status(503);
    publish(&server, &admin, "Anyone home?");
    fake.wait_for("one try at the dead inbox", |r| {
        r.is_inbox_post() && r.kind() == "Create" && r.status == 503
    });
    wait_for_jobs(&server);
    assert_eq!(
        number(
            &server,
            "SELECT count(*) FROM jobs WHERE kind <> 'housekeeping'",
            []
        ),
        0,
        "a dead inbox is not retried"
    );
    assert_eq!(fake.activities("Create").len(), 1, "{}", fake.summary());
    let dead = format!(
        "SELECT dead FROM inboxes WHERE url = '{}'",
        fake.shared_inbox()
    );
    assert_eq!(number(&server, &dead, []), 1);

    fake.set_inbox_status(202);
    let url = publish(&server, &admin, "Back again?");
    let arrived = fake.wait_for("the next post, answered", |r| {
        r.is_inbox_post() && r.kind() == "Create" && r.status == 202
    });
    assert_eq!(arrived.json()["object"]["id"], url);
    wait_for_jobs(&server);
    assert_eq!(number(&server, &dead, []), 0, "alive again");
}

#[test]
fn the_owner_removes_a_reply_and_deletes_their_own() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let fake = FakeMastodon::start();
    alice_follows_bob(&server, &admin, &fake);
    let url = publish(&server, &admin, "Talk to me.");

    // bob is followed, so his reply shows at once.
    let reply = fake.note(
        "<p>Hello from bob</p>",
        Some(&url),
        Some(&actor_id(&server)),
    );
    deliver(&server, &fake, &fake.wrap("Create", &reply));
    assert!(server.client().get(&url).text().contains("Hello from bob"));
    let remote_id = number(
        &server,
        "SELECT id FROM remote_posts WHERE uri = ?1",
        [reply["id"].as_str().unwrap()],
    );
    let page = admin.get("/admin/moderation");
    assert!(
        page.text().contains("Hello from bob"),
        "listed under recent replies"
    );

    // alice answers from the admin panel; her answer joins the conversation.
    let csrf = admin.csrf();
    let sent = admin.post_form(
        "/admin/replies",
        &[
            ("csrf", &csrf),
            ("remote_post_id", &remote_id.to_string()),
            ("text", "Hello back"),
            ("back", "moderation"),
        ],
    );
    assert_eq!(sent.status, 303, "{}", sent.text());
    let create = fake.wait_for_activity("Create", |a| a["object"]["inReplyTo"] == reply["id"]);
    let reply_url = create.json()["object"]["id"].as_str().unwrap().to_string();
    assert!(server.client().get(&url).text().contains("Hello back"));

    // Removing bob's reply takes it off the page; nothing is sent for it.
    let csrf = admin.csrf();
    let removed = admin.post_form(
        &format!("/admin/moderation/{remote_id}/delete"),
        &[("csrf", &csrf)],
    );
    assert_eq!(removed.status, 303, "{}", removed.text());
    let page = server.client().get(&url).text();
    assert!(!page.contains("Hello from bob"), "{page}");
    let again = admin.post_form(
        &format!("/admin/moderation/{remote_id}/delete"),
        &[("csrf", &admin.csrf())],
    );
    assert_eq!(again.status, 404);

    // Deleting her own reply: a Tombstone at its URL, a Delete to bob, gone from the page.
    let own_id = reply_url.rsplit('/').next().unwrap().to_string();
    let csrf = admin.csrf();
    let deleted = admin.post_form(
        &format!("/admin/replies/{own_id}/delete"),
        &[("csrf", &csrf)],
    );
    assert_eq!(deleted.status, 303, "{}", deleted.text());
    let delete = fake.wait_for_activity("Delete", |a| a["object"]["id"] == reply_url);
    assert_eq!(delete.signature, Ok(key_id(&server)));
    let gone = server.client().get_with(
        reply_url.trim_start_matches(&server.base),
        &[("Accept", AS2)],
    );
    assert_eq!(gone.status, 410);
    assert_eq!(gone.json()["type"], "Tombstone");
    assert!(!server.client().get(&url).text().contains("Hello back"));
    let twice = admin.post_form(
        &format!("/admin/replies/{own_id}/delete"),
        &[("csrf", &admin.csrf())],
    );
    assert_eq!(twice.status, 404);
}

#[test]
fn a_moved_actor_sends_browsers_to_the_new_account() {
    let server = TestServer::with_owner();
    let browser = server.client();
    let before = browser.get_with("/actor", &[("Accept", BROWSER)]);
    assert_eq!(before.status, 303);
    assert_eq!(before.location(), "/about/");
    server
        .app
        .db
        .write_blocking(|tx| {
            let mut s = settings::load(tx)?;
            s.moved_to = "https://new.example/users/alice".into();
            settings::save(tx, &s)
        })
        .unwrap();
    let after = browser.get_with("/actor", &[("Accept", BROWSER)]);
    assert_eq!(after.status, 303);
    assert_eq!(after.location(), "https://new.example/users/alice");
    assert_eq!(actor(&server)["movedTo"], "https://new.example/users/alice");
}

#[test]
fn a_silenced_domain_may_follow_but_does_not_notify_and_a_suspended_one_is_refused() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let fake = FakeMastodon::start_named("localhost");
    let import = |severity: &str| {
        let csv = format!(
            "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n\
             localhost,{severity},false,false,,false\n"
        );
        let resp = admin.post_form(
            "/admin/blocks/domains/import",
            &[("csrf", &admin.csrf()), ("csv", &csv)],
        );
        assert_eq!(resp.status, 303, "{}", resp.text());
    };
    import("silence");
    bob_follows_alice(&server, &fake);
    let mention = fake.note("<p>psst</p>", None, Some(&actor_id(&server)));
    deliver(&server, &fake, &fake.wrap("Create", &mention));
    assert_eq!(
        number(
            &server,
            "SELECT count(*) FROM notifications WHERE kind = 'mention'",
            []
        ),
        0,
        "a silenced account alice does not follow does not notify"
    );
    assert_eq!(follower_state(&server, &fake).as_deref(), Some("accepted"));

    import("suspend");
    assert_eq!(
        follower_state(&server, &fake),
        None,
        "suspending removes its accounts"
    );
    let refused = fake.send(&inbox(&server), &fake.like(&actor_id(&server)));
    assert_eq!(refused.status, 403, "{}", refused.body);
}

#[test]
fn a_post_replying_to_a_mastodon_post_threads_there_and_reaches_its_author() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let fake = FakeMastodon::start();
    // bob's post, served at its page URL (as Mastodon serves /@bob/42 to AS2 clients), whose
    // id is another URL.
    let note = fake.note("<p>What are you reading?</p>", None, None);
    let page = fake.serve_file("/@bob/42", AS2, note.to_string().into_bytes());
    let saved = admin.compose(&[("markdown", "A good book."), ("in_reply_to", &page)]);
    assert_eq!(saved.status, 303, "{}", saved.text());
    // bob does not follow alice, yet the reply reaches him, threaded under his post.
    let create = fake.wait_for_activity("Create", |_| true);
    let object = &create.json()["object"];
    assert_eq!(object["inReplyTo"], note["id"]);
    assert_eq!(object["tag"][0]["type"], "Mention");
    assert_eq!(object["tag"][0]["href"], fake.actor_id());
    assert!(
        object["cc"]
            .as_array()
            .unwrap()
            .contains(&json!(fake.actor_id())),
        "{object}"
    );
    // The blog shows what it replies to, as microformats.
    let url = object["id"]
        .as_str()
        .unwrap()
        .trim_start_matches(&server.base)
        .to_string();
    let html = server.client().get(&url).text();
    assert!(
        html.contains(&format!(r#"class="u-in-reply-to" href="{page}""#)),
        "{html}"
    );
}
