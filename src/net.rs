//! The one outbound HTTP client. Everything Porch fetches from another server goes through it, so
//! that every fetch has timeouts, a size cap, a redirect limit, an honest User-Agent, and the
//! guard that keeps a URL someone else chose from reaching this machine's private network.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use ureq::ResponseExt;
use ureq::config::Config as UreqConfig;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};

use crate::config::Config;

/// A peer that has not connected in this long is down or hostile.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Whole request, body included: long enough for a slow server sending a large page.
const TOTAL_TIMEOUT: Duration = Duration::from_secs(30);
/// Redirects followed before giving up; every hop passes the address guard again.
const MAX_REDIRECTS: u32 = 5;
/// The largest body read by default; callers that expect images may ask for more.
pub const DEFAULT_MAX_BYTES: u64 = 2 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum NetError {
    #[error("{0} is not a valid http(s) URL")]
    BadUrl(String),
    #[error("refused to connect to a private, loopback or link-local address")]
    PrivateAddress,
    #[error("the response is larger than {0} bytes")]
    TooLarge(u64),
    #[error("the request timed out")]
    Timeout,
    #[error("{0}")]
    Other(String),
}

/// A response read whole.
#[derive(Debug)]
pub struct Fetched {
    /// The URL the response came from, after redirects: relative links in it resolve there.
    pub url: String,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Fetched {
    /// The media type of the body, lowercased and without parameters (`image/png`), or "".
    pub fn media_type(&self) -> String {
        self.header("content-type")
            .unwrap_or_default()
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase()
    }

    /// How long the server asked to be left alone (`Retry-After`, in seconds or as an HTTP
    /// date), counted from `now`; None when it did not say, or said nonsense.
    pub fn retry_after(&self, now: i64) -> Option<Duration> {
        let value = self.header("retry-after")?.trim();
        let secs = match value.parse::<u64>() {
            Ok(secs) => secs,
            Err(_) => {
                let at = chrono::DateTime::parse_from_rfc2822(value)
                    .ok()?
                    .timestamp();
                u64::try_from(at.saturating_sub(now)).ok()?
            }
        };
        Some(Duration::from_secs(secs))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Clone)]
pub struct HttpClient {
    agent: ureq::Agent,
}

impl HttpClient {
    pub fn new(config: &Config) -> anyhow::Result<HttpClient> {
        Ok(HttpClient::for_site(
            config.base_url.as_str(),
            config.allow_private_network,
        ))
    }

    /// The client of the site at `base_url` (named in the User-Agent), for a command that runs
    /// without the server's configuration (`porch import`).
    pub fn for_site(base_url: &str, allow_private: bool) -> HttpClient {
        let user_agent = format!("Porch/{} (+{base_url})", env!("CARGO_PKG_VERSION"));
        let ureq_config = UreqConfig::builder()
            .timeout_connect(Some(CONNECT_TIMEOUT))
            .timeout_global(Some(TOTAL_TIMEOUT))
            .max_redirects(MAX_REDIRECTS)
            .user_agent(user_agent)
            .http_status_as_error(false)
            // A proxy from the environment would be resolved instead of the real host, and the
            // guard would then check the wrong address.
            .proxy(None)
            .build();
        let resolver = GuardedResolver {
            inner: DefaultResolver::default(),
            allow_private,
        };
        HttpClient {
            agent: ureq::Agent::with_parts(ureq_config, DefaultConnector::default(), resolver),
        }
    }

    /// GETs a URL (blocking: call it from a job or `spawn_blocking`) and reads at most
    /// `max_bytes` of the body.
    pub fn get(&self, url: &str, accept: &str, max_bytes: u64) -> Result<Fetched, NetError> {
        self.get_with(url, &[("Accept", accept.to_string())], max_bytes)
    }

    /// GETs a URL with extra headers (a signature, for servers that want signed fetches).
    pub fn get_with(
        &self,
        url: &str,
        headers: &[(&str, String)],
        max_bytes: u64,
    ) -> Result<Fetched, NetError> {
        self.get_within(url, headers, max_bytes, TOTAL_TIMEOUT)
    }

