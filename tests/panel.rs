//! The panel as a new owner meets it: setup that says whether other servers can reach the site,
//! the welcome checklist, the navigation's badges and skip link, settings in sections (an image
//! uploaded with the text beside it), the composer's `@` suggestions, mentions in its preview,
//! and form errors shown beside their fields.

mod common;

use common::fake_mastodon::FakeMastodon;
use common::federation::{alice_follows_bob, bob_posts, number, save_settings, wait_until};
use common::{Client, Resp, TestServer};
use scraper::{Html, Selector};

fn texts(html: &str, selector: &str) -> Vec<String> {
    let doc = Html::parse_document(html);
    doc.select(&Selector::parse(selector).unwrap())
        .map(|e| {
            e.text()
                .collect::<String>()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

#[test]
fn setup_warns_in_words_about_a_local_address_and_takes_the_title_and_time_zone() {
    let server = TestServer::start();
    let token = server.setup_token();
    let client = server.client();
    let page = client.get(&format!("/setup?token={token}"));
    assert_eq!(page.status, 200);
    let html = page.text();
    let host = server.base.trim_start_matches("http://");
    assert!(
        html.contains(&format!("<strong>{}</strong>", server.base)),
        "{html}"
    );
    let warning = texts(&html, "#reach-warning").join(" ");
    assert!(
        warning.contains("Mastodon cannot reach this address."),
        "{warning}"
    );
    assert!(
        warning.contains(&format!("your fediverse name would be @you@{host}")),
        "{warning}"
    );
    assert!(html.contains(r#"<select id="timezone" name="timezone" data-browser-zone>"#));

    // A time zone that is not one: the form again, nobody created.
    let fields = |tz: &'static str| {
        vec![
            ("token", token.clone()),
            ("username", "ada".to_string()),
            ("display_name", "Ada".to_string()),
            ("password", "a long enough password".to_string()),
            ("confirm", "a long enough password".to_string()),
            ("title", "Ada’s notes".to_string()),
            ("timezone", tz.to_string()),
        ]
    };
    let send = |fields: Vec<(&str, String)>| -> Resp {
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        client.post_form("/setup", &pairs)
    };
    let refused = send(fields("Mars/Olympus_Mons"));
    assert_eq!(refused.status, 400);
    assert!(refused.text().contains("Pick a time zone from the list."));
    assert!(
        refused.text().contains("value=\"Ada’s notes\""),
        "typed title kept"
    );
    assert_eq!(number(&server, "SELECT count(*) FROM owner", []), 0);

    let done = send(fields("Europe/Berlin"));
    assert_eq!(done.status, 303, "{}", done.text());
    let settings = server
        .app
        .db
        .read_blocking(porch::store::settings::load)
        .unwrap();
    assert_eq!(settings.title, "Ada’s notes");
    assert_eq!(settings.timezone, "Europe/Berlin");
}

#[test]
fn the_welcome_checklist_ticks_off_what_is_done_and_can_be_put_away() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let todo = |admin: &Client| texts(&admin.get("/admin").text(), ".checklist li.todo a");
    assert_eq!(
        todo(&admin),
        [
            "Give the site a title",
            "Add an avatar",
            "Write a short bio",
            "Post something",
            "Follow someone"
        ]
    );
    // HTTPS is done where Porch is started: a step without a link.
    let html = admin.get("/admin").text();
    assert!(
        texts(&html, ".checklist li.todo")
            .iter()
            .any(|t| t.contains("Serve the site over HTTPS: to do"))
    );

    common::federation::publish(&server, &admin, "Hello.");
    save_settings(&admin, &[("title", "Ada’s notes"), ("bio", "I write.")]);
    assert_eq!(todo(&admin), ["Add an avatar", "Follow someone"]);
    let html = admin.get("/admin").text();
    assert!(
        texts(&html, ".checklist li.done")
            .iter()
            .any(|t| t.contains("Post something: done"))
    );

    let csrf = admin.csrf();
    let put_away = admin.post_form("/admin/welcome/dismiss", &[("csrf", &csrf)]);
    assert_eq!(put_away.status, 303);
    assert!(!admin.get("/admin").text().contains("Welcome to your site"));
    // Without the form's token, nothing is put away (checked on a fresh site).
    let other = TestServer::with_owner();
    let admin = other.admin();
    assert_eq!(
        admin
            .post_form("/admin/welcome/dismiss", &[("csrf", "nope")])
            .status,
        403
    );
    assert!(admin.get("/admin").text().contains("Welcome to your site"));
}

#[test]
fn the_navigation_counts_new_notifications_follow_requests_and_held_replies() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let badges =
        |admin: &Client| texts(&admin.get("/admin").text(), "nav[aria-label=Admin] .badge");
    assert!(badges(&admin).is_empty());
    let html = admin.get("/admin").text();
    // The skip link is the first thing a keyboard reaches, and leads to the content.
    let body = html.split("<body>").nth(1).unwrap();
    assert!(
        body.trim_start()
            .starts_with(r##"<a class="skip" href="#content">Skip to the content</a>"##)
    );
    assert!(html.contains(r#"<main id="content" tabindex="-1">"#));

    let fake = FakeMastodon::start();
    let url = common::federation::publish(&server, &admin, "Worth a like.");
    common::federation::deliver(&server, &fake, &fake.like(&url));
    assert_eq!(badges(&admin), ["1 new"]);
    // Opening the notifications reads them.
    assert_eq!(admin.get("/admin/notifications").status, 200);
    assert!(badges(&admin).is_empty());

    // A follow request waits on the Fediverse screen when followers are approved by hand.
    save_settings(&admin, &[("manually_approves_followers", "on")]);
    let alice = fake.resolve(&common::federation::alice(&server));
    let follow = fake.follow(alice["id"].as_str().unwrap());
    let answer = fake.send(alice["inbox"].as_str().unwrap(), &follow);
    assert_eq!(answer.status, 202, "{}", answer.body);
    wait_until("the follow request is stored", || {
        number(
            &server,
            "SELECT count(*) FROM followers WHERE state = 'pending'",
            [],
        ) == 1
    });
    let html = admin.get("/admin").text();
    let fediverse = texts(&html, r#"nav[aria-label=Admin] a[href="/admin/fediverse"]"#);
    assert_eq!(fediverse, ["Fediverse 1 asking to follow"]);
    // The phone menu counts everything waiting: the request, and its notification.
    assert_eq!(texts(&html, "nav[aria-label=Admin] .badge").len(), 2);
    assert_eq!(texts(&html, "details.menu summary .badge"), ["2 waiting"]);
}

#[test]
fn the_composer_suggests_known_people_and_its_preview_links_them() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let fake = FakeMastodon::start();
    alice_follows_bob(&server, &admin, &fake);
    bob_posts(&server, &fake, "Hi");
    let (user, _) = fake
        .handle()
        .split_once('@')
        .map(|(u, d)| (u.to_string(), d.to_string()))
        .unwrap();

    let found = admin.get_with(
        &format!("/admin/handles?q={}", &user[..2]),
        &[("Accept", "application/json")],
    );
    assert_eq!(found.status, 200, "{}", found.text());
    let found = found.json();
    // The handle as stored: the fake's domain carries its port.
    let handle = found[0]["handle"].as_str().unwrap().to_string();
    assert!(handle.starts_with(&format!("{user}@127.0.0.1")), "{found}");
    let domain = handle.split_once('@').unwrap().1.to_string();
    // By the start of the domain too, and LIKE's wildcards are only characters.
    let by_domain = admin
        .get(&format!("/admin/handles?q={user}@{}", &domain[..3]))
        .json();
    assert_eq!(by_domain[0]["handle"], handle.as_str());
    assert_eq!(
        admin.get("/admin/handles?q=%25").json(),
        serde_json::json!([])
    );
    assert_eq!(admin.get("/admin/handles?q=").json(), serde_json::json!([]));
    // Only the owner may ask.
    assert_ne!(server.client().get("/admin/handles?q=b").status, 200);

    let csrf = admin.csrf();
    let preview = admin.post_raw(
        "/admin/preview",
        "text/plain; charset=utf-8",
        format!("Hello @{handle} and @nobody@unknown.example").as_bytes(),
        &[("X-CSRF-Token", &csrf)],
    );
    assert_eq!(preview.status, 200);
    let html = preview.text();
    assert!(
        html.contains(&format!(">@{user}</a>")),
        "a known person is a link: {html}"
    );
    // A reply the timeline refuses comes back beside the post it answers, text kept.
    let remote: i64 = number(&server, "SELECT max(id) FROM remote_posts", []);
    let long = "word ".repeat(1200);
    let refused = admin.post_form(
        "/admin/replies",
        &[
            ("csrf", &csrf),
            ("remote_post_id", &remote.to_string()),
            ("text", &long),
        ],
    );
    assert_eq!(refused.status, 422, "{}", refused.text());
    let page = refused.text();
    assert!(page.contains("<h1>Reply not sent</h1>"), "{page}");
    assert!(
        page.contains(&format!("autofocus>{long}</textarea>")),
        "{page}"
    );
    assert!(page.contains(&format!(
        r#"<p class="field-error" id="reply-error-{remote}">"#
    )));
    assert!(page.contains("<details class=\"reply-box\" open>"));

    // Someone unknown is not looked up while previewing, and gets no profile link.
    assert!(
        !html.contains("title=\"@nobody@unknown.example\""),
        "{html}"
    );
}

#[test]
fn the_composer_puts_the_text_first_and_names_its_button_after_the_action() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let html = admin.get("/admin/new").text();
    // The text box is the first field and takes the focus; everything else is under "More".
    let doc = Html::parse_document(&html);
    let first = doc
        .select(&Selector::parse("#composer textarea, #composer input:not([type=hidden])").unwrap())
        .next()
        .unwrap();
    assert_eq!(first.value().attr("id"), Some("markdown"));
    assert!(first.value().attr("autofocus").is_some());
    assert_eq!(html.matches(" autofocus").count(), 1);
    assert!(
        html.contains(r#"<details class="more" id="more">"#),
        "closed when empty"
    );
    assert_eq!(
        texts(&html, "#composer .actions button"),
        ["Post", "Save draft"]
    );
    assert!(html.contains(r#"<p class="counter js-only" id="counter" hidden><span id="counter-count">0</span> / 300</p>"#));

    // "More" opens by itself when something folded in it has a value.
    let saved = admin.compose(&[
        ("markdown", "With a title."),
        ("title", "A title"),
        ("action", "draft"),
    ]);
    assert_eq!(saved.status, 303);
    let id = number(&server, "SELECT max(id) FROM posts", []);
    let html = admin.get(&format!("/admin/posts/{id}")).text();
    assert!(html.contains(r#"<details class="more" id="more" open>"#));
    assert_eq!(
        texts(&html, "#composer .actions button:not(.default-button)"),
        ["Post", "Save draft"]
    );
    // Enter in a one-line field of a draft presses its first button: an unseen "Save draft",
    // never "Post".
    let first = texts(&html, "#composer button[type=submit]");
    assert_eq!(first[0], "Save draft");
    assert!(html.contains(r#"<button type="submit" name="action" value="draft" class="default-button" tabindex="-1" aria-hidden="true">"#));

    // Scheduling names the button Schedule; a published post's is Update.
    let scheduled = admin.compose(&[
        ("id", &id.to_string()),
        ("markdown", "Later."),
        ("when", "later"),
        ("publish_at", "2099-01-02T03:04"),
        ("action", "publish"),
    ]);
    assert_eq!(scheduled.location(), "/admin/drafts?done=scheduled");
    let html = admin.get(&format!("/admin/posts/{id}")).text();
    assert_eq!(texts(&html, "#composer .actions button")[0], "Schedule");
    let published = admin.compose(&[
        ("id", &id.to_string()),
        ("markdown", "Now."),
        ("action", "publish"),
    ]);
    assert!(
        published.location().starts_with("/admin?done=posted"),
        "{}",
        published.location()
    );
    let html = admin.get(&format!("/admin/posts/{id}")).text();
    assert_eq!(
        texts(&html, "#composer .actions button"),
        ["Update", "Unpublish"]
    );
}

#[test]
fn an_image_uploaded_on_the_profile_keeps_the_text_typed_beside_it_and_sections_keep_each_other() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    // Another section's saved value, which the profile's save must leave alone.
    save_settings(&admin, &[("title", "Ada’s notes")]);
    let csrf = admin.csrf();
    let saved = admin.post_multipart(
        "/admin/settings/profile",
        &[
            ("csrf", &csrf),
            ("author_name", "Ada L."),
            ("bio", "Typed, not yet saved, when the avatar was chosen."),
            ("rel_me", "https://social.example/@ada"),
        ],
        &[("avatar", "me.png", &common::png(300, 300))],
    );
    assert_eq!(saved.status, 303, "{}", saved.text());
    assert_eq!(saved.location(), "/admin/settings/profile?done=settings");
    let settings = server
        .app
        .db
        .read_blocking(porch::store::settings::load)
        .unwrap();
    assert!(settings.avatar.is_some());
    assert_eq!(
        settings.bio,
        "Typed, not yet saved, when the avatar was chosen."
    );
    assert_eq!(settings.rel_me, ["https://social.example/@ada"]);
    assert_eq!(settings.title, "Ada’s notes");
    let page = admin.get("/admin/settings/profile").text();
    assert!(page.contains(r#"value="Ada L.""#));
    assert!(page.contains(r#"class="avatar-preview""#));

    // A refused save shows the section again as typed, the error beside its field, nothing saved.
    let refused = admin.post_multipart(
        "/admin/settings/profile",
        &[
            ("csrf", &csrf),
            ("author_name", "Ada L."),
            ("bio", "A new bio"),
            ("rel_me", "not a link"),
        ],
        &[("header", "h.png", b"not an image")],
    );
    assert_eq!(refused.status, 422);
    let html = refused.text();
    assert!(html.contains(">A new bio</textarea>"), "{html}");
    assert!(
        html.contains(
            r#"aria-invalid="true" aria-describedby="error-rel_me" autofocus>not a link</textarea>"#
        ),
        "{html}"
    );
    let settings = server
        .app
        .db
        .read_blocking(porch::store::settings::load)
        .unwrap();
    assert_eq!(
        settings.bio,
        "Typed, not yet saved, when the avatar was chosen."
    );
    assert!(settings.header_image.is_none());

    // Every section is its own screen with one form and one save.
    for (path, button) in [
        ("/admin/settings", "Save site settings"),
        ("/admin/settings/profile", "Save profile"),
        ("/admin/settings/fediverse", "Save fediverse settings"),
        ("/admin/settings/topics", "Save topics"),
        ("/admin/settings/security", "Change password"),
    ] {
        let html = admin.get(path).text();
        assert_eq!(
            texts(&html, "main button[type=submit]")[0],
            button,
            "{path}"
        );
        assert!(
            html.contains(&format!(r#"href="{path}" aria-current="page""#)),
            "{path}"
        );
    }
    // A wrong time zone: the site section again, beside its field.
    let refused = save_settings(&admin, &[("timezone", "Nowhere/Else")]);
    assert_eq!(refused.status, 422);
    assert!(refused.text().contains(
        r#"<p class="field-error" id="error-timezone">Pick a time zone from the list.</p>"#
    ));
}

/// Every form of the panel, sent with bad input: the answer is a page of the panel (HTML with
/// its navigation), never bare text, and changes nothing.
#[test]
fn every_admin_form_with_bad_input_answers_with_a_page_of_the_panel() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let csrf = admin.csrf();
    let c = csrf.as_str();
    let forms: &[(&str, &[(&str, &str)])] = &[
        (
            "/admin/new",
            &[("csrf", c), ("id", "abc"), ("markdown", "x")],
        ),
        ("/admin/new", &[("csrf", c), ("markdown", " ")]),
        ("/admin/posts/9999/delete", &[("csrf", c)]),
        ("/admin/media/9999/alt", &[("csrf", c), ("alt", "x")]),
        ("/admin/media/9999/delete", &[("csrf", c)]),
        ("/admin/categories", &[("csrf", c), ("name", " ")]),
        (
            "/admin/categories/9999/rename",
            &[("csrf", c), ("name", "x")],
        ),
        ("/admin/categories/9999/delete", &[("csrf", c)]),
        (
            "/admin/settings",
            &[
                ("csrf", c),
                ("title", ""),
                ("description", ""),
                ("timezone", "UTC"),
                ("posts_per_page", "10"),
            ],
        ),
        (
            "/admin/settings/fediverse",
            &[("csrf", c), ("also_known_as", "not a link")],
        ),
        (
            "/admin/settings/topics",
            &[("csrf", c), ("topics", "nothing")],
        ),
        (
            "/admin/password",
            &[
                ("csrf", c),
                ("current", "wrong"),
                ("new", "x"),
                ("confirm", "y"),
            ],
        ),
        (
            "/admin/tokens",
            &[("csrf", c), ("name", ""), ("scope", "nonsense")],
        ),
        ("/admin/tokens/9999/revoke", &[("csrf", c)]),
        (
            "/admin/following",
            &[("csrf", c), ("handle", "not a handle")],
        ),
        ("/admin/following/9999/delete", &[("csrf", c)]),
        ("/admin/followers/9999/approve", &[("csrf", c)]),
        ("/admin/followers/9999/reject", &[("csrf", c)]),
        ("/admin/move", &[("csrf", c), ("target", "nowhere")]),
        (
            "/admin/replies",
            &[("csrf", c), ("in_reply_to", "9999"), ("markdown", "")],
        ),
        ("/admin/moderation/9999/approve", &[("csrf", c)]),
        ("/admin/blocks/domains", &[("csrf", c), ("domain", "")]),
        ("/admin/blocks/actors", &[("csrf", c), ("handle", "")]),
        ("/admin/mutes", &[("csrf", c), ("handle", "")]),
        ("/admin/jobs/9999/retry", &[("csrf", c)]),
        ("/admin/jobs/9999/delete", &[("csrf", c)]),
        ("/admin/books/new", &[("csrf", c), ("title", "")]),
        ("/admin/books/isbn", &[("csrf", c), ("isbn", "12")]),
        ("/admin/books/shelves", &[("csrf", c), ("name", "")]),
        ("/admin/books/shelves/9999", &[("csrf", c), ("name", "x")]),
        (
            "/admin/books/goals",
            &[("csrf", c), ("year", "x"), ("goal", "-1")],
        ),
        ("/admin/books/9999/move", &[("csrf", c), ("shelf", "1")]),
        ("/admin/books/9999/delete", &[("csrf", c)]),
        // A form from elsewhere (no token) is refused as a page too.
        ("/admin/settings", &[("csrf", "forged")]),
    ];
    let before = number(&server, "SELECT count(*) FROM posts", [])
        + number(&server, "SELECT count(*) FROM categories", [])
        + number(&server, "SELECT count(*) FROM app_tokens", []);
    let mut wrong = Vec::new();
    for (path, fields) in forms {
        let r = admin.post_form(path, fields);
        let html = r
            .header("content-type")
            .unwrap_or("")
            .starts_with("text/html");
        if !(400..500).contains(&r.status)
            || !html
            || !r.text().contains("<nav aria-label=\"Admin\"")
        {
            wrong.push(format!(
                "{path} {fields:?}: {} {:?}",
                r.status,
                r.header("content-type")
            ));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    // Multipart forms: an upload that is not an image, a profile with a bad link.
    for (path, fields, files) in [
        (
            "/admin/media",
            vec![("csrf", c)],
            vec![("file", "x.png", b"not an image".as_slice())],
        ),
        (
            "/admin/settings/profile",
            vec![("csrf", c), ("rel_me", "nope")],
            vec![],
        ),
        (
            "/admin/books/import",
            vec![("csrf", c)],
            vec![("file", "x.bin", b"\x00\x01".as_slice())],
        ),
    ] {
        let r = admin.post_multipart(path, &fields, &files);
        assert!(
            (400..500).contains(&r.status),
            "{path}: {} {}",
            r.status,
            r.text()
        );
        assert!(
            r.text().contains("<nav aria-label=\"Admin\""),
            "{path}: {}",
            r.text()
        );
    }
    let after = number(&server, "SELECT count(*) FROM posts", [])
        + number(&server, "SELECT count(*) FROM categories", [])
        + number(&server, "SELECT count(*) FROM app_tokens", []);
    assert_eq!(before, after, "nothing was made");
}
