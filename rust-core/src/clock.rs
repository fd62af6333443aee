//! Wall-clock time, injectable so that timing logic is tested without sleeping.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A source of wall-clock time (UTC). Credential expirations are wall-clock instants, so
/// refresh decisions use this clock; network timeouts use the runtime's monotonic time.
///
/// Implementations must be cheap (the warm path calls `now` once per call) and thread-safe.
pub trait Clock: Send + Sync + 'static {
    /// The current time.
    fn now(&self) -> SystemTime;
}

/// The system's real-time clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock that moves only when told to: for tests of refresh timing.
#[derive(Debug)]
pub struct ManualClock {
    unix_nanos: AtomicU64,
}

impl ManualClock {
    /// A clock standing at `start`.
    pub fn new(start: SystemTime) -> ManualClock {
        ManualClock {
            unix_nanos: AtomicU64::new(to_nanos(start)),
        }
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        self.unix_nanos
            .fetch_add(by.as_nanos() as u64, Ordering::SeqCst);
    }

    /// Sets the clock to `to`.
    pub fn set(&self, to: SystemTime) {
        self.unix_nanos.store(to_nanos(to), Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_nanos(self.unix_nanos.load(Ordering::SeqCst))
    }
}

fn to_nanos(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

/// Milliseconds since the Unix epoch, saturating at 0 for earlier times.
pub(crate) fn unix_millis(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}
