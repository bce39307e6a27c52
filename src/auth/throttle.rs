//! Slows down password guessing: each address gets a few attempts in a window; a successful
//! login gives them back. An IPv6 address counts by its /64 network: that is what one customer
//! of a provider is given, so an attacker holds a whole /64, not one address. Attempts are counted before the password is checked, in one step with
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
        let ip = network(ip);
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
        map.remove(&network(ip));
    }
}

/// What attempts are counted by: an IPv4 address as it is, an IPv6 address by its /64 (an
/// IPv4-mapped IPv6 address as the IPv4 address it is).
fn network(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6((u128::from(v6) & !((1u128 << 64) - 1)).into()),
        },
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
    fn an_ipv6_network_counts_as_one_address() {
        let t = Throttle::default();
        let start = Instant::now();
        for i in 0..PER_ADDRESS {
            let ip: IpAddr = format!("2001:db8:1:2::{i:x}").parse().unwrap();
            assert_eq!(t.attempt_at(ip, start), Ok(()));
        }
        let same_64: IpAddr = "2001:db8:1:2:ffff:ffff:ffff:ffff".parse().unwrap();
        assert!(t.attempt_at(same_64, start).is_err());
        let next_64: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(t.attempt_at(next_64, start), Ok(()));
        // A success anywhere in the /64 gives its attempts back.
        t.succeeded("2001:db8:1:2::99".parse().unwrap());
        assert_eq!(t.attempt_at(same_64, start), Ok(()));
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(network(mapped), "192.0.2.7".parse::<IpAddr>().unwrap());
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
