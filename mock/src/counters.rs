//! Counts of metadata requests (admin requests are not counted).

use std::sync::atomic::{AtomicU64, Ordering};

use hyper::Method;
use serde::Serialize;

use crate::faults::RequestKind;

/// A snapshot of the request counters.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counters {
    /// `PUT /latest/api/token` requests, whatever their answer.
    pub token_puts: u64,
    /// `GET /latest/meta-data/ram/security-credentials/` requests.
    pub role_gets: u64,
    /// `GET /latest/meta-data/ram/security-credentials/<anything>` requests.
    pub credential_gets: u64,
    /// Every metadata request (any path outside `/_mock/`, any method), faulted or not.
    pub requests: u64,
    /// The peak number of metadata requests being handled at once (a request is being
    /// handled from its arrival until its answer starts, including any `Delay` fault).
    pub max_concurrent: u64,
}

#[derive(Debug, Default)]
pub(crate) struct CounterSet {
    token_puts: AtomicU64,
    role_gets: AtomicU64,
    credential_gets: AtomicU64,
    requests: AtomicU64,
    max_concurrent: AtomicU64,
    in_flight: AtomicU64,
}

impl CounterSet {
    /// Counts a request; it stays in flight until the guard is dropped.
    pub(crate) fn begin(&self, kind: RequestKind, method: &Method) -> InFlight<'_> {
        let class = match kind {
            RequestKind::Token if method == Method::PUT => Some(&self.token_puts),
            RequestKind::Role if method == Method::GET => Some(&self.role_gets),
            RequestKind::Credential if method == Method::GET => Some(&self.credential_gets),
            _ => None,
        };
        if let Some(counter) = class {
            counter.fetch_add(1, Ordering::SeqCst);
        }
        self.requests.fetch_add(1, Ordering::SeqCst);
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_concurrent.fetch_max(now, Ordering::SeqCst);
        InFlight(self)
    }

    pub(crate) fn snapshot(&self) -> Counters {
        Counters {
            token_puts: self.token_puts.load(Ordering::SeqCst),
            role_gets: self.role_gets.load(Ordering::SeqCst),
            credential_gets: self.credential_gets.load(Ordering::SeqCst),
            requests: self.requests.load(Ordering::SeqCst),
            max_concurrent: self.max_concurrent.load(Ordering::SeqCst),
        }
    }

    /// Zeroes every counter; requests still in flight count towards the next peak.
    pub(crate) fn reset(&self) {
        for counter in [
            &self.token_puts,
            &self.role_gets,
            &self.credential_gets,
            &self.requests,
        ] {
            counter.store(0, Ordering::SeqCst);
        }
        self.max_concurrent
            .store(self.in_flight.load(Ordering::SeqCst), Ordering::SeqCst);
    }
}

/// A request in flight; dropping it ends the request.
pub(crate) struct InFlight<'a>(&'a CounterSet);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_classes_and_peak() {
        let set = CounterSet::default();
        let a = set.begin(RequestKind::Token, &Method::PUT);
        let b = set.begin(RequestKind::Credential, &Method::GET);
        drop(a);
        let c = set.begin(RequestKind::Role, &Method::GET);
        drop(set.begin(RequestKind::Token, &Method::GET));
        drop((b, c));
        assert_eq!(
            set.snapshot(),
            Counters {
                token_puts: 1,
                role_gets: 1,
                credential_gets: 1,
                requests: 4,
                max_concurrent: 3,
            }
        );
        let held = set.begin(RequestKind::Other, &Method::GET);
        set.reset();
        assert_eq!(
            set.snapshot(),
            Counters {
                max_concurrent: 1,
                ..Counters::default()
            }
        );
        drop(held);
    }
}
