//! Regression tests for the defects an attack run found, one or more per defect, each driven
//! from outside as the attacker did: a hostile web page on loopback, a hostile fediverse server
//! (the fake Mastodon, signing for real), a hostile app with a token, and raw HTTP requests.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;

use common::fake_mastodon::{Account, FakeMastodon, Signing};
use common::federation::{
    bob_follows_alice, deliver, follower_state, inbox, number, publish, wait_for_jobs,
};
use common::{PASSWORD, TestServer, USERNAME, jpeg, serve_pages};
use serde_json::json;

/// A token with the given scopes, as the owner makes one under Tokens.
fn token(server: &TestServer, scope: &str) -> String {
    let scope = scope.to_string();
    server
        .app
        .db
        .write_blocking(move |tx| porch::auth::tokens::create(tx, "attack", &scope))
        .unwrap()
}

/// The faultCode of an XML-RPC fault answer (0 if it is none).
fn fault_code(xml: &str) -> i64 {
    xml.split("<name>faultCode</name><value><i4>")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

fn files_in(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |d| d.count())
}

// 1. Deeply nested HTML from a Webmention source, and jobs that never finish.

#[test]
fn a_deeply_nested_webmention_source_is_ignored_and_the_server_keeps_serving() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let post = publish(&server, &admin, "Nested");
    let nested = 6000;
    let page = format!(
        r#"<html><body><div class="h-entry">{}<a class="u-in-reply-to" href="{post}">reply</a><p class="e-content">hi</p>{}</div></body></html>"#,
        "<div>".repeat(nested),
        "</div>".repeat(nested)
    );
    assert!(page.len() < 70_000);
    let site = serve_pages(|_| vec![("/deep".into(), "text/html".into(), page.into_bytes())]);
    let sent = server.client().post_form(
        "/webmention",
        &[("source", &format!("{site}/deep")), ("target", &post)],
    );
    assert_eq!(sent.status, 202, "{}", sent.text());
    wait_for_jobs(&server);
    assert_eq!(number(&server, "SELECT count(*) FROM remote_posts", []), 0);
    assert_eq!(number(&server, "SELECT count(*) FROM notifications", []), 0);
    assert_eq!(server.client().get("/healthz").status, 200);
}

#[test]
fn a_job_interrupted_twice_is_failed_for_good_and_never_run_again() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut server = TestServer::start_in(&data);
    server.create_owner();
    server.stop();
    // As a crash leaves them: one job running for the first time, one that was already
    // interrupted once, one that used all its attempts. Each would send a Webmention for a
    // post that does not exist, which changes nothing if it runs.
    let conn = rusqlite::Connection::open(data.join("porch.db")).unwrap();
    for (payload, interrupted, attempts) in [
        (r#"{"post_id":9001}"#, 0, 1),
        (r#"{"post_id":9002}"#, 1, 2),
        (r#"{"post_id":9003}"#, 0, 8),
    ] {
        conn.execute(
            "INSERT INTO jobs (kind, payload, status, run_at, attempts, max_attempts, interrupted,
                               created_at, updated_at)
             VALUES ('send_webmentions', ?1, 'running', 4102444800, ?2, 8, ?3, 0, 0)",
            (payload, attempts, interrupted),
        )
        .unwrap();
    }
    drop(conn);
    let server = TestServer::start_in(&data);
    common::federation::wait_until("the first job to run", || {
        number(
            &server,
            "SELECT count(*) FROM jobs WHERE payload LIKE '%9001%'",
            [],
        ) == 0
    });
    let failed = |id: &str| {
        number(
            &server,
            "SELECT count(*) FROM jobs WHERE payload LIKE ?1 AND status = 'failed'
               AND last_error LIKE '%not run again on its own%'",
            [format!("%{id}%")],
        )
    };
    assert_eq!(failed("9002"), 1);
    assert_eq!(failed("9003"), 1);
    // The owner sees them, and may still run one by hand.
    let jobs = server.admin().get("/admin/jobs").text();
    assert!(jobs.contains("not run again on its own"), "{jobs}");
}

// 2. A deeply nested Note, and parsing outside the write transaction.

#[test]
fn a_deeply_nested_note_is_not_stored_and_an_ordinary_reply_still_is() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let post = publish(&server, &admin, "Reply to me");
    let fake = FakeMastodon::start();
    // 42,000 nested <div>s, left open as a parser closes them: 205 KB.
    let content = format!("{}hello", "<div>".repeat(42_000));
    assert!(content.len() < 256 * 1024);
    let deep = fake.note(&content, Some(&post), None);
    deliver(&server, &fake, &fake.wrap("Create", &deep));
    // Wide but shallow HTML of the same size is fine.
    let wide = fake.note(&"<p>hello</p>".repeat(20_000), Some(&post), None);
    deliver(&server, &fake, &fake.wrap("Create", &wide));
    let reply = fake.note("<p>An <b>ordinary</b> reply</p>", Some(&post), None);
    deliver(&server, &fake, &fake.wrap("Create", &reply));
    let stored = |uri: &serde_json::Value| {
        number(
            &server,
            "SELECT count(*) FROM remote_posts WHERE uri = ?1",
            [uri.as_str().unwrap()],
        )
    };
    assert_eq!(stored(&deep["id"]), 0);
    assert_eq!(stored(&wide["id"]), 1);
    assert_eq!(stored(&reply["id"]), 1);
}

