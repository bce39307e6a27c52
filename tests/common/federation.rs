//! Helpers the federation tests share: the owner's ActivityPub addresses, the follow flows in
//! both directions, publishing, reading the store and the admin screens, and waiting for what
//! Porch does in the background.

use std::time::{Duration, Instant};

use scraper::{ElementRef, Html, Selector};
use serde_json::Value;

use super::fake_mastodon::{AS2, FakeMastodon, Received, USER, WAIT};
use super::{Client, Resp, TestServer};

/// ActivityStreams' JSON-LD media type, which Mastodon also sends and accepts.
pub const LD_AS2: &str = "application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"";

// Addresses.

/// `alice@127.0.0.1:<port>`: the owner's handle on the test server.
pub fn alice(server: &TestServer) -> String {
    format!("alice@{}", server.base.trim_start_matches("http://"))
}

/// The owner's actor id.
pub fn actor_id(server: &TestServer) -> String {
    server.url("/actor")
}

/// The id of the key Porch signs with.
pub fn key_id(server: &TestServer) -> String {
    server.url("/actor#main-key")
}

/// Porch's (shared) inbox.
pub fn inbox(server: &TestServer) -> String {
    server.url("/inbox")
}

/// bob's full handle, as a post or the follow form writes it: `bob@127.0.0.1:<port>`.
pub fn bob(fake: &FakeMastodon) -> String {
    format!("{USER}@{}", fake.host)
}

// The store and the job queue.

/// One number from the database (a count, an id), with `params` bound to ?1, ?2….
pub fn number(server: &TestServer, sql: &str, params: impl rusqlite::Params) -> i64 {
    server
        .app
        .db
        .read_blocking(|c| Ok(c.query_row(sql, params, |r| r.get(0))?))
        .unwrap_or_else(|e| panic!("{sql}: {e:?}"))
}

/// bob's follow of alice, if any: its state.
pub fn follower_state(server: &TestServer, fake: &FakeMastodon) -> Option<String> {
    let uri = fake.actor_id();
    server
        .app
        .db
        .read_blocking(move |c| {
            let mut stmt = c.prepare(
                "SELECT f.state FROM followers f JOIN actors a ON a.id = f.actor_id WHERE a.uri = ?1",
            )?;
            let mut rows = stmt.query([&uri])?;
            Ok(match rows.next()? {
                Some(row) => Some(row.get(0)?),
                None => None,
            })
        })
        .unwrap()
}

/// Polls until `done` holds, for up to `WAIT`.
#[track_caller]
pub fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + WAIT;
    while !done() {
        assert!(Instant::now() < deadline, "{what}: not within {WAIT:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Waits until every job but the daily housekeeping (always queued) has run and succeeded.
#[track_caller]
pub fn wait_for_jobs(server: &TestServer) {
    wait_until("the job queue to empty", || {
        number(
            server,
            "SELECT count(*) FROM jobs WHERE kind != 'housekeeping'",
            [],
        ) == 0
    });
}

// Publishing.

/// The newest published post: its id and absolute URL.
pub fn newest_post(server: &TestServer) -> (i64, String) {
    let (id, path) = server
        .app
        .db
        .read_blocking(|c| {
            Ok(c.query_row(
                "SELECT id, path FROM posts WHERE status = 'published' ORDER BY id DESC LIMIT 1",
                [],
                |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)),
            )?)
        })
        .unwrap();
    (id, server.url(&path))
}

/// Publishes an untitled post through the composer; returns its absolute URL.
#[track_caller]
pub fn publish(server: &TestServer, admin: &Client, markdown: &str) -> String {
    publish_with(server, admin, markdown, &[])
}

/// Publishes an untitled post through the composer with extra fields; returns its absolute URL.
#[track_caller]
pub fn publish_with(
    server: &TestServer,
    admin: &Client,
    markdown: &str,
    extra: &[(&str, &str)],
) -> String {
    let mut fields = vec![
        ("kind", "post"),
        ("title", ""),
        ("markdown", markdown),
        ("action", "publish"),
    ];
    fields.extend_from_slice(extra);
    let saved = admin.compose(&fields);
    assert_eq!(saved.status, 303, "{}", saved.text());
    newest_post(server).1
}

/// Publishes an untitled post with one photo and its alt text; returns its absolute URL.
#[track_caller]
pub fn publish_photo(
    server: &TestServer,
    admin: &Client,
    markdown: &str,
    (file_name, bytes): (&str, &[u8]),
    alt: &str,
) -> String {
    let csrf = admin.csrf();
    let saved = admin.post_multipart(
        "/admin/new",
        &[
            ("csrf", &csrf),
            ("kind", "post"),
            ("title", ""),
            ("markdown", markdown),
            ("photo_file_alt", alt),
            ("action", "publish"),
        ],
        &[("photo_file", file_name, bytes)],
    );
    assert_eq!(saved.status, 303, "{}", saved.text());
    newest_post(server).1
}

// Following.

