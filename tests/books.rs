//! The bookshelf, driven over HTTP as the owner and visitors use it, with a stand-in Open
//! Library on loopback: adding by ISBN, by search and by hand (also with no network), covers
//! fetched once and served locally, statuses and dates, goals, custom shelves, the public pages
//! read by a microformats parser, the shelf feeds, and privacy.

mod common;

use common::federation::{number, wait_until};
use common::open_library::*;
use common::{Client, TestServer, csrf_in, jpeg};

fn bookshelf() -> (TestServer, OpenLibrary) {
    let library = OpenLibrary::start(jpeg(600, 900));
    let base = library.base.clone();
    let server = TestServer::with_owner_configured(|config| {
        config.books_lookup_url = base.clone();
        config.books_covers_url = base;
    });
    (server, library)
}

/// The book id in a redirect to its panel page (`/admin/books/7?done=…`).
fn book_id(location: &str) -> i64 {
    location
        .strip_prefix("/admin/books/")
        .and_then(|rest| rest.split('?').next())
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("not a book's page: {location:?}"))
}

fn books(server: &TestServer) -> i64 {
    number(server, "SELECT count(*) FROM books", [])
}

fn add_isbn(admin: &Client, isbn: &str, status: &str) -> common::Resp {
    let csrf = admin.csrf();
    admin.post_form(
        "/admin/books/isbn",
        &[("csrf", &csrf), ("isbn", isbn), ("status", status)],
    )
}

/// Waits until the cover job for `id` has done what it will (fetched, or found none).
fn cover_settled(server: &TestServer, id: i64) -> String {
    wait_until("the cover job to finish", || {
        number(
            server,
            "SELECT count(*) FROM books WHERE id = ?1 AND cover_state <> 'pending'",
            [id],
        ) == 1
    });
    server
        .app
        .db
        .read_blocking(|c| {
            Ok(
                c.query_row("SELECT cover_state FROM books WHERE id = ?1", [id], |r| {
                    r.get(0)
                })?,
            )
        })
        .unwrap()
}

/// A book typed in by hand (multipart, as the browser sends it).
fn add_by_hand(admin: &Client, fields: &[(&str, &str)], cover: Option<&[u8]>) -> common::Resp {
    let csrf = admin.csrf();
    let mut all = vec![("csrf", csrf.as_str())];
    all.extend_from_slice(fields);
    let files: Vec<(&str, &str, &[u8])> = cover
        .map(|c| vec![("cover", "cover.jpg", c)])
        .unwrap_or_default();
    admin.post_multipart("/admin/books", &all, &files)
}

#[test]
fn an_isbn_10_is_looked_up_kept_as_isbn_13_and_its_cover_is_served_from_this_site() {
    let (server, library) = bookshelf();
    let admin = server.admin();
    let r = add_isbn(&admin, DUNE_ISBN10, "finished");
    assert_eq!(r.status, 303, "{}", r.text());
    let id = book_id(r.location());
    assert!(r.location().ends_with("done=book_added"));

    let page = admin.get(&format!("/admin/books/{id}"));
    let html = page.text();
    assert!(html.contains("value=\"Dune\""), "{html}");
    assert!(html.contains("Frank Herbert"));
    assert!(html.contains(DUNE_ISBN13));
    assert!(html.contains("Ace Books"));
    assert!(html.contains("value=\"535\""));

    assert_eq!(cover_settled(&server, id), "fetched");
    assert_eq!(library.count(&format!("/b/id/{DUNE_COVER_ID}-L.jpg")), 1);
    let public = server.client().get(&format!("/books/{DUNE_ISBN13}/"));
    assert_eq!(public.status, 200);
    let html = public.text();
    let cover = html
        .split("class=\"u-photo book-cover\" src=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the book page shows a cover");
    assert!(cover.starts_with(&server.url("/uploads/")), "{cover}");
    assert!(!html.contains(&library.base), "no page names Open Library");
    assert_eq!(server.client().get(&cover[server.base.len()..]).status, 200);

    // Page views never ask Open Library for anything.
    let asked = library.requests().len();
    server.client().get("/books/");
    server.client().get("/books/finished/feed.json");
    assert_eq!(library.requests().len(), asked);
}

#[test]
fn a_bad_check_digit_is_refused_with_a_message_and_adds_nothing() {
    let (server, library) = bookshelf();
    let admin = server.admin();
    let r = add_isbn(&admin, "0-441-17271-8", "want-to-read");
    assert_eq!(r.status, 400);
    assert!(
        r.header("content-type")
            .unwrap_or("")
            .starts_with("text/html")
    );
    let html = r.text();
    assert!(html.contains("check digit"), "{html}");
    assert!(html.contains("aria-invalid=\"true\""));
    assert_eq!(books(&server), 0);
    assert!(library.requests().is_empty());
}

