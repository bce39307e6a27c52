//! The shared test harness: the real server on a loopback port with a temporary data folder,
//! and a small HTTP client that keeps cookies and does not follow redirects, so that tests see
//! exactly what a browser would be sent.

#![allow(dead_code)]

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use porch::app::App;
use porch::auth::owner::{self, NewOwner};
use porch::auth::password;
use porch::config::{BaseUrl, Config};
use porch::server::{self, Running};

pub const USERNAME: &str = "alice";
pub const PASSWORD: &str = "correct horse battery staple";
/// Where tests send the bookshelf's lookups unless they start a stand-in: the discard port on
/// loopback refuses at once, so no test reaches Open Library.
pub const NOWHERE: &str = "http://127.0.0.1:9";

pub struct TestServer {
    pub base: String,
    pub data: PathBuf,
    pub app: App,
    _dir: Option<tempfile::TempDir>,
    running: Option<Running>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl TestServer {
    /// A fresh site that has not been set up.
    pub fn start() -> TestServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let data = dir.path().join("data");
        let mut server = TestServer::start_in(&data);
        server._dir = Some(dir);
        server
    }

    /// A site set up with the owner `alice` and `PASSWORD`.
    pub fn with_owner() -> TestServer {
        let server = TestServer::start();
        server.create_owner();
        server
    }

    /// Starts the server on an existing (or new) data folder.
    pub fn start_in(data: &Path) -> TestServer {
        TestServer::start_configured(data, |_| {})
    }

