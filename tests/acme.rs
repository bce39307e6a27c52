//! Built-in HTTPS against a real ACME server: Pebble, the test CA Let's Encrypt maintains
//! (Debian's `pebble`), on loopback. The real binary gets a certificate by TLS-ALPN-01, serves a
//! page over HTTPS that verifies against Pebble's root, redirects plain HTTP, and renews its
//! certificate before it expires without a restart (Pebble is told to issue 20-second ones).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore};

/// How long Pebble's certificates live. Porch renews with a third of the lifetime left, so a
/// renewal is due about 14 seconds after issuance.
const VALIDITY_SECONDS: u64 = 20;
/// The longest the test waits for an issuance or a renewal.
const PATIENCE: Duration = Duration::from_secs(45);

/// A child process killed when the test ends, passing or failing.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

fn wait_for_port(port: u16, what: &str) {
    let deadline = Instant::now() + PATIENCE;
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "{what} did not listen on {port}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Pebble speaks HTTPS only: a throwaway CA and a certificate for its own listener. Returns the
/// CA's PEM file, which Porch is given with `--acme-ca-root`.
fn pebble_listener_certificate(dir: &Path) -> PathBuf {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
        .unwrap()
        .signed_by(&key, &ca_cert, &ca_key)
        .unwrap();
    std::fs::write(dir.join("pebble-cert.pem"), leaf.pem()).unwrap();
    std::fs::write(dir.join("pebble-key.pem"), key.serialize_pem()).unwrap();
    let root = dir.join("pebble-listener-ca.pem");
    std::fs::write(&root, ca_cert.pem()).unwrap();
    root
}

/// Starts Pebble validating TLS-ALPN-01 on `tls_port`, where Porch will serve HTTPS.
fn start_pebble(dir: &Path, tls_port: u16) -> (Process, u16, u16) {
    let pebble = std::env::var_os("PORCH_PEBBLE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/pebble"));
    assert!(
        pebble.is_file(),
        "pebble not found at {}: install Debian's package (apt-get install -y pebble), or set \
         PORCH_PEBBLE",
        pebble.display()
    );
    let (acme_port, management_port) = (free_port(), free_port());
    let config = serde_json::json!({ "pebble": {
        "listenAddress": format!("127.0.0.1:{acme_port}"),
        "managementListenAddress": format!("127.0.0.1:{management_port}"),
        "certificate": dir.join("pebble-cert.pem"),
        "privateKey": dir.join("pebble-key.pem"),
        "httpPort": free_port(),
        "tlsPort": tls_port,
        "ocspResponderURL": "",
        "externalAccountBindingRequired": false,
        "certificateValidityPeriod": VALIDITY_SECONDS,
    }});
    let config_path = dir.join("pebble.json");
    std::fs::write(&config_path, config.to_string()).unwrap();
    let child = Command::new(&pebble)
        .arg("-config")
        .arg(&config_path)
        // No random sleeps before validating, and no nonces rejected at random: the client
        // retries a failed order only after a back-off, which would make the test slow.
        .env("PEBBLE_VA_NOSLEEP", "1")
        .env("PEBBLE_WFE_NONCEREJECT", "0")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("start {}: {e}", pebble.display()));
    let process = Process(child);
    wait_for_port(acme_port, "pebble");
    wait_for_port(management_port, "pebble's management interface");
    (process, acme_port, management_port)
}

fn roots(pem: &[u8]) -> Arc<RootCertStore> {
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(pem) {
        roots.add(cert.unwrap()).unwrap();
    }
    Arc::new(roots)
}

fn tls_client(roots: Arc<RootCertStore>) -> Arc<ClientConfig> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    // A resumed session skips the certificate: every connection must show the one served now.
    config.resumption = rustls::client::Resumption::disabled();
    Arc::new(config)
}

