//! The owner's first hour in a real browser: Debian's Chromium, headless, driven through
//! chromedriver (WebDriver). Setup from the one-time link, signing out and in, the composer's live
//! preview, a photo attached through the file input, and the published post on the home page;
//! a passage of a bookmark's kept copy highlighted by selecting it.
//!
//! Needs the Debian packages `chromium` and `chromium-driver`; PORCH_CHROMEDRIVER and
//! PORCH_CHROMIUM point at other binaries. Without them this test fails: CI installs them.

mod common;

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::TestServer;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

/// A cold Chromium start on a busy 2-core machine takes several seconds; nothing in this test
/// should take longer than this.
const PATIENCE: Duration = Duration::from_secs(30);

const PASSWORD: &str = "a long browser password";
const POST_TEXT: &str = "Hello from a real browser, with **bold** words";
const ALT: &str = "A gradient of red and green squares";

/// Chromium's flags for a closed network: without the background-networking ones it keeps trying
/// to reach Google's hosts and stalls; --no-sandbox because CI runs as root; a container's small
/// /dev/shm crashes tabs unless Chromium keeps its shared memory in /tmp.
const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,1000",
];

fn binary(var: &str, default: &str) -> PathBuf {
    std::env::var_os(var)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(default))
}

/// chromedriver on a free loopback port, ended (with its browser session) when dropped, so that
/// a failing assertion leaves no browser behind.
struct ChromeDriver {
    process: Child,
    addr: SocketAddr,
    session: Mutex<Option<String>>,
}

