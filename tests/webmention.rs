//! Webmention, both ways, against another website on loopback: a real HTTP server whose pages
//! carry microformats (a reply, a like…) and which advertises its own endpoint in each of the
//! ways webmention.rocks' discovery tests use. Receiving: the endpoint's checks and refusals,
//! the verification job, moderation, updates and removals. Sending: discovery, one POST per
//! linked page, the results on the post's edit screen, again on edit and on delete.

mod common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use common::federation::{number, publish, publish_with, select, text_of, texts, wait_for_jobs};
use common::{Client, Resp, TestServer};
use scraper::Html;

// Another website.

/// What the other site's endpoint saw when it checked a Webmention's source, as a receiver does.
#[derive(Clone, Debug, PartialEq)]
struct SourceCheck {
    status: u16,
    /// Whether the source had an `href` exactly equal to the target.
    links: bool,
}

/// One request the other site received.
#[derive(Clone, Debug)]
struct Seen {
    method: String,
    /// Path and query.
    path: String,
    headers: Vec<(String, String)>,
    body: String,
    /// For a POST to one of its endpoints: the form fields and the source check.
    form: HashMap<String, String>,
    check: Option<SourceCheck>,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What a path answers: a raw HTTP response (so that header names keep their casing), or a
/// Webmention endpoint that checks the source and answers 202.
#[derive(Clone)]
enum Answer {
    Raw(String),
    Endpoint,
}

/// A website on loopback. Every request is recorded; a path answers what was set for it with
/// `set` or `endpoint`, anything else 404.
struct Site {
    base: String,
    answers: Arc<Mutex<HashMap<String, Answer>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Site {
    fn start() -> Site {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let answers: Arc<Mutex<HashMap<String, Answer>>> = Arc::default();
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let (a, s) = (answers.clone(), seen.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (a, s) = (a.clone(), s.clone());
                std::thread::spawn(move || serve(stream, &a, &s));
            }
        });
        Site {
            base,
            answers,
            seen,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Sets what GET `path` answers.
    fn set(&self, path: &str, raw: String) {
        self.answers
            .lock()
            .unwrap()
            .insert(format!("GET {path}"), Answer::Raw(raw));
    }

    /// Makes POST `path` a Webmention endpoint.
    fn endpoint(&self, path: &str) {
        self.answers
            .lock()
            .unwrap()
            .insert(format!("POST {path}"), Answer::Endpoint);
    }

    fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    fn gets(&self, path: &str) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.method == "GET" && r.path == path)
            .count()
    }

    fn posts_to(&self, path: &str) -> Vec<Seen> {
        self.requests()
            .into_iter()
            .filter(|r| r.method == "POST" && r.path == path)
            .collect()
    }

    fn summary(&self) -> String {
        self.requests()
            .iter()
            .map(|r| format!("{} {} {}", r.method, r.path, r.body))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

fn serve(mut stream: TcpStream, answers: &Mutex<HashMap<String, Answer>>, seen: &Mutex<Vec<Seen>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
        return;
    }
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let path = parts.next().unwrap_or("/").to_string();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        if let Some((k, v)) = line.trim_end().split_once(':') {
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    let length: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    let _ = reader.read_exact(&mut body);
    let body = String::from_utf8_lossy(&body).into_owned();
    let answer = answers
        .lock()
        .unwrap()
        .get(&format!("{method} {path}"))
        .cloned();
    let mut form = HashMap::new();
    let mut check = None;
    let raw = match answer {
        Some(Answer::Raw(raw)) => raw,
        Some(Answer::Endpoint) => {
            form = serde_urlencoded::from_str(&body).unwrap_or_default();
            check = Some(check_source(
                form.get("source").map_or("", String::as_str),
                form.get("target").map_or("", String::as_str),
            ));
            response(
                "202 Accepted",
                &[("Content-Type", "text/plain")],
                "accepted",
            )
        }
        None if path.contains("/error") => response(
            "400 Bad Request",
            &[("Content-Type", "text/plain")],
            "error",
        ),
        None => response(
            "404 Not Found",
            &[("Content-Type", "text/plain")],
            "not found",
        ),
    };
    seen.lock().unwrap().push(Seen {
        method,
        path,
        headers,
        body,
        form,
        check,
    });
    let _ = stream.write_all(raw.as_bytes());
    let _ = stream.flush();
}

/// What webmention.rocks checks at its endpoints: the source's status, and an `<a href>`
/// string-equal to the target.
fn check_source(source: &str, target: &str) -> SourceCheck {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let Ok(mut response) = agent.get(source).call() else {
        return SourceCheck {
            status: 0,
            links: false,
        };
    };
    let status = response.status().as_u16();
    let html = response.body_mut().read_to_string().unwrap_or_default();
    let doc = Html::parse_document(&html);
    let links = select(&doc, "a[href]")
        .iter()
        .any(|a| a.value().attr("href") == Some(target));
    SourceCheck { status, links }
}

fn response(status: &str, headers: &[(&str, &str)], body: &str) -> String {
    let mut raw = format!("HTTP/1.1 {status}\r\n");
    for (k, v) in headers {
        raw.push_str(&format!("{k}: {v}\r\n"));
    }
    raw.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    ));
    raw
}

