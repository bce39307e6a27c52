//! The shared state every handler and worker reaches: configuration, database, templates,
//! caches, and each feature's state. It is the composition root: it holds plain values, each
//! defined in a file that imports nothing above the ground floor (`store`, `render`, `net`, …),
//! so that the features that take `&App` never form a circle with it. What a lower layer must
//! call in a higher one is a hook, wired by the server.

use std::collections::HashMap;
use std::ops::Deref;
use std::sync::{Arc, Mutex};

use anyhow::Result;

use crate::activitypub::keys::Federation;
use crate::auth::password;
use crate::auth::throttle::Throttle;
use crate::config::Config;
use crate::net::HttpClient;
use crate::render::Templates;
use crate::render::templates::{StaticFile, static_files};
use crate::site::page_cache::PageCache;
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
    pub federation: Federation,
    pub hooks: Hooks,
    settings: Mutex<Option<(i64, Arc<SiteSettings>)>>,
}

/// What a lower layer calls in a higher one without importing it, wired by the server.
pub struct Hooks {
    /// Looks up the people some Markdown names who are not known yet, so that a save can link
    /// them (blocking: it fetches). The publish path calls it; federation provides it.
    pub find_mentioned: fn(&App, &str),
}

impl Deref for App {
    type Target = AppInner;
    fn deref(&self) -> &AppInner {
        &self.0
    }
}

impl App {
    /// Composes the app from the values the server made: the configuration, the database, the
    /// federation state (its key pair) and the hooks.
    pub fn new(config: Config, db: Db, federation: Federation, hooks: Hooks) -> Result<App> {
        let static_files = static_files(&config.theme_dir());
        let templates = Templates::new(&config.theme_dir(), &static_files);
        let http = HttpClient::new(&config)?;
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
            federation,
            hooks,
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
