//! Wall-clock time, injectable so that timing logic is tested without sleeping.

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::sync::watch;

/// A future that completes at a moment of a [`Clock`].
pub type Sleep = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// A source of wall-clock time (UTC). Credential expirations are wall-clock instants, so
/// refresh decisions use this clock; network timeouts use the runtime's monotonic time.
///
/// Implementations must be cheap (the warm path calls `now` once per call) and thread-safe.
pub trait Clock: Send + Sync + 'static {
    /// The current time.
    fn now(&self) -> SystemTime;

    /// The current time in milliseconds since the Unix epoch, for the warm path. May lag
    /// [`now`](Clock::now) by a few milliseconds (a coarse clock); the warm path keeps a
    /// margin for that before expiry.
    fn now_unix_millis(&self) -> u64 {
        unix_millis(self.now())
    }

    /// Completes once this clock reaches `deadline`. Runs on the refresh thread's Tokio
    /// runtime. The default sleeps in real time for the span from `now()` to `deadline`.
    fn sleep_until(&self, deadline: SystemTime) -> Sleep {
        let span = deadline.duration_since(self.now()).unwrap_or_default();
        Box::pin(tokio::time::sleep(span))
    }
}

/// How far [`Clock::now_unix_millis`] may lag behind [`Clock::now`].
pub(crate) const COARSE_LAG_MS: u64 = 20;

/// The system's real-time clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }

    /// `CLOCK_REALTIME_COARSE` on Linux: about 3 ns instead of 20 ns per read, at the
    /// resolution of the kernel tick (at most a few ms, below [`COARSE_LAG_MS`]).
    #[cfg(target_os = "linux")]
    fn now_unix_millis(&self) -> u64 {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `ts` is a valid, writable timespec.
        if unsafe { libc::clock_gettime(libc::CLOCK_REALTIME_COARSE, &mut ts) } != 0 {
            return unix_millis(self.now());
        }
        (ts.tv_sec as u64) * 1000 + (ts.tv_nsec as u64) / 1_000_000
    }
}

/// A clock that moves only when told to: for tests of refresh timing. Its
/// [`sleep_until`](Clock::sleep_until) completes when [`advance`](ManualClock::advance)
/// or [`set`](ManualClock::set) moves it to or past the deadline.
///
/// It counts nanoseconds since the Unix epoch in 64 bits, so it stands between 1970 and
/// 2554 ([`ManualClock::can_stand_at`]); earlier or later instants saturate at those ends.
#[derive(Debug)]
pub struct ManualClock {
    /// Nanoseconds since the Unix epoch; sleepers watch it.
    unix_nanos: watch::Sender<u64>,
}

impl ManualClock {
    /// A clock standing at `start`.
    pub fn new(start: SystemTime) -> ManualClock {
        ManualClock {
            unix_nanos: watch::Sender::new(to_nanos(start)),
        }
    }

    /// Moves the clock forward by `by` (saturating at the clock's end, in 2554).
    pub fn advance(&self, by: Duration) {
        let by = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
        self.unix_nanos.send_modify(|t| *t = t.saturating_add(by));
    }

    /// Sets the clock to `to`.
    pub fn set(&self, to: SystemTime) {
        self.unix_nanos.send_replace(to_nanos(to));
    }

    /// Whether the clock can stand at `t` exactly (1970 to 2554), for callers that must
    /// refuse other instants rather than saturate.
    pub fn can_stand_at(t: SystemTime) -> bool {
        t.duration_since(UNIX_EPOCH)
            .is_ok_and(|d| u64::try_from(d.as_nanos()).is_ok())
    }

    /// How many sleeps (timers of [`sleep_until`](Clock::sleep_until)) wait on this clock
    /// now: tests check that dropped providers leave no timer behind.
    pub fn pending_sleeps(&self) -> usize {
        self.unix_nanos.receiver_count()
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_nanos(*self.unix_nanos.borrow())
    }

    fn sleep_until(&self, deadline: SystemTime) -> Sleep {
        let mut time = self.unix_nanos.subscribe();
        let deadline = to_nanos(deadline);
        Box::pin(async move {
            // Ends when the clock reaches the deadline, or when the clock is dropped.
            while *time.borrow_and_update() < deadline {
                if time.changed().await.is_err() {
                    return;
                }
            }
        })
    }
}

fn to_nanos(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// Milliseconds since the Unix epoch, saturating at 0 for earlier times.
pub(crate) fn unix_millis(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}
