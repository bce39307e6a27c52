//! `cargo bench --bench federation`: fan-out and inbox throughput of the release binary.
//!
//! Fan-out: 10,000 followers on 1,000 loopback "instances" (10 accounts each, one shared inbox
//! per instance, each instance a listener of this process). A post scheduled for a known second
//! is published by the job queue; the benchmark reports the time from that second until every
//! instance has received the Create, and the server's peak resident memory.
//!
//! Inbox: a remote actor served here signs 5,000 distinct Like activities (draft-cavage, as
//! Mastodon does); they are POSTed over 32 connections, and the benchmark reports how many were
//! verified, stored and answered 202 per second.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use poem::listener::TcpListener;
use poem::web::Data;
use poem::{EndpointExt, Route, Server, get, handler, post};
use porch::activitypub::signature::cavage;
use porch::auth::owner::{self, NewOwner};
use porch::auth::password;
use porch::posts::save::{self, Action, Compose};
use porch::store::actors::{self, Actor};
use porch::store::follows::{self, Side};
use porch::store::posts::Kind;
use porch::store::settings;
use rsa::pkcs8::{EncodePublicKey, LineEnding};

mod common;

use common::{status_kb, stop};

const INSTANCES: u16 = 1_000;
const ACCOUNTS_PER_INSTANCE: u16 = 10;
const FIRST_PORT: u16 = 21_000;
const PORCH: &str = "127.0.0.1:18532";
const LIKES: usize = 5_000;
const CONNECTIONS: usize = 32;
const ACTOR_PORT: u16 = 20_999;

