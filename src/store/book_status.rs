//! The four reading statuses of a book on the bookshelf. Each is a shelf that exists from the
//! start; a book has exactly one.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BookStatus {
    #[default]
    WantToRead,
    Reading,
    Finished,
    DidNotFinish,
}

impl BookStatus {
    /// In the order the panel and `/books/` show them.
    pub const ALL: [BookStatus; 4] = [
        BookStatus::Reading,
        BookStatus::WantToRead,
        BookStatus::Finished,
        BookStatus::DidNotFinish,
    ];

    /// The stored value, and the shelf's address under `/books/`.
    pub fn slug(self) -> &'static str {
        match self {
            BookStatus::WantToRead => "want-to-read",
            BookStatus::Reading => "currently-reading",
            BookStatus::Finished => "finished",
            BookStatus::DidNotFinish => "did-not-finish",
        }
    }

    pub fn from_slug(slug: &str) -> Option<BookStatus> {
        BookStatus::ALL.into_iter().find(|s| s.slug() == slug)
    }

    pub fn label(self) -> &'static str {
        match self {
            BookStatus::WantToRead => "Want to read",
            BookStatus::Reading => "Currently reading",
            BookStatus::Finished => "Finished reading",
            BookStatus::DidNotFinish => "Did not finish",
        }
    }

    /// The IndieWeb `read-status` of a read post in this status (none for Did not finish,
    /// which the vocabulary lacks).
    pub fn read_status(self) -> Option<&'static str> {
        match self {
            BookStatus::WantToRead => Some("to-read"),
            BookStatus::Reading => Some("reading"),
            BookStatus::Finished => Some("finished"),
            BookStatus::DidNotFinish => None,
        }
    }

    pub fn from_read_status(value: &str) -> Option<BookStatus> {
        match value {
            "to-read" => Some(BookStatus::WantToRead),
            "reading" => Some(BookStatus::Reading),
            "finished" => Some(BookStatus::Finished),
            _ => None,
        }
    }

    /// Public unless the owner says otherwise: Did not finish is the one kept private at first.
    pub fn public_by_default(self) -> bool {
        self != BookStatus::DidNotFinish
    }
}

impl rusqlite::types::ToSql for BookStatus {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        Ok(self.slug().into())
    }
}

impl rusqlite::types::FromSql for BookStatus {
    fn column_result(value: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        let text = value.as_str()?;
        BookStatus::from_slug(text).ok_or_else(|| {
            rusqlite::types::FromSqlError::Other(format!("unknown book status {text:?}").into())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_reads_back_from_its_slug() {
        for s in BookStatus::ALL {
            assert_eq!(BookStatus::from_slug(s.slug()), Some(s));
        }
        assert_eq!(BookStatus::from_slug("read"), None);
    }

    #[test]
    fn read_statuses_are_the_indieweb_vocabulary() {
        assert_eq!(
            BookStatus::from_read_status("to-read"),
            Some(BookStatus::WantToRead)
        );
        assert_eq!(BookStatus::Finished.read_status(), Some("finished"));
        assert_eq!(BookStatus::DidNotFinish.read_status(), None);
    }
}
