//! Microformats2 on the public pages, read the way other IndieWeb sites read them: each page
//! fetched over HTTP and parsed with the `microformats` crate (the parser Porch's own Webmention
//! receiver uses), then the parsed items compared whole. A post is an h-entry (named only when
//! it has a title), lists are h-feeds of those same entries, the About page is the owner's
//! h-card, and approved replies are the entry's `comment`s as h-cites.

mod common;

use chrono::DateTime;
use common::federation::{number, save_settings, wait_for_jobs};
use common::{Client, TestServer, newest_path};
use serde_json::{Value, json};

// Reading pages.

/// The parsed microformats of a page that answers 200; `path` may be absolute.
#[track_caller]
fn mf2(server: &TestServer, path: &str) -> Value {
    let resp = server.client().get(path);
    assert_eq!(resp.status, 200, "{path}: {}", resp.text());
    parse(server, path, &resp.text())
}

/// Parses `html` as the page at `path`, so relative URLs resolve against the server.
fn parse(server: &TestServer, path: &str, html: &str) -> Value {
    let page = if path.starts_with("http") {
        path.to_string()
    } else {
        server.url(path)
    };
    let doc = microformats::from_html(html, &url::Url::parse(&page).unwrap())
        .unwrap_or_else(|e| panic!("{page} does not parse: {e}"));
    serde_json::to_value(&doc).unwrap()
}

/// The top-level items of a parsed page.
fn items(doc: &Value) -> &Vec<Value> {
    doc["items"].as_array().expect("an items array")
}

/// The page's only top-level item of type `kind`.
#[track_caller]
fn only<'a>(doc: &'a Value, kind: &str) -> &'a Value {
    let found: Vec<&Value> = items(doc)
        .iter()
        .filter(|i| i["type"] == json!([kind]))
        .collect();
    assert_eq!(found.len(), 1, "one {kind}: {doc:#}");
    found[0]
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap()
}

#[track_caller]
fn assert_mf2_eq(actual: &Value, expected: &Value) {
    assert!(
        actual == expected,
        "parsed:\n{}\nexpected:\n{}",
        pretty(actual),
        pretty(expected)
    );
}

// What Porch's pages are expected to say.

/// The owner as the author of an entry or a feed: a nested h-card with a name and a URL.
fn author_card(server: &TestServer) -> Value {
    json!({
        "type": ["h-card"],
        "properties": {"name": ["Alice Example"], "url": [server.url("/")]},
        "lang": "en",
        "value": "Alice Example",
    })
}

/// The h-card in every page's footer.
fn footer_card(server: &TestServer) -> Value {
    json!({
        "type": ["h-card"],
        "properties": {"name": ["Alice Example"], "url": [server.url("/")]},
        "lang": "en",
    })
}

/// An h-entry with the properties every post has, plus `extra`; `url` is absolute.
fn h_entry(server: &TestServer, url: &str, content: (&str, &str), extra: Value) -> Value {
    let (html, value) = content;
    let mut properties = json!({
        "author": [author_card(server)],
        "content": [{"html": html, "value": value}],
        "published": [published_of(server, url)],
        "uid": [url],
        "url": [url],
    });
    for (k, v) in extra.as_object().unwrap() {
        properties[k] = v.clone();
    }
    json!({"type": ["h-entry"], "properties": properties, "lang": "en"})
}

/// A post's publication time as the parser reports it (RFC 3339, in the site's zone).
fn published_of(server: &TestServer, url: &str) -> String {
    let path = url.trim_start_matches(&server.base).to_string();
    let at = number(
        server,
        "SELECT published_at FROM posts WHERE path = ?1",
        [path],
    );
    let tz: chrono_tz::Tz = "Europe/Paris".parse().unwrap();
    DateTime::from_timestamp(at, 0)
        .unwrap()
        .with_timezone(&tz)
        .to_rfc3339()
}

// Writing.

/// The site in Paris time, so that dates carry an offset that is not zero.
fn in_paris(admin: &Client) {
    let saved = save_settings(admin, &[("timezone", "Europe/Paris")]);
    assert_eq!(saved.status, 303, "{}", saved.text());
}

/// Publishes through the composer and returns the new post's absolute URL.
#[track_caller]
fn publish(server: &TestServer, admin: &Client, fields: &[(&str, &str)]) -> String {
    let mut all = vec![("action", "publish")];
    all.extend_from_slice(fields);
    let saved = admin.compose(&all);
    assert_eq!(saved.status, 303, "{}", saved.text());
    server.url(&newest_path(server))
}

