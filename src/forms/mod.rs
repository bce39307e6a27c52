//! Reading what clients send, for every handler that takes a body: url-encoded forms (refused
//! unless they are UTF-8), multipart forms (files spooled to disk, never held whole in memory),
//! and bodies read under a cap, large ones one at a time before their sender is known.
//!
//! - `multipart`: the panel's and Micropub's multipart forms.
//! - `spool`: a body read to memory or, past a size, to a temporary file; the permits that
//!   bound how many large bodies are read at once before authentication.

pub mod multipart;
pub mod spool;

use percent_encoding::percent_decode;
use serde::de::DeserializeOwned;

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum FormError {
    /// Bytes that are not UTF-8, raw or percent-encoded: refused, never guessed at.
    #[error("The form is not valid UTF-8.")]
    NotUtf8,
    #[error("The form could not be read: {0}")]
    Malformed(String),
}

/// The fields of an `application/x-www-form-urlencoded` body, in order.
pub fn pairs(bytes: &[u8]) -> Result<Vec<(String, String)>, FormError> {
    bytes
        .split(|b| *b == b'&')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (name, value) = match part.iter().position(|b| *b == b'=') {
                Some(i) => (&part[..i], &part[i + 1..]),
                None => (part, &b""[..]),
            };
            Ok((decode(name)?, decode(value)?))
        })
        .collect()
}

/// A url-encoded body read into a form struct.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, FormError> {
    pairs(bytes)?;
    serde_html_form::from_bytes(bytes).map_err(|e| FormError::Malformed(e.to_string()))
}

/// One name or value: `+` is a space, `%XX` a byte, and the bytes must be UTF-8.
fn decode(raw: &[u8]) -> Result<String, FormError> {
    let spaced: Vec<u8> = raw
        .iter()
        .map(|b| if *b == b'+' { b' ' } else { *b })
        .collect();
    let bytes: Vec<u8> = percent_decode(&spaced).collect();
    String::from_utf8(bytes).map_err(|_| FormError::NotUtf8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_fields_in_order_and_decodes_them() {
        assert_eq!(
            pairs(b"a=1&b=x+y%21&c&a=%C3%A9").unwrap(),
            [
                ("a".into(), "1".into()),
                ("b".into(), "x y!".into()),
                ("c".into(), String::new()),
                ("a".into(), "é".into())
            ]
        );
        assert_eq!(pairs(b"").unwrap(), []);
    }

    #[test]
    fn refuses_bytes_that_are_not_utf8_raw_or_encoded() {
        assert_eq!(pairs(b"content=\xff\xfe\xfa"), Err(FormError::NotUtf8));
        assert_eq!(pairs(b"content=%FF%FE"), Err(FormError::NotUtf8));
        assert_eq!(pairs(b"\xc3=1"), Err(FormError::NotUtf8));
        #[derive(serde::Deserialize, Debug)]
        struct F {
            content: String,
        }
        assert_eq!(parse::<F>(b"content=ok").unwrap().content, "ok");
        assert_eq!(parse::<F>(b"content=\xff").unwrap_err(), FormError::NotUtf8);
    }
}