    /// A site set up with the owner, its configuration changed by `configure` first (to point
    /// the bookshelf at a stand-in Open Library, say).
    pub fn with_owner_configured(configure: impl FnOnce(&mut Config)) -> TestServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let data = dir.path().join("data");
        let mut server = TestServer::start_configured(&data, configure);
        server._dir = Some(dir);
        server.create_owner();
        server
    }

    /// Starts the server on a data folder with a configuration changed by `configure`.
    pub fn start_configured(data: &Path, configure: impl FnOnce(&mut Config)) -> TestServer {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let data = data.to_path_buf();
        let running = runtime.block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let db = server::open_data(&data).unwrap();
            let mut config = Config {
                data_dir: data.clone(),
                base_url: BaseUrl::from_listen(addr),
                allow_private_network: true,
                trust_proxy: false,
                books_lookup_url: NOWHERE.into(),
                books_covers_url: NOWHERE.into(),
            };
            configure(&mut config);
            server::start(config, db, listener).await.unwrap()
        });
        TestServer {
            base: running.app.config.base_url.to_string(),
            app: running.app.clone(),
            data,
            _dir: None,
            running: Some(running),
            runtime: Some(runtime),
        }
    }

    pub fn create_owner(&self) {
        let hash = password::hash(PASSWORD).unwrap();
        let new = NewOwner {
            username: USERNAME.into(),
            display_name: "Alice Example".into(),
            password: PASSWORD.into(),
        };
        self.app
            .db
            .write_blocking(|tx| owner::create(tx, &new, &hash))
            .unwrap();
    }

    /// A fresh one-time setup token, as the first start prints in its link.
    pub fn setup_token(&self) -> String {
        self.app
            .db
            .write_blocking(|tx| owner::issue_setup_token(tx))
            .unwrap()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn client(&self) -> Client {
        Client::new(&self.base)
    }

    /// A client signed in as the owner.
    pub fn admin(&self) -> Client {
        let client = self.client();
        client.login(PASSWORD);
        client
    }

    /// Stops the server and waits for it, keeping the data folder.
    pub fn stop(&mut self) {
        if let (Some(running), Some(runtime)) = (self.running.take(), self.runtime.take()) {
            runtime.block_on(running.stop()).unwrap();
            runtime.shutdown_timeout(Duration::from_secs(5));
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// One HTTP response, read whole.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn location(&self) -> &str {
        self.header("location").unwrap_or("")
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
}

/// A browser-like client: keeps cookies, never follows redirects.
pub struct Client {
    base: String,
    agent: ureq::Agent,
    cookies: RefCell<BTreeMap<String, String>>,
}

impl Client {
    pub fn new(base: &str) -> Client {
        let config = ureq::Agent::config_builder()
            .max_redirects(0)
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build();
        Client {
            base: base.to_string(),
            agent: config.into(),
            cookies: RefCell::new(BTreeMap::new()),
        }
    }

    fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{path}", self.base)
        }
    }

    fn cookie_header(&self) -> Option<String> {
        let cookies = self.cookies.borrow();
        (!cookies.is_empty()).then(|| {
            cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ")
        })
    }

    fn finish(&self, response: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Resp {
        let mut response = response.expect("request failed");
        let headers: Vec<(String, String)> = response
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
            .collect();
        for (k, v) in &headers {
            if k == "set-cookie" {
                let pair = v.split(';').next().unwrap_or("");
                if let Some((name, value)) = pair.split_once('=') {
                    let expired = v.contains("Max-Age=0");
                    if expired || value.is_empty() {
                        self.cookies.borrow_mut().remove(name);
                    } else {
                        self.cookies.borrow_mut().insert(name.into(), value.into());
                    }
                }
            }
        }
        let status = response.status().as_u16();
        let body = response
            .body_mut()
            .with_config()
            .limit(64 * 1024 * 1024)
            .read_to_vec()
            .unwrap_or_default();
        Resp {
            status,
            headers,
            body,
        }
    }

    pub fn get(&self, path: &str) -> Resp {
        self.get_with(path, &[])
    }

    pub fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Resp {
        let mut req = self.agent.get(self.url(path));
        if let Some(c) = self.cookie_header() {
            req = req.header("Cookie", c);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        self.finish(req.call())
    }

    pub fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let body = serde_urlencoded::to_string(fields).unwrap();
        self.post_raw(
            path,
            "application/x-www-form-urlencoded",
            body.as_bytes(),
            &[],
        )
    }

    pub fn post_raw(
        &self,
        path: &str,
        content_type: &str,
        body: &[u8],
        headers: &[(&str, &str)],
    ) -> Resp {
        let mut req = self
            .agent
            .post(self.url(path))
            .header("Content-Type", content_type);
        if let Some(c) = self.cookie_header() {
            req = req.header("Cookie", c);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        self.finish(req.send(body))
    }

    /// Posts multipart/form-data: text fields, then files as (field, file name, bytes).
    pub fn post_multipart(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &[u8])],
    ) -> Resp {
        self.post_multipart_with(path, fields, files, &[])
    }

    /// `post_multipart` with more request headers (`Accept: application/json`, say).
    pub fn post_multipart_with(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &[u8])],
        headers: &[(&str, &str)],
    ) -> Resp {
        let boundary = "----porchtestboundary7MA4YWxkTrZu0gW";
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
            );
        }
        for (name, file_name, bytes) in files {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        self.post_raw(
            path,
            &format!("multipart/form-data; boundary={boundary}"),
            &body,
            headers,
        )
    }

    pub fn login(&self, password: &str) -> Resp {
        let page = self.get("/admin/login");
        assert_eq!(page.status, 200, "login page: {}", page.text());
        let csrf = csrf_in(&page.text());
        self.post_form(
            "/admin/login",
            &[("csrf", &csrf), ("password", password), ("next", "/admin")],
        )
    }

    /// The CSRF token of the admin panel, read from a page of it.
    pub fn csrf(&self) -> String {
        let page = self.get("/admin/new");
        assert_eq!(page.status, 200, "not signed in: {}", page.text());
        csrf_in(&page.text())
    }

    /// Saves a post through the composer; returns the response (303 on success).
    pub fn compose(&self, fields: &[(&str, &str)]) -> Resp {
        let csrf = self.csrf();
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        // The composer is sent to its own address: the post's, or the new post's.
        let path = match fields.iter().find(|(name, _)| *name == "id") {
            Some((_, id)) => format!("/admin/posts/{id}"),
            None => "/admin/new".to_string(),
        };
        self.post_multipart(&path, &all, &[])
    }

    pub fn has_cookie(&self, name: &str) -> bool {
        self.cookies.borrow().contains_key(name)
    }
}

/// The value of the first `name="csrf"` hidden field in a page.
pub fn csrf_in(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("no csrf field in: {html}"))
        + marker.len();
    html[start..start + html[start..].find('"').unwrap()].to_string()
}

/// The permalink of the newest published post, read from the store.
pub fn newest_path(server: &TestServer) -> String {
    server
        .app
        .db
        .read_blocking(|c| porch::store::posts::published(c, 1, 0))
        .unwrap()
        .first()
        .and_then(|p| p.path.clone())
        .expect("a published post")
}

