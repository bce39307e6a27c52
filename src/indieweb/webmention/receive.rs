//! The endpoint (`POST /webmention`): check what can be checked at once — both URLs, the target
//! a published post or page of this site, the source not blocked, not on a private network and
//! not sending too often — then queue the verification and answer 202 (Webmention §3.2).
//! Refusals are `Failure`s, answered as plain text with the status, for the sender's logs.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use poem::http::{StatusCode, header};
use poem::web::Data;
use poem::{Body, Endpoint, EndpointExt, Request, Response, handler, post};
use url::Url;

use crate::app::App;
use crate::error::Failure;
use crate::forms;
use crate::jobs;
use crate::store::{self, blocks, posts};

use super::verify::VerifyWebmention;

/// A Webmention request is two URLs; anything much larger is not one.
const MAX_REQUEST_BYTES: usize = 16 * 1024;
/// Longest URL accepted for either: real ones are a hundred characters or so.
const MAX_URL_CHARS: usize = 2048;
/// Webmentions one source host may send in `WINDOW`. A busy post gets a few dozen from one
/// site at most (a bridge relaying likes); a flood beyond that is spam, and a sender that
/// means well tries again later, as the 429 and its Retry-After ask.
const PER_HOST: usize = 30;
const WINDOW: Duration = Duration::from_secs(3600);
/// Hosts remembered before stale ones are swept out, so the map cannot grow without end.
const SWEEP_AT: usize = 10_000;
/// How long the source's host name may take to resolve for the private-network check.
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(5);

/// The endpoint with its own rate limiter (one per running site).
pub fn endpoint() -> impl Endpoint {
    post(receive).data(Limiter::default())
}

#[handler]
async fn receive(
    Data(app): Data<&App>,
    Data(limiter): Data<&Limiter>,
    req: &Request,
    body: Body,
) -> Result<Response, Failure> {
    let content_type = req.header(header::CONTENT_TYPE).unwrap_or_default();
    if !content_type
        .to_ascii_lowercase()
        .starts_with("application/x-www-form-urlencoded")
    {
        return Err(Failure::bad_request(
            "send source and target form-encoded (application/x-www-form-urlencoded)",
        ));
    }
    let bytes = body
        .into_bytes_limit(MAX_REQUEST_BYTES)
        .await
        .map_err(|_| Failure::too_large("the request is too large"))?;
    let fields = forms::pairs(&bytes)?;
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_string())
    };
    let (source, target) = check_urls(
        field("source").as_deref(),
        field("target").as_deref(),
        &app.config.base_url.to_string(),
    )
    .map_err(Failure::bad_request)?;
    let path = target.path().to_string();
    let source_text = source.to_string();
    let (post, blocked) = app
        .db
        .read(move |c| {
            let post = posts::by_path(c, &path)?
                .filter(|p| p.status == posts::Status::Published)
                .map(|p| p.id);
            Ok((post, blocks::is_blocked(c, &source_text)?))
        })
        .await?;
    if post.is_none() {
        return Err(Failure::bad_request(
            "target is not a post or page published here",
        ));
    }
    if blocked {
        return Err(Failure::forbidden("the source's site is blocked"));
    }
    // Counted per site, before any lookup: all the subdomains of one domain share a budget.
    let host = source.host_str().unwrap_or_default().to_ascii_lowercase();
    if let Err(wait) = limiter.attempt(&site_of(&host), Instant::now()) {
        return Ok(Response::builder()
            .status(StatusCode::TOO_MANY_REQUESTS)
            .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
            .header(header::RETRY_AFTER, wait.as_secs().max(1).to_string())
            .body("too many Webmentions from this source's site; try again later\n"));
    }
    if !app.config.allow_private_network && !is_public_host(&source).await {
        return Err(Failure::bad_request(
            "source must be a public web address (it resolves to a private network, or not at all)",
        ));
    }
    let job = VerifyWebmention {
        source: source.to_string(),
        target: target.to_string(),
    };
    app.db
        .write(move |tx| {
            // The same mention sent again before it was checked is checked once.
            jobs::cancel(tx, &job)?;
            jobs::enqueue(tx, &job, store::now())
        })
        .await?;
    // No Location: a 202 points nowhere (webmention.rocks receiver test 1).
    Ok(Response::builder()
        .status(StatusCode::ACCEPTED)
        .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
        .body("accepted: the source will be checked shortly\n"))
}

/// The synchronous checks of Webmention §3.2.1 on the two fields: both present, absolute
/// http(s) URLs, different, and the target on this site (`base`). The target loses its
/// fragment, which names a place in the page, not another page.
pub fn check_urls(
    source: Option<&str>,
    target: Option<&str>,
    base: &str,
) -> Result<(Url, Url), &'static str> {
    let source = source
        .filter(|s| !s.is_empty())
        .ok_or("source is missing")?;
    let target = target
        .filter(|s| !s.is_empty())
        .ok_or("target is missing")?;
    let web_url = |raw: &str| {
        Url::parse(raw).ok().filter(|u| {
            raw.len() <= MAX_URL_CHARS
                && matches!(u.scheme(), "http" | "https")
                && u.host_str().is_some_and(|h| !h.is_empty())
        })
    };
    let source = web_url(source).ok_or("source must be an http(s) URL")?;
    let mut target = web_url(target).ok_or("target must be an http(s) URL")?;
    if source == target {
        return Err("source and target must be different");
    }
    let ours = Url::parse(base).map(|b| b.origin()).ok();
    if ours != Some(target.origin()) {
        return Err("target is not on this site");
    }
    target.set_fragment(None);
    Ok((source, target))
}

