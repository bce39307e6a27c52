//! The http benchmark's yardstick: nginx serving the very bytes Porch rendered for the home
//! page, both loaded by wrk (-t1 -c64) in alternating runs in one sitting, so that the ratio
//! is what a change to the serving path moves. Skipped, with a message, without nginx or wrk.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Where nginx listens for the comparison.
const NGINX_ADDR: &str = "127.0.0.1:18533";
/// Runs of each server, alternating; the median is reported.
const ROUNDS: usize = 3;
const RUN_SECONDS: u32 = 8;

/// nginx, started from a temporary configuration, stopped when dropped.
struct Nginx(Child);

impl Drop for Nginx {
    fn drop(&mut self) {
        // SIGTERM, so that the master stops its workers: SIGKILL would leave them listening.
        let _ = Command::new("kill").arg(self.0.id().to_string()).status();
        let _ = self.0.wait();
    }
}

fn found(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// nginx serving `page` as `/` from `dir`, with what a static-file deployment would turn on:
/// sendfile, keep-alive, no access log (Porch's bench runs with PORCH_LOG=warn: no line per
/// request either), one worker per core.
fn start_nginx(dir: &Path, page: &[u8]) -> Nginx {
    std::fs::create_dir_all(dir.join("root")).unwrap();
    std::fs::write(dir.join("root/index.html"), page).unwrap();
    let config = format!(
        "daemon off;\nworker_processes auto;\npid {dir}/nginx.pid;\nerror_log {dir}/error.log;\n\
         events {{ worker_connections 1024; }}\n\
         http {{\n  access_log off;\n  sendfile on;\n  tcp_nopush on;\n  keepalive_requests 1000000;\n\
           client_body_temp_path {dir}/body;\n  proxy_temp_path {dir}/proxy;\n\
           fastcgi_temp_path {dir}/fastcgi;\n  uwsgi_temp_path {dir}/uwsgi;\n  scgi_temp_path {dir}/scgi;\n\
           default_type text/html;\n\
           server {{ listen {NGINX_ADDR}; root {dir}/root; index index.html; }}\n}}\n",
        dir = dir.display()
    );
    let conf = dir.join("nginx.conf");
    std::fs::write(&conf, config).unwrap();
    let child = Command::new("nginx")
        .arg("-c")
        .arg(&conf)
        .arg("-e")
        .arg(dir.join("error.log"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start nginx");
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(NGINX_ADDR).is_err() {
        assert!(
            Instant::now() < deadline,
            "nginx did not listen on {NGINX_ADDR}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    Nginx(child)
}

/// One wrk run: requests per second.
fn wrk(url: &str) -> f64 {
    let out = Command::new("wrk")
        .args(["-t1", "-c64", &format!("-d{RUN_SECONDS}s"), url])
        .output()
        .expect("run wrk");
    let said = String::from_utf8_lossy(&out.stdout);
    said.lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("wrk said: {said}"))
}

fn median(mut runs: Vec<f64>) -> f64 {
    runs.sort_by(|a, b| a.total_cmp(b));
    runs[runs.len() / 2]
}

/// Loads Porch's home page at `porch_addr` and nginx serving the same bytes, alternating, and
/// prints both medians and their ratio.
pub fn compare(porch_addr: &str) {
    if !found("nginx") || !found("wrk") {
        println!(
            "nginx comparison skipped: install Debian's nginx and wrk (apt-get install nginx wrk)"
        );
        return;
    }
    // The bytes wrk gets from Porch: no Accept-Encoding, so the page as it is.
    let page = ureq::get(format!("http://{porch_addr}/"))
        .call()
        .expect("the home page")
        .into_body()
        .read_to_vec()
        .expect("its body");
    let dir = tempfile::tempdir().unwrap();
    let _nginx = start_nginx(dir.path(), &page);
    let served = ureq::get(format!("http://{NGINX_ADDR}/"))
        .call()
        .expect("nginx's page")
        .into_body()
        .read_to_vec()
        .expect("its body");
    assert_eq!(served, page, "nginx serves the very bytes");

    let (mut porch, mut nginx) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        porch.push(wrk(&format!("http://{porch_addr}/")));
        nginx.push(wrk(&format!("http://{NGINX_ADDR}/")));
    }
    let (porch, nginx) = (median(porch), median(nginx));
    println!(
        "home page ({} bytes), wrk -t1 -c64 -d{RUN_SECONDS}s, median of {ROUNDS} alternating runs:",
        page.len()
    );
    println!("  Porch {porch:>9.0} req/s");
    println!("  nginx {nginx:>9.0} req/s");
    println!("  ratio {:.2}x nginx", porch / nginx);
}