/// A body and the headers that sign it.
type SignedPost = (Vec<u8>, Vec<(&'static str, String)>);

#[handler]
fn inbox(Data(count): Data<&Arc<AtomicUsize>>) -> poem::http::StatusCode {
    count.fetch_add(1, Ordering::SeqCst);
    poem::http::StatusCode::ACCEPTED
}

#[handler]
fn actor_doc(Data(doc): Data<&Arc<String>>) -> poem::Response {
    poem::Response::builder()
        .content_type("application/activity+json")
        .body(doc.as_str().to_string())
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let publish_at = fill(&data);

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let received = Arc::new(AtomicUsize::new(0));
    let key = rsa::PrivateKey::new(&mut rand::rng(), 2048).unwrap();
    let actor_uri = format!("http://127.0.0.1:{ACTOR_PORT}/users/liker");
    let doc = Arc::new(
        serde_json::json!({
            "@context": ["https://www.w3.org/ns/activitystreams"],
            "id": actor_uri, "type": "Person", "preferredUsername": "liker",
            "inbox": format!("{actor_uri}/inbox"),
            "publicKey": { "id": format!("{actor_uri}#main-key"), "owner": actor_uri,
                "publicKeyPem": key.to_public_key().to_public_key_pem(LineEnding::LF).unwrap() },
        })
        .to_string(),
    );
    runtime.block_on(async {
        for port in FIRST_PORT..FIRST_PORT + INSTANCES {
            let app = Route::new()
                .at("/inbox", post(inbox))
                .data(received.clone());
            tokio::spawn(Server::new(TcpListener::bind(format!("127.0.0.1:{port}"))).run(app));
        }
        let app = Route::new()
            .at("/users/liker", get(actor_doc))
            .data(doc.clone());
        tokio::spawn(Server::new(TcpListener::bind(format!("127.0.0.1:{ACTOR_PORT}"))).run(app));
    });

    let mut child = start(&data);
    let pid = child.id();
    // Fan-out: wait for the scheduled post to reach every instance.
    let deadline = Instant::now() + Duration::from_secs(300);
    let mut peak_kb = 0;
    while received.load(Ordering::SeqCst) < INSTANCES as usize && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
        peak_kb = peak_kb.max(status_kb(pid, "VmRSS:"));
    }
    let done_at = chrono::Utc::now().timestamp_millis();
    let got = received.load(Ordering::SeqCst);
    let seconds = (done_at - publish_at * 1000) as f64 / 1000.0;
    println!(
        "\nfan-out: {got} of {INSTANCES} shared inboxes ({} followers) had the Create {seconds:.2} s after the post's publication time; peak RSS {:.1} MB (VmHWM {:.1} MB)",
        INSTANCES as u32 * ACCOUNTS_PER_INSTANCE as u32,
        peak_kb as f64 / 1024.0,
        status_kb(pid, "VmHWM:") as f64 / 1024.0
    );

    // Inbox: signed Likes of the post, each with its own id.
    let post_url = post_url();
    let bodies: Vec<SignedPost> = (0..LIKES)
        .map(|i| {
            let body = serde_json::json!({
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": format!("{actor_uri}/likes/{i}"), "type": "Like",
                "actor": actor_uri, "object": post_url,
            })
            .to_string()
            .into_bytes();
            let date = porch::render::time::http_date(chrono::Utc::now().timestamp());
            let digest = cavage::digest(&body);
            let signature = cavage::sign(
                &key,
                &format!("{actor_uri}#main-key"),
                &[
                    ("(request-target)", "post /inbox".into()),
                    ("host", PORCH.into()),
                    ("date", date.clone()),
                    ("digest", digest.clone()),
                    ("content-type", "application/activity+json".into()),
                ],
            )
            .unwrap();
            (
                body,
                vec![("date", date), ("digest", digest), ("signature", signature)],
            )
        })
        .collect();
    let (rate, accepted) = runtime.block_on(flood(bodies));
    println!(
        "inbox: {accepted} signed activities verified and stored at {rate:.0} per second ({CONNECTIONS} connections)\n"
    );
    stop(&mut child);
}

/// Owner, 10,000 followers, and one post scheduled a few seconds after the server will start.
fn fill(data: &std::path::Path) -> i64 {
    let db = porch::server::open_data(data).unwrap();
    let hash = password::hash("benchmark password").unwrap();
    let new = NewOwner {
        username: "bench".into(),
        display_name: "Bench Marker".into(),
        password: String::new(),
    };
    let publish_at = chrono::Utc::now().timestamp() + 8;
    db.write_blocking(|tx| {
        owner::create(tx, &new, &hash)?;
        for i in 0..INSTANCES {
            let origin = format!("http://127.0.0.1:{}", FIRST_PORT + i);
            for a in 0..ACCOUNTS_PER_INSTANCE {
                let uri = format!("{origin}/users/u{a}");
                let id = actors::upsert(
                    tx,
                    &Actor {
                        handle: format!("u{a}@127.0.0.1"),
                        inbox: format!("{uri}/inbox"),
                        shared_inbox: format!("{origin}/inbox"),
                        uri: uri.clone(),
                        fetched_at: chrono::Utc::now().timestamp(),
                        ..Actor::default()
                    },
                )?;
                follows::put(tx, Side::Followers, id, &format!("{uri}/follows/1"), true)?;
            }
        }
        let site = settings::load(tx)?;
        let compose = Compose {
            markdown: "A post for ten thousand followers.".into(),
            ..Compose::new(Kind::Post, Action::Schedule(publish_at))
        };
        save::save(tx, &site, &compose).map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(())
    })
    .unwrap();
    publish_at
}

/// The published post's URL, read over HTTP from the sitemap (the benchmark keeps no handle on
/// the database while the server runs).
fn post_url() -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(PORCH).unwrap();
    write!(
        stream,
        "GET /sitemap.xml HTTP/1.1\r\nHost: {PORCH}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut text = String::new();
    stream.read_to_string(&mut text).unwrap();
    let start = text.find(&format!("<loc>http://{PORCH}/20")).unwrap() + "<loc>".len();
    let end = text[start..].find("</loc>").unwrap() + start;
    text[start..end].to_string()
}

async fn flood(bodies: Vec<SignedPost>) -> (f64, usize) {
    let bodies = Arc::new(bodies);
    let next = Arc::new(AtomicUsize::new(0));
    let accepted = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..CONNECTIONS {
        let (bodies, next, accepted) = (bodies.clone(), next.clone(), accepted.clone());
        tasks.push(tokio::spawn(async move {
            let stream = tokio::net::TcpStream::connect(PORCH).await.unwrap();
            let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
                .await
                .unwrap();
            tokio::spawn(conn);
            loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some((body, headers)) = bodies.get(i) else {
                    break;
                };
                let mut req = hyper::Request::post("/inbox")
                    .header("host", PORCH)
                    .header("content-type", "application/activity+json");
                for (name, value) in headers {
                    req = req.header(*name, value);
                }
                let res = sender
                    .send_request(req.body(Full::new(Bytes::from(body.clone()))).unwrap())
                    .await
                    .unwrap();
                if res.status() == 202 {
                    accepted.fetch_add(1, Ordering::SeqCst);
                }
                res.into_body().collect().await.unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let n = accepted.load(Ordering::SeqCst);
    (n as f64 / start.elapsed().as_secs_f64(), n)
}

fn start(data: &std::path::Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_porch"))
        .args(["serve", "--allow-private-network", "--data"])
        .arg(data)
        .args(["--listen", PORCH, "--base-url", &format!("http://{PORCH}")])
        .env("PORCH_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start porch")
}
