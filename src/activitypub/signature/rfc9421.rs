//! Verification of RFC 9421 HTTP Message Signatures on incoming requests.
//!
//! Fedify-based servers (Ghost, Hollo) and WordPress sign their ActivityPub
//! deliveries this way instead of (or besides) the older Cavage draft. This
//! module rebuilds the signature base from the request as we received it and
//! checks it against the sender's RSA key; looking the key up by `keyid`,
//! checking `created`/`expires` and deciding which components must be covered
//! are left to the caller.

use sfv::{
    BareItem, Dictionary, FieldType, Item, ListEntry, ListSerializer, Parameters, Parser, Version,
};
use sha2::{Digest, Sha256, Sha512};

/// A request as the server received it.
pub struct Request<'a> {
    /// The method exactly as sent: RFC 9421 signs it case-sensitively.
    pub method: &'a str,
    pub scheme: &'a str,
    /// `host[:port]` as addressed (the Host header); lowercased here.
    pub authority: &'a str,
    pub path: &'a str,
    /// The query without its leading `?`; `None` when the target had no `?`.
    pub query: Option<&'a str>,
    /// Field names in any case; a name may repeat, and order is kept because
    /// repeated fields are combined in the order they arrived.
    pub headers: &'a [(String, String)],
}

/// One signature found on a request, with its signature base already built.
#[derive(Debug, Clone)]
pub struct Signature {
    pub label: String,
    pub key_id: String,
    pub algorithm: Option<String>,
    pub created: Option<i64>,
    pub expires: Option<i64>,
    /// A plain name like `content-digest` for a bare identifier; an identifier
    /// with parameters keeps them (`@query-param;name="id"`), so that checking
    /// for `"content-digest"` cannot be satisfied by a narrower
    /// `content-digest;key="sha-256"`.
    pub covered: Vec<String>,
    pub base: String,
    pub signature: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("missing {0} header")]
    MissingHeader(&'static str),
    #[error("malformed field: {0}")]
    Malformed(String),
    #[error("signature {0:?} has no keyid parameter")]
    MissingKeyId(String),
    #[error("signature {label:?} is in {present} but not in {missing}")]
    UnmatchedLabel {
        label: String,
        present: &'static str,
        missing: &'static str,
    },
    #[error("missing component {0:?}")]
    MissingComponent(String),
    #[error("unsupported component {0:?}")]
    UnsupportedComponent(String),
    #[error("unsupported parameter {param:?} on component {component:?}")]
    UnsupportedParameter { component: String, param: String },
    #[error("unsupported algorithm {0:?}")]
    UnsupportedAlgorithm(String),
    #[error("bad signature")]
    BadSignature,
}

macro_rules! malformed {
    ($($arg:tt)*) => { Error::Malformed(format!($($arg)*)) };
}

fn unmatched(label: &sfv::KeyRef, present: &'static str, missing: &'static str) -> Error {
    let label = label.as_str().to_owned();
    Error::UnmatchedLabel {
        label,
        present,
        missing,
    }
}

fn byte_sequence(entry: &ListEntry) -> Option<&[u8]> {
    match entry {
        ListEntry::Item(item) => item.bare_item.as_byte_sequence(),
        ListEntry::InnerList(_) => None,
    }
}

/// Every signature on the request (both headers must be present and agree on labels).
///
/// One signature whose base cannot be built fails the whole call: a request
/// we cannot fully read is not one we should half-trust.
pub fn signatures(req: &Request) -> Result<Vec<Signature>, Error> {
    let inputs: Dictionary = parse_header(req, "Signature-Input")?;
    let values: Dictionary = parse_header(req, "Signature")?;
    if let Some(label) = values.keys().find(|l| !inputs.contains_key(*l)) {
        return Err(unmatched(label, "Signature", "Signature-Input"));
    }
    let mut found = Vec::with_capacity(inputs.len());
    for (label, input) in &inputs {
        let value = values.get(label);
        let value = value.ok_or_else(|| unmatched(label, "Signature-Input", "Signature"))?;
        let signature = byte_sequence(value)
            .ok_or_else(|| malformed!("Signature {:?} is not a byte sequence", label.as_str()))?;
        found.push(build(req, label.as_str(), input, signature.to_vec())?);
    }
    Ok(found)
}

impl Signature {
    /// Verifies with an RSA public key: `rsa-v1_5-sha256` (also when `alg` is absent, which is what Fedify sends with RSA keys) and `rsa-pss-sha512`. Any other alg is Error::UnsupportedAlgorithm.
    ///
    /// RFC 9421 lets the key, rather than `alg`, name the algorithm. A caller
    /// that knows a key is RSA-PSS (like the RFC's `test-key-rsa-pss`) sets
    /// `algorithm` to `rsa-pss-sha512` before calling this; the base already
    /// holds the `alg` (or its absence) that the signer actually signed.
    pub fn verify(&self, key: &rsa::PublicKey) -> Result<(), Error> {
        let msg = self.base.as_bytes();
        let result = match self.algorithm.as_deref() {
            None | Some("rsa-v1_5-sha256") => key.pkcs1v15_verify::<Sha256>(msg, &self.signature),
            Some("rsa-pss-sha512") => key.pss_verify::<Sha512>(msg, &self.signature),
            Some(other) => return Err(Error::UnsupportedAlgorithm(other.to_owned())),
        };
        result.map_err(|_| Error::BadSignature)
    }
}

/// Whether an RFC 9530 Content-Digest header (sha-256 and/or sha-512 entries) matches the body.
/// Errors when the header is malformed or has no algorithm we know.
///
/// Every known entry must match: a sender listing two digests vouches for both.
/// Unknown algorithms are skipped as RFC 9530 allows.
pub fn content_digest_matches(header_value: &str, body: &[u8]) -> Result<bool, Error> {
    let digests: Dictionary = parse_value("Content-Digest", header_value)?;
    let mut checked = false;
    for (alg, entry) in &digests {
        let computed = match alg.as_str() {
            "sha-256" => Sha256::digest(body).to_vec(),
            "sha-512" => Sha512::digest(body).to_vec(),
            _ => continue,
        };
        let expected = byte_sequence(entry)
            .ok_or_else(|| malformed!("Content-Digest {} is not a byte sequence", alg.as_str()))?;
        if expected != computed {
            return Ok(false);
        }
        checked = true;
    }
    if !checked {
        let found: Vec<&str> = digests.keys().map(|k| k.as_str()).collect();
        return Err(Error::UnsupportedAlgorithm(format!(
            "Content-Digest: {}",
            found.join(", ")
        )));
    }
    Ok(true)
}

