//! The actor's RSA key pair: made once at first start, kept in the database, and never rotated
//! silently, because every server that has met this actor cached its public key. And the rest
//! of what federation keeps in memory (`Federation`): a plain value the app holds, so this file
//! imports nothing above the ground floor.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use rsa::PrivateKey;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey, LineEnding};

use crate::store::{Db, actors};

/// Inbox requests verified at once: enough to keep both cores busy with cached keys (a check
/// takes well under a millisecond), few enough that slow key fetches leave threads for the rest.
const VERIFYING_AT_ONCE: usize = 16;
/// A key that fails to verify is fetched again at most this often, so that forged requests
/// naming someone's key cannot make Porch hammer their server; a minute, so that a forgery just
/// before a real rotation holds the owner's deliveries back only briefly (they are retried).
const REFETCH_INTERVAL: Duration = Duration::from_secs(60);

/// The state federation keeps in memory: the signing key and the ids derived from the base URL.
pub struct Federation {
    pub key: OwnKey,
    pub actor_id: String,
    pub key_id: String,
    pub refetched: RefetchLog,
    /// Inbox requests being verified at once (each may fetch a key from another server).
    pub verifying: tokio::sync::Semaphore,
}

impl Federation {
    pub fn new(actor_id: String, key_id: String, key: OwnKey) -> Federation {
        Federation {
            actor_id,
            key_id,
            key,
            refetched: RefetchLog::default(),
            verifying: tokio::sync::Semaphore::new(VERIFYING_AT_ONCE),
        }
    }
}

/// Keys recently fetched again after failing, by key id.
#[derive(Default)]
pub struct RefetchLog(Mutex<HashMap<String, Instant>>);

impl RefetchLog {
    pub fn may_refetch(&self, key_id: &str) -> bool {
        let mut log = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        log.retain(|_, at| now.duration_since(*at) < REFETCH_INTERVAL);
        if log.contains_key(key_id) {
            return false;
        }
        log.insert(key_id.to_string(), now);
        true
    }
}

/// 2048 bits: what Mastodon makes and expects; larger keys slow every signature for no
/// interoperable gain.
const KEY_BITS: usize = 2048;

pub struct OwnKey {
    pub private: PrivateKey,
    pub public_pem: String,
}

/// Loads the key pair, making and storing it first if this site has none (blocking).
pub fn load_or_create(db: &Db) -> Result<OwnKey> {
    if let Some((private_pem, public_pem)) = db.read_blocking(actors::own_key)? {
        let private = PrivateKey::from_pkcs8_pem(&private_pem).context("actor key: parse")?;
        return Ok(OwnKey {
            private,
            public_pem,
        });
    }
    let private = PrivateKey::new(&mut rand::rng(), KEY_BITS).context("actor key: generate")?;
    let private_pem = private
        .to_pkcs8_pem(LineEnding::LF)
        .context("actor key: encode")?
        .to_string();
    let public_pem = private
        .to_public_key()
        .to_public_key_pem(LineEnding::LF)
        .context("actor key: encode public")?;
    db.write_blocking(|tx| {
        // Another process may have made one meanwhile (`porch init` beside a server): keep that.
        if actors::own_key(tx)?.is_none() {
            actors::set_own_key(tx, &private_pem, &public_pem)?;
        }
        Ok(())
    })?;
    let (private_pem, public_pem) = db
        .read_blocking(actors::own_key)?
        .context("actor key: missing after creation")?;
    let private = PrivateKey::from_pkcs8_pem(&private_pem).context("actor key: parse")?;
    Ok(OwnKey {
        private,
        public_pem,
    })
}