#[test]
fn the_same_book_is_looked_up_once_and_added_once() {
    let (server, library) = bookshelf();
    let admin = server.admin();
    let first = add_isbn(&admin, DUNE_ISBN13, "want-to-read");
    let again = add_isbn(&admin, DUNE_ISBN10, "reading");
    assert_eq!(book_id(first.location()), book_id(again.location()));
    assert!(again.location().ends_with("done=book_exists"));
    assert_eq!(books(&server), 1);
    assert_eq!(library.count(&format!("/isbn/{DUNE_ISBN13}.json")), 1);
    assert_eq!(library.count("/authors/OL79034A.json"), 1);
}

#[test]
fn an_edition_without_authors_takes_its_works_and_a_cover_is_fetched_by_isbn() {
    let (server, library) = bookshelf();
    let admin = server.admin();
    let r = add_isbn(&admin, CRIME_ISBN13, "reading");
    let id = book_id(r.location());
    let html = admin.get(&format!("/admin/books/{id}")).text();
    assert!(html.contains("Fyodor Dostoevsky"), "{html}");
    assert_eq!(cover_settled(&server, id), "fetched");
    assert_eq!(library.count(&format!("/b/isbn/{CRIME_ISBN13}-L.jpg")), 1);
}

#[test]
fn an_isbn_open_library_does_not_know_or_answers_too_late_opens_the_form_to_type_it_in() {
    let (server, _library) = bookshelf();
    let admin = server.admin();
    for (isbn, said) in [
        (UNKNOWN_ISBN13, "does not know this ISBN"),
        // Answered only after the lookup's timeout: the owner is not kept waiting.
        (SLOW_ISBN13, "could not be reached"),
    ] {
        let r = add_isbn(&admin, isbn, "want-to-read");
        assert_eq!(r.status, 200);
        let html = r.text();
        assert!(html.contains(said), "{html}");
        assert!(html.contains(&format!("value=\"{isbn}\"")));
    }
    assert_eq!(books(&server), 0);
}

#[test]
fn with_no_network_a_book_is_typed_in_with_an_uploaded_cover() {
    // The default test configuration sends lookups to a closed port.
    let server = TestServer::with_owner();
    let admin = server.admin();
    let r = add_isbn(&admin, DUNE_ISBN13, "want-to-read");
    assert!(r.text().contains("could not be reached"));
    let r = add_by_hand(
        &admin,
        &[
            ("title", "The Left Hand of Darkness"),
            ("authors", "Ursula K. Le Guin\n"),
            ("isbn", "978-0-441-47812-5"),
            ("publisher", "Ace"),
            ("year", "1969"),
            ("pages", "304"),
            ("status", "reading"),
            ("started_on", "2026-01-04"),
        ],
        Some(&jpeg(400, 600)),
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let id = book_id(r.location());
    assert_eq!(
        number(
            &server,
            "SELECT count(*) FROM books WHERE id = ?1 AND cover_state = 'fetched'
                 AND cover_media_id IS NOT NULL AND isbn13 = '9780441478125'",
            [id]
        ),
        1
    );
    let page = server.client().get("/books/9780441478125/");
    assert_eq!(page.status, 200);
    assert!(page.text().contains("/uploads/"));
    // Nothing is queued to fetch a cover the owner gave.
    assert_eq!(
        number(
            &server,
            "SELECT count(*) FROM jobs WHERE kind = 'fetch_book_cover'",
            []
        ),
        0
    );
}

#[test]
fn a_form_with_a_bad_field_comes_back_with_what_was_typed_and_changes_nothing() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    for (field, value, message) in [
        ("title", "", "A title needs"),
        ("isbn", "12345", "10 or 13"),
        ("started_on", "yesterday", "is not a date"),
        ("rating", "7", "1 to 5 stars"),
        ("pages", "many", "must be a number"),
    ] {
        let mut fields = vec![
            ("title", "Piranesi"),
            ("authors", "Susanna Clarke"),
            ("notes", "kept as typed"),
            ("status", "reading"),
        ];
        fields.retain(|(k, _)| *k != field);
        fields.push((field, value));
        let r = add_by_hand(&admin, &fields, None);
        assert_eq!(r.status, 400, "{field}");
        let html = r.text();
        assert!(html.contains(message), "{field}: {html}");
        assert!(html.contains("kept as typed"), "{field}");
        assert!(
            html.contains("<nav aria-label=\"Admin\""),
            "the panel is around it"
        );
    }
    assert_eq!(books(&server), 0);
}

