//! `cargo bench --bench hostile`: what strangers' large requests cost the server. It starts the
//! release binary and sends, eight at once, what an attacker without credentials can send:
//! XML-RPC uploads of 35 MB with a wrong password, and Micropub posts carrying four 24 MB files
//! with a wrong token in the body. It reports how long each batch took, that every request was
//! refused, how long the home page took to answer meanwhile, and the server's resident memory:
//! idle, and at its peak (VmHWM, from /proc).

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use porch::auth::owner::{self, NewOwner};
use porch::auth::password;

mod common;

use common::{status_kb, stop};

const AT_ONCE: usize = 8;
const ADDR: &str = "127.0.0.1:18533";

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    {
        let db = porch::server::open_data(&data).unwrap();
        let hash = password::hash("benchmark password").unwrap();
        let new = NewOwner {
            username: "bench".into(),
            display_name: "Bench Marker".into(),
            password: String::new(),
        };
        db.write_blocking(|tx| owner::create(tx, &new, &hash))
            .unwrap();
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_porch"))
        .args(["serve", "--data"])
        .arg(&data)
        .args(["--listen", ADDR, "--base-url", &format!("http://{ADDR}")])
        .env("PORCH_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start porch");
    wait_until_up();
    let pid = child.id();
    std::thread::sleep(Duration::from_secs(1));
    println!("\nPorch hostile-request benchmark: {AT_ONCE} requests at once per batch\n");
    println!(
        "resident memory, idle after start: {:.1} MB",
        status_kb(pid, "VmRSS:") as f64 / 1024.0
    );

    let xmlrpc = Arc::new(xmlrpc_upload(35 * 1024 * 1024));
    batch("XML-RPC, 35 MB, wrong password", || {
        let r = agent()
            .post(format!("http://{ADDR}/xmlrpc"))
            .header("Content-Type", "text/xml")
            .send(xmlrpc.as_slice())
            .map(|mut r| r.body_mut().read_to_string().unwrap_or_default());
        matches!(r, Ok(body) if body.contains("<i4>403</i4>"))
    });

    let (boundary, multipart) = micropub_upload(24 * 1024 * 1024);
    let multipart = Arc::new(multipart);
    batch("Micropub, 4 × 24 MB, wrong token", || {
        let r = agent()
            .post(format!("http://{ADDR}/micropub"))
            .header(
                "Content-Type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .send(multipart.as_slice());
        matches!(r, Ok(r) if r.status() == 401)
    });
    println!(
        "\nresident memory, peak:             {:.1} MB",
        status_kb(pid, "VmHWM:") as f64 / 1024.0
    );
    stop(&mut child);
}

/// Sends `AT_ONCE` requests at once, each answering whether it was refused as it should be,
/// while a visitor asks for the home page every 50 ms.
fn batch(label: &str, request: impl Fn() -> bool + Sync) {
    let done = AtomicBool::new(false);
    let started = Instant::now();
    let (refused, slowest_page) = std::thread::scope(|s| {
        let visitor = s.spawn(|| {
            let mut slowest = Duration::ZERO;
            while !done.load(Ordering::Relaxed) {
                let asked = Instant::now();
                let ok = agent()
                    .get(format!("http://{ADDR}/"))
                    .call()
                    .is_ok_and(|r| r.status() == 200);
                assert!(ok, "the home page did not answer");
                slowest = slowest.max(asked.elapsed());
                std::thread::sleep(Duration::from_millis(50));
            }
            slowest
        });
        let senders: Vec<_> = (0..AT_ONCE).map(|_| s.spawn(&request)).collect();
        let refused = senders
            .into_iter()
            .map(|t| t.join().unwrap_or(false))
            .filter(|refused| *refused)
            .count();
        done.store(true, Ordering::Relaxed);
        (refused, visitor.join().unwrap_or_default())
    });
    println!(
        "{label:<36} {:>6.2} s, {refused}/{AT_ONCE} refused, home page at most {:.0} ms meanwhile",
        started.elapsed().as_secs_f64(),
        slowest_page.as_secs_f64() * 1000.0
    );
}

fn xmlrpc_upload(size: usize) -> Vec<u8> {
    let head = "<?xml version=\"1.0\"?><methodCall><methodName>metaWeblog.newMediaObject</methodName>\
        <params><param><value><string>1</string></value></param>\
        <param><value><string>bench</string></value></param>\
        <param><value><string>not the token</string></value></param>\
        <param><value><struct><member><name>name</name><value>a.jpg</value></member>\
        <member><name>bits</name><value><base64>";
    let tail = "</base64></value></member></struct></value></param></params></methodCall>";
    let mut body = head.as_bytes().to_vec();
    body.resize(size - tail.len(), b'A');
    body.extend_from_slice(tail.as_bytes());
    body
}

fn micropub_upload(file_size: usize) -> (String, Vec<u8>) {
    let boundary = "----porchbenchboundary".to_string();
    let mut body = Vec::new();
    for (name, value) in [
        ("access_token", "not the token"),
        ("h", "entry"),
        ("content", "hi"),
    ] {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    for i in 0..4 {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"photo[]\"; filename=\"{i}.jpg\"\r\n\
                 Content-Type: image/jpeg\r\n\r\n"
            )
            .as_bytes(),
        );
        body.resize(body.len() + file_size, b'x');
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (boundary, body)
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(120)))
        .build()
        .into()
}

fn wait_until_up() {
    let started = Instant::now();
    while agent()
        .get(format!("http://{ADDR}/healthz"))
        .call()
        .map(|r| r.status() != 200)
        .unwrap_or(true)
    {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "porch did not start"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}