// 3. Key-id poisoning.

#[test]
fn an_actor_claiming_another_servers_key_id_cannot_take_it_over() {
    let server = TestServer::with_owner();
    let bob = FakeMastodon::start();
    let evil = FakeMastodon::start();
    // mallory's document lists bob's key id, with evil's own key under it.
    let evil_pem = evil.actor()["publicKey"]["publicKeyPem"].clone();
    let mallory = evil.account_id("mallory");
    evil.add_account(
        "mallory",
        Account {
            overrides: vec![(
                "publicKey",
                json!({ "id": bob.key_id(), "owner": mallory, "publicKeyPem": evil_pem }),
            )],
            ..Account::default()
        },
    );
    let follow = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{mallory}/follows/1"),
        "type": "Follow",
        "actor": mallory,
        "object": common::federation::actor_id(&server),
    });
    let signing = Signing {
        key_id: Some(evil.account_key_id("mallory")),
        ..Signing::default()
    };
    let answer = evil.send_raw(&inbox(&server), follow.to_string().as_bytes(), &signing);
    assert_eq!(answer.status, 401, "{}", answer.body);
    // bob's own deliveries keep verifying, every time, not one a minute.
    for _ in 0..3 {
        let like = bob.like(&common::federation::actor_id(&server));
        deliver(&server, &bob, &like);
    }
    assert_eq!(
        number(
            &server,
            "SELECT count(*) FROM actors WHERE key_id = ?1",
            [bob.key_id()]
        ),
        1
    );
    assert_eq!(
        number(
            &server,
            "SELECT count(*) FROM actors WHERE uri = ?1",
            [&mallory]
        ),
        0
    );
}

// 4. Memory before authentication.

/// An XML-RPC upload call of about `mb` megabytes with these credentials, whose end is not
/// even well-formed: only a server that parses it whole before checking them would notice.
fn xmlrpc_upload(password: &str, mb: usize) -> Vec<u8> {
    let bits = "QUFB".repeat(mb * 1024 * 1024 / 4);
    format!(
        "<?xml version=\"1.0\"?><methodCall><methodName>metaWeblog.newMediaObject</methodName><params>\
         <param><value><string>1</string></value></param>\
         <param><value><string>{USERNAME}</string></value></param>\
         <param><value><string>{password}</string></value></param>\
         <param><value><struct><member><name>name</name><value>a.jpg</value></member>\
         <member><name>bits</name><value><base64>{bits}</base64></value></member></struct></value></param>\
         </params></methodCall><unclosed"
    )
    .into_bytes()
}