/// An HTML page with extra response headers.
fn page(headers: &[(&str, &str)], head: &str, body: &str) -> String {
    let mut all = vec![("Content-Type", "text/html; charset=utf-8")];
    all.extend_from_slice(headers);
    response(
        "200 OK",
        &all,
        &format!(
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>A page</title>{head}</head><body>{body}</body></html>"
        ),
    )
}

/// A note on the other site answering `target`, by Olga, with `text`, as an h-entry.
fn reply_page(site: &Site, target: &str, text: &str) -> String {
    page(
        &[],
        "",
        &format!(
            r#"<article class="h-entry">
              <a class="p-author h-card" href="{home}"><img class="u-photo" src="/olga.jpg" alt="">Olga Other</a>
              <p>In reply to <a class="u-in-reply-to" href="{target}">this post</a></p>
              <div class="e-content"><p>{text}</p></div>
              <a class="u-url" href="/reply"><time class="dt-published" datetime="2024-05-01T10:00:00+00:00">1 May</time></a>
            </article>"#,
            home = site.url("/")
        ),
    )
}

/// A page of the other site whose h-entry has `class` on its link to `target` (`u-like-of`…).
fn entry_page(site: &Site, class: &str, target: &str) -> String {
    page(
        &[],
        "",
        &format!(
            r#"<div class="h-entry"><a class="p-author h-card" href="{home}">Olga Other</a>
               <p class="e-content">About <a class="{class}" href="{target}">this</a></p></div>"#,
            home = site.url("/")
        ),
    )
}

// Porch.

fn send(server: &TestServer, source: &str, target: &str) -> Resp {
    server
        .client()
        .post_form("/webmention", &[("source", source), ("target", target)])
}

#[track_caller]
fn accepted(resp: &Resp) {
    assert_eq!(resp.status, 202, "{}", resp.text());
    assert_eq!(resp.header("location"), None, "a 202 has no Location");
}

fn remote_posts(server: &TestServer) -> i64 {
    number(server, "SELECT count(*) FROM remote_posts", [])
}

fn notifications(server: &TestServer, kind: &str) -> i64 {
    number(
        server,
        "SELECT count(*) FROM notifications WHERE kind = ?1",
        [kind],
    )
}

fn post_id(server: &TestServer, url: &str) -> i64 {
    let path = url.trim_start_matches(&server.base).to_string();
    number(server, "SELECT id FROM posts WHERE path = ?1", [path])
}

#[track_caller]
fn approve(server: &TestServer, admin: &Client, source: &str) {
    let id = number(
        server,
        "SELECT id FROM remote_posts WHERE uri = ?1",
        [source],
    );
    let approved = admin.post_form(
        &format!("/admin/moderation/{id}/approve"),
        &[("csrf", &admin.csrf())],
    );
    assert_eq!(approved.status, 303, "{}", approved.text());
}

/// The replies under a post on its public page.
fn comments(client: &Client, url: &str) -> Vec<String> {
    let page = client.get(url);
    assert_eq!(page.status, 200, "{}", page.text());
    texts(&page.text(), ".u-comment.h-cite")
}

// Receiving.

#[test]
fn every_public_page_advertises_the_endpoint_in_its_head_and_the_home_and_posts_in_a_header() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let url = publish(&server, &admin, "Hello, web.");
    let visitor = server.client();
    let endpoint = server.url("/webmention");
    for path in [url.as_str(), "/", "/archive/"] {
        let html = visitor.get(path).text();
        let doc = Html::parse_document(&html);
        let links = select(&doc, r#"head link[rel="webmention"]"#);
        assert_eq!(links.len(), 1, "{path}: {html}");
        assert_eq!(links[0].value().attr("href"), Some(endpoint.as_str()));
    }
    // Twice each: the second answer comes from the page cache and must carry the header too.
    for path in [url.as_str(), "/", url.as_str(), "/"] {
        let resp = visitor.get(path);
        assert_eq!(resp.status, 200);
        let links: Vec<&str> = resp
            .headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("link"))
            .map(|(_, v)| v.as_str())
            .collect();
        assert!(
            links.contains(&format!("<{endpoint}>; rel=\"webmention\"").as_str()),
            "{path}: {links:?}"
        );
    }
}

