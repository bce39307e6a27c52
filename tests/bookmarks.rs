//! Bookmarks, driven over HTTP as the owner uses them, against a loopback site of article pages
//! (`common::article_site`): saving from the panel and the bookmarklet's form, one bookmark per
//! normalized URL, refusals that save nothing, the archiving job (a long article read whole with
//! its images kept here, a redirect, a 404 with a Retry, a page too large, a hostile page, images
//! on a second site), the SSRF guard, the list's order and filters, editing, marking read,
//! deleting, privacy on every public surface, the panel's manifest and the bookmarklet;
//! highlights (anchored, drawn, found again after the page changes, listed, searched, turned
//! into a post) and search.

mod common;

use common::article_site::*;
use common::federation::{form_fields, number, publish, select, text_of, wait_until};
use common::{Client, Resp, TestServer};
use scraper::Html;

/// Where the archived copies' images are served from, to the owner only.
const FILES: &str = "/admin/bookmarks/files/";

/// A site allowed to fetch loopback pages, as the archiving tests need, and the article site.
fn archiving() -> (TestServer, ArticleSite) {
    let site = ArticleSite::start();
    let server = TestServer::with_owner_configured(|config| config.allow_private_network = true);
    (server, site)
}

/// The bookmark id in a redirect to its page (`/admin/bookmarks/7?done=…`).
#[track_caller]
fn bookmark_id(location: &str) -> i64 {
    location
        .strip_prefix("/admin/bookmarks/")
        .and_then(|rest| rest.split('?').next())
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("not a bookmark's page: {location:?}"))
}

fn bookmarks(server: &TestServer) -> i64 {
    number(server, "SELECT count(*) FROM bookmarks", [])
}

/// Posts the new-bookmark form with the panel's CSRF token and `fields`.
fn save(admin: &Client, fields: &[(&str, &str)]) -> Resp {
    let csrf = admin.csrf();
    let mut all = vec![("csrf", csrf.as_str())];
    all.extend_from_slice(fields);
    admin.post_form("/admin/bookmarks/new", &all)
}

/// Bookmarks `url`; returns the new bookmark's id.
#[track_caller]
fn add(admin: &Client, url: &str, title: &str, tags: &str) -> i64 {
    let r = save(
        admin,
        &[("url", url), ("title", title), ("tags", tags), ("note", "")],
    );
    assert_eq!(r.status, 303, "{}", r.text());
    assert!(
        r.location().ends_with("?done=bookmarked"),
        "{}",
        r.location()
    );
    bookmark_id(r.location())
}

