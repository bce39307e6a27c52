//! Writing and reading the blog through the real server: posts short and long, their pages,
//! lists, search and feeds, edits, drafts and deletion.

mod common;

use common::{TestServer, newest_path};

#[test]
fn a_short_post_appears_everywhere_it_belongs() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let saved = admin.compose(&[
        ("kind", "post"),
        ("title", ""),
        (
            "markdown",
            "Reading a good book 📚 today, see https://example.com/book #nohashtag",
        ),
        ("new_categories", "Reading"),
        ("action", "publish"),
    ]);
    assert_eq!(saved.status, 303, "{}", saved.text());
    let path = newest_path(&server);
    assert!(
        path.ends_with(".html") && path.matches('/').count() == 4,
        "{path}"
    );

    let visitor = server.client();
    let home = visitor.get("/").text();
    assert!(home.contains("Reading a good book"), "{home}");
    assert!(
        home.contains(r#"<a href="https://example.com/book""#),
        "bare URL linked: {home}"
    );
    assert!(home.contains("#nohashtag"), "hashtags stay text");
    assert!(
        !home.contains("p-name\"><a"),
        "a short post has no p-name title"
    );

    let page = visitor.get(&path);
    assert_eq!(page.status, 200);
    assert!(page.text().contains("h-entry"));

    let month = &path[..8];
    assert!(
        visitor
            .get(&format!("{month}/"))
            .text()
            .contains("Reading a good book")
    );
    assert!(
        visitor
            .get("/archive/")
            .text()
            .contains(&format!("{month}/"))
    );
    assert!(
        visitor
            .get("/categories/reading/")
            .text()
            .contains("Reading a good book")
    );
    assert!(
        visitor
            .get("/topics/books/")
            .text()
            .contains("Reading a good book")
    );
    assert!(
        !visitor
            .get("/topics/music/")
            .text()
            .contains("Reading a good book")
    );
    assert!(
        visitor
            .get("/search/?q=good+book")
            .text()
            .contains("Reading a good book")
    );
    assert!(
        visitor
            .get("/feed.xml")
            .text()
            .contains("Reading a good book")
    );
    assert!(
        visitor
            .get("/feed.json")
            .text()
            .contains("Reading a good book")
    );
    assert!(
        visitor
            .get("/categories/reading/feed.xml")
            .text()
            .contains("Reading a good book")
    );
}

#[test]
fn a_long_post_has_a_slug_from_its_title_and_keeps_it_when_edited() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let saved = admin.compose(&[
        ("title", "On Porches"),
        ("markdown", "A **long** post about porches."),
        ("action", "publish"),
    ]);
    assert_eq!(saved.status, 303);
    let path = newest_path(&server);
    assert!(path.ends_with("/on-porches.html"), "{path}");
    let page = server.client().get(&path).text();
    assert!(page.contains(r#"<h1 class="p-name"><a href=""#), "{page}");
    assert!(page.contains("<strong>long</strong>"));

    let id = server
        .app
        .db
        .read_blocking(|c| porch::store::posts::published(c, 1, 0))
        .unwrap()[0]
        .id
        .to_string();
    let edited = admin.compose(&[
        ("id", &id),
        ("title", "On Porches and Steps"),
        ("markdown", "Edited text."),
        ("action", "publish"),
    ]);
    assert_eq!(edited.status, 303, "{}", edited.text());
    assert_eq!(
        newest_path(&server),
        path,
        "editing never changes a published URL"
    );
    let page = server.client().get(&path).text();
    assert!(page.contains("On Porches and Steps") && page.contains("Edited text."));
    assert!(
        server
            .client()
            .get("/feed.json")
            .text()
            .contains("Edited text.")
    );
}

#[test]
fn a_deleted_post_answers_410_and_leaves_every_list() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    admin.compose(&[("markdown", "Soon gone ☕"), ("action", "publish")]);
    let path = newest_path(&server);
    let id = server
        .app
        .db
        .read_blocking(|c| porch::store::posts::published(c, 1, 0))
        .unwrap()[0]
        .id;
    let csrf = admin.csrf();
    let deleted = admin.post_form(&format!("/admin/posts/{id}/delete"), &[("csrf", &csrf)]);
    assert_eq!(deleted.status, 303);
    let visitor = server.client();
    let gone = visitor.get(&path);
    assert_eq!(gone.status, 410);
    assert!(gone.text().contains("Deleted"), "friendly 410 page");
    assert!(!visitor.get("/").text().contains("Soon gone"));
    assert!(!visitor.get("/topics/coffee/").text().contains("Soon gone"));
    assert!(!visitor.get("/search/?q=gone").text().contains("Soon gone"));
    assert!(!visitor.get("/feed.xml").text().contains("Soon gone"));
}

