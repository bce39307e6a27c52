//! ISBNs as people and services write them: ten or thirteen digits, with or without hyphens and
//! spaces. The bookshelf keeps every ISBN as the thirteen-digit form, which is what Open Library
//! and the other services agree on, and converts back to ten digits only where an export wants it.

/// Why a piece of text is not an ISBN. The messages are shown to the owner as they are.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IsbnError {
    #[error("There is no ISBN here.")]
    Empty,
    #[error("An ISBN has only digits, hyphens and spaces; this has “{0}”.")]
    InvalidCharacter(char),
    #[error("Only the last character of a 10-digit ISBN can be an X.")]
    MisplacedX,
    #[error("An ISBN has 10 or 13 digits; this has {0}.")]
    WrongLength(usize),
    #[error("A 13-digit ISBN begins with 978 or 979; {0} does not.")]
    NotABookNumber(String),
    #[error("The check digit does not match: {0} is not a valid ISBN.")]
    BadCheckDigit(String),
}

/// The thirteen-digit ISBN of `input`, which may be an ISBN-10 or an ISBN-13 written with
/// hyphens or spaces. An ISBN-10 becomes the 978-prefixed ISBN-13 of the same book.
pub fn normalize(input: &str) -> Result<String, IsbnError> {
    let compact: String = input.chars().filter(|c| !is_separator(*c)).collect();
    if compact.is_empty() {
        return Err(IsbnError::Empty);
    }
    if let Some(c) = compact
        .chars()
        .find(|c| !c.is_ascii_digit() && !c.eq_ignore_ascii_case(&'x'))
    {
        return Err(IsbnError::InvalidCharacter(c));
    }
    let digits = compact.chars().count();
    match digits {
        10 => from_isbn10(&compact, input.trim()),
        13 => check_isbn13(&compact, input.trim()),
        n => Err(IsbnError::WrongLength(n)),
    }
}

/// The ISBN in a `urn:isbn:…` or `isbn:…` address (the scheme in any case), as an ISBN-13.
pub fn from_uri(uri: &str) -> Option<String> {
    let uri = uri.trim();
    let rest = strip_prefix_ignoring_case(uri, "urn:isbn:")
        .or_else(|| strip_prefix_ignoring_case(uri, "isbn:"))?;
    normalize(rest).ok()
}

/// The ten-digit form of a 978-prefixed ISBN-13 (979 ones have none), as Goodreads' ISBN column
/// has it.
pub fn to_isbn10(isbn13: &str) -> Option<String> {
    let isbn13 = normalize(isbn13).ok()?;
    let body = isbn13.strip_prefix("978")?.get(..9)?;
    let check = isbn10_check_digit(&digit_values(body))?;
    Some(format!("{body}{check}"))
}

fn is_separator(c: char) -> bool {
    // U+2010 and U+2011 are the typographic hyphens a copy from a web page or PDF can bring.
    c == '-' || c == '\u{2010}' || c == '\u{2011}' || c.is_whitespace()
}

fn strip_prefix_ignoring_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    if head.eq_ignore_ascii_case(prefix) {
        text.get(prefix.len()..)
    } else {
        None
    }
}

fn digit_values(digits: &str) -> Vec<u32> {
    digits.chars().filter_map(|c| c.to_digit(10)).collect()
}

fn from_isbn10(compact: &str, as_given: &str) -> Result<String, IsbnError> {
    let (body, check) = compact.split_at(9);
    if body.chars().any(|c| !c.is_ascii_digit()) {
        return Err(IsbnError::MisplacedX);
    }
    let values = digit_values(body);
    let expected = isbn10_check_digit(&values).ok_or(IsbnError::MisplacedX)?;
    if !check.eq_ignore_ascii_case(&expected.to_string()) {
        return Err(IsbnError::BadCheckDigit(as_given.to_string()));
    }
    let prefixed = format!("978{body}");
    let check13 = isbn13_check_digit(&digit_values(&prefixed));
    Ok(format!("{prefixed}{check13}"))
}

fn check_isbn13(compact: &str, as_given: &str) -> Result<String, IsbnError> {
    if compact.chars().any(|c| !c.is_ascii_digit()) {
        return Err(IsbnError::MisplacedX);
    }
    if !(compact.starts_with("978") || compact.starts_with("979")) {
        return Err(IsbnError::NotABookNumber(as_given.to_string()));
    }
    let values = digit_values(compact);
    let (body, check) = values.split_at(12);
    if check != [isbn13_check_digit(body)] {
        return Err(IsbnError::BadCheckDigit(as_given.to_string()));
    }
    Ok(compact.to_string())
}

/// The ISBN-10 check character for nine digits: weights 10 down to 2, modulo 11, where 10 is
/// written X. None when not given exactly nine digits.
fn isbn10_check_digit(body: &[u32]) -> Option<char> {
    if body.len() != 9 {
        return None;
    }
    let sum: u32 = body.iter().zip((2..=10).rev()).map(|(d, w)| d * w).sum();
    match (11 - sum % 11) % 11 {
        10 => Some('X'),
        n => char::from_digit(n, 10),
    }
}

