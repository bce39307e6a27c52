//! The shared state every handler and worker reaches: configuration, database, templates, caches.

use std::collections::HashMap;
use std::ops::Deref;
use std::sync::{Arc, Mutex};

use anyhow::Result;
use tokio::sync::Notify;

use crate::activitypub::{self, Federation, keys::OwnKey};
use crate::auth::password;
use crate::auth::throttle::Throttle;
use crate::config::Config;
use crate::net::HttpClient;
use crate::render::Templates;
use crate::render::templates::{StaticFile, static_files};
use crate::site::cache::PageCache;
use crate::store::Db;
use crate::store::settings::{self, SiteSettings};

#[derive(Clone)]
pub struct App(Arc<AppInner>);

pub struct AppInner {
    pub config: Config,
    pub db: Db,
    pub templates: Templates,
    pub static_files: HashMap<String, StaticFile>,
    pub pages: PageCache,
    pub login_throttle: Throttle,
    pub passwords: password::Gate,
    pub http: HttpClient,
    /// Slots for reading large bodies from senders not yet authenticated.
    pub large_bodies: crate::forms::spool::Gate,
    /// Wakes the job worker when a job is queued to run now.
    pub jobs_wake: Notify,
    pub federation: Federation,
    settings: Mutex<Option<(i64, Arc<SiteSettings>)>>,
}

impl Deref for App {
    type Target = AppInner;
    fn deref(&self) -> &AppInner {
        &self.0
    }
}

impl App {
    pub fn new(config: Config, db: Db, key: OwnKey) -> Result<App> {
        let static_files = static_files(&config.theme_dir());
        let templates = Templates::new(&config.theme_dir(), &static_files);
        let http = HttpClient::new(&config)?;
        let federation = Federation {
            actor_id: activitypub::actor_id(&config.base_url),
            key_id: activitypub::key_id(&config.base_url),
            key,
            refetched: Default::default(),
            verifying: tokio::sync::Semaphore::new(activitypub::VERIFYING_AT_ONCE),
        };
        Ok(App(Arc::new(AppInner {
            config,
            db,
            templates,
            static_files,
            pages: PageCache::default(),
            login_throttle: Throttle::default(),
            passwords: password::Gate::default(),
            http,
            large_bodies: Default::default(),
            jobs_wake: Notify::new(),
            federation,
            settings: Mutex::new(None),
        })))
    }

    /// The site settings, read once per change of content (settings changes bump the version).
    pub async fn settings(&self) -> Result<Arc<SiteSettings>> {
        let version = self.db.stamp().version();
        if let Some((v, s)) = self
            .settings
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            && *v == version
        {
            return Ok(s.clone());
        }
        let loaded = Arc::new(self.db.read(settings::load).await?);
        *self.settings.lock().unwrap_or_else(|p| p.into_inner()) = Some((version, loaded.clone()));
        Ok(loaded)
    }
}
