//! Federation under attack: the tricks a hostile server or account can try, each refused with
//! nothing changed (found in review of the federation change).

mod common;

use common::TestServer;
use common::fake_mastodon::{AS2, Account, FakeMastodon, Signing};
use common::federation::*;
use serde_json::json;

#[test]
fn a_blocked_account_cannot_speak_as_another_account_of_its_server() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let fake = FakeMastodon::start();
    fake.add_account("zzz", Account::default());
    let blocked = admin.post_form(
        "/admin/blocks/actors",
        &[("csrf", &admin.csrf()), ("uri", &fake.actor_id())],
    );
    assert_eq!(blocked.status, 303, "{}", blocked.text());
    // bob's own key, claiming to be zzz on the same server.
    let mut follow = fake.follow(&actor_id(&server));
    follow["actor"] = json!(fake.account_id("zzz"));
    let answer = fake.send(&inbox(&server), &follow);
    assert_eq!(answer.status, 403, "{}", answer.body);
    wait_for_jobs(&server);
    assert_eq!(number(&server, "SELECT count(*) FROM followers", []), 0);
    assert!(fake.inbox_posts().is_empty(), "{}", fake.summary());
}

#[test]
fn an_account_of_the_same_server_signing_for_another_is_handled_as_that_other() {
    let server = TestServer::with_owner();
    let fake = FakeMastodon::start();
    fake.add_account("zzz", Account::default());
    let mut follow = fake.follow(&actor_id(&server));
    follow["actor"] = json!(fake.account_id("zzz"));
    deliver(&server, &fake, &follow);
    let accept = fake.wait_for_activity("Accept", |a| a["object"]["id"] == follow["id"]);
    assert_eq!(
        accept.path, "/users/zzz/inbox",
        "the Accept goes to zzz, who followed"
    );
    let followers = number(
        &server,
        "SELECT count(*) FROM followers f JOIN actors a ON a.id = f.actor_id WHERE a.uri = ?1",
        [fake.account_id("zzz")],
    );
    assert_eq!(followers, 1);
}

#[test]
fn an_activity_id_from_another_server_is_ignored_and_does_not_shadow_the_real_one() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let fake = FakeMastodon::start();
    let elsewhere = FakeMastodon::start_named("localhost");
    let url = publish(&server, &admin, "Like me.");
    // localhost sends a Like under an id of 127.0.0.1's.
    let real = fake.like(&url);
    let mut forged = elsewhere.like(&url);
    forged["id"] = real["id"].clone();
    deliver(&server, &elsewhere, &forged);
    assert_eq!(
        number(&server, "SELECT count(*) FROM notifications", []),
        0,
        "the forged id did nothing"
    );
    deliver(&server, &fake, &real);
    assert_eq!(
        number(
            &server,
            "SELECT count(*) FROM notifications WHERE kind = 'like'",
            []
        ),
        1,
        "the real activity with that id is still taken"
    );
}

#[test]
fn a_deleted_post_leaves_the_outbox_and_its_activities_are_no_longer_served() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let fake = FakeMastodon::start();
    bob_follows_alice(&server, &fake);
    publish(&server, &admin, "Soon to be gone, with a secret.");
    let create = fake.wait_for_activity("Create", |_| true).json();
    let activity_url = create["id"].as_str().unwrap().to_string();
    let path = activity_url.trim_start_matches(&server.base).to_string();
    let outbox = |server: &TestServer| {
        server
            .client()
            .get_with("/outbox?page=1", &[("Accept", AS2)])
            .text()
    };
    assert!(outbox(&server).contains("with a secret"));
    assert_eq!(
        server.client().get_with(&path, &[("Accept", AS2)]).status,
        200
    );

    let (id, _) = newest_post(&server);
    let deleted = admin.post_form(
        &format!("/admin/posts/{id}/delete"),
        &[("csrf", &admin.csrf())],
    );
    assert_eq!(deleted.status, 303);
    fake.wait_for_activity("Delete", |_| true);
    assert!(
        !outbox(&server).contains("with a secret"),
        "{}",
        outbox(&server)
    );
    assert_eq!(
        server.client().get_with(&path, &[("Accept", AS2)]).status,
        404
    );
}

