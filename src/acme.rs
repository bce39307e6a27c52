//! HTTPS with a certificate Porch obtains and renews itself over ACME (TLS-ALPN-01, so only
//! the HTTPS port needs to be reachable). `rustls-acme` speaks the protocol and keeps the
//! certificate and account in `DATA/acme`; this module turns its resolver into a listener for
//! the web server, and answers the CA's validation handshakes on the same port.
//!
//! A certificate is renewed when a third of its lifetime is left (Let's Encrypt's advice), while
//! the server keeps serving: the resolver hands out the new certificate from the next handshake.

use std::io;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use futures_util::StreamExt;
use poem::listener::Acceptor;
use poem::web::{LocalAddr, RemoteAddr};
use poem::{Addr, http::uri::Scheme};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use rustls::{ClientConfig, RootCertStore, ServerConfig};
use rustls_acme::caches::DirCache;
use rustls_acme::{AcmeConfig, is_tls_alpn_challenge};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::LazyConfigAcceptor;
use tokio_rustls::server::TlsStream;

use crate::config::Acme;

/// A client that has not finished its TLS handshake by then is dropped, so that slow or silent
/// connections cannot pile up.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Finished handshakes waiting for the server to take them.
const READY_QUEUE: usize = 64;

/// The HTTPS listener: TCP connections whose TLS handshakes run concurrently, each on its own
/// task, and reach the server only once they are done.
pub struct HttpsAcceptor {
    local: SocketAddr,
    ready: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
}

impl Acceptor for HttpsAcceptor {
    type Io = TlsStream<TcpStream>;

    fn local_addr(&self) -> Vec<poem::web::LocalAddr> {
        vec![LocalAddr(Addr::SocketAddr(self.local))]
    }

    async fn accept(&mut self) -> io::Result<(Self::Io, LocalAddr, RemoteAddr, Scheme)> {
        match self.ready.recv().await {
            Some((stream, remote)) => Ok((
                stream,
                LocalAddr(Addr::SocketAddr(self.local)),
                RemoteAddr(Addr::SocketAddr(remote)),
                Scheme::HTTPS,
            )),
            // The accepting task only ends with the runtime; never spin on a closed queue.
            None => std::future::pending().await,
        }
    }
}

/// Starts getting (or loading) the certificate for `acme.domain` and serving TLS on `tcp`.
pub fn https(acme: &Acme, data_dir: &Path, tcp: TcpListener) -> Result<HttpsAcceptor> {
    let local = tcp.local_addr()?;
    let client = Arc::new(acme_client_config(acme.ca_root.as_deref())?);
    let mut state = AcmeConfig::new_with_client_config([acme.domain.as_str()], client)
        .contact_push(format!("mailto:{}", acme.email))
        .directory(&acme.directory)
        .cache(DirCache::new(data_dir.join("acme")))
        .state();
    let mut tls = ServerConfig::builder()
        .with_no_client_auth()
        .with_cert_resolver(state.resolver());
    tls.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let tls = Arc::new(tls);
    let challenge = state.challenge_rustls_config();

    // Polling the state is what orders, validates, stores and renews the certificate.
    tokio::spawn(async move {
        while let Some(event) = state.next().await {
            match event {
                Ok(event) => tracing::info!(?event, "ACME"),
                Err(error) => tracing::error!(?error, "ACME: no certificate yet; retrying"),
            }
        }
    });

    let (ready_tx, ready) = mpsc::channel(READY_QUEUE);
    tokio::spawn(async move {
        loop {
            let (socket, remote) = match tcp.accept().await {
                Ok(accepted) => accepted,
                // Out of file descriptors and the like: wait rather than spin.
                Err(e) => {
                    tracing::warn!(error = %e, "HTTPS accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            let (tls, challenge, ready_tx) = (tls.clone(), challenge.clone(), ready_tx.clone());
            tokio::spawn(async move {
                let handshake = handshake(socket, tls, challenge);
                if let Ok(Ok(Some(stream))) =
                    tokio::time::timeout(HANDSHAKE_TIMEOUT, handshake).await
                {
                    let _ = ready_tx.send((stream, remote)).await;
                }
            });
        }
    });
    Ok(HttpsAcceptor { local, ready })
}

/// One TLS handshake: a CA's TLS-ALPN-01 validation gets the challenge certificate and is
/// closed (`None`); anyone else gets the site's certificate and is served.
async fn handshake(
    socket: TcpStream,
    tls: Arc<ServerConfig>,
    challenge: Arc<ServerConfig>,
) -> io::Result<Option<TlsStream<TcpStream>>> {
    let start = LazyConfigAcceptor::new(rustls::server::Acceptor::default(), socket).await?;
    if is_tls_alpn_challenge(&start.client_hello()) {
        tracing::info!("ACME: answering a TLS-ALPN-01 validation");
        let mut stream = start.into_stream(challenge).await?;
        tokio::io::AsyncWriteExt::shutdown(&mut stream).await?;
        return Ok(None);
    }
    start.into_stream(tls).await.map(Some)
}

/// The TLS client for talking to the ACME server: the usual web roots, plus the owner's extra
/// root when the CA is a private or test one (Pebble's).
fn acme_client_config(extra_root: Option<&Path>) -> Result<ClientConfig> {
    let mut roots = RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    if let Some(path) = extra_root {
        let certs = CertificateDer::pem_file_iter(path)
            .with_context(|| format!("read the ACME CA root {}", path.display()))?;
        let mut added = 0;
        for cert in certs {
            let cert = cert.with_context(|| format!("parse {}", path.display()))?;
            roots
                .add(cert)
                .with_context(|| format!("use {} as a root", path.display()))?;
            added += 1;
        }
        if added == 0 {
            anyhow::bail!("{} holds no PEM certificate", path.display());
        }
    }
    Ok(ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth())
}