#[test]
fn a_large_xmlrpc_call_is_refused_on_its_credentials_before_it_is_parsed() {
    let server = TestServer::with_owner();
    let media_token = token(&server, "media");
    let client = server.client();
    let refused = client.post_raw("/xmlrpc", "text/xml", &xmlrpc_upload("wrong", 8), &[]);
    let text = refused.text();
    assert_eq!(fault_code(&text), 403, "{text}");
    // With the right token the whole call is read, and its broken end found.
    let read = client.post_raw("/xmlrpc", "text/xml", &xmlrpc_upload(&media_token, 8), &[]);
    let text = read.text();
    assert_eq!(fault_code(&text), -32700, "{text}");
    // Credentials after the upload cannot be checked first, so such a call is refused.
    let late = format!(
        "<methodCall><methodName>metaWeblog.newMediaObject</methodName><params>\
         <param><value><string>1</string></value></param>\
         <param><value><struct><member><name>bits</name><value><base64>{}</base64></value></member></struct></value></param>\
         </params></methodCall>",
        "QUFB".repeat(100_000)
    );
    let text = client
        .post_raw("/xmlrpc", "text/xml", late.as_bytes(), &[])
        .text();
    assert_eq!(fault_code(&text), -32602, "{text}");
    assert_eq!(files_in(&server.data.join("tmp")), 0);
}

#[test]
fn micropub_uploads_wait_on_disk_and_a_wrong_body_token_is_refused() {
    let server = TestServer::with_owner();
    let client = server.client();
    let photo = jpeg(64, 48);
    let big = vec![b'x'; 3 * 1024 * 1024];
    let refused = client.post_multipart(
        "/micropub",
        &[("access_token", "wrong"), ("h", "entry"), ("content", "hi")],
        &[("photo", "a.jpg", &photo), ("photo", "b.jpg", &big)],
    );
    assert_eq!(refused.status, 401, "{}", refused.text());
    let media = client.post_multipart(
        "/micropub/media",
        &[("access_token", "wrong")],
        &[("file", "b.jpg", &big)],
    );
    assert_eq!(media.status, 401, "{}", media.text());
    let good = token(&server, "create media");
    let made = client.post_multipart(
        "/micropub",
        &[("access_token", &good), ("h", "entry"), ("content", "hi")],
        &[("photo", "a.jpg", &photo)],
    );
    // Published (201), or kept as a draft for its alt text (202).
    assert!([201, 202].contains(&made.status), "{}", made.text());
    assert_eq!(number(&server, "SELECT count(*) FROM media", []), 1);
    // Nothing is left behind in the temporary folder, accepted or refused.
    assert_eq!(files_in(&server.data.join("tmp")), 0);
}

// 6. Categories through XML-RPC need a token that may read posts.

#[test]
fn a_media_only_token_reads_no_categories_and_learns_no_post_ids() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    publish(&server, &admin, "A post");
    let media = token(&server, "media");
    let client = server.client();
    let call = |method: &str, first: &str| {
        let body = format!(
            "<methodCall><methodName>{method}</methodName><params>\
             <param><value><string>{first}</string></value></param>\
             <param><value><string>{USERNAME}</string></value></param>\
             <param><value><string>{media}</string></value></param></params></methodCall>"
        );
        client
            .post_raw("/xmlrpc", "text/xml", body.as_bytes(), &[])
            .text()
    };
    let existing = number(&server, "SELECT max(id) FROM posts", []).to_string();
    for (method, first) in [
        ("metaWeblog.getCategories", "1"),
        ("mt.getCategoryList", "1"),
        ("mt.getPostCategories", existing.as_str()),
        ("mt.getPostCategories", "987654"),
    ] {
        let answer = call(method, first);
        assert_eq!(fault_code(&answer), 401, "{method} {first}: {answer}");
    }
}

// 7. Inbox signatures bound to this server.