/// A bookmark's archive state and the reason it failed, if it did.
fn archive_state(server: &TestServer, id: i64) -> (String, String) {
    server
        .app
        .db
        .read_blocking(move |c| {
            Ok(c.query_row(
                "SELECT archive_state, archive_error FROM bookmarks WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?)
        })
        .unwrap()
}

/// Waits until the archiving job for `id` has done what it will; its state and reason.
#[track_caller]
fn settled(server: &TestServer, id: i64) -> (String, String) {
    wait_until("the archive job to finish", || {
        archive_state(server, id).0 != "pending"
    });
    archive_state(server, id)
}

/// The reader page of a bookmark, as the owner sees it.
#[track_caller]
fn reader(admin: &Client, id: i64) -> Resp {
    let page = admin.get(&format!("/admin/bookmarks/{id}"));
    assert_eq!(page.status, 200, "{}", page.text());
    page
}

/// The archived copy on a reader page (`<div class="archived">`): its inner HTML and its text.
fn archived(html: &str) -> Option<(String, String)> {
    let doc = Html::parse_document(html);
    select(&doc, "div.archived")
        .first()
        .map(|div| (div.inner_html(), collapse(&text_of(div))))
}

/// The `src` of every image in the archived copy on a reader page.
fn archived_images(html: &str) -> Vec<String> {
    let doc = Html::parse_document(html);
    select(&doc, "div.archived img")
        .iter()
        .map(|img| img.value().attr("src").unwrap_or_default().to_string())
        .collect()
}

/// Whitespace collapsed to single spaces.
fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The value of the form field `name` (an input's value or a textarea's text) on a page.
fn field_value(html: &str, name: &str) -> Option<String> {
    let doc = Html::parse_document(html);
    let field = select(
        &doc,
        &format!(r#"input[name="{name}"], textarea[name="{name}"]"#),
    )
    .into_iter()
    .next()?;
    Some(match field.value().name() {
        "textarea" => text_of(&field),
        _ => field.value().attr("value").unwrap_or_default().to_string(),
    })
}

/// The reader's form of a bookmark's title, tags and note (its highlights have notes too).
fn details_form(html: &str) -> String {
    let doc = Html::parse_document(html);
    select(&doc, "form#details")
        .first()
        .map(|form| form.html())
        .unwrap_or_default()
}

/// A value for a query string.
fn encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// Asserts that the page's Content-Security-Policy lets it load images (and anything else) from
/// this site only: no host, no scheme but `data:` and `blob:`, no wildcard.
#[track_caller]
fn assert_csp_keeps_to_this_site(page: &Resp) {
    let csp = page
        .header("content-security-policy")
        .expect("the reader page has a Content-Security-Policy");
    let directives: Vec<(String, Vec<String>)> = csp
        .split(';')
        .filter_map(|d| {
            let mut words = d.split_whitespace();
            let name = words.next()?.to_ascii_lowercase();
            Some((name, words.map(str::to_string).collect()))
        })
        .collect();
    let find = |name: &str| directives.iter().find(|(n, _)| n == name);
    let (name, images) = find("img-src")
        .or_else(|| find("default-src"))
        .unwrap_or_else(|| panic!("no img-src or default-src in {csp:?}"));
    assert!(!images.is_empty(), "{name} allows nothing named: {csp:?}");
    for source in images {
        assert!(
            ["'self'", "'none'", "data:", "blob:"].contains(&source.to_ascii_lowercase().as_str()),
            "{name} allows {source:?}: {csp:?}"
        );
    }
    for (name, sources) in &directives {
        for source in sources {
            let s = source.to_ascii_lowercase();
            let keyword = s.starts_with('\'');
            let own_scheme = s == "data:" || s == "blob:";
            assert!(
                keyword || own_scheme,
                "{name} allows another origin, {source:?}: {csp:?}"
            );
        }
    }
}

/// Asserts that each image of an archived copy is a file of this site, served to the owner as an
/// image and refused to a visitor.
#[track_caller]
fn assert_images_local(server: &TestServer, admin: &Client, images: &[String]) {
    let visitor = server.client();
    for src in images {
        assert!(
            src.starts_with(FILES),
            "an archived image points at {src:?}"
        );
        let image = admin.get(src);
        assert_eq!(image.status, 200, "{src}: {}", image.text());
        let content_type = image.header("content-type").unwrap_or_default();
        assert!(
            content_type.starts_with("image/"),
            "{src} served as {content_type:?}"
        );
        assert!(
            image::load_from_memory(&image.body).is_ok(),
            "{src} is not an image"
        );
        let seen = visitor.get(src);
        assert_ne!(seen.status, 200, "{src} is served to a visitor");
        assert!(image::load_from_memory(&seen.body).is_err());
    }
}

// Saving.

#[test]
fn the_new_bookmark_form_is_prefilled_from_the_query_and_one_url_is_one_bookmark() {
    let (server, site) = archiving();
    let admin = server.admin();
    let port = site.base.rsplit(':').next().unwrap().to_string();
    let url = format!("http://localhost:{port}/page/saved-once");
    let title = "Saved once & “quoted”";

    // The bookmarklet and the share sheet open this page.
    let page = admin.get(&format!(
        "/admin/bookmarks/new?url={}&title={}",
        encode(&url),
        encode(title)
    ));
    assert_eq!(page.status, 200, "{}", page.text());
    let html = page.text();
    assert_eq!(field_value(&html, "url").as_deref(), Some(url.as_str()));
    assert_eq!(field_value(&html, "title").as_deref(), Some(title));
    assert!(
        field_value(&html, "tags").is_some(),
        "no tags field: {html}"
    );
    assert!(
        field_value(&html, "note").is_some(),
        "no note field: {html}"
    );
    let doc = Html::parse_document(&html);
    assert!(
        !select(
            &doc,
            r#"form[action="/admin/bookmarks/new"] input[type="hidden"][name="csrf"]"#
        )
        .is_empty(),
        "the form carries the CSRF token: {html}"
    );
    assert_eq!(bookmarks(&server), 0, "opening the form saves nothing");

    // What the browser sends: the form as shown, tags and a note added.
    let mut fields = form_fields(&html, "/admin/bookmarks/new");
    for (name, value) in &mut fields {
        match name.as_str() {
            "tags" => *value = "rust, Reading list".into(),
            "note" => *value = "Read before the meetup.".into(),
            _ => {}
        }
    }
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let first = admin.post_form("/admin/bookmarks/new", &fields);
    assert_eq!(first.status, 303, "{}", first.text());
    let id = bookmark_id(first.location());
    assert_eq!(
        first.location(),
        format!("/admin/bookmarks/{id}?done=bookmarked")
    );
    let shown = reader(&admin, id).text();
    assert!(shown.contains("Saved once &amp; “quoted”"), "{shown}");
    assert!(shown.contains("Read before the meetup."));
    assert_eq!(
        number(
            &server,
            "SELECT count(*) FROM bookmark_tags WHERE bookmark_id = ?1 AND tag IN ('rust', 'Reading list')",
            [id]
        ),
        2
    );

    // The same page from a newsletter, with a section, typed with capitals.
    let again = save(
        &admin,
        &[
            (
                "url",
                &format!(
                    "http://LOCALHOST:{port}/page/saved-once?utm_source=x&utm_medium=email#comments"
                ),
            ),
            ("title", "Another title"),
            ("tags", ""),
            ("note", ""),
        ],
    );
    assert_eq!(again.status, 303, "{}", again.text());
    assert_eq!(
        again.location(),
        format!("/admin/bookmarks/{id}?done=bookmark_exists")
    );
    assert_eq!(bookmarks(&server), 1);
    // A different page of the same site is another bookmark.
    let other = add(
        &admin,
        &format!("http://localhost:{port}/page/saved-twice"),
        "",
        "",
    );
    assert_ne!(other, id);
    assert_eq!(bookmarks(&server), 2);
}

#[test]
fn a_bad_url_comes_back_as_typed_with_the_error_beside_the_field_and_saves_nothing() {
    let (server, site) = archiving();
    let admin = server.admin();
    for bad in ["ftp://x", "not a url"] {
        let r = save(
            &admin,
            &[
                ("url", bad),
                ("title", "Kept as typed"),
                ("tags", "one, two"),
                ("note", "A note kept as typed."),
            ],
        );
        assert_eq!(r.status, 422, "{bad}: {}", r.text());
        assert!(
            r.header("content-type")
                .unwrap_or_default()
                .starts_with("text/html")
        );
        let html = r.text();
        assert_eq!(field_value(&html, "url").as_deref(), Some(bad), "{html}");
        assert_eq!(
            field_value(&html, "title").as_deref(),
            Some("Kept as typed")
        );
        assert_eq!(field_value(&html, "tags").as_deref(), Some("one, two"));
        assert_eq!(
            field_value(&html, "note").as_deref(),
            Some("A note kept as typed.")
        );
        let doc = Html::parse_document(&html);
        let url_field = select(&doc, r#"input[name="url"]"#)
            .into_iter()
            .next()
            .expect("the url field");
        assert_eq!(
            url_field.value().attr("aria-invalid"),
            Some("true"),
            "{bad}: {html}"
        );
        // The error is named by the field (aria-describedby) and has words in it.
        let described = url_field
            .value()
            .attr("aria-describedby")
            .unwrap_or_else(|| panic!("the url field names no error: {html}"));
        let error = select(&doc, &format!("#{described}"))
            .into_iter()
            .next()
            .map(|e| collapse(&text_of(&e)))
            .unwrap_or_default();
        assert!(!error.is_empty(), "{bad}: no error text for #{described}");
    }
    assert_eq!(bookmarks(&server), 0);
    assert!(site.requests().is_empty());
}

#[test]
fn saving_needs_the_csrf_token_and_the_session() {
    let (server, site) = archiving();
    let admin = server.admin();
    let url = site.url("/long");
    for token in [None, Some("forged")] {
        let mut fields = vec![("url", url.as_str()), ("title", "Forged")];
        if let Some(t) = token {
            fields.push(("csrf", t));
        }
        let r = admin.post_form("/admin/bookmarks/new", &fields);
        assert_eq!(r.status, 403, "token {token:?}: {}", r.text());
    }
    // A visitor with a token from a page of their own session has no session to save in.
    let visitor = server.client();
    let r = visitor.post_form(
        "/admin/bookmarks/new",
        &[("csrf", &admin.csrf()), ("url", &url), ("title", "Forged")],
    );
    assert_ne!(r.status, 303, "{}", r.text());
    assert_ne!(r.status, 200);
    assert_eq!(bookmarks(&server), 0);
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(site.requests().is_empty(), "{:?}", site.requests());
}

// Archiving.

#[test]
fn a_long_article_is_archived_whole_clean_and_with_its_images_kept_here() {
    let (server, site) = archiving();
    let admin = server.admin();
    let id = add(&admin, &site.url("/long"), "", "bees");
    let (state, error) = settled(&server, id);
    assert_eq!(state, "archived", "{error}");

    let page = reader(&admin, id);
    let html = page.text();
    assert!(html.contains(LONG_TITLE), "{html}");
    assert!(
        html.contains(&format!("href=\"{}\"", site.url("/long"))),
        "the reader links to the original: {html}"
    );
    let (copy, text) = archived(&html).expect("the reader shows the archived copy");

    // The article's text, all or nearly all of it, and its headings.
    let paragraphs = long_paragraphs();
    let missing: Vec<&String> = paragraphs
        .iter()
        .map(|(_, t)| t)
        .filter(|t| !text.contains(&collapse(t)))
        .collect();
    assert!(
        (paragraphs.len() - missing.len()) * 10 >= paragraphs.len() * 9,
        "{} of {} paragraphs missing, the first: {:?}\n{text}",
        missing.len(),
        paragraphs.len(),
        missing.first()
    );
    let headings = (1..=5)
        .filter(|n| text.contains(&format!("Part {n}: the season turns")))
        .count();
    assert!(headings >= 4, "{headings} of 5 headings kept: {copy}");
    // What is around the article is not the article.
    for around in [NAV_TEXT, COMMENT_TEXT, FOOTER_TEXT] {
        assert!(!text.contains(around), "{around:?} was archived: {text}");
    }

    // Nothing that runs, submits, embeds or styles.
    let lower = copy.to_ascii_lowercase();
    for banned in [
        "<script",
        "onclick",
        "<iframe",
        "<form",
        "style=",
        "javascript:",
    ] {
        assert!(!lower.contains(banned), "{banned} in the archive: {copy}");
    }
    assert!(!html.contains("tracker.example"));
    assert!(!html.contains("video.example"));
    assert!(!html.contains("collector.example"));

    // Both images, each fetched once, kept here and shown to the owner only.
    let images = archived_images(&html);
    assert_eq!(images.len(), 2, "{copy}");
    assert_images_local(&server, &admin, &images);
    assert_eq!(site.count("/img/a.png"), 1);
    assert_eq!(site.count("/img/b.jpg"), 1);
    assert_eq!(site.count("/long"), 1);

    assert_csp_keeps_to_this_site(&page);
    // No element of the reader page loads anything from the article's site.
    let doc = Html::parse_document(&html);
    for el in select(&doc, "[src], [srcset], link[href]") {
        for attr in ["src", "srcset"] {
            if let Some(v) = el.value().attr(attr) {
                assert!(!v.contains("127.0.0.1:"), "{attr}={v:?} on the reader");
            }
        }
    }

    // The archive is the owner's: a visitor sees neither the page nor the copy.
    let visitor = server.client().get(&format!("/admin/bookmarks/{id}"));
    assert_ne!(visitor.status, 200);
    assert!(!visitor.text().contains(&collapse(&paragraphs[0].1)));
}

#[test]
fn a_redirected_link_archives_the_article_it_leads_to() {
    let (server, site) = archiving();
    let admin = server.admin();
    let id = add(&admin, &site.url("/moved"), "", "");
    let (state, error) = settled(&server, id);
    assert_eq!(state, "archived", "{error}");
    assert_eq!(site.count("/moved"), 1);
    assert_eq!(site.count("/long"), 1);

    let html = reader(&admin, id).text();
    assert!(html.contains(LONG_TITLE), "{html}");
    let (_, text) = archived(&html).expect("the archived copy");
    let paragraphs = long_paragraphs();
    let kept = paragraphs
        .iter()
        .filter(|(_, t)| text.contains(&collapse(t)))
        .count();
    assert!(kept * 10 >= paragraphs.len() * 9, "{kept} paragraphs kept");
    // Its images resolve against where the article is, and are kept here.
    let images = archived_images(&html);
    assert_eq!(images.len(), 2, "{html}");
    assert_images_local(&server, &admin, &images);
    assert_eq!(site.count("/img/a.png"), 1);
}

#[test]
fn a_missing_page_fails_with_its_status_shows_no_archive_and_can_be_retried() {
    let (server, site) = archiving();
    let admin = server.admin();
    let id = add(&admin, &site.url("/missing"), "Gone", "");
    let (state, error) = settled(&server, id);
    assert_eq!(state, "failed");
    assert!(error.contains("404"), "the reason: {error:?}");
    assert_eq!(
        site.count("/missing"),
        1,
        "a 404 is not fetched again unasked"
    );

    let html = reader(&admin, id).text();
    assert!(archived(&html).is_none(), "no archive for a failed fetch");
    assert!(html.contains("404"), "the reason is shown: {html}");
    let list = admin.get("/admin/bookmarks").text();
    assert!(list.contains("Gone"));

    // Retry queues it again: fetched a second time, failing the same way.
    let retry = format!("/admin/bookmarks/{id}/archive");
    let fields = form_fields(&html, &retry);
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let r = admin.post_form(&retry, &fields);
    assert_eq!(r.status, 303, "{}", r.text());
    wait_until("the retried archive to be fetched", || {
        site.count("/missing") == 2
    });
    let (state, error) = settled(&server, id);
    assert_eq!(state, "failed");
    assert!(error.contains("404"), "{error}");
    // Without the token, nothing is queued.
    let refused = admin.post_form(&retry, &[("csrf", "forged")]);
    assert_eq!(refused.status, 403);
}

#[test]
fn a_page_over_five_megabytes_fails_as_too_large() {
    let (server, site) = archiving();
    let admin = server.admin();
    let id = add(&admin, &site.url("/huge"), "", "");
    let (state, error) = settled(&server, id);
    assert_eq!(state, "failed");
    let reason = error.to_lowercase();
    assert!(
        reason.contains("too large") || reason.contains("larger than"),
        "the reason: {error:?}"
    );
    assert!(site.count("/huge") >= 1);
    let html = reader(&admin, id).text();
    assert!(archived(&html).is_none());
    assert!(!html.contains("This paragraph is one of many thousands"));
}

#[test]
fn nothing_that_runs_survives_from_a_hostile_page() {
    let (server, site) = archiving();
    let admin = server.admin();
    let id = add(&admin, &site.url("/hostile"), "", "");
    let (state, error) = settled(&server, id);
    assert_eq!(state, "archived", "{error}");
    let page = reader(&admin, id);
    let html = page.text();
    let (copy, text) = archived(&html).expect("the archived copy");
    assert!(text.contains(HOSTILE_TEXT), "{text}");
    assert!(text.contains("A safe link"), "{text}");

    let lower = copy.to_ascii_lowercase();
    for banned in [
        "<script",
        "javascript:",
        "<svg",
        "<math",
        "<iframe",
        "<object",
        "<embed",
        "<form",
        "<input",
        "<style",
        "<meta",
        "<base",
        "style=",
        "srcdoc",
        "data:text/html",
        "alert(",
    ] {
        assert!(!lower.contains(banned), "{banned} in the archive: {copy}");
    }
    let doc = Html::parse_fragment(&copy);
    for el in select(&doc, "*") {
        for (name, value) in el.value().attrs() {
            assert!(
                !name.to_ascii_lowercase().starts_with("on"),
                "<{} {name}={value:?}> in the archive",
                el.value().name()
            );
            let v: String = value
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect::<String>()
                .to_ascii_lowercase();
            assert!(!v.starts_with("javascript:"), "{name}={value:?}");
            assert!(!v.starts_with("data:text"), "{name}={value:?}");
        }
    }
    // The title and byline are shown as text, wherever the page shows them: the only elements
    // of the reader page that could run anything are the panel's own scripts.
    let whole = Html::parse_document(&html);
    let heading = select(&whole, "h1")
        .iter()
        .map(|h| collapse(&text_of(h)))
        .collect::<Vec<_>>();
    assert!(
        heading.iter().any(|h| h.contains(HOSTILE_TITLE)),
        "the title is shown as text: {heading:?}"
    );
    for el in select(&whole, "*") {
        let tag = el.value().name();
        assert!(
            !matches!(tag, "iframe" | "object" | "embed" | "svg" | "math" | "base"),
            "<{tag}> on the reader page"
        );
        if tag == "script" {
            let src = el.value().attr("src").unwrap_or_default();
            assert!(src.starts_with("/static/"), "<script src={src:?}>");
            assert!(text_of(&el).trim().is_empty(), "an inline script");
        }
        if tag == "img" {
            let src = el.value().attr("src").unwrap_or_default();
            assert!(
                src.starts_with(FILES) || src.starts_with("/static/"),
                "<img src={src:?}> on the reader page"
            );
        }
        for (name, value) in el.value().attrs() {
            assert!(
                !name.to_ascii_lowercase().starts_with("on"),
                "<{tag} {name}={value:?}> on the reader page"
            );
        }
    }
    assert_csp_keeps_to_this_site(&page);
    // An image that would not load is not kept, nor linked.
    for src in archived_images(&html) {
        assert!(src.starts_with(FILES), "{src}");
    }
}

#[test]
fn images_on_another_site_are_copied_here_once_and_never_linked() {
    let (server, site) = archiving();
    let admin = server.admin();
    let id = add(&admin, &site.url("/elsewhere"), "", "");
    let (state, error) = settled(&server, id);
    assert_eq!(state, "archived", "{error}");
    let page = reader(&admin, id);
    let html = page.text();
    assert!(html.contains(ELSEWHERE_TITLE));
    let (_, text) = archived(&html).expect("the archived copy");
    assert!(text.contains(ELSEWHERE_TEXT), "{text}");

    let images = archived_images(&html);
    assert_eq!(images.len(), 2, "{html}");
    assert_images_local(&server, &admin, &images);
    assert_eq!(site.images.count("/photos/c.png"), 1);
    assert_eq!(site.images.count("/photos/d.jpg"), 1);
    assert_eq!(
        site.count("/photos/c.png"),
        0,
        "resolved against the wrong site"
    );
    let images_host = site.images.base.trim_start_matches("http://");
    assert!(
        !html.contains(images_host),
        "the reader names the images' site: {html}"
    );
    assert_csp_keeps_to_this_site(&page);

    // Reading the archive again fetches nothing anywhere.
    let asked = (site.requests().len(), site.images.requests().len());
    reader(&admin, id);
    for src in &images {
        admin.get(src);
    }
    assert_eq!((site.requests().len(), site.images.requests().len()), asked);
}

#[test]
fn without_allow_private_network_a_loopback_bookmark_is_saved_but_never_fetched() {
    let site = ArticleSite::start();
    let server = TestServer::with_owner_guarded();
    assert!(!server.app.config.allow_private_network);
    let admin = server.admin();
    let port = site.base.rsplit(':').next().unwrap().to_string();
    for url in [
        site.url("/long"),
        format!("http://localhost:{port}/moved"),
        format!("http://[::ffff:127.0.0.1]:{port}/long?x=1"),
    ] {
        let id = add(&admin, &url, "Somewhere private", "");
        let (state, error) = settled(&server, id);
        assert_eq!(state, "failed", "{url}");
        let reason = error.to_lowercase();
        assert!(
            reason.contains("private") || reason.contains("local"),
            "{url}: the reason names the network: {error:?}"
        );
        let html = reader(&admin, id).text();
        assert!(archived(&html).is_none());
    }
    assert_eq!(bookmarks(&server), 3);
    assert!(site.requests().is_empty(), "{:?}", site.requests());
}

// The list and its actions.

/// The positions of `titles` on `page`, or None for a title it does not show.
fn positions(page: &str, titles: &[&str]) -> Vec<Option<usize>> {
    titles.iter().map(|t| page.find(t)).collect()
}

#[track_caller]
fn list(admin: &Client, query: &str) -> String {
    let r = admin.get(&format!("/admin/bookmarks{query}"));
    assert_eq!(r.status, 200, "{query}: {}", r.text());
    r.text()
}

#[test]
fn the_list_is_newest_first_and_filters_by_tag_and_read_state() {
    let (server, site) = archiving();
    let admin = server.admin();
    let ownership = add(
        &admin,
        &site.url("/page/rust-ownership"),
        "Ownership explained gently",
        "rust, programming",
    );
    let sourdough = add(
        &admin,
        &site.url("/page/sourdough"),
        "Sourdough starter notes",
        "baking",
    );
    let _async_rust = add(
        &admin,
        &site.url("/page/async-rust"),
        "Async without tears",
        "Rust",
    );
    let titles = [
        "Ownership explained gently",
        "Sourdough starter notes",
        "Async without tears",
    ];

    let all = list(&admin, "");
    let at = positions(&all, &titles);
    assert!(at.iter().all(Option::is_some), "{all}");
    assert!(at[2] < at[1] && at[1] < at[0], "newest first: {at:?}");

    // Tags match without regard to case.
    let rust = list(&admin, "?tag=rust");
    assert_eq!(
        positions(&rust, &titles)
            .iter()
            .map(Option::is_some)
            .collect::<Vec<_>>(),
        [true, false, true],
        "{rust}"
    );
    let baking = list(&admin, "?tag=baking");
    assert_eq!(
        positions(&baking, &titles)
            .iter()
            .map(Option::is_some)
            .collect::<Vec<_>>(),
        [false, true, false]
    );

    // Marking read, and unread again.
    let csrf = admin.csrf();
    let r = admin.post_form(
        &format!("/admin/bookmarks/{sourdough}/read"),
        &[("csrf", &csrf), ("unread", "0")],
    );
    assert_eq!(r.status, 303, "{}", r.text());
    assert!(
        r.location().starts_with("/admin/bookmarks"),
        "{}",
        r.location()
    );
    assert_eq!(
        number(
            &server,
            "SELECT unread FROM bookmarks WHERE id = ?1",
            [sourdough]
        ),
        0
    );
    let read = list(&admin, "?state=read");
    let unread = list(&admin, "?state=unread");
    let shown = |page: &str| {
        positions(page, &titles)
            .iter()
            .map(Option::is_some)
            .collect::<Vec<_>>()
    };
    assert_eq!(shown(&read), [false, true, false], "{read}");
    assert_eq!(shown(&unread), [true, false, true], "{unread}");
    assert_eq!(
        shown(&list(&admin, "?tag=rust&state=unread")),
        [true, false, true]
    );

    let r = admin.post_form(
        &format!("/admin/bookmarks/{ownership}/read"),
        &[("csrf", &csrf), ("unread", "0")],
    );
    assert_eq!(r.status, 303);
    assert_eq!(
        shown(&list(&admin, "?tag=rust&state=read")),
        [true, false, false]
    );
    let r = admin.post_form(
        &format!("/admin/bookmarks/{sourdough}/read"),
        &[("csrf", &csrf), ("unread", "1")],
    );
    assert_eq!(r.status, 303);
    assert_eq!(shown(&list(&admin, "?state=unread")), [false, true, true]);
    // Without the token nothing changes.
    let refused = admin.post_form(
        &format!("/admin/bookmarks/{sourdough}/read"),
        &[("csrf", "forged"), ("unread", "0")],
    );
    assert_eq!(refused.status, 403);
    assert_eq!(
        number(
            &server,
            "SELECT unread FROM bookmarks WHERE id = ?1",
            [sourdough]
        ),
        1
    );
}

#[test]
fn a_bookmark_is_edited_and_deleted() {
    let (server, site) = archiving();
    let admin = server.admin();
    let id = add(
        &admin,
        &site.url("/page/first-title"),
        "The first title",
        "old",
    );
    let csrf = admin.csrf();
    let r = admin.post_form(
        &format!("/admin/bookmarks/{id}"),
        &[
            ("csrf", &csrf),
            ("title", "A better title"),
            ("tags", "new, Shiny"),
            ("note", "Worth a second read."),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(r.location(), format!("/admin/bookmarks/{id}?done=saved"));
    let html = reader(&admin, id).text();
    assert!(html.contains("A better title"), "{html}");
    assert!(html.contains("Worth a second read."));
    assert!(!html.contains("The first title"));
    let shiny = list(&admin, "?tag=shiny");
    assert!(shiny.contains("A better title"), "{shiny}");
    assert!(!list(&admin, "?tag=old").contains("A better title"));
    // The archive does not take the title back once the owner has named it.
    settled(&server, id);
    assert!(reader(&admin, id).text().contains("A better title"));

    // Editing without the token changes nothing.
    let refused = admin.post_form(
        &format!("/admin/bookmarks/{id}"),
        &[
            ("csrf", "forged"),
            ("title", "Forged"),
            ("tags", ""),
            ("note", ""),
        ],
    );
    assert_eq!(refused.status, 403);
    assert!(!reader(&admin, id).text().contains("Forged"));

    let r = admin.post_form(&format!("/admin/bookmarks/{id}/delete"), &[("csrf", &csrf)]);
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(r.location(), "/admin/bookmarks?done=deleted");
    assert_eq!(admin.get(&format!("/admin/bookmarks/{id}")).status, 404);
    assert_eq!(bookmarks(&server), 0);
    assert_eq!(number(&server, "SELECT count(*) FROM bookmark_tags", []), 0);
    assert!(!list(&admin, "").contains("A better title"));
    // Saved again, it is a new bookmark: nothing of the deleted one comes back.
    let again = add(&admin, &site.url("/page/first-title"), "", "");
    let html = reader(&admin, again).text();
    assert!(!html.contains("A better title"), "{html}");
    assert!(!html.contains("Worth a second read."));
    assert_eq!(number(&server, "SELECT count(*) FROM bookmark_tags", []), 0);
}

// Privacy.

#[test]
fn a_bookmark_appears_on_no_public_page_feed_sitemap_or_search() {
    let (server, site) = archiving();
    let admin = server.admin();
    let title = "Private reading about hives";
    let id = add(&admin, &site.url("/long"), title, "hiddentag");
    let (state, error) = settled(&server, id);
    assert_eq!(state, "archived", "{error}");
    let html = reader(&admin, id).text();
    let (_, text) = archived(&html).expect("the archived copy");
    assert!(text.contains(ARTICLE_ONLY_WORD), "the word is archived");
    // A public post with the same word, so that search has something to find.
    publish(
        &server,
        &admin,
        &format!("Public words: {ARTICLE_ONLY_WORD} is a lovely word."),
    );

    let visitor = server.client();
    let mut seen = String::new();
    for path in [
        "/".to_string(),
        "/feed.xml".into(),
        "/feed.json".into(),
        "/sitemap.xml".into(),
        "/archive/".into(),
        "/topics/".into(),
        format!("/search/?q={ARTICLE_ONLY_WORD}"),
        "/search/?q=hives".into(),
        "/search/?q=beekeepers".into(),
    ] {
        let r = visitor.get(&path);
        assert_eq!(r.status, 200, "{path}");
        seen.push_str(&r.text());
    }
    assert!(seen.contains("Public words"), "search found the post");
    for private in [
        site.url("/long").as_str(),
        site.base.as_str(),
        title,
        LONG_TITLE,
        "hiddentag",
        "The beekeepers here call it",
    ] {
        assert!(!seen.contains(private), "{private:?} is public");
    }
    // Nothing is public: the bookmarks page and its feed are not there at all.
    assert_eq!(visitor.get("/bookmarks/").status, 404);
    assert_eq!(visitor.get("/bookmarks/feed.json").status, 404);
    let actor = visitor.get_with("/actor", &[("Accept", "application/activity+json")]);
    assert!(!actor.text().contains(&site.base));
    let outbox = visitor.get_with("/outbox", &[("Accept", "application/activity+json")]);
    assert!(!outbox.text().contains(&site.base));
    for path in [
        format!("/admin/bookmarks/{id}"),
        "/admin/bookmarks".to_string(),
        "/admin/bookmarks?tag=hiddentag".to_string(),
    ] {
        let r = visitor.get(&path);
        assert_ne!(r.status, 200, "{path}");
        assert!(!r.text().contains(title), "{path}");
    }
}

// Installing the panel, and the bookmarklet.

#[test]
fn the_panel_manifest_puts_new_bookmarks_in_the_share_sheet() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    // Browsers fetch a manifest without cookies: it is served without the session, and names
    // nothing private.
    let r = server.client().get("/admin/manifest.webmanifest");
    assert_eq!(r.status, 200, "{}", r.text());
    let manifest = r.json();
    assert_eq!(admin.get("/admin/manifest.webmanifest").json(), manifest);
    let target = &manifest["share_target"];
    let action = target["action"].as_str().expect("share_target.action");
    assert!(
        action == "/admin/bookmarks/new" || action == server.url("/admin/bookmarks/new"),
        "{manifest}"
    );
    assert_eq!(
        target["method"].as_str().map(str::to_ascii_uppercase),
        Some("GET".into())
    );
    for param in ["url", "title", "text"] {
        assert!(
            target["params"][param]
                .as_str()
                .is_some_and(|p| !p.is_empty()),
            "share_target.params.{param}: {manifest}"
        );
    }
    assert!(manifest["name"].as_str().is_some_and(|n| !n.is_empty()));
    assert!(
        manifest["start_url"]
            .as_str()
            .is_some_and(|u| u.starts_with("/admin") || u.starts_with(&server.url("/admin"))),
        "{manifest}"
    );

    // The panel names it, so that a browser can install it.
    let doc = Html::parse_document(&admin.get("/admin/bookmarks").text());
    let link = select(&doc, r#"link[rel="manifest"]"#);
    assert_eq!(
        link.first().and_then(|l| l.value().attr("href")),
        Some("/admin/manifest.webmanifest")
    );

    // What the share sheet opens is the new bookmark form, filled in.
    let params = &target["params"];
    let shared = admin.get(&format!(
        "/admin/bookmarks/new?{}={}&{}={}",
        params["url"].as_str().unwrap(),
        encode("https://example.com/shared"),
        params["title"].as_str().unwrap(),
        encode("Shared from a phone")
    ));
    assert_eq!(shared.status, 200);
    assert_eq!(
        field_value(&shared.text(), "url").as_deref(),
        Some("https://example.com/shared")
    );
    assert_eq!(
        field_value(&shared.text(), "title").as_deref(),
        Some("Shared from a phone")
    );
    // Many apps share the link in the text, with words around it or alone.
    let text = params["text"].as_str().unwrap();
    let in_text = admin.get(&format!(
        "/admin/bookmarks/new?{}={}&{text}={}",
        params["title"].as_str().unwrap(),
        encode("A shared article"),
        encode("Have a look: https://example.com/shared-in-text")
    ));
    assert_eq!(in_text.status, 200);
    assert_eq!(
        field_value(&in_text.text(), "url").as_deref(),
        Some("https://example.com/shared-in-text"),
        "{}",
        in_text.text()
    );
    let alone = admin.get(&format!(
        "/admin/bookmarks/new?{text}={}",
        encode("https://example.com/only-the-link")
    ));
    assert_eq!(
        field_value(&alone.text(), "url").as_deref(),
        Some("https://example.com/only-the-link")
    );
    assert_eq!(field_value(&alone.text(), "note").as_deref(), Some(""));
}

#[test]
fn the_bookmarks_screen_offers_a_bookmarklet_that_opens_the_new_bookmark_form() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let html = list(&admin, "");
    let doc = Html::parse_document(&html);
    let bookmarklet = select(&doc, "a[href]")
        .into_iter()
        .filter_map(|a| a.value().attr("href"))
        .find(|href| {
            href.trim_start()
                .to_ascii_lowercase()
                .starts_with("javascript:")
        })
        .unwrap_or_else(|| panic!("no javascript: link on /admin/bookmarks: {html}"));
    let code = percent_encoding::percent_decode_str(bookmarklet)
        .decode_utf8_lossy()
        .into_owned();
    assert!(
        code.contains(&server.url("/admin/bookmarks/new?url=")),
        "the bookmarklet opens this site's form: {code}"
    );
    assert!(code.contains("title="), "{code}");
    assert!(code.contains("encodeURIComponent"), "{code}");
    assert!(
        code.contains("location.href") || code.contains("location"),
        "{code}"
    );
    assert!(code.contains("document.title"), "{code}");
    // It carries no secret: saving still takes the session and the form's token.
    assert!(!code.contains(&admin.csrf()), "{code}");
}

#[test]
fn the_bookmarks_screens_are_the_owners_only() {
    let server = TestServer::with_owner();
    let visitor = server.client();
    for path in [
        "/admin/bookmarks",
        "/admin/bookmarks/new?url=https%3A%2F%2Fexample.com%2F&title=x",
    ] {
        let r = visitor.get(path);
        assert_ne!(r.status, 200, "{path}");
    }
    // The screen exists for the owner.
    let admin = server.admin();
    assert_eq!(admin.get("/admin/bookmarks").status, 200);
    assert_eq!(admin.get("/admin/bookmarks/new").status, 200);
    assert_eq!(admin.get("/admin/bookmarks/999999").status, 404);
}

// Other ways a bookmark arrives: Micropub, the timeline, a public bookmark-of post.

fn micropub_token(server: &TestServer) -> String {
    server
        .app
        .db
        .write_blocking(|tx| porch::auth::tokens::create(tx, "an app", "create"))
        .unwrap()
}

#[test]
fn a_private_micropub_bookmark_is_saved_and_archived_and_publishes_nothing() {
    let (server, site) = archiving();
    let token = micropub_token(&server);
    let client = server.client();
    let auth = format!("Bearer {token}");
    let long = site.url("/long");
    // visibility=private, form-encoded, with a title, a note and tags.
    let body = format!(
        "h=entry&bookmark-of={}&visibility=private&name=Kept+for+later&content=Read+this&category[]=rust&category[]=web",
        encode(&long)
    );
    let r = client.post_raw(
        "/micropub",
        "application/x-www-form-urlencoded",
        body.as_bytes(),
        &[("Authorization", &auth)],
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let location = r.header("location").unwrap_or_default().to_string();
    let id = bookmark_id(location.strip_prefix(&server.base).unwrap_or(&location));
    assert_eq!(settled(&server, id).0, "archived");
    assert_eq!(
        number(&server, "SELECT count(*) FROM posts", []),
        0,
        "nothing published"
    );
    let admin = server.admin();
    let page = reader(&admin, id).text();
    assert!(page.contains("Kept for later"), "{page}");
    let details = details_form(&page);
    assert_eq!(field_value(&details, "note").as_deref(), Some("Read this"));
    assert_eq!(field_value(&details, "tags").as_deref(), Some("rust, web"));

    // post-status=draft with mp-bookmark=private, as JSON: the same link is the same bookmark.
    let json = serde_json::json!({
        "type": ["h-entry"],
        "properties": {
            "bookmark-of": [format!("{long}?utm_source=app")],
            "post-status": ["draft"],
            "mp-bookmark": ["private"],
        },
    });
    let again = client.post_raw(
        "/micropub",
        "application/json",
        json.to_string().as_bytes(),
        &[("Authorization", &auth)],
    );
    assert_eq!(again.status, 201, "{}", again.text());
    assert_eq!(again.header("location"), Some(location.as_str()));
    assert_eq!(bookmarks(&server), 1);
    assert_eq!(number(&server, "SELECT count(*) FROM posts", []), 0);

    // A bookmark-of that is not a web address is refused, as Micropub refuses.
    let bad = client.post_raw(
        "/micropub",
        "application/x-www-form-urlencoded",
        b"h=entry&bookmark-of=javascript:alert(1)&visibility=private",
        &[("Authorization", &auth)],
    );
    assert_eq!(bad.status, 400, "{}", bad.text());
    assert_eq!(bad.json()["error"], "invalid_request");
    assert_eq!(bookmarks(&server), 1);
}

#[test]
fn a_public_bookmark_post_stays_a_post_and_its_page_is_kept_too() {
    let (server, site) = archiving();
    let admin = server.admin();
    let long = site.url("/long");
    let saved = admin.compose(&[
        ("markdown", "Worth reading."),
        ("bookmark_of", &long),
        ("action", "publish"),
    ]);
    assert_eq!(saved.status, 303, "{}", saved.text());
    wait_until("the post's page to be kept", || bookmarks(&server) == 1);
    let id = number(&server, "SELECT id FROM bookmarks", []);
    assert_eq!(settled(&server, id).0, "archived");
    assert_eq!(
        number(
            &server,
            "SELECT count(*) FROM bookmarks WHERE source = 'post' AND post_id IS NOT NULL",
            []
        ),
        1
    );
    // The post is public as ever, and an edit keeps one bookmark.
    let home = server.client().get("/").text();
    assert!(home.contains("Worth reading."));
    let post = number(&server, "SELECT id FROM posts", []);
    let edited = admin.compose(&[
        ("id", &post.to_string()),
        ("markdown", "Worth reading, again."),
        ("bookmark_of", &long),
        ("action", "publish"),
    ]);
    assert_eq!(edited.status, 303, "{}", edited.text());
    common::federation::wait_for_jobs(&server);
    // (Webmention discovery asks the page too, on each publication: that is the post's.)
    assert_eq!(bookmarks(&server), 1);
}

#[test]
fn bookmarking_a_post_from_the_timeline_keeps_it_privately_and_tells_no_one() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let fake = common::fake_mastodon::FakeMastodon::start();
    common::federation::alice_follows_bob(&server, &admin, &fake);
    common::federation::bob_posts(&server, &fake, "A thought worth keeping");
    let remote = number(&server, "SELECT max(id) FROM remote_posts", []);
    let timeline = admin.get("/admin/timeline").text();
    assert!(
        timeline.contains(&format!(r#"action="/admin/timeline/{remote}/bookmark""#)),
        "{timeline}"
    );
    let before = fake.received().len();
    let csrf = admin.csrf();
    let r = admin.post_form(
        &format!("/admin/timeline/{remote}/bookmark"),
        &[("csrf", &csrf), ("back", "timeline")],
    );
    assert_eq!(r.status, 303, "{}", r.text());
    assert!(
        r.location()
            .starts_with("/admin/timeline?done=bookmarked_post")
    );
    assert_eq!(bookmarks(&server), 1);
    let id = number(&server, "SELECT id FROM bookmarks", []);
    // Its copy is the post as it was received: nothing is fetched, nothing is sent.
    assert_eq!(archive_state(&server, id).0, "archived");
    let page = reader(&admin, id).text();
    let (_, text) = archived(&page).expect("the kept copy");
    assert!(text.contains("A thought worth keeping"), "{text}");
    common::federation::wait_for_jobs(&server);
    assert_eq!(fake.received().len(), before, "{}", fake.summary());
    // Again: still one bookmark. A forged form: nothing.
    admin.post_form(
        &format!("/admin/timeline/{remote}/bookmark"),
        &[("csrf", &csrf)],
    );
    assert_eq!(bookmarks(&server), 1);
    let forged = admin.post_form(
        &format!("/admin/timeline/{remote}/bookmark"),
        &[("csrf", "forged")],
    );
    assert_eq!(forged.status, 403);
}

// Search.

#[test]
fn search_finds_a_phrase_only_in_the_archived_page_and_by_note_tag_and_title() {
    let (server, site) = archiving();
    let admin = server.admin();
    let long = add(&admin, &site.url("/long"), "", "porches");
    assert_eq!(settled(&server, long).0, "archived");
    let csrf = admin.csrf();
    let other = save(
        &admin,
        &[
            ("csrf", &csrf),
            ("url", "https://elsewhere.example/notes"),
            ("title", "Quillwort plans"),
            ("tags", "garden, Heliotrope"),
            ("note", "Remember the zucchini <b>seeds</b>"),
        ],
    );
    assert_eq!(other.status, 303, "{}", other.text());
    let found = |q: &str| {
        let page = admin.get(&format!("/admin/bookmarks?q={}", encode(q)));
        assert_eq!(page.status, 200, "{}", page.text());
        let doc = Html::parse_document(&page.text());
        select(&doc, "li.bookmark a.title")
            .iter()
            .map(|a| collapse(&text_of(a)))
            .collect::<Vec<_>>()
    };
    // A word only the archived article has: the first paragraph's.
    let (_, body) = &long_paragraphs()[10];
    let word = body
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
        .find(|w| w.len() > 6)
        .unwrap()
        .to_string();
    let titles = found(&word);
    assert_eq!(titles.len(), 1, "{word}: {titles:?}");
    let page = admin
        .get(&format!("/admin/bookmarks?q={}", encode(&word)))
        .text();
    assert!(page.contains("<mark>"), "the match is marked: {page}");
    // Note, tag (any case), title; every word must match.
    assert_eq!(found("zucchini"), ["Quillwort plans"]);
    assert_eq!(found("HELIOTROPE"), ["Quillwort plans"]);
    assert_eq!(found("quillwort plans"), ["Quillwort plans"]);
    assert!(found("quillwort nowhere-at-all").is_empty());
    // What the owner typed is never FTS5 syntax, and markup in a note is text.
    for odd in [
        "\"",
        "AND OR NOT",
        "title:x",
        "a\u{0}b",
        "*",
        "(",
        "NEAR(a b)",
    ] {
        let r = admin.get(&format!("/admin/bookmarks?q={}", encode(odd)));
        assert_eq!(r.status, 200, "{odd:?}: {}", r.text());
    }
    let seeds = admin.get("/admin/bookmarks?q=seeds").text();
    assert!(!seeds.contains("<b>seeds"), "{seeds}");
    // Edits and deletions are searched as they are now.
    let garden = number(
        &server,
        "SELECT id FROM bookmarks WHERE title = 'Quillwort plans'",
        [],
    );
    let csrf = admin.csrf();
    admin.post_form(
        &format!("/admin/bookmarks/{garden}"),
        &[
            ("csrf", &csrf),
            ("title", "Xylophone plans"),
            ("tags", ""),
            ("note", ""),
        ],
    );
    assert!(found("zucchini").is_empty());
    assert_eq!(found("xylophone"), ["Xylophone plans"]);
    admin.post_form(
        &format!("/admin/bookmarks/{garden}/delete"),
        &[("csrf", &csrf)],
    );
    assert!(found("xylophone").is_empty());
}

// Highlights.

/// Marks a passage of bookmark `id`: as the reader's button sends it (with the selection's
/// places) or as the form sends a pasted quote (places empty).
fn highlight(
    admin: &Client,
    id: i64,
    quote: &str,
    note: &str,
    places: Option<(usize, usize)>,
) -> Resp {
    let csrf = admin.csrf();
    let (start, end) = places
        .map(|(s, e)| (s.to_string(), e.to_string()))
        .unwrap_or_default();
    admin.post_form(
        &format!("/admin/bookmarks/{id}/highlights"),
        &[
            ("csrf", &csrf),
            ("quote", quote),
            ("note", note),
            ("start", &start),
            ("end", &end),
        ],
    )
}

/// The highlight id in a redirect to the reader (`…?done=highlighted#h-7`).
#[track_caller]
fn highlight_id(r: &Resp) -> i64 {
    assert_eq!(r.status, 303, "{}", r.text());
    r.location()
        .split_once("#h-")
        .and_then(|(_, id)| id.parse().ok())
        .unwrap_or_else(|| panic!("no highlight in {:?}", r.location()))
}

/// The copy's text as a browser's `textContent` counts it (every text node, nothing added),
/// without the highlights drawn into it.
fn copy_text(admin: &Client, id: i64) -> String {
    let html = reader(admin, id).text();
    let doc = Html::parse_document(&html);
    text_of(select(&doc, "div.archived").first().expect("a kept copy"))
}

/// The drawn highlights on a reader page: each mark's id (the first piece of a highlight has
/// one), and the text of its piece, with the paragraph it is in.
fn marks(admin: &Client, id: i64) -> Vec<(String, String, String)> {
    let html = reader(admin, id).text();
    let doc = Html::parse_document(&html);
    select(&doc, "div.archived mark.highlight")
        .iter()
        .map(|m| {
            let paragraph = m
                .ancestors()
                .filter_map(scraper::ElementRef::wrap)
                .find(|e| e.value().name() == "p")
                .map(|p| collapse(&text_of(&p)))
                .unwrap_or_default();
            (
                m.value().attr("id").unwrap_or_default().to_string(),
                text_of(m),
                paragraph,
            )
        })
        .collect()
}

fn highlight_place(server: &TestServer, h: i64) -> Option<(i64, i64)> {
    server
        .app
        .db
        .read_blocking(move |c| {
            Ok(c.query_row(
                "SELECT pos_start, pos_end FROM highlights WHERE id = ?1",
                [h],
                |r| Ok(r.get::<_, Option<i64>>(0)?.zip(r.get::<_, Option<i64>>(1)?)),
            )?)
        })
        .unwrap()
}

#[test]
fn a_selected_passage_is_highlighted_drawn_on_every_view_and_found_again_after_rearchiving() {
    let (server, site) = archiving();
    let admin = server.admin();
    let id = add(&admin, &site.url("/revised"), "", "");
    assert_eq!(settled(&server, id).0, "archived");
    let text = copy_text(&admin, id);
    // "the eaves" is in two paragraphs: the reader's selection says which (the second), by
    // its places in UTF-16 units, which are bytes here (the page is ASCII).
    let rain = text
        .find("Rain drips from the eaves")
        .expect("the fourth paragraph");
    let start = rain + "Rain drips from ".len();
    let second = highlight(
        &admin,
        id,
        "the eaves",
        "Where the groove is.",
        Some((start, start + 9)),
    );
    let second = highlight_id(&second);
    assert_eq!(
        highlight_place(&server, second),
        Some((start as i64, start as i64 + 9))
    );
    // A pasted quote, spaced differently from the page, is found by its words.
    let swallows = highlight_id(&highlight(
        &admin,
        id,
        "  Swallows nest\nunder the   eaves every summer,  ",
        "",
        None,
    ));
    // One in the paragraph the page will lose.
    let well = highlight_id(&highlight(
        &admin,
        id,
        "The old well has been covered",
        "Ask about the flood.",
        None,
    ));
    let drawn = marks(&admin, id);
    assert_eq!(drawn.len(), 3, "{drawn:?}");
    let by_id = |drawn: &[(String, String, String)], h: i64| {
        drawn
            .iter()
            .find(|(mark, _, _)| *mark == format!("h-{h}"))
            .cloned()
            .unwrap_or_else(|| panic!("h-{h} is not drawn: {drawn:?}"))
    };
    let (_, quote, paragraph) = by_id(&drawn, second);
    assert_eq!(quote, "the eaves");
    assert!(paragraph.starts_with("Rain drips"), "{paragraph}");
    assert_eq!(
        by_id(&drawn, swallows).1,
        "Swallows nest under the eaves every summer,"
    );
    // Drawing adds no text: the copy reads the same.
    assert_eq!(copy_text(&admin, id), text);
    let page = reader(&admin, id).text();
    assert!(page.contains("Where the groove is."), "the note is listed");
    assert!(page.contains("Ask about the flood."));

    // The page changes; archived again, each highlight is found where its text went, and the
    // one whose paragraph is gone keeps its quote and note, listed but not drawn.
    let r = admin.post_form(
        &format!("/admin/bookmarks/{id}/archive"),
        &[("csrf", &admin.csrf())],
    );
    assert_eq!(r.status, 303);
    assert_eq!(settled(&server, id).0, "archived");
    let text = copy_text(&admin, id);
    assert!(
        text.contains("A new opening paragraph"),
        "the new copy: {text}"
    );
    let drawn = marks(&admin, id);
    let (_, quote, paragraph) = by_id(&drawn, second);
    assert_eq!(quote, "the eaves");
    assert!(paragraph.starts_with("Rain drips"), "{paragraph}");
    let (_, quote, _) = by_id(&drawn, swallows);
    assert_eq!(
        collapse(&quote),
        "Swallows nest under the eaves every summer,"
    );
    assert!(
        drawn
            .iter()
            .all(|(mark, _, _)| *mark != format!("h-{well}"))
    );
    assert_eq!(highlight_place(&server, well), None);
    let (moved, _) = highlight_place(&server, second).unwrap();
    assert!(moved > start as i64, "moved along by the new paragraph");
    let page = reader(&admin, id).text();
    assert!(page.contains("No longer in the kept copy"), "{page}");
    assert!(page.contains("The old well has been covered"));
    assert!(page.contains("Ask about the flood."));
    assert_eq!(number(&server, "SELECT count(*) FROM highlights", []), 3);

    // Exported as JSON, the highlights are W3C Web Annotations whose selectors find the
    // passages in the kept copy's text (the one no longer there has its quote alone).
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("bookmarks.json");
    assert!(common::porch_export("bookmarks", &server.data, &out));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let exported = &json["bookmarks"][0];
    assert_eq!(exported["url"], site.url("/revised"));
    assert_eq!(exported["archive"]["state"], "archived");
    assert_eq!(exported["archive"]["title"], REVISED_TITLE);
    let annotations = exported["highlights"].as_array().unwrap();
    assert_eq!(annotations.len(), 3);
    // The places count the text of the exported copy's HTML, as a browser's textContent.
    let kept: Vec<char> = text_of(
        &Html::parse_fragment(exported["archive"]["html"].as_str().unwrap()).root_element(),
    )
    .chars()
    .collect();
    assert_eq!(kept.iter().collect::<String>(), copy_text(&admin, id));
    for a in annotations {
        assert_eq!(a["@context"], "http://www.w3.org/ns/anno.jsonld");
        assert_eq!(a["type"], "Annotation");
        assert_eq!(a["motivation"], "highlighting");
        // In the panel when the site's address is recorded (as `porch serve` does), else a URN.
        let iri = a["id"].as_str().unwrap();
        let h = iri.rsplit([':', '-']).next().unwrap();
        assert!(
            iri == format!("{}/admin/bookmarks/{id}#h-{h}", server.base)
                || iri == format!("urn:porch:highlight:{h}"),
            "{a}"
        );
        assert_eq!(
            number(
                &server,
                &format!("SELECT count(*) FROM highlights WHERE id = {h}"),
                []
            ),
            1
        );
        assert_eq!(a["target"]["source"], site.url("/revised"));
        let selectors = a["target"]["selector"].as_array().unwrap();
        assert_eq!(selectors[0]["type"], "TextQuoteSelector");
        let exact = selectors[0]["exact"].as_str().unwrap();
        match selectors.get(1) {
            Some(position) => {
                assert_eq!(position["type"], "TextPositionSelector");
                let (s, e) = (
                    position["start"].as_u64().unwrap() as usize,
                    position["end"].as_u64().unwrap() as usize,
                );
                assert_eq!(kept[s..e].iter().collect::<String>(), exact, "{a}");
            }
            None => assert_eq!(exact, "The old well has been covered"),
        }
    }
    let noted: Vec<&str> = annotations
        .iter()
        .filter_map(|a| a["body"]["value"].as_str())
        .collect();
    assert!(noted.contains(&"Where the groove is."), "{noted:?}");
    assert!(
        annotations
            .iter()
            .filter(|a| a["body"]["value"] == "Where the groove is.")
            .all(|a| a["body"]["purpose"] == "commenting")
    );
}

#[test]
fn a_passage_not_in_the_copy_is_refused_and_nothing_is_kept() {
    let (server, site) = archiving();
    let admin = server.admin();
    let id = add(&admin, &site.url("/revised"), "", "");
    assert_eq!(settled(&server, id).0, "archived");
    for (quote, says) in [
        ("Words that are nowhere on the page", "not in the kept copy"),
        ("   ", "Select or paste the passage"),
    ] {
        let r = highlight(&admin, id, quote, "a note", None);
        assert_eq!(r.status, 422, "{quote:?}");
        let html = r.text();
        assert!(html.contains(says), "{quote:?}: {html}");
        assert_eq!(
            field_value(&html, "note").as_deref(),
            Some("a note"),
            "kept as typed"
        );
    }
    let long = "x".repeat(5_001);
    assert_eq!(highlight(&admin, id, &long, "", None).status, 422);
    // Places that do not hold the quote: the quote is what counts.
    let r = highlight(&admin, id, "The ford is shallow", "", Some((0, 19)));
    let h = highlight_id(&r);
    let text = copy_text(&admin, id);
    let at = text.find("The ford is shallow").unwrap() as i64;
    assert_eq!(highlight_place(&server, h), Some((at, at + 19)));
    // Without the token, or for no bookmark, nothing.
    let r = admin.post_form(
        &format!("/admin/bookmarks/{id}/highlights"),
        &[("csrf", "forged"), ("quote", "The ford"), ("note", "")],
    );
    assert_eq!(r.status, 403);
    assert_eq!(
        highlight(&admin, id + 100, "The ford", "", None).status,
        404
    );
    assert_eq!(number(&server, "SELECT count(*) FROM highlights", []), 1);
    // A bookmark with no copy yet has nothing to highlight in.
    let bare = add(&admin, &site.url("/no-such-page"), "", "");
    assert_eq!(settled(&server, bare).0, "failed");
    let r = highlight(&admin, bare, "anything", "", None);
    assert_eq!(r.status, 422, "{:?}", r.headers);
    assert!(r.text().contains("no kept copy"), "{}", r.text());
}

#[test]
fn highlights_are_listed_searched_turned_into_posts_edited_and_deleted() {
    let (server, site) = archiving();
    let admin = server.admin();
    let id = add(&admin, &site.url("/revised"), "", "porch");
    let other = add(&admin, &site.url("/page/plain-page"), "", "");
    assert_eq!(settled(&server, id).0, "archived");
    settled(&server, other);
    let gate = highlight_id(&highlight(
        &admin,
        id,
        "The garden gate was painted green",
        "Paint ours too.",
        None,
    ));
    let ford = highlight_id(&highlight(&admin, id, "The ford is shallow", "", None));

    // All highlights, newest first, each linked to its place in the reader.
    let page = admin.get("/admin/highlights");
    assert_eq!(page.status, 200);
    let html = page.text();
    let (g, f) = (
        html.find("The garden gate was painted green").unwrap(),
        html.find("The ford is shallow").unwrap(),
    );
    assert!(f < g, "newest first");
    assert!(
        html.contains(&format!("/admin/bookmarks/{id}#h-{gate}")),
        "{html}"
    );
    assert!(html.contains(REVISED_TITLE));

    // Searched: the highlights page by quote and note; the bookmarks by a highlight's note.
    let found = admin.get("/admin/highlights?q=paint+ours").text();
    assert!(found.contains("The garden gate"), "{found}");
    assert!(!found.contains("The ford is shallow"));
    let bookmarks_found = admin.get("/admin/bookmarks?q=ours").text();
    assert!(bookmarks_found.contains(REVISED_TITLE), "{bookmarks_found}");
    // Only bookmarks with highlights.
    let with = list(&admin, "?state=highlighted");
    assert!(with.contains(REVISED_TITLE));
    assert!(!with.contains("plain page"), "{with}");

    // New post from highlight: the composer opens with a link and the quote.
    let compose = admin.get(&format!("/admin/new?highlight={gate}"));
    assert_eq!(compose.status, 200);
    let markdown = field_value(&compose.text(), "markdown").unwrap();
    assert_eq!(
        markdown,
        format!(
            "[{REVISED_TITLE}](<{}>)\n\n> The garden gate was painted green\n\n",
            site.url("/revised")
        )
    );

    // The note is edited; then the highlight is deleted, and search forgets it.
    let csrf = admin.csrf();
    let r = admin.post_form(
        &format!("/admin/highlights/{gate}"),
        &[("csrf", &csrf), ("note", "Green, like the door.")],
    );
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(
        r.location(),
        format!("/admin/bookmarks/{id}?done=highlight_saved#h-{gate}")
    );
    assert!(reader(&admin, id).text().contains("Green, like the door."));
    assert!(
        admin
            .get("/admin/highlights?q=door")
            .text()
            .contains("The garden gate")
    );
    assert!(
        !admin
            .get("/admin/highlights?q=ours")
            .text()
            .contains("The garden gate")
    );
    let r = admin.post_form(
        &format!("/admin/highlights/{gate}/delete"),
        &[("csrf", &csrf), ("back", "list")],
    );
    assert_eq!(r.location(), "/admin/highlights?done=highlight_deleted");
    let left = admin.get("/admin/highlights").text();
    assert!(!left.contains("The garden gate"));
    assert!(left.contains(&format!("id=\"h-{ford}\"")), "{left}");
    assert!(
        !admin
            .get("/admin/bookmarks?q=door")
            .text()
            .contains(REVISED_TITLE)
    );
    assert!(
        marks(&admin, id)
            .iter()
            .all(|(m, _, _)| *m != format!("h-{gate}"))
    );
    let r = admin.post_form(
        &format!("/admin/highlights/{gate}/delete"),
        &[("csrf", &csrf)],
    );
    assert_eq!(r.status, 404);

    // A deleted bookmark takes its highlights, and their search entries, with it.
    admin.post_form(&format!("/admin/bookmarks/{id}/delete"), &[("csrf", &csrf)]);
    assert_eq!(number(&server, "SELECT count(*) FROM highlights", []), 0);
    assert_eq!(
        number(&server, "SELECT count(*) FROM highlights_fts", []),
        0
    );
    assert!(
        !admin
            .get("/admin/highlights")
            .text()
            .contains("The ford is shallow")
    );
    // The owner's alone.
    assert_eq!(server.client().get("/admin/highlights").status, 303);
}

// The public bookmarks page.

#[test]
fn a_bookmark_marked_public_is_on_the_bookmarks_page_and_its_feed_and_no_other_is() {
    let (server, site) = archiving();
    let admin = server.admin();
    let shared = add(&admin, &site.url("/page/shared-page"), "", "");
    let kept = add(
        &admin,
        &site.url("/page/kept-page"),
        "Secret plans",
        "secret",
    );
    settled(&server, shared);
    settled(&server, kept);
    let highlight_quote = "This page is about shared page";
    highlight_id(&highlight(
        &admin,
        shared,
        highlight_quote,
        "only mine",
        None,
    ));
    let visitor = server.client();
    assert_eq!(visitor.get("/bookmarks/").status, 404);

    let csrf = admin.csrf();
    let r = admin.post_form(
        &format!("/admin/bookmarks/{shared}"),
        &[
            ("csrf", &csrf),
            ("title", "A page worth sharing"),
            ("tags", "garden, Tools"),
            ("note", "Read this & weep."),
            ("public", "1"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let page = visitor.get("/bookmarks/");
    assert_eq!(page.status, 200);
    let html = page.text();
    for private in [
        "Secret plans",
        "kept-page",
        "secret",
        highlight_quote,
        "only mine",
    ] {
        assert!(!html.contains(private), "{private:?} is public: {html}");
    }
    // Microformats: an h-entry that bookmarks the page, with the owner's words.
    let url = server.url("/bookmarks/");
    let doc = microformats::from_html(&html, &url.parse().unwrap()).unwrap();
    let mf2 = serde_json::to_value(&doc).unwrap();
    let feed = mf2["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["type"][0] == "h-feed")
        .unwrap_or_else(|| panic!("no h-feed: {mf2}"));
    let entries = feed["children"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{feed}");
    let e = &entries[0]["properties"];
    assert_eq!(e["bookmark-of"][0], site.url("/page/shared-page"));
    assert_eq!(e["name"][0], "A page worth sharing");
    assert_eq!(e["content"][0]["value"], "Read this & weep.");
    assert_eq!(e["category"], serde_json::json!(["garden", "Tools"]));
    assert!(e["published"][0].as_str().is_some());
    // The JSON Feed says the same.
    let json = visitor.get("/bookmarks/feed.json");
    assert_eq!(json.status, 200);
    let json: serde_json::Value = serde_json::from_slice(&json.body).unwrap();
    assert_eq!(json["version"], "https://jsonfeed.org/version/1.1");
    let items = json["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["external_url"], site.url("/page/shared-page"));
    assert_eq!(items[0]["content_text"], "Read this & weep.");
    assert!(!json.to_string().contains("Secret plans"));
    // The page links its feed; the reader's copy and images stay the owner's.
    assert!(html.contains("/bookmarks/feed.json"));
    assert!(!html.contains("/admin/bookmarks/files/"));

    // Made private again, it is gone at once (the page cache knows).
    let r = admin.post_form(
        &format!("/admin/bookmarks/{shared}"),
        &[
            ("csrf", &csrf),
            ("title", "A page worth sharing"),
            ("tags", ""),
            ("note", ""),
        ],
    );
    assert_eq!(r.status, 303);
    assert_eq!(visitor.get("/bookmarks/").status, 404);
    assert_eq!(visitor.get("/bookmarks/feed.json").status, 404);
}

// Import.

const FIREFOX: &str = include_str!("fixtures/bookmarks/firefox.html");
const CHROMIUM: &str = include_str!("fixtures/bookmarks/chromium.html");
const POCKET: &str = include_str!("fixtures/bookmarks/pocket.csv");

/// Runs `porch import` on a data folder; its success and what it said.
fn porch_import(data: &std::path::Path, file: &std::path::Path) -> (bool, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_porch"))
        .args(["import", "--data"])
        .arg(data)
        .arg(file)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A bookmark of the database at `data` as (title, tags, unread, created_at, note).
fn imported(data: &std::path::Path, url: &str) -> Option<(String, String, bool, i64, String)> {
    let db = rusqlite::Connection::open(data.join("porch.db")).unwrap();
    db.query_row(
        "SELECT b.title, coalesce((SELECT group_concat(tag, ',') FROM
             (SELECT tag FROM bookmark_tags t WHERE t.bookmark_id = b.id ORDER BY tag COLLATE NOCASE)), ''),
             b.unread, b.created_at, b.note
         FROM bookmarks b WHERE b.url = ?1",
        [url],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
    )
    .ok()
}

fn count_in(data: &std::path::Path, sql: &str) -> i64 {
    let db = rusqlite::Connection::open(data.join("porch.db")).unwrap();
    db.query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn porch_import_reads_firefox_chromium_and_pocket_files_once_and_spaces_the_copies() {
    // No server runs on this folder: the copies stay queued, and nothing is fetched.
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let files = dir.path();
    for (name, body) in [
        ("firefox.html", FIREFOX),
        ("chromium.html", CHROMIUM),
        ("pocket.csv", POCKET),
    ] {
        std::fs::write(files.join(name), body).unwrap();
    }

    let (ok, said) = porch_import(&data, &files.join("firefox.html"));
    assert!(ok, "{said}");
    assert!(
        said.contains(
            "14 bookmarks of the Netscape bookmark file read: 12 added, 0 saved before, 2 skipped."
        ),
        "{said}"
    );
    assert!(said.contains("Bookmark 8: place:"), "{said}");
    assert!(said.contains("Bookmark 11: javascript:"), "{said}");
    // Folders became tags (the toolbar and "Other Bookmarks" roots did not), with the file's
    // own tags; entities are decoded; the date is the file's.
    let (title, tags, unread, created, _) =
        imported(&data, "https://soups.example.com/miso").expect("the miso soup");
    assert!(!title.is_empty());
    assert!(tags.split(',').any(|t| t == "Soups"), "{tags}");
    assert!(
        !tags.contains("Bookmarks Toolbar") && !tags.contains("Other Bookmarks"),
        "{tags}"
    );
    assert!(!unread, "a browser's bookmark is not a reading list's");
    assert!(
        created > 1_000_000_000 && created < 2_000_000_000,
        "{created}"
    );
    assert!(
        imported(
            &data,
            "https://cooking.example.org/bread?type=rye&hydration=75"
        )
        .is_some(),
        "&amp; decoded"
    );

    let (ok, said) = porch_import(&data, &files.join("chromium.html"));
    assert!(ok, "{said}");
    assert!(said.contains("9 added"), "{said}");
    let (ok, said) = porch_import(&data, &files.join("pocket.csv"));
    assert!(ok, "{said}");
    assert!(
        said.contains("of the Pocket export read: 8 added"),
        "{said}"
    );
    assert!(said.contains("Row 6:"), "{said}");
    assert!(said.contains("Row 7: This row has no url."), "{said}");
    let (_, tags, unread, created, _) =
        imported(&data, "https://food.example.com/bbj").expect("bread, butter and jam");
    assert_eq!(tags, "baking,food", "split on |, each once");
    assert!(!unread, "archive is read");
    assert_eq!(created, 1_700_000_100);
    let (title, ..) = imported(&data, "https://food.example.com/bbj").unwrap();
    assert_eq!(title, "Bread, butter and jam");

    // Again: nothing new, nothing queued twice.
    let total = count_in(&data, "SELECT count(*) FROM bookmarks");
    assert_eq!(total, 29);
    let (ok, said) = porch_import(&data, &files.join("firefox.html"));
    assert!(ok, "{said}");
    assert!(said.contains("0 added, 12 saved before"), "{said}");
    assert_eq!(count_in(&data, "SELECT count(*) FROM bookmarks"), total);
    assert_eq!(
        count_in(
            &data,
            "SELECT count(*) FROM jobs WHERE kind = 'archive_bookmark'"
        ),
        total
    );
    // Each copy is queued two seconds after the one before, across the three imports; nothing
    // else is queued (no post, no delivery, no mail).
    let db = rusqlite::Connection::open(data.join("porch.db")).unwrap();
    let times: Vec<i64> = db
        .prepare("SELECT run_at FROM jobs WHERE kind = 'archive_bookmark' ORDER BY run_at")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(times.windows(2).all(|w| w[1] - w[0] == 2), "{times:?}");
    assert_eq!(
        count_in(
            &data,
            "SELECT count(*) FROM jobs WHERE kind <> 'archive_bookmark'"
        ),
        0
    );
    assert_eq!(count_in(&data, "SELECT count(*) FROM posts"), 0);

    // A file that is no bookmark file (nor a library export) changes nothing and says why.
    std::fs::write(files.join("notes.txt"), "Just some notes\nabout nothing\n").unwrap();
    let (ok, said) = porch_import(&data, &files.join("notes.txt"));
    assert!(!ok);
    assert!(said.contains("Netscape HTML"), "{said}");
    assert_eq!(count_in(&data, "SELECT count(*) FROM bookmarks"), total);
}

/// A Netscape file of article-site pages, in a folder.
fn site_bookmarks(site: &ArticleSite, slugs: &[&str]) -> String {
    let links: String = slugs
        .iter()
        .map(|slug| {
            format!(
                "<DT><A HREF=\"{}\" ADD_DATE=\"1600000000\" TOREAD=\"1\">{slug}</A>\n",
                site.url(&format!("/page/{slug}"))
            )
        })
        .collect();
    format!(
        "<!DOCTYPE NETSCAPE-Bookmark-file-1>\n<META HTTP-EQUIV=\"Content-Type\" \
         CONTENT=\"text/html; charset=UTF-8\">\n<TITLE>Bookmarks</TITLE>\n<H1>Bookmarks</H1>\n\
         <DL><p>\n<DT><H3>Reading</H3>\n<DL><p>\n{links}</DL><p>\n</DL><p>\n"
    )
}

#[test]
fn a_file_uploaded_in_the_panel_is_imported_once_and_its_pages_are_kept_politely() {
    let (server, site) = archiving();
    let admin = server.admin();
    let screen = admin.get("/admin/bookmarks/import");
    assert_eq!(screen.status, 200);
    let file = site_bookmarks(&site, &["first-read", "second-read", "third-read"]);
    let html = common::import_in_panel(
        &server,
        &admin,
        "/admin/bookmarks/import",
        "bookmarks.html",
        &file,
    );
    assert!(
        html.contains("Done: 3 rows of the Netscape bookmark file read."),
        "{html}"
    );
    assert!(html.contains("<dt>Added</dt><dd>3</dd>"), "{html}");
    let reading = list(&admin, "?tag=Reading");
    for slug in ["first-read", "second-read", "third-read"] {
        assert!(reading.contains(slug), "{reading}");
    }
    // The copies come one after another, a couple of seconds apart, and each is kept.
    wait_until("the imported pages to be kept", || {
        number(
            &server,
            "SELECT count(*) FROM bookmarks WHERE archive_state = 'archived'",
            [],
        ) == 3
    });
    let kept: Vec<i64> = server
        .app
        .db
        .read_blocking(|c| {
            Ok(
                c.prepare("SELECT archived_at FROM bookmarks ORDER BY archived_at")?
                    .query_map([], |r| r.get(0))?
                    .collect::<Result<_, _>>()?,
            )
        })
        .unwrap();
    assert!(kept[2] - kept[0] >= 3, "spaced out: {kept:?}");
    // The kept pages are searched: "about third read" is only in the page.
    let found = admin.get("/admin/bookmarks?q=about+third").text();
    assert!(
        found.contains("third-read") && !found.contains("first-read"),
        "{found}"
    );

    // The same file again adds nothing and queues nothing.
    let html = common::import_in_panel(
        &server,
        &admin,
        "/admin/bookmarks/import",
        "bookmarks.html",
        &file,
    );
    assert!(html.contains("<dt>Saved before</dt><dd>3</dd>"), "{html}");
    assert_eq!(bookmarks(&server), 3);
    assert_eq!(
        number(
            &server,
            "SELECT count(*) FROM jobs WHERE kind = 'archive_bookmark'",
            []
        ),
        0
    );
    // `porch import` into the folder this server runs on: the server shows it at once, and its
    // copy is queued for the server's worker (which looks at the queue at least every 30 s).
    let dir = tempfile::tempdir().unwrap();
    let more = dir.path().join("more.html");
    std::fs::write(&more, site_bookmarks(&site, &["fourth-read"])).unwrap();
    let (ok, said) = porch_import(&server.data, &more);
    assert!(ok && said.contains("1 added"), "{said}");
    assert!(list(&admin, "").contains("fourth-read"));
    assert_eq!(
        number(
            &server,
            "SELECT count(*) FROM jobs WHERE kind = 'archive_bookmark' AND status = 'queued'",
            [],
        ),
        1
    );

    // A file Porch does not read is refused at once, with the reason; nothing is recorded.
    let csrf = admin.csrf();
    let r = admin.post_multipart(
        "/admin/bookmarks/import",
        &[("csrf", &csrf)],
        &[("file", "notes.txt", b"Nothing to see here.\n".as_slice())],
    );
    assert_eq!(r.status, 400);
    assert!(
        r.text().contains("neither a Netscape bookmark file"),
        "{}",
        r.text()
    );
    assert_eq!(number(&server, "SELECT count(*) FROM imports", []), 2);
    // Without the token, nothing.
    let r = admin.post_multipart(
        "/admin/bookmarks/import",
        &[("csrf", "forged")],
        &[("file", "bookmarks.html", file.as_bytes())],
    );
    assert_eq!(r.status, 403);
    // Exports from the panel: the Netscape file and the JSON.
    let html = admin.get("/admin/bookmarks/export.html");
    assert_eq!(html.status, 200);
    assert!(
        html.text()
            .starts_with("<!DOCTYPE NETSCAPE-Bookmark-file-1>")
    );
    let json = admin.get("/admin/bookmarks/export.json");
    assert_eq!(json.status, 200);
    let json: serde_json::Value = serde_json::from_slice(&json.body).unwrap();
    assert_eq!(json["bookmarks"].as_array().unwrap().len(), 4);
    assert_eq!(
        server.client().get("/admin/bookmarks/export.json").status,
        303
    );
}

// Export.

#[test]
fn porch_export_bookmarks_writes_a_netscape_file_that_parsers_read_back() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let first = add(
        &admin,
        "https://one.example/a?utm_source=x",
        "Tom & Jerry <classic> \"quoted\"",
        "cartoons, Old",
    );
    let csrf = admin.csrf();
    let note = save(
        &admin,
        &[
            ("csrf", &csrf),
            ("url", "https://two.example/b"),
            ("title", ""),
            ("tags", ""),
            ("note", "Read <this> & that"),
        ],
    );
    assert_eq!(note.status, 303, "{}", note.text());
    let read = admin.post_form(
        &format!("/admin/bookmarks/{first}/read"),
        &[("csrf", &csrf), ("unread", "0")],
    );
    assert_eq!(read.status, 303);

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("bookmarks.html");
    assert!(common::porch_export("bookmarks", &server.data, &out));
    let file = std::fs::read_to_string(&out).unwrap();
    assert!(
        file.starts_with("<!DOCTYPE NETSCAPE-Bookmark-file-1>"),
        "{file}"
    );
    assert!(file.contains(r#"CONTENT="text/html; charset=UTF-8""#));
    let doc = Html::parse_document(&file);
    let links = select(&doc, "dt > a");
    assert_eq!(links.len(), 2, "{file}");
    // Newest first: the second saved is first.
    let second = links[0].value();
    assert_eq!(second.attr("href"), Some("https://two.example/b"));
    assert_eq!(second.attr("toread"), Some("1"));
    assert_eq!(second.attr("private"), Some("1"));
    assert_eq!(
        text_of(&links[0]),
        "https://two.example/b",
        "no title: the link"
    );
    let one = links[1].value();
    assert_eq!(
        one.attr("href"),
        Some("https://one.example/a?utm_source=x"),
        "as saved"
    );
    assert_eq!(one.attr("tags"), Some("cartoons,Old"));
    assert_eq!(one.attr("toread"), Some("0"));
    let saved_at = number(
        &server,
        &format!("SELECT created_at FROM bookmarks WHERE id = {first}"),
        [],
    );
    assert_eq!(one.attr("add_date"), Some(saved_at.to_string().as_str()));
    assert_eq!(text_of(&links[1]), "Tom & Jerry <classic> \"quoted\"");
    let notes = select(&doc, "dd");
    assert_eq!(notes.len(), 1, "{file}");
    assert_eq!(text_of(&notes[0]).trim(), "Read <this> & that");

    // Round trip: the file imported into an empty site gives the same bookmarks, the public one
    // public (`PRIVATE="0"`), the rest private.
    let csrf = admin.csrf();
    let shared = admin.post_form(
        &format!("/admin/bookmarks/{first}"),
        &[
            ("csrf", &csrf),
            ("title", "Tom & Jerry <classic> \"quoted\""),
            ("tags", "cartoons, Old"),
            ("note", ""),
            ("public", "1"),
        ],
    );
    assert_eq!(shared.status, 303);
    assert!(common::porch_export("bookmarks", &server.data, &out));
    let elsewhere = dir.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let (ok, said) = porch_import(&elsewhere, &out);
    assert!(ok, "{said}");
    assert!(said.contains("2 added"), "{said}");
    let rows =
        |db: &rusqlite::Connection| -> Vec<(String, String, String, i64, bool, bool, String)> {
            db.prepare(
                "SELECT b.url, b.title, coalesce((SELECT group_concat(tag, ',') FROM
                 (SELECT tag FROM bookmark_tags t WHERE t.bookmark_id = b.id
                  ORDER BY tag COLLATE NOCASE)), ''),
                 b.created_at, b.unread, b.public, b.note
             FROM bookmarks b ORDER BY b.url",
            )
            .unwrap()
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
        };
    let original = server.app.db.read_blocking(|c| Ok(rows(c))).unwrap();
    let copied = rows(&rusqlite::Connection::open(elsewhere.join("porch.db")).unwrap());
    // A bookmark without a title is written with its link for one; it comes back so titled.
    let untitled = |mut r: Vec<(String, String, String, i64, bool, bool, String)>| {
        for row in &mut r {
            if row.1.is_empty() {
                row.1 = row.0.clone();
            }
        }
        r
    };
    assert_eq!(untitled(copied), untitled(original));
    assert_eq!(
        count_in(
            &elsewhere,
            "SELECT count(*) FROM bookmarks WHERE public = 1"
        ),
        1
    );
}
