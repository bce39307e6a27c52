//! First-run setup and the owner's credentials: the one-time setup link, creating the owner
//! (from the browser or `porch init`), changing the password (from the panel or `porch passwd`).

use anyhow::Result;
use rusqlite::Connection;

use crate::store::{owner, sessions, settings};

use super::{password, secret};

const SETUP_TOKEN_KEY: &str = "setup_token_hash";

/// Usernames become `@name@domain` handles later, so they follow Mastodon's rule: letters,
/// digits and underscores, 30 at most.
pub fn validate_username(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > 30 {
        return Err("The username needs 1 to 30 characters.".into());
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return Err("The username may hold only lowercase letters, digits and underscores.".into());
    }
    Ok(())
}

pub fn validate_display_name(name: &str) -> Result<(), String> {
    if name.trim().is_empty() || name.chars().count() > 100 {
        return Err("The display name needs 1 to 100 characters.".into());
    }
    Ok(())
}

/// Makes a new setup link's token, replacing any earlier one. Returns the token to print.
pub fn issue_setup_token(conn: &Connection) -> Result<String> {
    let token = secret::random_token();
    settings::set_raw(conn, SETUP_TOKEN_KEY, &secret::hash(&token))?;
    Ok(token)
}

pub fn setup_token_valid(conn: &Connection, token: &str) -> Result<bool> {
    Ok(match settings::get_raw(conn, SETUP_TOKEN_KEY)? {
        Some(stored) => secret::equal(&stored, &secret::hash(token)),
        None => false,
    })
}

/// What setup needs from the owner.
pub struct NewOwner {
    pub username: String,
    pub display_name: String,
    pub password: String,
}

/// Validates what can be checked without the database; the message is for the owner.
pub fn validate(new: &NewOwner) -> Result<(), String> {
    validate_username(&new.username)?;
    validate_display_name(&new.display_name)?;
    password::validate(&new.password)
}

/// Creates the owner and retires the setup link, in the caller's transaction. `password_hash`
/// is computed beforehand so that the slow hash does not hold the write lock.
pub fn create(conn: &Connection, new: &NewOwner, password_hash: &str) -> Result<()> {
    owner::create(
        conn,
        &owner::Owner {
            username: new.username.clone(),
            display_name: new.display_name.trim().to_string(),
            password_hash: password_hash.to_string(),
        },
    )?;
    settings::delete_raw(conn, SETUP_TOKEN_KEY)
}

/// Sets a new password hash and ends every session, so that whoever knew the old password is
/// signed out everywhere.
pub fn change_password(conn: &Connection, password_hash: &str) -> Result<usize> {
    owner::set_password_hash(conn, password_hash)?;
    sessions::delete_all(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_follow_mastodon_rules() {
        assert!(validate_username("jane_doe42").is_ok());
        assert!(validate_username("").is_err());
        assert!(validate_username("Jane").is_err());
        assert!(validate_username("jane.doe").is_err());
        assert!(validate_username(&"a".repeat(31)).is_err());
    }
}
