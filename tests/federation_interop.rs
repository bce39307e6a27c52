//! Federation beyond the basic flow, against the fake Mastodon: the owner's replies from the
//! timeline, approving followers by hand, content warnings, domain block lists in Mastodon's
//! CSV, muting, moved accounts, content negotiation with real-world Accept headers, and the
//! ways other servers sign their deliveries (hs2019, other header orders, query strings, keys
//! as documents of their own, RFC 9421).

mod common;

use common::fake_mastodon::{AS2, Account, FakeMastodon, PUBLIC, Signing, Tamper};
use common::federation::{
    LD_AS2, actor, actor_id, alice_follows_bob, answer_to_follow, assert_content_type,
    bob_follows_alice, bob_posts, deliver, fediverse_row, following_state, form_fields, inbox,
    key_id, note, publish, publish_with, remote_post, save_settings, select, text_of, texts,
    timeline, wait_for_jobs,
};
use common::{Client, Resp, TestServer};
use scraper::{Html, Selector};
use serde_json::{Value, json};

const CSV_HEADER: &str =
    "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate";

// Helpers.

/// The row of `handle` among the followers on the Fediverse screen: its state and actions.
fn follower_row(admin: &Client, handle: &str) -> Option<(String, Vec<String>)> {
    fediverse_row(admin, "Followers", handle)
}

/// The reply box of a post from elsewhere on an admin screen: the form's action and its
/// hidden fields.
struct ReplyForm {
    action: String,
    remote_post_id: String,
    back: String,
}

