//! Verifying that an inbox request comes from the actor it claims: an HTTP signature (cavage or
//! RFC 9421) by a key that actor owns, over a digest of this very body, made recently. Keys are
//! fetched once and kept; a key that stops verifying is fetched again (the sender rotated it).

use rsa::PublicKey;
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::pkcs8::DecodePublicKey;

use crate::app::App;
use crate::store::actors::{self, Actor};

use super::remote;
use super::signature::{SignatureError, cavage, rfc9421};

/// How far a signature's date may be from now. Mastodon allows 12 hours (deliveries are retried
/// late, and clocks drift); a captured request cannot be replayed after that.
const MAX_SKEW_SECS: i64 = 12 * 3600;
/// A request as the inbox received it.
pub struct Incoming<'a> {
    pub method: &'a str,
    pub scheme: &'a str,
    pub authority: &'a str,
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

impl Incoming<'_> {
    fn header(&self, name: &str) -> Option<String> {
        let values: Vec<&str> = self
            .headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim())
            .collect();
        (!values.is_empty()).then(|| values.join(", "))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Refused {
    #[error(transparent)]
    Signature(#[from] SignatureError),
    #[error("the key {0} could not be fetched: {1}")]
    KeyUnavailable(String, String),
    #[error("the key {0} belongs to {1}, not to the activity's actor")]
    WrongOwner(String, String),
    #[error("the sender is blocked")]
    Blocked,
}

/// Verifies a request whose activity names `claimed_actor` (blocking: it may fetch a key).
pub fn verify(app: &App, req: &Incoming, claimed_actor: &str) -> Result<Actor, Refused> {
    if req.header("signature-input").is_some() {
        verify_rfc9421(app, req, claimed_actor)
    } else if let Some(header) = req.header("signature") {
        verify_cavage(app, req, &header, claimed_actor)
    } else {
        Err(SignatureError::Unsigned.into())
    }
}

fn verify_cavage(app: &App, req: &Incoming, header: &str, claimed: &str) -> Result<Actor, Refused> {
    let sig = cavage::parse(header)?;
    let covers = |name: &str| sig.headers.iter().any(|h| h == name);
    if !covers("(request-target)") {
        return Err(SignatureError::NotCovered("(request-target)").into());
    }
    // Signed for this site's host, or a request captured on its way to another server could be
    // replayed here.
    if !covers("host") {
        return Err(SignatureError::NotCovered("host").into());
    }
    check_host(app, req)?;
    if !req.body.is_empty() {
        if !covers("digest") {
            return Err(SignatureError::NotCovered("digest").into());
        }
        let digest = req.header("digest").ok_or(SignatureError::BadDigest)?;
        if !cavage::digest_matches(&digest, req.body) {
            return Err(SignatureError::BadDigest.into());
        }
    }
    let signed_at = if covers("date") {
        let date = req
            .header("date")
            .ok_or_else(|| SignatureError::MissingHeader("date".into()))?;
        chrono::DateTime::parse_from_rfc2822(&date)
            .map_err(|_| SignatureError::Malformed("the Date header is not a date".into()))?
            .timestamp()
    } else if covers("(created)") {
        sig.created.ok_or(SignatureError::Stale)?
    } else {
        return Err(SignatureError::NotCovered("date").into());
    };
    check_time(signed_at, sig.expires)?;
    // Some senders sign the path with its query string and some without: accept either.
    let full = match req.query {
        Some(q) => format!("{}?{q}", req.path),
        None => req.path.to_string(),
    };
    let strings: Vec<String> = [full.as_str(), req.path]
        .iter()
        .map(|target| cavage::signing_string(&sig, req.method, target, |h| req.header(h)))
        .collect::<Result<_, _>>()?;
    check_with_key(app, &sig.key_id, claimed, |key| {
        strings
            .iter()
            .find_map(|s| cavage::verify(&sig, s, key).ok())
            .ok_or(SignatureError::BadSignature)
    })
}

fn verify_rfc9421(app: &App, req: &Incoming, claimed: &str) -> Result<Actor, Refused> {
    let request = rfc9421::Request {
        method: req.method,
        scheme: req.scheme,
        authority: req.authority,
        path: req.path,
        query: req.query,
        headers: req.headers,
    };
    let signatures = rfc9421::signatures(&request).map_err(SignatureError::from)?;
    let sig = signatures
        .first()
        .ok_or_else(|| SignatureError::Malformed("no signature".into()))?;
    let covers = |name: &str| sig.covered.iter().any(|c| c == name);
    if !covers("@method") {
        return Err(SignatureError::NotCovered("@method").into());
    }
    if !(covers("@target-uri") || covers("@request-target") || covers("@path")) {
        return Err(SignatureError::NotCovered("@target-uri").into());
    }
    // Bound to this site: `@authority`, or `@target-uri`, which holds it.
    if !(covers("@authority") || covers("@target-uri")) {
        return Err(SignatureError::NotCovered("@authority").into());
    }
    check_host(app, req)?;
    if !req.body.is_empty() {
        if !covers("content-digest") {
            return Err(SignatureError::NotCovered("content-digest").into());
        }
        let digest = req
            .header("content-digest")
            .ok_or(SignatureError::BadDigest)?;
        if !rfc9421::content_digest_matches(&digest, req.body).map_err(SignatureError::from)? {
            return Err(SignatureError::BadDigest.into());
        }
    }
    let signed_at = match (sig.created, req.header("date").filter(|_| covers("date"))) {
        (Some(created), _) => created,
        (None, Some(date)) => chrono::DateTime::parse_from_rfc2822(&date)
            .map_err(|_| SignatureError::Malformed("the Date header is not a date".into()))?
            .timestamp(),
        (None, None) => return Err(SignatureError::NotCovered("created").into()),
    };
    check_time(signed_at, sig.expires)?;
    check_with_key(app, &sig.key_id, claimed, |key| {
        sig.verify(key).map_err(SignatureError::from)
    })
}

/// The request's host, which the signature covers, is this site's (default ports aside).
fn check_host(app: &App, req: &Incoming) -> Result<(), SignatureError> {
    let site = rfc9421::normalized_authority(req.scheme, app.config.base_url.host());
    if rfc9421::normalized_authority(req.scheme, req.authority) != site {
        return Err(SignatureError::OtherHost(req.authority.to_string()));
    }
    Ok(())
}

fn check_time(signed_at: i64, expires: Option<i64>) -> Result<(), SignatureError> {
    let now = crate::store::now();
    if (now - signed_at).abs() > MAX_SKEW_SECS || expires.is_some_and(|e| e < now) {
        return Err(SignatureError::Stale);
    }
    Ok(())
}

/// Finds the key (cached, else fetched), checks the signature with it, fetches it again once if
/// it fails, and checks that the key's owner is the activity's actor.
fn check_with_key(
    app: &App,
    key_id: &str,
    claimed: &str,
    check: impl Fn(&PublicKey) -> Result<(), SignatureError>,
) -> Result<Actor, Refused> {
    let blocked = app
        .db
        .read_blocking(|c| crate::store::blocks::is_blocked(c, key_id))
        .map_err(|e| Refused::KeyUnavailable(key_id.to_string(), format!("{e:#}")))?;
    if blocked {
        return Err(Refused::Blocked);
    }
    let fetch = || {
        remote::fetch_key_owner(app, key_id)
            .map_err(|e| Refused::KeyUnavailable(key_id.to_string(), format!("{e:#}")))
    };
    let known = app
        .db
        .read_blocking(|c| actors::by_key_id(c, key_id))
        .map_err(|e| Refused::KeyUnavailable(key_id.to_string(), format!("{e:#}")))?;
    // A fetched key's owner is stored only once a signature has verified with it.
    let fetched = |refetch: bool| -> Result<Actor, Refused> {
        let actor = fetch()?;
        check(&public_key(&actor)?)?;
        if refetch {
            tracing::info!(key_id, "a rotated key was fetched again");
        }
        remote::save_actor(app, actor)
            .map_err(|e| Refused::KeyUnavailable(key_id.to_string(), format!("{e:#}")))
    };
    let actor = match known {
        Some(actor) => match check(&public_key(&actor)?) {
            Ok(()) => actor,
            Err(_) if app.federation.refetched.may_refetch(key_id) => fetched(true)?,
            Err(e) => return Err(e.into()),
        },
        None => fetched(false)?,
    };
    let same = actor.uri == claimed || crate::urls::same_origin(&actor.uri, claimed);
    if !same {
        return Err(Refused::WrongOwner(key_id.to_string(), actor.uri));
    }
    Ok(actor)
}

fn public_key(actor: &Actor) -> Result<PublicKey, Refused> {
    let pem = actor.public_key_pem.trim();
    PublicKey::from_public_key_pem(pem)
        .or_else(|_| PublicKey::from_pkcs1_pem(pem))
        .map_err(|_| {
            SignatureError::Malformed(format!("{} has no usable RSA key", actor.uri)).into()
        })
}