#[test]
fn a_reply_from_another_site_waits_for_approval_then_shows_under_the_post_as_a_comment() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let site = Site::start();
    let url = publish(&server, &admin, "What do you sit on, on your porch?");
    let source = site.url("/reply");
    site.set(
        "/reply",
        reply_page(
            &site,
            &url,
            "A rocking chair, obviously!<script>alert(1)</script>",
        ),
    );

    let resp = send(&server, &source, &url);
    accepted(&resp);
    assert_eq!(
        resp.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    wait_for_jobs(&server);
    // The source, then the author's photo, to be copied here (a page never shows another site's
    // image).
    let fetched = site.requests();
    assert_eq!(fetched.len(), 2, "{}", site.summary());
    assert_eq!(fetched[0].path, "/reply");
    assert_eq!(site.gets("/olga.jpg"), 1, "{}", site.summary());
    assert!(
        fetched[0]
            .header("accept")
            .is_some_and(|a| a.starts_with("text/html")),
        "{:?}",
        fetched[0].headers
    );

    // Stored as a pending reply by Olga, an author with no inbox, named by her h-card.
    assert_eq!(
        number(
            &server,
            "SELECT count(*) FROM remote_posts r JOIN actors a ON a.id = r.actor_id
             WHERE r.uri = ?1 AND r.post_id = ?2 AND r.moderation = 'pending'
               AND a.uri = ?3 AND a.name = 'Olga Other' AND a.inbox = '' AND a.icon = ?4",
            (
                &source,
                post_id(&server, &url),
                site.url("/"),
                site.url("/olga.jpg")
            )
        ),
        1
    );
    assert!(
        comments(&server.client(), &url).is_empty(),
        "pending replies are not public"
    );
    let queue = admin.get("/admin/moderation").text();
    assert!(queue.contains("A rocking chair, obviously!"), "{queue}");
    assert!(queue.contains("Olga Other"), "{queue}");
    assert!(!queue.contains("<script>alert(1)"), "{queue}");
    let notified = admin.get("/admin/notifications").text();
    assert!(notified.contains("replied to"), "{notified}");

    approve(&server, &admin, &source);
    let page = server.client().get(&url).text();
    let doc = Html::parse_document(&page);
    let replies = select(&doc, ".u-comment.h-cite");
    assert_eq!(replies.len(), 1, "{page}");
    let author = replies[0]
        .select(&scraper::Selector::parse(".p-author.h-card").unwrap())
        .next()
        .expect("an author h-card");
    assert_eq!(text_of(&author), "Olga Other");
    assert_eq!(author.value().attr("href"), Some(site.url("/").as_str()));
    // Her photo answered 404: her initials stand in for it.
    let initials = author
        .select(&scraper::Selector::parse("span.initials").unwrap())
        .next()
        .and_then(|span| span.value().attr("data-initials"));
    assert_eq!(initials, Some("OO"), "{page}");
    assert!(text_of(&replies[0]).contains("A rocking chair, obviously!"));
    assert!(!page.contains("alert(1)"), "the reply was sanitized");
    let permalink = replies[0]
        .select(&scraper::Selector::parse("a.u-url").unwrap())
        .next()
        .and_then(|a| a.value().attr("href"));
    assert_eq!(permalink, Some(source.as_str()));
}

#[test]
fn the_owner_answers_a_web_reply_under_the_post_and_nothing_is_delivered_to_its_author() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let site = Site::start();
    let url = publish(&server, &admin, "Questions welcome.");
    let source = site.url("/reply");
    site.set("/reply", reply_page(&site, &url, "Why a porch?"));
    accepted(&send(&server, &source, &url));
    wait_for_jobs(&server);
    approve(&server, &admin, &source);
    let id = number(
        &server,
        "SELECT id FROM remote_posts WHERE uri = ?1",
        [&source],
    );
    let answered = admin.post_form(
        "/admin/replies",
        &[
            ("csrf", &admin.csrf()),
            ("remote_post_id", &id.to_string()),
            ("text", "Because of the evenings."),
            ("back", "moderation"),
        ],
    );
    assert_eq!(answered.status, 303, "{}", answered.text());
    // The author, known from a Webmention, has no inbox: nothing goes to the other site, and
    // no delivery is left failing.
    wait_for_jobs(&server);
    let shown = comments(&server.client(), &url);
    assert_eq!(shown.len(), 2, "{shown:?}");
    assert!(shown[1].contains("Because of the evenings."), "{shown:?}");
    // The source and the author's photo (copied when the reply came) were all it was asked.
    assert_eq!(site.requests().len(), 2, "{}", site.summary());
    assert_eq!(site.gets("/olga.jpg"), 1, "{}", site.summary());
}

#[test]
fn likes_reposts_bookmarks_and_mentions_are_private_notifications_and_never_counted() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let site = Site::start();
    let url = publish(&server, &admin, "A post people like.");
    let cases = [
        ("/like", "u-like-of", "like", "liked"),
        ("/repost", "u-repost-of", "announce", "boosted"),
        ("/bookmark", "u-bookmark-of", "bookmark", "bookmarked"),
        ("/mention", "", "mention", "mentioned you"),
    ];
    for (path, class, _, _) in cases {
        site.set(path, entry_page(&site, class, &url));
        accepted(&send(&server, &site.url(path), &url));
    }
    // The like again: still one notification.
    accepted(&send(&server, &site.url("/like"), &url));
    wait_for_jobs(&server);

    for (_, _, kind, _) in cases {
        assert_eq!(notifications(&server, kind), 1, "{kind}");
    }
    let list = admin.get("/admin/notifications").text();
    for (_, _, _, what) in cases {
        assert!(list.contains(what), "{what}: {list}");
    }
    assert!(list.contains("Olga Other"), "{list}");
    // Only the mention keeps the source's text (shown in the notification); none is a reply.
    assert_eq!(remote_posts(&server), 1);
    assert_eq!(
        number(
            &server,
            "SELECT count(*) FROM remote_posts WHERE post_id IS NOT NULL",
            []
        ),
        0
    );
    let public = server.client().get(&url).text();
    assert!(!public.contains("Olga"), "{public}");
    assert!(
        !public.contains(&site.base),
        "nothing of the other site: {public}"
    );
    assert!(texts(&public, ".u-comment").is_empty());
}