impl ReplyForm {
    /// The reply box of the post showing `text` on an admin page.
    #[track_caller]
    fn of(html: &str, text: &str) -> ReplyForm {
        let doc = Html::parse_document(html);
        let form = remote_post(&doc, text)
            .select(&Selector::parse("form").unwrap())
            .next()
            .expect("a reply form");
        let hidden = |name: &str| {
            form.select(&Selector::parse(&format!(r#"input[name="{name}"]"#)).unwrap())
                .next()
                .and_then(|i| i.value().attr("value"))
                .unwrap_or_else(|| panic!("no {name} in the reply form"))
                .to_string()
        };
        assert!(
            form.select(&Selector::parse(r#"textarea[name="text"]"#).unwrap())
                .next()
                .is_some(),
            "a text box"
        );
        ReplyForm {
            action: form.value().attr("action").unwrap_or_default().to_string(),
            remote_post_id: hidden("remote_post_id"),
            back: hidden("back"),
        }
    }

    /// The owner sends `text` through this box; returns the response.
    fn send(&self, admin: &Client, text: &str) -> Resp {
        let csrf = admin.csrf();
        admin.post_form(
            &self.action,
            &[
                ("csrf", &csrf),
                ("remote_post_id", &self.remote_post_id),
                ("text", text),
                ("back", &self.back),
            ],
        )
    }
}

/// The action of the button among a follower's `actions` that ends in `/{decision}`.
#[track_caller]
fn button(actions: &[String], decision: &str) -> String {
    actions
        .iter()
        .find(|a| a.ends_with(&format!("/{decision}")))
        .unwrap_or_else(|| panic!("no {decision} button among {actions:?}"))
        .clone()
}

/// The owner presses a button (a form with only the CSRF token) at `action`.
fn press(admin: &Client, action: &str) -> Resp {
    let csrf = admin.csrf();
    admin.post_form(action, &[("csrf", &csrf)])
}

/// `name`, an account beside bob on his server, follows alice, signing with its own key;
/// returns the Follow, which Porch took.
#[track_caller]
fn follow_as(server: &TestServer, fake: &FakeMastodon, name: &str) -> Value {
    let mut follow = fake.follow(&actor_id(server));
    follow["actor"] = json!(fake.account_id(name));
    let signing = Signing {
        key_id: Some(fake.account_key_id(name)),
        ..Signing::default()
    };
    let answer = fake.send_raw(&inbox(server), follow.to_string().as_bytes(), &signing);
    assert_eq!(answer.status, 202, "{}", answer.body);
    follow
}

/// How many likes /admin/notifications lists.
fn likes_listed(admin: &Client) -> usize {
    let page = admin.get("/admin/notifications");
    assert_eq!(page.status, 200, "{}", page.text());
    texts(&page.text(), "li.notification.like").len()
}

fn export_csv(admin: &Client) -> String {
    let export = admin.get("/admin/blocks/domains.csv");
    assert_eq!(export.status, 200, "{}", export.text());
    assert_content_type(&export, "text/csv");
    export.text()
}

// Replying from the timeline.

#[test]
fn the_owner_replies_from_the_timeline_with_a_signed_note_that_mentions_the_author() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let fake = FakeMastodon::start();
    alice_follows_bob(&server, &admin, &fake);

    let note = fake.note("<p>Rain on the tin roof all night.</p>", None, None);
    let note_id = note["id"].as_str().unwrap().to_string();
    deliver(&server, &fake, &fake.wrap("Create", &note));
    let form = ReplyForm::of(&timeline(&admin), "Rain on the tin roof");
    assert_eq!(form.action, "/admin/replies");
    assert_eq!(form.back, "timeline");

    let replied = form.send(&admin, "The *best* sound to sleep to.");
    assert_eq!(replied.status, 303, "{}", replied.text());
    assert_eq!(replied.location(), "/admin/timeline?done=replied");

    let create = fake.wait_for_activity("Create", |a| a["object"]["inReplyTo"] == note_id);
    assert!(create.is_inbox_post());
    assert_eq!(create.signature, Ok(key_id(&server)), "{}", fake.summary());
    assert_eq!(create.status, 202);
    let created = create.json();
    assert_eq!(created["actor"], actor_id(&server));
    let reply = &created["object"];
    assert_eq!(reply["type"], "Note");
    assert_eq!(reply["attributedTo"], actor_id(&server));
    assert_eq!(reply["inReplyTo"], note_id);
    assert_eq!(reply["to"], json!([PUBLIC]));
    let cc = reply["cc"].as_array().expect("cc");
    assert!(cc.contains(&json!(fake.actor_id())), "{reply}");
    assert!(cc.contains(&json!(server.url("/followers"))), "{reply}");
    assert_eq!(created["to"], reply["to"]);
    assert_eq!(created["cc"], reply["cc"]);
    let mentions: Vec<&Value> = reply["tag"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|t| t["type"] == "Mention")
        .collect();
    assert_eq!(mentions.len(), 1, "{reply}");
    assert_eq!(mentions[0]["href"], fake.actor_id());
    assert!(
        reply["content"]
            .as_str()
            .unwrap_or_default()
            .contains("The <em>best</em> sound to sleep to."),
        "{reply}"
    );

    // The reply is published at its id, as the very Note that was sent.
    let reply_id = reply["id"].as_str().unwrap();
    let path = reply_id
        .strip_prefix(&server.url("/replies/"))
        .unwrap_or_else(|| panic!("{reply_id} is not under /replies/"));
    assert!(path.parse::<u64>().is_ok(), "{reply_id}");
    let served = server.client().get_with(reply_id, &[("Accept", AS2)]);
    assert_eq!(served.status, 200, "{}", served.text());
    assert_eq!(served.header("content-type"), Some(AS2));
    let mut served = served.json();
    // Served on its own, the Note carries the JSON-LD context the Create carried for it.
    assert!(served["@context"].is_array(), "{served}");
    served.as_object_mut().unwrap().remove("@context");
    assert_eq!(&served, reply);

    // A reply of bob's in one of alice's conversations: alice's answer shows under her post.
    let url = publish(&server, &admin, "Which sound puts you to sleep?");
    let in_thread = fake.note("<p>Waves, every time.</p>", Some(&url), None);
    let in_thread_id = in_thread["id"].as_str().unwrap().to_string();
    deliver(&server, &fake, &fake.wrap("Create", &in_thread));
    let replied = ReplyForm::of(&timeline(&admin), "Waves, every time.").send(&admin, "Waves win.");
    assert_eq!(replied.status, 303, "{}", replied.text());
    let create = fake.wait_for_activity("Create", |a| a["object"]["inReplyTo"] == in_thread_id);
    let second_id = create.json()["object"]["id"].as_str().unwrap().to_string();
    assert_ne!(second_id, reply_id);

    let page = server.client().get(&url);
    assert_eq!(page.status, 200);
    let page = page.text();
    let comments = texts(&page, ".u-comment.h-cite");
    assert_eq!(comments.len(), 2, "bob's reply and alice's answer: {page}");
    assert!(comments[0].contains("Waves, every time."), "{comments:?}");
    assert!(comments[1].contains("Waves win."), "{comments:?}");
    assert!(comments[1].contains("Alice Example"), "{comments:?}");
    let doc = Html::parse_document(&page);
    let links: Vec<String> = select(&doc, ".u-comment.h-cite a.u-url")
        .iter()
        .filter_map(|a| a.value().attr("href").map(String::from))
        .collect();
    assert_eq!(links.get(1), Some(&second_id), "{links:?}");
    // The first reply (to a post outside any conversation) is on no public page.
    assert!(!page.contains("The <em>best</em> sound"), "{page}");
}

// Approving followers by hand.

#[test]
fn with_approval_by_hand_a_follow_waits_until_the_owner_approves_or_rejects_it() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let fake = FakeMastodon::start();

    let settings = admin.get("/admin/settings/fediverse");
    assert_eq!(settings.status, 200, "{}", settings.text());
    let fields = form_fields(&settings.text(), "/admin/settings/fediverse");
    assert!(fields.iter().any(|(k, _)| k == "csrf"), "{fields:?}");
    assert!(
        !fields
            .iter()
            .any(|(k, _)| k == "manually_approves_followers"),
        "off by default: {fields:?}"
    );
    let saved = save_settings(&admin, &[("manually_approves_followers", "on")]);
    assert_eq!(saved.status, 303, "{}", saved.text());
    let again = form_fields(
        &admin.get("/admin/settings/fediverse").text(),
        "/admin/settings/fediverse",
    );
    assert!(
        again
            .iter()
            .any(|(k, v)| k == "manually_approves_followers" && v == "on"),
        "{again:?}"
    );
    let actor = actor(&server);
    assert_eq!(actor["manuallyApprovesFollowers"], true, "{actor}");

    let follow = fake.follow(&actor_id(&server));
    deliver(&server, &fake, &follow);
    wait_for_jobs(&server);
    assert!(
        fake.activities("Accept").is_empty(),
        "no Accept before approval: {}",
        fake.summary()
    );
    let (state, actions) = follower_row(&admin, &fake.handle()).expect("bob among followers");
    assert_eq!(state, "asks to follow you");
    let approve = button(&actions, "approve");
    assert!(approve.starts_with("/admin/followers/"), "{approve}");
    let notifications = admin.get("/admin/notifications").text();
    assert_eq!(
        texts(&notifications, "li.notification.follow_request").len(),
        1,
        "{notifications}"
    );

    let approved = press(&admin, &approve);
    assert_eq!(approved.status, 303, "{}", approved.text());
    assert_eq!(approved.location(), "/admin/fediverse?done=approved");
    answer_to_follow(&server, &fake, "Accept", &follow, "/users/bob/inbox");
    assert_eq!(
        follower_row(&admin, &fake.handle()).map(|(s, a)| (s, a.len())),
        Some(("follows you".to_string(), 0))
    );

    // Following again (as Mastodon does when bob clicks Follow anew) is accepted at once, as
    // Mastodon fast-forwards a repeated follow, rather than sent back to the waiting list.
    let refollow = fake.follow(&actor_id(&server));
    deliver(&server, &fake, &refollow);
    let accept = fake.wait_for_activity("Accept", |a| a["object"]["id"] == refollow["id"]);
    assert_eq!(accept.signature, Ok(key_id(&server)));
    assert_eq!(
        follower_row(&admin, &fake.handle())
            .map(|(s, _)| s)
            .as_deref(),
        Some("follows you")
    );

    // carol, on the same server, is refused.
    fake.add_account("carol", Account::default());
    let carols = follow_as(&server, &fake, "carol");
    let carol_handle = format!("carol@{}", fake.handle().split_once('@').unwrap().1);
    let (state, actions) = follower_row(&admin, &carol_handle).expect("carol among followers");
    assert_eq!(state, "asks to follow you");
    let rejected = press(&admin, &button(&actions, "reject"));
    assert_eq!(rejected.status, 303, "{}", rejected.text());
    assert_eq!(rejected.location(), "/admin/fediverse?done=rejected");
    answer_to_follow(&server, &fake, "Reject", &carols, "/users/carol/inbox");
    assert_eq!(follower_row(&admin, &carol_handle), None);

    // Deciding again about someone no longer waiting sends nothing more.
    let late = press(&admin, &button(&actions, "approve"));
    assert_eq!(
        late.status,
        404,
        "carol is no longer waiting: {}",
        late.text()
    );
    let twice = press(&admin, &approve);
    assert_eq!(
        twice.status,
        404,
        "bob is already approved: {}",
        twice.text()
    );
    wait_for_jobs(&server);
    assert_eq!(fake.activities("Accept").len(), 2, "{}", fake.summary());
    assert_eq!(fake.activities("Reject").len(), 1, "{}", fake.summary());
}

// Content warnings.

#[test]
fn a_post_with_a_content_warning_goes_out_sensitive_and_opens_behind_its_summary() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let fake = FakeMastodon::start();
    bob_follows_alice(&server, &fake);

    let url = publish_with(
        &server,
        &admin,
        "The butler did it.",
        &[("content_warning", "spoilers")],
    );
    let create = fake.wait_for_activity("Create", |a| a["object"]["id"] == url);
    let sent = &create.json()["object"];
    assert_eq!(sent["summary"], "spoilers", "{sent}");
    assert_eq!(sent["sensitive"], true, "{sent}");
    assert!(
        sent["content"]
            .as_str()
            .unwrap_or_default()
            .contains("The butler did it."),
        "{sent}"
    );
    let served = note(&server, &url);
    assert_eq!(served["summary"], "spoilers");
    assert_eq!(served["sensitive"], true);

    let page = server.client().get(&url);
    assert_eq!(page.status, 200);
    let doc = Html::parse_document(&page.text());
    let details = select(&doc, "details.cw");
    assert_eq!(details.len(), 1, "{}", page.text());
    let summary: Vec<String> = details[0]
        .select(&Selector::parse("summary").unwrap())
        .map(|s| text_of(&s).trim().to_string())
        .collect();
    assert_eq!(summary, ["spoilers"]);
    let inside: Vec<String> = details[0]
        .select(&Selector::parse(".e-content").unwrap())
        .map(|e| text_of(&e))
        .collect();
    assert_eq!(inside.len(), 1);
    assert!(inside[0].contains("The butler did it."), "{inside:?}");

    let plain_url = publish(&server, &admin, "Nothing to hide here.");
    let create = fake.wait_for_activity("Create", |a| a["object"]["id"] == plain_url);
    let sent = &create.json()["object"];
    assert_eq!(sent["sensitive"], false, "{sent}");
    assert!(sent.get("summary").is_none(), "{sent}");
    let page = server.client().get(&plain_url).text();
    assert!(texts(&page, "details.cw").is_empty(), "{page}");
    assert!(page.contains("Nothing to hide here."));
}

// Domain block lists.

#[test]
fn a_mastodon_domain_block_csv_is_imported_and_exported_and_a_malformed_one_changes_nothing() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    assert_eq!(export_csv(&admin), format!("{CSV_HEADER}\n"));

    let csv = format!(
        "{CSV_HEADER}\n\
         localhost,suspend,false,false,Spam from here,false\n\
         loud.example,silence,false,false,\"loud, rude\",false\n"
    );
    let csrf = admin.csrf();
    let imported = admin.post_form(
        "/admin/blocks/domains/import",
        &[("csrf", &csrf), ("csv", &csv)],
    );
    assert_eq!(imported.status, 303, "{}", imported.text());
    assert_eq!(imported.location(), "/admin/moderation?done=imported");
    let exported = format!(
        "{CSV_HEADER}\n\
         localhost,suspend,false,false,Spam from here,false\n\
         loud.example,silence,false,false,\"loud, rude\",false\n"
    );
    assert_eq!(export_csv(&admin), exported);
    let moderation = admin.get("/admin/moderation").text();
    assert!(moderation.contains("loud.example"), "{moderation}");

    // The block holds: a server at `localhost` is refused and nothing is fetched from it.
    let elsewhere = FakeMastodon::start_named("localhost");
    let answer = elsewhere.send(&inbox(&server), &elsewhere.follow(&actor_id(&server)));
    assert_eq!(answer.status, 403, "{}", answer.body);
    assert!(elsewhere.received().is_empty(), "{}", elsewhere.summary());

    // One bad line refuses the whole file.
    let bad = format!(
        "{CSV_HEADER}\n\
         good.example,suspend,false,false,,false\n\
         not a domain!,suspend,false,false,,false\n"
    );
    let csrf = admin.csrf();
    let refused = admin.post_form(
        "/admin/blocks/domains/import",
        &[("csrf", &csrf), ("csv", &bad)],
    );
    assert_eq!(refused.status, 400, "{}", refused.text());
    assert!(
        refused.text().contains("not a domain"),
        "{}",
        refused.text()
    );
    assert_eq!(export_csv(&admin), exported);

    // And without the CSRF token nothing is imported either.
    let forged = admin.post_form("/admin/blocks/domains/import", &[("csv", "good.example\n")]);
    assert_eq!(forged.status, 403, "{}", forged.text());
    assert_eq!(export_csv(&admin), exported);

    // The export reads back in: importing it again changes nothing.
    let csrf = admin.csrf();
    let reimported = admin.post_form(
        "/admin/blocks/domains/import",
        &[("csrf", &csrf), ("csv", &exported)],
    );
    assert_eq!(reimported.status, 303, "{}", reimported.text());
    assert_eq!(export_csv(&admin), exported);
}

// Muting.

#[test]
fn a_muted_account_stays_out_of_the_timeline_and_notifications_but_keeps_its_follow() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let fake = FakeMastodon::start();
    alice_follows_bob(&server, &admin, &fake);
    bob_follows_alice(&server, &fake);
    let url = publish(&server, &admin, "Before the mute.");