/// Publishes through the composer with photos, each with its alt text.
#[track_caller]
fn publish_with_photos(
    server: &TestServer,
    admin: &Client,
    fields: &[(&str, &str)],
    photos: &[(&str, &[u8], &str)],
) -> String {
    let csrf = admin.csrf();
    let mut all = vec![("csrf", csrf.as_str()), ("action", "publish")];
    all.extend_from_slice(fields);
    all.extend(photos.iter().map(|(_, _, alt)| ("photo_file_alt", *alt)));
    let files: Vec<(&str, &str, &[u8])> = photos
        .iter()
        .map(|(name, bytes, _)| ("photo_file", *name, *bytes))
        .collect();
    let saved = admin.post_multipart("/admin/new", &all, &files);
    assert_eq!(saved.status, 303, "{}", saved.text());
    server.url(&newest_path(server))
}

// Posts.

#[test]
fn a_titled_post_is_one_h_entry_with_name_content_date_links_categories_photos_and_author() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    in_paris(&admin);
    let (barn, hens) = ("A red barn at dusk", "Three hens & a rooster");
    let url = publish_with_photos(
        &server,
        &admin,
        &[
            ("title", "On Porches & <Chairs>"),
            (
                "markdown",
                "Some **bold** words.\n\nAnd a [link](https://example.com/).",
            ),
            ("new_categories", "Porch life, Wood"),
        ],
        &[
            ("barn.jpg", &common::jpeg(1600, 1000), barn),
            ("hens.png", &common::png(300, 200), hens),
        ],
    );
    let media = server
        .app
        .db
        .read_blocking(|c| porch::store::media::list(c, 10, 0))
        .unwrap();
    let of_width = |w: u32| media.iter().find(|m| m.width == w).expect("the photo");
    // A page shows the copy sized for its column (the link around it leads to the original);
    // a photo narrower than the column is shown as it is.
    assert!(of_width(1600).variants.contains(&1200));
    let barn_src = server.url(&format!("/uploads/{}-1200.jpg", of_width(1600).hash));
    let hens_src = server.url(&format!("/uploads/{}.png", of_width(300).hash));

    let doc = mf2(&server, &url);
    assert_eq!(items(&doc).len(), 2, "the entry and the footer's h-card");
    let expected = h_entry(
        &server,
        &url,
        (
            "<p>Some <strong>bold</strong> words.</p>\n<p>And a <a href=\"https://example.com/\" rel=\"noopener\">link</a>.</p>",
            "Some bold words.\nAnd a link.",
        ),
        json!({
            "name": ["On Porches & <Chairs>"],
            "category": ["Porch life", "Wood"],
            "photo": [
                {"value": barn_src, "alt": barn},
                {"value": hens_src, "alt": hens},
            ],
            // The title links the permalink as well as the date does: two equal values.
            "url": [url],
        }),
    );
    assert_mf2_eq(only(&doc, "h-entry"), &expected);
    assert_mf2_eq(only(&doc, "h-card"), &footer_card(&server));

    // The date is a real one, in the site's zone, and is the moment the post was published.
    let published = only(&doc, "h-entry")["properties"]["published"][0]
        .as_str()
        .unwrap();
    let parsed = DateTime::parse_from_rfc3339(published)
        .unwrap_or_else(|e| panic!("{published} is not RFC 3339: {e}"));
    let path = url.trim_start_matches(&server.base).to_string();
    let stored = number(
        &server,
        "SELECT published_at FROM posts WHERE path = ?1",
        [path],
    );
    assert_eq!(parsed.timestamp(), stored);
    assert!(
        [3600, 7200].contains(&parsed.offset().local_minus_utc()),
        "Paris time: {published}"
    );
    assert!((chrono::Utc::now().timestamp() - stored).abs() < 120);
}

#[test]
fn an_untitled_post_has_no_name_not_even_an_implied_one() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    in_paris(&admin);
    // The barest post there is: one line of text, no category, no photo. mf2's implied-name
    // rule would take the entry's whole text as its name if the entry had no explicit p-* or
    // e-* property; e-content and p-author keep it from applying.
    let url = publish(
        &server,
        &admin,
        &[("title", ""), ("markdown", "Just a note, no title.")],
    );
    let doc = mf2(&server, &url);
    let entry = only(&doc, "h-entry");
    let expected = h_entry(
        &server,
        &url,
        ("<p>Just a note, no title.</p>", "Just a note, no title."),
        json!({}),
    );
    assert_mf2_eq(entry, &expected);
    assert!(entry["properties"].get("name").is_none(), "{entry:#}");

    // The same entry in the home page's feed has no name either.
    let home = mf2(&server, "/");
    let feed = only(&home, "h-feed");
    assert_mf2_eq(&feed["children"][0], &expected);
}

