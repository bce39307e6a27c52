//! Micropub through the real server, the way apps and the micropub.rocks suite send it: every
//! server test of micropub.rocks (one test per number, with the exact request the suite sends and
//! what a person checks by hand on the resulting page), then the extensions apps use (slugs,
//! drafts, backdating, replies and bookmarks, the queries) and the refusals, which change nothing.
//! Photos "by URL" come from a small web server on loopback, standing in for micropub.rocks.

mod common;

use common::federation::{form_fields, number, texts};
use common::{Resp, TestServer, jpeg, png, serve_pages};
use scraper::{Html, Selector};
use serde_json::{Value, json};

const FORM: &str = "application/x-www-form-urlencoded";
const JSON: &str = "application/json";
/// Every scope micropub.rocks' testers give their token.
const ALL_SCOPES: &str = "create update delete undelete media";

/// A site with its owner, a token as an app holds one, and the "remote" site the suite's
/// photos are fetched from.
struct Site {
    server: TestServer,
    token: String,
    remote: String,
}

fn site() -> Site {
    let server = TestServer::with_owner();
    let token = token(&server, ALL_SCOPES);
    Site {
        server,
        token,
        remote: remote_site(),
    }
}

/// A token made by hand in the panel (as a micropub.rocks tester pastes one).
fn token(server: &TestServer, scope: &str) -> String {
    let scope = scope.to_string();
    server
        .app
        .db
        .write_blocking(move |tx| porch::auth::tokens::create(tx, "micropub.rocks", &scope))
        .unwrap()
}

/// A small GIF, as micropub.rocks' w3c-socialwg.gif.
fn gif(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x * 8 % 256) as u8, (y * 8 % 256) as u8, 200])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Gif).unwrap();
    out.into_inner()
}

fn sunset() -> Vec<u8> {
    jpeg(64, 48)
}

fn city_at_night() -> Vec<u8> {
    jpeg(48, 64)
}

/// The suite's media, and two pages to reply to and bookmark, at the paths micropub.rocks uses.
fn remote_site() -> String {
    let page = |title: &str| {
        format!(
            "<!doctype html><html><head><title>{title}</title></head><body><p>{title}</p></body></html>"
        )
        .into_bytes()
    };
    serve_pages(|_| {
        vec![
            ("/media/sunset.jpg".into(), "image/jpeg".into(), sunset()),
            (
                "/media/city-at-night.jpg".into(),
                "image/jpeg".into(),
                city_at_night(),
            ),
            (
                "/media/micropub-rocks.png".into(),
                "image/png".into(),
                png(40, 40),
            ),
            (
                "/media/w3c-socialwg.gif".into(),
                "image/gif".into(),
                gif(30, 20),
            ),
            (
                "/notes/porches".into(),
                "text/html".into(),
                page("On porches"),
            ),
            (
                "/articles/swings".into(),
                "text/html".into(),
                page("Porch swings"),
            ),
        ]
    })
}

impl Site {
    fn url(&self, path: &str) -> String {
        self.server.url(path)
    }

    fn remote(&self, path: &str) -> String {
        format!("{}{path}", self.remote)
    }

    /// A form-encoded POST to the endpoint as the suite sends it: the body as written, the
    /// token in the header.
    fn form(&self, body: &str) -> Resp {
        self.form_with(&self.token, body)
    }

    fn form_with(&self, token: &str, body: &str) -> Resp {
        let auth = format!("Bearer {token}");
        self.server.client().post_raw(
            "/micropub",
            FORM,
            body.as_bytes(),
            &[("Authorization", &auth)],
        )
    }

    /// A JSON POST to the endpoint as the suite sends it.
    fn json(&self, body: &Value) -> Resp {
        self.json_with(&self.token, body)
    }

    fn json_with(&self, token: &str, body: &Value) -> Resp {
        let auth = format!("Bearer {token}");
        self.server.client().post_raw(
            "/micropub",
            JSON,
            body.to_string().as_bytes(),
            &[("Authorization", &auth), ("Accept", JSON)],
        )
    }

    /// A GET query (`q=…`) with the token in the header.
    fn query(&self, query: &str) -> Resp {
        self.query_at("/micropub", query)
    }

    fn query_at(&self, endpoint: &str, query: &str) -> Resp {
        let auth = format!("Bearer {}", self.token);
        self.server.client().get_with(
            &format!("{endpoint}?{query}"),
            &[("Authorization", &auth), ("Accept", JSON)],
        )
    }

    /// A query's JSON answer, checked the way micropub.rocks checks it: 200, a JSON Content-Type
    /// and a body that starts with `{`.
    #[track_caller]
    fn query_json(&self, query: &str) -> Value {
        json_answer(&self.query(query))
    }

    /// `q=source` for one post.
    #[track_caller]
    fn source(&self, url: &str, extra: &str) -> Value {
        let q = serde_urlencoded::to_string([("q", "source"), ("url", url)]).unwrap();
        self.query_json(&format!("{q}{extra}"))
    }

    /// A multipart create, text fields then files, as the suite sends it.
    fn multipart(&self, fields: &[(&str, &str)], files: &[(&str, &str, Vec<u8>)]) -> Resp {
        let boundary = "----micropubrocksboundary0123456789";
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                )
                .as_bytes(),
            );
        }
        for (name, file_name, bytes) in files {
            let mime = if file_name.ends_with(".png") {
                "image/png"
            } else if file_name.ends_with(".gif") {
                "image/gif"
            } else if file_name.ends_with(".jpg") {
                "image/jpeg"
            } else {
                "text/plain"
            };
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: {mime}\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        self.post_multipart_body("/micropub", boundary, &body)
    }

    fn post_multipart_body(&self, endpoint: &str, boundary: &str, body: &[u8]) -> Resp {
        let auth = format!("Bearer {}", self.token);
        self.server.client().post_raw(
            endpoint,
            &format!("multipart/form-data; boundary={boundary}"),
            body,
            &[("Authorization", &auth)],
        )
    }

    /// One file to the media endpoint, in a part named `file`.
    fn upload(&self, file_name: &str, mime: &str, bytes: &[u8]) -> Resp {
        let boundary = "----micropubrocksmediaboundary42";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: {mime}\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        self.post_multipart_body("/micropub/media", boundary, &body)
    }

    /// A post's public page, which must answer 200.
    #[track_caller]
    fn page(&self, url: &str) -> String {
        let page = self.server.client().get(url);
        assert_eq!(page.status, 200, "{url}: {}", page.text());
        page.text()
    }

    /// What the site's visitors see on the home page.
    fn home(&self) -> String {
        self.server.client().get("/").text()
    }

    /// Makes alt text optional, as the owner does in Settings before running the suite's photo
    /// tests (Porch requires it by default, and holds photo posts without it as drafts).
    fn alt_text_optional(&self) {
        let admin = self.server.admin();
        let page = admin.get("/admin/settings");
        assert_eq!(page.status, 200);
        let fields: Vec<(String, String)> = form_fields(&page.text(), "/admin/settings")
            .into_iter()
            .filter(|(name, _)| name != "require_alt")
            .collect();
        let pairs: Vec<(&str, &str)> = fields
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let saved = admin.post_form("/admin/settings", &pairs);
        assert_eq!(saved.status, 303, "{}", saved.text());
        let again = admin.get("/admin/settings").text();
        assert!(
            !form_fields(&again, "/admin/settings")
                .iter()
                .any(|(name, _)| name == "require_alt"),
            "alt text is still required"
        );
    }

    /// Everything a refused request must leave as it was: posts, their categories and photos,
    /// the media library and the tokens.
    fn snapshot(&self) -> Vec<String> {
        [
            "SELECT coalesce(group_concat(id || ' ' || status || ' ' || coalesce(path, '-') || ' '
                    || coalesce(published_at, '-') || ' ' || updated_at || ' ' || markdown, char(10)), '')
             FROM (SELECT * FROM posts ORDER BY id)",
            "SELECT coalesce(group_concat(post_id || ':' || category_id, ','), '')
             FROM (SELECT * FROM post_categories ORDER BY post_id, category_id)",
            "SELECT coalesce(group_concat(post_id || ':' || media_id || ':' || alt, ','), '')
             FROM (SELECT * FROM post_photos ORDER BY post_id, position)",
            "SELECT count(*) || ' media' FROM media",
            "SELECT count(*) || ' categories' FROM categories",
            "SELECT coalesce(group_concat(id || ' ' || scope, ','), '') FROM app_tokens",
        ]
        .iter()
        .map(|sql| {
            self.server
                .app
                .db
                .read_blocking(|c| Ok(c.query_row(sql, [], |r| r.get::<_, String>(0))?))
                .unwrap()
        })
        .collect()
    }

    fn post_count(&self) -> i64 {
        number(&self.server, "SELECT count(*) FROM posts", [])
    }

    /// The status of the post at `url` (a permalink or the panel address of a draft).
    fn status_of(&self, url: &str) -> String {
        let path = url
            .strip_prefix(&self.server.base)
            .unwrap_or(url)
            .to_string();
        let id = path
            .strip_prefix("/admin/posts/")
            .map(|id| id.parse::<i64>().unwrap());
        self.server
            .app
            .db
            .read_blocking(move |c| {
                Ok(match id {
                    Some(id) => {
                        c.query_row("SELECT status FROM posts WHERE id = ?1", [id], |r| r.get(0))?
                    }
                    None => {
                        c.query_row("SELECT status FROM posts WHERE path = ?1", [path], |r| {
                            r.get(0)
                        })?
                    }
                })
            })
            .unwrap()
    }
}

