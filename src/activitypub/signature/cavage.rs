//! draft-cavage-http-signatures-12, the form Mastodon signs and verifies: an RSA-SHA256
//! signature over a few named headers, carried in a `Signature` header.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use rsa::sha2::{Digest, Sha256};
use rsa::{PrivateKey, PublicKey};

use super::SignatureError as Error;

/// A parsed `Signature` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CavageSignature {
    pub key_id: String,
    pub algorithm: Option<String>,
    /// The signed header names, lowercased, in order; `(request-target)` and friends included.
    pub headers: Vec<String>,
    pub signature: Vec<u8>,
    pub created: Option<i64>,
    pub expires: Option<i64>,
}

/// Parses `keyId="…",algorithm="…",headers="…",signature="…"`.
pub fn parse(header: &str) -> Result<CavageSignature, Error> {
    let mut key_id = None;
    let mut algorithm = None;
    let mut headers = None;
    let mut signature = None;
    let mut created = None;
    let mut expires = None;
    let mut rest = header.trim();
    while !rest.is_empty() {
        let (name, after) = rest
            .split_once('=')
            .ok_or_else(|| Error::Malformed("a parameter without a value".into()))?;
        let name = name.trim().to_ascii_lowercase();
        let after = after.trim_start();
        let (value, tail) = if let Some(quoted) = after.strip_prefix('"') {
            let end = quoted
                .find('"')
                .ok_or_else(|| Error::Malformed("an unterminated quoted value".into()))?;
            (&quoted[..end], &quoted[end + 1..])
        } else {
            // `created` and `expires` are bare integers.
            let end = after.find(',').unwrap_or(after.len());
            (after[..end].trim(), &after[end..])
        };
        match name.as_str() {
            "keyid" => key_id = Some(value.to_string()),
            "algorithm" => algorithm = Some(value.to_ascii_lowercase()),
            "headers" => {
                headers = Some(
                    value
                        .split_ascii_whitespace()
                        .map(|h| h.to_ascii_lowercase())
                        .collect::<Vec<_>>(),
                )
            }
            "signature" => {
                signature = Some(
                    BASE64
                        .decode(value)
                        .map_err(|_| Error::Malformed("the signature is not base64".into()))?,
                )
            }
            "created" => created = value.parse().ok(),
            "expires" => expires = value.parse().ok(),
            _ => {}
        }
        rest = tail.trim_start().trim_start_matches(',').trim_start();
    }
    Ok(CavageSignature {
        key_id: key_id.ok_or_else(|| Error::Malformed("no keyId".into()))?,
        algorithm,
        // The draft's default when `headers` is absent.
        headers: headers.unwrap_or_else(|| vec!["date".into()]),
        signature: signature.ok_or_else(|| Error::Malformed("no signature".into()))?,
        created,
        expires,
    })
}

/// The string that was signed: one `name: value` line per signed header.
pub fn signing_string(
    sig: &CavageSignature,
    method: &str,
    target: &str,
    header: impl Fn(&str) -> Option<String>,
) -> Result<String, Error> {
    let mut lines = Vec::with_capacity(sig.headers.len());
    for name in &sig.headers {
        let value = match name.as_str() {
            "(request-target)" => format!("{} {target}", method.to_ascii_lowercase()),
            "(created)" => sig
                .created
                .ok_or_else(|| Error::Malformed("(created) is signed but absent".into()))?
                .to_string(),
            "(expires)" => sig
                .expires
                .ok_or_else(|| Error::Malformed("(expires) is signed but absent".into()))?
                .to_string(),
            other => header(other).ok_or_else(|| Error::MissingHeader(other.to_string()))?,
        };
        lines.push(format!("{name}: {value}"));
    }
    Ok(lines.join("\n"))
}

/// Checks the signature with an RSA key. `hs2019` means "whatever the key is", which for the
/// RSA keys of the fediverse is RSA-SHA256.
pub fn verify(sig: &CavageSignature, signing_string: &str, key: &PublicKey) -> Result<(), Error> {
    match sig.algorithm.as_deref() {
        None | Some("rsa-sha256") | Some("hs2019") => key
            .pkcs1v15_verify::<Sha256>(signing_string.as_bytes(), &sig.signature)
            .map_err(|_| Error::BadSignature),
        Some(other) => Err(Error::UnsupportedAlgorithm(other.to_string())),
    }
}