#[test]
fn drafts_are_invisible_until_published() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let saved = admin.compose(&[
        ("title", "Secret plans"),
        ("markdown", "Not yet."),
        ("action", "draft"),
    ]);
    assert_eq!(saved.status, 303);
    assert!(saved.location().starts_with("/admin/drafts"));
    let visitor = server.client();
    assert!(!visitor.get("/").text().contains("Secret plans"));
    assert!(!visitor.get("/feed.xml").text().contains("Secret plans"));
    assert!(
        !visitor
            .get("/search/?q=secret")
            .text()
            .contains("Secret plans")
    );
    assert!(admin.get("/admin/drafts").text().contains("Secret plans"));
}

#[test]
fn unknown_pages_get_a_friendly_404() {
    let server = TestServer::with_owner();
    let missing = server.client().get("/2020/01/01/nothing.html");
    assert_eq!(missing.status, 404);
    assert!(missing.text().contains("Not found"));
    assert!(missing.text().contains("<header"), "the site's own layout");
}

#[test]
fn pages_live_at_their_own_address_and_can_join_the_navigation() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let saved = admin.compose(&[
        ("kind", "page"),
        ("title", "Now"),
        ("markdown", "What I am doing now."),
        ("in_nav", "on"),
        ("action", "publish"),
    ]);
    assert_eq!(saved.status, 303, "{}", saved.text());
    let visitor = server.client();
    assert!(visitor.get("/now/").text().contains("What I am doing now."));
    assert_eq!(visitor.get("/now").status, 308);
    assert!(
        visitor.get("/").text().contains(r#"href="http"#)
            && visitor.get("/").text().contains(">Now</a>")
    );
    assert!(
        !visitor
            .get("/feed.xml")
            .text()
            .contains("What I am doing now."),
        "pages are not posts"
    );
}

// ---- Helpers for the tests below ----

/// The stored post at a permalink.
fn post_at(server: &TestServer, path: &str) -> porch::store::posts::Post {
    server
        .app
        .db
        .read_blocking(|c| porch::store::posts::by_path(c, path))
        .unwrap()
        .unwrap_or_else(|| panic!("no post at {path}"))
}

/// The `datetime` of the first `dt-published` on a page.
fn dt_published(html: &str) -> String {
    let marker = r#"class="dt-published" datetime=""#;
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("no dt-published in: {html}"))
        + marker.len();
    html[start..start + html[start..].find('"').unwrap()].to_string()
}

/// The JSON Feed item whose URL ends with `path`.
fn feed_item(server: &TestServer, path: &str) -> Option<serde_json::Value> {
    let feed = server.client().get("/feed.json").json();
    feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|item| item["url"].as_str().unwrap_or("").ends_with(path))
        .cloned()
}

/// Saves posts straight through the store's one save operation, as the composer would but
/// without a request each: for tests that need many posts.
fn save_many(server: &TestServer, composes: Vec<porch::posts::save::Compose>) {
    server
        .app
        .db
        .write_blocking(move |tx| {
            let settings = porch::store::settings::load(tx)?;
            for c in &composes {
                porch::posts::save::save(tx, &settings, c).map_err(|e| anyhow::anyhow!("{e}"))?;
            }
            Ok(())
        })
        .unwrap();
}

fn compose_of(
    title: &str,
    markdown: &str,
    categories: &[&str],
    action: porch::posts::save::Action,
) -> porch::posts::save::Compose {
    porch::posts::save::Compose {
        title: title.into(),
        markdown: markdown.into(),
        new_categories: categories.iter().map(|c| c.to_string()).collect(),
        ..porch::posts::save::Compose::new(porch::store::posts::Kind::Post, action)
    }
}

/// The ids of the posts listed in an admin list page (its edit links), in order.
fn admin_row_ids(html: &str) -> Vec<i64> {
    let marker = r#"<td>
      <a href="/admin/posts/"#;
    html.match_indices(marker)
        .map(|(at, _)| {
            let rest = &html[at + marker.len()..];
            rest[..rest.find('"').unwrap()].parse().unwrap()
        })
        .collect()
}

