//! The one fact a save states about a post: it became public, changed while public, or stopped
//! being public. The save writes it as a job in its own transaction; the job table fans it out
//! to everything that reacts (federation, Webmention, and the capabilities to come), one line
//! each. Posts know no protocol: they only say what happened.

use anyhow::Result;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use crate::jobs::{self, Task};
use crate::store;
use crate::store::ids::PostId;

/// What happened to a post, as far as the world outside sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// It became public (published, or published again after being taken down).
    Created,
    /// It was saved again while public.
    Updated,
    /// It stopped being public: back to a draft, or deleted.
    Withdrawn,
}

impl Change {
    /// What a save did, from whether the post was public before and is now; None when it was
    /// not public and still is not (a draft edited).
    pub fn of(was_public: bool, now_public: bool) -> Option<Change> {
        match (was_public, now_public) {
            (false, true) => Some(Change::Created),
            (true, true) => Some(Change::Updated),
            (true, false) => Some(Change::Withdrawn),
            (false, false) => None,
        }
    }
}

/// The job: a post changed. Consumers read the post as it is when the job runs, and keep their
/// own record of what they did: two changes made in quick succession may be handled in either
/// order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostChanged {
    pub post_id: PostId,
    pub change: Change,
}

impl Task for PostChanged {
    const KIND: &'static str = "post_changed";
    /// Its fan-out is local work (and a few WebFinger lookups that do not fail it): a failure
    /// is a bug or a full disk.
    const MAX_ATTEMPTS: u32 = 8;
}

/// States, in the caller's transaction, what a save or a deletion did to a post.
pub fn record(tx: &Connection, post_id: PostId, was_public: bool, now_public: bool) -> Result<()> {
    if let Some(change) = Change::of(was_public, now_public) {
        jobs::enqueue(tx, &PostChanged { post_id, change }, store::now())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_is_what_became_of_the_post_in_public() {
        assert_eq!(Change::of(false, true), Some(Change::Created));
        assert_eq!(Change::of(true, true), Some(Change::Updated));
        assert_eq!(Change::of(true, false), Some(Change::Withdrawn));
        assert_eq!(Change::of(false, false), None);
        let payload = serde_json::to_string(&PostChanged {
            post_id: PostId(3),
            change: Change::Withdrawn,
        })
        .unwrap();
        assert_eq!(payload, r#"{"post_id":3,"change":"withdrawn"}"#);
    }
}