/// bob's server delivers `activity` to Porch's inbox, and Porch takes it (202).
#[track_caller]
pub fn deliver(server: &TestServer, fake: &FakeMastodon, activity: &Value) {
    let answer = fake.send(&inbox(server), activity);
    assert_eq!(answer.status, 202, "{}", answer.body);
}

/// bob finds alice by WebFinger and follows her; returns the Follow once Porch has accepted it.
#[track_caller]
pub fn bob_follows_alice(server: &TestServer, fake: &FakeMastodon) -> Value {
    let alice = fake.resolve(&alice(server));
    let follow = fake.follow(alice["id"].as_str().unwrap());
    let answer = fake.send(alice["inbox"].as_str().unwrap(), &follow);
    assert_eq!(answer.status, 202, "{}", answer.body);
    let accept = fake.wait_for_activity("Accept", |a| a["object"]["id"] == follow["id"]);
    assert_eq!(accept.signature, Ok(key_id(server)), "{}", fake.summary());
    assert_eq!(accept.status, 202);
    assert_eq!(follower_state(server, fake).as_deref(), Some("accepted"));
    follow
}

/// The owner follows bob from the Fediverse screen, and bob accepts.
#[track_caller]
pub fn alice_follows_bob(server: &TestServer, admin: &Client, fake: &FakeMastodon) {
    let csrf = admin.csrf();
    let followed = admin.post_form(
        "/admin/following",
        &[("csrf", &csrf), ("handle", &bob(fake))],
    );
    assert_eq!(followed.status, 303, "{}", followed.text());
    let follow = fake.wait_for_activity("Follow", |f| f["object"] == fake.actor_id());
    assert_eq!(follow.signature, Ok(key_id(server)), "{}", fake.summary());
    deliver(server, fake, &fake.accept(&follow.json()));
    assert_eq!(
        following_state(admin, &fake.handle()).as_deref(),
        Some("following")
    );
}

/// Porch's first `kind` (Accept, Reject), checked to answer `follow`, signed, at `inbox_path`.
#[track_caller]
pub fn answer_to_follow(
    server: &TestServer,
    fake: &FakeMastodon,
    kind: &str,
    follow: &Value,
    inbox_path: &str,
) -> Received {
    let sent = fake.wait_for_activity(kind, |_| true);
    assert_eq!(sent.path, inbox_path);
    assert_eq!(sent.signature, Ok(key_id(server)), "{}", fake.summary());
    let answer = sent.json();
    assert_eq!(answer["actor"], actor_id(server));
    assert_eq!(answer["object"]["id"], follow["id"]);
    assert_eq!(answer["object"]["type"], "Follow");
    assert_eq!(answer["object"]["actor"], follow["actor"]);
    sent
}

/// bob posts a public Note saying `text`, which reaches Porch as it reaches his followers.
#[track_caller]
pub fn bob_posts(server: &TestServer, fake: &FakeMastodon, text: &str) {
    let post = fake.note(&format!("<p>{text}</p>"), None, None);
    deliver(server, fake, &fake.wrap("Create", &post));
}

// Documents as another server fetches them.

/// The actor document, as another server fetches it.
#[track_caller]
pub fn actor(server: &TestServer) -> Value {
    let resp = server.client().get_with("/actor", &[("Accept", AS2)]);
    assert_eq!(resp.status, 200, "{}", resp.text());
    resp.json()
}

/// The Note of a post, as another server fetches it.
#[track_caller]
pub fn note(server: &TestServer, url: &str) -> Value {
    let resp = server.client().get_with(url, &[("Accept", AS2)]);
    assert_eq!(resp.status, 200, "{}", resp.text());
    resp.json()
}

// Pages.

/// Asserts that a response's Content-Type starts with `prefix`.
#[track_caller]
pub fn assert_content_type(resp: &Resp, prefix: &str) {
    let content_type = resp.header("content-type");
    assert!(
        content_type.unwrap_or_default().starts_with(prefix),
        "Content-Type {content_type:?}, not {prefix}"
    );
}

/// The elements matching `selector` in a document.
pub fn select<'a>(doc: &'a Html, selector: &str) -> Vec<ElementRef<'a>> {
    let sel = Selector::parse(selector).unwrap();
    doc.select(&sel).collect()
}

/// An element's text, all of it.
pub fn text_of(e: &ElementRef) -> String {
    e.text().collect()
}

/// The texts of the elements matching `selector` on a page.
pub fn texts(html: &str, selector: &str) -> Vec<String> {
    let doc = Html::parse_document(html);
    select(&doc, selector).iter().map(text_of).collect()
}

/// The owner's timeline page.
#[track_caller]
pub fn timeline(admin: &Client) -> String {
    let page = admin.get("/admin/timeline");
    assert_eq!(page.status, 200, "{}", page.text());
    page.text()
}

/// The post from elsewhere (`article.remote-post`) that shows `text` on an admin page.
#[track_caller]
pub fn remote_post<'a>(doc: &'a Html, text: &str) -> ElementRef<'a> {
    select(doc, "article.remote-post")
        .into_iter()
        .find(|a| text_of(a).contains(text))
        .unwrap_or_else(|| panic!("no post showing {text:?} in {}", doc.html()))
}

