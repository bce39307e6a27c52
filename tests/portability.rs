//! Moving a site in and out: `porch export` writes a Blog Archive (index.html as an h-feed,
//! feed.json as JSON Feed 1.1, the media files, and `porch/` with what a blog archive leaves
//! out), and `porch import` reads it, or Micro.blog's, back into an empty site, which then
//! serves the same posts at the same addresses, with byte-identical media, having told no one.

mod common;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::Path;

use porch::store::posts::{self, Exported, Kind, Post, Status};
use porch::store::settings;
use serde_json::Value;

use common::fake_mastodon::FakeMastodon;
use common::federation::{self, number};
use common::{TestServer, jpeg, png};

/// Runs `porch <args…>`; its success and what it wrote to stderr.
fn porch(args: &[&str], data: &Path) -> (bool, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_porch"))
        .args(args)
        .arg("--data")
        .arg(data)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Records the address the site was set up with, as `porch init` and the setup screen do.
fn set_address(server: &TestServer, base: &str) {
    server
        .app
        .db
        .write_blocking(|tx| settings::set_raw(tx, "base_url", base))
        .unwrap();
}

fn all_posts(server: &TestServer, which: Exported) -> Vec<Post> {
    server
        .app
        .db
        .read_blocking(|c| posts::batch_after(c, which, porch::store::ids::PostId(0), 1000))
        .unwrap()
}

/// Every entry of a zip file: name → bytes.
fn entries(archive: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(archive).unwrap()).unwrap();
    let mut out = BTreeMap::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        out.insert(entry.name().unwrap().to_string(), bytes);
    }
    out
}

/// Uploads an image to the media library as the composer does; its JSON (id, url, markdown).
fn upload(admin: &common::Client, name: &str, bytes: &[u8], alt: &str) -> Value {
    let csrf = admin.csrf();
    let r = admin.post_multipart_with(
        "/admin/media",
        &[("csrf", &csrf), ("alt", alt)],
        &[("file", name, bytes)],
        &[("Accept", "application/json")],
    );
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()[0].clone()
}

/// Zips the files `names` of `folder` into `to`, under the same names.
fn zip_files(folder: &Path, names: &[&str], to: &Path) {
    let mut zip = zip::ZipWriter::new(std::fs::File::create(to).unwrap());
    for name in names {
        zip.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(&std::fs::read(folder.join(name)).unwrap())
            .unwrap();
    }
    zip.finish().unwrap();
}