#[test]
fn replies_and_bookmarks_carry_their_targets_as_in_reply_to_and_bookmark_of_urls() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    in_paris(&admin);
    let reply = publish(
        &server,
        &admin,
        &[
            ("title", ""),
            ("markdown", "Agreed, mostly."),
            ("in_reply_to", "https://other.example/notes/1"),
        ],
    );
    let bookmark = publish(
        &server,
        &admin,
        &[
            ("title", ""),
            ("markdown", "Worth reading later."),
            ("bookmark_of", "https://example.com/long-read"),
            ("content_warning", "Politics"),
        ],
    );

    assert_mf2_eq(
        only(&mf2(&server, &reply), "h-entry"),
        &h_entry(
            &server,
            &reply,
            ("<p>Agreed, mostly.</p>", "Agreed, mostly."),
            json!({"in-reply-to": ["https://other.example/notes/1"]}),
        ),
    );
    // A content warning is the entry's summary, shown before the content.
    assert_mf2_eq(
        only(&mf2(&server, &bookmark), "h-entry"),
        &h_entry(
            &server,
            &bookmark,
            ("<p>Worth reading later.</p>", "Worth reading later."),
            json!({
                "bookmark-of": ["https://example.com/long-read"],
                "summary": ["Politics"],
            }),
        ),
    );
}

#[test]
fn a_page_is_an_h_entry_named_by_its_title_with_its_permalink_as_url_and_uid() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let saved = admin.compose(&[
        ("action", "publish"),
        ("kind", "page"),
        ("title", "Colophon"),
        ("markdown", "Made with *Porch*."),
    ]);
    assert_eq!(saved.status, 303, "{}", saved.text());
    let url = server.url("/colophon/");
    let doc = mf2(&server, &url);
    assert_eq!(items(&doc).len(), 2, "the page and the footer's h-card");
    // Pages are not dated: no `published`.
    assert_mf2_eq(
        only(&doc, "h-entry"),
        &json!({
            "type": ["h-entry"],
            "properties": {
                "author": [author_card(&server)],
                "content": [{"html": "<p>Made with <em>Porch</em>.</p>", "value": "Made with Porch."}],
                "name": ["Colophon"],
                "uid": [url],
                "url": [url],
            },
            "lang": "en",
        }),
    );
}

// Lists.

#[test]
fn the_home_page_a_category_a_month_and_search_each_hold_one_h_feed_of_their_entries_in_order() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    in_paris(&admin);
    let first = publish(
        &server,
        &admin,
        &[
            ("title", "Rocking chairs"),
            ("markdown", "A porch needs a rocking chair."),
            ("new_categories", "Furniture"),
        ],
    );
    let second = publish(
        &server,
        &admin,
        &[
            ("title", ""),
            ("markdown", "Rain on the porch roof tonight."),
        ],
    );
    let third = publish(
        &server,
        &admin,
        &[
            ("title", ""),
            ("markdown", "Painted the porch chair green."),
            ("new_categories", "Furniture"),
        ],
    );
    // Each entry in a list is the entry of its own page.
    let own = |url: &str| only(&mf2(&server, url), "h-entry").clone();
    let (first_entry, second_entry, third_entry) = (own(&first), own(&second), own(&third));

    let home = mf2(&server, "/");
    assert_eq!(items(&home).len(), 2, "the feed and the footer's h-card");
    assert_mf2_eq(
        only(&home, "h-feed"),
        &json!({
            "type": ["h-feed"],
            "properties": {"name": ["My blog"], "author": [author_card(&server)]},
            "children": [third_entry, second_entry, first_entry],
            "lang": "en",
        }),
    );
    assert_mf2_eq(only(&home, "h-card"), &footer_card(&server));

    let category = mf2(&server, "/categories/furniture/");
    assert_mf2_eq(
        only(&category, "h-feed"),
        &json!({
            "type": ["h-feed"],
            "properties": {"name": ["Furniture"]},
            "children": [third_entry, first_entry],
            "lang": "en",
        }),
    );

    // A month reads like a diary, oldest first.
    let month_path = &first.trim_start_matches(&server.base)[..9];
    let (year, month) = (&month_path[1..5], &month_path[6..8]);
    let label = chrono::NaiveDate::from_ymd_opt(year.parse().unwrap(), month.parse().unwrap(), 1)
        .unwrap()
        .format("%B %Y")
        .to_string();
    assert_mf2_eq(
        only(&mf2(&server, month_path), "h-feed"),
        &json!({
            "type": ["h-feed"],
            "properties": {"name": [label]},
            "children": [first_entry, second_entry, third_entry],
            "lang": "en",
        }),
    );

    let search = mf2(&server, "/search/?q=porch");
    assert_mf2_eq(
        only(&search, "h-feed"),
        &json!({
            "type": ["h-feed"],
            "properties": {},
            "children": [third_entry, second_entry, first_entry],
            "lang": "en",
        }),
    );
    let chair = mf2(&server, "/search/?q=chair");
    assert_eq!(
        only(&chair, "h-feed")["children"],
        json!([third_entry, first_entry])
    );
    // A search that finds nothing is an empty feed; the search form alone has none.
    assert_eq!(
        only(&mf2(&server, "/search/?q=zeppelin"), "h-feed").get("children"),
        None
    );
    assert_mf2_eq(
        &mf2(&server, "/search/")["items"],
        &json!([footer_card(&server)]),
    );
    // The archive lists months, not entries.
    assert_mf2_eq(
        &mf2(&server, "/archive/")["items"],
        &json!([footer_card(&server)]),
    );
}