/// The `href` of the `rel` link of a page's pager, if it has one.
fn pager_link(html: &str, rel: &str) -> Option<String> {
    let marker = format!(r#"<a rel="{rel}" href=""#);
    let start = html.find(&marker)? + marker.len();
    Some(html[start..start + html[start..].find('"').unwrap()].to_string())
}

// ---- Publishing again, kinds, scheduled pages, paging ----

#[test]
fn a_post_published_again_after_a_draft_keeps_its_first_date_and_permalink() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    // A time in the past publishes at once, dated then; its date is far from "now", so a
    // second publication that took a new date could not go unnoticed.
    let saved = admin.compose(&[
        ("title", "Old news"),
        ("markdown", "First told in 2020."),
        ("action", "schedule"),
        ("publish_at", "2020-03-04T10:00"),
    ]);
    assert_eq!(saved.status, 303, "{}", saved.text());
    let path = "/2020/03/04/old-news.html";
    let first = post_at(&server, path);
    let id = first.id.to_string();
    let visitor = server.client();
    let page = visitor.get(path);
    assert_eq!(page.status, 200);
    assert_eq!(dt_published(&page.text()), "2020-03-04T10:00:00+00:00");
    let feed_date = feed_item(&server, path).expect("in the feed")["date_published"].clone();
    assert_eq!(feed_date, "2020-03-04T10:00:00+00:00");

    let draft = admin.compose(&[
        ("id", &id),
        ("title", "Old news"),
        ("markdown", "First told in 2020."),
        ("action", "draft"),
    ]);
    assert_eq!(draft.status, 303, "{}", draft.text());
    assert_ne!(visitor.get(path).status, 200, "a draft is not shown");
    assert!(feed_item(&server, path).is_none());

    let again = admin.compose(&[
        ("id", &id),
        ("title", "Old news"),
        ("markdown", "First told in 2020, told again."),
        ("action", "publish"),
    ]);
    assert_eq!(again.status, 303, "{}", again.text());
    assert!(
        again.location().starts_with("/admin?done=posted&post="),
        "{}",
        again.location()
    );
    let after = post_at(&server, path);
    assert_eq!(after.id, first.id);
    assert_eq!(after.published_at, first.published_at);
    let page = visitor.get(path);
    assert_eq!(page.status, 200);
    assert!(page.text().contains("told again."));
    assert_eq!(dt_published(&page.text()), "2020-03-04T10:00:00+00:00");
    let item = feed_item(&server, path).expect("back in the feed");
    assert_eq!(item["date_published"], feed_date);
    assert!(
        item["content_html"]
            .as_str()
            .unwrap()
            .contains("told again.")
    );
}

