//! Shared test fixtures: a mock metadata service and a provider pointed at it, both on one
//! manual clock. Nothing here ever talks to a non-loopback address.
#![allow(dead_code)] // each test binary uses a different part

use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use ecscred::{ManualClock, Provider, ProviderBuilder};
use ecscred_mock::{MockConfig, MockServer};

pub struct Fixture {
    pub mock: MockServer,
    pub clock: Arc<ManualClock>,
}

impl Fixture {
    pub fn new(config: MockConfig) -> Fixture {
        let mock = MockServer::start(config).expect("start the mock metadata service");
        let clock = Arc::new(ManualClock::new(mock.now()));
        Fixture { mock, clock }
    }

    /// Credentials of `lifetime` seconds, the next one issued `rotate_before` seconds
    /// before the current expires.
    pub fn rotating(lifetime: u64, rotate_before: u64) -> Fixture {
        Fixture::new(
            MockConfig::default()
                .with_lifetime(Duration::from_secs(lifetime))
                .with_rotate_before(Duration::from_secs(rotate_before)),
        )
    }

    pub fn default() -> Fixture {
        Fixture::new(MockConfig::default())
    }

    /// A provider builder for this mock and clock, with an empty environment.
    pub fn builder(&self) -> ProviderBuilder {
        Provider::builder()
            .endpoint(self.mock.url())
            .clock(self.clock.clone())
            .env(|_| None)
    }

    pub fn provider(&self) -> Provider {
        self.builder().build().expect("build provider")
    }

    /// Moves both clocks forward to `seconds` before `expiration` (a credential's).
    pub fn advance_to_before(&self, expiration: SystemTime, seconds: f64) {
        use ecscred::Clock;
        let target = expiration - Duration::from_secs_f64(seconds);
        let by = target
            .duration_since(self.clock.now())
            .expect("advance_to_before: that moment has passed");
        self.advance(by);
    }

    /// Moves the mock's clock and the provider's clock forward together.
    pub fn advance(&self, by: Duration) {
        self.mock.advance(by);
        self.clock.advance(by);
    }
}

/// A loopback port with nothing listening on it.
pub fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// Polls `condition` until it holds; panics after a generous liveness bound (this is not a
/// speed assertion: the bound only keeps a broken test from hanging).
pub fn eventually(what: &str, mut condition: impl FnMut() -> bool) {
    let start = Instant::now();
    while !condition() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "gave up waiting for: {what}"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}