    bob_posts(&server, &fake, "Loud post number one.");
    assert!(timeline(&admin).contains("Loud post number one."));
    deliver(&server, &fake, &fake.like(&url));
    assert_eq!(likes_listed(&admin), 1);

    let csrf = admin.csrf();
    let muted = admin.post_form(
        "/admin/mutes",
        &[("csrf", &csrf), ("uri", &fake.actor_id())],
    );
    assert_eq!(muted.status, 303, "{}", muted.text());
    assert_eq!(muted.location(), "/admin/moderation?done=muted");

    bob_posts(&server, &fake, "Loud post number two.");
    let shown = timeline(&admin);
    assert!(!shown.contains("Loud post number two."), "{shown}");
    deliver(&server, &fake, &fake.like(&url));
    assert_eq!(likes_listed(&admin), 1, "the muted like is not listed");

    // bob is not told and keeps following: he still gets alice's posts, and she still follows him.
    assert_eq!(
        follower_row(&admin, &fake.handle())
            .map(|(s, _)| s)
            .as_deref(),
        Some("follows you")
    );
    assert_eq!(
        following_state(&admin, &fake.handle()).as_deref(),
        Some("following")
    );
    let later = publish(&server, &admin, "After the mute.");
    fake.wait_for_activity("Create", |a| a["object"]["id"] == later);
    wait_for_jobs(&server);
    assert!(
        fake.activities("Block").is_empty() && fake.activities("Undo").is_empty(),
        "{}",
        fake.summary()
    );