#[test]
fn editing_a_post_cannot_turn_it_into_a_page() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    admin.compose(&[
        ("title", "Staying a post"),
        ("markdown", "Posted."),
        ("action", "publish"),
    ]);
    let path = newest_path(&server);
    let id = post_at(&server, &path).id.to_string();

    let edited = admin.compose(&[
        ("id", &id),
        ("kind", "page"),
        ("title", "Staying a post"),
        ("markdown", "Edited as if a page."),
        ("in_nav", "on"),
        ("action", "publish"),
    ]);
    assert_eq!(edited.status, 303, "{}", edited.text());
    assert_eq!(edited.location(), "/admin?done=updated");
    let post = post_at(&server, &path);
    assert_eq!(post.kind, porch::store::posts::Kind::Post);
    assert_eq!(post.markdown, "Edited as if a page.");

    let visitor = server.client();
    let page = visitor.get(&path);
    assert_eq!(page.status, 200);
    assert!(page.text().contains("Edited as if a page."));
    let item = feed_item(&server, &path).expect("still in the feed");
    assert!(
        item["content_html"]
            .as_str()
            .unwrap()
            .contains("Edited as if a page.")
    );
    assert!(
        visitor
            .get("/feed.xml")
            .text()
            .contains("Edited as if a page.")
    );
    assert_eq!(visitor.get("/staying-a-post/").status, 404);
    let nav_link = format!(r#"<a href="{}">Staying a post</a>"#, server.url(&path));
    let home = visitor.get("/").text();
    let nav = home
        .split(r#"<nav aria-label="Site">"#)
        .nth(1)
        .and_then(|rest| rest.split("</nav>").next())
        .unwrap_or_default();
    assert!(!nav.contains(&nav_link), "not in the navigation: {nav}");
    assert!(!admin.get("/admin/pages").text().contains("Staying a post"));
    assert!(admin.get("/admin").text().contains("Staying a post"));
}

#[test]
fn a_scheduled_page_is_listed_as_scheduled_with_the_pages() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let tomorrow = chrono::Utc::now() + chrono::Duration::days(1);
    let saved = admin.compose(&[
        ("kind", "page"),
        ("title", "Coming soon"),
        ("markdown", "Not yet."),
        ("action", "schedule"),
        ("publish_at", &tomorrow.format("%Y-%m-%dT%H:%M").to_string()),
    ]);
    assert_eq!(saved.status, 303, "{}", saved.text());
    assert_eq!(saved.location(), "/admin/pages?done=scheduled");

    let list = admin.get("/admin/pages?done=scheduled");
    assert_eq!(list.status, 200);
    let html = list.text();
    let at = html
        .find(">Coming soon</a>")
        .unwrap_or_else(|| panic!("the page is listed: {html}"));
    assert!(
        html[at..].starts_with(
            r#">Coming soon</a>
      <span class="status">scheduled</span>"#
        ),
        "{html}"
    );
    assert!(
        !admin.get("/admin/drafts").text().contains("Coming soon"),
        "pages are not listed with posts"
    );
    assert_eq!(server.client().get("/coming-soon/").status, 404);
}

