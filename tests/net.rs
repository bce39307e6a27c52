//! The outbound HTTP client against real servers on loopback: the private-network guard, the
//! size cap, the redirect limit and the User-Agent.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use porch::config::{BaseUrl, Config};
use porch::net::{DEFAULT_MAX_BYTES, HttpClient, NetError};

/// A tiny HTTP server: answers every request with `respond(path)` and records request heads.
fn serve(respond: impl Fn(&str) -> String + Send + 'static) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut head = String::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                head.push_str(&line);
            }
            let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
            log.lock().unwrap().push(head);
            let _ = stream.write_all(respond(&path).as_bytes());
        }
    });
    (base, seen)
}

fn client(allow_private: bool) -> HttpClient {
    HttpClient::new(&Config {
        data_dir: std::env::temp_dir(),
        base_url: BaseUrl::parse("https://blog.example").unwrap(),
        allow_private_network: allow_private,
        trust_proxy: false,
        books_lookup_url: String::new(),
        books_covers_url: String::new(),
    })
    .unwrap()
}

fn ok(body: &str) -> String {
    format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

#[test]
fn refuses_loopback_addresses_unless_private_networks_are_allowed() {
    let (base, seen) = serve(|_| ok("secret"));
    let refused = client(false).get(&format!("{base}/admin"), "*/*", DEFAULT_MAX_BYTES);
    assert!(
        matches!(refused, Err(NetError::PrivateAddress)),
        "{refused:?}"
    );
    let by_name = client(false).get(
        &base.replace("127.0.0.1", "localhost"),
        "*/*",
        DEFAULT_MAX_BYTES,
    );
    assert!(
        matches!(by_name, Err(NetError::PrivateAddress)),
        "{by_name:?}"
    );
    assert!(
        seen.lock().unwrap().is_empty(),
        "nothing reached the server"
    );

    let fetched = client(true)
        .get(&format!("{base}/page"), "text/plain", DEFAULT_MAX_BYTES)
        .unwrap();
    assert_eq!(fetched.status, 200);
    assert_eq!(fetched.body, b"secret");
    assert_eq!(fetched.header("Content-Type"), Some("text/plain"));
    let head = seen.lock().unwrap()[0].to_lowercase();
    assert!(head.contains("user-agent: porch/"), "{head}");
    assert!(head.contains("+https://blog.example"), "{head}");
}

#[test]
fn refuses_other_schemes() {
    let result = client(true).get("file:///etc/passwd", "*/*", DEFAULT_MAX_BYTES);
    assert!(matches!(result, Err(NetError::BadUrl(_))), "{result:?}");
}

#[test]
fn stops_reading_at_the_size_cap() {
    let (base, _) = serve(|_| ok(&"x".repeat(10_000)));
    let result = client(true).get(&base, "*/*", 1000);
    assert!(
        matches!(result, Err(NetError::TooLarge(1000))),
        "{result:?}"
    );
}

#[test]
fn gives_up_on_endless_redirects() {
    let (base, seen) = serve(|path| {
        let n: u32 = path.trim_start_matches("/r").parse().unwrap_or(0);
        format!(
            "HTTP/1.1 302 Found\r\nLocation: /r{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            n + 1
        )
    });
    let result = client(true).get(&format!("{base}/r0"), "*/*", DEFAULT_MAX_BYTES);
    assert!(result.is_err(), "{result:?}");
    let requests = seen.lock().unwrap().len();
    assert!(requests <= 6, "followed {requests} requests");
}