    /// `get_with` with a shorter whole-request timeout, for a fetch someone waits on.
    fn get_within(
        &self,
        url: &str,
        headers: &[(&str, String)],
        max_bytes: u64,
        timeout: Duration,
    ) -> Result<Fetched, NetError> {
        check_url(url)?;
        let mut request = self
            .agent
            .get(url)
            .config()
            .timeout_global(Some(timeout.min(TOTAL_TIMEOUT)))
            .build();
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        read(request.call().map_err(net_error)?, max_bytes)
    }

    /// `get`, awaited: the request runs off the async threads (ureq blocks), so that handlers
    /// and jobs need not cross threads themselves.
    pub async fn fetch(
        &self,
        url: &str,
        accept: &str,
        max_bytes: u64,
    ) -> Result<Fetched, NetError> {
        let (client, url, accept) = (self.clone(), url.to_string(), accept.to_string());
        tokio::task::spawn_blocking(move || client.get(&url, &accept, max_bytes))
            .await
            .map_err(|e| NetError::Other(format!("the request task failed: {e}")))?
    }

    /// `fetch`, giving up after `timeout`: for lookups the owner waits on in the panel.
    pub async fn fetch_within(
        &self,
        url: &str,
        accept: &str,
        max_bytes: u64,
        timeout: Duration,
    ) -> Result<Fetched, NetError> {
        let (client, url) = (self.clone(), url.to_string());
        let headers = [("Accept", accept.to_string())];
        tokio::task::spawn_blocking(move || client.get_within(&url, &headers, max_bytes, timeout))
            .await
            .map_err(|e| NetError::Other(format!("the request task failed: {e}")))?
    }

    /// `post`, awaited.
    pub async fn send(
        &self,
        url: &str,
        headers: Vec<(&'static str, String)>,
        body: Vec<u8>,
        max_bytes: u64,
    ) -> Result<Fetched, NetError> {
        let (client, url) = (self.clone(), url.to_string());
        tokio::task::spawn_blocking(move || client.post(&url, &headers, &body, max_bytes))
            .await
            .map_err(|e| NetError::Other(format!("the request task failed: {e}")))?
    }

    /// POSTs a body (blocking). Redirects are not followed: a signed POST is valid only for the
    /// URL it was signed for, and a redirected POST would arrive as a GET.
    pub fn post(
        &self,
        url: &str,
        headers: &[(&str, String)],
        body: &[u8],
        max_bytes: u64,
    ) -> Result<Fetched, NetError> {
        check_url(url)?;
        let mut request = self.agent.post(url).config().max_redirects(0).build();
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        read(request.send(body).map_err(net_error)?, max_bytes)
    }
}

fn check_url(url: &str) -> Result<(), NetError> {
    let uri: Uri = url.parse().map_err(|_| NetError::BadUrl(url.into()))?;
    match (uri.scheme_str(), uri.host()) {
        (Some("http" | "https"), Some(host)) if !host.is_empty() => Ok(()),
        _ => Err(NetError::BadUrl(url.into())),
    }
}

fn read(
    mut response: ureq::http::Response<ureq::Body>,
    max_bytes: u64,
) -> Result<Fetched, NetError> {
    let url = response.get_uri().to_string();
    let status = response.status().as_u16();
    let headers: Vec<(String, String)> = response
        .headers()
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
        .collect();
    let body = response
        .body_mut()
        .with_config()
        .limit(max_bytes)
        .read_to_vec()
        .map_err(|e| match e {
            ureq::Error::BodyExceedsLimit(_) => NetError::TooLarge(max_bytes),
            other => net_error(other),
        })?;
    Ok(Fetched {
        url,
        status,
        headers,
        body,
    })
}

fn net_error(e: ureq::Error) -> NetError {
    match e {
        ureq::Error::Io(io) if io.kind() == io::ErrorKind::PermissionDenied => {
            NetError::PrivateAddress
        }
        ureq::Error::Timeout(_) => NetError::Timeout,
        ureq::Error::BodyExceedsLimit(n) => NetError::TooLarge(n),
        other => NetError::Other(other.to_string()),
    }
}

/// Resolves names as usual, then drops every address the guard refuses. It runs for each
/// connection, redirects included, and checks the addresses actually connected to, so neither a
/// redirect nor DNS that answers differently the second time gets past it.
#[derive(Debug)]
struct GuardedResolver {
    inner: DefaultResolver,
    allow_private: bool,
}

impl Resolver for GuardedResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &UreqConfig,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let resolved = self.inner.resolve(uri, config, timeout)?;
        if self.allow_private {
            return Ok(resolved);
        }
        let mut allowed = self.empty();
        for addr in resolved.iter().filter(|a| is_public(a.ip())) {
            allowed.push(*addr);
        }
        if allowed.is_empty() {
            return Err(ureq::Error::Io(io::Error::new(
                io::ErrorKind::PermissionDenied,
                "address not allowed",
            )));
        }
        Ok(allowed)
    }
}