/// The `Digest` header value of a body: `SHA-256=<base64>`.
pub fn digest(body: &[u8]) -> String {
    format!("SHA-256={}", BASE64.encode(Sha256::digest(body)))
}

/// Whether a `Digest` header matches the body. Only SHA-256 is accepted; a header listing
/// several digests passes if its SHA-256 one matches.
pub fn digest_matches(header: &str, body: &[u8]) -> bool {
    let expected = BASE64.encode(Sha256::digest(body));
    header.split(',').any(|part| {
        part.trim()
            .split_once('=')
            .is_some_and(|(alg, value)| alg.eq_ignore_ascii_case("sha-256") && value == expected)
    })
}

/// Signs a request: returns the `Signature` header value over `headers` (name, value) pairs,
/// which must include the pseudo-header `(request-target)` first.
pub fn sign(key: &PrivateKey, key_id: &str, headers: &[(&str, String)]) -> Result<String, Error> {
    let names: Vec<&str> = headers.iter().map(|(n, _)| *n).collect();
    let string = headers
        .iter()
        .map(|(n, v)| format!("{n}: {v}"))
        .collect::<Vec<_>>()
        .join("\n");
    let signature = key
        .pkcs1v15_sign::<Sha256>(string.as_bytes())
        .map_err(|_| Error::BadSignature)?;
    Ok(format!(
        "keyId=\"{key_id}\",algorithm=\"rsa-sha256\",headers=\"{}\",signature=\"{}\"",
        names.join(" "),
        BASE64.encode(signature)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_mastodon_signature_header() {
        let header = r#"keyId="https://mastodon.example/users/bob#main-key",algorithm="rsa-sha256",headers="(request-target) host date digest content-type",signature="AAEC""#;
        let sig = parse(header).unwrap();
        assert_eq!(sig.key_id, "https://mastodon.example/users/bob#main-key");
        assert_eq!(sig.algorithm.as_deref(), Some("rsa-sha256"));
        assert_eq!(
            sig.headers,
            ["(request-target)", "host", "date", "digest", "content-type"]
        );
        assert_eq!(sig.signature, [0, 1, 2]);
    }

    #[test]
    fn parses_hs2019_with_created_and_expires() {
        let header = r#"keyId="k", algorithm="hs2019", created=1402170695, expires=1402170995, headers="(request-target) (created) (expires) host", signature="AA==""#;
        let sig = parse(header).unwrap();
        assert_eq!(sig.created, Some(1402170695));
        assert_eq!(sig.expires, Some(1402170995));
        let s = signing_string(&sig, "POST", "/foo?a=b", |h| {
            (h == "host").then(|| "example.com".to_string())
        })
        .unwrap();
        assert_eq!(
            s,
            "(request-target): post /foo?a=b\n(created): 1402170695\n(expires): 1402170995\nhost: example.com"
        );
    }

    #[test]
    fn refuses_malformed_headers() {
        for bad in [
            "",
            "keyId=\"k\"",
            "signature=\"AA==\"",
            "keyId=\"k,signature=\"AA==\"",
            "keyId=\"k\",signature=\"not base64!\"",
            "garbage",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn a_missing_signed_header_is_an_error() {
        let sig =
            parse(r#"keyId="k",headers="(request-target) host digest",signature="AA==""#).unwrap();
        let err = signing_string(&sig, "POST", "/inbox", |h| {
            (h == "host").then(|| "a".to_string())
        })
        .unwrap_err();
        assert!(matches!(err, Error::MissingHeader(h) if h == "digest"));
    }

    #[test]
    fn digest_matches_only_its_body() {
        let d = digest(b"{}");
        assert_eq!(d, "SHA-256=RBNvo1WzZ4oRRq0W9+hknpT7T8If536DEMBg9hyq/4o=");
        assert!(digest_matches(&d, b"{}"));
        assert!(digest_matches(&d.replace("SHA-256", "sha-256"), b"{}"));
        assert!(!digest_matches(&d, b"{ }"));
        assert!(!digest_matches("MD5=abc", b"{}"));
    }
}
