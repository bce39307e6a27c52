//! Finding the people a post names (`posts::mentions`) on their servers through WebFinger, so
//! that saving can link them and the post's Create can carry Mention tags their servers notify
//! them by. The publish path calls it, through the hook the server wires (`app::Hooks`), so
//! that no writer can forget it and posts import no protocol.

use crate::app::App;
use crate::posts::mentions::handles;
use crate::store::actors;

use super::remote;

/// Looks up the people a post mentions for the first time (blocking: it fetches), so that
/// saving can link them. A handle that does not resolve stays plain text.
pub fn resolve_new(app: &App, markdown: &str) {
    for handle in handles(markdown) {
        let known = app
            .db
            .read_blocking(|c| actors::by_handle(c, &handle))
            .ok()
            .flatten();
        if known.is_some() {
            continue;
        }
        if let Err(e) = remote::resolve_blocking(app, &handle) {
            tracing::info!(
                handle,
                error = format!("{e:#}"),
                "a mention did not resolve"
            );
        }
    }
}