/// Uploads `file` on the panel's Import screen; the import's page and what it says.
fn preview(admin: &common::Client, file: &Path) -> (String, String) {
    let csrf = admin.csrf();
    let name = file.file_name().unwrap().to_str().unwrap();
    let r = admin.post_multipart(
        "/admin/import",
        &[("csrf", &csrf)],
        &[("file", name, &std::fs::read(file).unwrap())],
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let page = r.location().to_string();
    let text = admin.get(&page).text();
    (page, text)
}

/// Presses Start on the import at `page` and waits for its job to finish (the only import of
/// the site to); what its page then says.
fn start_and_finish(server: &TestServer, admin: &common::Client, page: &str) -> String {
    let csrf = admin.csrf();
    let started = admin.post_form(&format!("{page}/start"), &[("csrf", &csrf)]);
    assert_eq!(started.status, 303);
    federation::wait_until("the import to finish", || {
        number(
            server,
            "SELECT count(*) FROM imports WHERE status = 'done'",
            [],
        ) == 1
    });
    admin.get(page).text()
}

#[test]
fn an_export_imported_into_an_empty_site_reproduces_it_and_tells_no_one() {
    // The site that moves: posts with a photo, an inline image and a resized copy of it,
    // categories, a backdated date, a page, a draft; a follower; an unused library image.
    let old = TestServer::with_owner();
    set_address(&old, &old.base);
    let admin = old.admin();
    let fake = FakeMastodon::start();
    federation::bob_follows_alice(&old, &fake);

    let barn = upload(&admin, "barn.jpg", &jpeg(1600, 1200), "A red barn");
    let hash = barn["url"].as_str().unwrap().rsplit('/').next().unwrap();
    let hash = hash.trim_end_matches(".jpg").to_string();
    let spare = upload(&admin, "spare.png", &png(40, 30), "Unused so far");
    let barn_id = barn["id"].to_string();
    let markdown = format!(
        "Porches face the street.\n\n{}\n\nSee [the small one]({}/uploads/{hash}-480.jpg).",
        barn["markdown"].as_str().unwrap(),
        old.base
    );
    for fields in [
        vec![
            ("title", "On Porches"),
            ("markdown", markdown.as_str()),
            ("new_categories", "Reading, Houses"),
            ("when", "later"),
            ("publish_at", "2020-03-04T10:00"),
            ("action", "publish"),
        ],
        vec![
            ("markdown", "Evening light on the barn"),
            ("photo_id", barn_id.as_str()),
            ("photo_alt", "The barn at dusk"),
            ("content_warning", "Bright colours"),
            ("action", "publish"),
        ],
        vec![
            ("kind", "page"),
            ("title", "Now"),
            ("markdown", "What I am doing now."),
            ("in_nav", "on"),
            ("action", "publish"),
        ],
        vec![
            ("title", "Secret plans"),
            ("markdown", "Not yet."),
            ("action", "draft"),
        ],
    ] {
        let r = admin.compose(&fields);
        assert_eq!(r.status, 303, "{}", r.text());
    }
    let published = all_posts(&old, Exported::Public);
    assert_eq!(published.len(), 3);
    // A book on the shelf and a bookmark, which move along with the posts.
    let csrf = admin.csrf();
    let r = admin.post_multipart(
        "/admin/books",
        &[
            ("csrf", &csrf),
            ("title", "Walden"),
            ("authors", "Henry David Thoreau"),
            ("status", "finished"),
        ],
        &[],
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let csrf = admin.csrf();
    let r = admin.post_form(
        "/admin/bookmarks/new",
        &[
            ("csrf", &csrf),
            ("url", "https://porches.example/history"),
            ("title", "A history of porches"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.text());

    // Exported while the server runs.
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("site.bar");
    let (ok, said) = porch(&["export", "--out", archive.to_str().unwrap()], &old.data);
    assert!(ok, "{said}");
    assert!(
        said.contains("3 posts and pages, 1 drafts and 3 media files"),
        "{said}"
    );
    let files = entries(&archive);

    // index.html: one h-entry per published post and page, its media inside the archive.
    let index = String::from_utf8(files["index.html"].clone()).unwrap();
    let doc = microformats::from_html(
        &index,
        &url::Url::parse("file:///archive/index.html").unwrap(),
    )
    .unwrap();
    let doc = serde_json::to_value(&doc).unwrap();
    let feed = &doc["items"][0];
    assert_eq!(feed["type"][0], "h-feed", "{doc:#}");
    let entries_found = feed["children"].as_array().unwrap();
    assert_eq!(entries_found.len(), 3, "{doc:#}");
    let mut urls = Vec::new();
    for e in entries_found {
        assert_eq!(e["type"][0], "h-entry");
        let published = e["properties"]["published"][0].as_str().unwrap();
        assert!(
            chrono::DateTime::parse_from_rfc3339(published).is_ok(),
            "dt-published with an offset: {published}"
        );
        urls.push(e["properties"]["url"][0].as_str().unwrap().to_string());
    }
    for post in &published {
        assert!(
            urls.contains(&old.url(post.path.as_deref().unwrap())),
            "{urls:?}"
        );
    }
    let porches = entries_found
        .iter()
        .find(|e| e["properties"]["name"][0] == "On Porches")
        .expect("the titled post has a p-name");
    let mut categories: Vec<&str> = porches["properties"]["category"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    categories.sort();
    assert_eq!(categories, ["Houses", "Reading"]);
    assert!(
        entries_found
            .iter()
            .filter(|e| e["properties"]["name"].is_null())
            .count()
            >= 1,
        "an untitled post has no p-name"
    );
    let page = scraper::Html::parse_document(&index);
    let images = scraper::Selector::parse("img").unwrap();
    let mut seen = 0;
    for img in page.select(&images) {
        let src = img.value().attr("src").unwrap();
        assert!(
            !src.starts_with("http") && !src.starts_with('/'),
            "relative: {src}"
        );
        assert!(files.contains_key(src), "{src} is in the archive");
        seen += 1;
    }
    assert_eq!(seen, 2, "the inline image and the attached photo");
    assert!(index.contains(&format!("href=\"uploads/{hash}-480.jpg\"")));
    assert!(files.contains_key(&format!("uploads/{hash}-480.jpg")));

    // feed.json: JSON Feed 1.1 with the Markdown in content_text and categories as tags.
    let json: Value = serde_json::from_slice(&files["feed.json"]).unwrap();
    assert_eq!(json["version"], "https://jsonfeed.org/version/1.1");
    assert!(json["title"].is_string());
    let items = json["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    for item in items {
        assert!(item["id"].is_string(), "{item}");
        assert!(item["content_html"].is_string() || item["content_text"].is_string());
        assert!(item["url"].as_str().unwrap().starts_with(&old.base));
    }
    let item = items.iter().find(|i| i["title"] == "On Porches").unwrap();
    let text = item["content_text"].as_str().unwrap();
    assert!(text.contains(&format!("(uploads/{hash}.jpg)")), "{text}");
    assert!(!text.contains(&old.base), "{text}");
    let mut tags: Vec<&str> = item["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    tags.sort();
    assert_eq!(tags, ["Houses", "Reading"]);
    assert_eq!(item["date_published"], "2020-03-04T10:00:00+00:00");
    let drafts: Value = serde_json::from_slice(&files["porch/drafts/feed.json"]).unwrap();
    assert_eq!(drafts["items"][0]["title"], "Secret plans");

    // What a blog archive leaves out, and no secret.
    let followers = String::from_utf8(files["porch/followers.csv"].clone()).unwrap();
    assert!(followers.starts_with("Account address,"), "{followers}");
    assert!(followers.contains(&fake.handle()), "{followers}");
    for name in [
        "porch/following.csv",
        "porch/blocks.csv",
        "porch/replies.json",
        "porch/books.csv",
        "porch/bookmarks.html",
        "porch/bookmarks.json",
        "porch/site.json",
        "porch/media.json",
    ] {
        assert!(files.contains_key(name), "{name}");
    }
    let hash_of_password: String = old
        .app
        .db
        .read_blocking(|c| Ok(porch::store::owner::get(c)?.unwrap().password_hash))
        .unwrap();
    for (name, bytes) in &files {
        let text = String::from_utf8_lossy(bytes);
        assert!(!text.contains(&hash_of_password), "{name}");
        assert!(!text.contains("PRIVATE KEY"), "{name}");
    }

    // Into an empty site, with a follower of its own who must hear nothing. It is set up at the
    // old site's address (the domain moved with the blog), which `porch import` reads.
    let new = TestServer::with_owner();
    let watcher = FakeMastodon::start();
    federation::bob_follows_alice(&new, &watcher);
    federation::wait_for_jobs(&new);
    set_address(&new, &old.base);
    let heard_before = watcher.inbox_posts().len();
    let activities_before = number(&new, "SELECT count(*) FROM activities", []);

    let (ok, said) = porch(&["import", archive.to_str().unwrap()], &new.data);
    assert!(ok, "{said}");
    assert!(
        said.contains("4 added, 0 imported before, 0 skipped"),
        "{said}"
    );
    assert!(said.contains("The bookshelf: 1 books added"), "{said}");
    assert!(said.contains("Bookmarks: 1 added"), "{said}");
    let title = |sql: &str| {
        new.app
            .db
            .read_blocking(|c| Ok(c.query_row(sql, [], |r| r.get::<_, String>(0))?))
            .unwrap()
    };
    assert_eq!(title("SELECT title FROM books"), "Walden");
    assert_eq!(title("SELECT title FROM bookmarks"), "A history of porches");

    let moved = all_posts(&new, Exported::Public);
    assert_eq!(moved.len(), 3);
    for before in &published {
        let after = moved
            .iter()
            .find(|p| p.path == before.path)
            .unwrap_or_else(|| panic!("{:?} moved", before.path));
        assert_eq!(after.kind, before.kind);
        assert_eq!(after.title, before.title);
        assert_eq!(after.markdown, before.markdown, "Markdown as written");
        assert_eq!(after.published_at, before.published_at);
        assert_eq!(after.content_warning, before.content_warning);
        assert_eq!(after.in_nav, before.in_nav);
        let names = |p: &Post| {
            p.categories
                .iter()
                .map(|c| c.name.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(after), names(before));
        let photos = |p: &Post| {
            p.photos
                .iter()
                .map(|f| (f.media.hash.clone(), f.alt.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(photos(after), photos(before));
        // Served at once by the running server, at the same address.
        let page = new.client().get(before.path.as_deref().unwrap());
        assert_eq!(page.status, 200, "{}", page.text());
    }
    assert!(moved.iter().any(|p| p.kind == Kind::Page));
    let drafts = all_posts(&new, Exported::Unpublished);
    assert_eq!(drafts.len(), 1);
    assert_eq!(drafts[0].status, Status::Draft);
    assert_eq!(drafts[0].title.as_deref(), Some("Secret plans"));

    // Media byte for byte, the unused one and its alt text too.
    let media = |server: &TestServer| {
        server
            .app
            .db
            .read_blocking(|c| porch::store::media::list(c, 100, 0))
            .unwrap()
    };
    let (before, after) = (media(&old), media(&new));
    assert_eq!(before.len(), 2);
    assert_eq!(after.len(), 2);
    for m in &before {
        let twin = after.iter().find(|a| a.hash == m.hash).expect("same file");
        assert_eq!(twin.alt, m.alt);
        assert_eq!(twin.variants, m.variants);
        let name = format!("{}.{}", m.hash, m.ext);
        let path = |s: &TestServer| s.data.join("media").join(&m.hash[..2]).join(&name);
        assert_eq!(
            std::fs::read(path(&old)).unwrap(),
            std::fs::read(path(&new)).unwrap()
        );
    }
    assert!(
        after
            .iter()
            .any(|m| m.alt == spare["alt"].as_str().unwrap_or("Unused so far"))
    );

    // Nothing federated, pinged or queued to be (keeping the bookmark's page again is a
    // fetch, not a message); the follower heard nothing.
    assert_eq!(
        number(
            &new,
            "SELECT count(*) FROM jobs WHERE kind NOT IN ('housekeeping', 'publish_post', \
             'archive_bookmark', 'fetch_book_cover')",
            [],
        ),
        0
    );
    assert_eq!(
        number(&new, "SELECT count(*) FROM activities", []),
        activities_before
    );
    // Every job that could send something has run (the fetches may still be retrying).
    federation::wait_until("the jobs that could send to be done", || {
        number(
            &new,
            "SELECT count(*) FROM jobs WHERE kind NOT IN ('housekeeping', 'archive_bookmark', \
             'fetch_book_cover')",
            [],
        ) == 0
    });
    assert_eq!(
        watcher.inbox_posts().len(),
        heard_before,
        "{}",
        watcher.summary()
    );

    // Again: nothing added.
    let (ok, said) = porch(&["import", archive.to_str().unwrap()], &new.data);
    assert!(ok, "{said}");
    assert!(said.contains("0 added, 4 imported before"), "{said}");
    assert_eq!(all_posts(&new, Exported::Public).len(), 3);
    assert_eq!(media(&new).len(), 2);
}

/// A Blog Archive as Micro.blog writes one: feed.json (JSON Feed 1.0 here) whose HTML points at
/// `uploads/…` relative paths, Markdown in `content_text` for some items, an index.html.
fn micro_blog_archive(path: &Path, host: &str) {
    let photo = jpeg(300, 200);
    let feed = serde_json::json!({
        "version": "https://jsonfeed.org/version/1",
        "title": "Manton-ish",
        "home_page_url": format!("https://{host}/"),
        "items": [
            {
                "id": format!("https://{host}/2021/04/05/coffee.html"),
                "url": format!("https://{host}/2021/04/05/coffee.html"),
                "content_html": "<p>Coffee on the porch.</p><p><img src=\"uploads/2021/cup.jpg\" alt=\"A cup\"></p>",
                "date_published": "2021-04-05T08:15:00-05:00",
                "tags": ["Coffee"]
            },
            {
                "id": "12345",
                "url": format!("https://{host}/posts/an-old-address/"),
                "title": "Moving day",
                "content_text": format!("Moving **day**.\n\n![A cup](https://{host}/uploads/2021/cup.jpg)"),
                "content_html": "<p>ignored</p>",
                "date_published": "2021-05-01T12:00:00+00:00"
            },
            { "url": "no id" },
            {
                "id": "too-long",
                "title": "x".repeat(400),
                "content_text": "A title no one would write.",
                "date_published": "2021-06-01T12:00:00Z"
            },
            {
                "id": "missing-photo",
                "content_text": "![gone](uploads/2021/gone.jpg)",
                "date_published": "2021-06-02T12:00:00Z"
            }
        ]
    });
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let opts = zip::write::SimpleFileOptions::default();
    zip.start_file("index.html", opts).unwrap();
    zip.write_all(b"<!DOCTYPE html><div class=\"h-feed\"></div>")
        .unwrap();
    zip.start_file("feed.json", opts).unwrap();
    zip.write_all(feed.to_string().as_bytes()).unwrap();
    zip.start_file("uploads/2021/cup.jpg", opts).unwrap();
    zip.write_all(&photo).unwrap();
    zip.finish().unwrap();
}

#[test]
fn a_micro_blog_archive_comes_in_with_its_photos_and_old_addresses_redirect() {
    let server = TestServer::with_owner();
    set_address(&server, &server.base);
    let host = server.base.trim_start_matches("http://").to_string();
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("microblog.bar");
    micro_blog_archive(&archive, &host);

    let (ok, said) = porch(&["import", archive.to_str().unwrap()], &server.data);
    assert!(ok, "{said}");
    assert!(
        said.contains("5 items of the Blog Archive read: 3 added"),
        "{said}"
    );
    assert!(said.contains("2 skipped"), "{said}");
    assert!(
        said.contains("Item 3: "),
        "an item without an id is reported: {said}"
    );
    assert!(
        said.contains("Item 4"),
        "a title too long is reported: {said}"
    );
    assert!(
        said.contains("uploads/2021/gone.jpg is not in the archive"),
        "{said}"
    );

    let posts = all_posts(&server, Exported::Public);
    assert_eq!(posts.len(), 3);
    let coffee = posts
        .iter()
        .find(|p| p.markdown.contains("Coffee"))
        .unwrap();
    // Dated as it was (in the site's time zone, UTC here), its photo copied in and pointed at.
    assert_eq!(coffee.path.as_deref(), Some("/2021/04/05/coffee.html"));
    assert_eq!(
        coffee.published_at,
        Some(
            chrono::DateTime::parse_from_rfc3339("2021-04-05T08:15:00-05:00")
                .unwrap()
                .timestamp()
        )
    );
    assert_eq!(coffee.categories[0].name, "Coffee");
    let media = server
        .app
        .db
        .read_blocking(|c| porch::store::media::list(c, 10, 0))
        .unwrap();
    assert_eq!(media.len(), 1, "the photo used twice is taken in once");
    let here = format!("{}/uploads/{}.jpg", server.base, media[0].hash);
    assert!(
        coffee.markdown.contains(&format!("src=\"{here}\"")),
        "{}",
        coffee.markdown
    );
    let photo = server
        .client()
        .get(&format!("/uploads/{}.jpg", media[0].hash));
    assert_eq!(photo.status, 200);

    // Markdown from content_text, its absolute reference to the old site's upload rewritten.
    let moving = posts
        .iter()
        .find(|p| p.title.as_deref() == Some("Moving day"))
        .unwrap();
    assert_eq!(
        moving.markdown,
        format!("Moving **day**.\n\n![A cup]({here})")
    );
    let new_path = moving.path.clone().unwrap();
    assert_eq!(new_path, "/2021/05/01/an-old-address.html");
    // Its old address on this same host answers with the new one.
    let old = server.client().get("/posts/an-old-address/");
    assert_eq!(old.status, 301, "{}", old.text());
    assert_eq!(old.location(), new_path);
    assert_eq!(server.client().get("/posts/never-was/").status, 404);

    let (ok, said) = porch(&["import", archive.to_str().unwrap()], &server.data);
    assert!(ok, "{said}");
    assert!(said.contains("0 added, 3 imported before"), "{said}");

    // A zip that is not a blog archive is refused with why, and changes nothing.
    let not = dir.path().join("photos.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&not).unwrap());
    zip.start_file("a.txt", zip::write::SimpleFileOptions::default())
        .unwrap();
    zip.write_all(b"hello").unwrap();
    zip.finish().unwrap();
    let (ok, said) = porch(&["import", not.to_str().unwrap()], &server.data);
    assert!(!ok);
    assert!(said.contains("neither a feed.json"), "{said}");
    assert_eq!(all_posts(&server, Exported::Public).len(), 3);
}

#[test]
fn the_panel_exports_an_archive_for_the_owner_only_and_removes_it_a_day_later() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    assert_eq!(
        admin
            .compose(&[
                ("title", "Kept"),
                ("markdown", "Worth keeping."),
                ("action", "publish")
            ])
            .status,
        303
    );
    let screen = admin.get("/admin/export");
    assert_eq!(screen.status, 200);
    assert!(screen.text().contains("Make an archive"));

    // A form without its CSRF token starts nothing.
    let forged = server.client().post_form("/admin/export", &[]);
    assert_ne!(forged.status, 303);
    let forged = admin.post_form("/admin/export", &[("csrf", "wrong")]);
    assert_eq!(forged.status, 403);
    assert_eq!(number(&server, "SELECT count(*) FROM exports", []), 0);

    let csrf = admin.csrf();
    let started = admin.post_form("/admin/export", &[("csrf", &csrf)]);
    assert_eq!(started.status, 303, "{}", started.text());
    let page = started.location().to_string();
    assert!(page.starts_with("/admin/export/"), "{page}");
    federation::wait_until("the export to finish", || {
        number(
            &server,
            "SELECT count(*) FROM exports WHERE status = 'done'",
            [],
        ) == 1
    });
    let done = admin.get(&page).text();
    assert!(done.contains("Ready: 1 posts and pages"), "{done}");
    let link = format!("{page}/download");
    assert!(done.contains(&link), "{done}");

    let file = admin.get(&link);
    assert_eq!(file.status, 200);
    assert_eq!(file.header("content-type"), Some("application/zip"));
    assert!(
        file.header("content-disposition")
            .is_some_and(|d| d.starts_with("attachment; filename=") && d.contains(".bar")),
        "{:?}",
        file.headers
    );
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("download.bar");
    std::fs::write(&saved, &file.body).unwrap();
    let files = entries(&saved);
    let feed: Value = serde_json::from_slice(&files["feed.json"]).unwrap();
    assert_eq!(feed["items"][0]["title"], "Kept");
    // Links point at the running site.
    assert!(
        feed["items"][0]["url"]
            .as_str()
            .unwrap()
            .starts_with(&server.base),
        "{feed}"
    );

    // Nobody else gets it.
    let stranger = server.client().get(&link);
    assert_ne!(stranger.status, 200);
    assert!(!stranger.body.starts_with(b"PK"));

    // A day later it is gone: the removal was queued for then; it is brought forward here.
    let due = number(
        &server,
        "SELECT run_at - (SELECT created_at FROM exports) FROM jobs WHERE kind = 'remove_export'",
        [],
    );
    assert_eq!(due, 86_400);
    server
        .app
        .db
        .write_blocking(|tx| {
            tx.execute(
                "UPDATE jobs SET run_at = 0 WHERE kind = 'remove_export'",
                [],
            )?;
            Ok(())
        })
        .unwrap();
    federation::wait_until("the archive to be removed", || {
        number(
            &server,
            "SELECT count(*) FROM exports WHERE status = 'removed'",
            [],
        ) == 1
    });
    assert_eq!(admin.get(&link).status, 404);
    assert!(
        std::fs::read_dir(server.data.join("exports"))
            .unwrap()
            .next()
            .is_none()
    );
    assert!(admin.get(&page).text().contains("was removed"));
}

#[test]
fn the_panel_shows_what_an_archive_holds_before_importing_it() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let host = server.base.trim_start_matches("http://").to_string();
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("microblog.bar");
    micro_blog_archive(&archive, &host);
    let bytes = std::fs::read(&archive).unwrap();
    let upload = |name: &str, body: &[u8]| {
        let csrf = admin.csrf();
        admin.post_multipart("/admin/import", &[("csrf", &csrf)], &[("file", name, body)])
    };

    // Not an archive: said at once, nothing kept.
    let refused = upload("notes.txt", b"just some words");
    assert_eq!(refused.status, 400);
    assert!(
        refused.text().contains("neither a zip file"),
        "{}",
        refused.text()
    );
    assert_eq!(number(&server, "SELECT count(*) FROM imports", []), 0);

    // Looked inside first: nothing is imported until Start.
    let r = upload("microblog.bar", &bytes);
    assert_eq!(r.status, 303, "{}", r.text());
    let page = r.location().to_string();
    assert!(page.starts_with("/admin/imports/"), "{page}");
    let preview = admin.get(&page).text();
    assert!(
        preview.contains("holds\n4 posts,\n0 pages,\n0 drafts\nand 1 file of photos and media;\n1 item cannot be read"),
        "{preview}"
    );
    assert!(preview.contains("Start the import"));
    assert_eq!(all_posts(&server, Exported::Public).len(), 0);
    assert_eq!(
        number(
            &server,
            "SELECT count(*) FROM jobs WHERE kind = 'import_posts'",
            []
        ),
        0
    );

    let done = start_and_finish(&server, &admin, &page);
    assert!(done.contains("<dt>Added</dt><dd>3</dd>"), "{done}");
    assert!(done.contains("Skipped, and worth knowing"), "{done}");
    assert_eq!(all_posts(&server, Exported::Public).len(), 3);
    // Served at once, its photo copied here.
    let coffee = server.client().get("/2021/04/05/coffee.html");
    assert_eq!(coffee.status, 200);
    assert!(
        !coffee.text().contains("uploads/2021/cup.jpg"),
        "{}",
        coffee.text()
    );
    // A second Start adds nothing and queues nothing.
    let csrf = admin.csrf();
    let again = admin.post_form(&format!("{page}/start"), &[("csrf", &csrf)]);
    assert_eq!(again.status, 303);
    assert_eq!(
        number(
            &server,
            "SELECT count(*) FROM jobs WHERE kind = 'import_posts'",
            []
        ),
        0
    );

    // The old address is listed with where it goes now.
    let screen = admin.get("/admin/import").text();
    assert!(
        screen.contains("<code>/posts/an-old-address/</code>"),
        "{screen}"
    );

    // Cancelled: nothing imported, the upload removed.
    let r = upload("again.bar", &bytes);
    let page = r.location().to_string();
    let csrf = admin.csrf();
    let cancelled = admin.post_form(&format!("{page}/cancel"), &[("csrf", &csrf)]);
    assert_eq!(cancelled.status, 303);
    assert_eq!(
        number(
            &server,
            "SELECT count(*) FROM imports WHERE error LIKE 'Cancelled%'",
            []
        ),
        1
    );
    assert!(
        std::fs::read_dir(server.data.join("imports"))
            .unwrap()
            .next()
            .is_none()
    );
    assert_eq!(all_posts(&server, Exported::Public).len(), 3);
}

/// A Mastodon archive as Mastodon 4 writes one: actor.json, outbox.json with a public note
/// carrying a content warning and an image with alt text, an unlisted note, a reply to someone
/// else, a boost, a direct message, a followers-only note and a video; media under
/// media_attachments/.
fn mastodon_archive(path: &Path) {
    let public = "https://www.w3.org/ns/activitystreams#Public";
    let me = "https://mastodon.example/users/ann";
    let followers = format!("{me}/followers");
    let note = |n: u32, to: Value, cc: Value, extra: Value| {
        let mut object = serde_json::json!({
            "id": format!("{me}/statuses/{n}"),
            "type": "Note",
            "url": format!("https://mastodon.example/@ann/{n}"),
            "published": format!("2022-11-0{n}T09:30:00Z"),
            "attributedTo": me,
            "to": to,
            "cc": cc,
            "sensitive": false,
            "summary": null,
            "inReplyTo": null,
            "content": format!("<p>Toot number {n}</p>"),
            "attachment": [],
        });
        for (k, v) in extra.as_object().unwrap() {
            object[k] = v.clone();
        }
        serde_json::json!({
            "id": format!("{me}/statuses/{n}/activity"),
            "type": "Create",
            "actor": me,
            "published": format!("2022-11-0{n}T09:30:00Z"),
            "to": to,
            "cc": cc,
            "object": object,
        })
    };
    let outbox = serde_json::json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": "outbox.json",
        "type": "OrderedCollection",
        "totalItems": 7,
        "orderedItems": [
            note(1, serde_json::json!([public]), serde_json::json!([followers]), serde_json::json!({
                "summary": "Food",
                "sensitive": true,
                "attachment": [
                    {"type": "Document", "mediaType": "image/jpeg",
                     "url": "/media_attachments/files/109/1/original/cake.jpg",
                     "name": "A chocolate cake", "width": 320, "height": 240},
                    {"type": "Document", "mediaType": "video/mp4",
                     "url": "/media_attachments/files/109/2/original/clip.mp4", "name": null}
                ]
            })),
            note(2, serde_json::json!([followers]), serde_json::json!([public]), serde_json::json!({})),
            note(3, serde_json::json!([public]), serde_json::json!([followers, "https://other.example/users/bob"]),
                 serde_json::json!({"inReplyTo": "https://other.example/users/bob/statuses/9"})),
            {"id": format!("{me}/statuses/4/activity"), "type": "Announce", "actor": me,
             "published": "2022-11-04T09:30:00Z", "to": [public], "cc": [followers],
             "object": "https://other.example/users/bob/statuses/10"},
            note(5, serde_json::json!(["https://other.example/users/bob"]), serde_json::json!([]), serde_json::json!({})),
            note(6, serde_json::json!([followers]), serde_json::json!([]), serde_json::json!({})),
            "not an activity"
        ]
    });
    let actor = serde_json::json!({"id": me, "type": "Person", "preferredUsername": "ann"});
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let opts = zip::write::SimpleFileOptions::default();
    for (name, bytes) in [
        ("actor.json", actor.to_string().into_bytes()),
        ("outbox.json", outbox.to_string().into_bytes()),
        (
            "media_attachments/files/109/1/original/cake.jpg",
            jpeg(320, 240),
        ),
        (
            "media_attachments/files/109/2/original/clip.mp4",
            b"not really a video".to_vec(),
        ),
    ] {
        zip.start_file(name, opts).unwrap();
        zip.write_all(&bytes).unwrap();
    }
    zip.finish().unwrap();
}

#[test]
fn a_mastodon_archive_brings_public_toots_as_backdated_posts_and_leaves_the_rest() {
    let server = TestServer::with_owner();
    set_address(&server, &server.base);
    let fake = FakeMastodon::start();
    federation::bob_follows_alice(&server, &fake);
    federation::wait_for_jobs(&server);
    let heard_before = fake.inbox_posts().len();
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("archive-20221108.zip");
    mastodon_archive(&archive);

    let (ok, said) = porch(&["import", archive.to_str().unwrap()], &server.data);
    assert!(ok, "{said}");
    assert!(
        said.contains(
            "7 items of the Mastodon archive read: 3 added, 0 imported before, 4 skipped"
        ),
        "{said}"
    );
    assert!(
        said.contains("1 boosts, and 2 direct messages and followers-only posts"),
        "{said}"
    );
    assert!(said.contains("video/mp4 attachment was left out"), "{said}");
    assert!(said.contains("Activity 7: "), "{said}");

    let mut posts = all_posts(&server, Exported::Public);
    posts.sort_by_key(|p| p.published_at);
    assert_eq!(posts.len(), 3);
    let first = &posts[0];
    assert_eq!(first.markdown, "<p>Toot number 1</p>");
    assert_eq!(first.content_warning, "Food");
    assert_eq!(
        first.published_at,
        Some(
            chrono::DateTime::parse_from_rfc3339("2022-11-01T09:30:00Z")
                .unwrap()
                .timestamp()
        )
    );
    assert_eq!(first.photos.len(), 1);
    assert_eq!(first.photos[0].alt, "A chocolate cake");
    assert_eq!(first.path.as_deref(), Some("/2022/11/01/093000.html"));
    assert_eq!(
        posts[1].markdown, "<p>Toot number 2</p>",
        "unlisted comes in"
    );
    assert_eq!(
        posts[2].in_reply_to,
        "https://other.example/users/bob/statuses/9"
    );
    let page = server.client().get("/2022/11/01/093000.html");
    assert_eq!(page.status, 200);
    assert!(page.text().contains("A chocolate cake"));

    // Nobody heard of it, and a second import adds nothing.
    assert_eq!(
        number(
            &server,
            "SELECT count(*) FROM jobs WHERE kind NOT IN ('housekeeping', 'publish_post')",
            [],
        ),
        0
    );
    federation::wait_for_jobs(&server);
    assert_eq!(fake.inbox_posts().len(), heard_before, "{}", fake.summary());
    let (ok, said) = porch(&["import", archive.to_str().unwrap()], &server.data);
    assert!(ok, "{said}");
    assert!(said.contains("0 added, 3 imported before"), "{said}");

    // The same archive as the .tar.gz Mastodon wrote before version 4, into another site.
    let tarred = dir.path().join("archive-20190301.tar.gz");
    let gz = flate2::write::GzEncoder::new(
        std::fs::File::create(&tarred).unwrap(),
        flate2::Compression::fast(),
    );
    let mut tar = tar::Builder::new(gz);
    for (name, bytes) in entries(&archive) {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        tar.append_data(&mut header, format!("./{name}"), bytes.as_slice())
            .unwrap();
    }
    tar.into_inner().unwrap().finish().unwrap();
    let other = TestServer::with_owner();
    let (ok, said) = porch(&["import", tarred.to_str().unwrap()], &other.data);
    assert!(ok, "{said}");
    assert!(
        said.contains("7 items of the Mastodon archive read: 3 added"),
        "{said}"
    );
    let posts = all_posts(&other, Exported::Public);
    let cake = posts.iter().find(|p| p.content_warning == "Food").unwrap();
    assert_eq!(cake.photos[0].alt, "A chocolate cake");
    // Unpacked for the import only.
    let left: Vec<_> = std::fs::read_dir(&other.data)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with(".mastodon-import-")
        })
        .collect();
    assert!(left.is_empty());
}

/// A static site's sources: a Hugo bundle with TOML front matter and an image beside it, a
/// Jekyll post with YAML front matter and an image under Hugo's `static/`, a draft, a page,
/// a file whose front matter is broken, and files that hold no posts.
fn markdown_site(root: &Path) {
    let files: Vec<(&str, Vec<u8>)> = vec![
        (
            "content/posts/trip/index.md",
            b"+++\ntitle = \"A trip\"\ndate = 2020-06-01T12:00:00Z\ntags = [\"travel\"]\n+++\n\nWe went.\n\n![The sea](sea.jpg)\n".to_vec(),
        ),
        ("content/posts/trip/sea.jpg", jpeg(400, 300)),
        (
            "_posts/2019-05-04-hello-jekyll.md",
            b"---\ntitle: Hello, Jekyll\ncategories: notes\n---\nA post dated by its name. ![Dot](/images/dot.png)\n".to_vec(),
        ),
        ("static/images/dot.png", png(20, 20)),
        (
            "_drafts/plans.md",
            b"---\ntitle: Plans\ndraft: true\n---\nNot yet.\n".to_vec(),
        ),
        ("about.md", b"---\ntitle: About me\nlayout: page\n---\nI write here.\n".to_vec()),
        ("broken.md", b"---\ntitle: [unclosed\n---\nx\n".to_vec()),
        ("node_modules/pkg/README.md", b"# not a post\n".to_vec()),
        ("notes.txt", b"not markdown".to_vec()),
    ];
    for (name, bytes) in files {
        let path = root.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
}

#[test]
fn a_folder_of_markdown_with_front_matter_comes_in_with_its_images() {
    let server = TestServer::with_owner();
    set_address(&server, &server.base);
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    markdown_site(&site);

    let (ok, said) = porch(&["import", site.to_str().unwrap()], &server.data);
    assert!(ok, "{said}");
    assert!(
        said.contains("5 items of the Markdown files read: 4 added, 0 imported before, 1 skipped"),
        "{said}"
    );
    assert!(said.contains("broken.md: its front matter"), "{said}");

    let posts = all_posts(&server, Exported::Public);
    assert_eq!(posts.len(), 3);
    let trip = posts
        .iter()
        .find(|p| p.title.as_deref() == Some("A trip"))
        .unwrap();
    assert_eq!(trip.path.as_deref(), Some("/2020/06/01/trip.html"));
    assert_eq!(trip.categories[0].name, "travel");
    assert!(
        trip.markdown
            .contains(&format!("![The sea]({}/uploads/", server.base)),
        "{}",
        trip.markdown
    );
    let jekyll = posts
        .iter()
        .find(|p| p.title.as_deref() == Some("Hello, Jekyll"))
        .unwrap();
    assert_eq!(
        jekyll.path.as_deref(),
        Some("/2019/05/04/hello-jekyll.html")
    );
    assert!(jekyll.markdown.contains("/uploads/"), "{}", jekyll.markdown);
    assert!(
        !jekyll.markdown.contains("/images/dot.png"),
        "{}",
        jekyll.markdown
    );
    let about = posts.iter().find(|p| p.kind == Kind::Page).unwrap();
    // A page named about is the site's About page, as one written here is.
    assert_eq!(about.path.as_deref(), Some("/about/"));
    assert!(
        server
            .client()
            .get("/about/")
            .text()
            .contains("I write here.")
    );
    let drafts = all_posts(&server, Exported::Unpublished);
    assert_eq!(drafts.len(), 1);
    assert_eq!(drafts[0].title.as_deref(), Some("Plans"));
    assert_eq!(server.client().get("/2020/06/01/trip.html").status, 200);

    let (ok, said) = porch(&["import", site.to_str().unwrap()], &server.data);
    assert!(ok, "{said}");
    assert!(said.contains("0 added, 4 imported before"), "{said}");

    // The same site as a zip, from the panel: its preview counts what it holds.
    let zipped = dir.path().join("site.zip");
    let names = [
        "about.md",
        "_drafts/plans.md",
        "broken.md",
        "_posts/2019-05-04-hello-jekyll.md",
    ];
    zip_files(&site, &names, &zipped);
    let (_, preview) = preview(&server.admin(), &zipped);
    assert!(
        preview.contains("This archive (Markdown files) holds\n1 post,\n1 page,\n1 draft"),
        "{preview}"
    );
    assert!(preview.contains("1 item cannot be read"), "{preview}");
}

/// A WordPress export (WXR 1.2) of a site at `site`, whose images are on `images`.
fn wordpress_export(site: &str, images: &str) -> String {
    let up = format!("{images}/wp-content/uploads/2019/05");
    let item = |title: &str, name: &str, kind: &str, status: &str, date: &str, extra: &str| {
        format!(
            "<item><title>{title}</title><link>{site}/2019/05/{name}/</link>\
             <pubDate>Sat, 04 May 2019 10:00:00 +0000</pubDate>\
             <guid isPermaLink=\"false\">{site}/?p={name}</guid>\
             <wp:post_name><![CDATA[{name}]]></wp:post_name><wp:status><![CDATA[{status}]]></wp:status>\
             <wp:post_type><![CDATA[{kind}]]></wp:post_type><wp:post_date_gmt><![CDATA[{date}]]></wp:post_date_gmt>\
             {extra}</item>\n"
        )
    };
    let comment = |id: u32, author: &str, text: &str, approved: &str, kind: &str, parent: u32| {
        format!(
            "<wp:comment><wp:comment_id>{id}</wp:comment_id><wp:comment_author><![CDATA[{author}]]></wp:comment_author>\
             <wp:comment_author_email><![CDATA[{author}@mail.example]]></wp:comment_author_email>\
             <wp:comment_author_url>https://{author}.example/</wp:comment_author_url>\
             <wp:comment_author_IP><![CDATA[192.0.2.7]]></wp:comment_author_IP>\
             <wp:comment_date_gmt><![CDATA[2019-05-05 08:00:00]]></wp:comment_date_gmt>\
             <wp:comment_content><![CDATA[{text}]]></wp:comment_content>\
             <wp:comment_approved><![CDATA[{approved}]]></wp:comment_approved>\
             <wp:comment_type><![CDATA[{kind}]]></wp:comment_type><wp:comment_parent>{parent}</wp:comment_parent></wp:comment>"
        )
    };
    let fish = format!(
        "<content:encoded><![CDATA[<!-- wp:paragraph -->\n<p>Salt &amp; vinegar by the sea.</p>\n<!-- /wp:paragraph -->\n\n\
         <!-- wp:image -->\n<figure class=\"wp-block-image\"><a href=\"{up}/sea.jpg\"><img src=\"{up}/sea-300x200.jpg\" alt=\"The sea\" \
         srcset=\"{up}/sea-300x200.jpg 300w, {up}/sea.jpg 1200w\" sizes=\"(max-width: 300px) 100vw, 300px\" /></a></figure>\n<!-- /wp:image -->\n\n\
         [caption id=\"attachment_12\" align=\"alignnone\" width=\"300\"]<img src=\"{up}/gone.jpg\" alt=\"\" /> The pier, long gone[/caption]\n\n\
         <p>A friend's photo: <img src=\"https://elsewhere.example/wp-content/uploads/x.jpg\"></p>]]></content:encoded>\
         <excerpt:encoded><![CDATA[<p>Chips, <em>by the sea</em>.</p>]]></excerpt:encoded>\
         <category domain=\"category\" nicename=\"food\"><![CDATA[Food]]></category>\
         <category domain=\"category\" nicename=\"uncategorized\"><![CDATA[Uncategorized]]></category>\
         <category domain=\"post_tag\" nicename=\"sea\"><![CDATA[sea]]></category>\
         <wp:postmeta><wp:meta_key><![CDATA[_thumbnail_id]]></wp:meta_key><wp:meta_value><![CDATA[11]]></wp:meta_value></wp:postmeta>{}{}{}{}",
        comment(3, "ann", "Lovely fish.\nTruly.", "1", "comment", 0),
        comment(4, "ben", "Agreed with Ann.", "1", "", 3),
        comment(5, "spammer", "Buy pills", "spam", "", 0),
        comment(6, "blog", "Pinged you", "1", "pingback", 0),
    );
    let attachment = |id: u32, file: &str, alt: &str| {
        format!(
            "<item><title>{file}</title><link>{site}/?attachment_id={id}</link><guid isPermaLink=\"false\">{up}/{file}</guid>\
             <wp:post_id>{id}</wp:post_id><wp:status>inherit</wp:status><wp:post_type>attachment</wp:post_type>\
             <wp:attachment_url><![CDATA[{up}/{file}]]></wp:attachment_url>\
             <wp:postmeta><wp:meta_key>_wp_attachment_image_alt</wp:meta_key><wp:meta_value><![CDATA[{alt}]]></wp:meta_value></wp:postmeta></item>\n"
        )
    };
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n\
         <rss version=\"2.0\" xmlns:excerpt=\"http://wordpress.org/export/1.2/excerpt/\" \
         xmlns:content=\"http://purl.org/rss/1.0/modules/content/\" xmlns:wfw=\"http://wellformedweb.org/CommentAPI/\" \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:wp=\"http://wordpress.org/export/1.2/\">\n<channel>\n\
         <title>Old blog</title><link>{site}</link><wp:wxr_version>1.2</wp:wxr_version>\
         <wp:base_site_url>{site}</wp:base_site_url><wp:base_blog_url>{site}</wp:base_blog_url>\n\
         <wp:category><wp:term_id>2</wp:term_id><wp:category_nicename>food</wp:category_nicename><wp:cat_name><![CDATA[Food]]></wp:cat_name></wp:category>\n\
         {}{}{}{}{}{}{}{}{}</channel>\n</rss>\n",
        item(
            "Fish &amp; chips",
            "fish-and-chips",
            "post",
            "publish",
            "2019-05-04 10:00:00",
            &fish
        ),
        item(
            "Plans",
            "plans",
            "post",
            "draft",
            "0000-00-00 00:00:00",
            "<content:encoded><![CDATA[Not yet.]]></content:encoded>"
        ),
        item(
            "Secret",
            "secret",
            "post",
            "private",
            "2019-06-01 09:00:00",
            "<content:encoded><![CDATA[Only me.]]></content:encoded>"
        ),
        item(
            "Colophon",
            "colophon",
            "page",
            "publish",
            "2019-01-01 00:00:00",
            "<content:encoded><![CDATA[Made with care.]]></content:encoded>"
        ),
        item(
            "Fish (revision)",
            "7-revision-v1",
            "revision",
            "inherit",
            "2019-05-04 10:00:00",
            ""
        ),
        item(
            "Home",
            "home",
            "nav_menu_item",
            "publish",
            "2019-05-04 10:00:00",
            ""
        ),
        item("Old", "old", "post", "trash", "2019-05-04 10:00:00", ""),
        attachment(10, "sea.jpg", "The sea at dawn"),
        attachment(11, "dot.png", "A dot"),
    )
}

/// The old site's images on loopback, and every path asked for.
fn old_wordpress_images() -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let asked = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = asked.clone();
    let (sea, dot) = (jpeg(1200, 800), png(20, 20));
    common::serve_on(listener, move |target| {
        log.lock().unwrap().push(target.to_string());
        let image = |kind: &str, bytes: &[u8]| {
            (
                200,
                vec![("Content-Type".to_string(), kind.to_string())],
                bytes.to_vec(),
            )
        };
        match target {
            "/wp-content/uploads/2019/05/sea.jpg" => image("image/jpeg", &sea),
            "/wp-content/uploads/2019/05/sea-300x200.jpg" => image("image/jpeg", &sea),
            "/wp-content/uploads/2019/05/dot.png" => image("image/png", &dot),
            _ => (404, vec![], b"not found".to_vec()),
        }
    });
    (base, asked)
}

#[test]
fn a_wordpress_export_comes_in_with_its_images_comments_and_old_addresses() {
    let server = TestServer::with_owner();
    set_address(&server, &server.base);
    let fake = FakeMastodon::start();
    federation::bob_follows_alice(&server, &fake);
    federation::wait_for_jobs(&server);
    let heard_before = fake.inbox_posts().len();
    let notified_before = number(&server, "SELECT count(*) FROM notifications", []);
    let (images, asked) = old_wordpress_images();
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("oldblog.WordPress.2024-01-01.xml");
    std::fs::write(&export, wordpress_export(&server.base, &images)).unwrap();

    let (ok, said) = porch(
        &[
            "import",
            "--allow-private-network",
            export.to_str().unwrap(),
        ],
        &server.data,
    );
    assert!(ok, "{said}");
    for told in [
        "7 items of the WordPress export read: 4 added, 0 imported before, 3 skipped",
        "gone.jpg: the old site answered 404",
        "was private on WordPress: it was kept as a draft",
        "3 revisions, menu entries, items in the trash",
        "2 pingbacks, trackbacks and comments",
    ] {
        assert!(said.contains(told), "{told}: {said}");
    }

    let posts = all_posts(&server, Exported::Public);
    assert_eq!(posts.len(), 2);
    let fish = posts.iter().find(|p| p.kind == Kind::Post).unwrap();
    assert_eq!(fish.title.as_deref(), Some("Fish & chips"));
    assert_eq!(
        fish.path.as_deref(),
        Some("/2019/05/04/fish-and-chips.html")
    );
    assert_eq!(
        fish.published_at,
        Some(
            chrono::DateTime::parse_from_rfc3339("2019-05-04T10:00:00Z")
                .unwrap()
                .timestamp()
        )
    );
    let mut categories: Vec<&str> = fish.categories.iter().map(|c| c.name.as_str()).collect();
    categories.sort();
    assert_eq!(
        categories,
        ["Food", "sea"],
        "WordPress's default category stays behind"
    );
    assert_eq!(fish.summary, "Chips, by the sea.");
    // The image, its resized copy and the link to it all point at one copy here; the missing
    // one and another site's stay as they were; the block editor's markup is gone.
    let md = &fish.markdown;
    assert!(!md.contains("/sea"), "{md}");
    assert!(
        md.contains(&format!("{images}/wp-content/uploads/2019/05/gone.jpg")),
        "{md}"
    );
    assert_eq!(
        md.matches(&format!("{}/uploads/", server.base)).count(),
        2,
        "{md}"
    );
    assert!(
        md.contains("https://elsewhere.example/wp-content/uploads/x.jpg"),
        "{md}"
    );
    assert!(
        !md.contains("wp:paragraph") && !md.contains("srcset"),
        "{md}"
    );
    assert!(
        md.contains("<figcaption>The pier, long gone</figcaption>"),
        "{md}"
    );
    let asked_for = |path: &str| asked.lock().unwrap().iter().filter(|p| *p == path).count();
    assert_eq!(asked_for("/wp-content/uploads/2019/05/sea.jpg"), 1);
    assert_eq!(asked_for("/wp-content/uploads/2019/05/sea-300x200.jpg"), 0);
    assert_eq!(
        fish.photos.len(),
        1,
        "the featured image is the post's photo"
    );
    assert_eq!(fish.photos[0].alt, "A dot");
    let colophon = posts.iter().find(|p| p.kind == Kind::Page).unwrap();
    assert_eq!(colophon.path.as_deref(), Some("/colophon/"));
    let drafts = all_posts(&server, Exported::Unpublished);
    let mut titles: Vec<_> = drafts.iter().filter_map(|p| p.title.as_deref()).collect();
    titles.sort();
    assert_eq!(titles, ["Plans", "Secret"]);

    // The approved comments are under the post, the reply answering Ann's; the spam and the
    // pingback are not kept.
    let page = server.client().get("/2019/05/04/fish-and-chips.html");
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(html.contains("Lovely fish."), "{html}");
    assert!(html.contains("Agreed with Ann."), "{html}");
    assert!(
        !html.contains("Buy pills") && !html.contains("Pinged you"),
        "{html}"
    );
    let replies = server
        .app
        .db
        .read_blocking(|c| porch::store::remote_posts::approved_replies(c, fish.id))
        .unwrap();
    assert_eq!(replies.len(), 2);
    let ben = replies.iter().find(|r| r.actor.name == "ben").unwrap();
    assert_eq!(
        ben.in_reply_to,
        format!("{}/2019/05/fish-and-chips/#comment-3", server.base)
    );
    assert_eq!(ben.actor.url, "https://ben.example/");

    // The old address, on this same domain, answers with the new one.
    let old = server.client().get("/2019/05/fish-and-chips/");
    assert_eq!(old.status, 301);
    assert_eq!(old.location(), "/2019/05/04/fish-and-chips.html");

    // The follower heard of none of it, and the commenters were not told either.
    assert_eq!(
        number(
            &server,
            "SELECT count(*) FROM jobs WHERE kind NOT IN ('housekeeping', 'publish_post')",
            [],
        ),
        0
    );
    federation::wait_for_jobs(&server);
    assert_eq!(fake.inbox_posts().len(), heard_before, "{}", fake.summary());
    assert_eq!(
        number(&server, "SELECT count(*) FROM notifications", []),
        notified_before
    );

    // Again: nothing added, nothing downloaded again.
    let before = asked.lock().unwrap().len();
    let (ok, said) = porch(
        &[
            "import",
            "--allow-private-network",
            export.to_str().unwrap(),
        ],
        &server.data,
    );
    assert!(ok, "{said}");
    assert!(said.contains("0 added, 4 imported before"), "{said}");
    assert_eq!(asked.lock().unwrap().len(), before);

    // The panel's preview counts what the export holds.
    let admin = server.admin();
    let (page, preview) = preview(&admin, &export);
    assert!(
        preview.contains(
            "This archive (WordPress export) holds\n1 post,\n1 page,\n2 drafts\nand 2 files"
        ),
        "{preview}"
    );
    assert!(
        preview.contains("3 items will be left out on purpose (revisions"),
        "{preview}"
    );
    // Started there, it reads the same export through the job: nothing new, nothing fetched.
    let done = start_and_finish(&server, &admin, &page);
    assert!(
        done.contains("<dt>Imported before</dt><dd>4</dd>"),
        "{done}"
    );
    assert_eq!(asked.lock().unwrap().len(), before);
}

#[test]
fn a_wordpress_import_downloads_nothing_from_a_private_address_unless_allowed() {
    let server = TestServer::with_owner();
    set_address(&server, &server.base);
    let (images, asked) = old_wordpress_images();
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("export.xml");
    std::fs::write(&export, wordpress_export("https://old.example", &images)).unwrap();

    let (ok, said) = porch(&["import", export.to_str().unwrap()], &server.data);
    assert!(ok, "{said}");
    assert!(said.contains("4 added"), "{said}");
    assert!(said.contains("refused to connect to a private"), "{said}");
    assert!(
        asked.lock().unwrap().is_empty(),
        "{:?}",
        asked.lock().unwrap()
    );
    let fish = all_posts(&server, Exported::Public)
        .into_iter()
        .find(|p| p.kind == Kind::Post)
        .unwrap();
    // The post still points at the old site, and its old address was elsewhere: no redirect.
    assert!(fish.markdown.contains(&images), "{}", fish.markdown);
    assert!(fish.photos.is_empty());
    assert_eq!(server.client().get("/2019/05/fish-and-chips/").status, 404);

    // A site already gone: the export beside a copy of wp-content/uploads, in a folder, takes
    // its images from the copy and asks the old site for nothing.
    let gone = TestServer::with_owner();
    set_address(&gone, &gone.base);
    let folder = dir.path().join("old-site");
    let uploads = folder.join("wp-content/uploads/2019/05");
    std::fs::create_dir_all(&uploads).unwrap();
    std::fs::copy(&export, folder.join("export.xml")).unwrap();
    std::fs::write(uploads.join("sea.jpg"), jpeg(1200, 800)).unwrap();
    std::fs::write(uploads.join("dot.png"), png(20, 20)).unwrap();
    let (ok, said) = porch(&["import", folder.to_str().unwrap()], &gone.data);
    assert!(ok, "{said}");
    assert!(
        said.contains("7 items of the WordPress export read: 4 added"),
        "{said}"
    );
    assert!(
        asked.lock().unwrap().is_empty(),
        "{:?}",
        asked.lock().unwrap()
    );
    let fish = all_posts(&gone, Exported::Public)
        .into_iter()
        .find(|p| p.kind == Kind::Post)
        .unwrap();
    assert_eq!(fish.photos[0].alt, "A dot");
    assert!(!fish.markdown.contains("/sea"), "{}", fish.markdown);
    assert!(
        fish.markdown.contains(&format!("{}/uploads/", gone.base)),
        "{}",
        fish.markdown
    );

    // The same, zipped, is told from the panel's preview as a WordPress export.
    let zipped = dir.path().join("old-site.zip");
    let names = [
        "export.xml",
        "wp-content/uploads/2019/05/sea.jpg",
        "wp-content/uploads/2019/05/dot.png",
    ];
    zip_files(&folder, &names, &zipped);
    let (_, preview) = preview(&gone.admin(), &zipped);
    assert!(
        preview.contains("This archive (WordPress export) holds\n1 post,"),
        "{preview}"
    );

    // A file that is XML but not WordPress's is refused with why, and changes nothing.
    let rss = dir.path().join("feed.xml");
    std::fs::write(
        &rss,
        "<?xml version=\"1.0\"?><rss><channel></channel></rss>",
    )
    .unwrap();
    let (ok, said) = porch(&["import", rss.to_str().unwrap()], &server.data);
    assert!(!ok, "{said}");
    assert_eq!(all_posts(&server, Exported::Public).len(), 2);
}