// The owner.

#[test]
fn the_about_page_is_the_owners_h_card_with_photo_note_and_rel_me_links() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let avatar = admin.post_multipart(
        "/admin/settings/profile",
        &[("csrf", &admin.csrf())],
        &[("avatar", "me.png", &common::png(400, 400))],
    );
    assert_eq!(avatar.status, 303, "{}", avatar.text());
    let saved = save_settings(
        &admin,
        &[
            ("bio", "I write about *porches* and chairs."),
            (
                "rel_me",
                "https://mastodon.example/@alice\nhttps://github.com/alice",
            ),
        ],
    );
    assert_eq!(saved.status, 303, "{}", saved.text());
    let avatar = server.url(&format!(
        "/uploads/{}",
        server
            .app
            .db
            .read_blocking(porch::store::settings::load)
            .unwrap()
            .avatar
            .expect("an avatar")
    ));
    let home = server.url("/");

    let doc = mf2(&server, "/about/");
    let cards: Vec<&Value> = items(&doc)
        .iter()
        .filter(|i| i["type"] == json!(["h-card"]))
        .collect();
    assert_eq!(cards.len(), 2, "the profile and the footer: {doc:#}");
    assert_mf2_eq(
        cards[0],
        &json!({
            "type": ["h-card"],
            "properties": {
                "name": ["Alice Example"],
                "nickname": ["alice"],
                "note": ["I write about porches and chairs."],
                "photo": [{"value": avatar, "alt": ""}],
                "uid": [home],
                "url": [home, "https://mastodon.example/@alice", "https://github.com/alice"],
            },
            "lang": "en",
        }),
    );
    let mut footer = footer_card(&server);
    assert_mf2_eq(cards[1], &footer);
    // The parser lists a rel's URLs sorted: the owner's home page (the profile's name links it
    // rel=me) and both profiles, from the head and the page.
    assert_eq!(
        doc["rels"]["me"],
        json!([
            home,
            "https://github.com/alice",
            "https://mastodon.example/@alice"
        ]),
        "{:#}",
        doc["rels"]
    );

    // The home page's feed names the owner with the avatar too, and every page has the links.
    let front = mf2(&server, "/");
    footer = author_card(&server);
    footer["properties"]["photo"] = json!([{"value": avatar, "alt": ""}]);
    assert_mf2_eq(&only(&front, "h-feed")["properties"]["author"][0], &footer);
    assert_eq!(
        front["rels"]["me"],
        json!([
            "https://github.com/alice",
            "https://mastodon.example/@alice"
        ])
    );
}

// Replies.

