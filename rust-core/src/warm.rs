//! The warm-path deadline handed to bindings that keep a snapshot of their own (the Go
//! package, the C library's per-thread cache), so that they ask the engine again only when
//! it could answer differently.
//!
//! The contract, which every change to the cache and its refresh state keeps:
//!
//! - [`Provider::warm_credential`](crate::Provider::warm_credential) returns `Some(w)`
//!   exactly when [`Provider::cached_credential`](crate::Provider::cached_credential)
//!   would return `Some`, with the same credential.
//! - `w.until_unix_ms()` is the engine's own warm-path deadline: as long as [`epoch`]
//!   still equals `w.epoch()`, `cached_credential()` returns this same credential at every
//!   instant at which the provider's warm-path clock ([`Clock::now_unix_millis`]) reads
//!   less than it. It is never later than the credential's expiration less the coarse
//!   clock's lag.
//! - The epoch changes (after the change is stored, with release ordering) whenever
//!   anything that the warm-path condition reads changes value: the cached credential,
//!   the hold of the refresh state; and in every forked child. A reader loads the epoch
//!   (acquire) before the state it computes a deadline from, so a deadline computed from
//!   a state that has since changed always comes with an epoch that has changed too.
//!
//! The epoch is process-wide (one for every provider): it changes a few times per refresh,
//! and a change only sends a binding to the engine once more.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::clock::Clock;
use crate::credential::Credential;

static EPOCH: AtomicU64 = AtomicU64::new(0);

/// The warm epoch: changes whenever a deadline handed out by
/// [`Provider::warm_credential`](crate::Provider::warm_credential) may no longer hold (see
/// the module's contract). Lives for the whole process, so bindings may keep its address
/// and load it (acquire) from any thread without calling into the engine.
pub fn epoch() -> &'static AtomicU64 {
    &EPOCH
}

/// Marks every deadline handed out so far as stale. Async-signal-safe (one atomic add):
/// the fork handler calls it in the child.
pub(crate) fn invalidate() {
    EPOCH.fetch_add(1, Ordering::Release);
}

pub(crate) fn current() -> u64 {
    EPOCH.load(Ordering::Acquire)
}

/// A cached credential with the instant until which the engine's warm path serves it; from
/// [`Provider::warm_credential`](crate::Provider::warm_credential).
#[derive(Clone)]
pub struct WarmCredential {
    pub(crate) credential: Arc<Credential>,
    pub(crate) until_unix_ms: u64,
    pub(crate) epoch: u64,
    pub(crate) clock: Arc<dyn Clock>,
}

impl WarmCredential {
    /// The credential.
    pub fn credential(&self) -> &Arc<Credential> {
        &self.credential
    }

    /// The engine's warm-path deadline, in milliseconds since the Unix epoch on the
    /// provider's clock: this credential may be served without asking the engine while
    /// that clock's [`Clock::now_unix_millis`] is below it and [`epoch`] still equals
    /// [`WarmCredential::epoch`].
    pub fn until_unix_ms(&self) -> u64 {
        self.until_unix_ms
    }

    /// The value of [`epoch`] read before the deadline was computed.
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// `true` while the engine's warm path would still return this credential: the epoch
    /// has not changed and the provider's warm-path clock is before the deadline. Never
    /// blocks; one atomic load and one coarse clock read.
    #[inline]
    pub fn is_warm(&self) -> bool {
        current() == self.epoch && self.clock.now_unix_millis() < self.until_unix_ms
    }
}

impl std::fmt::Debug for WarmCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WarmCredential")
            .field("credential", &self.credential)
            .field("until_unix_ms", &self.until_unix_ms)
            .field("epoch", &self.epoch)
            .finish_non_exhaustive()
    }
}
