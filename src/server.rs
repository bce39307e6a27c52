//! Starting Porch: open the data folder and database, print the setup link on a first run,
//! start the job worker, and serve HTTP (or HTTPS through ACME).

use std::net::SocketAddr;
use std::path::Path;

use anyhow::{Context, Result};
use poem::listener::{TcpAcceptor, TcpListener};
use poem::web::Redirect;
use poem::{EndpointExt, IntoResponse, Request, Server, handler};
use tokio::sync::oneshot;

use crate::activitypub::{
    self,
    keys::{self, Federation, OwnKey},
};
use crate::app::{App, Hooks};
use crate::auth::owner;
use crate::config::{Acme, Config};
use crate::job_table::{self, Housekeeping};
use crate::store::{Db, settings};
use crate::{jobs, routes};

/// Grace given to requests in flight when the server is asked to stop.
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(10);

/// Opens (or creates) the data folder and its database.
pub fn open_data(data_dir: &Path) -> Result<Db> {
    std::fs::create_dir_all(crate::config::media_dir(data_dir))
        .with_context(|| format!("create the data folder {}", data_dir.display()))?;
    let tmp = crate::config::tmp_dir(data_dir);
    crate::forms::spool::clear(&tmp).with_context(|| format!("empty {}", tmp.display()))?;
    Db::open(&data_dir.join("porch.db"))
}

/// On a site without an owner, makes a fresh one-time setup link and returns it.
async fn setup_link(app: &App) -> Result<Option<String>> {
    let base = app.config.base_url.clone();
    app.db
        .write(move |tx| {
            if crate::store::owner::get(tx)?.is_some() {
                return Ok(None);
            }
            let token = owner::issue_setup_token(tx)?;
            Ok(Some(format!("{base}/setup?token={token}")))
        })
        .await
}

/// What every start does before serving: queue the daily housekeeping (it runs now, then once a
/// day), print the setup link on a site without an owner, and start the job worker.
async fn boot(app: &App) -> Result<()> {
    let now = crate::store::now();
    app.db
        .write(move |tx| {
            jobs::cancel(tx, &Housekeeping)?;
            jobs::enqueue(tx, &Housekeeping, now)
        })
        .await?;
    if let Some(link) = setup_link(app).await? {
        // Printed, not only logged: this is how the owner finds their way in.
        println!(
            "Porch is not set up yet. Open this link to choose your username and password:\n\n    {link}\n"
        );
    }
    let worker_app = app.clone();
    jobs::worker::start(app.db.clone(), move |kind, payload| {
        let app = worker_app.clone();
        async move { job_table::run(&app, &kind, &payload).await }
    })
    .await
}