    // Unmuted, his posts come back into the timeline.
    let csrf = admin.csrf();
    let unmuted = admin.post_form(
        "/admin/mutes",
        &[
            ("csrf", &csrf),
            ("uri", &fake.actor_id()),
            ("action", "unmute"),
        ],
    );
    assert_eq!(unmuted.status, 303, "{}", unmuted.text());
    bob_posts(&server, &fake, "Loud post number three.");
    assert!(timeline(&admin).contains("Loud post number three."));
}

// The inbox and other servers' signatures.

#[test]
fn the_inbox_accepts_the_signature_variants_other_servers_send() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let fake = FakeMastodon::start();
    let url = publish(&server, &admin, "Sign here.");
    let like = |signing: Signing, target: &str| {
        let body = fake.like(&url).to_string();
        fake.send_raw(target, body.as_bytes(), &signing)
    };
    let mut expected = 0;

    let variants = [
        (
            "hs2019",
            Signing {
                algorithm: "hs2019".into(),
                ..Signing::default()
            },
            inbox(&server),
        ),
        (
            "another header order, with accept",
            Signing {
                headers: Some(
                    [
                        "date",
                        "digest",
                        "host",
                        "accept",
                        "(request-target)",
                        "content-type",
                    ]
                    .map(String::from)
                    .to_vec(),
                ),
                extra_headers: vec![("Accept".into(), AS2.into())],
                ..Signing::default()
            },
            inbox(&server),
        ),
        (
            "signed over the query string",
            Signing::default(),
            server.url("/inbox?x=1"),
        ),
        (
            "signed without the query string",
            Signing {
                target_without_query: true,
                ..Signing::default()
            },
            server.url("/inbox?x=1"),
        ),
        (
            "JSON-LD content type",
            Signing {
                content_type: LD_AS2.into(),
                ..Signing::default()
            },
            inbox(&server),
        ),
    ];
    for (what, signing, target) in variants {
        let answer = like(signing, &target);
        assert_eq!(answer.status, 202, "{what}: {}", answer.body);
        expected += 1;
        assert_eq!(likes_listed(&admin), expected, "{what}");
    }

    // The variants still have to be right.
    let refused = [
        (
            "hs2019 by another key",
            Signing {
                algorithm: "hs2019".into(),
                tamper: Tamper::OtherKey,
                ..Signing::default()
            },
        ),
        (
            "an algorithm nobody uses",
            Signing {
                algorithm: "hmac-sha256".into(),
                ..Signing::default()
            },
        ),
        (
            "reordered, leaving out the digest",
            Signing {
                headers: Some(
                    ["date", "host", "(request-target)"]
                        .map(String::from)
                        .to_vec(),
                ),
                ..Signing::default()
            },
        ),
    ];
    for (what, signing) in refused {
        let answer = like(signing, &inbox(&server));
        assert_eq!(answer.status, 401, "{what}: {}", answer.body);
    }
    assert_eq!(likes_listed(&admin), expected);
}