/// `handle`'s row under `heading` (Following, Followers) on /admin/fediverse: state and actions.
#[track_caller]
pub fn fediverse_row(admin: &Client, heading: &str, handle: &str) -> Option<(String, Vec<String>)> {
    let page = admin.get("/admin/fediverse");
    assert_eq!(page.status, 200, "{}", page.text());
    let doc = Html::parse_document(&page.text());
    // Each list is the table right after its heading; a missing list is a failure, not "absent".
    let table = select(&doc, "h2")
        .into_iter()
        .find(|h| text_of(h) == heading)
        .and_then(|h| h.next_siblings().filter_map(ElementRef::wrap).next())
        .filter(|e| e.value().name() == "table")
        .unwrap_or_else(|| panic!("no {heading} table on /admin/fediverse"));
    let rows = Selector::parse("tr").unwrap();
    let cells = Selector::parse("td").unwrap();
    let forms = Selector::parse("form").unwrap();
    table.select(&rows).find_map(|row| {
        if !text_of(&row).contains(&format!("@{handle}")) {
            return None;
        }
        let state = row.select(&cells).nth(1).map(|c| text_of(&c))?;
        let actions = row
            .select(&forms)
            .filter_map(|f| f.value().attr("action").map(String::from))
            .collect();
        Some((state.trim().to_string(), actions))
    })
}

/// The state the Fediverse screen shows for the owner's follow of `handle`, if any.
#[track_caller]
pub fn following_state(admin: &Client, handle: &str) -> Option<String> {
    fediverse_row(admin, "Following", handle).map(|(state, _)| state)
}

/// The fields a browser would submit with the form for `action` (checked boxes, chosen options).
#[track_caller]
pub fn form_fields(html: &str, action: &str) -> Vec<(String, String)> {
    let doc = Html::parse_document(html);
    let form = select(&doc, &format!(r#"form[action="{action}"]"#))
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("no form for {action} in {html}"));
    let mut fields = Vec::new();
    for input in form.select(&Selector::parse("input, select, textarea").unwrap()) {
        let el = input.value();
        let Some(name) = el.attr("name") else {
            continue;
        };
        let value = match el.name() {
            "textarea" => text_of(&input),
            "select" => {
                let options: Vec<ElementRef> =
                    input.select(&Selector::parse("option").unwrap()).collect();
                let chosen = options
                    .iter()
                    .find(|o| o.value().attr("selected").is_some())
                    .or(options.first())
                    .expect("a select with options");
                chosen
                    .value()
                    .attr("value")
                    .map(String::from)
                    .unwrap_or_else(|| text_of(chosen))
            }
            _ if el.attr("type") == Some("checkbox") => {
                if el.attr("checked").is_none() {
                    continue;
                }
                el.attr("value").unwrap_or("on").to_string()
            }
            _ => el.attr("value").unwrap_or_default().to_string(),
        };
        fields.push((name.to_string(), value));
    }
    fields
}

/// The settings section (its address) whose form holds a field.
pub fn settings_section(field: &str) -> &'static str {
    match field {
        "author_name" | "bio" | "rel_me" => "/admin/settings/profile",
        "manually_approves_followers"
        | "federate_articles"
        | "reveal_follows"
        | "also_known_as" => "/admin/settings/fediverse",
        "topics" => "/admin/settings/topics",
        _ => "/admin/settings",
    }
}

/// Saves settings as the panel would: the form of each section with a change, as shown, with
/// `changes` to named fields (ticking unchecked boxes); the Site section alone when there are
/// none. Returns the answer to the last form sent.
#[track_caller]
pub fn save_settings(admin: &Client, changes: &[(&str, &str)]) -> Resp {
    let mut sections: Vec<&str> = changes.iter().map(|(n, _)| settings_section(n)).collect();
    sections.dedup();
    if sections.is_empty() {
        sections.push("/admin/settings");
    }
    let mut last = None;
    for section in sections {
        let mine: Vec<(&str, &str)> = changes
            .iter()
            .filter(|(n, _)| settings_section(n) == section)
            .copied()
            .collect();
        last = Some(save_section(admin, section, &mine));
    }
    last.expect("a section was sent")
}

#[track_caller]
fn save_section(admin: &Client, section: &str, changes: &[(&str, &str)]) -> Resp {
    let page = admin.get(section);
    assert_eq!(page.status, 200, "{}", page.text());
    let html = page.text();
    let mut fields = form_fields(&html, section);
    let doc = Html::parse_document(&html);
    for (name, value) in changes {
        match fields.iter_mut().find(|(n, _)| n == name) {
            Some(field) => field.1 = value.to_string(),
            None => {
                let selector = format!(r#"form[action="{section}"] [name="{name}"]"#);
                assert!(
                    !select(&doc, &selector).is_empty(),
                    "no field {name} in the form of {section}"
                );
                fields.push((name.to_string(), value.to_string()));
            }
        }
    }
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    // The profile carries its images, so its form is multipart.
    if section == "/admin/settings/profile" {
        admin.post_multipart(section, &pairs, &[])
    } else {
        admin.post_form(section, &pairs)
    }
}
