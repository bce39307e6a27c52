//! The owner's password, hashed with argon2id.

use anyhow::{Context, Result, anyhow};
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use tokio::sync::Semaphore;

/// Shorter passwords are refused at setup and when changing it.
pub const MIN_LENGTH: usize = 10;

/// Checks a new password; the message is shown to the owner.
pub fn validate(password: &str) -> Result<(), String> {
    if password.chars().count() < MIN_LENGTH {
        return Err(format!(
            "The password needs at least {MIN_LENGTH} characters."
        ));
    }
    if password.len() > 1024 {
        return Err("The password is too long (1024 bytes at most).".into());
    }
    Ok(())
}

/// Hashes with argon2id and the crate's default cost (RFC 9106's second recommended option:
/// 19 MiB, 2 passes), which takes about 50 ms on a small machine.
pub fn hash(password: &str) -> Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| anyhow!("auth: hash password: {e}"))
}

pub fn verify(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// argon2 checks that may run at once. Each takes 19 MiB and a core for tens of milliseconds, so
/// unbounded parallel guesses would exhaust a small machine; two keep the owner's own login quick.
const GATE_SLOTS: usize = 2;

/// Runs hashes and checks off the async threads, a bounded number at a time.
pub struct Gate {
    slots: Semaphore,
}

impl Default for Gate {
    fn default() -> Self {
        Gate {
            slots: Semaphore::new(GATE_SLOTS),
        }
    }
}

impl Gate {
    pub async fn hash(&self, password: String) -> Result<String> {
        let _slot = self.slots.acquire().await.context("password gate closed")?;
        tokio::task::spawn_blocking(move || hash(&password)).await?
    }

    pub async fn verify(&self, password: String, stored: String) -> Result<bool> {
        let _slot = self.slots.acquire().await.context("password gate closed")?;
        Ok(tokio::task::spawn_blocking(move || verify(&password, &stored)).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let h = hash("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", &h));
        assert!(!verify("correct horse batterz", &h));
        assert!(!verify("anything", "not a hash"));
    }

    #[test]
    fn short_passwords_are_refused() {
        assert!(validate("short").is_err());
        assert!(validate("long enough pass").is_ok());
    }
}
