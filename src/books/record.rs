//! One book as the import and export formats see it, with the rating it carries. The store's row
//! is richer (ids, cover, slug); these are the facts that travel between services.

use chrono::NaiveDate;

use crate::store::book_status::BookStatus;

/// A private rating in quarter stars, 1 (a quarter star) to 20 (five stars). The panel offers
/// whole and half stars; StoryGraph exports quarter stars, which are kept as they are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Rating(u8);

impl Rating {
    pub const MAX_QUARTERS: u8 = 20;

    pub fn from_quarters(q: u8) -> Option<Rating> {
        (1..=Rating::MAX_QUARTERS).contains(&q).then_some(Rating(q))
    }

    /// Stars as a number (`4.5`), rounded to the nearest quarter; 0 or less is no rating.
    pub fn from_stars(stars: f64) -> Option<Rating> {
        if !stars.is_finite() {
            return None;
        }
        let q = (stars * 4.0).round();
        if !(1.0..=f64::from(Rating::MAX_QUARTERS)).contains(&q) {
            return None;
        }
        Rating::from_quarters(q as u8)
    }

    pub fn quarters(self) -> u8 {
        self.0
    }

    pub fn stars(self) -> f64 {
        f64::from(self.0) / 4.0
    }

    /// Whole stars, halves rounded up (Goodreads keeps whole stars only).
    pub fn whole_stars(self) -> u8 {
        self.0.div_ceil(4).max(1)
    }

    /// As people write it: `4`, `4.5`, `3.75`.
    pub fn display(self) -> String {
        let s = format!("{:.2}", self.stars());
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct BookRecord {
    pub title: String,
    /// In the order the source gives them; the first is the main author.
    pub authors: Vec<String>,
    /// Normalised ISBN-13, when the source has a valid ISBN.
    pub isbn13: Option<String>,
    pub pages: Option<u32>,
    pub publisher: String,
    /// Year of publication.
    pub year: Option<i32>,
    pub status: BookStatus,
    /// Custom shelves by name (not the status shelves).
    pub shelves: Vec<String>,
    pub rating: Option<Rating>,
    pub started_on: Option<NaiveDate>,
    pub finished_on: Option<NaiveDate>,
    pub added_on: Option<NaiveDate>,
    /// Private notes (Goodreads' review, StoryGraph's review).
    pub notes: String,
}

/// What identifies a book without an ISBN across services: its title and first author,
/// lowercased, with punctuation and runs of space folded, and a subtitle after `:` dropped
/// (services disagree on whether to include it).
pub fn match_key(title: &str, first_author: &str) -> String {
    let title = title.split(':').next().unwrap_or(title);
    let fold = |s: &str| {
        s.chars()
            .map(|c| {
                if c.is_alphanumeric() {
                    c.to_lowercase().next().unwrap_or(c)
                } else {
                    ' '
                }
            })
            .collect::<String>()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    format!("{}|{}", fold(title), fold(first_author))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratings_are_quarter_stars_from_one_quarter_to_five() {
        assert_eq!(Rating::from_stars(4.5).map(Rating::quarters), Some(18));
        assert_eq!(
            Rating::from_stars(3.75).map(Rating::display),
            Some("3.75".into())
        );
        assert_eq!(
            Rating::from_stars(4.0).map(Rating::display),
            Some("4".into())
        );
        assert_eq!(Rating::from_stars(0.0), None);
        assert_eq!(Rating::from_stars(5.5), None);
        assert_eq!(Rating::from_stars(f64::NAN), None);
        assert_eq!(Rating::from_stars(4.5).map(Rating::whole_stars), Some(5));
        assert_eq!(Rating::from_stars(0.25).map(Rating::whole_stars), Some(1));
    }

    #[test]
    fn the_same_book_matches_across_spellings() {
        assert_eq!(
            match_key("Dune: Deluxe Edition", "Frank  Herbert"),
            match_key("DUNE", "frank herbert")
        );
        assert_ne!(
            match_key("Dune", "Frank Herbert"),
            match_key("Dune Messiah", "Frank Herbert")
        );
    }
}