/// POSTs an activity signed by bob over exactly `signed` headers, sending `host` as the Host.
fn send_with_host(fake: &FakeMastodon, server: &TestServer, host: &str, signed: &[&str]) -> u16 {
    use base64::Engine;
    use rsa::sha2::{Digest, Sha256};
    let body = fake.like(&common::federation::actor_id(server)).to_string();
    let date = common::fake_mastodon::http_date(chrono::Utc::now());
    let digest = format!(
        "SHA-256={}",
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(body.as_bytes()))
    );
    let values = [
        ("(request-target)", "post /inbox".to_string()),
        ("host", host.to_string()),
        ("date", date.clone()),
        ("digest", digest.clone()),
    ];
    let chosen: Vec<(&str, String)> = values
        .iter()
        .filter(|(n, _)| signed.contains(n))
        .cloned()
        .collect();
    let signature = fake.signature(&chosen);
    let addr = server.base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(addr).unwrap();
    let request = format!(
        "POST /inbox HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/activity+json\r\n\
         Date: {date}\r\nDigest: {digest}\r\nSignature: {signature}\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

#[test]
fn an_inbox_signature_must_cover_this_sites_host() {
    let server = TestServer::with_owner();
    let fake = FakeMastodon::start();
    let own = server.base.trim_start_matches("http://").to_string();
    let all = ["(request-target)", "host", "date", "digest"];
    assert_eq!(send_with_host(&fake, &server, &own, &all), 202);
    // A request signed for another server, replayed here with its own Host.
    assert_eq!(send_with_host(&fake, &server, "other.example", &all), 401);
    // A signature that leaves the Host out binds the request to no server.
    let no_host = ["(request-target)", "date", "digest"];
    assert_eq!(send_with_host(&fake, &server, &own, &no_host), 401);
}

// 8. The header image in use.

#[test]
fn the_header_image_in_use_cannot_be_deleted() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let csrf = admin.csrf();
    let image = jpeg(1500, 500);
    let uploaded = admin.post_multipart(
        "/admin/settings/profile",
        &[("csrf", &csrf)],
        &[("header", "header.jpg", &image)],
    );
    assert_eq!(uploaded.status, 303, "{}", uploaded.text());
    let id = number(&server, "SELECT id FROM media", []);
    let refused = admin.post_form(&format!("/admin/media/{id}/delete"), &[("csrf", &csrf)]);
    assert_eq!(refused.status, 303);
    assert!(
        refused.location().contains("error=in_use"),
        "{}",
        refused.location()
    );
    assert_eq!(number(&server, "SELECT count(*) FROM media", []), 1);
    let actor = common::federation::actor(&server);
    let header = actor["image"]["url"].as_str().unwrap().to_string();
    assert_eq!(server.client().get(&header).status, 200);
}

// 9. Any search query gives a page.

#[test]
fn any_search_query_gives_a_page() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    publish(&server, &admin, "Searchable words");
    let visitor = server.client();
    for q in [
        "%00",
        "a%00b",
        "%22",
        "%01%02",
        "NEAR(a%20b)",
        "*",
        "%F0%9F%99%82",
        "%FF",
    ] {
        let page = visitor.get(&format!("/search/?q={q}"));
        assert_eq!(page.status, 200, "{q}: {}", page.text());
    }
    let found = visitor.get("/search/?q=searchable%00words");
    assert!(
        found.text().contains("Searchable words"),
        "{}",
        found.text()
    );
}

// 10. Raw invalid UTF-8 in a body.