/// Only one server may serve a data folder: two would each run the other's jobs. The lock is
/// the kernel's, so it goes with the process, even after `kill -9`.
fn lock_data_folder(data_dir: &Path) -> Result<std::fs::File> {
    let path = data_dir.join("porch.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("open {}", path.display()))?;
    file.try_lock().map_err(|_| {
        anyhow::anyhow!(
            "another Porch is already serving {}; stop it first",
            data_dir.display()
        )
    })?;
    Ok(file)
}

/// A running server, as tests and the CLI hold it.
pub struct Running {
    pub app: App,
    _lock: std::fs::File,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Running {
    /// Stops accepting, lets requests in flight finish, and waits for the server to end.
    pub async fn stop(mut self) -> Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.task.await.context("server task")??;
        Ok(())
    }
}

/// Builds the app on an already-bound listener and serves it until `stop` is called.
pub async fn start(config: Config, db: Db, listener: tokio::net::TcpListener) -> Result<Running> {
    let addr = listener.local_addr()?;
    let lock = lock_data_folder(&config.data_dir)?;
    let app = compose(config, db).await?;
    boot(&app).await?;
    let endpoint = routes::build(app.clone());
    let acceptor = TcpAcceptor::from_tokio(listener)?;
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let task = tokio::spawn(
        Server::new_with_acceptor(acceptor)
            .name("porch")
            .run_with_graceful_shutdown(
                endpoint,
                async move {
                    let _ = stop_rx.await;
                },
                Some(SHUTDOWN_GRACE),
            ),
    );
    tracing::info!(%addr, base_url = %app.config.base_url, "Porch is listening");
    Ok(Running {
        app,
        _lock: lock,
        stop: Some(stop_tx),
        task,
    })
}

/// The actor's key pair, made on first start (a second or so of work, once per site).
async fn load_key(db: &Db) -> Result<OwnKey> {
    let db = db.clone();
    tokio::task::spawn_blocking(move || keys::load_or_create(&db)).await?
}

/// The app, composed: the federation state from the key pair and the base URL, and the hooks
/// through which the publish path reaches federation.
async fn compose(config: Config, db: Db) -> Result<App> {
    let key = load_key(&db).await?;
    let federation = Federation::new(
        activitypub::actor_id(&config.base_url),
        activitypub::key_id(&config.base_url),
        key,
    );
    let hooks = Hooks {
        find_mentioned: activitypub::mentions::resolve_new,
    };
    App::new(config, db, federation, hooks)
}

/// The base URL to use: the flag's, else the one recorded at setup, else one from the address.
/// The first explicit base URL is recorded, because ids built on it must not change.
pub fn resolve_base_url(
    db: &Db,
    given: Option<crate::config::BaseUrl>,
    listen: SocketAddr,
) -> Result<crate::config::BaseUrl> {
    let stored = db
        .read_blocking(|c| settings::get_raw(c, "base_url"))?
        .and_then(|s| crate::config::BaseUrl::parse(&s).ok());
    match (given, stored) {
        (Some(given), Some(stored)) => {
            if given != stored {
                tracing::warn!(
                    %given, %stored,
                    "the base URL differs from the one this site was set up with; links and ids will change"
                );
            }
            Ok(given)
        }
        (Some(given), None) => {
            let value = given.to_string();
            db.write_blocking(|tx| settings::set_raw(tx, "base_url", &value))?;
            Ok(given)
        }
        (None, Some(stored)) => Ok(stored),
        (None, None) => Ok(crate::config::BaseUrl::from_listen(listen)),
    }
}

/// Serves HTTPS for `acme.domain` with a certificate from its ACME server (TLS-ALPN-01), and
/// plain HTTP that redirects to it.
pub async fn serve_acme(config: Config, db: Db, acme: Acme) -> Result<()> {
    let _lock = lock_data_folder(&config.data_dir)?;
    let tcp = tokio::net::TcpListener::bind(acme.listen)
        .await
        .with_context(|| format!("listen on {}", acme.listen))?;
    let app = compose(config, db).await?;
    boot(&app).await?;
    let https = crate::acme::https(&acme, &app.config.data_dir, tcp)?;
    let endpoint = routes::build(app.clone());
    tracing::info!(
        domain = acme.domain,
        listen = %acme.listen,
        directory = acme.directory,
        "Porch is serving HTTPS"
    );
    let https = Server::new_with_acceptor(https).run_with_graceful_shutdown(
        endpoint,
        shutdown_signal(),
        Some(SHUTDOWN_GRACE),
    );
    let Some(redirect_listen) = acme.redirect_listen else {
        return Ok(https.await?);
    };
    let redirect = redirect_to_https.data(app.config.base_url.clone());
    let http = Server::new(TcpListener::bind(redirect_listen)).run(redirect);
    tokio::select! {
        r = https => r?,
        r = http => r?,
    }
    Ok(())
}

/// Plain HTTP's only answer: the same path on the site's HTTPS origin.
#[handler]
fn redirect_to_https(
    req: &Request,
    poem::web::Data(base): poem::web::Data<&crate::config::BaseUrl>,
) -> impl IntoResponse {
    let path = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    Redirect::permanent(format!("{base}{path}"))
}

/// Resolves on Ctrl-C or SIGTERM (systemd's stop).
pub async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = ctrl_c => {}
                _ = term.recv() => {}
            }
        }
        // Without a SIGTERM handler the process still stops on SIGTERM (the default action),
        // only without the grace period; Ctrl-C keeps its graceful stop.
        Err(e) => {
            tracing::warn!(error = %e, "could not listen for SIGTERM");
            let _ = ctrl_c.await;
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