#[test]
fn a_key_served_as_its_own_document_naming_its_owner_is_trusted() {
    let server = TestServer::with_owner();
    let fake = FakeMastodon::start();
    fake.add_account(
        "carol",
        Account {
            key_at_path: true,
            ..Account::default()
        },
    );
    let key = fake.account_key_id("carol");
    assert_eq!(key, format!("{}/main-key", fake.account_id("carol")));
    let follow = follow_as(&server, &fake, "carol");
    answer_to_follow(&server, &fake, "Accept", &follow, "/users/carol/inbox");
    // Porch read the key document, then the owner it names.
    assert_eq!(
        fake.gets("/users/carol/main-key").len(),
        1,
        "{}",
        fake.summary()
    );
    assert!(
        fake.gets("/users/carol")
            .iter()
            .any(|r| r.path == "/users/carol"),
        "{}",
        fake.summary()
    );

    // A server holds its accounts' keys and may sign for any of them, so carol's key is taken for
    // bob on the same server (a key from another server is refused: see tests/federation.rs).
    let as_bob = fake.follow(&actor_id(&server));
    let signing = Signing {
        key_id: Some(key),
        ..Signing::default()
    };
    let answer = fake.send_raw(&inbox(&server), as_bob.to_string().as_bytes(), &signing);
    assert_eq!(answer.status, 202, "{}", answer.body);
}

