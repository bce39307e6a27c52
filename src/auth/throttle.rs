//! Slows down password guessing: each address gets a few attempts in a window; a successful
//! login gives them back. Attempts are counted before the password is checked, in one step with
//! the check of the limit, so guesses sent in parallel cannot slip past it.
//!
//! There is deliberately no site-wide limit: it would let anyone lock the owner out. Guessing
//! from many addresses at once is bounded instead by the password gate (see `password::Gate`),
//! which lets only a couple of argon2 checks run at a time.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Attempts one address may make in `WINDOW` without a success: enough for typos.
const PER_ADDRESS: usize = 5;
const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Addresses remembered before stale ones are swept out, so the map cannot grow without end.
const SWEEP_AT: usize = 10_000;

#[derive(Default)]
pub struct Throttle {
    by_address: Mutex<HashMap<IpAddr, VecDeque<Instant>>>,
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
    /// Counts an attempt from `ip`, or says how long it must wait if it has used its attempts.
    pub fn attempt(&self, ip: IpAddr) -> Result<(), Duration> {
        self.attempt_at(ip, Instant::now())
    }

    fn attempt_at(&self, ip: IpAddr, now: Instant) -> Result<(), Duration> {
        let mut map = self.by_address.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= SWEEP_AT {
            map.retain(|_, times| {
                prune(times, now);
                !times.is_empty()
            });
        }
        let times = map.entry(ip).or_default();
        prune(times, now);
        if times.len() >= PER_ADDRESS {
            let oldest = times.front().copied().unwrap_or(now);
            return Err(WINDOW.saturating_sub(now.duration_since(oldest)));
        }
        times.push_back(now);
        Ok(())
    }

    /// The right password was given: that address's attempts are forgotten.
    pub fn succeeded(&self, ip: IpAddr) {
        let mut map = self.by_address.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(&ip);
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
    fn an_address_waits_after_five_attempts_and_others_do_not() {
        let t = Throttle::default();
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let start = Instant::now();
        for _ in 0..PER_ADDRESS {
            assert_eq!(t.attempt_at(a, start), Ok(()));
        }
        assert!(t.attempt_at(a, start).is_err());
        assert_eq!(t.attempt_at(b, start), Ok(()));
        assert_eq!(t.attempt_at(a, start + WINDOW), Ok(()));
    }

    #[test]
    fn success_gives_the_attempts_back() {
        let t = Throttle::default();
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        for _ in 0..PER_ADDRESS {
            t.attempt(a).unwrap();
        }
        t.succeeded(a);
        assert_eq!(t.attempt(a), Ok(()));
    }

    #[test]
    fn stale_addresses_are_swept_out() {
        let t = Throttle::default();
        let start = Instant::now();
        for i in 0..SWEEP_AT as u32 {
            t.attempt_at(IpAddr::from(i.to_be_bytes()), start).unwrap();
        }
        t.attempt_at("192.0.2.9".parse().unwrap(), start + WINDOW)
            .unwrap();
        assert_eq!(t.by_address.lock().unwrap().len(), 1);
    }
}