/// A 2xx answer with JSON: micropub.rocks counts a body as JSON only if its Content-Type says so
/// and its first byte is `{`.
#[track_caller]
fn json_answer(resp: &Resp) -> Value {
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert_eq!(
        resp.header("content-type"),
        Some(JSON),
        "{:?}",
        resp.headers
    );
    assert_eq!(resp.body.first(), Some(&b'{'), "{}", resp.text());
    resp.json()
}

/// A Micropub error: the status, a JSON body with this `error`.
#[track_caller]
fn assert_error(resp: &Resp, status: u16, error: &str) {
    assert_eq!(resp.status, status, "{}", resp.text());
    assert!(
        resp.header("content-type")
            .unwrap_or_default()
            .starts_with(JSON),
        "{:?}",
        resp.headers
    );
    assert_eq!(resp.json()["error"], error, "{}", resp.text());
}

/// A create's answer: 201 (or 202 when `accepted`) with the absolute URL of the post in
/// `Location`, which is returned.
#[track_caller]
fn created(site: &Site, resp: &Resp) -> String {
    assert_eq!(resp.status, 201, "{}", resp.text());
    let location = resp.location().to_string();
    assert!(
        location.starts_with(&site.server.base) && location.len() > site.server.base.len() + 1,
        "Location {location:?}"
    );
    location
}

/// A published post's permalink: `/YYYY/MM/DD/slug.html` on this site.
#[track_caller]
fn assert_permalink(site: &Site, location: &str) {
    let path = location.strip_prefix(&site.server.base).unwrap();
    let parts: Vec<&str> = path.split('/').collect();
    assert_eq!(parts.len(), 5, "{path}");
    assert!(
        parts[1].len() == 4 && parts[2].len() == 2 && parts[3].len() == 2,
        "{path}"
    );
    assert!(parts[4].ends_with(".html"), "{path}");
}

/// The text of the post's content on its page.
fn content_of(page: &str) -> String {
    texts(page, "article.h-entry .e-content").join(" ")
}

fn categories_of(page: &str) -> Vec<String> {
    texts(page, "article.h-entry .p-category")
}