/// A small PNG of the given size, each pixel a colour from its position.
pub fn png(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// A JPEG of the given size.
pub fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, 90, (y % 256) as u8])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
    out.into_inner()
}
pub mod article_site;
/// Runs `porch export <what> --data <data> --out <out>`, as the owner would; whether it worked.
pub fn porch_export(what: &str, data: &Path, out: &Path) -> bool {
    std::process::Command::new(env!("CARGO_BIN_EXE_porch"))
        .args(["export", what, "--data"])
        .arg(data)
        .arg("--out")
        .arg(out)
        .status()
        .unwrap()
        .success()
}

/// Uploads a file on a panel import screen (`/admin/books/import`, `/admin/bookmarks/import`)
/// and waits for its job to end; returns the import's page.
pub fn import_in_panel(
    server: &TestServer,
    admin: &Client,
    screen: &str,
    name: &str,
    body: &str,
) -> String {
    let csrf = admin.csrf();
    let r = admin.post_multipart(
        screen,
        &[("csrf", &csrf)],
        &[("file", name, body.as_bytes())],
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let page = r.location().to_string();
    assert!(page.starts_with(&format!("{screen}s/")), "{page}");
    federation::wait_until("the import to finish", || {
        federation::number(
            server,
            "SELECT count(*) FROM imports WHERE status IN ('done', 'failed')
                 AND id = (SELECT max(id) FROM imports)",
            [],
        ) == 1
    });
    admin.get(&page).text()
}

pub mod fake_mastodon;
pub mod federation;
pub mod open_library;

impl TestServer {
    /// A site set up with the owner, started the way production runs it: without
    /// `--allow-private-network`, so that it fetches nothing from loopback or private addresses.
    pub fn with_owner_guarded() -> TestServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let data = dir.path().join("data");
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let running = runtime.block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let db = server::open_data(&data).unwrap();
            let config = Config {
                data_dir: data.clone(),
                base_url: BaseUrl::from_listen(addr),
                allow_private_network: false,
                trust_proxy: false,
                books_lookup_url: NOWHERE.into(),
                books_covers_url: NOWHERE.into(),
            };
            server::start(config, db, listener).await.unwrap()
        });
        let server = TestServer {
            base: running.app.config.base_url.to_string(),
            app: running.app.clone(),
            data,
            _dir: Some(dir),
            running: Some(running),
            runtime: Some(runtime),
        };
        server.create_owner();
        server
    }
}

/// A small web site on loopback, for what Porch fetches from elsewhere (photos by URL, an app's
/// client metadata). `pages` gets the site's address (`http://127.0.0.1:<port>`), so a document
/// can name its own URL, and returns (path, Content-Type, body) for each page; any other path
/// answers 404. It serves, a thread per connection, until the test process ends.
pub fn serve_pages(pages: impl FnOnce(&str) -> Vec<(String, String, Vec<u8>)>) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let base = format!("http://{}", listener.local_addr().unwrap());
    let pages = pages(&base);
    serve_on(listener, move |target| {
        let path = target.split('?').next().unwrap_or("/");
        match pages.iter().find(|(p, _, _)| p == path) {
            Some((_, content_type, body)) => (
                200,
                vec![("Content-Type".into(), content_type.clone())],
                body.clone(),
            ),
            None => (
                404,
                vec![("Content-Type".into(), "text/plain".into())],
                b"not found".to_vec(),
            ),
        }
    });
    base
}

/// An answer of a loopback site: status, headers, body.
pub type Answer = (u16, Vec<(String, String)>, Vec<u8>);

/// Serves `route` (request target → answer) on `listener`, a thread per connection, until the
/// test process ends.
pub fn serve_on(
    listener: std::net::TcpListener,
    route: impl Fn(&str) -> Answer + Send + Sync + 'static,
) {
    let route = std::sync::Arc::new(route);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let route = route.clone();
            std::thread::spawn(move || answer(stream, &*route));
        }
    });
}

/// Answers one request of a loopback site.
fn answer(mut stream: std::net::TcpStream, route: &dyn Fn(&str) -> Answer) {
    use std::io::{BufRead, BufReader, Write};
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
    }
    let target = request_line.split_whitespace().nth(1).unwrap_or("/");
    let (status, headers, body) = route(target);
    let reason = match status {
        200 => "OK",
        302 => "Found",
        404 => "Not Found",
        _ => "Status",
    };
    let mut head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes());
    if !request_line.starts_with("HEAD ") {
        let _ = stream.write_all(&body);
    }
}
