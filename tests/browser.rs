//! The owner's first hour in a real browser: Debian's Chromium, headless, driven through
//! chromedriver (WebDriver). Setup from the one-time link, signing out and in, the composer's live
//! preview, a photo attached through the file input, and the published post on the home page.
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
    "/admin/categories",
    "/admin/timeline",
    "/admin/notifications",
    "/admin/fediverse",
    "/admin/moderation",
    "/admin/settings",
    "/admin/tokens",
    "/admin/jobs",
];

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
    let token = server
        .app
        .db
        .write_blocking(|tx| porch::auth::owner::issue_setup_token(tx))
        .unwrap();

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let browser = driver.browser(&profile).await;

        // Setup: the one-time link, then straight into the panel, signed in.
        browser
            .goto(&server.url(&format!("/setup?token={token}")))
            .await
            .unwrap();
        find(&browser, "#username")
            .await
            .send_keys("alice")
            .await
            .unwrap();
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

        // Log out: the panel is closed again.
        find(&browser, "form[action='/admin/logout'] button")
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

        // The composer: Markdown in, the live preview renders it.
        browser.goto(&server.url("/admin/new")).await.unwrap();
        find(&browser, "#markdown")
            .await
            .send_keys(POST_TEXT)
            .await
            .unwrap();
        let strong = find(&browser, "#preview strong").await;
        assert_eq!(strong.text().await.unwrap(), "bold");
        let preview = find(&browser, "#preview").await.html(true).await.unwrap();
        assert!(
            preview.contains("Hello from a real browser, with <strong>bold</strong> words"),
            "{preview}"
        );

        // A photo through the file input: it is shown at once, with its own alt text field
        // (before, the picker showed nothing until the post was saved). "Publish now" is the
        // default.
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
        let publish = find(&browser, "input[name=action][value=publish]").await;
        assert!(
            publish.is_selected().await.unwrap(),
            "Publish now is chosen"
        );
        find(&browser, "#composer button[type=submit]")
            .await
            .click()
            .await
            .unwrap();
        wait_for_path(&browser, "/admin?done=published&post=1").await;

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

        // On a phone (390 px wide), no admin page scrolls sideways, the Settings page with a
        // 1,200 px header image included (its preview once overflowed: the CSP refused the
        // inline style that was to shrink it).
        let owner = common::Client::new(&server.base);
        owner.login(PASSWORD);
        let csrf = owner.csrf();
        let header = owner.post_multipart(
            "/admin/settings/header",
            &[("csrf", &csrf)],
            &[("file", "header.png", &common::png(1500, 500))],
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

        browser.close().await.unwrap();
    });
    // The session ended cleanly; the guard only stops chromedriver now.
    driver.session.lock().unwrap().take();
}