#[test]
fn the_drafts_list_pages_across_drafts_and_scheduled_posts() {
    use porch::posts::save::Action;
    let server = TestServer::with_owner();
    let later = chrono::Utc::now().timestamp() + 86_400;
    let mut composes = Vec::new();
    for i in 0..30 {
        composes.push(compose_of(
            &format!("Draft {i:02}"),
            "Draft.",
            &[],
            Action::Draft,
        ));
    }
    for i in 0..25 {
        composes.push(compose_of(
            &format!("Scheduled {i:02}"),
            "Later.",
            &[],
            Action::Schedule(later + i),
        ));
    }
    save_many(&server, composes);

    let admin = server.admin();
    let first = admin.get("/admin/drafts");
    assert_eq!(first.status, 200);
    let first_ids = admin_row_ids(&first.text());
    assert_eq!(first_ids.len(), 50, "{}", first.text());
    assert!(first.text().contains(r#"<a href="?page=2">"#));
    assert!(!first.text().contains(r#"<a href="?page=0">"#));

    let second = admin.get("/admin/drafts?page=2");
    assert_eq!(second.status, 200);
    let second_ids = admin_row_ids(&second.text());
    assert_eq!(second_ids.len(), 5, "{}", second.text());
    assert!(second.text().contains(r#"<a href="?page=1">"#));
    assert!(!second.text().contains(r#"<a href="?page=3">"#));

    let mut all: Vec<i64> = first_ids.iter().chain(&second_ids).copied().collect();
    all.sort_unstable();
    all.dedup();
    assert_eq!(all.len(), 55, "every draft and scheduled post once");
}

#[test]
fn category_and_topic_pages_are_paged_by_fifty() {
    use porch::posts::save::Action;
    let server = TestServer::with_owner();
    let composes = (1..=51)
        .map(|i| {
            compose_of(
                &format!("Book {i:02}"),
                "Reading 📚 again.",
                &["Reading"],
                Action::Publish,
            )
        })
        .collect();
    save_many(&server, composes);

    let visitor = server.client();
    for list in ["/categories/reading/", "/topics/books/"] {
        let first = visitor.get(list);
        assert_eq!(first.status, 200, "{list}");
        let html = first.text();
        assert_eq!(
            html.matches(r#"<article class="h-entry"#).count(),
            50,
            "{list}"
        );
        // Newest first: the first post saved is the one left for the second page.
        assert!(
            html.contains(">Book 51</a>") && !html.contains(">Book 01</a>"),
            "{list}"
        );
        assert_eq!(
            pager_link(&html, "next"),
            Some(server.url(&format!("{list}?page=2"))),
            "{list}"
        );
        assert_eq!(pager_link(&html, "prev"), None, "{list}");

        let second = visitor.get(&format!("{list}?page=2"));
        assert_eq!(second.status, 200, "{list}");
        let html = second.text();
        assert_eq!(
            html.matches(r#"<article class="h-entry"#).count(),
            1,
            "{list}"
        );
        assert!(html.contains(">Book 01</a>"), "{list}");
        assert_eq!(pager_link(&html, "next"), None, "{list}");
        assert_eq!(pager_link(&html, "prev"), Some(server.url(list)), "{list}");

        let beyond = visitor.get(&format!("{list}?page=3"));
        assert_eq!(beyond.status, 404, "{list}");
    }
}

// ---- The panel as a new owner meets it (issue 16) ----

#[test]
fn a_page_titled_about_does_not_put_about_twice_in_the_navigation_and_new_pages_stay_out_of_it() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let form = admin.get("/admin/new?kind=page").text();
    let in_nav = form
        .split("name=\"in_nav\"")
        .nth(1)
        .and_then(|rest| rest.split('>').next())
        .expect("the page form has the navigation tick box");
    assert!(
        !in_nav.contains("checked"),
        "new pages start outside the navigation"
    );
    let saved = admin.compose(&[
        ("kind", "page"),
        ("title", "About"),
        ("markdown", "More about me."),
        ("in_nav", "on"),
        ("action", "publish"),
    ]);
    assert_eq!(saved.status, 303, "{}", saved.text());
    let home = server.client().get("/").text();
    let nav = home
        .split("<nav")
        .nth(1)
        .unwrap()
        .split("</nav>")
        .next()
        .unwrap();
    assert_eq!(nav.matches(">About</a>").count(), 1, "{nav}");
    assert!(
        server
            .client()
            .get("/about/")
            .text()
            .contains("More about me.")
    );
}

#[test]
fn scheduling_for_a_time_already_past_says_it_was_published_and_with_which_date() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let saved = admin.compose(&[
        ("markdown", "Catching up on an old trip."),
        ("action", "schedule"),
        ("publish_at", "2020-01-02T09:30"),
    ]);
    assert_eq!(saved.status, 303, "{}", saved.text());
    let to = saved.location().to_string();
    assert!(
        to.starts_with("/admin/posts/") && to.ends_with("done=backdated"),
        "{to}"
    );
    let page = admin.get(&to).text();
    assert!(page.contains("Published, dated 2 Jan 2020."), "{page}");
    assert!(!page.contains(">Published.<"));
}

#[test]
fn errors_in_the_panel_are_pages_of_the_panel_never_bare_text_or_the_public_404() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let panel = |r: &common::Resp| {
        assert!(
            r.header("content-type")
                .unwrap_or("")
                .starts_with("text/html"),
            "{}",
            r.text()
        );
        assert!(
            r.text().contains("<nav aria-label=\"Admin\""),
            "{}",
            r.text()
        );
    };
    for path in [
        "/admin/posts/abc",
        "/admin/posts/9999",
        "/admin/books/12345",
    ] {
        let r = admin.get(path);
        assert_eq!(r.status, 404, "{path}");
        panel(&r);
        assert!(
            r.text()
                .contains("There is nothing at this address in the panel")
        );
    }
    // "Schedule" with no date: the form again, with what was typed and the error beside the
    // date field, which is marked, described by it and focused.
    for when in [("action", "schedule"), ("when", "later")] {
        let r = admin.compose(&[("markdown", "Soon."), when, ("publish_at", "")]);
        assert_eq!(r.status, 422);
        panel(&r);
        let html = r.text();
        assert!(html.contains(">Soon.</textarea>"), "{html}");
        assert!(
            html.contains(
                "name=\"publish_at\" value=\"\" aria-label=\"Publication date and time\" aria-invalid=\"true\" aria-describedby=\"error-publish_at\" autofocus>"
            ),
            "{html}"
        );
        assert!(html.contains(
            "<p class=\"field-error\" id=\"error-publish_at\">Pick a date and time to schedule the post for.</p>"
        ));
        // Only the refused field takes the focus, and "More", which holds it, is open.
        assert_eq!(html.matches(" autofocus").count(), 1, "{html}");
        assert!(html.contains("<details class=\"more\" id=\"more\" open>"));
        assert!(html.contains("value=\"later\" id=\"when-later\" checked>"));
    }
    // A refusal of the text itself puts the message beside the text box.
    let r = admin.compose(&[("markdown", "  "), ("action", "publish")]);
    assert_eq!(r.status, 422);
    let html = r.text();
    assert!(
        html.contains(
            "aria-describedby=\"compose-help error-markdown\" aria-invalid=\"true\" autofocus>"
        ),
        "{html}"
    );
    assert!(html.contains("id=\"error-markdown\">The post is empty"));
    // A refused action.
    let csrf = admin.csrf();
    let r = admin.post_form(
        "/admin/categories/1/rename",
        &[("csrf", &csrf), ("name", "")],
    );
    assert_eq!(r.status, 422);
    assert!(r.text().contains("Not saved: A category name needs"));
    panel(&r);
    // A form sent after the session ended says so, as a page, with the way to sign in.
    let stranger = server.client();
    let r = stranger.post_form("/admin/settings", &[("csrf", "x")]);
    assert_eq!(r.status, 403);
    assert!(
        r.header("content-type")
            .unwrap_or("")
            .starts_with("text/html")
    );
    assert!(r.text().contains("href=\"/admin/login\""));
    // Sent from the composer, signing in leads back to it (and the login form checks `next`).
    let referer = server.url("/admin/posts/7");
    let r = stranger.post_raw(
        "/admin/new",
        "application/x-www-form-urlencoded",
        b"csrf=x&markdown=Kept",
        &[("Referer", &referer)],
    );
    assert_eq!(r.status, 403);
    assert!(
        r.text()
            .contains("href=\"/admin/login?next=/admin/posts/7\""),
        "{}",
        r.text()
    );
    let elsewhere = stranger.post_raw(
        "/admin/new",
        "application/x-www-form-urlencoded",
        b"csrf=x",
        &[("Referer", "https://evil.example/admin/posts/7")],
    );
    assert!(elsewhere.text().contains("href=\"/admin/login\""));
    assert_eq!(number_of_posts(&server), 0);
}

fn number_of_posts(server: &TestServer) -> i64 {
    server
        .app
        .db
        .read_blocking(|c| Ok(c.query_row("SELECT count(*) FROM posts", [], |r| r.get(0))?))
        .unwrap()
}

#[test]
fn a_visitor_at_an_unknown_panel_address_gets_the_sites_own_not_found_page() {
    let server = TestServer::with_owner();
    let r = server.client().get("/admin/no-such-screen");
    assert_eq!(r.status, 404);
    let html = r.text();
    assert!(html.contains("Not found"), "{html}");
    assert!(!html.contains("session has ended"));
    assert!(!html.contains("<nav aria-label=\"Admin\""));
}

#[test]
fn an_edit_says_updated_and_a_new_post_notice_links_to_it() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let saved = admin.compose(&[("markdown", "First words."), ("action", "publish")]);
    let to = saved.location().to_string();
    assert!(to.starts_with("/admin?done=posted&post="), "{to}");
    let list = admin.get(&to).text();
    let path = newest_path(&server);
    assert!(
        list.contains(&format!(
            "Posted. <a href=\"{}\">View it</a>",
            server.url(&path)
        )),
        "{list}"
    );
    let id = to.rsplit('=').next().unwrap().to_string();
    let edited = admin.compose(&[
        ("id", &id),
        ("markdown", "Better words."),
        ("action", "publish"),
    ]);
    assert_eq!(edited.location(), "/admin?done=updated");
    assert!(admin.get(edited.location()).text().contains("Updated."));
}

#[test]
fn the_favicon_is_the_avatar_or_nothing_but_never_a_404() {
    let server = TestServer::with_owner();
    let r = server.client().get("/favicon.ico");
    assert_eq!(r.status, 204);
    let admin = server.admin();
    let csrf = admin.csrf();
    let up = admin.post_multipart(
        "/admin/settings/profile",
        &[("csrf", &csrf)],
        &[("avatar", "me.png", &common::png(400, 400))],
    );
    assert_eq!(up.status, 303, "{}", up.text());
    let r = server.client().get("/favicon.ico");
    assert_eq!(r.status, 302);
    assert!(r.location().starts_with("/uploads/"));
    assert_eq!(server.client().get(r.location()).status, 200);
    assert!(
        server
            .client()
            .get("/")
            .text()
            .contains("<link rel=\"icon\" href=\"")
    );
}

#[test]
fn every_public_page_has_one_h1_and_a_tab_title_that_names_the_site() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    admin.compose(&[
        ("markdown", "A short one, no title."),
        ("action", "publish"),
    ]);
    let short = newest_path(&server);
    admin.compose(&[
        ("title", "Long read"),
        ("markdown", "Words."),
        ("action", "publish"),
    ]);
    let titled = newest_path(&server);
    for path in ["/", short.as_str(), titled.as_str(), "/archive/", "/about/"] {
        let html = server.client().get(path).text();
        assert_eq!(html.matches("<h1").count(), 1, "{path}: {html}");
        let title = html
            .split("<title>")
            .nth(1)
            .unwrap()
            .split("</title>")
            .next()
            .unwrap();
        assert!(title.ends_with("My blog"), "{path}: {title}");
    }
    let html = server.client().get(&titled).text();
    assert!(html.contains("<title>Long read · My blog</title>"));
    assert!(html.contains(r#"<meta property="og:title" content="Long read">"#));
}

#[test]
fn categories_can_be_added_in_the_panel_and_show_their_post_counts() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let csrf = admin.csrf();
    let r = admin.post_form(
        "/admin/categories",
        &[("csrf", &csrf), ("name", "Field notes")],
    );
    assert_eq!(r.status, 303, "{}", r.text());
    for bad in ["", "!!!", "field notes"] {
        let r = admin.post_form("/admin/categories", &[("csrf", &csrf), ("name", bad)]);
        // The screen again, the name as typed, the reason beside it.
        assert_eq!(r.status, 422, "{bad:?}");
        let html = r.text();
        assert!(
            html.contains(&format!(
                r#"name="name" value="{bad}" maxlength="60" required aria-invalid="true" aria-describedby="error-name" autofocus>"#
            )),
            "{html}"
        );
        assert!(html.contains(r#"<p class="field-error" id="error-name">"#));
    }
    let id = server
        .app
        .db
        .read_blocking(|c| {
            Ok(c.query_row(
                "SELECT id FROM categories WHERE slug = 'field-notes'",
                [],
                |r| r.get::<_, i64>(0),
            )?)
        })
        .unwrap()
        .to_string();
    admin.compose(&[
        ("markdown", "One."),
        ("category", &id),
        ("action", "publish"),
    ]);
    admin.compose(&[("markdown", "Two."), ("category", &id), ("action", "draft")]);
    let page = admin.get("/admin/categories").text();
    assert!(page.contains("<td>2</td>"), "{page}");
}

#[test]
fn the_about_page_shows_the_full_fediverse_handle_with_a_copy_button_for_scripts_only() {
    let server = TestServer::with_owner();
    let visitor = server.client();
    let about = visitor.get("/about/");
    assert_eq!(about.status, 200);
    let csp = about.header("content-security-policy").unwrap_or_default();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    let page = about.text();
    let doc = scraper::Html::parse_document(&page);
    let one = |selector: &str| {
        doc.select(&scraper::Selector::parse(selector).unwrap())
            .next()
            .unwrap_or_else(|| panic!("no {selector} in {page}"))
    };

    // The handle is text on the page, there to select with or without a script.
    let host = server.base.trim_start_matches("http://");
    let handle = one("#fediverse-handle");
    assert_eq!(handle.text().collect::<String>(), format!("@alice@{host}"));
    // The button is hidden until the script shows it, and says what it copies.
    let button = one("button[data-copy]");
    assert_eq!(button.value().attr("data-copy"), Some("fediverse-handle"));
    assert!(button.value().attr("hidden").is_some(), "{page}");

    // The script is a file of the site's own, by a hashed URL; no script is inline.
    let scripts: Vec<_> = doc
        .select(&scraper::Selector::parse("script").unwrap())
        .collect();
    assert_eq!(scripts.len(), 1, "{page}");
    let src = scripts[0].value().attr("src").expect("a script file");
    assert!(src.starts_with("/static/copy.js?v="), "{src}");
    assert_eq!(scripts[0].text().collect::<String>(), "");
    let script = visitor.get(src);
    assert_eq!(script.status, 200);
    assert!(
        script
            .header("content-type")
            .is_some_and(|t| t.starts_with("text/javascript")),
        "{:?}",
        script.header("content-type")
    );
    let script = script.text();
    assert!(
        script.contains("data-copy") && script.contains("clipboard"),
        "{script}"
    );
}
