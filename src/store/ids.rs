//! Row ids as types of their own, so that a post's id cannot be passed where a photo's is wanted.
//! Each is stored, serialized and read from a URL path as the plain integer it wraps.

use std::fmt;

use rusqlite::ToSql;
use rusqlite::types::{FromSql, FromSqlResult, ToSqlOutput, ValueRef};
use serde::{Deserialize, Serialize};

/// Declares id types: each a transparent wrapper of `i64` with the traits the store, the job
/// payloads, the templates and path extraction need.
macro_rules! ids {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(
            Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize,
            Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                self.0.to_sql()
            }
        }

        impl FromSql for $name {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                i64::column_result(value).map($name)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

ids! {
    /// A post or page (`posts`).
    PostId;
    /// An uploaded image (`media`).
    MediaId;
    /// A category (`categories`).
    CategoryId;
    /// A remote account (`actors`).
    ActorId;
    /// An activity this site sent (`activities`); its URL is made from it.
    ActivityId;
    /// A post from elsewhere: a reply, a mention, a followed account's post (`remote_posts`).
    RemotePostId;
    /// One of the owner's replies to a post elsewhere (`own_replies`).
    OwnReplyId;
    /// A private notification (`notifications`).
    NotificationId;
    /// An app token (`tokens`).
    TokenId;
    /// A background job (`jobs`).
    JobId;
    /// A book on the bookshelf (`books`).
    BookId;
    /// One of the owner's own bookshelves (`book_shelves`).
    ShelfId;
    /// A file imported from the panel (`imports`).
    ImportId;
    /// A saved link (`bookmarks`).
    BookmarkId;
    /// A passage of a bookmark's kept copy (`highlights`).
    HighlightId;
    /// An archive of the whole site made from the panel (`exports`).
    ExportId;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_plain_integers_in_sql_and_json() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let back: PostId = conn
            .query_row("SELECT ?1", [PostId(42)], |r| r.get(0))
            .unwrap();
        assert_eq!(back, PostId(42));
        assert_eq!(serde_json::to_string(&MediaId(7)).unwrap(), "7");
        assert_eq!(serde_json::from_str::<JobId>("9").unwrap(), JobId(9));
        assert_eq!(ActorId(3).to_string(), "3");
    }
}