#[test]
fn search_results_are_added_and_a_missing_cover_leaves_the_book_without_one() {
    let (server, library) = bookshelf();
    let admin = server.admin();
    let page = admin.get("/admin/books?q=dune");
    let html = page.text();
    assert!(html.contains("Dune Messiah"), "{html}");
    assert!(html.contains("1965"));
    let csrf = csrf_in(&html);
    let r = admin.post_form(
        "/admin/books/found",
        &[
            ("csrf", &csrf),
            ("key", "/works/OL893502W"),
            ("title", "Dune Messiah"),
            ("authors", "Frank Herbert"),
            ("year", "1969"),
            ("isbn13", ""),
            ("cover_id", &MISSING_COVER_ID.to_string()),
            ("pages", ""),
            ("status", "want-to-read"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let id = book_id(r.location());
    assert_eq!(cover_settled(&server, id), "missing");
    assert_eq!(library.count(&format!("/b/id/{MISSING_COVER_ID}-L.jpg")), 1);
    assert_eq!(
        number(
            &server,
            "SELECT count(*) FROM jobs WHERE kind = 'fetch_book_cover'",
            []
        ),
        0,
        "a missing cover is not asked for again"
    );
    // The search was asked once, and a second search for it comes from the cache.
    admin.get("/admin/books?q=dune");
    assert_eq!(library.count("/search.json"), 1);
}

#[test]
fn moving_a_book_records_its_dates_and_finished_books_count_toward_the_goal() {
    let (server, _library) = bookshelf();
    let admin = server.admin();
    let id = book_id(add_isbn(&admin, DUNE_ISBN13, "want-to-read").location());
    let csrf = admin.csrf();
    let year = chrono::Utc::now().format("%Y").to_string();
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let r = admin.post_form(
        "/admin/books/goals",
        &[("csrf", &csrf), ("year", &year), ("target", "2")],
    );
    assert_eq!(r.status, 303);

    let mv = |status: &str| {
        admin.post_form(
            &format!("/admin/books/{id}/move"),
            &[("csrf", &csrf), ("status", status)],
        )
    };
    assert_eq!(mv("currently-reading").status, 303);
    let dates = |server: &TestServer| -> (Option<String>, Option<String>) {
        server
            .app
            .db
            .read_blocking(|c| {
                Ok(c.query_row(
                    "SELECT started_on, finished_on FROM books WHERE id = ?1",
                    [id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?)
            })
            .unwrap()
    };
    assert_eq!(dates(&server), (Some(today.clone()), None));
    assert_eq!(mv("finished").status, 303);
    assert_eq!(dates(&server), (Some(today.clone()), Some(today.clone())));
    assert_eq!(mv("shelved").status, 400);

    let panel = admin.get("/admin/books").text();
    assert!(
        panel.contains(&format!("<strong>1 of 2</strong> books finished in {year}")),
        "{panel}"
    );
    let goals = server.client().get("/books/goals/").text();
    assert!(
        goals.contains(&format!("<td>{year}</td><td>1</td><td>2</td>")),
        "{goals}"
    );
    // A finished date edited into last year counts there, not here.
    let last = (year.parse::<i32>().unwrap() - 1).to_string();
    let edit = admin.post_multipart(
        &format!("/admin/books/{id}"),
        &[
            ("csrf", &csrf),
            ("title", "Dune"),
            ("authors", "Frank Herbert"),
            ("isbn", DUNE_ISBN13),
            ("status", "finished"),
            ("started_on", &format!("{last}-11-02")),
            ("finished_on", &format!("{last}-12-30")),
        ],
        &[],
    );
    assert_eq!(edit.status, 303, "{}", edit.text());
    let goals = server.client().get("/books/goals/").text();
    assert!(
        goals.contains(&format!("<td>{last}</td><td>1</td>")),
        "{goals}"
    );
    assert!(
        goals.contains(&format!("<td>{year}</td><td>0</td><td>2</td>")),
        "{goals}"
    );
}

#[test]
fn custom_shelves_hold_books_beside_their_status_and_deleting_one_keeps_its_books() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let csrf = admin.csrf();
    for name in ["Science fiction", "Book club"] {
        let r = admin.post_form(
            "/admin/books/shelves",
            &[("csrf", &csrf), ("name", name), ("public", "1")],
        );
        assert_eq!(r.status, 303, "{}", r.text());
    }
    let dup = admin.post_form(
        "/admin/books/shelves",
        &[("csrf", &csrf), ("name", "science fiction")],
    );
    assert_eq!(dup.status, 400);
    let shelf_id = |name: &str| {
        number(
            &server,
            "SELECT id FROM book_shelves WHERE name = ?1",
            [name],
        )
        .to_string()
    };
    let (scifi, club) = (shelf_id("Science fiction"), shelf_id("Book club"));
    let r = add_by_hand(
        &admin,
        &[
            ("title", "Dune"),
            ("authors", "Frank Herbert"),
            ("status", "finished"),
            ("finished_on", "2026-01-10"),
            ("shelf", &scifi),
            ("shelf", &club),
        ],
        None,
    );
    let id = book_id(r.location());
    assert_eq!(
        number(
            &server,
            "SELECT count(*) FROM book_shelf_books WHERE book_id = ?1",
            [id]
        ),
        2
    );
    let page = server.client().get("/books/science-fiction/");
    assert_eq!(page.status, 200);
    assert!(page.text().contains("Dune"));

    // Renamed, it keeps its address; made private, visitors no longer see it.
    let r = admin.post_form(
        &format!("/admin/books/shelves/{scifi}"),
        &[("csrf", &csrf), ("name", "SF")],
    );
    assert_eq!(r.status, 303);
    assert_eq!(server.client().get("/books/science-fiction/").status, 404);
    assert!(
        admin
            .get("/admin/books?shelf=science-fiction")
            .text()
            .contains("Dune")
    );

    let r = admin.post_form(
        &format!("/admin/books/shelves/{club}/delete"),
        &[("csrf", &csrf)],
    );
    assert_eq!(r.status, 303);
    assert_eq!(books(&server), 1);
    assert_eq!(server.client().get("/books/book-club/").status, 404);
}

#[test]
fn private_shelves_notes_and_ratings_appear_on_no_public_page_or_feed() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let csrf = admin.csrf();
    add_by_hand(
        &admin,
        &[
            ("title", "Gave Up On This"),
            ("authors", "Someone Private"),
            ("status", "did-not-finish"),
            ("notes", "DNF-SECRET-NOTE"),
        ],
        None,
    );
    add_by_hand(
        &admin,
        &[
            ("title", "Finished And Rated"),
            ("authors", "Someone Public"),
            ("status", "finished"),
            ("finished_on", "2026-02-01"),
            ("rating", "4.5"),
            ("notes", "FINISHED-SECRET-NOTE"),
        ],
        None,
    );
    admin.post_form(
        "/admin/books/shelves",
        &[("csrf", &csrf), ("name", "Guilty pleasures")],
    );
    let visitor = server.client();
    let mut seen = String::new();
    for path in [
        "/books/",
        "/books/finished/",
        "/books/finished/feed.json",
        "/books/currently-reading/feed.json",
        "/books/want-to-read/",
        "/books/finished-and-rated/",
        "/books/goals/",
        "/feed.json",
        "/feed.xml",
        "/search/?q=SECRET",
        "/search/?q=Private",
        "/sitemap.xml",
    ] {
        let r = visitor.get(path);
        assert_eq!(r.status, 200, "{path}");
        seen.push_str(&r.text());
    }
    assert!(seen.contains("Finished And Rated"));
    for private in [
        "SECRET-NOTE",
        "Gave Up On This",
        "Someone Private",
        "4.5",
        "Guilty",
    ] {
        assert!(!seen.contains(private), "{private} is public");
    }
    for path in [
        "/books/did-not-finish/",
        "/books/did-not-finish/feed.json",
        "/books/gave-up-on-this/",
        "/books/guilty-pleasures/",
        "/books/guilty-pleasures/feed.json",
    ] {
        assert_eq!(visitor.get(path).status, 404, "{path}");
    }
    let actor = visitor.get_with("/actor", &[("Accept", "application/activity+json")]);
    assert!(!actor.text().contains("SECRET"));

    // The owner may make Did not finish public; notes and ratings stay private.
    admin.post_form(
        "/admin/books/shelves/visibility",
        &[
            ("csrf", &csrf),
            ("public", "finished"),
            ("public", "did-not-finish"),
        ],
    );
    let page = visitor.get("/books/did-not-finish/");
    assert_eq!(page.status, 200);
    assert!(page.text().contains("Gave Up On This"));
    assert!(!page.text().contains("DNF-SECRET-NOTE"));
    assert_eq!(visitor.get("/books/currently-reading/").status, 404);
}

#[test]
fn the_bookshelf_pages_parse_as_h_cites_with_name_author_photo_and_isbn() {
    let (server, _library) = bookshelf();
    let admin = server.admin();
    let id = book_id(add_isbn(&admin, DUNE_ISBN13, "reading").location());
    cover_settled(&server, id);
    for path in ["/books/", &format!("/books/{DUNE_ISBN13}/")] {
        let url = server.url(path);
        let html = server.client().get(path).text();
        let doc = microformats::from_html(&html, &url.parse().unwrap()).unwrap();
        let json = serde_json::to_value(&doc).unwrap();
        let items = json["items"].as_array().unwrap();
        let cite = items
            .iter()
            .find(|i| i["type"][0] == "h-cite")
            .unwrap_or_else(|| panic!("{path}: no h-cite in {json}"));
        let props = &cite["properties"];
        assert_eq!(props["name"][0], "Dune", "{path}");
        assert_eq!(
            props["author"][0]["properties"]["name"][0], "Frank Herbert",
            "{path}"
        );
        assert_eq!(props["uid"][0], format!("urn:isbn:{DUNE_ISBN13}"), "{path}");
        let photo = props["photo"][0]
            .as_str()
            .or_else(|| props["photo"][0]["value"].as_str())
            .unwrap_or_default();
        assert!(
            photo.starts_with(&server.url("/uploads/")),
            "{path}: {photo}"
        );
    }
}

#[test]
fn each_public_shelf_has_a_json_feed_of_its_books() {
    let (server, _library) = bookshelf();
    let admin = server.admin();
    let id = book_id(add_isbn(&admin, DUNE_ISBN13, "finished").location());
    cover_settled(&server, id);
    let r = server.client().get("/books/finished/feed.json");
    assert_eq!(r.status, 200);
    assert!(
        r.header("content-type")
            .unwrap()
            .starts_with("application/feed+json")
    );
    let feed = r.json();
    assert_eq!(feed["version"], "https://jsonfeed.org/version/1.1");
    assert_eq!(feed["feed_url"], server.url("/books/finished/feed.json"));
    let item = &feed["items"][0];
    assert_eq!(item["title"], "Dune");
    assert_eq!(item["content_html"], "Dune by Frank Herbert");
    assert_eq!(item["authors"][0]["name"], "Frank Herbert");
    assert_eq!(item["url"], server.url(&format!("/books/{DUNE_ISBN13}/")));
    assert_eq!(item["id"], item["url"]);
    assert!(
        item["image"]
            .as_str()
            .unwrap()
            .starts_with(&server.url("/uploads/"))
    );
    assert_eq!(item["_porch"]["isbn"], DUNE_ISBN13);
    assert!(item["date_published"].as_str().unwrap().ends_with('Z'));
    // The shelf page advertises it.
    let page = server.client().get("/books/finished/").text();
    assert!(page.contains(&format!(
        "type=\"application/feed+json\" title=\"Finished reading (JSON Feed)\" href=\"{}\"",
        server.url("/books/finished/feed.json")
    )));
}

#[test]
fn a_cover_in_use_by_a_book_cannot_be_deleted_from_the_media_library() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    add_by_hand(
        &admin,
        &[("title", "Covered"), ("status", "want-to-read")],
        Some(&jpeg(300, 450)),
    );
    let media = number(&server, "SELECT cover_media_id FROM books", []);
    let csrf = admin.csrf();
    let r = admin.post_form(&format!("/admin/media/{media}/delete"), &[("csrf", &csrf)]);
    assert!(r.location().contains("error=in_use"), "{}", r.location());
    assert_eq!(number(&server, "SELECT count(*) FROM media", []), 1);
}

const GOODREADS_OLD: &str = include_str!("fixtures/books/goodreads_old.csv");
const STORYGRAPH: &str = include_str!("fixtures/books/storygraph.csv");

#[test]
fn a_goodreads_export_is_imported_from_the_panel_with_a_summary_and_never_twice() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let html = common::import_in_panel(
        &server,
        &admin,
        "/admin/books/import",
        "goodreads_library_export.csv",
        GOODREADS_OLD,
    );
    assert!(
        html.contains("Done: 8 rows of the Goodreads export read."),
        "{html}"
    );
    assert!(html.contains("<dt>Added</dt><dd>7</dd>"), "{html}");
    assert!(html.contains("<dt>Skipped</dt><dd>1</dd>"));
    assert!(html.contains("Row "), "the skipped row is named: {html}");
    assert_eq!(books(&server), 7);
    // Statuses, dates, ratings, notes and shelves as Goodreads had them.
    assert_eq!(
        number(
            &server,
            "SELECT count(*) FROM books WHERE isbn13 = '9780441172719' AND status = 'finished'
                 AND finished_on = '2019-08-14' AND rating = 20 AND notes LIKE 'A desert planet%'",
            []
        ),
        1
    );
    assert_eq!(
        number(
            &server,
            "SELECT count(*) FROM books WHERE status = 'did-not-finish'",
            []
        ),
        1
    );
    assert_eq!(
        number(
            &server,
            "SELECT count(*) FROM book_shelves WHERE name IN ('sci-fi', 'favorites', 'doorstoppers')",
            []
        ),
        3
    );
    // Nothing was posted, federated or mailed: the only work queued is fetching covers.
    assert_eq!(number(&server, "SELECT count(*) FROM posts", []), 0);
    assert_eq!(
        number(
            &server,
            "SELECT count(*) FROM jobs WHERE kind NOT IN ('fetch_book_cover', 'import_books', 'housekeeping')",
            []
        ),
        0
    );
    // The same file again adds nothing.
    let again = common::import_in_panel(
        &server,
        &admin,
        "/admin/books/import",
        "again.csv",
        GOODREADS_OLD,
    );
    assert!(again.contains("<dt>Added</dt><dd>0</dd>"), "{again}");
    assert!(again.contains("<dt>Already on your shelf</dt><dd>7</dd>"));
    assert_eq!(books(&server), 7);
    // The uploaded files are gone once read.
    let left = std::fs::read_dir(server.data.join("imports"))
        .unwrap()
        .count();
    assert_eq!(left, 0);
}

#[test]
fn a_file_that_is_no_export_is_refused_at_once_and_imports_nothing() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let csrf = admin.csrf();
    let r = admin.post_multipart(
        "/admin/books/import",
        &[("csrf", &csrf)],
        &[("file", "notes.csv", b"name,phone\nAnn,555\n")],
    );
    assert_eq!(r.status, 400);
    let html = r.text();
    assert!(html.contains("neither a Goodreads export"), "{html}");
    assert!(html.contains("<nav aria-label=\"Admin\""));
    assert_eq!(number(&server, "SELECT count(*) FROM imports", []), 0);
    assert_eq!(books(&server), 0);
}

