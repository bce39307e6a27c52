//! `cargo bench --bench http`: fills a database with 10,000 posts, starts the release binary on
//! it, and measures over loopback at 64 concurrent keep-alive connections: requests per second
//! and latency percentiles for the home page, a post page and /feed.xml (served from the page
//! cache after their first request), and for post pages across all 10,000 posts (mostly cache
//! misses: each is rendered from the database), plus the server's time from start to first
//! answer and its idle and peak resident memory (from /proc), and the home page against nginx
//! serving the same bytes (`common/nginx.rs`).

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use porch::auth::owner::{self, NewOwner};
use porch::auth::password;
use porch::posts::save::{self, Action, Compose};
use porch::store::posts::Kind;
use porch::store::settings;

mod common;
#[path = "common/nginx.rs"]
mod nginx;

use common::{status_kb, stop};

const POSTS: usize = 10_000;
const CONNECTIONS: usize = 64;
const WARMUP: Duration = Duration::from_secs(2);
const MEASURE: Duration = Duration::from_secs(10);

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let post_paths = fill(&data);
    let post_path = post_paths[100].clone();

    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_porch"))
        .args(["serve", "--data"])
        .arg(&data)
        .args([
            "--listen",
            "127.0.0.1:18531",
            "--base-url",
            "http://127.0.0.1:18531",
        ])
        .env("PORCH_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start porch");
    let addr = "127.0.0.1:18531";
    let first_answer = wait_for_first_answer(addr, started);
    let pid = child.id();
    std::thread::sleep(Duration::from_secs(1));
    let idle_kb = status_kb(pid, "VmRSS:");

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    println!(
        "\nPorch HTTP benchmark: {POSTS} posts, {CONNECTIONS} connections, {}s per URL\n",
        MEASURE.as_secs()
    );
    println!(
        "{:<40} {:>10} {:>9} {:>9} {:>9}",
        "URL", "req/s", "p50 ms", "p99 ms", "max ms"
    );
    let cases: Vec<(String, Vec<String>)> = vec![
        ("/".into(), vec!["/".into()]),
        (post_path.clone(), vec![post_path.clone()]),
        ("/feed.xml".into(), vec!["/feed.xml".into()]),
        ("every post page (mostly uncached)".into(), post_paths),
    ];
    for (label, paths) in cases {
        let (rps, p50, p99, max) = runtime.block_on(load(addr, paths));
        println!("{label:<40} {rps:>10.0} {p50:>9.2} {p99:>9.2} {max:>9.2}");
    }
    let peak_kb = status_kb(pid, "VmHWM:");
    println!();
    nginx::compare(addr);
    println!();
    println!(
        "time from start to first answer: {:.0} ms",
        first_answer.as_secs_f64() * 1000.0
    );
    println!(
        "resident memory, idle after start: {:.1} MB",
        idle_kb as f64 / 1024.0
    );
    println!(
        "resident memory, peak under load:  {:.1} MB",
        peak_kb as f64 / 1024.0
    );
    stop(&mut child);
}

/// Creates the site and its posts straight through the library, as a long-lived blog would
/// have them: spread over three years, a third with titles, in categories and topics. Returns
/// every post's path, in a shuffled order.
fn fill(data: &std::path::Path) -> Vec<String> {
    let db = porch::server::open_data(data).unwrap();
    let hash = password::hash("benchmark password").unwrap();
    let new = NewOwner {
        username: "bench".into(),
        display_name: "Bench Marker".into(),
        password: String::new(),
    };
    let categories = ["Books", "Travel", "Code", "Garden", "Music"];
    let topics = ["📚", "☕", "🎵", "📷", ""];
    let now = chrono::Utc::now().timestamp();
    let started = Instant::now();
    db.write_blocking(|tx| {
        owner::create(tx, &new, &hash)?;
        let site = settings::load(tx)?;
        for i in 0..POSTS {
            let title = if i % 3 == 0 {
                format!("A longer post, number {i}")
            } else {
                String::new()
            };
            let markdown = format!(
                "Post {i} {} with a [link](https://example.com/{i}) and *some* emphasis.\n\n\
                 A second paragraph, to make the page the size of a real one: the quick brown fox \
                 jumps over the lazy dog, again and again, until the line wraps twice or more.",
                topics[i % topics.len()]
            );
            let compose = Compose {
                title,
                markdown,
                new_categories: vec![categories[i % categories.len()].to_string()],
                ..Compose::new(
                    Kind::Post,
                    Action::Schedule(now - 3 * 365 * 86400 + (i as i64) * 9000),
                )
            };
            save::save(tx, &site, &compose).map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        // The fill stands for a blog long in use: its posts went out to followers and linked
        // pages long ago, so no federation or Webmention work waits beside the measurement.
        tx.execute("DELETE FROM jobs", [])?;
        Ok(())
    })
    .unwrap();
    eprintln!(
        "filled {POSTS} posts in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    let mut paths: Vec<String> = db
        .read_blocking(|c| porch::store::posts::sitemap(c, 0, i64::MAX))
        .unwrap()
        .into_iter()
        .map(|(path, _)| path)
        .collect();
    // A fixed shuffle (multiplying by a number prime to the length) so that neighbouring
    // requests hit unrelated rows, as visitors arriving from search engines do.
    let n = paths.len();
    paths = (0..n).map(|i| paths[(i * 7919) % n].clone()).collect();
    paths
}

fn wait_for_first_answer(addr: &str, started: Instant) -> Duration {
    use std::io::{Read, Write};
    loop {
        if let Ok(mut stream) = std::net::TcpStream::connect(addr) {
            let _ = stream
                .write_all(b"GET /healthz HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n");
            let mut answer = String::new();
            if stream.read_to_string(&mut answer).is_ok() && answer.starts_with("HTTP/1.1 200") {
                return started.elapsed();
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "porch did not answer within 30 s"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Runs `CONNECTIONS` keep-alive connections, each walking through `paths` from its own place:
/// a warm-up, then the measured window. Returns requests per second and the p50, p99 and max
/// latency in milliseconds.
async fn load(addr: &'static str, paths: Vec<String>) -> (f64, f64, f64, f64) {
    let paths: Arc<Vec<String>> = Arc::new(paths);
    let mut tasks = Vec::new();
    let start = Instant::now();
    for connection in 0..CONNECTIONS {
        let paths = paths.clone();
        tasks.push(tokio::spawn(async move {
            let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
            stream.set_nodelay(true).unwrap();
            let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
                .await
                .unwrap();
            tokio::spawn(conn);
            let mut latencies = Vec::new();
            let mut next = connection * paths.len() / CONNECTIONS;
            loop {
                let sent = Instant::now();
                if sent.duration_since(start) > WARMUP + MEASURE {
                    break;
                }
                let path = &paths[next % paths.len()];
                next += 1;
                let req = hyper::Request::get(path.as_str())
                    .header("host", addr)
                    .body(Empty::<Bytes>::new())
                    .unwrap();
                let res = sender.send_request(req).await.unwrap();
                assert_eq!(res.status(), 200, "{path}");
                res.into_body().collect().await.unwrap();
                if sent.duration_since(start) >= WARMUP {
                    latencies.push(sent.elapsed());
                }
            }
            latencies
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    all.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let pick = |q: f64| ms(all[((all.len() as f64 * q) as usize).min(all.len() - 1)]);
    (
        all.len() as f64 / MEASURE.as_secs_f64(),
        pick(0.50),
        pick(0.99),
        ms(*all.last().unwrap()),
    )
}