/// One HTTPS GET, verified for `host` against `client`'s roots. Returns the server's leaf
/// certificate and the whole response, or the error that stopped it.
fn https_get(
    client: &Arc<ClientConfig>,
    addr: SocketAddr,
    host: &str,
    path: &str,
) -> Result<(Vec<u8>, String), String> {
    let name = ServerName::try_from(host.to_string()).map_err(|e| e.to_string())?;
    let mut conn = ClientConnection::new(client.clone(), name).map_err(|e| e.to_string())?;
    let mut socket = TcpStream::connect(addr).map_err(|e| e.to_string())?;
    socket.set_read_timeout(Some(PATIENCE)).unwrap();
    let mut tls = rustls::Stream::new(&mut conn, &mut socket);
    let request = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    tls.write_all(request.as_bytes())
        .map_err(|e| e.to_string())?;
    let mut response = Vec::new();
    match tls.read_to_end(&mut response) {
        Ok(_) => {}
        // Servers may close without TLS's close_notify; what arrived is the whole response.
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof && !response.is_empty() => {}
        Err(e) => return Err(e.to_string()),
    }
    let leaf = conn
        .peer_certificates()
        .and_then(|chain| chain.first())
        .map(|cert| cert.to_vec())
        .ok_or("no certificate from the server")?;
    Ok((leaf, String::from_utf8_lossy(&response).into_owned()))
}

/// Asks until `accept` takes an answer, or fails with the last one.
fn https_until(
    client: &Arc<ClientConfig>,
    addr: SocketAddr,
    what: &str,
    accept: impl Fn(&(Vec<u8>, String)) -> bool,
) -> (Vec<u8>, String) {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let answer = https_get(client, addr, "localhost", "/");
        if let Ok(answer) = &answer
            && accept(answer)
        {
            return answer.clone();
        }
        assert!(Instant::now() < deadline, "{what}: last answer {answer:?}");
        std::thread::sleep(Duration::from_millis(250));
    }
}

#[test]
fn porch_gets_and_renews_a_certificate_from_pebble() {
    let dir = tempfile::tempdir().unwrap();
    let listener_ca = pebble_listener_certificate(dir.path());
    let (https_port, http_port) = (free_port(), free_port());
    let (_pebble, acme_port, management_port) = start_pebble(dir.path(), https_port);

    let data = dir.path().join("data");
    let porch = Command::new(env!("CARGO_BIN_EXE_porch"))
        .arg("--data")
        .arg(&data)
        .args([
            "--acme-domain",
            "localhost",
            "--acme-email",
            "owner@example.org",
        ])
        .arg("--acme-directory")
        .arg(format!("https://127.0.0.1:{acme_port}/dir"))
        .arg("--acme-ca-root")
        .arg(&listener_ca)
        .arg("--listen")
        .arg(format!("127.0.0.1:{https_port}"))
        .arg("--http-listen")
        .arg(format!("127.0.0.1:{http_port}"))
        .env("PORCH_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start porch");
    let _porch = Process(porch);
    wait_for_port(https_port, "porch");

    // Pebble makes a new root at every start; its management port hands it out.
    let management = tls_client(roots(&std::fs::read(&listener_ca).unwrap()));
    let pebble_root = {
        let addr = SocketAddr::from(([127, 0, 0, 1], management_port));
        let (_, response) = https_get(&management, addr, "localhost", "/roots/0").unwrap();
        let body = response.split("\r\n\r\n").nth(1).unwrap_or_default();
        assert!(body.contains("BEGIN CERTIFICATE"), "{response}");
        body.as_bytes().to_vec()
    };
    let pebble_trust = tls_client(roots(&pebble_root));
    let site = SocketAddr::from(([127, 0, 0, 1], https_port));

    // Issuance: the page comes over HTTPS, verified for the domain against Pebble's root.
    let (first, response) = https_until(&pebble_trust, site, "a certificate from Pebble", |_| true);
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("<html"), "{response}");
    let cache: Vec<_> = std::fs::read_dir(data.join("acme"))
        .expect("DATA/acme holds the account and the certificate")
        .collect();
    assert!(cache.len() >= 2, "{cache:?}");

    // The same page does not verify against another root: the check above meant something.
    let refused = https_get(&management, site, "localhost", "/").unwrap_err();
    assert!(refused.contains("certificate"), "{refused}");

    // Plain HTTP redirects to the same path on the HTTPS site.
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .max_redirects(0)
        .http_status_as_error(false)
        .build()
        .into();
    let redirect = agent
        .get(format!("http://127.0.0.1:{http_port}/about/?from=http"))
        .call()
        .unwrap();
    assert_eq!(
        redirect.status(),
        308,
        "a permanent redirect that keeps the method"
    );
    assert_eq!(
        redirect.headers().get("location").unwrap(),
        "https://localhost/about/?from=http"
    );

    // Renewal: before the 20-second certificate runs out, a new one is served by the same
    // process, and it verifies too.
    let (renewed, response) =
        https_until(&pebble_trust, site, "a renewed certificate", |(leaf, _)| {
            *leaf != first
        });
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert_ne!(renewed, first);
}