#[test]
fn a_private_reply_never_joins_the_public_conversation_and_is_answered_privately() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let fake = FakeMastodon::start();
    bob_follows_alice(&server, &fake);
    alice_follows_bob(&server, &admin, &fake);
    let url = publish(&server, &admin, "Tell me privately.");
    // A direct message: addressed to alice alone.
    let mut dm = fake.note(
        "<p>Just between us</p>",
        Some(&url),
        Some(&actor_id(&server)),
    );
    dm["to"] = json!([actor_id(&server)]);
    dm["cc"] = json!([]);
    deliver(&server, &fake, &fake.wrap("Create", &dm));
    assert!(!server.client().get(&url).text().contains("Just between us"));
    let remote_id = number(
        &server,
        "SELECT id FROM remote_posts WHERE uri = ?1",
        [dm["id"].as_str().unwrap()],
    );
    let approve = admin.post_form(
        &format!("/admin/moderation/{remote_id}/approve"),
        &[("csrf", &admin.csrf())],
    );
    assert_eq!(
        approve.status, 404,
        "nothing to approve: it is not in the conversation"
    );
    assert!(!server.client().get(&url).text().contains("Just between us"));

    // Answering it goes to bob alone, addressed to him alone, and is served to no one.
    let sent = admin.post_form(
        "/admin/replies",
        &[
            ("csrf", &admin.csrf()),
            ("remote_post_id", &remote_id.to_string()),
            ("text", "Between us, then."),
        ],
    );
    assert_eq!(sent.status, 303, "{}", sent.text());
    let create = fake.wait_for_activity("Create", |a| a["object"]["inReplyTo"] == dm["id"]);
    assert_eq!(
        create.path, "/users/bob/inbox",
        "not to the shared inbox of followers"
    );
    let note = &create.json()["object"];
    assert_eq!(note["to"], json!([fake.actor_id()]));
    assert_eq!(note["cc"], json!([]));
    wait_for_jobs(&server);
    assert_eq!(fake.activities("Create").len(), 2, "{}", fake.summary());
    let reply_path = note["id"]
        .as_str()
        .unwrap()
        .trim_start_matches(&server.base)
        .to_string();
    assert_eq!(
        server
            .client()
            .get_with(&reply_path, &[("Accept", AS2)])
            .status,
        404
    );
    assert!(
        !server
            .client()
            .get(&url)
            .text()
            .contains("Between us, then.")
    );
}

#[test]
fn a_removed_reply_does_not_come_back_with_an_edit() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let fake = FakeMastodon::start();
    alice_follows_bob(&server, &admin, &fake);
    let url = publish(&server, &admin, "Reply to me.");
    let reply = fake.note("<p>First words</p>", Some(&url), None);
    deliver(&server, &fake, &fake.wrap("Create", &reply));
    assert!(server.client().get(&url).text().contains("First words"));
    let remote_id = number(
        &server,
        "SELECT id FROM remote_posts WHERE uri = ?1",
        [reply["id"].as_str().unwrap()],
    );
    let removed = admin.post_form(
        &format!("/admin/moderation/{remote_id}/delete"),
        &[("csrf", &admin.csrf())],
    );
    assert_eq!(removed.status, 303);
    let mut edited = reply.clone();
    edited["content"] = json!("<p>Second words</p>");
    deliver(&server, &fake, &fake.wrap("Update", &edited));
    let page = server.client().get(&url).text();
    assert!(
        !page.contains("First words") && !page.contains("Second words"),
        "{page}"
    );
}

#[test]
fn an_actor_cannot_aim_deliveries_or_links_elsewhere() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let fake = FakeMastodon::start();
    fake.add_account(
        "mallory",
        Account {
            overrides: vec![
                (
                    "endpoints",
                    json!({ "sharedInbox": "http://localhost:9/victim" }),
                ),
                ("url", json!("javascript:alert(1)")),
                (
                    "icon",
                    json!({ "type": "Image", "url": "javascript:alert(2)" }),
                ),
            ],
            ..Account::default()
        },
    );
    let mut follow = fake.follow(&actor_id(&server));
    follow["actor"] = json!(fake.account_id("mallory"));
    let signing = Signing {
        key_id: Some(fake.account_key_id("mallory")),
        ..Signing::default()
    };
    let answer = fake.send_raw(&inbox(&server), follow.to_string().as_bytes(), &signing);
    assert_eq!(answer.status, 202, "{}", answer.body);
    let stored = |column: &str| {
        let sql = format!("SELECT {column} FROM actors WHERE uri = ?1");
        let uri = fake.account_id("mallory");
        server
            .app
            .db
            .read_blocking(move |c| Ok(c.query_row(&sql, [uri], |r| r.get::<_, String>(0))?))
            .unwrap()
    };
    assert_eq!(
        stored("shared_inbox"),
        "",
        "a shared inbox on another server is dropped"
    );
    assert_eq!(
        stored("url"),
        fake.account_id("mallory"),
        "a javascript: URL is not kept"
    );
    assert_eq!(stored("icon"), "");
    // Deliveries go to mallory's own inbox, never to the third party.
    publish(&server, &admin, "To my followers.");
    let create = fake.wait_for_activity("Create", |_| true);
    assert_eq!(create.path, "/users/mallory/inbox");
}

#[test]
fn a_forged_signature_naming_an_unknown_key_stores_nothing() {
    let server = TestServer::with_owner();
    let fake = FakeMastodon::start();
    fake.add_account("carol", Account::default());
    let mut follow = fake.follow(&actor_id(&server));
    follow["actor"] = json!(fake.account_id("carol"));
    let signing = Signing {
        key_id: Some(fake.account_key_id("carol")),
        tamper: common::fake_mastodon::Tamper::OtherKey,
        ..Signing::default()
    };
    let answer = fake.send_raw(&inbox(&server), follow.to_string().as_bytes(), &signing);
    assert_eq!(answer.status, 401, "{}", answer.body);
    assert_eq!(
        number(&server, "SELECT count(*) FROM actors", []),
        0,
        "the key's owner is stored only once a signature verifies"
    );
}