fn build(
    req: &Request,
    label: &str,
    input: &ListEntry,
    signature: Vec<u8>,
) -> Result<Signature, Error> {
    let ListEntry::InnerList(list) = input else {
        return Err(malformed!("Signature-Input {label:?} is not an inner list"));
    };
    let (mut key_id, mut algorithm, mut created, mut expires) = (None, None, None, None);
    for (name, value) in &list.params {
        match (name.as_str(), value) {
            ("keyid", BareItem::String(s)) => key_id = Some(s.as_str().to_owned()),
            ("alg", BareItem::String(s)) => algorithm = Some(s.as_str().to_owned()),
            ("created", BareItem::Integer(i)) => created = Some(i64::from(*i)),
            ("expires", BareItem::Integer(i)) => expires = Some(i64::from(*i)),
            ("nonce" | "tag", BareItem::String(_)) => {}
            ("keyid" | "alg" | "created" | "expires" | "nonce" | "tag", _) => {
                return Err(malformed!("{label:?}: {name} has the wrong type"));
            }
            // Unregistered metadata is still signed (it is in the params line).
            _ => {}
        }
    }
    let key_id = key_id.ok_or_else(|| Error::MissingKeyId(label.to_owned()))?;

    let mut base = String::new();
    let mut covered = Vec::new();
    let mut seen: Vec<(&str, Vec<(&str, &BareItem)>)> = Vec::new();
    for item in &list.items {
        let BareItem::String(name) = &item.bare_item else {
            return Err(malformed!("Signature-Input {label:?} lists a non-string"));
        };
        let name = name.as_str();
        if name == "@signature-params" {
            return Err(malformed!("@signature-params must not be covered"));
        }
        // Identifiers are equal regardless of parameter order (RFC 9421 section 2).
        let mut params: Vec<(&str, &BareItem)> =
            item.params.iter().map(|(k, v)| (k.as_str(), v)).collect();
        params.sort_by(|a, b| a.0.cmp(b.0));
        if seen.contains(&(name, params.clone())) {
            return Err(malformed!("{label:?} covers {name:?} twice"));
        }
        seen.push((name, params));

        let value = component_value(req, name, &item.params)?;
        if value.contains(['\r', '\n']) {
            return Err(malformed!("component {name:?} contains a newline"));
        }
        let identifier = item.serialize();
        let quoted = Item::new(item.bare_item.clone()).serialize();
        let suffix = identifier.strip_prefix(&quoted).unwrap_or_default();
        covered.push(format!("{name}{suffix}"));
        base.push_str(&format!("{identifier}: {value}\n"));
    }
    base.push_str("\"@signature-params\": ");
    base.push_str(&serialize_entry(input));
    if !base.is_ascii() {
        return Err(malformed!("signature base for {label:?} is not ASCII"));
    }
    Ok(Signature {
        label: label.to_owned(),
        key_id,
        algorithm,
        created,
        expires,
        covered,
        base,
        signature,
    })
}

fn component_value(req: &Request, name: &str, params: &Parameters) -> Result<String, Error> {
    if name.starts_with('@') {
        derived_value(req, name, params)
    } else {
        field_value(req, name, params)
    }
}

fn unsupported(component: &str, param: &str) -> Error {
    Error::UnsupportedParameter {
        component: component.to_owned(),
        param: param.to_owned(),
    }
}

fn derived_value(req: &Request, name: &str, params: &Parameters) -> Result<String, Error> {
    let allowed = if name == "@query-param" { "name" } else { "" };
    if let Some(param) = params.keys().find(|k| k.as_str() != allowed) {
        return Err(unsupported(name, param.as_str()));
    }
    let scheme = req.scheme.to_ascii_lowercase();
    let path = if req.path.is_empty() { "/" } else { req.path };
    let query = req.query.map(|q| format!("?{q}")).unwrap_or_default();
    Ok(match name {
        "@method" => req.method.to_owned(),
        "@target-uri" => format!("{scheme}://{}{path}{query}", authority(req)),
        "@authority" => authority(req),
        "@scheme" => scheme,
        "@request-target" => format!("{path}{query}"),
        "@path" => path.to_owned(),
        "@query" if query.is_empty() => "?".to_owned(),
        "@query" => query,
        "@query-param" => query_param(req, params)?,
        _ => return Err(Error::UnsupportedComponent(name.to_owned())),
    })
}

fn authority(req: &Request) -> String {
    normalized_authority(req.scheme, req.authority)
}

/// RFC 9110 section 4.2.3 normalization: lowercase, no default port. Fedify
/// signs `URL.host`, which already drops the default port.
pub fn normalized_authority(scheme: &str, authority: &str) -> String {
    let authority = authority.to_ascii_lowercase();
    let default_port = match scheme.to_ascii_lowercase().as_str() {
        "https" => ":443",
        "http" => ":80",
        _ => return authority,
    };
    match authority.strip_suffix(default_port) {
        Some(host) => host.to_owned(),
        None => authority,
    }
}

fn query_param(req: &Request, params: &Parameters) -> Result<String, Error> {
    let Some(BareItem::String(wanted)) = params.get("name") else {
        return Err(malformed!("@query-param needs a string name parameter"));
    };
    let (wanted, mut found) = (wanted.as_str(), None);
    let query = req.query.unwrap_or_default();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        if form_encode(&form_decode(name)) == wanted {
            if found.is_some() {
                // RFC 9421 section 2.2.8: a repeated name must not be signed.
                return Err(malformed!("query parameter {wanted:?} is repeated"));
            }
            found = Some(form_encode(&form_decode(value)));
        }
    }
    found.ok_or_else(|| Error::MissingComponent(format!("@query-param;name={wanted:?}")))
}

/// WHATWG application/x-www-form-urlencoded parsing of one name or value.
fn form_decode(s: &str) -> String {
    let mut out = Vec::with_capacity(s.len());
    let mut rest = s.as_bytes();
    while let Some((&byte, tail)) = rest.split_first() {
        rest = tail;
        match byte {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = tail
                    .get(..2)
                    .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(decoded) => {
                        out.push(decoded);
                        rest = tail.get(2..).unwrap_or_default();
                    }
                    None => out.push(b'%'),
                }
            }
            other => out.push(other),
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Percent-encodes everything outside the form-urlencoded safe set. Spaces
/// become `%20`, not `+`, as the RFC's own `bar=with+plus+whitespace` example shows.
fn form_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for byte in s.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'*' | b'-' | b'.' | b'_') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `sf` needs the field's type, which the signer and we must agree on; only
/// fields whose RFCs fix a Dictionary or List type are listed.
const SF_DICTIONARIES: &[&str] = &[
    "content-digest",
    "repr-digest",
    "want-content-digest",
    "want-repr-digest",
    "signature",
    "signature-input",
    "accept-signature",
    "priority",
    "cdn-cache-control",
];
const SF_LISTS: &[&str] = &["cache-status", "proxy-status", "accept-ch"];

fn field_value(req: &Request, name: &str, params: &Parameters) -> Result<String, Error> {
    let (mut sf, mut bs, mut key) = (false, false, None);
    for (param, value) in params {
        match (param.as_str(), value) {
            ("sf", BareItem::Boolean(true)) => sf = true,
            ("bs", BareItem::Boolean(true)) => bs = true,
            ("key", BareItem::String(k)) => key = Some(k.as_str()),
            // `req` needs a related request and `tr` trailers; we have neither.
            (other, _) => return Err(unsupported(name, other)),
        }
    }
    if bs && (sf || key.is_some()) {
        return Err(malformed!("{name:?}: bs cannot be combined with sf or key"));
    }
    let lines = field_lines(req, name);
    if lines.is_empty() {
        return Err(Error::MissingComponent(name.to_owned()));
    }
    if bs {
        let wrapped: sfv::List = lines
            .iter()
            .map(|l| ListEntry::from(l.as_bytes()))
            .collect();
        return Ok(wrapped.serialize().unwrap_or_default());
    }
    let combined = lines.join(", ");
    if let Some(key) = key {
        let dict: Dictionary = parse_value(name, &combined)?;
        let member = dict
            .get(key)
            .ok_or_else(|| Error::MissingComponent(format!("{name};key={key:?}")))?;
        return Ok(serialize_entry(member));
    }
    if !sf {
        return Ok(combined);
    }
    if SF_DICTIONARIES.contains(&name) {
        Ok(parse_value::<Dictionary>(name, &combined)?
            .serialize()
            .unwrap_or_default())
    } else if SF_LISTS.contains(&name) {
        Ok(parse_value::<sfv::List>(name, &combined)?
            .serialize()
            .unwrap_or_default())
    } else {
        Err(unsupported(name, "sf"))
    }
}