impl ChromeDriver {
    fn start() -> ChromeDriver {
        let path = binary("PORCH_CHROMEDRIVER", "/usr/bin/chromedriver");
        assert!(
            path.is_file(),
            "chromedriver not found at {}: install the Debian packages chromium and chromium-driver \
             (apt-get install -y chromium chromium-driver), or set PORCH_CHROMEDRIVER and PORCH_CHROMIUM",
            path.display()
        );
        let addr = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port");
        let process = Command::new(&path)
            .arg(format!("--port={}", addr.port()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", path.display()));
        let driver = ChromeDriver {
            process,
            addr,
            session: Mutex::new(None),
        };
        let deadline = Instant::now() + PATIENCE;
        while TcpStream::connect(addr).is_err() {
            assert!(
                Instant::now() < deadline,
                "chromedriver did not listen on {addr}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        driver
    }

    async fn browser(&self, profile: &Path) -> Client {
        let chromium = binary("PORCH_CHROMIUM", "/usr/bin/chromium");
        assert!(
            chromium.is_file(),
            "Chromium not found at {}: install the Debian packages chromium and chromium-driver, \
             or set PORCH_CHROMIUM",
            chromium.display()
        );
        let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|s| s.to_string()).collect();
        args.push(format!("--user-data-dir={}", profile.display()));
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": chromium, "args": args },
        });
        let serde_json::Value::Object(capabilities) = capabilities else {
            unreachable!()
        };
        // chromedriver speaks plain HTTP on loopback: no TLS stack is needed to reach it.
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(capabilities)
            .connect(&format!("http://{}", self.addr))
            .await
            .expect("a Chromium session from chromedriver");
        *self.session.lock().unwrap() = client.session_id().await.unwrap();
        client
    }
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        // Deleting the session quits Chromium; killing chromedriver alone could orphan it.
        if let Some(id) = self.session.lock().unwrap().take() {
            let agent: ureq::Agent = ureq::Agent::config_builder()
                .timeout_global(Some(Duration::from_secs(10)))
                .build()
                .into();
            let _ = agent
                .delete(format!("http://{}/session/{id}", self.addr))
                .call();
        }
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// Every screen of the panel a menu reaches.
const ADMIN_PAGES: &[&str] = &[
    "/admin",
    "/admin/new",
    "/admin/drafts",
    "/admin/pages",
    "/admin/media",
    "/admin/books",
    "/admin/books/new",
    "/admin/books/shelves",
    "/admin/books/import",
    "/admin/bookmarks",
    "/admin/bookmarks/new",
    "/admin/highlights",
    "/admin/categories",
    "/admin/timeline",
    "/admin/notifications",
    "/admin/fediverse",
    "/admin/moderation",
    "/admin/settings",
    "/admin/settings/profile",
    "/admin/settings/fediverse",
    "/admin/settings/topics",
    "/admin/settings/security",
    "/admin/tokens",
    "/admin/jobs",
];

/// With `PORCH_SCREENSHOTS=DIR`, saves what the browser shows as `DIR/NAME.png`: the pictures
/// for a change's notes, taken by the same steps the test checks.
async fn shot(browser: &Client, name: &str) {
    let Some(dir) = std::env::var_os("PORCH_SCREENSHOTS") else {
        return;
    };
    let png = browser.screenshot().await.unwrap();
    std::fs::write(Path::new(&dir).join(format!("{name}.png")), png).unwrap();
}

/// Asks Chromium, through chromedriver's DevTools passage, to report a dark colour scheme, as
/// a phone or desktop set to dark mode does.
async fn set_dark_mode(driver: &ChromeDriver, browser: &Client) {
    let session = browser.session_id().await.unwrap().unwrap();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(PATIENCE))
        .build()
        .into();
    let answer = agent
        .post(format!(
            "http://{}/session/{session}/goog/cdp/execute",
            driver.addr
        ))
        .header("Content-Type", "application/json")
        .send(
            json!({
                "cmd": "Emulation.setEmulatedMedia",
                "params": { "features": [{ "name": "prefers-color-scheme", "value": "dark" }] },
            })
            .to_string(),
        )
        .expect("chromedriver runs the DevTools command");
    assert_eq!(answer.status(), 200);
}

/// A bookmark with a kept copy, as the archiving job leaves one (the job and its fetching are
/// `tests/bookmarks.rs`'s), for the reader to be tried in the browser.
fn seed_bookmark(server: &TestServer) -> i64 {
    use porch::store::bookmarks::{self, Archive, NewBookmark};
    server
        .app
        .db
        .write_blocking(|tx| {
            let new = NewBookmark {
                url: "https://example.com/house".into(),
                url_key: "https://example.com/house".into(),
                source: "panel",
                ..NewBookmark::default()
            };
            let id = bookmarks::insert(tx, &new, porch::store::now())?;
            let copy = Archive {
                article_title: "The House by the Ford".into(),
                html: "<h2>Spring</h2>\n<p>Swallows came back in the first week of April.</p>\n\
                       <p>The garden gate was painted green, after the long winter.</p>"
                    .into(),
                text: "Spring\n\nSwallows came back.\n\nThe garden gate was painted green.".into(),
                ..Archive::default()
            };
            bookmarks::save_archive(tx, id, &copy, porch::store::now())?;
            Ok(id.0)
        })
        .unwrap()
}

/// Whether a computed `rgb(r, g, b)` colour is dark (its mean channel under half).
fn is_dark(rgb: &str) -> bool {
    let channels: Vec<f64> = rgb
        .trim_start_matches("rgba(")
        .trim_start_matches("rgb(")
        .trim_end_matches(')')
        .split(',')
        .take(3)
        .filter_map(|c| c.trim().parse().ok())
        .collect();
    channels.len() == 3 && channels.iter().sum::<f64>() / 3.0 < 128.0
}

/// The page's full width and the window's, in CSS pixels.
async fn widths(browser: &Client) -> (u64, u64) {
    let value = browser
        .execute(
            "return [document.documentElement.scrollWidth, window.innerWidth];",
            vec![],
        )
        .await
        .unwrap();
    let pair = value.as_array().cloned().unwrap_or_default();
    let at = |i: usize| pair.get(i).and_then(|v| v.as_u64()).unwrap_or(0);
    (at(0), at(1))
}

async fn find(browser: &Client, css: &str) -> fantoccini::elements::Element {
    match browser
        .wait()
        .at_most(PATIENCE)
        .for_element(Locator::Css(css))
        .await
    {
        Ok(element) => element,
        Err(e) => panic!("no {css} ({e}) on {}", page_text(browser).await),
    }
}

async fn page_text(browser: &Client) -> String {
    let url = browser.current_url().await.map(|u| u.to_string());
    let body = browser.source().await.unwrap_or_default();
    format!("{url:?}:\n{body}")
}

/// Waits until the browser shows `path` (and its query), after a form's redirect.
async fn wait_for_path(browser: &Client, path: &str) {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let url = browser.current_url().await.unwrap();
        let here = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        };
        if here == path {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "expected {path}, still at {here}: {}",
            page_text(browser).await
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[test]
fn the_owner_sets_up_the_site_and_publishes_a_photo_post_from_a_real_browser() {
    // Declared first so that it is removed last, after the guard has made Chromium quit.
    let scratch = tempfile::tempdir().unwrap();
    let photo = scratch.path().join("squares.png");
    std::fs::write(&photo, common::png(800, 600)).unwrap();
    let profile = scratch.path().join("chromium-profile");
    let driver = ChromeDriver::start();
    let server = TestServer::start();
    let token = server.setup_token();

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let browser = driver.browser(&profile).await;

        // Setup: the one-time link, then straight into the panel, signed in. The page says, in
        // words, that Mastodon cannot reach a loopback address, with the name as it is typed;
        // the time zone is the browser's own.
        browser
            .goto(&server.url(&format!("/setup?token={token}")))
            .await
            .unwrap();
        let warning = find(&browser, "#reach-warning").await;
        assert!(warning.is_displayed().await.unwrap());
        shot(&browser, "setup").await;
        find(&browser, "#username")
            .await
            .send_keys("alice")
            .await
            .unwrap();
        let host = server.base.trim_start_matches("http://");
        let said = warning.text().await.unwrap();
        assert!(
            said.contains("Mastodon cannot reach this address.")
                && said.contains(&format!("your fediverse name would be @alice@{host}")),
            "{said}"
        );
        let zones = browser
            .execute(
                "return [document.getElementById('timezone').value,
                         Intl.DateTimeFormat().resolvedOptions().timeZone];",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(zones[0], zones[1], "the browser's time zone is chosen");
        let title = find(&browser, "#title").await;
        title.clear().await.unwrap();
        title.send_keys("Alice’s porch").await.unwrap();
        find(&browser, "#display_name")
            .await
            .send_keys("Alice Browser")
            .await
            .unwrap();
        find(&browser, "#password")
            .await
            .send_keys(PASSWORD)
            .await
            .unwrap();
        find(&browser, "#confirm")
            .await
            .send_keys(PASSWORD)
            .await
            .unwrap();
        find(&browser, "form[action='/setup'] button[type=submit]")
            .await
            .click()
            .await
            .unwrap();
        wait_for_path(&browser, "/admin").await;
        let owner = server
            .app
            .db
            .read_blocking(porch::store::owner::get)
            .unwrap()
            .expect("setup created the owner");
        assert_eq!(owner.username, "alice");
        assert_eq!(owner.display_name, "Alice Browser");
        let title = server
            .app
            .db
            .read_blocking(porch::store::settings::load)
            .unwrap()
            .title;
        assert_eq!(title, "Alice’s porch");
        // The first screen greets the new owner with what is left to do.
        let welcome = find(&browser, ".welcome").await.text().await.unwrap();
        shot(&browser, "welcome").await;
        assert!(welcome.contains("Post something"), "{welcome}");

        // Log out: the panel is closed again.
        find(&browser, "form.logout button")
            .await
            .click()
            .await
            .unwrap();
        wait_for_path(&browser, "/admin/login").await;
        browser.goto(&server.url("/admin/new")).await.unwrap();
        let url = browser.current_url().await.unwrap();
        assert_eq!(url.path(), "/admin/login", "signed out: {url}");

        // Log in with the password chosen at setup.
        browser.goto(&server.url("/admin/login")).await.unwrap();
        find(&browser, "#password")
            .await
            .send_keys(PASSWORD)
            .await
            .unwrap();
        find(&browser, "form[action='/admin/login'] button[type=submit]")
            .await
            .click()
            .await
            .unwrap();
        wait_for_path(&browser, "/admin").await;

        // The composer: the text box has the focus as the page opens (no Tab press before
        // typing), Markdown in, the live preview renders it, the counter counts.
        browser.goto(&server.url("/admin/new")).await.unwrap();
        find(&browser, "#markdown").await;
        let focused = browser
            .execute("return document.activeElement.id;", vec![])
            .await
            .unwrap();
        assert_eq!(focused, "markdown", "the text box is focused on load");
        let typing = browser.active_element().await.unwrap();
        typing.send_keys(POST_TEXT).await.unwrap();
        let strong = find(&browser, "#preview strong").await;
        assert_eq!(strong.text().await.unwrap(), "bold");
        let preview = find(&browser, "#preview").await.html(true).await.unwrap();
        assert!(
            preview.contains("Hello from a real browser, with <strong>bold</strong> words"),
            "{preview}"
        );
        let counted = find(&browser, "#counter").await.text().await.unwrap();
        assert_eq!(
            counted,
            format!("{} / 300", POST_TEXT.chars().count()),
            "the counter counts what was typed"
        );
        let primary = find(&browser, "#primary").await;
        assert_eq!(primary.text().await.unwrap(), "Post");
        shot(&browser, "composer").await;

        // A photo through the file input: it is shown at once, with its own alt text field
        // (before, the picker showed nothing until the post was saved).
        assert!(
            find(&browser, "#photo_file")
                .await
                .attr("multiple")
                .await
                .unwrap()
                .is_some(),
            "several photos can be picked at once"
        );
        find(&browser, "#photo_file")
            .await
            .send_keys(photo.to_str().unwrap())
            .await
            .unwrap();
        let thumb = find(&browser, "#photo-fields .photo-field img").await;
        let thumb_src = thumb.attr("src").await.unwrap().unwrap_or_default();
        assert!(thumb_src.starts_with("/uploads/"), "{thumb_src}");
        find(&browser, "#photo-fields textarea[name=photo_alt]")
            .await
            .send_keys(ALT)
            .await
            .unwrap();
        // Ctrl+Enter posts.
        find(&browser, "#markdown")
            .await
            .send_keys("\u{E009}\u{E007}\u{E000}")
            .await
            .unwrap();
        wait_for_path(&browser, "/admin?done=posted&post=1").await;
        let notice = find(&browser, ".notice").await.text().await.unwrap();
        assert_eq!(notice, "Posted. View it");

        // Scheduling with no date: the form comes back with the text kept and the error beside
        // the date, which has the focus.
        browser.goto(&server.url("/admin/new")).await.unwrap();
        browser
            .active_element()
            .await
            .unwrap()
            .send_keys("Some time later")
            .await
            .unwrap();
        find(&browser, "#more summary").await.click().await.unwrap();
        let date = find(&browser, "#publish_at").await;
        assert!(!date.is_enabled().await.unwrap(), "no date unless scheduling");
        find(&browser, "#when-later").await.click().await.unwrap();
        assert!(date.is_enabled().await.unwrap());
        let primary = find(&browser, "#primary").await;
        assert_eq!(primary.text().await.unwrap(), "Schedule");
        primary.click().await.unwrap();
        let error = find(&browser, "#error-publish_at").await;
        shot(&browser, "schedule-error").await;
        assert_eq!(
            error.text().await.unwrap(),
            "Pick a date and time to schedule the post for."
        );
        let focused = browser
            .execute(
                "const el = document.activeElement;
                 return [el.id, el.getAttribute('aria-invalid'), el.getAttribute('aria-describedby')];",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(
            focused,
            json!(["publish_at", "true", "error-publish_at"]),
            "the refused field has the focus"
        );
        let kept = find(&browser, "#markdown").await.prop("value").await.unwrap();
        assert_eq!(kept.as_deref(), Some("Some time later"));
        // Saved as a draft instead, so that leaving the page loses nothing.
        find(&browser, "#composer button[value=draft]")
            .await
            .click()
            .await
            .unwrap();
        wait_for_path(&browser, "/admin/drafts?done=draft").await;


        // The home page shows the post, its photo with the alt text, and the photo loads.
        browser.goto(&server.url("/")).await.unwrap();
        let entry = find(&browser, "article.h-entry .e-content").await;
        assert_eq!(
            entry.html(true).await.unwrap().trim(),
            "<p>Hello from a real browser, with <strong>bold</strong> words</p>"
        );
        let img = find(&browser, "img.u-photo[alt]").await;
        assert_eq!(img.attr("alt").await.unwrap().as_deref(), Some(ALT));
        let deadline = Instant::now() + PATIENCE;
        let width = loop {
            // The photo is lazy-loaded: bring it into view, then wait for it to decode.
            let width = browser
                .execute(
                    "const img = arguments[0]; img.scrollIntoView();
                     return img.complete ? img.naturalWidth : 0;",
                    vec![serde_json::to_value(&img).unwrap()],
                )
                .await
                .unwrap();
            let width = width.as_u64().unwrap_or(0);
            if width > 0 || Instant::now() > deadline {
                break width;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        assert!(width > 0, "the photo never loaded");
        let src = img.attr("src").await.unwrap().unwrap();
        assert!(
            src.starts_with(&server.url("/uploads/")) && src.ends_with(".png"),
            "{src}"
        );

        // The session ends while a post is being written: sending it says so, signing in again
        // returns to the composer, and the text, kept in this browser, comes back.
        // On the way, `@` suggests someone known, and Enter takes the suggestion.
        server
            .app
            .db
            .write_blocking(|tx| {
                porch::store::actors::upsert(
                    tx,
                    &porch::store::actors::Actor {
                        uri: "https://social.example/users/bob".into(),
                        handle: "bob@social.example".into(),
                        name: "Bob Example".into(),
                        url: "https://social.example/@bob".into(),
                        inbox: "http://127.0.0.1:9/inbox".into(),
                        ..Default::default()
                    },
                )
            })
            .unwrap();
        const LAPSED: &str = "Written while the session ran out, for @bob@social.example ";
        browser.goto(&server.url("/admin/new")).await.unwrap();
        let typing = browser.active_element().await.unwrap();
        typing
            .send_keys("Written while the session ran out, for @bo")
            .await
            .unwrap();
        let option = find(&browser, "#mention-suggestions li[aria-selected=true]").await;
        assert_eq!(
            option.text().await.unwrap(),
            "Bob Example @bob@social.example"
        );
        typing.send_keys("\u{E007}").await.unwrap();
        assert!(
            find(&browser, "#mention-suggestions")
                .await
                .attr("hidden")
                .await
                .unwrap()
                .is_some(),
            "picking closes the list"
        );
        let deadline = Instant::now() + PATIENCE;
        while browser
            .execute(
                "return localStorage.getItem('porch:compose:new-post');",
                vec![],
            )
            .await
            .unwrap()
            .is_null()
        {
            assert!(Instant::now() < deadline, "the text was never autosaved");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        browser.delete_all_cookies().await.unwrap();
        find(&browser, "#primary").await.click().await.unwrap();
        let sign_in = find(&browser, "a.button[href^='/admin/login']").await;
        assert_eq!(
            sign_in.attr("href").await.unwrap().as_deref(),
            Some("/admin/login?next=/admin/new")
        );
        sign_in.click().await.unwrap();
        find(&browser, "#password")
            .await
            .send_keys(PASSWORD)
            .await
            .unwrap();
        find(&browser, "form[action='/admin/login'] button[type=submit]")
            .await
            .click()
            .await
            .unwrap();
        wait_for_path(&browser, "/admin/new").await;
        find(&browser, "#autosave-note:not([hidden])").await;
        let kept = find(&browser, "#markdown").await.prop("value").await.unwrap();
        assert_eq!(kept.as_deref(), Some(LAPSED));
        find(&browser, "#primary").await.click().await.unwrap();
        wait_for_path(&browser, "/admin?done=posted&post=3").await;
        let left = browser
            .execute(
                "return localStorage.getItem('porch:compose:new-post');",
                vec![],
            )
            .await
            .unwrap();
        assert!(left.is_null(), "a post that was saved leaves no copy: {left}");

        // The reader: a passage selected in the kept copy and Highlight pressed is stored,
        // and drawn on the page again after a reload.
        let bookmark = seed_bookmark(&server);
        browser
            .goto(&server.url(&format!("/admin/bookmarks/{bookmark}")))
            .await
            .unwrap();
        find(&browser, "div.archived").await;
        assert!(!find(&browser, ".highlight-button").await.is_displayed().await.unwrap());
        browser
            .execute(
                "const p = document.querySelectorAll('div.archived p')[1];
                 const text = p.firstChild;
                 const at = text.data.indexOf('painted green');
                 const range = document.createRange();
                 range.setStart(text, at);
                 range.setEnd(text, at + 'painted green'.length);
                 getSelection().removeAllRanges();
                 getSelection().addRange(range);",
                vec![],
            )
            .await
            .unwrap();
        let button = find(&browser, ".highlight-button:not([hidden])").await;
        shot(&browser, "reader-selection").await;
        button.click().await.unwrap();
        wait_for_path(&browser, &format!("/admin/bookmarks/{bookmark}?done=highlighted")).await;
        for _ in 0..2 {
            let mark = find(&browser, "div.archived mark.highlight").await;
            assert_eq!(mark.text().await.unwrap(), "painted green");
            browser.refresh().await.unwrap();
        }
        shot(&browser, "reader-highlighted").await;

        // On a phone (390 px wide), no admin page scrolls sideways, the Settings page with a
        // 1,200 px header image included (its preview once overflowed: the CSP refused the
        // inline style that was to shrink it).
        let owner = common::Client::new(&server.base);
        owner.login(PASSWORD);
        let csrf = owner.csrf();
        let header = owner.post_multipart(
            "/admin/settings/profile",
            &[("csrf", &csrf)],
            &[("header", "header.png", &common::png(1500, 500))],
        );
        assert_eq!(header.status, 303, "{}", header.text());
        browser.set_window_size(390, 844).await.unwrap();
        for path in ADMIN_PAGES {
            browser.goto(&server.url(path)).await.unwrap();
            find(&browser, "main").await;
            let (scroll, viewport) = widths(&browser).await;
            assert!(
                scroll <= viewport,
                "{path} is {scroll} px wide in a {viewport} px window: {}",
                page_text(&browser).await
            );
        }
        // On a phone the bar is one row, the groups behind its Menu.
        browser.goto(&server.url("/admin")).await.unwrap();
        let bar = browser
            .execute(
                "const bar = document.querySelector('header.bar');
                 const wide = document.querySelector('nav.wide');
                 return [bar.getBoundingClientRect().height, getComputedStyle(wide).display];",
                vec![],
            )
            .await
            .unwrap();
        assert!(bar[0].as_f64().unwrap() < 64.0, "one row: {bar}");
        assert_eq!(bar[1], "none");
        shot(&browser, "phone-posts").await;
        find(&browser, "details.menu summary").await.click().await.unwrap();
        shot(&browser, "phone-menu").await;
        find(&browser, "details.menu a[href='/admin/settings']")
            .await
            .click()
            .await
            .unwrap();
        wait_for_path(&browser, "/admin/settings").await;

        // Dark mode: with the system asking for it, the panel and the site turn dark.
        set_dark_mode(&driver, &browser).await;
        for (path, dark) in [("/admin", "rgb(22, 23, 26)"), ("/", "")] {
            browser.goto(&server.url(path)).await.unwrap();
            find(&browser, "main").await;
            let colors = browser
                .execute(
                    "const s = getComputedStyle(document.body);
                     return [s.backgroundColor, s.color,
                             matchMedia('(prefers-color-scheme: dark)').matches];",
                    vec![],
                )
                .await
                .unwrap();
            assert_eq!(colors[2], true, "{path}: the browser asks for dark");
            if !dark.is_empty() {
                assert_eq!(colors[0], dark, "{path}: {colors}");
            }
            shot(&browser, &format!("dark{}", path.replace('/', "-"))).await;
            assert!(is_dark(colors[0].as_str().unwrap()), "{path}: {colors}");
            assert!(!is_dark(colors[1].as_str().unwrap()), "{path}: light text: {colors}");
        }

        browser.close().await.unwrap();
    });
    // The session ended cleanly; the guard only stops chromedriver now.
    driver.session.lock().unwrap().take();
}
