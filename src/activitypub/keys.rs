//! The actor's RSA key pair: made once at first start, kept in the database, and never rotated
//! silently, because every server that has met this actor cached its public key.

use anyhow::{Context, Result};
use rsa::PrivateKey;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey, LineEnding};

use crate::store::{Db, actors};

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