/// Whether every address the source's host resolves to is public (a literal address is
/// checked as it is). The verification job's fetch is guarded again, address by address; this
/// refuses the obvious cases at once so that nothing is queued for them.
async fn is_public_host(url: &Url) -> bool {
    let Some(host) = url.host() else {
        return false;
    };
    let port = url.port_or_known_default().unwrap_or(80);
    let addrs: Vec<IpAddr> = match host {
        url::Host::Ipv4(ip) => vec![ip.into()],
        url::Host::Ipv6(ip) => vec![ip.into()],
        url::Host::Domain(name) => {
            let lookup = tokio::net::lookup_host((name.to_string(), port));
            match tokio::time::timeout(RESOLVE_TIMEOUT, lookup).await {
                Ok(Ok(found)) => found.map(|a| a.ip()).collect(),
                _ => Vec::new(),
            }
        }
    };
    !addrs.is_empty() && addrs.into_iter().all(crate::net::is_public)
}

/// Webmentions per source host in a sliding window, kept in memory: a restart forgets it,
/// which costs a spammer one more window at most.
#[derive(Clone, Default)]
pub struct Limiter {
    by_host: Arc<Mutex<HashMap<String, VecDeque<Instant>>>>,
}

impl Limiter {
    /// Counts one Webmention from `host`, or says how long that host must wait.
    fn attempt(&self, host: &str, now: Instant) -> Result<(), Duration> {
        let mut map = self.by_host.lock().unwrap_or_else(|p| p.into_inner());
        let prune = |times: &mut VecDeque<Instant>| {
            while times
                .front()
                .is_some_and(|t| now.duration_since(*t) >= WINDOW)
            {
                times.pop_front();
            }
        };
        if map.len() >= SWEEP_AT {
            map.retain(|_, times| {
                prune(times);
                !times.is_empty()
            });
        }
        let times = map.entry(host.to_string()).or_default();
        prune(times);
        if times.len() >= PER_HOST {
            let oldest = times.front().copied().unwrap_or(now);
            return Err(WINDOW.saturating_sub(now.duration_since(oldest)));
        }
        times.push_back(now);
        Ok(())
    }
}

/// The site a host belongs to, for rate limits: an address as it is, a name by its last two
/// labels (`a.spam.example` and `b.spam.example` are one site). Without the public suffix list
/// `co.uk` names share a budget; that errs on the side of fewer Webmentions.
fn site_of(host: &str) -> String {
    if host.parse::<std::net::IpAddr>().is_ok() || host.starts_with('[') {
        return host.to_string();
    }
    let labels: Vec<&str> = host.trim_end_matches('.').rsplit('.').take(2).collect();
    labels.into_iter().rev().collect::<Vec<_>>().join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "https://blog.example";

    fn check(source: Option<&str>, target: Option<&str>) -> Result<(String, String), &'static str> {
        check_urls(source, target, BASE).map(|(s, t)| (s.to_string(), t.to_string()))
    }

    #[test]
    fn accepts_two_web_urls_with_the_target_here() {
        assert_eq!(
            check(
                Some("https://other.example/reply"),
                Some("https://blog.example/2024/01/02/hi.html#comments")
            ),
            Ok((
                "https://other.example/reply".into(),
                "https://blog.example/2024/01/02/hi.html".into()
            ))
        );
    }

    #[test]
    fn refuses_what_the_receiver_tests_send() {
        let post = Some("https://blog.example/2024/01/02/hi.html");
        // webmention.rocks receiver test 2: non-URLs, one at a time and both.
        assert!(check(Some("jwoijgoisdjlskjegisvjowuehjtkx"), post).is_err());
        assert!(
            check(
                Some("https://other.example/"),
                Some("owiejduvyeiwljjjcjmvbpsouehgd")
            )
            .is_err()
        );
        assert!(
            check(
                Some("sjuhvhwieuhtiwudcjvhuh"),
                Some("owiejduvyeiwljjjcjmvbpsouehgd")
            )
            .is_err()
        );
        assert_eq!(check(None, post), Err("source is missing"));
        assert_eq!(check(Some(""), post), Err("source is missing"));
        assert_eq!(
            check(Some("https://o.example/"), None),
            Err("target is missing")
        );
        assert_eq!(
            check(Some("ftp://o.example/x"), post),
            Err("source must be an http(s) URL")
        );
        assert_eq!(
            check(Some("https://o.example/x"), Some("javascript:alert(1)")),
            Err("target must be an http(s) URL")
        );
        assert_eq!(
            check(post, post),
            Err("source and target must be different")
        );
        assert_eq!(
            check(
                Some("https://o.example/x"),
                Some("https://elsewhere.example/post")
            ),
            Err("target is not on this site")
        );
        assert_eq!(
            check(
                Some("https://o.example/x"),
                Some("http://blog.example/post")
            ),
            Err("target is not on this site")
        );
    }

    #[test]
    fn a_host_waits_after_its_share_and_others_do_not() {
        let limiter = Limiter::default();
        let start = Instant::now();
        for _ in 0..PER_HOST {
            assert_eq!(limiter.attempt("a.example", start), Ok(()));
        }
        assert!(limiter.attempt("a.example", start).is_err());
        assert_eq!(limiter.attempt("b.example", start), Ok(()));
        assert_eq!(limiter.attempt("a.example", start + WINDOW), Ok(()));
    }

    #[test]
    fn subdomains_share_their_sites_budget() {
        assert_eq!(site_of("a.spam.example"), "spam.example");
        assert_eq!(site_of("b.c.spam.example"), "spam.example");
        assert_eq!(site_of("example.org"), "example.org");
        assert_eq!(site_of("127.0.0.1"), "127.0.0.1");
        assert_eq!(site_of("[::1]"), "[::1]");
    }
}
