//! Who gets in, through the real server and the real binary: first-run setup, signing in and
//! out, the login throttle, CSRF protection of admin forms, changing the password, and the
//! `porch init` / `passwd` / `token create` commands.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::{Client, PASSWORD, Resp, TestServer, csrf_in};
use porch::store::{owner, posts, settings, tokens};

const SESSION: &str = "porch_session";
const NEW_PASSWORD: &str = "a much better passphrase";

/// The `Set-Cookie` header that sets (or clears) the cookie `name`, whole.
fn set_cookie<'r>(resp: &'r Resp, name: &str) -> Option<&'r str> {
    let prefix = format!("{name}=");
    resp.headers
        .iter()
        .find(|(k, v)| k.eq_ignore_ascii_case("set-cookie") && v.starts_with(&prefix))
        .map(|(_, v)| v.as_str())
}

/// The `name=value` pair of a session cookie, as a browser would send it back.
fn session_pair(resp: &Resp) -> String {
    let header = set_cookie(resp, SESSION)
        .unwrap_or_else(|| panic!("no session cookie in {:?}", resp.headers));
    header.split(';').next().unwrap().to_string()
}

/// Whether a session cookie, sent by itself from a fresh client, opens the admin panel.
fn opens_admin(server: &TestServer, pair: &str) -> bool {
    let r = server.client().get_with("/admin", &[("Cookie", pair)]);
    match r.status {
        200 => true,
        303 => {
            assert!(r.location().starts_with("/admin/login"), "{r:?}");
            false
        }
        other => panic!("unexpected {other} for /admin"),
    }
}

/// Signs a client in through the login form, asking to go to `next` afterwards.
fn login_with_next(client: &Client, password: &str, next: &str) -> Resp {
    let page = client.get("/admin/login");
    assert_eq!(page.status, 200, "{}", page.text());
    let csrf = csrf_in(&page.text());
    client.post_form(
        "/admin/login",
        &[("csrf", &csrf), ("password", password), ("next", next)],
    )
}

fn owner_of(server: &TestServer) -> Option<owner::Owner> {
    server.app.db.read_blocking(owner::get).unwrap()
}

fn session_count(server: &TestServer) -> i64 {
    server
        .app
        .db
        .read_blocking(|c| Ok(c.query_row("SELECT count(*) FROM sessions", [], |r| r.get(0))?))
        .unwrap()
}

fn site_title(server: &TestServer) -> String {
    server.app.db.read_blocking(settings::load).unwrap().title
}

fn token_list(server: &TestServer) -> Vec<tokens::AppToken> {
    server.app.db.read_blocking(tokens::list).unwrap()
}

/// A complete, valid settings form with the given title.
fn settings_fields(title: &str) -> Vec<(&str, &str)> {
    vec![
        ("title", title),
        ("description", "A blog"),
        ("author_name", "Alice Example"),
        ("bio", ""),
        ("rel_me", ""),
        ("timezone", "UTC"),
        ("topics", ""),
        ("posts_per_page", "10"),
    ]
}

fn with_csrf<'a>(csrf: &'a str, fields: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut all = vec![("csrf", csrf)];
    all.extend_from_slice(fields);
    all
}

const REFUSED: &str = "This form has expired or did not come from your admin panel.";

// ---- First-run setup ----

#[test]
fn the_setup_page_refuses_a_missing_or_wrong_token() {
    let server = TestServer::start();
    let visitor = server.client();
    server.setup_token();
    for path in ["/setup", "/setup?token=", "/setup?token=not-the-token"] {
        let r = visitor.get(path);
        assert_eq!(r.status, 403, "{path}: {}", r.text());
        assert!(
            r.text().contains("This setup link is not valid."),
            "{path}: {}",
            r.text()
        );
        assert!(!r.text().contains("name=\"password\""), "{path}: no form");
    }
}

