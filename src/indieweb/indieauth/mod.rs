//! IndieAuth (the 2022 and later specification): Porch is its owner's authorization server.
//! An app sends the owner to the authorization endpoint, the owner approves on a consent screen
//! in the admin panel, and the app trades the code (with PKCE) for an app token at the token
//! endpoint. `me` is always the site's home page.

pub mod authorize;
pub mod client;
pub mod token;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use poem::http::{StatusCode, Uri};
use poem::web::Data;
use poem::{IntoResponse, Response, handler};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::app::App;
use crate::auth::secret;
use crate::config::BaseUrl;
use crate::error::Failure;
use crate::indieweb::private_json;

/// Whether an app may be granted a scope: the app token scopes (Micropub's), and `profile`
/// (the owner's name, URL and photo in the answer).
pub fn grantable(scope: &str) -> bool {
    crate::auth::tokens::SCOPES.contains(&scope) || scope == "profile"
}

/// How long a code may wait before it is redeemed (the spec recommends at most ten minutes).
pub const CODE_LIFETIME_SECS: i64 = 600;

/// The owner's identity: the site's home page.
pub fn me(base: &BaseUrl) -> String {
    base.join("/")
}

/// The issuer named in redirects (`iss`), a prefix of the metadata URL as RFC 9207 asks.
pub fn issuer(base: &BaseUrl) -> String {
    base.join("/")
}

#[handler]
pub fn metadata(Data(app): Data<&App>) -> Response {
    let base = &app.config.base_url;
    let body = json!({
        "issuer": issuer(base),
        "authorization_endpoint": base.join("/indieauth/auth"),
        "token_endpoint": base.join("/indieauth/token"),
        "introspection_endpoint": base.join("/indieauth/introspect"),
        "introspection_endpoint_auth_methods_supported": ["bearer"],
        "revocation_endpoint": base.join("/indieauth/revoke"),
        "revocation_endpoint_auth_methods_supported": ["none"],
        "scopes_supported": crate::auth::tokens::SCOPES.iter().chain(&["profile"]).collect::<Vec<_>>(),
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code"],
        "code_challenge_methods_supported": ["S256"],
        "authorization_response_iss_parameter_supported": true,
    });
    private_json(StatusCode::OK, &body)
}

/// An OAuth error (RFC 6749 §5.2) with its code, as `indieweb::oauth_json` answers it.
pub fn oauth_error(
    status: StatusCode,
    code: &'static str,
    description: impl Into<std::borrow::Cow<'static, str>>,
) -> Failure {
    Failure::new(status, description).with_code(code)
}

/// Whether a `code_verifier` matches the `code_challenge` made from it (S256).
pub fn pkce_matches(challenge: &str, verifier: &str) -> bool {
    let valid = (43..=128).contains(&verifier.len())
        && verifier
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._~".contains(c));
    valid
        && secret::equal(
            &URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())),
            challenge,
        )
}

/// Checks a client_id as the specification shapes it: an http(s) URL with a path, without
/// fragment, credentials or dot segments, whose host is a name (or loopback, for local apps).
pub fn valid_client_id(client_id: &str) -> bool {
    let Ok(uri) = client_id.parse::<Uri>() else {
        return false;
    };
    let scheme_ok = matches!(uri.scheme_str(), Some("https" | "http"));
    let Some(authority) = uri.authority() else {
        return false;
    };
    let host = authority.host();
    let ip_literal = host.parse::<std::net::IpAddr>().is_ok() || host.starts_with('[');
    let loopback = host == "127.0.0.1" || host == "[::1]" || host == "localhost";
    let path = uri.path();
    scheme_ok
        && !client_id.contains('#')
        && !authority.as_str().contains('@')
        && (!ip_literal || loopback)
        && path.starts_with('/')
        && !path.split('/').any(|seg| seg == "." || seg == "..")
}

/// A URL without a path gets `/`, and its host is lowercased: `https://App.example` and
/// `https://app.example/` are the same client.
pub fn canonical_url(url: &str) -> String {
    let Ok(uri) = url.trim().parse::<Uri>() else {
        return url.trim().to_string();
    };
    let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) else {
        return url.trim().to_string();
    };
    let path_and_query = uri.path_and_query().map_or("/", |pq| pq.as_str());
    let path_and_query = if path_and_query.starts_with('/') {
        path_and_query.to_string()
    } else {
        format!("/{path_and_query}")
    };
    format!(
        "{scheme}://{}{path_and_query}",
        authority.as_str().to_ascii_lowercase()
    )
}

/// An error page for an authorization request that cannot be sent back to its app.
pub fn refuse(message: &str) -> Response {
    (StatusCode::BAD_REQUEST, message.to_string()).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_follows_the_specifications_examples() {
        assert!(pkce_matches(
            "OfYAxt8zU2dAPDWQxTAUIteRzMsoj9QBdMIVEDOErUo",
            "a6128783714cfda1d388e2e98b6ae8221ac31aca31959e59512c59f5"
        ));
        assert!(pkce_matches(
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        ));
        assert!(!pkce_matches(
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXX"
        ));
        assert!(!pkce_matches("abc", "short"));
    }

    #[test]
    fn client_ids_follow_the_specifications_rules() {
        for good in [
            "https://example.com/",
            "https://example.com/username",
            "https://example.com/users?id=100",
            "https://app.example.com:8443/",
            "http://127.0.0.1:5000/app",
            "http://localhost:8080/",
        ] {
            assert!(valid_client_id(good), "{good}");
        }
        for bad in [
            "example.com",
            "mailto:user@example.com",
            "https://example.com/foo/../bar",
            "https://example.com/#me",
            "https://user:pass@example.com/",
            "https://172.28.92.51/",
            "ftp://example.com/",
        ] {
            assert!(!valid_client_id(bad), "{bad}");
        }
    }

    #[test]
    fn urls_are_canonicalized() {
        assert_eq!(
            canonical_url("https://App.Example.com"),
            "https://app.example.com/"
        );
        assert_eq!(
            canonical_url("https://a.example/x?y=1"),
            "https://a.example/x?y=1"
        );
    }
}