/// The post's photos on its page, as (src, alt).
fn photos_of(page: &str) -> Vec<(String, String)> {
    let doc = Html::parse_document(page);
    let sel = Selector::parse("article.h-entry img.u-photo").unwrap();
    doc.select(&sel)
        .map(|img| {
            (
                img.value().attr("src").unwrap_or_default().to_string(),
                img.value().attr("alt").unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// Asserts that the page shows `count` photos, each served by this site (not hotlinked from
/// where the app found it) as a real image.
#[track_caller]
fn assert_photos_served(site: &Site, page: &str, count: usize) -> Vec<(String, String)> {
    let photos = photos_of(page);
    assert_eq!(photos.len(), count, "{page}");
    for (src, _) in &photos {
        assert!(
            src.starts_with(&site.url("/uploads/")),
            "photo not served by the site: {src}"
        );
        let file = site.server.client().get(src);
        assert_eq!(file.status, 200, "{src}");
        assert!(
            file.header("content-type")
                .unwrap_or_default()
                .starts_with("image/"),
            "{:?}",
            file.headers
        );
        image::load_from_memory(&file.body).expect("the photo is an image");
    }
    photos
}

fn percent(value: &str) -> String {
    serde_urlencoded::to_string([("", value)])
        .unwrap()
        .trim_start_matches('=')
        .to_string()
}

// 100-series: creates, form-encoded.

#[test]
fn test_100_creates_an_h_entry_from_a_form() {
    let site = site();
    let resp = site.form("h=entry&content=Micropub+test+of+creating+a+basic+h-entry");
    let location = created(&site, &resp);
    assert_permalink(&site, &location);
    let page = site.page(&location);
    assert_eq!(
        content_of(&page).trim(),
        "Micropub test of creating a basic h-entry"
    );
    assert!(page.contains("class=\"h-entry"), "{page}");
    assert!(
        site.home()
            .contains("Micropub test of creating a basic h-entry")
    );
}

#[test]
fn test_101_creates_an_h_entry_with_two_categories_from_a_form() {
    let site = site();
    let resp = site.form(
        "h=entry&content=Micropub+test+of+creating+an+h-entry+with+categories.+This+post+should+have+two+categories,+test1+and+test2&category[]=test1&category[]=test2",
    );
    let location = created(&site, &resp);
    let page = site.page(&location);
    assert_eq!(categories_of(&page), ["test1", "test2"]);
    assert!(content_of(&page).contains("This post should have two categories, test1 and test2"));
    let listed = site.server.client().get("/categories/test2/");
    assert_eq!(listed.status, 200);
    assert!(
        listed
            .text()
            .contains("Micropub test of creating an h-entry with categories")
    );
}

#[test]
fn test_104_creates_an_h_entry_with_a_photo_referenced_by_url_from_a_form() {
    let site = site();
    site.alt_text_optional();
    let body = format!(
        "h=entry&content=Micropub+test+of+creating+a+photo+referenced+by+URL&photo={}",
        percent(&site.remote("/media/sunset.jpg"))
    );
    let location = created(&site, &site.form(&body));
    let page = site.page(&location);
    assert_eq!(
        content_of(&page).trim(),
        "Micropub test of creating a photo referenced by URL"
    );
    let photos = assert_photos_served(&site, &page, 1);
    let shown = site.server.client().get(&photos[0].0);
    let img = image::load_from_memory(&shown.body).unwrap();
    assert_eq!((img.width(), img.height()), (64, 48), "the sunset, fetched");
    assert!(
        !page.contains(&site.remote),
        "the page loads nothing from elsewhere"
    );
}

#[test]
fn test_107_creates_an_h_entry_with_one_category_without_brackets() {
    let site = site();
    let resp = site.form(
        "h=entry&content=Micropub+test+of+creating+an+h-entry+with+one+category.+This+post+should+have+one+category,+test1&category=test1",
    );
    let location = created(&site, &resp);
    let page = site.page(&location);
    assert_eq!(categories_of(&page), ["test1"]);
}

// 200-series: creates, JSON.

#[test]
fn test_200_creates_an_h_entry_from_json() {
    let site = site();
    let resp = site.json(&json!({
        "type": ["h-entry"],
        "properties": {"content": ["Micropub test of creating an h-entry with a JSON request"]}
    }));
    let location = created(&site, &resp);
    assert_permalink(&site, &location);
    let page = site.page(&location);
    assert_eq!(
        content_of(&page).trim(),
        "Micropub test of creating an h-entry with a JSON request"
    );
}

#[test]
fn test_201_creates_an_h_entry_with_two_categories_from_json() {
    let site = site();
    let resp = site.json(&json!({
        "type": ["h-entry"],
        "properties": {
            "content": ["Micropub test of creating an h-entry with a JSON request containing multiple categories. This post should have two categories, test1 and test2."],
            "category": ["test1", "test2"]
        }
    }));
    let location = created(&site, &resp);
    assert_eq!(categories_of(&site.page(&location)), ["test1", "test2"]);
}

#[test]
fn test_202_creates_an_h_entry_with_html_content() {
    let site = site();
    let html = "<p>This post has <b>bold</b> and <i>italic</i> text.</p>";
    let resp = site.json(&json!({
        "type": ["h-entry"],
        "properties": {"content": [{"html": html}]}
    }));
    let location = created(&site, &resp);
    let page = site.page(&location);
    let doc = Html::parse_document(&page);
    let bold = Selector::parse("article.h-entry .e-content b").unwrap();
    let italic = Selector::parse("article.h-entry .e-content i").unwrap();
    assert_eq!(
        doc.select(&bold)
            .map(|e| e.text().collect::<String>())
            .collect::<Vec<_>>(),
        ["bold"],
        "{page}"
    );
    assert_eq!(
        doc.select(&italic)
            .map(|e| e.text().collect::<String>())
            .collect::<Vec<_>>(),
        ["italic"]
    );
    assert!(
        !page.contains("&lt;b&gt;"),
        "the HTML is not escaped: {page}"
    );
    assert_eq!(
        content_of(&page).trim(),
        "This post has bold and italic text."
    );
    // An app editing it gets back the HTML it sent, as HTML.
    let source = site.source(&location, "");
    assert_eq!(source["properties"]["content"], json!([{"html": html}]));
}

#[test]
fn test_203_creates_an_h_entry_with_a_photo_referenced_by_url_from_json() {
    let site = site();
    site.alt_text_optional();
    let resp = site.json(&json!({
        "type": ["h-entry"],
        "properties": {
            "content": ["Micropub test of creating a photo referenced by URL. This post should include a photo of a sunset."],
            "photo": [site.remote("/media/sunset.jpg")]
        }
    }));
    let location = created(&site, &resp);
    let page = site.page(&location);
    assert!(content_of(&page).contains("This post should include a photo of a sunset."));
    assert_photos_served(&site, &page, 1);
}

#[test]
fn test_204_creates_an_h_entry_with_a_nested_object() {
    let site = site();
    let resp = site.json(&json!({
        "type": ["h-entry"],
        "properties": {
            "published": ["2017-05-31T12:03:36-07:00"],
            "content": ["Lunch meeting"],
            "checkin": [{
                "type": ["h-card"],
                "properties": {
                    "name": ["Los Gorditos"],
                    "url": ["https://foursquare.com/v/502c4bbde4b06e61e06d1ebf"],
                    "latitude": [45.524330801154],
                    "longitude": [-122.68068808051],
                    "street-address": ["922 NW Davis St"],
                    "locality": ["Portland"],
                    "region": ["OR"],
                    "country-name": ["United States"],
                    "postal-code": ["97209"]
                }
            }]
        }
    }));
    let location = created(&site, &resp);
    // Published in the past: the post is dated then (19:03 UTC), not now.
    let path = location.strip_prefix(&site.server.base).unwrap();
    assert!(path.starts_with("/2017/05/31/"), "{path}");
    let page = site.page(&location);
    assert_eq!(content_of(&page).trim(), "Lunch meeting");
    let doc = Html::parse_document(&page);
    let time = Selector::parse("article.h-entry time.dt-published").unwrap();
    let datetime = doc
        .select(&time)
        .next()
        .and_then(|t| t.value().attr("datetime"))
        .unwrap_or_default()
        .to_string();
    let when = chrono::DateTime::parse_from_rfc3339(&datetime).expect("an ISO 8601 date");
    assert_eq!(when.timestamp(), 1496257416, "{datetime}");
    // The nested check-in is stored as it came, and read back whole (numbers stay numbers).
    let source = site.source(&location, "");
    assert_eq!(source["properties"]["content"], json!(["Lunch meeting"]));
    let checkin = &source["properties"]["checkin"][0];
    assert_eq!(checkin["type"], json!(["h-card"]));
    assert_eq!(checkin["properties"]["name"], json!(["Los Gorditos"]));
    assert_eq!(checkin["properties"]["latitude"], json!([45.524330801154]));
    assert_eq!(checkin["properties"]["postal-code"], json!(["97209"]));
    // An update keeps it.
    let resp =
        site.json(&json!({"action": "update", "url": location, "replace": {"content": ["Lunch"]}}));
    assert_eq!(resp.status, 204, "{}", resp.text());
    let source = site.source(&location, "");
    assert_eq!(
        source["properties"]["checkin"][0]["properties"]["locality"],
        json!(["Portland"])
    );
}

#[test]
fn test_205_creates_an_h_entry_with_a_photo_with_alt_text() {
    // Alt text is given, so the owner's default rule (alt text required) lets it publish.
    let site = site();
    let resp = site.json(&json!({
        "type": ["h-entry"],
        "properties": {
            "content": ["Micropub test of creating a photo referenced by URL with alt text. This post should include a photo of a sunset."],
            "photo": [{"value": site.remote("/media/sunset.jpg"), "alt": "Photo of a sunset"}]
        }
    }));
    let location = created(&site, &resp);
    let page = site.page(&location);
    let photos = assert_photos_served(&site, &page, 1);
    assert_eq!(photos[0].1, "Photo of a sunset");
    let source = site.source(&location, "&properties[]=photo");
    assert_eq!(source["properties"]["photo"][0]["alt"], "Photo of a sunset");
}

#[test]
fn test_206_creates_an_h_entry_with_two_photos_referenced_by_url() {
    let site = site();
    site.alt_text_optional();
    let resp = site.json(&json!({
        "type": ["h-entry"],
        "properties": {
            "content": ["Micropub test of creating multiple photos referenced by URL. This post should include a photo of a city at night."],
            "photo": [site.remote("/media/sunset.jpg"), site.remote("/media/city-at-night.jpg")]
        }
    }));
    let location = created(&site, &resp);
    let page = site.page(&location);
    let photos = assert_photos_served(&site, &page, 2);
    let sizes: Vec<(u32, u32)> = photos
        .iter()
        .map(|(src, _)| {
            let img = image::load_from_memory(&site.server.client().get(src).body).unwrap();
            (img.width(), img.height())
        })
        .collect();
    assert_eq!(
        sizes,
        [(64, 48), (48, 64)],
        "the sunset, then the city, in order"
    );
}

// 300-series: creates, multipart.

#[test]
fn test_300_creates_an_h_entry_with_an_uploaded_photo() {
    let site = site();
    site.alt_text_optional();
    let resp = site.multipart(
        &[("h", "entry"), ("content", "Nice sunset tonight")],
        &[("photo", "sunset.jpg", sunset())],
    );
    let location = created(&site, &resp);
    let page = site.page(&location);
    assert_eq!(content_of(&page).trim(), "Nice sunset tonight");
    assert_photos_served(&site, &page, 1);
}

#[test]
fn test_301_creates_an_h_entry_with_two_uploaded_photos() {
    let site = site();
    site.alt_text_optional();
    let resp = site.multipart(
        &[
            ("h", "entry"),
            ("content", "This post should have two photos"),
        ],
        &[
            ("photo[]", "sunset.jpg", sunset()),
            ("photo[]", "city-at-night.jpg", city_at_night()),
        ],
    );
    let location = created(&site, &resp);
    let page = site.page(&location);
    assert_photos_served(&site, &page, 2);
    assert_eq!(number(&site.server, "SELECT count(*) FROM media", []), 2);
}

// 400-series: updates.

/// The suite's first step of every update test: a JSON create.
fn create_for_update(site: &Site, properties: Value) -> String {
    created(
        site,
        &site.json(&json!({"type": ["h-entry"], "properties": properties})),
    )
}

#[test]
fn test_400_replaces_a_property() {
    let site = site();
    let url = create_for_update(
        &site,
        json!({"content": ["Micropub update test. This text should be replaced if the test succeeds."]}),
    );
    assert!(content_of(&site.page(&url)).contains("should be replaced"));
    let resp = site.json(&json!({
        "action": "update",
        "url": url,
        "replace": {"content": ["This is the updated text. If you can see this you passed the test!"]}
    }));
    assert_eq!(resp.status, 204, "{}", resp.text());
    let page = site.page(&url);
    assert_eq!(
        content_of(&page).trim(),
        "This is the updated text. If you can see this you passed the test!"
    );
    assert!(!page.contains("should be replaced"));
    assert_eq!(
        site.source(&url, "")["properties"]["content"],
        json!(["This is the updated text. If you can see this you passed the test!"])
    );
    assert_eq!(site.post_count(), 1, "updated in place");
}

#[test]
fn test_401_adds_a_value_to_an_existing_property() {
    let site = site();
    let url = create_for_update(
        &site,
        json!({"content": ["Micropub update test for adding a category. After you run the update, this post should have two categories: test1 and test2."], "category": ["test1"]}),
    );
    assert_eq!(categories_of(&site.page(&url)), ["test1"]);
    let resp = site.json(&json!({"action": "update", "url": url, "add": {"category": ["test2"]}}));
    assert_eq!(resp.status, 204, "{}", resp.text());
    assert_eq!(categories_of(&site.page(&url)), ["test1", "test2"]);
    assert!(content_of(&site.page(&url)).contains("this post should have two categories"));
}

#[test]
fn test_402_adds_a_value_to_a_missing_property() {
    let site = site();
    let url = create_for_update(
        &site,
        json!({"content": ["Micropub update test for adding a category. After you run the update, this post should have one category: test1."]}),
    );
    assert!(categories_of(&site.page(&url)).is_empty());
    let resp = site.json(&json!({"action": "update", "url": url, "add": {"category": ["test1"]}}));
    assert_eq!(resp.status, 204, "{}", resp.text());
    assert_eq!(categories_of(&site.page(&url)), ["test1"]);
}

#[test]
fn test_403_removes_a_value_from_a_property() {
    let site = site();
    let url = create_for_update(
        &site,
        json!({"content": ["This test deletes a category from the post. After you run the update, this post should have only the category test1."], "category": ["test1", "test2"]}),
    );
    assert_eq!(categories_of(&site.page(&url)), ["test1", "test2"]);
    let resp =
        site.json(&json!({"action": "update", "url": url, "delete": {"category": ["test2"]}}));
    assert_eq!(resp.status, 204, "{}", resp.text());
    assert_eq!(categories_of(&site.page(&url)), ["test1"]);
    assert_eq!(
        site.source(&url, "&properties[]=category")["properties"]["category"],
        json!(["test1"])
    );
}

#[test]
fn test_404_removes_a_property() {
    let site = site();
    let url = create_for_update(
        &site,
        json!({"content": ["This test deletes a category from the post. After you run the update, this post should have no categories."], "category": ["test1", "test2"]}),
    );
    let resp = site.json(&json!({"action": "update", "url": url, "delete": ["category"]}));
    assert_eq!(resp.status, 204, "{}", resp.text());
    let page = site.page(&url);
    assert!(categories_of(&page).is_empty(), "{page}");
    assert!(content_of(&page).contains("this post should have no categories"));
    let source = site.source(&url, "");
    assert!(source["properties"].get("category").is_none(), "{source}");
}

#[test]
fn test_405_rejects_an_update_whose_operation_is_not_an_object() {
    let site = site();
    let url = create_for_update(&site, json!({"content": ["Micropub update test #405."]}));
    let before = site.snapshot();
    let resp = site.json(&json!({
        "action": "update",
        "url": url,
        "replace": "This is not a valid update request."
    }));
    assert_error(&resp, 400, "invalid_request");
    assert_eq!(site.snapshot(), before);
    assert_eq!(
        content_of(&site.page(&url)).trim(),
        "Micropub update test #405."
    );
}

// 500-series: deletes and undeletes.

#[track_caller]
fn assert_gone(site: &Site, url: &str, text: &str) {
    let page = site.server.client().get(url);
    assert_eq!(page.status, 410, "{}", page.text());
    assert!(!page.text().contains(text));
    assert!(!site.home().contains(text), "still listed on the home page");
    let source = site.query(&serde_urlencoded::to_string([("q", "source"), ("url", url)]).unwrap());
    assert_error(&source, 400, "invalid_request");
}

#[test]
fn test_500_deletes_a_post_from_a_form() {
    let site = site();
    let url = created(
        &site,
        &site.form("h=entry&content=This+post+will+be+deleted+when+the+test+succeeds."),
    );
    assert!(
        site.home()
            .contains("This post will be deleted when the test succeeds.")
    );
    let resp = site.form(&format!("action=delete&url={}", percent(&url)));
    assert_eq!(resp.status, 204, "{}", resp.text());
    assert_gone(
        &site,
        &url,
        "This post will be deleted when the test succeeds.",
    );
    assert_eq!(site.status_of(&url), "deleted");
}

#[test]
fn test_501_deletes_a_post_from_json() {
    let site = site();
    let url = create_for_update(
        &site,
        json!({"content": ["This post will be deleted when the test succeeds."]}),
    );
    let resp = site.json(&json!({"action": "delete", "url": url}));
    assert_eq!(resp.status, 204, "{}", resp.text());
    assert_gone(
        &site,
        &url,
        "This post will be deleted when the test succeeds.",
    );
}

#[test]
fn test_502_undeletes_a_post_from_a_form() {
    let site = site();
    let text = "This post will be deleted, and should be restored after undeleting it.";
    let url = created(
        &site,
        &site.form(
            "h=entry&content=This+post+will+be+deleted,+and+should+be+restored+after+undeleting+it.",
        ),
    );
    let resp = site.form(&format!("action=delete&url={}", percent(&url)));
    assert_eq!(resp.status, 204, "{}", resp.text());
    assert_gone(&site, &url, text);
    let resp = site.form(&format!("action=undelete&url={}", percent(&url)));
    assert_eq!(resp.status, 204, "{}", resp.text());
    assert_eq!(
        content_of(&site.page(&url)).trim(),
        text,
        "back at its old URL"
    );
    assert!(site.home().contains(text));
    assert_eq!(site.post_count(), 1);
}

#[test]
fn test_503_undeletes_a_post_from_json() {
    let site = site();
    let text = "This post will be deleted, and should be restored after undeleting it.";
    let url = create_for_update(&site, json!({"content": [text]}));
    let resp = site.json(&json!({"action": "delete", "url": url}));
    assert_eq!(resp.status, 204, "{}", resp.text());
    assert_gone(&site, &url, text);
    let resp = site.json(&json!({"action": "undelete", "url": url}));
    assert_eq!(resp.status, 204, "{}", resp.text());
    assert_eq!(content_of(&site.page(&url)).trim(), text);
    assert_eq!(
        site.source(&url, "")["properties"]["content"],
        json!([text])
    );
}

// 600-series: queries.

#[test]
fn test_600_answers_the_configuration_query() {
    let site = site();
    let config = site.query_json("q=config");
    assert_eq!(config["media-endpoint"], site.url("/micropub/media"));
    assert_eq!(config["syndicate-to"], json!([]));
    let queries = config["q"].as_array().expect("the supported queries");
    for q in ["config", "source", "syndicate-to", "category"] {
        assert!(queries.contains(&json!(q)), "{config}");
    }
}

#[test]
fn test_601_answers_the_syndication_targets_query() {
    let site = site();
    let answer = site.query_json("q=syndicate-to");
    assert_eq!(answer, json!({"syndicate-to": []}));
}

#[test]
fn test_602_answers_a_source_query_with_all_properties() {
    let site = site();
    let url = create_for_update(
        &site,
        json!({"content": ["Test of querying the endpoint for the source content"], "category": ["micropub", "test"]}),
    );
    let source = site.source(&url, "");
    assert_eq!(source["type"], json!(["h-entry"]));
    assert_eq!(
        source["properties"]["content"][0],
        "Test of querying the endpoint for the source content"
    );
    assert_eq!(
        source["properties"]["category"],
        json!(["micropub", "test"])
    );
    assert_eq!(source["properties"]["url"], json!([url]));
    assert_eq!(source["properties"]["post-status"], json!(["published"]));
}

#[test]
fn test_603_answers_a_source_query_for_named_properties() {
    let site = site();
    let url = create_for_update(
        &site,
        json!({"content": ["Test of querying the endpoint for the source content"], "category": ["micropub", "test"]}),
    );
    // As the suite encodes it: properties%5B%5D=…, the url last.
    let query = format!(
        "q=source&properties%5B%5D=content&properties%5B%5D=category&url={}",
        percent(&url)
    );
    let source = site.query_json(&query);
    assert_eq!(
        source,
        json!({"properties": {
            "content": ["Test of querying the endpoint for the source content"],
            "category": ["micropub", "test"]
        }})
    );
}

// 700-series: the media endpoint.

/// The suite's three steps: find the media endpoint in q=config, upload, fetch the Location.
#[track_caller]
fn upload_and_fetch(site: &Site, file_name: &str, mime: &str, bytes: &[u8]) -> String {
    let endpoint = site.query_json("q=config")["media-endpoint"]
        .as_str()
        .expect("a media-endpoint")
        .to_string();
    assert_eq!(endpoint, site.url("/micropub/media"));
    let resp = site.upload(file_name, mime, bytes);
    assert_eq!(resp.status, 201, "{}", resp.text());
    let location = resp.location().to_string();
    assert!(location.starts_with(&site.url("/uploads/")), "{location}");
    assert_eq!(resp.json()["url"], location);
    // Fetched as micropub.rocks does, without a token.
    let file = site.server.client().get(&location);
    assert_eq!(file.status, 200);
    assert_eq!(
        file.header("content-type"),
        Some(mime),
        "{:?}",
        file.headers
    );
    let sent = image::load_from_memory(bytes).unwrap();
    let served = image::load_from_memory(&file.body).expect("an image");
    assert_eq!(
        (served.width(), served.height()),
        (sent.width(), sent.height())
    );
    location
}

#[test]
fn test_700_uploads_a_jpeg_to_the_media_endpoint() {
    let site = site();
    upload_and_fetch(&site, "sunset.jpg", "image/jpeg", &sunset());
}

#[test]
fn test_701_uploads_a_png_to_the_media_endpoint() {
    let site = site();
    upload_and_fetch(&site, "micropub-rocks.png", "image/png", &png(40, 40));
}

#[test]
fn test_702_uploads_a_gif_to_the_media_endpoint() {
    let site = site();
    let location = upload_and_fetch(&site, "w3c-socialwg.gif", "image/gif", &gif(30, 20));
    let file = site.server.client().get(&location);
    assert!(file.body.starts_with(b"GIF8"), "still a GIF");
}

// 800-series: authentication.

#[test]
fn test_800_accepts_the_access_token_in_the_authorization_header() {
    let site = site();
    let resp =
        site.form("h=entry&content=Testing+accepting+access+token+in+HTTP+Authorization+header");
    let location = created(&site, &resp);
    assert_eq!(
        content_of(&site.page(&location)).trim(),
        "Testing accepting access token in HTTP Authorization header"
    );
}

/// The suite's body-token create: no Authorization header at all.
fn create_with_token_in_body(site: &Site) -> Resp {
    let body = format!(
        "h=entry&content=Testing+accepting+access+token+in+post+body&access_token={}",
        site.token
    );
    site.server
        .client()
        .post_raw("/micropub", FORM, body.as_bytes(), &[])
}

#[test]
fn test_801_accepts_the_access_token_in_the_post_body() {
    let site = site();
    let location = created(&site, &create_with_token_in_body(&site));
    assert_eq!(
        content_of(&site.page(&location)).trim(),
        "Testing accepting access token in post body"
    );
}

#[test]
fn test_802_does_not_store_the_access_token_as_a_property() {
    let site = site();
    let location = created(&site, &create_with_token_in_body(&site));
    let source = site.source(&location, "");
    assert_eq!(
        source["properties"]["content"][0],
        "Testing accepting access token in post body"
    );
    assert!(
        source["properties"].get("access_token").is_none(),
        "{source}"
    );
    let page = site.page(&location);
    assert!(
        !page.contains(&site.token),
        "the token is nowhere on the page"
    );
}

#[test]
fn test_803_rejects_a_request_without_a_token() {
    let site = site();
    let before = site.snapshot();
    let resp = site.server.client().post_raw(
        "/micropub",
        FORM,
        b"h=entry&content=Testing+unauthenticated+request.+This+should+not+create+a+post.",
        &[],
    );
    assert_error(&resp, 401, "unauthorized");
    assert!(
        resp.header("www-authenticate")
            .unwrap_or_default()
            .starts_with("Bearer"),
        "{:?}",
        resp.headers
    );
    assert_eq!(site.snapshot(), before);
    assert!(!site.home().contains("Testing unauthenticated request"));
}

#[test]
fn test_804_rejects_a_token_without_the_create_scope() {
    let site = site();
    let update_only = token(&site.server, "update");
    let before = site.snapshot();
    let resp = site.form_with(
        &update_only,
        "h=entry&content=Testing+a+request+with+an+unauthorized+access+token.+This+should+not+create+a+post.",
    );
    assert_error(&resp, 401, "insufficient_scope");
    assert_eq!(site.snapshot(), before);
}

#[test]
fn test_805_rejects_a_token_sent_both_in_the_header_and_in_the_body() {
    let site = site();
    let before = site.snapshot();
    let body = format!(
        "h=entry&content=Testing+accepting+access+token+in+HTTP+Authorization+header+and+POST+body.+This+should+not+create+a+post&access_token={}",
        site.token
    );
    let resp = site.form(&body);
    assert_eq!(resp.status, 400, "{}", resp.text());
    // Plain text, not JSON: micropub.rocks would read a JSON error code as the words
    // "bad request", which no client expects.
    assert!(
        resp.header("content-type")
            .unwrap_or_default()
            .starts_with("text/plain"),
        "{:?}",
        resp.headers
    );
    assert!(
        resp.text().starts_with("invalid_request"),
        "{}",
        resp.text()
    );
    assert_eq!(site.snapshot(), before);
}

// Discovery and the extensions apps use.

#[test]
fn apps_find_the_endpoint_on_the_home_page_and_the_media_endpoint_in_the_configuration() {
    let site = site();
    let home = site.server.client().get("/");
    assert_eq!(home.status, 200);
    let doc = Html::parse_document(&home.text());
    let links: Vec<String> = doc
        .select(&Selector::parse(r#"head link[rel="micropub"]"#).unwrap())
        .filter_map(|l| l.value().attr("href").map(String::from))
        .collect();
    assert_eq!(links, [site.url("/micropub")]);
    let media = site.query_json("q=config")["media-endpoint"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(media, site.url("/micropub/media"));
    // Both answer at exactly those addresses (micropub.rocks follows no redirects), and the
    // media endpoint answers its own configuration query too.
    let media_config = site.query_at("/micropub/media", "q=config");
    assert_eq!(json_answer(&media_config)["media-endpoint"], media);
    // An endpoint URL with a query string of its own gets `&q=…` appended.
    assert_eq!(
        site.query_json("client=quill&q=config")["media-endpoint"],
        media
    );
}

#[test]
fn mp_slug_names_the_permalink() {
    let site = site();
    let url = created(
        &site,
        &site.form("h=entry&content=Sitting+on+the+porch&mp-slug=evening-on-the-porch"),
    );
    assert!(url.ends_with("/evening-on-the-porch.html"), "{url}");
    assert_permalink(&site, &url);
    let source = site.source(&url, "");
    assert!(
        source["properties"].get("mp-slug").is_none(),
        "a command, not a property: {source}"
    );
    // JSON apps put it inside properties.
    let url = create_for_update(
        &site,
        json!({"content": ["A second evening"], "mp-slug": ["second-evening"]}),
    );
    assert!(url.ends_with("/second-evening.html"), "{url}");
}

#[test]
fn a_draft_is_not_public_and_its_location_is_in_the_panel() {
    let site = site();
    let resp = site.form("h=entry&content=Not+ready+yet+for+the+porch&post-status=draft");
    let location = created(&site, &resp);
    let id = number(&site.server, "SELECT max(id) FROM posts", []);
    assert_eq!(location, site.url(&format!("/admin/posts/{id}")));
    assert_eq!(site.status_of(&location), "draft");
    assert!(!site.home().contains("Not ready yet"));
    assert!(
        !site
            .server
            .client()
            .get("/feed.xml")
            .text()
            .contains("Not ready yet")
    );
    // A visitor is sent to sign in; the owner sees it in the composer.
    let visitor = site.server.client().get(&location);
    assert_eq!(visitor.status, 303);
    assert!(
        visitor.location().starts_with("/admin/login"),
        "{}",
        visitor.location()
    );
    let owner = site.server.admin().get(&location);
    assert_eq!(owner.status, 200);
    assert!(owner.text().contains("Not ready yet for the porch"));
    // The app can read it back by that address.
    let source = site.source(&location, "");
    assert_eq!(
        source["properties"]["content"],
        json!(["Not ready yet for the porch"])
    );
    assert_eq!(source["properties"]["post-status"], json!(["draft"]));
    assert_eq!(source["properties"]["url"], json!([location]));
}

#[test]
fn a_date_in_the_past_backdates_the_post() {
    let site = site();
    let resp = site.form(
        "h=entry&content=Imported+from+my+old+blog&published=2020-02-29T10:00:00Z&mp-slug=leap-day",
    );
    let url = created(&site, &resp);
    assert_eq!(url, site.url("/2020/02/29/leap-day.html"));
    let page = site.page(&url);
    assert!(page.contains("datetime=\"2020-02-29T10:00:00"), "{page}");
    assert_eq!(
        site.source(&url, "&properties[]=published")["properties"]["published"][0]
            .as_str()
            .map(|p| chrono::DateTime::parse_from_rfc3339(p).unwrap().timestamp()),
        Some(1582970400)
    );
    let archive = site.server.client().get("/2020/02/");
    assert_eq!(archive.status, 200);
    assert!(archive.text().contains("Imported from my old blog"));
}

#[test]
fn replies_and_bookmarks_link_what_they_answer() {
    let site = site();
    let target = site.remote("/notes/porches");
    let reply = created(
        &site,
        &site.form(&format!(
            "h=entry&content=I+agree+about+porches&in-reply-to={}",
            percent(&target)
        )),
    );
    let page = site.page(&reply);
    let doc = Html::parse_document(&page);
    let replies: Vec<&str> = doc
        .select(&Selector::parse("article.h-entry a.u-in-reply-to").unwrap())
        .filter_map(|a| a.value().attr("href"))
        .collect();
    assert_eq!(replies, [target.as_str()]);
    assert_eq!(
        site.source(&reply, "&properties[]=in-reply-to")["properties"]["in-reply-to"],
        json!([target])
    );

    let bookmarked = site.remote("/articles/swings");
    let bookmark = create_for_update(
        &site,
        json!({"bookmark-of": [bookmarked], "name": ["Porch swings"], "content": ["Worth reading."]}),
    );
    let page = site.page(&bookmark);
    let doc = Html::parse_document(&page);
    let marks: Vec<&str> = doc
        .select(&Selector::parse("article.h-entry a.u-bookmark-of").unwrap())
        .filter_map(|a| a.value().attr("href"))
        .collect();
    assert_eq!(marks, [bookmarked.as_str()]);
    assert_eq!(texts(&page, "article.h-entry .p-name"), ["Porch swings"]);
}

#[test]
fn a_photo_without_alt_text_is_held_as_a_draft_when_the_owner_requires_it() {
    let site = site();
    let resp = site.json(&json!({
        "type": ["h-entry"],
        "properties": {
            "content": ["Sunset from the porch"],
            "photo": [site.remote("/media/sunset.jpg")]
        }
    }));
    assert_eq!(resp.status, 202, "{}", resp.text());
    let location = resp.location().to_string();
    let id = number(&site.server, "SELECT max(id) FROM posts", []);
    assert_eq!(location, site.url(&format!("/admin/posts/{id}")));
    assert_eq!(site.status_of(&location), "draft");
    assert!(!site.home().contains("Sunset from the porch"));
    let source = site.source(&location, "");
    assert_eq!(source["properties"]["post-status"], json!(["draft"]));
    assert_eq!(
        source["properties"]["photo"].as_array().map(Vec::len),
        Some(1)
    );
    // The owner finds it in the panel, photo attached, to write the alt text.
    let draft = site.server.admin().get(&location);
    assert_eq!(draft.status, 200);
    assert!(draft.text().contains("Sunset from the porch"));
}

#[test]
fn a_draft_only_token_can_only_make_drafts() {
    let site = site();
    let drafts = token(&site.server, "draft");
    let resp = site.form_with(
        &drafts,
        "h=entry&content=Written+on+my+phone&post-status=published",
    );
    let location = created(&site, &resp);
    assert!(
        location.starts_with(&site.url("/admin/posts/")),
        "{location}"
    );
    assert_eq!(site.status_of(&location), "draft");
    assert!(!site.home().contains("Written on my phone"));
    // It may not publish by updating either.
    let before = site.snapshot();
    let resp = site.json_with(
        &drafts,
        &json!({"action": "update", "url": location, "replace": {"post-status": ["published"]}}),
    );
    assert_error(&resp, 401, "insufficient_scope");
    assert_eq!(site.snapshot(), before);
    // Nor may a token that can also update: making a draft public needs create.
    let both = token(&site.server, "draft update");
    let before = site.snapshot();
    let resp = site.json_with(
        &both,
        &json!({"action": "update", "url": location, "replace": {"post-status": ["published"]}}),
    );
    assert_error(&resp, 401, "insufficient_scope");
    assert_eq!(site.snapshot(), before);
    // It may still edit the draft.
    let resp = site.json_with(
        &both,
        &json!({"action": "update", "url": location, "replace": {"content": ["Written again"]}}),
    );
    assert_eq!(resp.status, 204, "{}", resp.text());
    assert_eq!(site.status_of(&location), "draft");
}

#[test]
fn an_update_keeps_what_micropub_does_not_speak_of() {
    let site = site();
    let admin = site.server.admin();
    // A page in the navigation, and a category renamed in the panel after the post was made.
    let saved = admin.compose(&[
        ("kind", "page"),
        ("title", "Colophon"),
        ("markdown", "Made with care."),
        ("in_nav", "on"),
    ]);
    assert_eq!(saved.status, 303, "{}", saved.text());
    let page_url = site.url("/colophon/");
    let location = create_for_update(&site, json!({"content": ["Walk"], "category": ["Travel"]}));
    let category_id = site
        .server
        .app
        .db
        .read_blocking(|c| {
            Ok(
                c.query_row("SELECT id FROM categories WHERE slug = 'travel'", [], |r| {
                    r.get::<_, i64>(0)
                })?,
            )
        })
        .unwrap();
    let renamed = admin.post_form(
        &format!("/admin/categories/{category_id}/rename"),
        &[("csrf", &admin.csrf()), ("name", "Journeys")],
    );
    assert_eq!(renamed.status, 303, "{}", renamed.text());
    let editor = token(&site.server, "update");
    for url in [&page_url, &location] {
        let resp = site.json_with(
            &editor,
            &json!({"action": "update", "url": url, "add": {"content": []}}),
        );
        assert_eq!(resp.status, 204, "{}", resp.text());
    }
    let home = site.home();
    assert!(
        home.contains(r#">Colophon</a>"#),
        "the page stays in the navigation: {home}"
    );
    let categories: i64 = site
        .server
        .app
        .db
        .read_blocking(|c| Ok(c.query_row("SELECT count(*) FROM categories", [], |r| r.get(0))?))
        .unwrap();
    assert_eq!(
        categories, 1,
        "the renamed category is kept, not split in two"
    );
}

#[test]
fn the_category_query_lists_categories_and_filters_them() {
    let site = site();
    create_for_update(
        &site,
        json!({"content": ["One"], "category": ["test1", "Micropub"]}),
    );
    create_for_update(&site, json!({"content": ["Two"], "category": ["test2"]}));
    let sorted = |v: &Value| {
        let mut names: Vec<String> = v["categories"]
            .as_array()
            .expect("a categories list")
            .iter()
            .map(|n| n.as_str().unwrap().to_string())
            .collect();
        names.sort();
        names
    };
    assert_eq!(
        sorted(&site.query_json("q=category")),
        ["Micropub", "test1", "test2"]
    );
    assert_eq!(
        sorted(&site.query_json("q=category&filter=test")),
        ["test1", "test2"]
    );
    assert_eq!(
        sorted(&site.query_json("q=category&filter=MICRO")),
        ["Micropub"]
    );
    assert!(sorted(&site.query_json("q=category&filter=nothing")).is_empty());
}

#[test]
fn the_source_query_lists_posts_with_limit_and_offset() {
    let site = site();
    let urls: Vec<String> = ["First", "Second", "Third"]
        .iter()
        .map(|text| create_for_update(&site, json!({"content": [text]})))
        .collect();
    created(
        &site,
        &site.form("h=entry&content=A+draft&post-status=draft"),
    );
    let contents = |v: &Value| -> Vec<(String, String)> {
        v["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|item| {
                (
                    item["properties"]["content"][0]
                        .as_str()
                        .unwrap()
                        .to_string(),
                    item["properties"]["url"][0].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let first_page = site.query_json("q=source&limit=2");
    assert_eq!(
        contents(&first_page),
        [
            ("Third".to_string(), urls[2].clone()),
            ("Second".to_string(), urls[1].clone())
        ]
    );
    assert_eq!(first_page["items"][0]["type"], json!(["h-entry"]));
    assert_eq!(
        contents(&site.query_json("q=source&limit=2&offset=2")),
        [("First".to_string(), urls[0].clone())]
    );
    let drafts = contents(&site.query_json("q=source&post-status=draft"));
    assert_eq!(drafts.len(), 1);
    assert_eq!(drafts[0].0, "A draft");
}

#[test]
fn the_media_endpoint_answers_the_last_upload() {
    let site = site();
    assert_eq!(
        json_answer(&site.query_at("/micropub/media", "q=last")),
        json!({})
    );
    let location = upload_and_fetch(&site, "sunset.jpg", "image/jpeg", &sunset());
    assert_eq!(
        json_answer(&site.query_at("/micropub/media", "q=last")),
        json!({"url": location})
    );
    // An app then names the upload in a post, which shows that very file.
    let url = create_for_update(
        &site,
        json!({"content": ["Uploaded first"], "photo": [{"value": location, "alt": "A sunset"}]}),
    );
    let photos = photos_of(&site.page(&url));
    assert_eq!(photos.len(), 1);
    assert_eq!(photos[0].1, "A sunset");
    assert_eq!(
        number(&site.server, "SELECT count(*) FROM media", []),
        1,
        "no copy made"
    );
}

// Refusals: each answered with the specification's error, each changing nothing.

#[test]
fn refuses_malformed_json() {
    let site = site();
    let before = site.snapshot();
    let auth = format!("Bearer {}", site.token);
    let resp = site.server.client().post_raw(
        "/micropub",
        JSON,
        br#"{"type": ["h-entry"], "properties": {"content": ["unfinished"#,
        &[("Authorization", &auth)],
    );
    assert_error(&resp, 400, "invalid_request");
    assert_eq!(site.snapshot(), before);
}

#[test]
fn refuses_an_update_sent_as_a_form() {
    let site = site();
    let url = created(&site, &site.form("h=entry&content=Keep+me+as+I+am"));
    let before = site.snapshot();
    let resp = site.form(&format!(
        "action=update&url={}&replace[content]=Changed",
        percent(&url)
    ));
    assert_error(&resp, 400, "invalid_request");
    assert_eq!(site.snapshot(), before);
    assert_eq!(content_of(&site.page(&url)).trim(), "Keep me as I am");
}

#[test]
fn refuses_an_unknown_action() {
    let site = site();
    let url = created(&site, &site.form("h=entry&content=Still+here"));
    let before = site.snapshot();
    let resp = site.json(&json!({"action": "archive", "url": url}));
    assert_error(&resp, 400, "invalid_request");
    let resp = site.form(&format!("action=archive&url={}", percent(&url)));
    assert_error(&resp, 400, "invalid_request");
    assert_eq!(site.snapshot(), before);
}

#[test]
fn refuses_an_event() {
    let site = site();
    let before = site.snapshot();
    let resp = site.form("h=event&name=Porch+party&start=2026-06-01T18:00:00Z");
    assert_error(&resp, 400, "invalid_request");
    let resp = site.json(&json!({"type": ["h-event"], "properties": {"name": ["Porch party"]}}));
    assert_error(&resp, 400, "invalid_request");
    assert_eq!(site.snapshot(), before);
}

#[test]
fn refuses_to_update_a_url_that_is_not_one_of_its_posts() {
    let site = site();
    created(&site, &site.form("h=entry&content=Mine"));
    let before = site.snapshot();
    for url in [
        "https://elsewhere.example/2026/01/01/mine.html".to_string(),
        site.url("/2026/01/01/nothing-here.html"),
    ] {
        let resp = site
            .json(&json!({"action": "update", "url": url, "replace": {"content": ["Hijacked"]}}));
        assert_error(&resp, 400, "invalid_request");
        let resp = site.form(&format!("action=delete&url={}", percent(&url)));
        assert_error(&resp, 400, "invalid_request");
    }
    assert_eq!(site.snapshot(), before);
}

#[test]
fn refuses_an_unknown_token() {
    let site = site();
    let before = site.snapshot();
    let resp = site.form_with("not-a-token-porch-made", "h=entry&content=Who+am+I");
    assert_error(&resp, 401, "invalid_token");
    assert_eq!(
        resp.header("www-authenticate"),
        Some("Bearer error=\"invalid_token\"")
    );
    let resp = site.server.client().get_with(
        "/micropub?q=config",
        &[("Authorization", "Bearer not-a-token-porch-made")],
    );
    assert_error(&resp, 401, "invalid_token");
    assert_eq!(site.snapshot(), before);
}

#[test]
fn refuses_an_update_with_a_token_without_the_update_scope() {
    let site = site();
    let url = created(&site, &site.form("h=entry&content=Original+words"));
    let create_only = token(&site.server, "create");
    let before = site.snapshot();
    let resp = site.json_with(
        &create_only,
        &json!({"action": "update", "url": url, "replace": {"content": ["Other words"]}}),
    );
    assert_error(&resp, 401, "insufficient_scope");
    assert!(
        resp.header("www-authenticate")
            .unwrap_or_default()
            .contains("insufficient_scope")
    );
    let resp = site.json_with(&create_only, &json!({"action": "delete", "url": url}));
    assert_error(&resp, 401, "insufficient_scope");
    assert_eq!(site.snapshot(), before);
    assert_eq!(content_of(&site.page(&url)).trim(), "Original words");
}

#[test]
fn refuses_an_oversized_body() {
    let site = site();
    let before = site.snapshot();
    // Just over the 2 MiB cap: the server stops reading there and answers, and a body much
    // larger would still be on its way, so the client could see its connection closed instead.
    let body = json!({
        "type": ["h-entry"],
        "properties": {"content": ["porch ".repeat(349_600)]}
    });
    let resp = site.json(&body);
    assert_error(&resp, 413, "invalid_request");
    assert_eq!(site.snapshot(), before);
}

#[test]
fn refuses_a_file_that_is_not_an_image_at_the_media_endpoint() {
    let site = site();
    let before = site.snapshot();
    let resp = site.upload(
        "notes.txt",
        "text/plain",
        b"Just some words, not a picture.",
    );
    assert_error(&resp, 400, "invalid_request");
    assert_eq!(resp.header("location"), None);
    let resp = site.upload(
        "fake.jpg",
        "image/jpeg",
        b"\xff\xd8\xff\xe0 not really a JPEG",
    );
    assert_error(&resp, 400, "invalid_request");
    assert_eq!(site.snapshot(), before);
    assert_eq!(
        json_answer(&site.query_at("/micropub/media", "q=last")),
        json!({})
    );
}

/// A photo post published while alt text was optional, the rule then switched back on by the
/// owner (Porch's default).
fn photo_post_without_alt(site: &Site, text: &str) -> String {
    site.alt_text_optional();
    let url = create_for_update(
        site,
        json!({"content": [text], "photo": [site.remote("/media/sunset.jpg")]}),
    );
    let admin = site.server.admin();
    let page = admin.get("/admin/settings");
    let mut fields = form_fields(&page.text(), "/admin/settings");
    fields.push(("require_alt".into(), "on".into()));
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    assert_eq!(admin.post_form("/admin/settings", &pairs).status, 303);
    url
}

#[test]
fn an_update_never_unpublishes_a_photo_post_that_lacks_alt_text() {
    let site = site();
    let url = photo_post_without_alt(&site, "Sunset, no description yet");
    let before = site.snapshot();
    let resp = site.json(&json!({
        "action": "update", "url": url, "replace": {"content": ["Sunset, fixed a typo"]}
    }));
    // Refused as the composer refuses it, with the reason; the post stays as it was, public.
    assert_error(&resp, 400, "invalid_request");
    assert!(
        resp.json()["error_description"]
            .as_str()
            .unwrap()
            .contains("alt text")
    );
    assert_eq!(site.snapshot(), before);
    assert_eq!(site.status_of(&url), "published");
    assert_eq!(
        content_of(&site.page(&url)).trim(),
        "Sunset, no description yet"
    );
    // Giving the photo its alt text in the same update is how the app gets it through.
    let photo = site.source(&url, "&properties[]=photo")["properties"]["photo"][0].clone();
    let resp = site.json(&json!({
        "action": "update", "url": url,
        "replace": {
            "content": ["Sunset, fixed a typo"],
            "photo": [{"value": photo, "alt": "The sun going down behind the trees"}]
        }
    }));
    assert_eq!(resp.status, 204, "{}", resp.text());
    let page = site.page(&url);
    assert_eq!(content_of(&page).trim(), "Sunset, fixed a typo");
    assert_eq!(photos_of(&page)[0].1, "The sun going down behind the trees");
}

#[test]
fn undelete_brings_back_a_photo_post_that_lacks_alt_text() {
    let site = site();
    let url = photo_post_without_alt(&site, "Sunset to delete and bring back");
    let resp = site.json(&json!({"action": "delete", "url": url}));
    assert_eq!(resp.status, 204, "{}", resp.text());
    assert_eq!(site.server.client().get(&url).status, 410);
    let resp = site.json(&json!({"action": "undelete", "url": url}));
    assert_eq!(resp.status, 204, "{}", resp.text());
    let page = site.page(&url);
    assert_eq!(content_of(&page).trim(), "Sunset to delete and bring back");
    assert_photos_served(&site, &page, 1);
}

#[test]
fn the_media_endpoint_takes_uploads_only_from_tokens_that_may_upload() {
    let mut site = site();
    site.token = token(&site.server, "update");
    let before = site.snapshot();
    let resp = site.upload("sunset.jpg", "image/jpeg", &sunset());
    assert_error(&resp, 401, "insufficient_scope");
    assert_error(
        &site.query_at("/micropub/media", "q=source"),
        401,
        "insufficient_scope",
    );
    assert_eq!(site.snapshot(), before);
    site.token = token(&site.server, "media");
    let location = upload_and_fetch(&site, "sunset.jpg", "image/jpeg", &sunset());
    let listed = json_answer(&site.query_at("/micropub/media", "q=source"));
    assert_eq!(listed["items"][0]["url"], location);
    assert_eq!(listed["items"][0]["width"], 64);
    // Uploading is all it may do.
    let resp = site.form("h=entry&content=From+a+media+token");
    assert_error(&resp, 401, "insufficient_scope");
}