/// Values of every field line named `name`, in arrival order, each trimmed
/// and with obsolete line folding replaced by a space (RFC 9421 section 2.1).
fn field_lines(req: &Request, name: &str) -> Vec<String> {
    req.headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| {
            let parts = v.split(['\r', '\n']).map(|p| p.trim_matches([' ', '\t']));
            parts
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

fn parse_header<T: FieldType>(req: &Request, name: &'static str) -> Result<T, Error> {
    let lines = field_lines(req, name);
    if lines.is_empty() {
        return Err(Error::MissingHeader(name));
    }
    parse_value(name, &lines.join(", "))
}

/// RFC 9421 and RFC 9530 build on RFC 8941, so RFC 9651 dates and display
/// strings are refused rather than re-serialized in a form the signer never saw.
fn parse_value<T: FieldType>(name: &str, value: &str) -> Result<T, Error> {
    Parser::new(value)
        .with_version(Version::Rfc8941)
        .parse()
        .map_err(|e| malformed!("{name}: {e}"))
}

/// Serializes one dictionary member value (an item or an inner list) with its
/// parameters, without the member's key.
fn serialize_entry(entry: &ListEntry) -> String {
    let mut ser = ListSerializer::new();
    ser.members(std::iter::once(entry));
    ser.finish().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD as B64;
    use rsa::pkcs1::DecodeRsaPublicKey;
    use rsa::pkcs8::DecodePublicKey;

    // RFC 9421 Appendix B.1.1, test-key-rsa.
    const RSA_PUBLIC: &str = "-----BEGIN RSA PUBLIC KEY-----
MIIBCgKCAQEAhAKYdtoeoy8zcAcR874L8cnZxKzAGwd7v36APp7Pv6Q2jdsPBRrw
WEBnez6d0UDKDwGbc6nxfEXAy5mbhgajzrw3MOEt8uA5txSKobBpKDeBLOsdJKFq
MGmXCQvEG7YemcxDTRPxAleIAgYYRjTSd/QBwVW9OwNFhekro3RtlinV0a75jfZg
kne/YiktSvLG34lw2zqXBDTC5NHROUqGTlML4PlNZS5Ri2U4aCNx2rUPRcKIlE0P
uKxI4T+HIaFpv8+rdV6eUgOrB2xeI1dSFFn/nnv5OoZJEIB+VmuKn3DCUcCZSFlQ
PSXSfBDiUGhwOw76WuSSsf1D4b/vLoJ10wIDAQAB
-----END RSA PUBLIC KEY-----";

    const RSA_PRIVATE_BODY: &str = "
MIIEqAIBAAKCAQEAhAKYdtoeoy8zcAcR874L8cnZxKzAGwd7v36APp7Pv6Q2jdsP
BRrwWEBnez6d0UDKDwGbc6nxfEXAy5mbhgajzrw3MOEt8uA5txSKobBpKDeBLOsd
JKFqMGmXCQvEG7YemcxDTRPxAleIAgYYRjTSd/QBwVW9OwNFhekro3RtlinV0a75
jfZgkne/YiktSvLG34lw2zqXBDTC5NHROUqGTlML4PlNZS5Ri2U4aCNx2rUPRcKI
lE0PuKxI4T+HIaFpv8+rdV6eUgOrB2xeI1dSFFn/nnv5OoZJEIB+VmuKn3DCUcCZ
SFlQPSXSfBDiUGhwOw76WuSSsf1D4b/vLoJ10wIDAQABAoIBAG/JZuSWdoVHbi56
vjgCgkjg3lkO1KrO3nrdm6nrgA9P9qaPjxuKoWaKO1cBQlE1pSWp/cKncYgD5WxE
CpAnRUXG2pG4zdkzCYzAh1i+c34L6oZoHsirK6oNcEnHveydfzJL5934egm6p8DW
+m1RQ70yUt4uRc0YSor+q1LGJvGQHReF0WmJBZHrhz5e63Pq7lE0gIwuBqL8SMaA
yRXtK+JGxZpImTq+NHvEWWCu09SCq0r838ceQI55SvzmTkwqtC+8AT2zFviMZkKR
Qo6SPsrqItxZWRty2izawTF0Bf5S2VAx7O+6t3wBsQ1sLptoSgX3QblELY5asI0J
YFz7LJECgYkAsqeUJmqXE3LP8tYoIjMIAKiTm9o6psPlc8CrLI9CH0UbuaA2JCOM
cCNq8SyYbTqgnWlB9ZfcAm/cFpA8tYci9m5vYK8HNxQr+8FS3Qo8N9RJ8d0U5Csw
DzMYfRghAfUGwmlWj5hp1pQzAuhwbOXFtxKHVsMPhz1IBtF9Y8jvgqgYHLbmyiu1
mwJ5AL0pYF0G7x81prlARURwHo0Yf52kEw1dxpx+JXER7hQRWQki5/NsUEtv+8RT
qn2m6qte5DXLyn83b1qRscSdnCCwKtKWUug5q2ZbwVOCJCtmRwmnP131lWRYfj67
B/xJ1ZA6X3GEf4sNReNAtaucPEelgR2nsN0gKQKBiGoqHWbK1qYvBxX2X3kbPDkv
9C+celgZd2PW7aGYLCHq7nPbmfDV0yHcWjOhXZ8jRMjmANVR/eLQ2EfsRLdW69bn
f3ZD7JS1fwGnO3exGmHO3HZG+6AvberKYVYNHahNFEw5TsAcQWDLRpkGybBcxqZo
81YCqlqidwfeO5YtlO7etx1xLyqa2NsCeG9A86UjG+aeNnXEIDk1PDK+EuiThIUa
/2IxKzJKWl1BKr2d4xAfR0ZnEYuRrbeDQYgTImOlfW6/GuYIxKYgEKCFHFqJATAG
IxHrq1PDOiSwXd2GmVVYyEmhZnbcp8CxaEMQoevxAta0ssMK3w6UsDtvUvYvF22m
qQKBiD5GwESzsFPy3Ga0MvZpn3D6EJQLgsnrtUPZx+z2Ep2x0xc5orneB5fGyF1P
WtP+fG5Q6Dpdz3LRfm+KwBCWFKQjg7uTxcjerhBWEYPmEMKYwTJF5PBG9/ddvHLQ
EQeNC8fHGg4UXU8mhHnSBt3EA10qQJfRDs15M38eG2cYwB1PZpDHScDnDA0=";

    // RFC 9421 Appendix B.1.2, test-key-rsa-pss (public half).
    const RSA_PSS_PUBLIC: &str = "-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAr4tmm3r20Wd/PbqvP1s2
+QEtvpuRaV8Yq40gjUR8y2Rjxa6dpG2GXHbPfvMs8ct+Lh1GH45x28Rw3Ry53mm+
oAXjyQ86OnDkZ5N8lYbggD4O3w6M6pAvLkhk95AndTrifbIFPNU8PPMO7OyrFAHq
gDsznjPFmTOtCEcN2Z1FpWgchwuYLPL+Wokqltd11nqqzi+bJ9cvSKADYdUAAN5W
Utzdpiy6LbTgSxP7ociU4Tn0g5I6aDZJ7A8Lzo0KSyZYoA485mqcO0GVAdVw9lq4
aOT9v6d+nb4bnNkQVklLQ3fVAvJm+xdDOp9LCNCN48V2pnDOkFV6+U9nV5oyc6XI
2wIDAQAB
-----END PUBLIC KEY-----";

    fn pss_key() -> rsa::PublicKey {
        rsa::PublicKey::from_public_key_pem(RSA_PSS_PUBLIC).unwrap()
    }

    fn rsa_key() -> rsa::PublicKey {
        rsa::PublicKey::from_pkcs1_pem(RSA_PUBLIC).unwrap()
    }

    /// test-key-rsa has primes of unequal length, which rsa 0.10's PEM
    /// decoder refuses; its components are imported explicitly instead.
    fn rsa_private_key() -> rsa::PrivateKey {
        use rsa::pkcs1::der::Decode;
        let body: String = RSA_PRIVATE_BODY.split_whitespace().collect();
        let der = B64.decode(body).unwrap();
        let key = rsa::pkcs1::RsaPrivateKeyRef::from_der(&der).unwrap();
        let bits = u32::try_from(key.modulus.as_bytes().len() * 8).unwrap();
        let uint = |b: &[u8], bits| rsa::BoxedUint::from_be_slice(b, bits).unwrap();
        rsa::PrivateKey::from_components_with_wide_primes(
            uint(key.modulus.as_bytes(), bits),
            uint(key.public_exponent.as_bytes(), 64),
            uint(key.private_exponent.as_bytes(), bits),
            vec![
                uint(key.prime1.as_bytes(), bits),
                uint(key.prime2.as_bytes(), bits),
            ],
        )
        .unwrap()
    }

    /// Undoes RFC 8792 single-backslash line wrapping, as printed in the RFC.
    fn unwrap_8792(text: &str) -> String {
        let mut out = String::new();
        let mut lines = text.trim_matches('\n').split('\n');
        while let Some(line) = lines.next() {
            let mut line = line.to_owned();
            while let Some(kept) = line.strip_suffix('\\') {
                line = format!("{kept}{}", lines.next().unwrap().trim_start());
            }
            out.push_str(&line);
            out.push('\n');
        }
        out.pop();
        out
    }

    struct Msg {
        method: &'static str,
        scheme: &'static str,
        authority: &'static str,
        path: &'static str,
        query: Option<&'static str>,
        headers: Vec<(String, String)>,
    }

    impl Msg {
        fn req(&self) -> Request<'_> {
            Request {
                method: self.method,
                scheme: self.scheme,
                authority: self.authority,
                path: self.path,
                query: self.query,
                headers: &self.headers,
            }
        }

        fn with(mut self, name: &str, value: &str) -> Self {
            self.headers.push((name.to_owned(), value.to_owned()));
            self
        }

        fn set(mut self, name: &str, value: &str) -> Self {
            self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
            self.with(name, value)
        }

        fn signed(self, input: &str, signature: &str) -> Self {
            self.set("Signature-Input", &unwrap_8792(input))
                .set("Signature", &unwrap_8792(signature))
        }

        fn only(&self) -> Signature {
            let mut all = signatures(&self.req()).unwrap();
            assert_eq!(all.len(), 1);
            all.remove(0)
        }
    }

    fn message(method: &'static str, path: &'static str, query: Option<&'static str>) -> Msg {
        Msg {
            method,
            scheme: "https",
            authority: "example.com",
            path,
            query,
            headers: Vec::new(),
        }
    }

    /// The `test-request` of RFC 9421 Appendix B.2.
    fn test_request() -> Msg {
        message("POST", "/foo", Some("param=Value&Pet=dog"))
            .with("Host", "example.com")
            .with("Date", "Tue, 20 Apr 2021 02:07:55 GMT")
            .with("Content-Type", "application/json")
            .with(
                "Content-Digest",
                "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:",
            )
            .with("Content-Length", "18")
    }

    const B21_INPUT: &str = r#"
sig-b21=();created=1618884473\
  ;keyid="test-key-rsa-pss";nonce="b3k2pp5k7z-50gnwp.yemd"
"#;
    const B21_SIGNATURE: &str = r#"
sig-b21=:d2pmTvmbncD3xQm8E9ZV2828BjQWGgiwAaw5bAkgibUopem\
  LJcWDy/lkbbHAve4cRAtx31Iq786U7it++wgGxbtRxf8Udx7zFZsckzXaJMkA7ChG\
  52eSkFxykJeNqsrWH5S+oxNFlD4dzVuwe8DhTSja8xxbR/Z2cOGdCbzR72rgFWhzx\
  2VjBqJzsPLMIQKhO4DGezXehhWwE56YCE+O6c0mKZsfxVrogUvA4HELjVKWmAvtl6\
  UnCh8jYzuVG5WSb/QEVPnP5TmcAnLH1g+s++v6d4s8m0gCw1fV5/SITLq9mhho8K3\
  +7EPYTU8IU1bLhdxO5Nyt8C8ssinQ98Xw9Q==:
"#;
    const B21_BASE: &str = r#"
"@signature-params": ();created=1618884473;keyid="test-key-rsa-pss"\
  ;nonce="b3k2pp5k7z-50gnwp.yemd"
"#;

    const B22_INPUT: &str = r#"
sig-b22=("@authority" "content-digest" \
  "@query-param";name="Pet");created=1618884473\
  ;keyid="test-key-rsa-pss";tag="header-example"
"#;
    const B22_SIGNATURE: &str = r#"
sig-b22=:LjbtqUbfmvjj5C5kr1Ugj4PmLYvx9wVjZvD9GsTT4F7GrcQ\
  EdJzgI9qHxICagShLRiLMlAJjtq6N4CDfKtjvuJyE5qH7KT8UCMkSowOB4+ECxCmT\
  8rtAmj/0PIXxi0A0nxKyB09RNrCQibbUjsLS/2YyFYXEu4TRJQzRw1rLEuEfY17SA\
  RYhpTlaqwZVtR8NV7+4UKkjqpcAoFqWFQh62s7Cl+H2fjBSpqfZUJcsIk4N6wiKYd\
  4je2U/lankenQ99PZfB4jY3I5rSV2DSBVkSFsURIjYErOs0tFTQosMTAoxk//0RoK\
  UqiYY8Bh0aaUEb0rQl3/XaVe4bXTugEjHSw==:
"#;
    const B22_BASE: &str = r#"
"@authority": example.com
"content-digest": sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX\
  +TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:
"@query-param";name="Pet": dog
"@signature-params": ("@authority" "content-digest" \
  "@query-param";name="Pet")\
  ;created=1618884473;keyid="test-key-rsa-pss"\
  ;tag="header-example"
"#;

    const B23_INPUT: &str = r#"
sig-b23=("date" "@method" "@path" "@query" \
  "@authority" "content-type" "content-digest" "content-length")\
  ;created=1618884473;keyid="test-key-rsa-pss"
"#;
    const B23_SIGNATURE: &str = r#"
sig-b23=:bbN8oArOxYoyylQQUU6QYwrTuaxLwjAC9fbY2F6SVWvh0yB\
  iMIRGOnMYwZ/5MR6fb0Kh1rIRASVxFkeGt683+qRpRRU5p2voTp768ZrCUb38K0fU\
  xN0O0iC59DzYx8DFll5GmydPxSmme9v6ULbMFkl+V5B1TP/yPViV7KsLNmvKiLJH1\
  pFkh/aYA2HXXZzNBXmIkoQoLd7YfW91kE9o/CCoC1xMy7JA1ipwvKvfrs65ldmlu9\
  bpG6A9BmzhuzF8Eim5f8ui9eH8LZH896+QIF61ka39VBrohr9iyMUJpvRX2Zbhl5Z\
  JzSRxpJyoEZAFL2FUo5fTIztsDZKEgM4cUA==:
"#;
    const B23_BASE: &str = r#"
"date": Tue, 20 Apr 2021 02:07:55 GMT
"@method": POST
"@path": /foo
"@query": ?param=Value&Pet=dog
"@authority": example.com
"content-type": application/json
"content-digest": sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX\
  +TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:
"content-length": 18
"@signature-params": ("date" "@method" "@path" "@query" \
  "@authority" "content-type" "content-digest" "content-length")\
  ;created=1618884473;keyid="test-key-rsa-pss"
"#;

    // RFC 9421 sections 2.5 and 3.2: the `sig1` example over test-request.
    const SIG1_INPUT: &str = r#"
sig1=("@method" "@authority" "@path" \
  "content-digest" "content-length" "content-type")\
  ;created=1618884473;keyid="test-key-rsa-pss"
"#;
    const SIG1_SIGNATURE: &str = r#"
sig1=:HIbjHC5rS0BYaa9v4QfD4193TORw7u9edguPh0AW3dMq9WImrl\
  FrCGUDih47vAxi4L2YRZ3XMJc1uOKk/J0ZmZ+wcta4nKIgBkKq0rM9hs3CQyxXGxH\
  LMCy8uqK488o+9jrptQ+xFPHK7a9sRL1IXNaagCNN3ZxJsYapFj+JXbmaI5rtAdSf\
  SvzPuBCh+ARHBmWuNo1UzVVdHXrl8ePL4cccqlazIJdC4QEjrF+Sn4IxBQzTZsL9y\
  9TP5FsZYzHvDqbInkTNigBcE9cKOYNFCn4D/WM7F6TNuZO9EgtzepLWcjTymlHzK7\
  aXq6Am6sfOrpIC49yXjj3ae6HRalVc/g==:
"#;
    const SIG1_BASE: &str = r#"
"@method": POST
"@authority": example.com
"@path": /foo
"content-digest": sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX\
  +TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:
"content-length": 18
"content-type": application/json
"@signature-params": ("@method" "@authority" "@path" \
  "content-digest" "content-length" "content-type")\
  ;created=1618884473;keyid="test-key-rsa-pss"
"#;

    /// The RFC's examples carry no `alg`: the verifier knows test-key-rsa-pss
    /// is a PSS key, which a caller says by filling in `algorithm`.
    fn verify_as_pss(mut sig: Signature) -> Result<(), Error> {
        assert_eq!(sig.algorithm, None);
        sig.algorithm = Some("rsa-pss-sha512".to_owned());
        sig.verify(&pss_key())
    }

    #[test]
    fn rfc_b_2_1_minimal_signature_has_the_printed_base_and_verifies() {
        let sig = test_request().signed(B21_INPUT, B21_SIGNATURE).only();
        assert_eq!(sig.label, "sig-b21");
        assert_eq!(sig.key_id, "test-key-rsa-pss");
        assert_eq!(sig.created, Some(1618884473));
        assert_eq!(sig.expires, None);
        assert!(sig.covered.is_empty());
        assert_eq!(sig.base, unwrap_8792(B21_BASE));
        verify_as_pss(sig).unwrap();
    }

    #[test]
    fn rfc_b_2_1_fails_when_its_nonce_changes() {
        let input = B21_INPUT.replace("b3k2pp5k7z", "b3k2pp5k7y");
        let sig = test_request().signed(&input, B21_SIGNATURE).only();
        assert!(matches!(verify_as_pss(sig), Err(Error::BadSignature)));
    }

    #[test]
    fn rfc_b_2_2_selective_signature_has_the_printed_base_and_verifies() {
        let sig = test_request().signed(B22_INPUT, B22_SIGNATURE).only();
        assert_eq!(
            sig.covered,
            ["@authority", "content-digest", "@query-param;name=\"Pet\""]
        );
        assert_eq!(sig.base, unwrap_8792(B22_BASE));
        verify_as_pss(sig).unwrap();
    }

    #[test]
    fn rfc_b_2_2_fails_when_the_signed_query_parameter_changes() {
        let mut msg = test_request().signed(B22_INPUT, B22_SIGNATURE);
        msg.query = Some("param=Value&Pet=dot");
        assert!(matches!(
            verify_as_pss(msg.only()),
            Err(Error::BadSignature)
        ));
    }

    #[test]
    fn rfc_b_2_2_fails_when_the_content_digest_changes_by_one_byte() {
        let sig = test_request()
            .set("Content-Digest", "sha-512=:XZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:")
            .signed(B22_INPUT, B22_SIGNATURE)
            .only();
        assert!(matches!(verify_as_pss(sig), Err(Error::BadSignature)));
    }

    #[test]
    fn rfc_b_2_3_full_coverage_signature_has_the_printed_base_and_verifies() {
        let sig = test_request().signed(B23_INPUT, B23_SIGNATURE).only();
        assert_eq!(sig.base, unwrap_8792(B23_BASE));
        verify_as_pss(sig).unwrap();
    }

    #[test]
    fn rfc_b_2_3_fails_when_one_byte_of_a_covered_header_changes() {
        let sig = test_request()
            .set("Content-Length", "19")
            .signed(B23_INPUT, B23_SIGNATURE)
            .only();
        assert!(matches!(verify_as_pss(sig), Err(Error::BadSignature)));
    }

    #[test]
    fn rfc_b_2_3_fails_when_a_derived_component_changes() {
        let mut msg = test_request().signed(B23_INPUT, B23_SIGNATURE);
        msg.path = "/fop";
        assert!(matches!(
            verify_as_pss(msg.only()),
            Err(Error::BadSignature)
        ));
        let mut msg = test_request().signed(B23_INPUT, B23_SIGNATURE);
        msg.method = "PUT";
        assert!(matches!(
            verify_as_pss(msg.only()),
            Err(Error::BadSignature)
        ));
    }

    #[test]
    fn rfc_section_3_2_example_signature_has_the_printed_base_and_verifies() {
        let sig = test_request().signed(SIG1_INPUT, SIG1_SIGNATURE).only();
        assert_eq!(sig.base, unwrap_8792(SIG1_BASE));
        verify_as_pss(sig).unwrap();
    }

    #[test]
    fn a_pss_signature_without_alg_is_checked_as_rsa_v1_5_by_default() {
        let sig = test_request().signed(B23_INPUT, B23_SIGNATURE).only();
        assert!(matches!(sig.verify(&pss_key()), Err(Error::BadSignature)));
    }

    #[test]
    fn a_signature_checked_against_the_wrong_key_fails() {
        let sig = test_request().signed(B23_INPUT, B23_SIGNATURE).only();
        let mut sig = sig;
        sig.algorithm = Some("rsa-pss-sha512".to_owned());
        assert!(matches!(sig.verify(&rsa_key()), Err(Error::BadSignature)));
    }

    const FEDIFY_BODY: &[u8] =
        br#"{"@context":"https://www.w3.org/ns/activitystreams","type":"Follow"}"#;
    const FEDIFY_INPUT: &str = r#"sig1=("@method" "@target-uri" "@authority" "host" "date" "content-digest");keyid="https://hollo.example/@alice#main-key";created=1718100000"#;

    fn fedify_digest(body: &[u8]) -> String {
        format!("sha-256=:{}:", B64.encode(Sha256::digest(body)))
    }

    /// A Fedify-style inbox POST, signed with test-key-rsa as Fedify does
    /// for RSA keys: rsa-v1_5-sha256 with no `alg` parameter.
    fn fedify_post() -> Msg {
        let msg = message("POST", "/users/bob/inbox", None)
            .with("Host", "blog.example")
            .with("Date", "Tue, 11 Jun 2024 10:00:00 GMT")
            .with("Content-Type", "application/activity+json")
            .with("Content-Digest", &fedify_digest(FEDIFY_BODY))
            .signed(FEDIFY_INPUT, "sig1=:AA==:");
        let msg = Msg {
            authority: "Blog.Example",
            ..msg
        };
        let base = msg.only().base;
        let signature = rsa_private_key()
            .pkcs1v15_sign::<Sha256>(base.as_bytes())
            .unwrap();
        msg.set("Signature", &format!("sig1=:{}:", B64.encode(signature)))
    }

    #[test]
    fn a_fedify_style_rsa_v1_5_sha256_post_verifies() {
        let msg = fedify_post();
        let sig = msg.only();
        let expected = format!(
            "\"@method\": POST\n\
             \"@target-uri\": https://blog.example/users/bob/inbox\n\
             \"@authority\": blog.example\n\
             \"host\": blog.example\n\
             \"date\": Tue, 11 Jun 2024 10:00:00 GMT\n\
             \"content-digest\": {}\n\
             \"@signature-params\": {}",
            fedify_digest(FEDIFY_BODY),
            FEDIFY_INPUT.strip_prefix("sig1=").unwrap()
        );
        assert_eq!(sig.base, expected);
        assert_eq!(sig.key_id, "https://hollo.example/@alice#main-key");
        assert_eq!(sig.algorithm, None);
        assert_eq!(sig.created, Some(1718100000));
        assert_eq!(
            sig.covered,
            [
                "@method",
                "@target-uri",
                "@authority",
                "host",
                "date",
                "content-digest"
            ]
        );
        sig.verify(&rsa_key()).unwrap();
        let digest = fedify_digest(FEDIFY_BODY);
        assert!(content_digest_matches(&digest, FEDIFY_BODY).unwrap());
        let mut explicit = sig;
        explicit.algorithm = Some("rsa-v1_5-sha256".to_owned());
        explicit.verify(&rsa_key()).unwrap();
    }

    #[test]
    fn the_fedify_style_signature_fails_when_the_content_digest_changes() {
        let msg = fedify_post().set("Content-Digest", &fedify_digest(b"{}"));
        assert!(matches!(
            msg.only().verify(&rsa_key()),
            Err(Error::BadSignature)
        ));
    }

    #[test]
    fn the_fedify_style_signature_fails_when_the_target_changes() {
        let msg = Msg {
            path: "/users/carol/inbox",
            ..fedify_post()
        };
        assert!(matches!(
            msg.only().verify(&rsa_key()),
            Err(Error::BadSignature)
        ));
        let msg = Msg {
            query: Some("x=1"),
            ..fedify_post()
        };
        assert!(matches!(
            msg.only().verify(&rsa_key()),
            Err(Error::BadSignature)
        ));
    }

    #[test]
    fn the_fedify_style_signature_fails_when_checked_as_pss() {
        let mut sig = fedify_post().only();
        sig.algorithm = Some("rsa-pss-sha512".to_owned());
        assert!(matches!(sig.verify(&rsa_key()), Err(Error::BadSignature)));
    }

    #[test]
    fn content_digests_from_the_rfcs_match_their_bodies() {
        let body = br#"{"hello": "world"}"#;
        assert!(
            content_digest_matches(
                "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:",
                body
            )
            .unwrap()
        );
        let sha512 = "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:";
        assert!(content_digest_matches(sha512, body).unwrap());
        // RFC 9530 section 2: the same JSON followed by LF, with both algorithms.
        let both = "sha-256=:RK/0qy18MlBSVnWgjwz6lZEWjP/lF5HF9bvEF8FabDg=:, \
                    sha-512=:YMAam51Jz/jOATT6/zvHrLVgOYTGFy1d6GJiOHTohq4yP+pgk4vf2aCsyRZOtw8MjkM7iw7yZ/WkppmM44T3qg==:";
        assert!(content_digest_matches(both, b"{\"hello\": \"world\"}\n").unwrap());
        assert!(
            content_digest_matches(
                "md5=:AAAA:, sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:",
                body
            )
            .unwrap()
        );
    }

    #[test]
    fn content_digests_for_a_different_body_do_not_match() {
        let body = br#"{"hello": "world"}"#;
        assert!(
            !content_digest_matches(
                "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:",
                b"{\"hello\": \"world\"}\n"
            )
            .unwrap()
        );
        assert!(
            !content_digest_matches(
                "sha-256=:RK/0qy18MlBSVnWgjwz6lZEWjP/lF5HF9bvEF8FabDg=:",
                body
            )
            .unwrap()
        );
        let sha512_with_lf = "sha-512=:YMAam51Jz/jOATT6/zvHrLVgOYTGFy1d6GJiOHTohq4yP+pgk4vf2aCsyRZOtw8MjkM7iw7yZ/WkppmM44T3qg==:";
        assert!(!content_digest_matches(sha512_with_lf, body).unwrap());
        // One good and one bad digest: the sender vouched for both.
        let mixed = "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:, \
                     sha-512=:YMAam51Jz/jOATT6/zvHrLVgOYTGFy1d6GJiOHTohq4yP+pgk4vf2aCsyRZOtw8MjkM7iw7yZ/WkppmM44T3qg==:";
        assert!(!content_digest_matches(mixed, body).unwrap());
    }

    #[test]
    fn a_content_digest_with_no_known_algorithm_is_an_error() {
        let err = content_digest_matches("md5=:AAAA:, unixsum=:AAAA:", b"").unwrap_err();
        assert!(matches!(err, Error::UnsupportedAlgorithm(_)), "{err}");
        assert!(matches!(
            content_digest_matches("", b""),
            Err(Error::UnsupportedAlgorithm(_))
        ));
    }

    #[test]
    fn a_malformed_content_digest_is_an_error() {
        for bad in [
            "sha-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=",
            "sha-256=:not base64!:",
            "SHA-256=:AA==:",
            "sha-256=\"abc\"",
            "sha-256=(:AA==:)",
        ] {
            assert!(
                matches!(content_digest_matches(bad, b""), Err(Error::Malformed(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_malformed_signature_input_is_rejected() {
        for bad in [
            r#"sig1=("@method" "@path";keyid="k""#,
            r#"sig1="@method";keyid="k""#,
            r#"sig1=(@method);keyid="k""#,
            "Sig1=();keyid=\"k\"",
            r#"sig1=();keyid=k"#,
            r#"sig1=();keyid="k";created="now""#,
        ] {
            let msg = test_request().signed(bad, "sig1=:AA==:");
            let err = signatures(&msg.req()).unwrap_err();
            assert!(matches!(err, Error::Malformed(_)), "{bad}: {err}");
        }
    }

    #[test]
    fn a_signature_that_is_not_a_byte_sequence_is_rejected() {
        let msg = test_request().signed(r#"sig1=();keyid="k""#, "sig1=\"AA==\"");
        assert!(matches!(signatures(&msg.req()), Err(Error::Malformed(_))));
    }

    #[test]
    fn a_label_in_signature_input_without_a_signature_is_rejected() {
        let msg = test_request().signed(r#"sig1=();keyid="k", sig2=();keyid="k""#, "sig1=:AA==:");
        let err = signatures(&msg.req()).unwrap_err();
        assert!(
            matches!(&err, Error::UnmatchedLabel { label, missing: "Signature", .. } if label == "sig2"),
            "{err}"
        );
        assert_eq!(
            err.to_string(),
            "signature \"sig2\" is in Signature-Input but not in Signature"
        );
    }

    #[test]
    fn a_label_in_signature_without_signature_input_is_rejected() {
        let msg = test_request().signed(r#"sig1=();keyid="k""#, "sig1=:AA==:, sig2=:AA==:");
        let err = signatures(&msg.req()).unwrap_err();
        assert!(
            matches!(&err, Error::UnmatchedLabel { label, missing: "Signature-Input", .. } if label == "sig2")
        );
    }

    #[test]
    fn missing_signature_headers_are_named() {
        let err = signatures(&test_request().with("Signature", "sig1=:AA==:").req()).unwrap_err();
        assert!(matches!(err, Error::MissingHeader("Signature-Input")));
        assert_eq!(err.to_string(), "missing Signature-Input header");
        let err = signatures(
            &test_request()
                .with("Signature-Input", "sig1=();keyid=\"k\"")
                .req(),
        )
        .unwrap_err();
        assert!(matches!(err, Error::MissingHeader("Signature")));
    }

    #[test]
    fn signatures_split_across_field_lines_are_all_returned() {
        let msg = test_request()
            .with("signature-input", r#"a=("@method");keyid="k1""#)
            .with(
                "SIGNATURE-INPUT",
                r#"b=("@path");keyid="k2";alg="rsa-pss-sha512";expires=1618884773"#,
            )
            .with("Signature", "b=:AQI=:")
            .with("signature", "a=:AA==:");
        let all = signatures(&msg.req()).unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(
            (
                all[0].label.as_str(),
                all[0].key_id.as_str(),
                all[0].signature.as_slice()
            ),
            ("a", "k1", &[0u8][..])
        );
        assert_eq!(
            all[1].base,
            "\"@path\": /foo\n\"@signature-params\": (\"@path\");keyid=\"k2\";alg=\"rsa-pss-sha512\";expires=1618884773"
        );
        assert_eq!(all[1].algorithm.as_deref(), Some("rsa-pss-sha512"));
        assert_eq!(all[1].expires, Some(1618884773));
        assert_eq!(all[1].signature, [1, 2]);
    }

    #[test]
    fn a_signature_without_keyid_is_rejected() {
        let msg = test_request().signed(r#"sig1=("@method");created=1"#, "sig1=:AA==:");
        assert!(matches!(signatures(&msg.req()), Err(Error::MissingKeyId(l)) if l == "sig1"));
    }

    #[test]
    fn a_covered_header_missing_from_the_request_is_rejected() {
        let msg = test_request().signed(r#"sig1=("@method" "digest");keyid="k""#, "sig1=:AA==:");
        let err = signatures(&msg.req()).unwrap_err();
        assert!(
            matches!(&err, Error::MissingComponent(c) if c == "digest"),
            "{err}"
        );
        assert_eq!(err.to_string(), "missing component \"digest\"");
    }

    #[test]
    fn an_unknown_algorithm_is_rejected() {
        for alg in ["hmac-sha256", "ed25519", "rsa-pss-sha256"] {
            let input = format!(r#"sig1=("@method");keyid="k";alg="{alg}""#);
            let sig = test_request().signed(&input, "sig1=:AA==:").only();
            assert!(
                matches!(sig.verify(&rsa_key()), Err(Error::UnsupportedAlgorithm(a)) if a == alg)
            );
        }
    }

    #[test]
    fn unknown_derived_components_and_unsupported_parameters_are_refused() {
        let cases = [
            (r#"("@status")"#, "unsupported component \"@status\""),
            (
                r#"("@signature-params")"#,
                "malformed field: @signature-params must not be covered",
            ),
            (
                r#"("date";tr)"#,
                "unsupported parameter \"tr\" on component \"date\"",
            ),
            (
                r#"("date";req)"#,
                "unsupported parameter \"req\" on component \"date\"",
            ),
            (
                r#"("@method";req)"#,
                "unsupported parameter \"req\" on component \"@method\"",
            ),
            (
                r#"("date";foo="bar")"#,
                "unsupported parameter \"foo\" on component \"date\"",
            ),
            (
                r#"("@path";name="x")"#,
                "unsupported parameter \"name\" on component \"@path\"",
            ),
            (
                r#"("date";sf)"#,
                "unsupported parameter \"sf\" on component \"date\"",
            ),
            (
                r#"("date";sf=?0)"#,
                "unsupported parameter \"sf\" on component \"date\"",
            ),
        ];
        for (covered, message) in cases {
            let msg = test_request().signed(&format!("sig1={covered};keyid=\"k\""), "sig1=:AA==:");
            assert_eq!(signatures(&msg.req()).unwrap_err().to_string(), message);
        }
    }

    #[test]
    fn a_component_covered_twice_is_rejected() {
        for covered in [
            r#"("date" "date")"#,
            r#"("content-digest";key="sha-512";sf "content-digest";sf;key="sha-512")"#,
        ] {
            let msg = test_request().signed(&format!("sig1={covered};keyid=\"k\""), "sig1=:AA==:");
            assert!(
                matches!(signatures(&msg.req()), Err(Error::Malformed(_))),
                "{covered}"
            );
        }
    }

    fn base_of(msg: Msg, covered: &str) -> Result<String, Error> {
        let msg = msg.signed(&format!("sig1=({covered});keyid=\"k\""), "sig1=:AA==:");
        let sig = signatures(&msg.req())?.remove(0);
        let params = format!("\"@signature-params\": ({covered});keyid=\"k\"");
        Ok(sig.base.strip_suffix(&params).unwrap().to_owned())
    }

    #[test]
    fn derived_components_follow_rfc_9421_section_2_2() {
        let mut msg = message("POST", "/path", Some("param=value&foo=bar&baz=bat%2Dman"));
        msg.scheme = "HTTPS";
        msg.authority = "WWW.Example.com:443";
        let covered =
            r#""@method" "@target-uri" "@authority" "@scheme" "@request-target" "@path" "@query""#;
        assert_eq!(
            base_of(msg, covered).unwrap(),
            "\"@method\": POST\n\
             \"@target-uri\": https://www.example.com/path?param=value&foo=bar&baz=bat%2Dman\n\
             \"@authority\": www.example.com\n\
             \"@scheme\": https\n\
             \"@request-target\": /path?param=value&foo=bar&baz=bat%2Dman\n\
             \"@path\": /path\n\
             \"@query\": ?param=value&foo=bar&baz=bat%2Dman\n"
        );
        let mut msg = message("get", "", None);
        msg.scheme = "http";
        msg.authority = "example.com:8080";
        assert_eq!(
            base_of(
                msg,
                r#""@method" "@target-uri" "@authority" "@path" "@query""#
            )
            .unwrap(),
            "\"@method\": get\n\
             \"@target-uri\": http://example.com:8080/\n\
             \"@authority\": example.com:8080\n\
             \"@path\": /\n\
             \"@query\": ?\n"
        );
        let msg = message("POST", "/path", Some("queryString"));
        assert_eq!(
            base_of(msg, r#""@query""#).unwrap(),
            "\"@query\": ?queryString\n"
        );
    }

    #[test]
    fn query_params_are_decoded_and_reencoded_as_rfc_9421_section_2_2_8_shows() {
        let msg = message("GET", "/path", Some("param=value&foo=bar&baz=batman&qux="));
        let covered =
            r#""@query-param";name="baz" "@query-param";name="qux" "@query-param";name="param""#;
        assert_eq!(
            base_of(msg, covered).unwrap(),
            "\"@query-param\";name=\"baz\": batman\n\"@query-param\";name=\"qux\": \n\"@query-param\";name=\"param\": value\n"
        );
        let query = "var=this%20is%20a%20big%0Amultiline%20value&bar=with+plus+whitespace&fa%C3%A7ade%22%3A%20=something";
        let msg = message("GET", "/parameters", Some(query));
        let covered = r#""@query-param";name="var" "@query-param";name="bar" "@query-param";name="fa%C3%A7ade%22%3A%20""#;
        assert_eq!(
            base_of(msg, covered).unwrap(),
            "\"@query-param\";name=\"var\": this%20is%20a%20big%0Amultiline%20value\n\
             \"@query-param\";name=\"bar\": with%20plus%20whitespace\n\
             \"@query-param\";name=\"fa%C3%A7ade%22%3A%20\": something\n"
        );
        let msg = message("GET", "/", Some("a=%zz%4&b=%7e~"));
        assert_eq!(
            base_of(msg, r#""@query-param";name="a" "@query-param";name="b""#).unwrap(),
            "\"@query-param\";name=\"a\": %25zz%254\n\"@query-param\";name=\"b\": %7E%7E\n"
        );
    }

    #[test]
    fn a_repeated_or_absent_query_param_is_rejected() {
        let err = base_of(
            message("GET", "/", Some("a=1&a=2")),
            r#""@query-param";name="a""#,
        )
        .unwrap_err();
        assert!(matches!(err, Error::Malformed(_)), "{err}");
        let err = base_of(
            message("GET", "/", Some("a=1")),
            r#""@query-param";name="b""#,
        )
        .unwrap_err();
        assert!(matches!(err, Error::MissingComponent(_)), "{err}");
        let err = base_of(message("GET", "/", None), r#""@query-param""#).unwrap_err();
        assert!(matches!(err, Error::Malformed(_)), "{err}");
    }

    #[test]
    fn header_fields_are_combined_as_rfc_9421_section_2_1_shows() {
        let msg = message("GET", "/", None)
            .with("Host", "www.example.com")
            .with("Date", "Tue, 20 Apr 2021 02:07:56 GMT")
            .with("X-OWS-Header", "   Leading and trailing whitespace.   ")
            .with("X-Obs-Fold-Header", "Obsolete\r\n    line folding.")
            .with("Cache-Control", "max-age=60")
            .with("Cache-Control", "   must-revalidate")
            .with("Example-Dict", " a=1,    b=2;x=1;y=2,   c=(a   b   c)")
            .with("X-Empty-Header", "");
        let covered = r#""host" "date" "x-ows-header" "x-obs-fold-header" "cache-control" "example-dict" "x-empty-header""#;
        assert_eq!(
            base_of(msg, covered).unwrap(),
            "\"host\": www.example.com\n\
             \"date\": Tue, 20 Apr 2021 02:07:56 GMT\n\
             \"x-ows-header\": Leading and trailing whitespace.\n\
             \"x-obs-fold-header\": Obsolete line folding.\n\
             \"cache-control\": max-age=60, must-revalidate\n\
             \"example-dict\": a=1,    b=2;x=1;y=2,   c=(a   b   c)\n\
             \"x-empty-header\": \n"
        );
    }

    #[test]
    fn non_ascii_covered_values_are_rejected() {
        let msg = message("GET", "/", None).with("X-Name", "Zoë");
        assert!(matches!(
            base_of(msg, r#""x-name""#),
            Err(Error::Malformed(_))
        ));
    }

    #[test]
    fn key_selects_one_dictionary_member_as_rfc_9421_section_2_1_2_shows() {
        let msg = || {
            message("GET", "/", None).with("Example-Dict", " a=1, b=2;x=1;y=2, c=(a   b    c), d")
        };
        let covered = r#""example-dict";key="a" "example-dict";key="d" "example-dict";key="b" "example-dict";key="c""#;
        assert_eq!(
            base_of(msg(), covered).unwrap(),
            "\"example-dict\";key=\"a\": 1\n\
             \"example-dict\";key=\"d\": ?1\n\
             \"example-dict\";key=\"b\": 2;x=1;y=2\n\
             \"example-dict\";key=\"c\": (a b c)\n"
        );
        let err = base_of(msg(), r#""example-dict";key="e""#).unwrap_err();
        assert!(matches!(err, Error::MissingComponent(_)), "{err}");
    }

    #[test]
    fn sf_reserializes_fields_of_known_structured_type() {
        let msg = || {
            message("POST", "/", None)
                .with("Content-Digest", "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:,   unixsum=30637")
                .with("content-digest", "  sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:")
        };
        assert_eq!(
            base_of(msg(), r#""content-digest";sf"#).unwrap(),
            "\"content-digest\";sf: sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:, unixsum=30637, \
             sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:\n"
        );
        assert_eq!(
            base_of(msg(), r#""content-digest";key="sha-256""#).unwrap(),
            "\"content-digest\";key=\"sha-256\": :X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:\n"
        );
        let msg = message("POST", "/", None).with("Content-Digest", "sha-256=:AA==:;;");
        assert!(matches!(
            base_of(msg, r#""content-digest";sf"#),
            Err(Error::Malformed(_))
        ));
    }

    #[test]
    fn bs_wraps_each_field_line_as_rfc_9421_section_2_1_3_shows() {
        let split = message("GET", "/", None)
            .with("Example-Header", "value, with, lots")
            .with("Example-Header", "of, commas");
        assert_eq!(
            base_of(split, r#""example-header";bs"#).unwrap(),
            "\"example-header\";bs: :dmFsdWUsIHdpdGgsIGxvdHM=:, :b2YsIGNvbW1hcw==:\n"
        );
        let single =
            message("GET", "/", None).with("Example-Header", "value, with, lots, of, commas");
        assert_eq!(
            base_of(single, r#""example-header";bs"#).unwrap(),
            "\"example-header\";bs: :dmFsdWUsIHdpdGgsIGxvdHMsIG9mLCBjb21tYXM=:\n"
        );
        let both = message("GET", "/", None).with("Content-Digest", "a=1");
        assert!(matches!(
            base_of(both, r#""content-digest";bs;sf"#),
            Err(Error::Malformed(_))
        ));
    }

    #[test]
    fn hostile_input_returns_errors_instead_of_panicking() {
        let inputs = [
            "",
            ",",
            "=",
            "sig1",
            "sig1=",
            "sig1=(",
            "sig1=()",
            "sig1=();keyid",
            "sig1=();keyid=\"\\\"",
            "sig1=(\"\");keyid=\"k\"",
            "sig1=(\"@\");keyid=\"k\"",
            "sig1=(\"@query-param\";name=1);keyid=\"k\"",
            "sig1=();keyid=\"k\";created=999999999999999",
            "sig1=();keyid=\"k\";created=1.5",
            "sig1=();keyid=\"k\";created=@1659578233",
            "sig1=(\"a\";key=\"\");keyid=\"k\"",
            "sig1=(\"\u{e9}\");keyid=\"k\"",
            "sig1=(\"x\";bs);keyid=\"k\"",
            "\u{0}\u{ff}",
        ];
        let queries = [
            None,
            Some(""),
            Some("%"),
            Some("%%%"),
            Some("&&=&=="),
            Some("a=%f0%9f%98"),
            Some("\u{e9}=%"),
        ];
        for input in inputs {
            for query in queries {
                for covered in [
                    "sig1=(\"@query-param\";name=\"a\" \"x\");keyid=\"k\"",
                    input,
                ] {
                    let mut msg = message("POST", "", query)
                        .with("X", "\u{e9}\r\n")
                        .with("A", "a=%")
                        .signed(covered, "sig1=:AA==:");
                    msg.authority = ":443";
                    if let Ok(all) = signatures(&msg.req()) {
                        for sig in all {
                            assert!(sig.verify(&rsa_key()).is_err());
                        }
                    }
                }
            }
            let _ = content_digest_matches(input, b"");
        }
        let short = test_request()
            .signed(r#"sig1=();keyid="k";alg="rsa-pss-sha512""#, "sig1=::")
            .only();
        assert!(matches!(short.verify(&pss_key()), Err(Error::BadSignature)));
    }
}
