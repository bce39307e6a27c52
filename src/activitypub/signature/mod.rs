//! HTTP signatures: draft-cavage (Mastodon, and what Porch sends) and RFC 9421 (Fedify-based
//! servers and WordPress). `verify` in the parent module decides which a request carries.

pub mod cavage;
pub mod rfc9421;

#[derive(Debug, thiserror::Error)]
pub enum SignatureError {
    #[error("the request is not signed")]
    Unsigned,
    #[error("malformed signature: {0}")]
    Malformed(String),
    #[error("the signed header {0:?} is missing")]
    MissingHeader(String),
    #[error("the signature does not cover {0}")]
    NotCovered(&'static str),
    #[error("unsupported signature algorithm {0:?}")]
    UnsupportedAlgorithm(String),
    #[error("the signature does not verify")]
    BadSignature,
    #[error("the digest does not match the body")]
    BadDigest,
    #[error("the signature is too old or from the future")]
    Stale,
    #[error("the request was made to {0}, not to this site")]
    OtherHost(String),
    #[error("{0}")]
    Rfc9421(#[from] rfc9421::Error),
}