/// Whether an address is on the public internet: not loopback, private, link-local, shared
/// (carrier-grade NAT), unspecified, broadcast, multicast or documentation space.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // shared address space (carrier-grade NAT)
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let seg = ip.segments();
    // Addresses that carry an IPv4 address inside: what they reach is that IPv4 address.
    let embedded = match seg {
        [0x64, 0xff9b, 0, 0, 0, 0, ..] => Some(Ipv4Addr::new(
            (seg[6] >> 8) as u8,
            seg[6] as u8,
            (seg[7] >> 8) as u8,
            seg[7] as u8,
        )), // NAT64
        [0x2002, ..] => Some(Ipv4Addr::new(
            (seg[1] >> 8) as u8,
            seg[1] as u8,
            (seg[2] >> 8) as u8,
            seg[2] as u8,
        )), // 6to4
        _ => ip.to_ipv4(),
    };
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (seg[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
        || (seg[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
        || (seg[0] & 0xffc0) == 0xfec0 // site-local fec0::/10 (deprecated, still routed inside)
        || (seg[0] == 0x2001 && seg[1] == 0x0db8) // documentation
        || (seg[0] == 0x2001 && seg[1] == 0) // Teredo: the IPv4 inside is obfuscated, refuse all
        // Local-use NAT64 (RFC 8215): a translator inside this network, to any IPv4 behind it.
        || (seg[0] == 0x64 && seg[1] == 0xff9b && seg[2] == 1)
        || embedded.is_some_and(|v4| !is_public_v4(v4)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_is_seconds_or_a_date() {
        let answer = |value: &str| Fetched {
            url: String::new(),
            status: 429,
            headers: vec![("Retry-After".into(), value.into())],
            body: Vec::new(),
        };
        // 2015-10-21T07:28:00Z, and the same minus an hour.
        let date = "Wed, 21 Oct 2015 07:28:00 GMT";
        let now = 1_445_412_480 - 3600;
        assert_eq!(
            answer(" 120 ").retry_after(now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            answer(date).retry_after(now),
            Some(Duration::from_secs(3600))
        );
        assert_eq!(answer(date).retry_after(now + 7200), None, "a date past");
        assert_eq!(answer("soon").retry_after(now), None);
        assert_eq!(answer("-5").retry_after(now), None);
    }

    #[test]
    fn private_and_special_addresses_are_not_public() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::7f00:1",
            "2002:7f00:1::1",
            "2002:a00:1::1",
            "2001:0:4136:e378::1",
            "fec0::1",
            "198.18.0.1",
            "192.0.0.8",
            "64:ff9b:1::5db8:d822",
            "64:ff9b:1:ffff::1",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip} should be refused");
        }
    }

    #[test]
    fn ordinary_addresses_are_public() {
        for ip in [
            "93.184.216.34",
            "1.1.1.1",
            "2606:4700:4700::1111",
            "64:ff9b::5db8:d822",
            "2002:5db8:d822::1",
        ] {
            assert!(is_public(ip.parse().unwrap()), "{ip} should be allowed");
        }
    }

    #[test]
    fn only_http_urls_are_fetched() {
        assert!(check_url("https://example.com/a").is_ok());
        assert!(check_url("file:///etc/passwd").is_err());
        assert!(check_url("gopher://example.com").is_err());
        assert!(check_url("not a url").is_err());
    }
}