#[test]
fn an_rfc_9421_signed_delivery_is_accepted_and_one_with_a_wrong_content_digest_refused() {
    let server = TestServer::with_owner();
    let fake = FakeMastodon::start();
    let follow = fake.follow(&actor_id(&server));
    let body = follow.to_string();

    let wrong = fake.send_rfc9421(
        &inbox(&server),
        &fake.key_id(),
        body.as_bytes(),
        Some(b"{\"some\":\"other body\"}"),
    );
    assert_eq!(wrong.status, 401, "{}", wrong.body);
    wait_for_jobs(&server);
    assert!(fake.inbox_posts().is_empty(), "{}", fake.summary());

    let answer = fake.send_rfc9421(&inbox(&server), &fake.key_id(), body.as_bytes(), None);
    assert_eq!(answer.status, 202, "{}", answer.body);
    let accept = fake.wait_for_activity("Accept", |a| a["object"]["id"] == follow["id"]);
    assert_eq!(accept.signature, Ok(key_id(&server)));
    let admin = server.admin();
    assert_eq!(
        follower_row(&admin, &fake.handle())
            .map(|(s, _)| s)
            .as_deref(),
        Some("follows you")
    );
}

// Moved accounts.

#[test]
fn a_followed_account_that_moves_is_followed_at_its_new_home_only_if_that_confirms_it() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let fake = FakeMastodon::start();
    alice_follows_bob(&server, &admin, &fake);
    let name = fake.handle().split_once('@').unwrap().1.to_string();

    // An account that does not name bob among its aliases is not followed.
    fake.add_account("impostor", Account::default());
    let impostor = fake.account_id("impostor");
    deliver(&server, &fake, &fake.move_to(&impostor));
    fake.wait_for("Porch fetching the impostor", |r| {
        r.method == "GET" && r.path == "/users/impostor"
    });
    wait_for_jobs(&server);
    assert_eq!(fake.activities("Follow").len(), 1, "{}", fake.summary());
    assert!(fake.activities("Undo").is_empty(), "{}", fake.summary());
    assert_eq!(following_state(&admin, &format!("impostor@{name}")), None);
    assert_eq!(
        following_state(&admin, &fake.handle()).as_deref(),
        Some("following")
    );

    // bob2 says it is bob: it is followed, and bob unfollowed.
    fake.add_account(
        "bob2",
        Account {
            also_known_as: vec![fake.actor_id()],
            ..Account::default()
        },
    );
    let bob2 = fake.account_id("bob2");
    deliver(&server, &fake, &fake.move_to(&bob2));
    let follow = fake.wait_for_activity("Follow", |f| f["object"] == bob2);
    assert_eq!(follow.path, "/users/bob2/inbox");
    assert_eq!(follow.signature, Ok(key_id(&server)));
    assert_eq!(follow.json()["actor"], actor_id(&server));
    let first_follow = fake.activities("Follow")[0].json();
    let undo = fake.wait_for_activity("Undo", |_| true);
    assert_eq!(undo.path, "/users/bob/inbox");
    assert_eq!(undo.signature, Ok(key_id(&server)));
    assert_eq!(undo.json()["object"]["id"], first_follow["id"]);
    assert_eq!(undo.json()["object"]["object"], fake.actor_id());
    assert_eq!(
        following_state(&admin, &format!("bob2@{name}")).as_deref(),
        Some("waiting for approval")
    );
    assert_eq!(following_state(&admin, &fake.handle()), None);
    let notifications = admin.get("/admin/notifications").text();
    assert_eq!(
        texts(&notifications, "li.notification.move").len(),
        2,
        "{notifications}"
    );
}