#[test]
fn an_updated_source_updates_its_reply_which_waits_for_approval_again() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let site = Site::start();
    let url = publish(&server, &admin, "Tea or coffee?");
    let source = site.url("/reply");
    site.set("/reply", reply_page(&site, &url, "Tea, always."));
    accepted(&send(&server, &source, &url));
    wait_for_jobs(&server);
    approve(&server, &admin, &source);
    let shown = comments(&server.client(), &url);
    assert_eq!(shown.len(), 1);
    assert!(shown[0].contains("Tea, always."), "{shown:?}");

    site.set(
        "/reply",
        reply_page(&site, &url, "Coffee, on second thought."),
    );
    accepted(&send(&server, &source, &url));
    wait_for_jobs(&server);
    // What the owner approved was the old text: the new one waits for approval again.
    assert!(comments(&server.client(), &url).is_empty());
    approve(&server, &admin, &source);
    let shown = comments(&server.client(), &url);
    assert_eq!(shown.len(), 1, "updated, not duplicated: {shown:?}");
    assert!(shown[0].contains("Coffee, on second thought."), "{shown:?}");
    assert!(!shown[0].contains("Tea"), "{shown:?}");
    assert_eq!(remote_posts(&server), 1);
    assert_eq!(notifications(&server, "reply"), 1);
}

#[test]
fn a_reply_to_a_page_is_a_mention_since_pages_show_no_conversation() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let site = Site::start();
    let saved = admin.compose(&[
        ("kind", "page"),
        ("title", "Colophon"),
        ("markdown", "How this site is made."),
        ("action", "publish"),
    ]);
    assert_eq!(saved.status, 303, "{}", saved.text());
    let url = server.url("/colophon/");
    assert_eq!(server.client().get(&url).status, 200);
    site.set("/reply", reply_page(&site, &url, "Nice setup."));
    accepted(&send(&server, &site.url("/reply"), &url));
    wait_for_jobs(&server);
    assert_eq!(notifications(&server, "mention"), 1);
    assert_eq!(notifications(&server, "reply"), 0);
    assert_eq!(
        number(
            &server,
            "SELECT count(*) FROM remote_posts WHERE post_id IS NULL AND moderation = 'none'",
            []
        ),
        1
    );
    let list = admin.get("/admin/notifications").text();
    assert!(list.contains("Nice setup."), "{list}");
}

#[test]
fn a_source_that_answers_410_gone_takes_its_reply_away() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let site = Site::start();
    let url = publish(&server, &admin, "Gone tomorrow.");
    let source = site.url("/reply");
    site.set("/reply", reply_page(&site, &url, "Here today."));
    accepted(&send(&server, &source, &url));
    wait_for_jobs(&server);
    approve(&server, &admin, &source);
    assert_eq!(comments(&server.client(), &url).len(), 1);

    site.set(
        "/reply",
        response(
            "410 Gone",
            &[("Content-Type", "text/html")],
            "<p>Deleted</p>",
        ),
    );
    accepted(&send(&server, &source, &url));
    wait_for_jobs(&server);
    assert!(comments(&server.client(), &url).is_empty());
    assert_eq!(remote_posts(&server), 0);
    assert_eq!(number(&server, "SELECT count(*) FROM notifications", []), 0);
}

#[test]
fn a_source_that_no_longer_links_takes_back_what_it_made() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let site = Site::start();
    let url = publish(&server, &admin, "Linked, then not.");
    site.set("/like", entry_page(&site, "u-like-of", &url));
    site.set("/reply", reply_page(&site, &url, "Pending for now."));
    accepted(&send(&server, &site.url("/like"), &url));
    accepted(&send(&server, &site.url("/reply"), &url));
    wait_for_jobs(&server);
    assert_eq!(notifications(&server, "like"), 1);
    assert_eq!(remote_posts(&server), 1);
    assert!(
        admin
            .get("/admin/moderation")
            .text()
            .contains("Pending for now.")
    );

    let elsewhere = site.url("/other-post");
    site.set("/like", entry_page(&site, "u-like-of", &elsewhere));
    site.set("/reply", reply_page(&site, &elsewhere, "Pending for now."));
    accepted(&send(&server, &site.url("/like"), &url));
    accepted(&send(&server, &site.url("/reply"), &url));
    wait_for_jobs(&server);
    assert_eq!(notifications(&server, "like"), 0);
    assert_eq!(notifications(&server, "reply"), 0);
    assert_eq!(remote_posts(&server), 0);
    assert!(
        !admin
            .get("/admin/moderation")
            .text()
            .contains("Pending for now.")
    );
}

