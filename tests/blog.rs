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
    assert!(
        page.contains(r#"<h1 class="p-name"><a class="u-url""#),
        "{page}"
    );
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