/// The ISBN-13 (EAN-13) check digit for twelve digits: weights alternating 1 and 3, modulo 10.
fn isbn13_check_digit(body: &[u32]) -> u32 {
    let sum: u32 = body
        .iter()
        .enumerate()
        .map(|(i, d)| if i % 2 == 0 { *d } else { d * 3 })
        .sum();
    (10 - sum % 10) % 10
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_isbn10_becomes_the_978_isbn13_of_the_same_book() {
        assert_eq!(normalize("0441172717"), Ok("9780441172719".into()));
        assert_eq!(normalize("0-14-044913-2"), Ok("9780140449136".into()));
    }

    #[test]
    fn an_isbn13_with_hyphens_is_kept_without_them() {
        assert_eq!(normalize("978-0-14-044913-6"), Ok("9780140449136".into()));
        assert_eq!(normalize("978 0 441 17271 9"), Ok("9780441172719".into()));
        assert_eq!(normalize("  9780441172719 "), Ok("9780441172719".into()));
    }

    #[test]
    fn an_isbn10_may_end_in_an_x_of_either_case() {
        assert_eq!(normalize("0-8044-2957-X"), Ok("9780804429573".into()));
        assert_eq!(normalize("080442957x"), Ok("9780804429573".into()));
    }

    #[test]
    fn a_979_isbn13_is_valid() {
        assert_eq!(normalize("979-10-90636-07-1"), Ok("9791090636071".into()));
    }

    #[test]
    fn a_wrong_check_digit_is_refused_naming_the_isbn() {
        let err = normalize("0-441-17271-8");
        assert_eq!(err, Err(IsbnError::BadCheckDigit("0-441-17271-8".into())));
        assert_eq!(
            err.map_err(|e| e.to_string()),
            Err("The check digit does not match: 0-441-17271-8 is not a valid ISBN.".into())
        );
        assert_eq!(
            normalize("9780441172718"),
            Err(IsbnError::BadCheckDigit("9780441172718".into()))
        );
        assert_eq!(
            normalize("0-8044-2957-5"),
            Err(IsbnError::BadCheckDigit("0-8044-2957-5".into()))
        );
    }

    #[test]
    fn a_number_of_the_wrong_length_is_refused_saying_how_many_digits_it_has() {
        let err = normalize("044117271");
        assert_eq!(err, Err(IsbnError::WrongLength(9)));
        assert_eq!(
            err.map_err(|e| e.to_string()),
            Err("An ISBN has 10 or 13 digits; this has 9.".into())
        );
        assert_eq!(normalize("97804411727190"), Err(IsbnError::WrongLength(14)));
        assert_eq!(normalize("978044117271"), Err(IsbnError::WrongLength(12)));
    }

    #[test]
    fn letters_and_punctuation_are_refused() {
        assert_eq!(
            normalize("0441I72717"),
            Err(IsbnError::InvalidCharacter('I'))
        );
        assert_eq!(
            normalize("0441.172717"),
            Err(IsbnError::InvalidCharacter('.'))
        );
        assert_eq!(
            normalize("B00B7NPRY8"),
            Err(IsbnError::InvalidCharacter('B'))
        );
    }

    #[test]
    fn an_x_anywhere_but_the_end_of_an_isbn10_is_refused() {
        assert_eq!(normalize("X804429570"), Err(IsbnError::MisplacedX));
        assert_eq!(normalize("978080442957X"), Err(IsbnError::MisplacedX));
    }

    #[test]
    fn nothing_but_separators_is_no_isbn() {
        assert_eq!(normalize(""), Err(IsbnError::Empty));
        assert_eq!(normalize(" - "), Err(IsbnError::Empty));
    }

    #[test]
    fn a_13_digit_number_that_is_not_a_book_is_refused() {
        // A valid EAN-13 (a grocery barcode) whose prefix is not 978 or 979.
        assert_eq!(
            normalize("4006381333931"),
            Err(IsbnError::NotABookNumber("4006381333931".into()))
        );
    }

    #[test]
    fn an_isbn_address_is_read_in_either_form_and_any_case() {
        assert_eq!(
            from_uri("urn:isbn:9780441172719"),
            Some("9780441172719".into())
        );
        assert_eq!(
            from_uri("URN:ISBN:978-0-14-044913-6"),
            Some("9780140449136".into())
        );
        assert_eq!(from_uri("isbn:0441172717"), Some("9780441172719".into()));
        assert_eq!(from_uri("ISBN:080442957X"), Some("9780804429573".into()));
    }

    #[test]
    fn an_address_that_is_not_a_valid_isbn_gives_none() {
        assert_eq!(from_uri("urn:isbn:9780441172718"), None);
        assert_eq!(from_uri("9780441172719"), None);
        assert_eq!(from_uri("https://openlibrary.org/isbn/9780441172719"), None);
        assert_eq!(from_uri("urn:issn:0317-8471"), None);
        assert_eq!(from_uri("ü"), None);
    }

    #[test]
    fn a_978_isbn13_has_an_isbn10_and_a_979_one_has_none() {
        assert_eq!(to_isbn10("9780441172719"), Some("0441172717".into()));
        assert_eq!(to_isbn10("978-0-8044-2957-3"), Some("080442957X".into()));
        assert_eq!(to_isbn10("9791090636071"), None);
        assert_eq!(to_isbn10("9780441172718"), None);
    }

    #[test]
    fn converting_to_ten_digits_and_back_gives_the_same_isbn() {
        for isbn in [
            "9780140449136",
            "9780804429573",
            "9780441172719",
            "9780316229296",
        ] {
            let ten = to_isbn10(isbn);
            assert_eq!(ten.as_deref().map(normalize), Some(Ok(isbn.to_string())));
        }
    }
}