#[test]
fn refuses_malformed_requests_with_400_and_stores_nothing() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let site = Site::start();
    let url = publish(&server, &admin, "Mention me properly.");
    let gone = publish(&server, &admin, "Soon deleted.");
    let deleted = admin.post_form(
        &format!("/admin/posts/{}/delete", post_id(&server, &gone)),
        &[("csrf", &admin.csrf())],
    );
    assert_eq!(deleted.status, 303);
    wait_for_jobs(&server);
    let jobs_before = number(&server, "SELECT count(*) FROM jobs", []);
    let source = site.url("/reply");
    site.set("/reply", reply_page(&site, &url, "Hi"));
    let nowhere = server.url("/2020/01/01/never-written.html");
    let home = server.url("/");
    let elsewhere = site.url("/elsewhere");
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (vec![], "source is missing"),
        (vec![("target", &url)], "source is missing"),
        (vec![("source", &source)], "target is missing"),
        (vec![("source", ""), ("target", &url)], "source is missing"),
        (
            vec![("source", "ftp://example.com/a"), ("target", &url)],
            "source must be an http(s) URL",
        ),
        (
            vec![("source", "javascript:alert(1)"), ("target", &url)],
            "source must be an http(s) URL",
        ),
        (
            vec![("source", &source), ("target", "gopher://x/")],
            "target must be an http(s) URL",
        ),
        // webmention.rocks receiver test 2: three requests, all refused.
        (
            vec![
                ("source", "jwoijgoisdjlskjegisvjowuehjtkx"),
                ("target", &url),
            ],
            "source must be",
        ),
        (
            vec![
                ("source", &source),
                ("target", "owiejduvyeiwljjjcjmvbpsouehgd"),
            ],
            "target must be",
        ),
        (
            vec![
                ("source", "sjuhvhwieuhtiwudcjvhuh"),
                ("target", "owiejduvyeiwljjjcjmvbpsouehgd"),
            ],
            "source must be",
        ),
        (
            vec![("source", &url), ("target", &url)],
            "source and target must be different",
        ),
        (
            vec![("source", &source), ("target", &elsewhere)],
            "target is not on this site",
        ),
        (
            vec![("source", &source), ("target", &nowhere)],
            "target is not a post or page published here",
        ),
        (
            vec![("source", &source), ("target", &home)],
            "target is not a post or page published here",
        ),
        (
            vec![("source", &source), ("target", &gone)],
            "target is not a post or page published here",
        ),
    ];
    let client = server.client();
    for (fields, reason) in &cases {
        let resp = client.post_form("/webmention", fields);
        assert_eq!(resp.status, 400, "{fields:?}: {}", resp.text());
        assert!(resp.text().contains(reason), "{fields:?}: {}", resp.text());
        assert_eq!(
            resp.header("content-type"),
            Some("text/plain; charset=utf-8")
        );
    }
    let json = client.post_raw(
        "/webmention",
        "application/json",
        format!(r#"{{"source": "{source}", "target": "{url}"}}"#).as_bytes(),
        &[],
    );
    assert_eq!(json.status, 400, "{}", json.text());
    assert!(json.text().contains("form-encoded"), "{}", json.text());

    assert_eq!(
        number(&server, "SELECT count(*) FROM jobs", []),
        jobs_before
    );
    assert!(site.requests().is_empty(), "{}", site.summary());
    assert_eq!(remote_posts(&server), 0);
    assert_eq!(number(&server, "SELECT count(*) FROM notifications", []), 0);
}

#[test]
fn refuses_a_source_on_this_machine_when_private_networks_are_not_allowed() {
    let server = TestServer::with_owner_guarded();
    let admin = server.admin();
    let site = Site::start();
    let url = publish(&server, &admin, "Guarded.");
    wait_for_jobs(&server);
    site.set("/reply", reply_page(&site, &url, "From inside."));
    let jobs_before = number(&server, "SELECT count(*) FROM jobs", []);
    for source in [
        site.url("/reply"),
        site.url("/reply").replace("127.0.0.1", "localhost"),
        site.url("/reply").replace("127.0.0.1", "[::1]"),
        "http://10.0.0.1/reply".to_string(),
    ] {
        let resp = send(&server, &source, &url);
        assert_eq!(resp.status, 400, "{source}: {}", resp.text());
        assert!(resp.text().contains("public"), "{}", resp.text());
    }
    assert_eq!(
        number(&server, "SELECT count(*) FROM jobs", []),
        jobs_before
    );
    assert!(site.requests().is_empty(), "{}", site.summary());
    assert_eq!(remote_posts(&server), 0);
}

#[test]
fn a_source_larger_than_a_megabyte_is_not_read_and_stores_nothing() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let site = Site::start();
    let url = publish(&server, &admin, "Big replies are refused.");
    let padding = format!("<p>{}</p>", "x".repeat(1024 * 1024));
    let big = page(
        &[],
        "",
        &format!(
            r#"<article class="h-entry"><a class="u-in-reply-to" href="{url}">re</a><p class="e-content">Huge</p></article>{padding}"#
        ),
    );
    site.set("/big", big);
    accepted(&send(&server, &site.url("/big"), &url));
    wait_for_jobs(&server);
    assert_eq!(site.gets("/big"), 1, "fetched once, not retried");
    assert_eq!(remote_posts(&server), 0);
    assert_eq!(number(&server, "SELECT count(*) FROM notifications", []), 0);
}

#[test]
fn refuses_a_blocked_domain_with_403() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let site = Site::start();
    let url = publish(&server, &admin, "Not for spammers.");
    site.set("/reply", reply_page(&site, &url, "Buy things!"));
    let blocked = admin.post_form(
        "/admin/blocks/domains",
        &[
            ("csrf", &admin.csrf()),
            ("domain", "127.0.0.1"),
            ("severity", "suspend"),
        ],
    );
    assert_eq!(blocked.status, 303, "{}", blocked.text());
    wait_for_jobs(&server);
    let jobs_before = number(&server, "SELECT count(*) FROM jobs", []);
    let resp = send(&server, &site.url("/reply"), &url);
    assert_eq!(resp.status, 403, "{}", resp.text());
    assert_eq!(
        number(&server, "SELECT count(*) FROM jobs", []),
        jobs_before
    );
    assert!(site.requests().is_empty(), "{}", site.summary());
    assert_eq!(remote_posts(&server), 0);
}

