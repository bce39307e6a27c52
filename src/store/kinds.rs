//! The kinds stored as words: what an activity this site sends does (`Verb`), and what a
//! notification is about (`NotificationKind`). Each is stored, serialized and shown as its
//! word, and matched as a type everywhere else.

use std::fmt;

use rusqlite::ToSql;
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSqlOutput, ValueRef};
use serde::{Deserialize, Serialize};

/// An ActivityStreams activity type, as Porch sends and receives them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Verb {
    Create,
    Update,
    Delete,
    Move,
    Follow,
    Undo,
    Accept,
    Reject,
    Like,
    Announce,
    Block,
}

impl Verb {
    const ALL: [Verb; 11] = [
        Verb::Create,
        Verb::Update,
        Verb::Delete,
        Verb::Move,
        Verb::Follow,
        Verb::Undo,
        Verb::Accept,
        Verb::Reject,
        Verb::Like,
        Verb::Announce,
        Verb::Block,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Create => "Create",
            Verb::Update => "Update",
            Verb::Delete => "Delete",
            Verb::Move => "Move",
            Verb::Follow => "Follow",
            Verb::Undo => "Undo",
            Verb::Accept => "Accept",
            Verb::Reject => "Reject",
            Verb::Like => "Like",
            Verb::Announce => "Announce",
            Verb::Block => "Block",
        }
    }

    /// The verb an activity's `type` names, if Porch knows it.
    pub fn parse(word: &str) -> Option<Verb> {
        Verb::ALL.into_iter().find(|v| v.as_str() == word)
    }
}

/// What a notification tells the owner of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    Follow,
    FollowRequest,
    Reply,
    Mention,
    Like,
    /// A boost on the fediverse, a repost on the web.
    Announce,
    Bookmark,
    Move,
}

impl NotificationKind {
    const ALL: [NotificationKind; 8] = [
        NotificationKind::Follow,
        NotificationKind::FollowRequest,
        NotificationKind::Reply,
        NotificationKind::Mention,
        NotificationKind::Like,
        NotificationKind::Announce,
        NotificationKind::Bookmark,
        NotificationKind::Move,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NotificationKind::Follow => "follow",
            NotificationKind::FollowRequest => "follow_request",
            NotificationKind::Reply => "reply",
            NotificationKind::Mention => "mention",
            NotificationKind::Like => "like",
            NotificationKind::Announce => "announce",
            NotificationKind::Bookmark => "bookmark",
            NotificationKind::Move => "move",
        }
    }

    pub fn parse(word: &str) -> Option<NotificationKind> {
        NotificationKind::ALL
            .into_iter()
            .find(|k| k.as_str() == word)
    }
}

/// Both are stored as their word.
macro_rules! stored_as_word {
    ($($kind:ident),*) => {$(
        impl ToSql for $kind {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(self.as_str()))
            }
        }

        impl FromSql for $kind {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                let word = value.as_str()?;
                $kind::parse(word).ok_or_else(|| {
                    FromSqlError::Other(format!("no {} is called {word:?}", stringify!($kind)).into())
                })
            }
        }

        impl fmt::Display for $kind {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    )*};
}

stored_as_word!(Verb, NotificationKind);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_read_back_as_they_are_written() {
        for v in Verb::ALL {
            assert_eq!(Verb::parse(v.as_str()), Some(v));
            assert_eq!(serde_json::to_string(&v).unwrap(), format!("\"{v}\""));
        }
        for k in NotificationKind::ALL {
            assert_eq!(NotificationKind::parse(k.as_str()), Some(k));
            assert_eq!(serde_json::to_string(&k).unwrap(), format!("\"{k}\""));
        }
        assert_eq!(Verb::parse("Question"), None);
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let back: NotificationKind = conn
            .query_row("SELECT ?1", [NotificationKind::FollowRequest], |r| r.get(0))
            .unwrap();
        assert_eq!(back, NotificationKind::FollowRequest);
    }
}
