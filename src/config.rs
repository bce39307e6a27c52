//! Bootstrap settings: what the server needs before it can open its database. Everything an owner
//! edits lives in the database instead (see `store::settings`).

use std::net::SocketAddr;
use std::path::PathBuf;

/// The public origin of the site, without a trailing slash (`https://example.com`). Every link,
/// feed entry and (later) ActivityPub id is built from it, so it is fixed at start-up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BaseUrl(String);

impl BaseUrl {
    /// Accepts an absolute http(s) origin; a path or query is refused, because ids built on it
    /// must not change when a reverse proxy is reconfigured.
    pub fn parse(raw: &str) -> Result<BaseUrl, String> {
        let trimmed = raw.trim().trim_end_matches('/');
        let rest = trimmed
            .strip_prefix("https://")
            .or_else(|| trimmed.strip_prefix("http://"))
            .ok_or_else(|| format!("base URL {raw:?} must start with http:// or https://"))?;
        if rest.is_empty() || rest.contains(['/', '?', '#', ' ', '@']) {
            return Err(format!(
                "base URL {raw:?} must be an origin such as https://example.com, without a path"
            ));
        }
        Ok(BaseUrl(trimmed.to_ascii_lowercase()))
    }

    /// The base URL a listen address implies when none is given: loopback stays as it is, an
    /// unspecified address (`0.0.0.0`) becomes `localhost`.
    pub fn from_listen(addr: SocketAddr) -> BaseUrl {
        let host = if addr.ip().is_unspecified() {
            "localhost".to_string()
        } else if addr.is_ipv6() {
            format!("[{}]", addr.ip())
        } else {
            addr.ip().to_string()
        };
        BaseUrl(format!("http://{host}:{}", addr.port()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_https(&self) -> bool {
        self.0.starts_with("https://")
    }

    /// The host (and port, if any) part, used in the User-Agent and WebFinger.
    pub fn host(&self) -> &str {
        self.0.split_once("://").map(|(_, h)| h).unwrap_or(&self.0)
    }

    /// An absolute URL for a site path that starts with `/`.
    pub fn join(&self, path: &str) -> String {
        format!("{}{}", self.0, path)
    }
}

impl std::fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Let's Encrypt's ACME directory, where certificates come from unless told otherwise.
pub const LETS_ENCRYPT: &str = "https://acme-v02.api.letsencrypt.org/directory";
/// Let's Encrypt's staging directory, for trying a set-up without hitting rate limits.
pub const LETS_ENCRYPT_STAGING: &str = "https://acme-staging-v02.api.letsencrypt.org/directory";

/// Built-in HTTPS through ACME: serve HTTPS, and redirect plain HTTP to it.
#[derive(Clone, Debug)]
pub struct Acme {
    pub domain: String,
    pub email: String,
    /// The ACME server's directory URL.
    pub directory: String,
    /// An extra root the ACME client trusts, for a private or test CA (Pebble).
    pub ca_root: Option<PathBuf>,
    /// Where HTTPS is served.
    pub listen: SocketAddr,
    /// Where plain HTTP answers with a redirect to HTTPS; `None` serves no plain HTTP.
    pub redirect_listen: Option<SocketAddr>,
}

#[derive(Clone, Debug)]
pub struct Config {
    pub data_dir: PathBuf,
    pub base_url: BaseUrl,
    /// Lets outbound requests reach private, loopback and link-local addresses (tests, local peers).
    pub allow_private_network: bool,
    /// Trust `X-Forwarded-For` from a reverse proxy in front of Porch (for the visitor's address;
    /// the scheme and host always come from the base URL).
    pub trust_proxy: bool,
    /// Where books are looked up (Open Library's API, or a stand-in).
    pub books_lookup_url: String,
    /// Where book covers are fetched from (Open Library's cover store, or a stand-in).
    pub books_covers_url: String,
}

/// Open Library: its API and its cover store, the bookshelf's default sources.
pub const DEFAULT_BOOKS_LOOKUP_URL: &str = "https://openlibrary.org";
pub const DEFAULT_BOOKS_COVERS_URL: &str = "https://covers.openlibrary.org";

impl Config {
    pub fn db_path(&self) -> PathBuf {
        self.data_dir.join("porch.db")
    }

    pub fn media_dir(&self) -> PathBuf {
        media_dir(&self.data_dir)
    }

    /// Where request bodies and uploads wait while they are read (emptied at each start).
    pub fn tmp_dir(&self) -> PathBuf {
        tmp_dir(&self.data_dir)
    }

    /// Where files uploaded for import wait until a job has read them.
    pub fn imports_dir(&self) -> PathBuf {
        self.data_dir.join("imports")
    }

    /// Where archives of the site made from the panel wait to be downloaded (a day).
    pub fn exports_dir(&self) -> PathBuf {
        self.data_dir.join("exports")
    }

    /// Where the images of archived bookmarks are kept: private, served to the owner only.
    pub fn archive_dir(&self) -> PathBuf {
        self.data_dir.join("archive")
    }

    /// Where an owner's theme overrides live (templates/ and static/ inside it).
    pub fn theme_dir(&self) -> PathBuf {
        self.data_dir.join("theme")
    }
}

/// The temporary folder inside a data folder, on the same disk as the data (not /tmp, which may
/// be memory).
pub fn tmp_dir(data_dir: &std::path::Path) -> PathBuf {
    data_dir.join("tmp")
}

/// The media folder inside a data folder; `backup` and `restore` use it without a whole Config.
pub fn media_dir(data_dir: &std::path::Path) -> PathBuf {
    data_dir.join("media")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_keeps_an_origin_and_drops_the_trailing_slash() {
        let b = BaseUrl::parse("https://Example.com/").unwrap();
        assert_eq!(b.as_str(), "https://example.com");
        assert!(b.is_https());
        assert_eq!(b.host(), "example.com");
        assert_eq!(b.join("/feed.xml"), "https://example.com/feed.xml");
    }

    #[test]
    fn base_url_refuses_paths_and_other_schemes() {
        assert!(BaseUrl::parse("ftp://example.com").is_err());
        assert!(BaseUrl::parse("https://example.com/blog").is_err());
        assert!(BaseUrl::parse("https://").is_err());
    }

    #[test]
    fn base_url_from_an_unspecified_listen_address_is_localhost() {
        let b = BaseUrl::from_listen("0.0.0.0:8080".parse().unwrap());
        assert_eq!(b.as_str(), "http://localhost:8080");
        let b = BaseUrl::from_listen("127.0.0.1:9000".parse().unwrap());
        assert_eq!(b.as_str(), "http://127.0.0.1:9000");
    }
}
