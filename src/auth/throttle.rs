//! Slows down password guessing: after a few failures from one address, further attempts from it
//! are refused for a while, and the whole site has a ceiling too (for guessing spread over many
//! addresses).

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures one address may make in `WINDOW` before it must wait: enough for typos.
const PER_ADDRESS: usize = 5;
/// Failures from all addresses together in `WINDOW`, so that a botnet cannot guess freely.
const OVERALL: usize = 50;
const WINDOW: Duration = Duration::from_secs(15 * 60);

#[derive(Default)]
pub struct Throttle {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    by_address: HashMap<IpAddr, VecDeque<Instant>>,
    overall: VecDeque<Instant>,
}

fn prune(times: &mut VecDeque<Instant>, now: Instant) {
    while times
        .front()
        .is_some_and(|t| now.duration_since(*t) >= WINDOW)
    {
        times.pop_front();
    }
}

impl Throttle {
    /// How long this address must wait before trying again, if it must.
    pub fn wait_for(&self, ip: IpAddr) -> Option<Duration> {
        self.wait_at(ip, Instant::now())
    }

    fn wait_at(&self, ip: IpAddr, now: Instant) -> Option<Duration> {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        prune(&mut state.overall, now);
        let overall_wait = (state.overall.len() >= OVERALL)
            .then(|| {
                state
                    .overall
                    .front()
                    .map(|t| WINDOW - now.duration_since(*t))
            })
            .flatten();
        let times = state.by_address.entry(ip).or_default();
        prune(times, now);
        let address_wait = (times.len() >= PER_ADDRESS)
            .then(|| times.front().map(|t| WINDOW - now.duration_since(*t)))
            .flatten();
        if times.is_empty() {
            state.by_address.remove(&ip);
        }
        address_wait.max(overall_wait)
    }

    pub fn record_failure(&self, ip: IpAddr) {
        self.failure_at(ip, Instant::now());
    }

    fn failure_at(&self, ip: IpAddr, now: Instant) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.overall.push_back(now);
        state.by_address.entry(ip).or_default().push_back(now);
    }

    /// A successful login forgets that address's failures.
    pub fn record_success(&self, ip: IpAddr) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.by_address.remove(&ip);
    }
}

/// The address a request came from: the connection's peer, or, behind a reverse proxy that
/// Porch was told to trust, the last address the proxy appended to `X-Forwarded-For`.
pub fn client_ip(req: &poem::Request, trust_proxy: bool) -> IpAddr {
    let peer = req
        .remote_addr()
        .as_socket_addr()
        .map(|a| a.ip())
        .unwrap_or(IpAddr::from([0, 0, 0, 0]));
    if !trust_proxy {
        return peer;
    }
    req.headers()
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|s| s.trim().parse::<IpAddr>().ok())
        .next_back()
        .unwrap_or(peer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_waits_after_five_failures_and_others_do_not() {
        let t = Throttle::default();
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let start = Instant::now();
        for _ in 0..PER_ADDRESS {
            assert_eq!(t.wait_at(a, start), None);
            t.failure_at(a, start);
        }
        assert!(t.wait_at(a, start).is_some());
        assert_eq!(t.wait_at(b, start), None);
        assert_eq!(t.wait_at(a, start + WINDOW), None);
    }

    #[test]
    fn success_forgets_failures() {
        let t = Throttle::default();
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        for _ in 0..PER_ADDRESS {
            t.record_failure(a);
        }
        t.record_success(a);
        assert_eq!(t.wait_for(a), None);
    }
}
