//! App tokens: bearer tokens for apps and scripts, made in the admin panel or with
//! `porch token create`. Only a hash is stored; the value is shown once.

use crate::store::tokens;

use super::secret;

/// The scopes a token may carry, as Micropub names them.
pub const SCOPES: &[&str] = &["create", "update", "delete", "media"];

/// Checks a space-separated scope list; the message is for the owner.
pub fn validate_scope(scope: &str) -> Result<String, String> {
    let mut picked: Vec<&str> = Vec::new();
    for s in scope.split_whitespace() {
        if !SCOPES.contains(&s) {
            return Err(format!("Unknown scope “{s}”: use {}.", SCOPES.join(", ")));
        }
        if !picked.contains(&s) {
            picked.push(s);
        }
    }
    if picked.is_empty() {
        return Err("Pick at least one scope.".into());
    }
    Ok(picked.join(" "))
}

/// Creates a token and returns its secret value, which is never stored.
pub fn create(conn: &rusqlite::Connection, name: &str, scope: &str) -> anyhow::Result<String> {
    let token = secret::random_token();
    tokens::create(conn, name, &secret::hash(&token), scope)?;
    Ok(token)
}