#[test]
fn porch_import_reads_an_export_into_a_folder_a_server_is_running_on() {
    let server = TestServer::with_owner();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("storygraph.csv");
    std::fs::write(&file, STORYGRAPH).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_porch"))
        .args(["import", "--data"])
        .arg(&server.data)
        .arg(&file)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{said}");
    assert!(said.contains("of the StoryGraph export read"), "{said}");
    let added = books(&server);
    assert!(added >= 5, "{said}");
    // The running server shows them (its view of the database is refreshed, not restarted).
    let admin = server.admin();
    wait_until("the server to see the imported books", || {
        let html = admin.get("/admin/books?shelf=finished").text();
        !html.contains("No books on this shelf.")
    });
    // Run again: nothing more.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_porch"))
        .args(["import", "--data"])
        .arg(&server.data)
        .arg(&file)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains(" 0 books added"));
    assert_eq!(books(&server), added);
}

/// The facts a round trip must keep, one line per book, sorted.
fn shelf_facts(server: &TestServer) -> Vec<String> {
    server
        .app
        .db
        .read_blocking(|c| {
            let mut stmt = c.prepare(
                "SELECT b.title, b.authors, coalesce(b.isbn13, ''), b.status,
                        coalesce(b.started_on, ''), coalesce(b.finished_on, ''),
                        coalesce(b.rating, 0), b.notes, coalesce(b.pages, 0), b.publisher,
                        coalesce(b.year, 0),
                        (SELECT group_concat(name, '|') FROM (SELECT s.name FROM book_shelves s
                           JOIN book_shelf_books sb ON sb.shelf_id = s.id
                           WHERE sb.book_id = b.id ORDER BY s.name))
                 FROM books b ORDER BY b.title",
            )?;
            let rows = stmt.query_map([], |r| {
                let mut line = Vec::new();
                for i in 0..12 {
                    let v: rusqlite::types::Value = r.get(i)?;
                    line.push(format!("{v:?}"));
                }
                Ok(line.join(" ; "))
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .unwrap()
}

#[test]
fn an_export_imported_into_an_empty_site_gives_the_same_books_shelves_dates_and_ratings() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    common::import_in_panel(
        &server,
        &admin,
        "/admin/books/import",
        "goodreads.csv",
        GOODREADS_OLD,
    );
    common::import_in_panel(
        &server,
        &admin,
        "/admin/books/import",
        "storygraph.csv",
        STORYGRAPH,
    );
    // A half star, a typed-in book without an ISBN, and notes over several lines.
    add_by_hand(
        &admin,
        &[
            ("title", "Notes From Nowhere, Vol. \"2\""),
            ("authors", "A. Writer\nB. Second"),
            ("status", "finished"),
            ("started_on", "2025-12-01"),
            ("finished_on", "2026-01-02"),
            ("rating", "3.5"),
            ("notes", "first line\nsecond line"),
        ],
        None,
    );
    let before = shelf_facts(&server);
    assert!(before.len() >= 12, "{before:?}");

    let r = admin.get("/admin/books/export.csv");
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").unwrap().starts_with("text/csv"));
    assert!(
        r.header("content-disposition")
            .unwrap()
            .contains("attachment")
    );
    let csv = r.text();
    assert!(csv.starts_with("Book Id,Title,Author,"));
    assert!(csv.contains(",Date Started,Porch Rating"));

    let empty = TestServer::with_owner();
    let other = empty.admin();
    let html = common::import_in_panel(&empty, &other, "/admin/books/import", "books.csv", &csv);
    assert!(
        html.contains(&format!("<dt>Added</dt><dd>{}</dd>", before.len())),
        "{html}"
    );
    assert_eq!(shelf_facts(&empty), before);

    // The command line writes the same file.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("books.csv");
    assert!(common::porch_export("books", &server.data, &out));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), csv);
}

// Read posts ---------------------------------------------------------------------------------

fn micropub_token(server: &TestServer) -> String {
    server
        .app
        .db
        .write_blocking(|tx| {
            porch::auth::tokens::create(tx, "indiebookclub", "create update media")
        })
        .unwrap()
}

fn micropub(server: &TestServer, token: &str, content_type: &str, body: &str) -> common::Resp {
    let auth = format!("Bearer {token}");
    server.client().post_raw(
        "/micropub",
        content_type,
        body.as_bytes(),
        &[("Authorization", &auth), ("Accept", "application/json")],
    )
}

/// The first h-entry of a page, as a microformats parser reads it.
fn h_entry(server: &TestServer, path: &str) -> serde_json::Value {
    let html = server.client().get(path).text();
    let doc = microformats::from_html(&html, &server.url(path).parse().unwrap()).unwrap();
    let json = serde_json::to_value(&doc).unwrap();
    json["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["type"][0] == "h-entry")
        .unwrap_or_else(|| panic!("no h-entry on {path}: {json}"))
        .clone()
}

fn book_status(server: &TestServer, isbn: &str) -> String {
    server
        .app
        .db
        .read_blocking(|c| {
            Ok(
                c.query_row("SELECT status FROM books WHERE isbn13 = ?1", [isbn], |r| {
                    r.get(0)
                })?,
            )
        })
        .unwrap()
}

#[test]
fn a_micropub_read_post_as_indiebookclub_sends_it_shelves_the_book_and_publishes_a_read_post() {
    let (server, _library) = bookshelf();
    let token = micropub_token(&server);
    let config = server.client().get_with(
        "/micropub?q=config",
        &[("Authorization", &format!("Bearer {token}"))],
    );
    assert!(
        config.json()["post-types"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["type"] == "read")
    );

    let body = serde_json::json!({
        "type": ["h-entry"],
        "properties": {
            "summary": ["Finished reading: Dune by Frank Herbert"],
            "read-status": ["finished"],
            "read-of": [{"type": ["h-cite"], "properties": {
                "name": ["Dune"], "author": ["Frank Herbert"], "uid": [format!("isbn:{DUNE_ISBN13}")]
            }}]
        }
    });
    let r = micropub(&server, &token, "application/json", &body.to_string());
    assert_eq!(r.status, 201, "{}", r.text());
    let location = r.location().to_string();
    assert_eq!(book_status(&server, DUNE_ISBN13), "finished");
    let path = &location[server.base.len()..];
    let entry = h_entry(&server, path);
    let props = &entry["properties"];
    assert_eq!(props["read-status"][0], "finished", "{entry}");
    let cite = &props["read-of"][0];
    assert_eq!(cite["type"][0], "h-cite");
    assert_eq!(cite["properties"]["name"][0], "Dune");
    assert_eq!(
        cite["properties"]["uid"][0],
        format!("urn:isbn:{DUNE_ISBN13}")
    );
    assert_eq!(cite["properties"]["author"][0], "Frank Herbert");
    // The text links to the book's page and joins the 📚 topic.
    let html = server.client().get(path).text();
    assert!(html.contains(&format!(
        "href=\"{}\"",
        server.url(&format!("/books/{DUNE_ISBN13}/"))
    )));
    assert!(
        server
            .client()
            .get("/topics/books/")
            .text()
            .contains("Finished reading")
    );
    // q=source gives the read properties back.
    let source = server.client().get_with(
        &format!("/micropub?q=source&url={}", percent_encode(&location)),
        &[("Authorization", &format!("Bearer {token}"))],
    );
    let source = source.json();
    assert_eq!(source["properties"]["read-status"][0], "finished");
    assert_eq!(
        source["properties"]["read-of"][0]["properties"]["name"][0],
        "Dune"
    );
}

fn percent_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[test]
fn a_form_encoded_read_post_names_its_book_by_its_page_or_isbn() {
    let (server, _library) = bookshelf();
    let token = micropub_token(&server);
    let admin = server.admin();
    add_by_hand(
        &admin,
        &[
            ("title", "Piranesi"),
            ("authors", "Susanna Clarke"),
            ("status", "want-to-read"),
        ],
        None,
    );
    let page = server.url("/books/piranesi/");
    let r = micropub(
        &server,
        &token,
        "application/x-www-form-urlencoded",
        &format!(
            "h=entry&read-status=reading&read-of={}",
            percent_encode(&page)
        ),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(
        number(
            &server,
            "SELECT count(*) FROM books WHERE slug = 'piranesi' AND status = 'currently-reading' AND started_on IS NOT NULL",
            []
        ),
        1
    );
    // An ISBN the shelf does not have is looked up and added.
    let r = micropub(
        &server,
        &token,
        "application/x-www-form-urlencoded",
        &format!("h=entry&read-status=to-read&read-of=isbn:{CRIME_ISBN13}&content=On+my+list"),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(book_status(&server, CRIME_ISBN13), "want-to-read");
    let path = r.location()[server.base.len()..].to_string();
    let entry = h_entry(&server, &path);
    assert_eq!(
        entry["properties"]["read-of"][0]["properties"]["name"][0],
        "Crime and Punishment"
    );
    assert!(server.client().get(&path).text().contains("On my list"));
    // A read-status outside the vocabulary, or a book nobody can find, is refused and adds nothing.
    let before = books(&server);
    let r = micropub(
        &server,
        &token,
        "application/x-www-form-urlencoded",
        "h=entry&read-status=skimmed&read-of=isbn:9780441172719",
    );
    assert_eq!(r.status, 400);
    let r = micropub(
        &server,
        &token,
        "application/x-www-form-urlencoded",
        &format!("h=entry&read-status=finished&read-of=isbn:{UNKNOWN_ISBN13}"),
    );
    assert_eq!(r.status, 400, "{}", r.text());
    assert_eq!(books(&server), before);
    assert_eq!(number(&server, "SELECT count(*) FROM posts", []), 2);
}

#[test]
fn a_bookmark_without_text_is_a_post() {
    let server = TestServer::with_owner();
    let token = micropub_token(&server);
    let r = micropub(
        &server,
        &token,
        "application/x-www-form-urlencoded",
        "h=entry&bookmark-of=https%3A%2F%2Fexample.org%2Farticle",
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let path = r.location()[server.base.len()..].to_string();
    let entry = h_entry(&server, &path);
    assert_eq!(
        entry["properties"]["bookmark-of"][0],
        "https://example.org/article"
    );
}

#[test]
fn a_post_written_the_way_epilogue_writes_them_is_attached_to_its_book() {
    let (server, _library) = bookshelf();
    let admin = server.admin();
    let id = book_id(add_isbn(&admin, DUNE_ISBN13, "finished").location());
    cover_settled(&server, id);
    // "Post about this book" opens the composer with the text and the cover.
    let composer = admin.get(&format!("/admin/books/{id}/post")).text();
    let text = format!(
        "Finished reading: [Dune]({}) by Frank Herbert 📚",
        server.url(&format!("/books/{DUNE_ISBN13}/"))
    );
    assert!(composer.contains(&text), "{composer}");
    assert!(composer.contains("Cover of Dune"));
    let r = admin.compose(&[("markdown", &text), ("action", "publish")]);
    assert_eq!(r.status, 303, "{}", r.text());
    common::federation::wait_for_jobs(&server);
    let path = common::newest_path(&server);
    let entry = h_entry(&server, &path);
    assert_eq!(entry["properties"]["read-status"][0], "finished", "{entry}");
    assert_eq!(
        entry["properties"]["read-of"][0]["properties"]["name"][0],
        "Dune"
    );
}

#[test]
fn finishing_a_book_publishes_a_read_post_only_when_the_owner_asked_for_it() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let csrf = admin.csrf();
    let one = book_id(
        add_by_hand(
            &admin,
            &[("title", "First"), ("status", "currently-reading")],
            None,
        )
        .location(),
    );
    let two = book_id(
        add_by_hand(
            &admin,
            &[("title", "Second"), ("status", "currently-reading")],
            None,
        )
        .location(),
    );
    let finish = |id: i64| {
        admin.post_form(
            &format!("/admin/books/{id}/move"),
            &[("csrf", &csrf), ("status", "finished")],
        )
    };
    finish(one);
    assert_eq!(number(&server, "SELECT count(*) FROM posts", []), 0);
    admin.post_form(
        "/admin/books/shelves/visibility",
        &[
            ("csrf", &csrf),
            ("public", "finished"),
            ("public", "currently-reading"),
            ("post_on_finish", "1"),
        ],
    );
    finish(two);
    assert_eq!(
        number(
            &server,
            "SELECT count(*) FROM posts WHERE status = 'published' AND markdown LIKE 'Finished reading: [Second](%'",
            []
        ),
        1
    );
    // Finishing it again (it is finished already) posts nothing more.
    finish(two);
    assert_eq!(number(&server, "SELECT count(*) FROM posts", []), 1);
}

#[test]
fn the_year_in_books_is_a_draft_of_that_years_finished_books() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    for (title, finished) in [
        ("Early", "2025-02-01"),
        ("Late", "2025-11-30"),
        ("Other year", "2024-06-01"),
    ] {
        add_by_hand(
            &admin,
            &[
                ("title", title),
                ("authors", "Some One"),
                ("status", "finished"),
                ("finished_on", finished),
            ],
            Some(&jpeg(300, 450)),
        );
    }
    let csrf = admin.csrf();
    let r = admin.post_form("/admin/books/year", &[("csrf", &csrf), ("year", "2025")]);
    assert_eq!(r.status, 303, "{}", r.text());
    assert!(r.location().starts_with("/admin/posts/"));
    let markdown: String = server
        .app
        .db
        .read_blocking(|c| {
            Ok(c.query_row(
                "SELECT markdown FROM posts WHERE status = 'draft'",
                [],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    assert!(
        markdown.starts_with("I finished 2 books in 2025."),
        "{markdown}"
    );
    assert!(markdown.find("Early").unwrap() < markdown.find("Late").unwrap());
    assert!(!markdown.contains("Other year"));
    assert!(markdown.contains("![Cover of Early]("));
    let r = admin.post_form("/admin/books/year", &[("csrf", &csrf), ("year", "2019")]);
    assert_eq!(r.status, 400);
}