#[test]
fn a_flood_from_one_host_is_refused_with_429_and_other_hosts_still_get_through() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let site = Site::start();
    let url = publish(&server, &admin, "Popular.");
    for i in 0..30 {
        accepted(&send(&server, &site.url(&format!("/n/{i}")), &url));
    }
    let refused = send(&server, &site.url("/n/30"), &url);
    assert_eq!(refused.status, 429, "{}", refused.text());
    let wait: u64 = refused
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .expect("a Retry-After in seconds");
    assert!((1..=3600).contains(&wait), "{wait}");
    // Another host is counted on its own.
    let other = site.url("/n/31").replace("127.0.0.1", "localhost");
    accepted(&send(&server, &other, &url));
    wait_for_jobs(&server);
    assert_eq!(site.gets("/n/30"), 0, "the refused one was not queued");
    assert_eq!(site.gets("/n/29"), 1);
    assert_eq!(site.gets("/n/31"), 1);
}

// Sending.

/// The other site's pages, one per webmention.rocks discovery case Porch must handle, each
/// with its endpoint (path of the page → path its Webmention must be POSTed to).
fn discovery_pages(site: &Site) -> Vec<(String, Option<String>)> {
    let abs = |p: &str| site.url(p);
    let mut cases: Vec<(String, Option<String>)> = Vec::new();
    let mut add = |target: &str, raw: String, endpoint: Option<&str>| {
        site.set(target, raw);
        if let Some(e) = endpoint {
            site.endpoint(e);
        }
        cases.push((target.to_string(), endpoint.map(String::from)));
    };
    // 1: Link header, unquoted rel, relative URL.
    add(
        "/t/1",
        page(&[("Link", "</t/1/endpoint>; rel=webmention")], "", ""),
        Some("/t/1/endpoint"),
    );
    // 2: Link header, absolute URL.
    let two = format!("<{}>; rel=webmention", abs("/t/2/endpoint"));
    add(
        "/t/2",
        page(&[("Link", &two)], "", ""),
        Some("/t/2/endpoint"),
    );
    // 7: the header name in strange casing.
    let seven = format!("<{}>; rel=webmention", abs("/t/7/endpoint"));
    add(
        "/t/7",
        page(&[("LinK", &seven)], "", ""),
        Some("/t/7/endpoint"),
    );
    // 3: <link>, relative.
    add(
        "/t/3",
        page(&[], r#"<link rel="webmention" href="/t/3/endpoint">"#, ""),
        Some("/t/3/endpoint"),
    );
    // 5: <a>, relative.
    add(
        "/t/5",
        page(
            &[],
            "",
            r#"<a rel="webmention" href="/t/5/endpoint">endpoint</a>"#,
        ),
        Some("/t/5/endpoint"),
    );
    // 9: several rel values on a <link>; 10: on a Link header.
    add(
        "/t/9",
        page(
            &[],
            r#"<link rel="webmention somethingelse" href="/t/9/endpoint">"#,
            "",
        ),
        Some("/t/9/endpoint"),
    );
    add(
        "/t/10",
        page(
            &[("Link", "</t/10/endpoint>; rel=\"webmention somethingelse\"")],
            "",
            "",
        ),
        Some("/t/10/endpoint"),
    );
    // 11: Link header, <link> and <a> all advertise one: the header wins.
    add(
        "/t/11",
        page(
            &[("Link", "</t/11/endpoint>; rel=\"webmention\"")],
            r#"<link rel="webmention" href="/t/11/endpoint/error">"#,
            r#"<a href="/t/11/endpoint/error" rel="webmention">e</a>"#,
        ),
        Some("/t/11/endpoint"),
    );
    // 13: a false endpoint inside an HTML comment.
    add(
        "/t/13",
        page(
            &[],
            "",
            r#"<!-- <a href="/t/13/endpoint/error" rel="webmention"></a> --><a href="/t/13/endpoint" rel="webmention">e</a>"#,
        ),
        Some("/t/13/endpoint"),
    );
    // 15: an empty href: the page itself.
    add(
        "/t/15",
        page(&[], r#"<link rel="webmention" href="">"#, ""),
        Some("/t/15"),
    );
    // 19: one Link header with several links.
    add(
        "/t/19",
        page(
            &[(
                "Link",
                "</t/19/endpoint/error>; rel=\"other\", </t/19/endpoint>; rel=\"webmention\"",
            )],
            "",
            "",
        ),
        Some("/t/19/endpoint"),
    );
    // 20: a <link> without href is skipped.
    add(
        "/t/20",
        page(
            &[],
            "",
            r#"<link rel="webmention"><a href="/t/20/endpoint" rel="webmention">e</a>"#,
        ),
        Some("/t/20/endpoint"),
    );
    // 21: the endpoint's query string stays in its URL.
    add(
        "/t/21",
        page(
            &[],
            r#"<link rel="webmention" href="/t/21/endpoint?query=yes">"#,
            "",
        ),
        Some("/t/21/endpoint?query=yes"),
    );
    // 22: relative to the page's path.
    add(
        "/t/22",
        page(&[], r#"<link rel="webmention" href="22/endpoint">"#, ""),
        Some("/t/22/endpoint"),
    );
    // A target whose query string must be sent exactly as the post's link has it.
    add(
        "/t/q?a=1&b=2",
        page(&[("Link", "</t/q/endpoint>; rel=webmention")], "", ""),
        Some("/t/q/endpoint"),
    );
    // A page with no endpoint.
    add(
        "/t/none",
        page(&[], "", "<p>No Webmentions here.</p>"),
        None,
    );
    // 23: a redirect, then an endpoint relative to where it ended.
    site.set(
        "/t/23/page",
        response("302 Found", &[("Location", "page/abc")], ""),
    );
    site.set(
        "/t/23/page/abc",
        page(
            &[("Link", "<webmention-endpoint/def>; rel=webmention")],
            "",
            r#"<a rel="webmention" href="webmention-endpoint/def">e</a>"#,
        ),
    );
    site.endpoint("/t/23/page/webmention-endpoint/def");
    cases.push((
        "/t/23/page".into(),
        Some("/t/23/page/webmention-endpoint/def".into()),
    ));
    cases
}

/// The post's Markdown: a link to each of these pages of the site.
fn linking(site: &Site, paths: &[&str]) -> String {
    paths
        .iter()
        .enumerate()
        .map(|(i, p)| format!("[link {i}]({})", site.url(p)))
        .collect::<Vec<_>>()
        .join(" and ")
}

/// The Webmentions the site received at `endpoint`.
#[track_caller]
fn received(site: &Site, endpoint: &str) -> Vec<Seen> {
    site.posts_to(endpoint)
}

#[track_caller]
fn assert_one_webmention(
    site: &Site,
    endpoint: &str,
    source: &str,
    target: &str,
    check: SourceCheck,
) {
    let got = received(site, endpoint);
    assert_eq!(got.len(), 1, "{endpoint}:\n{}", site.summary());
    let w = &got[0];
    assert!(
        w.header("content-type")
            .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded")),
        "{:?}",
        w.headers
    );
    let mut expected = HashMap::new();
    expected.insert("source".to_string(), source.to_string());
    expected.insert("target".to_string(), target.to_string());
    assert_eq!(w.form, expected, "{endpoint}: {}", w.body);
    assert_eq!(w.check, Some(check), "{endpoint}");
}

#[test]
fn a_published_post_sends_one_webmention_to_each_page_it_links_by_every_discovery_route() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let site = Site::start();
    let cases = discovery_pages(&site);
    // Two more pages, named by what the post replies to and bookmarks.
    site.set(
        "/t/8",
        page(
            &[(
                "Link",
                &format!("<{}>; rel=\"webmention\"", site.url("/t/8/endpoint")),
            )],
            "",
            "",
        ),
    );
    site.endpoint("/t/8/endpoint");
    site.set(
        "/t/4",
        page(
            &[],
            &format!(
                r#"<link href="{}" rel="webmention">"#,
                site.url("/t/4/endpoint")
            ),
            "",
        ),
    );
    site.endpoint("/t/4/endpoint");
    let paths: Vec<&str> = cases.iter().map(|(p, _)| p.as_str()).collect();
    let url = publish_with(
        &server,
        &admin,
        &format!("Links: {}.", linking(&site, &paths)),
        &[
            ("in_reply_to", &site.url("/t/8")),
            ("bookmark_of", &site.url("/t/4")),
        ],
    );
    wait_for_jobs(&server);

    let linked = SourceCheck {
        status: 200,
        links: true,
    };
    for (path, endpoint) in &cases {
        assert_eq!(site.gets(path), 1, "{path}: one GET to discover");
        if let Some(endpoint) = endpoint {
            assert_one_webmention(&site, endpoint, &url, &site.url(path), linked.clone());
        }
    }
    assert_eq!(site.gets("/t/23/page/abc"), 1);
    // What it replies to and bookmarks (u-in-reply-to and u-bookmark-of links on the page).
    assert_one_webmention(
        &site,
        "/t/8/endpoint",
        &url,
        &site.url("/t/8"),
        linked.clone(),
    );
    assert_one_webmention(
        &site,
        "/t/4/endpoint",
        &url,
        &site.url("/t/4"),
        linked.clone(),
    );
    let posts: Vec<Seen> = site
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST")
        .collect();
    assert!(
        posts.iter().all(|r| !r.path.contains("error")),
        "no false endpoint was used:\n{}",
        site.summary()
    );
    assert_eq!(posts.len(), cases.len() - 1 + 2, "{}", site.summary());
    assert!(
        !received(&site, "/t/21/endpoint?query=yes")[0]
            .body
            .contains("query"),
        "the endpoint's query stays out of the body"
    );

    // The results, on the post's edit screen.
    let rows = sent_rows(&admin, post_id(&server, &url));
    assert_eq!(rows.len(), cases.len() + 2, "{rows:#?}");
    for (path, endpoint) in &cases {
        let target = site.url(path);
        let (_, status, when) = rows
            .iter()
            .find(|(t, _, _)| *t == target)
            .unwrap_or_else(|| panic!("{target} not listed: {rows:#?}"));
        let expected = if endpoint.is_some() {
            "sent"
        } else {
            "no endpoint"
        };
        assert!(status.starts_with(expected), "{target}: {status}");
        assert!(!when.is_empty());
    }
    let sent = rows
        .iter()
        .filter(|(_, s, _)| s.starts_with("sent"))
        .count();
    assert_eq!(sent, cases.len() + 1, "{rows:#?}");
}

/// The Webmentions listed on a post's edit screen: target, status (with detail), when.
fn sent_rows(admin: &Client, post_id: i64) -> Vec<(String, String, String)> {
    let screen = admin.get(&format!("/admin/posts/{post_id}"));
    assert_eq!(screen.status, 200, "{}", screen.text());
    let doc = Html::parse_document(&screen.text());
    let cell = scraper::Selector::parse("td").unwrap();
    select(&doc, "tr.webmention")
        .iter()
        .map(|row| {
            let cells: Vec<String> = row
                .select(&cell)
                .map(|c| text_of(&c).split_whitespace().collect::<Vec<_>>().join(" "))
                .collect();
            (cells[0].clone(), cells[1].clone(), cells[2].clone())
        })
        .collect()
}

#[test]
fn an_edit_sends_again_even_to_a_removed_link_and_a_delete_sends_once_more_with_the_post_gone() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let site = Site::start();
    discovery_pages(&site);
    let url = publish(&server, &admin, &linking(&site, &["/t/1", "/t/2"]));
    let id = post_id(&server, &url);
    wait_for_jobs(&server);
    let linked = SourceCheck {
        status: 200,
        links: true,
    };
    assert_one_webmention(
        &site,
        "/t/1/endpoint",
        &url,
        &site.url("/t/1"),
        linked.clone(),
    );
    assert_one_webmention(
        &site,
        "/t/2/endpoint",
        &url,
        &site.url("/t/2"),
        linked.clone(),
    );

    // The edit drops the link to /t/2 and adds one to /t/3: all three hear of it.
    let saved = admin.compose(&[
        ("id", &id.to_string()),
        ("kind", "post"),
        ("title", ""),
        ("markdown", &linking(&site, &["/t/1", "/t/3"])),
        ("action", "publish"),
    ]);
    assert_eq!(saved.status, 303, "{}", saved.text());
    wait_for_jobs(&server);
    let checks = |endpoint: &str| -> Vec<Option<SourceCheck>> {
        received(&site, endpoint)
            .into_iter()
            .map(|w| w.check)
            .collect()
    };
    let unlinked = SourceCheck {
        status: 200,
        links: false,
    };
    assert_eq!(
        checks("/t/1/endpoint"),
        vec![Some(linked.clone()), Some(linked.clone())]
    );
    assert_eq!(
        checks("/t/2/endpoint"),
        vec![Some(linked.clone()), Some(unlinked)],
        "the removed link is told, and the source no longer links it"
    );
    assert_one_webmention(
        &site,
        "/t/3/endpoint",
        &url,
        &site.url("/t/3"),
        linked.clone(),
    );
    let rows = sent_rows(&admin, id);
    assert_eq!(rows.len(), 3, "{rows:#?}");
    assert!(
        rows.iter().all(|(_, s, _)| s.starts_with("sent")),
        "{rows:#?}"
    );

    // Deleted: each page is told once more, and finds the post answering 410 Gone.
    let deleted = admin.post_form(
        &format!("/admin/posts/{id}/delete"),
        &[("csrf", &admin.csrf())],
    );
    assert_eq!(deleted.status, 303, "{}", deleted.text());
    wait_for_jobs(&server);
    let gone = SourceCheck {
        status: 410,
        links: false,
    };
    for endpoint in ["/t/1/endpoint", "/t/2/endpoint", "/t/3/endpoint"] {
        let all = checks(endpoint);
        assert_eq!(all.last(), Some(&Some(gone.clone())), "{endpoint}: {all:?}");
        let w = received(&site, endpoint).pop().unwrap();
        assert_eq!(w.form.get("source"), Some(&url));
    }
    assert_eq!(checks("/t/1/endpoint").len(), 3);
    assert_eq!(checks("/t/2/endpoint").len(), 3);
    assert_eq!(checks("/t/3/endpoint").len(), 2);
}

#[test]
fn a_page_that_refuses_the_webmention_is_shown_as_failed_and_not_retried() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let site = Site::start();
    site.set(
        "/refuses",
        page(&[("Link", "</refuses/error>; rel=webmention")], "", ""),
    );
    let url = publish(&server, &admin, &linking(&site, &["/refuses"]));
    wait_for_jobs(&server);
    assert_eq!(site.posts_to("/refuses/error").len(), 1);
    let rows = sent_rows(&admin, post_id(&server, &url));
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_eq!(rows[0].0, site.url("/refuses"));
    assert!(rows[0].1.starts_with("failed (400"), "{rows:?}");
}

#[test]
fn a_page_cannot_claim_an_author_on_another_site() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let site = Site::start();
    let url = publish(&server, &admin, "Who wrote this?");
    // The page names someone else's profile as its author, with a name of its choosing.
    let body = page(
        &[],
        "",
        &format!(
            r#"<article class="h-entry">
              <a class="p-author h-card" href="https://famous.example/">Famous Person</a>
              <p>In reply to <a class="u-in-reply-to" href="{url}">this post</a></p>
              <div class="e-content"><p>Trust me.</p></div>
            </article>"#
        ),
    );
    site.set("/claim", body);
    accepted(&send(&server, &site.url("/claim"), &url));
    wait_for_jobs(&server);
    let (uri, name) = server
        .app
        .db
        .read_blocking(|c| {
            Ok(c.query_row(
                "SELECT a.uri, a.name FROM remote_posts r JOIN actors a ON a.id = r.actor_id",
                [],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
            )?)
        })
        .unwrap();
    assert_eq!(uri, site.url("/"), "the mention is the source site's");
    assert!(!name.contains("Famous"), "{name}");
    let moderation = admin.get("/admin/moderation").text();
    assert!(!moderation.contains("Famous Person"), "{moderation}");
}
