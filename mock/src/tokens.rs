//! Hardened-mode session tokens.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use parking_lot::Mutex;

use crate::random::{Seed, ALNUM};

/// Live tokens and their expiry in mock time.
#[derive(Debug)]
pub(crate) struct Tokens {
    seed: Seed,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    serial: u64,
    expiry: HashMap<String, SystemTime>,
    /// Every token issued, in order, for leak scans.
    issued: Vec<String>,
}

/// Expired tokens are swept when more than this many are held.
const SWEEP_ABOVE: usize = 1024;

impl Tokens {
    pub(crate) fn new(seed: Seed) -> Self {
        Self {
            seed,
            inner: Mutex::default(),
        }
    }

    /// A new token (56 ASCII letters and digits, unique) valid until `now + ttl`.
    pub(crate) fn issue(&self, now: SystemTime, ttl: Duration) -> String {
        let mut inner = self.inner.lock();
        if inner.expiry.len() > SWEEP_ABOVE {
            inner.expiry.retain(|_, until| *until > now);
        }
        inner.serial += 1;
        let token = self.seed.text("metadata-token", inner.serial, ALNUM, 56);
        inner.expiry.insert(token.clone(), now + ttl);
        inner.issued.push(token.clone());
        token
    }

    /// Every token issued so far, in order, expired or not.
    pub(crate) fn issued(&self) -> Vec<String> {
        self.inner.lock().issued.clone()
    }

    /// Whether `token` was issued, is not past its TTL, and was not expired by hand.
    pub(crate) fn is_valid(&self, token: &str, now: SystemTime) -> bool {
        self.inner
            .lock()
            .expiry
            .get(token)
            .is_some_and(|until| *until > now)
    }

    /// Invalidates every token issued so far.
    pub(crate) fn expire_all(&self) {
        self.inner.lock().expiry.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_live_for_their_ttl_and_die_by_hand() {
        let tokens = Tokens::new(Seed::random());
        let t0 = SystemTime::now();
        let a = tokens.issue(t0, Duration::from_secs(10));
        let b = tokens.issue(t0, Duration::from_secs(20));
        assert_ne!(a, b);
        assert!(tokens.is_valid(&a, t0 + Duration::from_secs(9)));
        assert!(!tokens.is_valid(&a, t0 + Duration::from_secs(10)));
        assert!(tokens.is_valid(&b, t0 + Duration::from_secs(10)));
        assert!(!tokens.is_valid("forged", t0));
        tokens.expire_all();
        assert!(!tokens.is_valid(&b, t0));
        assert_eq!(tokens.issued(), vec![a, b.clone()]);
        assert!(tokens.is_valid(&tokens.issue(t0, Duration::from_secs(1)), t0));
    }
}