// Content negotiation.

#[test]
fn accept_headers_listing_several_types_get_the_one_they_prefer() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let url = publish(&server, &admin, "Negotiate with me.");
    let visitor = server.client();
    let several = format!("{LD_AS2}, application/activity+json;q=0.9, text/html;q=0.1");

    let note = visitor.get_with(&url, &[("Accept", &several)]);
    assert_eq!(note.status, 200, "{}", note.text());
    assert_eq!(note.header("content-type"), Some(AS2));
    assert_eq!(note.json()["id"], url);
    assert_eq!(note.json()["type"], "Note");
    let actor = visitor.get_with("/actor", &[("Accept", &several)]);
    assert_eq!(actor.status, 200, "{}", actor.text());
    assert_eq!(actor.header("content-type"), Some(AS2));
    assert_eq!(actor.json()["id"], actor_id(&server));

    let refused = "text/html, application/activity+json;q=0";
    let page = visitor.get_with(&url, &[("Accept", refused)]);
    assert_eq!(page.status, 200);
    assert_content_type(&page, "text/html");
    assert!(page.text().contains("Negotiate with me."));
    let about = visitor.get_with("/actor", &[("Accept", refused)]);
    assert_eq!(about.status, 303, "{}", about.text());
    assert_eq!(about.location(), "/about/");
}