#[test]
fn an_approved_reply_and_the_owners_answer_are_comments_of_the_entry_as_h_cites() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    in_paris(&admin);
    let url = publish(
        &server,
        &admin,
        &[("title", ""), ("markdown", "What do you sit on?")],
    );
    let target = url.clone();
    let site = common::serve_pages(move |base| {
        let page = format!(
            r#"<!doctype html><html><head><title>Reply</title></head><body>
            <article class="h-entry">
              <a class="p-author h-card" href="{base}/">Olga Other</a>
              <p>In reply to <a class="u-in-reply-to" href="{target}">this post</a></p>
              <div class="e-content"><p>A rocking <em>chair</em>.</p></div>
              <a class="u-url" href="/reply"><time class="dt-published" datetime="2024-05-01T10:00:00+00:00">1 May</time></a>
            </article></body></html>"#
        );
        vec![(
            "/reply".to_string(),
            "text/html; charset=utf-8".to_string(),
            page.into_bytes(),
        )]
    });
    let source = format!("{site}/reply");
    let sent = server
        .client()
        .post_form("/webmention", &[("source", &source), ("target", &url)]);
    assert_eq!(sent.status, 202, "{}", sent.text());
    wait_for_jobs(&server);

    // Waiting for the owner: no comment yet.
    let pending = mf2(&server, &url);
    assert_eq!(only(&pending, "h-entry")["properties"].get("comment"), None);

    let reply_id = number(
        &server,
        "SELECT id FROM remote_posts WHERE uri = ?1",
        [&source],
    );
    let approved = admin.post_form(
        &format!("/admin/moderation/{reply_id}/approve"),
        &[("csrf", &admin.csrf())],
    );
    assert_eq!(approved.status, 303, "{}", approved.text());
    let answered = admin.post_form(
        "/admin/replies",
        &[
            ("csrf", &admin.csrf()),
            ("remote_post_id", &reply_id.to_string()),
            ("text", "Mine is green."),
            ("back", "moderation"),
        ],
    );
    assert_eq!(answered.status, 303, "{}", answered.text());
    wait_for_jobs(&server);
    let (answer_id, answered_at) = server
        .app
        .db
        .read_blocking(|c| {
            Ok(
                c.query_row("SELECT id, created_at FROM own_replies", [], |r| {
                    Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))
                })?,
            )
        })
        .unwrap();
    let tz: chrono_tz::Tz = "Europe/Paris".parse().unwrap();
    let answered_iso = DateTime::from_timestamp(answered_at, 0)
        .unwrap()
        .with_timezone(&tz)
        .to_rfc3339();

    let doc = mf2(&server, &url);
    let cite = |author: Value, html: &str, text: &str, at: &str, link: &str| {
        json!({
            "type": ["h-cite"],
            "properties": {
                "author": [author],
                "content": [{"html": html, "value": text}],
                "name": [text],
                "published": [at],
                "url": [link],
            },
            "lang": "en",
            // A u-* property's nested item has its URL as its value.
            "value": link,
        })
    };
    let olga = json!({
        "type": ["h-card"],
        "properties": {"name": ["Olga Other"], "url": [format!("{site}/")]},
        "lang": "en",
        "value": "Olga Other",
    });
    let expected = h_entry(
        &server,
        &url,
        ("<p>What do you sit on?</p>", "What do you sit on?"),
        json!({
            // Oldest first: the reply (dated by its source), then the owner's answer.
            "comment": [
                cite(
                    olga,
                    "<p>A rocking <em>chair</em>.</p>",
                    "A rocking chair.",
                    "2024-05-01T12:00:00+02:00",
                    &source,
                ),
                cite(
                    author_card(&server),
                    "<p>Mine is green.</p>",
                    "Mine is green.",
                    &answered_iso,
                    &server.url(&format!("/replies/{answer_id}")),
                ),
            ],
        }),
    );
    assert_mf2_eq(only(&doc, "h-entry"), &expected);
}

// Deletion.

#[test]
fn a_deleted_posts_url_answers_410_with_no_h_entry_left_on_it() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let url = publish(
        &server,
        &admin,
        &[("title", "Soon gone"), ("markdown", "Here for a moment.")],
    );
    assert_eq!(
        only(&mf2(&server, &url), "h-entry")["properties"]["name"],
        json!(["Soon gone"])
    );
    let path = url.trim_start_matches(&server.base).to_string();
    let id = number(&server, "SELECT id FROM posts WHERE path = ?1", [&path]);
    let deleted = admin.post_form(
        &format!("/admin/posts/{id}/delete"),
        &[("csrf", &admin.csrf())],
    );
    assert_eq!(deleted.status, 303, "{}", deleted.text());

    let gone = server.client().get(&url);
    assert_eq!(gone.status, 410);
    // The page says the post is gone and carries only the site's footer h-card: nothing a
    // reader of microformats could take for the post.
    let doc = parse(&server, &url, &gone.text());
    assert_mf2_eq(&doc["items"], &json!([footer_card(&server)]));
    assert_eq!(only(&mf2(&server, "/"), "h-feed").get("children"), None);
}