#[test]
fn a_body_that_is_not_utf8_is_refused_everywhere_and_changes_nothing() {
    let server = TestServer::with_owner();
    let good = token(&server, "create");
    let client = server.client();
    let raw = b"h=entry&content=\xff\xfe\xfa";
    let micropub = client.post_raw(
        "/micropub",
        "application/x-www-form-urlencoded",
        raw,
        &[("Authorization", &format!("Bearer {good}"))],
    );
    assert_eq!(micropub.status, 400, "{}", micropub.text());
    assert_eq!(micropub.json()["error"], "invalid_request");
    let encoded = client.post_raw(
        "/micropub",
        "application/x-www-form-urlencoded",
        b"h=entry&content=%ff%fe",
        &[("Authorization", &format!("Bearer {good}"))],
    );
    assert_eq!(encoded.status, 400, "{}", encoded.text());
    // The panel.
    let admin = server.admin();
    let csrf = admin.csrf();
    let form = [b"csrf=".as_slice(), csrf.as_bytes(), b"&title=\xff\xfe"].concat();
    let settings = admin.post_raw(
        "/admin/settings",
        "application/x-www-form-urlencoded",
        &form,
        &[],
    );
    assert_eq!(settings.status, 400, "{}", settings.text());
    // XML-RPC.
    let xmlrpc = client.post_raw(
        "/xmlrpc",
        "text/xml",
        b"<methodCall><methodName>\xff</methodName></methodCall>",
        &[],
    );
    assert_eq!(fault_code(&xmlrpc.text()), -32701, "{}", xmlrpc.text());
    // The inbox.
    let fake = FakeMastodon::start();
    let mut body = fake
        .like(&common::federation::actor_id(&server))
        .to_string()
        .into_bytes();
    let at = body.len() - 2;
    body.splice(at..at, b",\"x\":\"\xff\"".iter().copied());
    let answer = fake.send_raw(&inbox(&server), &body, &Signing::default());
    assert_eq!(answer.status, 400, "{}", answer.body);
    assert_eq!(number(&server, "SELECT count(*) FROM posts", []), 0);
    assert_eq!(number(&server, "SELECT count(*) FROM notifications", []), 0);
    let title: String = server
        .app
        .db
        .read_blocking(|c| Ok(porch::store::settings::load(c)?.title))
        .unwrap();
    assert!(!title.contains('\u{fffd}'), "{title}");
}

// Checked as well: replays without an id, and a theme folder that loops.

#[test]
fn an_activity_without_an_id_replayed_changes_nothing() {
    let server = TestServer::with_owner();
    let fake = FakeMastodon::start();
    bob_follows_alice(&server, &fake);
    let block = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "type": "Block",
        "actor": fake.actor_id(),
        "object": common::federation::actor_id(&server),
    })
    .to_string();
    let sent = fake.send_raw(&inbox(&server), block.as_bytes(), &Signing::default());
    assert_eq!(sent.status, 202, "{}", sent.body);
    assert_eq!(follower_state(&server, &fake), None);
    bob_follows_alice(&server, &fake);
    // The same Block, captured and sent again within the signature's lifetime.
    let replayed = fake.send_raw(&inbox(&server), block.as_bytes(), &Signing::default());
    assert_eq!(replayed.status, 202, "{}", replayed.body);
    assert_eq!(follower_state(&server, &fake).as_deref(), Some("accepted"));
}

#[test]
fn a_theme_folder_that_links_to_itself_does_not_stop_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let statics = data.join("theme/static");
    std::fs::create_dir_all(statics.join("css")).unwrap();
    std::fs::write(statics.join("css/extra.css"), "body{}").unwrap();
    std::os::unix::fs::symlink(&statics, statics.join("css/loop")).unwrap();
    std::os::unix::fs::symlink(".", statics.join("here")).unwrap();
    std::os::unix::fs::symlink(statics.join("css/extra.css"), statics.join("linked.css")).unwrap();
    let server = TestServer::start_in(&data);
    let client = server.client();
    assert_eq!(client.get("/static/css/extra.css").status, 200);
    assert_eq!(client.get("/static/linked.css").status, 200);
    assert_eq!(client.get("/static/here/linked.css").status, 404);
}

// The owner's password is never an API credential, however the request is shaped.
#[test]
fn the_admin_password_opens_no_large_xmlrpc_call() {
    let server = TestServer::with_owner();
    let text = server
        .client()
        .post_raw("/xmlrpc", "text/xml", &xmlrpc_upload(PASSWORD, 1), &[])
        .text();
    assert_eq!(fault_code(&text), 403, "{text}");
}
