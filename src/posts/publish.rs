//! The one publish path: every writer (the panel, Micropub, XML-RPC, and the importers, book
//! posts and episodes to come) saves through here. It reads the settings, saves in one write
//! transaction, and returns what was saved; the commit itself wakes the job worker for what the
//! save queued (the post-changed job, a scheduled publication). Before the save, the people the
//! post names for the first time are looked up on their servers (through `app.hooks`), so that
//! the save can link them: no writer can forget it.

use rusqlite::Connection;

use crate::app::App;
use crate::error::Failure;

use super::save::{self, Compose, SaveError, Saved};

/// A save the owner's input cannot make is a request to change it (400, with the reason).
impl From<SaveError> for Failure {
    fn from(e: SaveError) -> Failure {
        match e {
            SaveError::Invalid(refusal) => Failure::bad_request(refusal.message)
                .with_code("invalid_request")
                .on_field(refusal.field),
            SaveError::Internal(e) => Failure::internal(e),
        }
    }
}

/// Saves a post or page as `compose` says.
pub async fn publish(app: &App, compose: Compose) -> Result<Saved, Failure> {
    let text = Some(compose.markdown.clone());
    publish_with(app, text, move |_| Ok(compose), |_, _| Ok(())).await
}

/// Saves the Compose that `build` makes inside the write transaction, from the database as it
/// is then (an API that sends only what it changes reads the post there), and lets `then` write
/// more in the same transaction once the post is saved (Micropub's properties kept for the
/// app). Either may refuse, and then nothing is written. `text` is the Markdown sent, if any:
/// the people it names for the first time are looked up first, so that the save links them.
pub async fn publish_with<B, T>(
    app: &App,
    text: Option<String>,
    build: B,
    then: T,
) -> Result<Saved, Failure>
where
    B: FnOnce(&Connection) -> Result<Compose, Failure> + Send + 'static,
    T: FnOnce(&Connection, &Saved) -> anyhow::Result<()> + Send + 'static,
{
    if let Some(text) = text {
        let app = app.clone();
        tokio::task::spawn_blocking(move || (app.hooks.find_mentioned)(&app, &text))
            .await
            .map_err(anyhow::Error::from)?;
    }
    let settings = app.settings().await?;
    let written = app
        .db
        .write(move |tx| {
            // A refusal leaves the transaction as an error, so that it is rolled back whole.
            let compose = build(tx).map_err(anyhow::Error::new)?;
            let saved = save::save(tx, &settings, &compose)
                .map_err(|e| anyhow::Error::new(Failure::from(e)))?;
            then(tx, &saved)?;
            Ok(saved)
        })
        .await;
    // A refusal comes back out as itself (`From<anyhow::Error>` unwraps it).
    written.map_err(Failure::from)
}