#[test]
fn the_setup_link_shows_the_form_with_its_token() {
    let server = TestServer::start();
    let token = server.setup_token();
    let r = server.client().get(&format!("/setup?token={token}"));
    assert_eq!(r.status, 200, "{}", r.text());
    let html = r.text();
    assert!(
        html.contains(r#"<form method="post" action="/setup">"#),
        "{html}"
    );
    assert!(
        html.contains(&format!(r#"name="token" value="{token}""#)),
        "{html}"
    );
    for field in ["username", "display_name", "password", "confirm"] {
        assert!(html.contains(&format!(r#"name="{field}""#)), "{field}");
    }
    assert_eq!(r.header("cache-control"), Some("no-store"));
}

#[test]
fn setup_refuses_bad_input_and_creates_no_owner() {
    let server = TestServer::start();
    let token = server.setup_token();
    let client = server.client();
    let cases = [
        (
            "jane",
            "short",
            "short",
            "The password needs at least 10 characters.",
        ),
        (
            "jane",
            "a long enough password",
            "a long enough passw0rd",
            "The two passwords differ.",
        ),
        (
            "Bad Name",
            "a long enough password",
            "a long enough password",
            "The username may hold only lowercase letters, digits and underscores.",
        ),
        (
            "",
            "a long enough password",
            "a long enough password",
            "The username needs 1 to 30 characters.",
        ),
    ];
    for (username, password, confirm, message) in cases {
        let r = client.post_form(
            "/setup",
            &[
                ("token", &token),
                ("username", username),
                ("display_name", "Jane Doe"),
                ("password", password),
                ("confirm", confirm),
            ],
        );
        assert_eq!(r.status, 400, "{username}/{password}: {}", r.text());
        assert!(r.text().contains(message), "{message}: {}", r.text());
        // The form comes back filled in, still carrying the link's token.
        assert!(
            r.text()
                .contains(&format!(r#"name="token" value="{token}""#))
        );
        assert!(r.text().contains(r#"value="Jane Doe""#), "{}", r.text());
        assert!(set_cookie(&r, SESSION).is_none(), "no session: {r:?}");
        assert!(owner_of(&server).is_none(), "no owner after {message}");
    }
    let wrong_token = client.post_form(
        "/setup",
        &[
            ("token", "not-the-token"),
            ("username", "jane"),
            ("display_name", "Jane Doe"),
            ("password", "a long enough password"),
            ("confirm", "a long enough password"),
        ],
    );
    assert_eq!(wrong_token.status, 403, "{}", wrong_token.text());
    assert!(wrong_token.text().contains("This setup link is not valid."));
    assert!(owner_of(&server).is_none());
    // The link still works after all those refusals.
    assert_eq!(client.get(&format!("/setup?token={token}")).status, 200);
}

#[test]
fn setup_creates_the_owner_once_and_signs_them_in() {
    let server = TestServer::start();
    let token = server.setup_token();
    let client = server.client();
    assert_eq!(client.get("/admin").status, 303, "not signed in yet");

    let r = client.post_form(
        "/setup",
        &[
            ("token", &token),
            ("username", "jane_doe"),
            ("display_name", "  Jane Doe "),
            ("password", "a long enough password"),
            ("confirm", "a long enough password"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(r.location(), "/admin");
    assert!(set_cookie(&r, SESSION).is_some(), "{r:?}");
    let admin = client.get("/admin");
    assert_eq!(admin.status, 200, "{}", admin.text());

    let created = owner_of(&server).expect("the owner exists");
    assert_eq!(created.username, "jane_doe");
    assert_eq!(created.display_name, "Jane Doe");
    assert!(created.password_hash.starts_with("$argon2id$"));
    assert!(!created.password_hash.contains("a long enough password"));

    // The link works once.
    let again = server.client().get(&format!("/setup?token={token}"));
    assert_eq!(again.status, 410, "{}", again.text());
    assert!(again.text().contains("This site is already set up."));
    assert!(!again.text().contains("name=\"password\""));

    let second = server.client().post_form(
        "/setup",
        &[
            ("token", &token),
            ("username", "mallory"),
            ("display_name", "Mallory"),
            ("password", "another long password"),
            ("confirm", "another long password"),
        ],
    );
    assert_eq!(second.status, 410, "{}", second.text());
    assert!(set_cookie(&second, SESSION).is_none());
    let after = owner_of(&server).unwrap();
    assert_eq!(after.username, "jane_doe");
    assert_eq!(after.password_hash, created.password_hash);
    assert_eq!(session_count(&server), 1);

    // The password chosen at setup is the one that signs in.
    let fresh = server.client();
    assert_eq!(fresh.login("another long password").status, 401);
    assert_eq!(fresh.login("a long enough password").status, 303);
}

#[test]
fn before_setup_the_login_page_says_so_and_nothing_gets_in() {
    let server = TestServer::start();
    let client = server.client();
    let page = client.get("/admin/login");
    assert_eq!(page.status, 200, "{}", page.text());
    assert!(
        page.text().contains("This site is not set up yet."),
        "{}",
        page.text()
    );
    assert!(!page.text().contains("name=\"password\""), "no login form");

    // Even a well-formed login post (with the form's own CSRF cookie) is refused.
    let cookie = set_cookie(&page, "porch_login_csrf").expect("login csrf cookie");
    let csrf = cookie.split(';').next().unwrap()["porch_login_csrf=".len()..].to_string();
    let r = client.post_form(
        "/admin/login",
        &[("csrf", &csrf), ("password", PASSWORD), ("next", "/admin")],
    );
    assert_eq!(r.status, 403, "{}", r.text());
    assert!(r.text().contains("This site is not set up yet."));
    assert!(set_cookie(&r, SESSION).is_none());

    let get = client.get("/admin");
    assert_eq!(get.status, 303);
    assert_eq!(get.location(), "/admin/login?next=%2Fadmin");
    for path in [
        "/admin/settings",
        "/admin/tokens",
        "/admin/password",
        "/admin/logout-everywhere",
    ] {
        let r = client.post_form(path, &[("csrf", "x"), ("name", "app"), ("scope", "create")]);
        assert_eq!(r.status, 403, "{path}: {}", r.text());
        assert!(r.text().contains("Your session has ended."), "{path}");
    }
    assert!(owner_of(&server).is_none());
    assert!(token_list(&server).is_empty());
    assert_eq!(session_count(&server), 0);
}

// ---- Signing in ----

#[test]
fn a_wrong_password_is_refused_without_a_session() {
    let server = TestServer::with_owner();
    let client = server.client();
    let r = client.login("not the password at all");
    assert_eq!(r.status, 401, "{}", r.text());
    assert!(r.text().contains("That password is not right."));
    assert!(set_cookie(&r, SESSION).is_none(), "{r:?}");
    assert!(!client.has_cookie(SESSION));
    assert_eq!(client.get("/admin").status, 303);
    assert_eq!(session_count(&server), 0);
}

#[test]
fn the_right_password_opens_the_admin_panel_with_a_strict_cookie() {
    let server = TestServer::with_owner();
    let client = server.client();
    let r = client.login(PASSWORD);
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(r.location(), "/admin");
    let cookie = set_cookie(&r, SESSION).expect("a session cookie");
    let attributes: Vec<String> = cookie
        .split(';')
        .skip(1)
        .map(|a| a.trim().to_ascii_lowercase())
        .collect();
    assert!(attributes.contains(&"httponly".into()), "{cookie}");
    assert!(attributes.contains(&"samesite=lax".into()), "{cookie}");
    assert!(attributes.contains(&"path=/".into()), "{cookie}");
    assert!(
        !attributes.iter().any(|a| a == "secure"),
        "no Secure flag over http: {cookie}"
    );
    let value = &session_pair(&r)[SESSION.len() + 1..];
    assert!(value.len() >= 43, "a long random value: {cookie}");

    let panel = client.get("/admin");
    assert_eq!(panel.status, 200, "{}", panel.text());
    assert_eq!(panel.header("cache-control"), Some("no-store"));
    assert_eq!(session_count(&server), 1);
    // Signed in, the login page sends the owner on.
    let again = client.get("/admin/login");
    assert_eq!(again.status, 303);
    assert_eq!(again.location(), "/admin");
}

#[test]
fn the_login_form_needs_its_own_csrf_cookie() {
    let server = TestServer::with_owner();
    let browser = server.client();
    let page = browser.get("/admin/login");
    let csrf = csrf_in(&page.text());
    let cookie = set_cookie(&page, "porch_login_csrf").expect("login csrf cookie");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("Path=/admin/login"), "{cookie}");

    // The right token without its cookie, as a forged form from elsewhere would send it.
    let forger = server.client();
    let r = forger.post_form(
        "/admin/login",
        &[("csrf", &csrf), ("password", PASSWORD), ("next", "/admin")],
    );
    assert_eq!(r.status, 403, "{}", r.text());
    assert!(r.text().contains("The form expired. Please try again."));
    assert!(set_cookie(&r, SESSION).is_none());

    // The cookie with a different token.
    let r = browser.post_form(
        "/admin/login",
        &[
            ("csrf", "wrong"),
            ("password", PASSWORD),
            ("next", "/admin"),
        ],
    );
    assert_eq!(r.status, 403, "{}", r.text());
    assert!(set_cookie(&r, SESSION).is_none());
    assert_eq!(session_count(&server), 0);

    // The pair together signs in.
    let page = browser.get("/admin/login");
    let r = browser.post_form(
        "/admin/login",
        &[
            ("csrf", &csrf_in(&page.text())),
            ("password", PASSWORD),
            ("next", "/admin"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(session_count(&server), 1);
}

#[test]
fn after_login_next_is_followed_only_inside_the_admin_panel() {
    let server = TestServer::with_owner();
    let cases = [
        ("/admin/settings", "/admin/settings"),
        ("/admin/tokens?done=revoked", "/admin/tokens?done=revoked"),
        ("https://evil.example", "/admin"),
        ("https://evil.example/admin", "/admin"),
        ("//evil.example/admin", "/admin"),
        ("/admin//evil.example", "/admin"),
        ("/admin\\..\\evil", "/admin"),
        ("/", "/admin"),
        ("", "/admin"),
    ];
    for (next, expected) in cases {
        let r = login_with_next(&server.client(), PASSWORD, next);
        assert_eq!(r.status, 303, "{next}: {}", r.text());
        assert_eq!(r.location(), expected, "next={next}");
    }
    // The login page's hidden field carries only a safe value too.
    let page = server
        .client()
        .get("/admin/login?next=https://evil.example");
    assert!(page.text().contains(r#"name="next" value="/admin""#));
    assert!(!page.text().contains("evil.example"), "{}", page.text());
    let signed_in = server.admin();
    let r = signed_in.get("/admin/login?next=https://evil.example");
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), "/admin");
}

#[test]
fn a_signed_out_admin_page_sends_to_login_and_back_to_itself() {
    let server = TestServer::with_owner();
    let client = server.client();
    let r = client.get("/admin/settings?done=settings");
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(
        r.location(),
        "/admin/login?next=%2Fadmin%2Fsettings%3Fdone%3Dsettings"
    );
    let page = client.get(r.location());
    assert_eq!(page.status, 200, "{}", page.text());
    let html = page.text();
    assert!(
        html.contains(r#"name="next" value="/admin/settings?done=settings""#),
        "{html}"
    );
    let signed_in = client.post_form(
        "/admin/login",
        &[
            ("csrf", &csrf_in(&html)),
            ("password", PASSWORD),
            ("next", "/admin/settings?done=settings"),
        ],
    );
    assert_eq!(signed_in.status, 303, "{}", signed_in.text());
    assert_eq!(signed_in.location(), "/admin/settings?done=settings");
    assert!(
        client
            .get(signed_in.location())
            .text()
            .contains("Settings saved.")
    );
}

#[test]
fn after_five_wrong_passwords_even_the_right_one_waits() {
    let server = TestServer::with_owner();
    let client = server.client();
    for attempt in 1..=5 {
        let r = client.login(&format!("wrong password {attempt}"));
        assert_eq!(r.status, 401, "attempt {attempt}: {}", r.text());
    }
    let r = client.login(PASSWORD);
    assert_eq!(r.status, 429, "{}", r.text());
    let retry: u64 = r
        .header("retry-after")
        .expect("a Retry-After header")
        .parse()
        .expect("Retry-After in seconds");
    assert!((1..=15 * 60).contains(&retry), "{retry}");
    assert!(
        r.text().contains("Too many failed attempts."),
        "{}",
        r.text()
    );
    assert!(set_cookie(&r, SESSION).is_none());
    assert!(!client.has_cookie(SESSION));
    assert_eq!(session_count(&server), 0);
    // Another client from the same address is held back as well.
    assert_eq!(server.client().login(PASSWORD).status, 429);
}

// ---- CSRF on admin forms ----

#[test]
fn a_settings_post_without_the_right_csrf_token_changes_nothing() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let before = site_title(&server);
    let fields = settings_fields("Hijacked");

    let r = admin.post_form("/admin/settings", &fields);
    assert_eq!(r.status, 403, "{}", r.text());
    assert!(r.text().contains(REFUSED), "{}", r.text());
    let r = admin.post_form("/admin/settings", &with_csrf("not-the-token", &fields));
    assert_eq!(r.status, 403, "{}", r.text());
    assert!(r.text().contains(REFUSED));
    // Another session's token is not this session's.
    let other = server.admin().csrf();
    let r = admin.post_form("/admin/settings", &with_csrf(&other, &fields));
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(site_title(&server), before);

    let csrf = admin.csrf();
    let ok = admin.post_form("/admin/settings", &with_csrf(&csrf, &fields));
    assert_eq!(ok.status, 303, "{}", ok.text());
    assert_eq!(site_title(&server), "Hijacked");
}

#[test]
fn a_delete_without_the_right_csrf_token_keeps_the_post() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let saved = admin.compose(&[
        ("kind", "post"),
        ("title", ""),
        ("markdown", "Still here tomorrow."),
        ("action", "publish"),
    ]);
    assert_eq!(saved.status, 303, "{}", saved.text());
    let post = server
        .app
        .db
        .read_blocking(|c| posts::published(c, 1, 0))
        .unwrap()
        .remove(0);
    let path = post.path.clone().unwrap();
    let delete = format!("/admin/posts/{}/delete", post.id);

    for fields in [vec![], vec![("csrf", "not-the-token")]] {
        let r = admin.post_form(&delete, &fields);
        assert_eq!(r.status, 403, "{fields:?}: {}", r.text());
        assert!(r.text().contains(REFUSED));
    }
    let kept = server
        .app
        .db
        .read_blocking(|c| posts::by_id(c, post.id))
        .unwrap()
        .unwrap();
    assert_eq!(kept.status, post.status);
    assert_eq!(server.client().get(&path).status, 200);

    let csrf = admin.csrf();
    let r = admin.post_form(&delete, &[("csrf", &csrf)]);
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(server.client().get(&path).status, 410);
}

#[test]
fn a_token_is_not_created_without_the_right_csrf_token() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let fields = [("name", "app"), ("scope", "create"), ("scope", "media")];
    let r = admin.post_form("/admin/tokens", &fields);
    assert_eq!(r.status, 403, "{}", r.text());
    let r = admin.post_form("/admin/tokens", &with_csrf("not-the-token", &fields));
    assert_eq!(r.status, 403, "{}", r.text());
    assert!(token_list(&server).is_empty());

    let csrf = admin.csrf();
    let r = admin.post_form("/admin/tokens", &with_csrf(&csrf, &fields));
    assert_eq!(r.status, 200, "{}", r.text());
    let list = token_list(&server);
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].scope, "create media");
}

#[test]
fn a_post_the_browser_marks_cross_site_is_refused() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let csrf = admin.csrf();
    let body = serde_urlencoded::to_string(with_csrf(&csrf, &settings_fields("Hijacked"))).unwrap();
    let form = "application/x-www-form-urlencoded";

    let r = admin.post_raw(
        "/admin/settings",
        form,
        body.as_bytes(),
        &[("Sec-Fetch-Site", "cross-site")],
    );
    assert_eq!(r.status, 403, "{}", r.text());
    assert!(
        r.text()
            .contains("Forms of the admin panel can only be sent from the admin panel."),
        "{}",
        r.text()
    );
    assert_eq!(site_title(&server), "My blog");

    let logout = serde_urlencoded::to_string([("csrf", &csrf)]).unwrap();
    let r = admin.post_raw(
        "/admin/logout",
        form,
        logout.as_bytes(),
        &[("Sec-Fetch-Site", "cross-site")],
    );
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(admin.get("/admin").status, 200, "still signed in");

    // The same post from the panel itself goes through.
    let r = admin.post_raw(
        "/admin/settings",
        form,
        body.as_bytes(),
        &[("Sec-Fetch-Site", "same-origin")],
    );
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(site_title(&server), "Hijacked");
}

#[test]
fn the_preview_renders_markdown_only_with_the_csrf_header() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let csrf = admin.csrf();
    let text = "Some **bold** words and <script>alert(1)</script>".as_bytes();

    let r = admin.post_raw(
        "/admin/preview",
        "text/plain",
        text,
        &[("X-CSRF-Token", &csrf)],
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
    assert!(r.text().contains("<strong>bold</strong>"), "{}", r.text());
    assert!(!r.text().contains("<script>"), "{}", r.text());

    let r = admin.post_raw("/admin/preview", "text/plain", text, &[]);
    assert_eq!(r.status, 403, "{}", r.text());
    assert!(!r.text().contains("<strong>"));
    let r = admin.post_raw(
        "/admin/preview",
        "text/plain",
        text,
        &[("X-CSRF-Token", "not-the-token")],
    );
    assert_eq!(r.status, 403, "{}", r.text());
    let r = server.client().post_raw(
        "/admin/preview",
        "text/plain",
        text,
        &[("X-CSRF-Token", &csrf)],
    );
    assert_eq!(r.status, 403, "signed out: {}", r.text());
}

// ---- Signing out ----

#[test]
fn logging_out_ends_that_session_only() {
    let server = TestServer::with_owner();
    let a = server.client();
    let a_pair = session_pair(&a.login(PASSWORD));
    let b = server.client();
    let b_pair = session_pair(&b.login(PASSWORD));
    assert_eq!(session_count(&server), 2);

    // Without the form's token, nothing happens.
    let r = a.post_form("/admin/logout", &[]);
    assert_eq!(r.status, 403, "{}", r.text());
    assert!(opens_admin(&server, &a_pair));

    let csrf = a.csrf();
    let r = a.post_form("/admin/logout", &[("csrf", &csrf)]);
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(r.location(), "/admin/login");
    let cleared = set_cookie(&r, SESSION).expect("the cookie is cleared");
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    assert!(!opens_admin(&server, &a_pair), "the old cookie is dead");
    assert_eq!(a.get("/admin").status, 303);
    assert!(opens_admin(&server, &b_pair), "the other session lives");
    assert_eq!(b.get("/admin").status, 200);
    assert_eq!(session_count(&server), 1);
}

#[test]
fn logging_out_everywhere_ends_every_session() {
    let server = TestServer::with_owner();
    let a = server.client();
    let a_pair = session_pair(&a.login(PASSWORD));
    let b = server.client();
    let b_pair = session_pair(&b.login(PASSWORD));
    assert_eq!(session_count(&server), 2);

    let r = a.post_form("/admin/logout-everywhere", &[("csrf", "not-the-token")]);
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(session_count(&server), 2);

    let csrf = a.csrf();
    let r = a.post_form("/admin/logout-everywhere", &[("csrf", &csrf)]);
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(r.location(), "/admin/login");
    assert!(!opens_admin(&server, &a_pair));
    assert!(!opens_admin(&server, &b_pair));
    assert_eq!(a.get("/admin").status, 303);
    assert_eq!(b.get("/admin").status, 303);
    assert_eq!(session_count(&server), 0);
    // Signing in again still works.
    assert_eq!(server.client().login(PASSWORD).status, 303);
}

// ---- Changing the password ----

#[test]
fn a_password_change_with_a_wrong_current_password_changes_nothing() {
    let server = TestServer::with_owner();
    let a = server.admin();
    let b = server.admin();
    let hash_before = owner_of(&server).unwrap().password_hash;
    let csrf = a.csrf();
    let cases = [
        (
            "not the password at all",
            NEW_PASSWORD,
            NEW_PASSWORD,
            "The current password is not right.",
        ),
        (
            PASSWORD,
            NEW_PASSWORD,
            "a much better passphrasf",
            "The two new passwords differ.",
        ),
        (
            PASSWORD,
            "short",
            "short",
            "The password needs at least 10 characters.",
        ),
    ];
    for (current, new, confirm, message) in cases {
        let r = a.post_form(
            "/admin/password",
            &[
                ("csrf", &csrf),
                ("current", current),
                ("new", new),
                ("confirm", confirm),
            ],
        );
        assert_eq!(r.status, 422, "{message}: {}", r.text());
        assert!(r.text().contains(message), "{message}: {}", r.text());
        assert!(set_cookie(&r, SESSION).is_none());
    }
    // Without the CSRF token, even the right current password does nothing.
    let r = a.post_form(
        "/admin/password",
        &[
            ("current", PASSWORD),
            ("new", NEW_PASSWORD),
            ("confirm", NEW_PASSWORD),
        ],
    );
    assert_eq!(r.status, 403, "{}", r.text());

    assert_eq!(owner_of(&server).unwrap().password_hash, hash_before);
    assert_eq!(a.get("/admin").status, 200);
    assert_eq!(b.get("/admin").status, 200);
    assert_eq!(session_count(&server), 2);
    assert_eq!(server.client().login(NEW_PASSWORD).status, 401);
    assert_eq!(server.client().login(PASSWORD).status, 303);
}

#[test]
fn a_password_change_ends_other_sessions_and_swaps_the_password() {
    let server = TestServer::with_owner();
    let a = server.client();
    let a_pair = session_pair(&a.login(PASSWORD));
    let b = server.client();
    let b_pair = session_pair(&b.login(PASSWORD));

    let csrf = a.csrf();
    let r = a.post_form(
        "/admin/password",
        &[
            ("csrf", &csrf),
            ("current", PASSWORD),
            ("new", NEW_PASSWORD),
            ("confirm", NEW_PASSWORD),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(r.location(), "/admin/settings/security?done=password");
    let new_pair = session_pair(&r);
    assert_ne!(new_pair, a_pair);

    // This browser stays signed in on a fresh session; every earlier session is over.
    let page = a.get("/admin/settings/security?done=password");
    assert_eq!(page.status, 200, "{}", page.text());
    assert!(page.text().contains("Password changed."));
    assert!(opens_admin(&server, &new_pair));
    assert!(!opens_admin(&server, &a_pair));
    assert!(!opens_admin(&server, &b_pair));
    assert_eq!(b.get("/admin").status, 303);
    assert_eq!(session_count(&server), 1);

    assert_eq!(server.client().login(PASSWORD).status, 401);
    assert_eq!(server.client().login(NEW_PASSWORD).status, 303);
}

// ---- The command line ----

fn porch(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_porch"))
        .args(args)
        .env_remove("PORCH_DATA")
        .env_remove("PORCH_BASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run porch");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().expect("porch output")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn init(data: &Path, username: &str, password: &str) -> Output {
    porch(
        &[
            "init",
            "--data",
            data.to_str().unwrap(),
            "--base-url",
            "http://127.0.0.1:1",
            "--username",
            username,
            "--name",
            "Bob",
            "--password-stdin",
        ],
        &format!("{password}\n"),
    )
}

#[test]
fn porch_init_sets_up_once_and_porch_passwd_changes_the_password() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let first = "bob's first password";
    let second = "bob's second password";

    let o = init(&data, "bob", first);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("Set up http://127.0.0.1:1"),
        "{}",
        stderr(&o)
    );

    let o = init(&data, "robert", "some other password");
    assert!(!o.status.success(), "a second init must fail");
    assert!(stderr(&o).contains("already set up"), "{}", stderr(&o));

    let mut server = TestServer::start_in(&data);
    let created = owner_of(&server).unwrap();
    assert_eq!(created.username, "bob");
    assert_eq!(created.display_name, "Bob");
    let base = server
        .app
        .db
        .read_blocking(|c| settings::get_raw(c, "base_url"))
        .unwrap();
    assert_eq!(base.as_deref(), Some("http://127.0.0.1:1"));
    let setup = server.client().get("/setup?token=anything");
    assert_eq!(setup.status, 410, "already set up: {}", setup.text());
    let old_session = session_pair(&server.client().login(first));
    assert_eq!(server.client().login("some other password").status, 401);
    server.stop();
    drop(server);

    let o = porch(
        &[
            "passwd",
            "--data",
            data.to_str().unwrap(),
            "--password-stdin",
        ],
        "short\n",
    );
    assert!(!o.status.success(), "a short password is refused");
    assert!(
        stderr(&o).contains("at least 10 characters"),
        "{}",
        stderr(&o)
    );

    let o = porch(
        &[
            "passwd",
            "--data",
            data.to_str().unwrap(),
            "--password-stdin",
        ],
        &format!("{second}\n"),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("1 session(s) ended"), "{}", stderr(&o));

    let server = TestServer::start_in(&data);
    assert_eq!(session_count(&server), 0, "passwd ends every session");
    assert!(!opens_admin(&server, &old_session));
    assert_eq!(server.client().login(first).status, 401);
    let client = server.client();
    assert_eq!(client.login(second).status, 303);
    assert_eq!(client.get("/admin").status, 200);
}

#[test]
fn porch_passwd_refuses_a_site_that_is_not_set_up() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let o = porch(
        &[
            "passwd",
            "--data",
            data.to_str().unwrap(),
            "--password-stdin",
        ],
        "a long enough password\n",
    );
    assert!(!o.status.success());
    assert!(stderr(&o).contains("not set up yet"), "{}", stderr(&o));
}

#[test]
fn porch_token_create_prints_one_token_that_the_panel_lists_and_revokes() {
    let server = TestServer::with_owner();
    let data = server.data.to_str().unwrap().to_string();

    let o = porch(
        &[
            "token",
            "create",
            "--data",
            &data,
            "--name",
            "app",
            "--scope",
            "create media",
        ],
        "",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert_eq!(out.lines().count(), 1, "exactly one line: {out:?}");
    assert!(out.ends_with('\n'));
    let token = out.trim_end();
    assert_eq!(token.len(), 43, "{token}");
    assert!(
        token
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
        "{token}"
    );

    let list = token_list(&server);
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].name, "app");
    assert_eq!(list[0].scope, "create media");

    let admin = server.admin();
    let page = admin.get("/admin/tokens");
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(html.contains("<td>app</td>"), "{html}");
    assert!(
        html.contains(r#"<td class="hint">create media</td>"#),
        "{html}"
    );
    assert!(
        !html.contains(token),
        "the token value is never shown again"
    );

    let revoke = format!("/admin/tokens/{}/revoke", list[0].id);
    let r = admin.post_form(&revoke, &[("csrf", "not-the-token")]);
    assert_eq!(r.status, 403);
    assert_eq!(token_list(&server).len(), 1);
    let csrf = admin.csrf();
    let r = admin.post_form(&revoke, &[("csrf", &csrf)]);
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(r.location(), "/admin/tokens?done=revoked");
    assert!(token_list(&server).is_empty());
    let html = admin.get("/admin/tokens?done=revoked").text();
    assert!(html.contains("Token revoked."), "{html}");
    assert!(!html.contains("<td>app</td>"), "{html}");
    assert!(html.contains("No tokens yet."), "{html}");
    // Revoking it twice finds nothing.
    assert_eq!(admin.post_form(&revoke, &[("csrf", &csrf)]).status, 404);
}

#[test]
fn porch_token_create_refuses_an_unknown_scope() {
    let server = TestServer::with_owner();
    let data = server.data.to_str().unwrap().to_string();
    for scope in ["create publish", ""] {
        let o = porch(
            &[
                "token", "create", "--data", &data, "--name", "app", "--scope", scope,
            ],
            "",
        );
        assert!(!o.status.success(), "scope {scope:?} must be refused");
        assert_eq!(stdout(&o), "", "no token printed");
        assert!(stderr(&o).contains("porch: "), "{}", stderr(&o));
    }
    let o = porch(
        &[
            "token",
            "create",
            "--data",
            &data,
            "--name",
            "app",
            "--scope",
            "create publish",
        ],
        "",
    );
    assert!(
        stderr(&o).contains("Unknown scope “publish”"),
        "{}",
        stderr(&o)
    );
    let o = porch(
        &[
            "token", "create", "--data", &data, "--name", "  ", "--scope", "create",
        ],
        "",
    );
    assert!(!o.status.success(), "an empty name is refused");
    assert!(token_list(&server).is_empty());
}

#[test]
fn porch_reports_its_version_and_explains_init() {
    let o = porch(&["--version"], "");
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), format!("porch {}\n", env!("CARGO_PKG_VERSION")));

    let o = porch(&["init", "--help"], "");
    assert!(o.status.success(), "{}", stderr(&o));
    let help = stdout(&o);
    for flag in [
        "--data",
        "--base-url",
        "--username",
        "--name",
        "--password-stdin",
    ] {
        assert!(help.contains(flag), "{flag} in {help}");
    }
    assert!(
        help.contains("Set up the owner without a browser"),
        "{help}"
    );
}

// ---- Limits on what reaches the password check ----

/// More than the 16 KiB that a login or setup form may take.
fn padding() -> String {
    "x".repeat(20 * 1024)
}

#[test]
fn a_login_body_over_16_kib_is_refused_with_413_and_signs_nobody_in() {
    let server = TestServer::with_owner();
    let client = server.client();
    let page = client.get("/admin/login");
    let csrf = csrf_in(&page.text());
    let pad = padding();
    // The right password, but in a body too large to be read.
    let r = client.post_form(
        "/admin/login",
        &[
            ("csrf", &csrf),
            ("password", PASSWORD),
            ("next", "/admin"),
            ("pad", &pad),
        ],
    );
    assert_eq!(r.status, 413, "{}", r.text());
    assert!(set_cookie(&r, SESSION).is_none(), "{r:?}");
    assert_eq!(session_count(&server), 0);
    assert_eq!(client.get("/admin").status, 303);

    // The same form under the cap signs in: the cap is on size, not on the extra field.
    let client = server.client();
    let csrf = csrf_in(&client.get("/admin/login").text());
    let pad = "x".repeat(12 * 1024);
    let r = client.post_form(
        "/admin/login",
        &[
            ("csrf", &csrf),
            ("password", PASSWORD),
            ("next", "/admin"),
            ("pad", &pad),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(session_count(&server), 1);
}

#[test]
fn a_setup_body_over_16_kib_is_refused_with_413_and_creates_no_owner() {
    let server = TestServer::start();
    let token = server.setup_token();
    let client = server.client();
    let pad = padding();
    let fields = [
        ("token", token.as_str()),
        ("username", "jane"),
        ("display_name", "Jane Doe"),
        ("password", "a long enough password"),
        ("confirm", "a long enough password"),
    ];
    let mut padded = fields.to_vec();
    padded.push(("pad", &pad));
    let r = client.post_form("/setup", &padded);
    assert_eq!(r.status, 413, "{}", r.text());
    assert!(set_cookie(&r, SESSION).is_none(), "{r:?}");
    assert!(owner_of(&server).is_none());
    assert_eq!(session_count(&server), 0);

    // The link still works, and the same form without the padding sets the site up.
    let r = server.client().post_form("/setup", &fields);
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(owner_of(&server).unwrap().username, "jane");
}

#[test]
fn wrong_passwords_sent_in_parallel_cannot_get_past_the_throttle() {
    const GUESSES: usize = 20;
    let server = TestServer::with_owner();
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(GUESSES));
    let threads: Vec<_> = (0..GUESSES)
        .map(|i| {
            let base = server.base.clone();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                let client = Client::new(&base);
                let page = client.get("/admin/login");
                assert_eq!(page.status, 200, "{}", page.text());
                let csrf = csrf_in(&page.text());
                let guess = format!("guess number {i}");
                // Every guess leaves at once, before any of them has been checked.
                barrier.wait();
                let r = client.post_form(
                    "/admin/login",
                    &[("csrf", &csrf), ("password", &guess), ("next", "/admin")],
                );
                assert!(set_cookie(&r, SESSION).is_none(), "{r:?}");
                r.status
            })
        })
        .collect();
    let statuses: Vec<u16> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let checked = statuses.iter().filter(|s| **s == 401).count();
    let held_back = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(checked + held_back, GUESSES, "{statuses:?}");
    assert!(
        (1..=5).contains(&checked),
        "at most five guesses were checked: {statuses:?}"
    );
    // The right password waits too now.
    assert_eq!(server.client().login(PASSWORD).status, 429);
    assert_eq!(session_count(&server), 0);
}

#[test]
fn wrong_current_passwords_count_toward_the_throttle() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let hash_before = owner_of(&server).unwrap().password_hash;
    let csrf = admin.csrf();
    for attempt in 1..=5 {
        let current = format!("wrong guess {attempt}");
        let r = admin.post_form(
            "/admin/password",
            &[
                ("csrf", &csrf),
                ("current", &current),
                ("new", NEW_PASSWORD),
                ("confirm", NEW_PASSWORD),
            ],
        );
        assert_eq!(r.status, 422, "attempt {attempt}: {}", r.text());
        assert!(r.text().contains("The current password is not right."));
    }
    // The sixth is refused before the password is looked at, even though it is right.
    let r = admin.post_form(
        "/admin/password",
        &[
            ("csrf", &csrf),
            ("current", PASSWORD),
            ("new", NEW_PASSWORD),
            ("confirm", NEW_PASSWORD),
        ],
    );
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(
        r.text().contains("Too many wrong passwords."),
        "{}",
        r.text()
    );
    assert!(set_cookie(&r, SESSION).is_none());
    assert_eq!(owner_of(&server).unwrap().password_hash, hash_before);
    assert_eq!(admin.get("/admin").status, 200, "still signed in");
    assert_eq!(session_count(&server), 1);
    // It is the same count as the login form's.
    assert_eq!(server.client().login(PASSWORD).status, 429);
}

#[test]
fn porch_token_create_refuses_a_site_that_is_not_set_up() {
    let server = TestServer::start();
    let data = server.data.to_str().unwrap().to_string();
    let o = porch(
        &[
            "token", "create", "--data", &data, "--name", "app", "--scope", "create",
        ],
        "",
    );
    assert!(!o.status.success(), "{}", stdout(&o));
    assert_eq!(stdout(&o), "", "no token printed");
    assert!(stderr(&o).contains("not set up yet"), "{}", stderr(&o));
    assert!(token_list(&server).is_empty());
}

#[test]
fn the_login_form_names_the_owner_for_password_managers_and_refuses_another_name() {
    let server = TestServer::with_owner();
    let client = server.client();
    let page = client.get("/admin/login").text();
    assert!(page.contains(r#"autocomplete="username""#), "{page}");
    assert!(page.contains(r#"value="alice""#));
    let csrf = csrf_in(&page);
    let wrong = client.post_form(
        "/admin/login",
        &[
            ("csrf", &csrf),
            ("username", "mallory"),
            ("password", PASSWORD),
        ],
    );
    assert_eq!(wrong.status, 401);
    assert!(
        wrong
            .text()
            .contains("That username or password is not right.")
    );
    assert!(
        wrong.text().contains(r#"value="mallory""#),
        "what was typed is kept"
    );
    let csrf = csrf_in(&wrong.text());
    let right = client.post_form(
        "/admin/login",
        &[
            ("csrf", &csrf),
            ("username", "@Alice"),
            ("password", PASSWORD),
        ],
    );
    assert_eq!(right.status, 303, "{}", right.text());
    assert_eq!(client.get("/admin").status, 200);
}
