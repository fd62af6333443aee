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

/// A mock STS and a token file, with a provider of the OIDC source pointed at both on one
/// manual clock.
pub struct OidcFixture {
    pub sts: ecscred_mock::MockSts,
    pub clock: Arc<ManualClock>,
    pub dir: std::path::PathBuf,
    pub token_file: std::path::PathBuf,
}

/// The token the fixture's STS accepts at first: long, like a projected service-account
/// token, so that a leak of any part of it is found.
pub const OIDC_TOKEN: &str = "eyJhbGciOiJSUzI1NiIsImtpZCI6Im1vY2sifQ.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6ZGVmYXVsdDplY3NjcmVkIn0.c2lnbmF0dXJlLW9mLXRoZS1tb2NrLXRva2VuLTAxMjM0NTY3ODk";

impl OidcFixture {
    pub fn new(config: ecscred_mock::StsConfig) -> OidcFixture {
        use std::sync::atomic::{AtomicU32, Ordering};
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let sts = ecscred_mock::MockSts::start(config).expect("start the mock STS");
        let clock = Arc::new(ManualClock::new(sts.now()));
        let dir = std::env::temp_dir().join(format!(
            "ecscred-oidc-test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let token_file = dir.join("token");
        std::fs::write(&token_file, format!("{OIDC_TOKEN}\n")).unwrap();
        OidcFixture {
            sts,
            clock,
            dir,
            token_file,
        }
    }

    pub fn default() -> OidcFixture {
        OidcFixture::new(ecscred_mock::StsConfig::new(OIDC_TOKEN))
    }

    /// An OIDC provider builder for this STS (its CA trusted), token file and clock, with
    /// an empty environment.
    pub fn builder(&self) -> ProviderBuilder {
        self.untrusting_builder()
            .sts_extra_root_pem(self.sts.ca_pem())
    }

    /// [`builder`](Self::builder) without the mock's CA.
    pub fn untrusting_builder(&self) -> ProviderBuilder {
        Provider::builder()
            .source(ecscred::SourceKind::Oidc)
            .role_arn("acs:ram::1234567890:role/ecscred-test")
            .oidc_provider_arn("acs:ram::1234567890:oidc-provider/ack-rrsa-test")
            .oidc_token_file(&self.token_file)
            .sts_endpoint(self.sts.url())
            .clock(self.clock.clone())
            .env(|_| None)
    }

    pub fn provider(&self) -> Provider {
        self.builder().build().expect("build the OIDC provider")
    }

    /// Moves both clocks forward.
    pub fn advance(&self, by: Duration) {
        self.sts.advance(by);
        self.clock.advance(by);
    }

    /// Moves both clocks to `seconds` before `expiration`.
    pub fn advance_to_before(&self, expiration: SystemTime, seconds: f64) {
        use ecscred::Clock;
        let target = expiration - Duration::from_secs_f64(seconds);
        let by = target
            .duration_since(self.clock.now())
            .expect("advance_to_before: that moment has passed");
        self.advance(by);
    }
}

impl Drop for OidcFixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Everything the process logs, at every level: installs the global log subscriber, so
/// call it once per test binary, first.
#[derive(Clone, Default)]
pub struct LogCapture(Arc<std::sync::Mutex<Vec<u8>>>);

impl LogCapture {
    pub fn install() -> LogCapture {
        let capture = LogCapture::default();
        let writer = capture.clone();
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .init();
        capture
    }

    /// What was logged so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl std::io::Write for LogCapture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
