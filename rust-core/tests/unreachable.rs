//! Off ECS: where packets to the metadata address vanish, a fetch fails as "unreachable"
//! after one connect timeout, whatever the read timeout, and does not retry the token
//! request as a plain request (a second connect that could only hang the same way).
//! Its own test binary because it installs the global log subscriber.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ecscred::{ErrorKind, Provider};
use ecscred_mock::Blackhole;

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_connect_that_never_completes_is_unreachable_whatever_the_timers() {
    let capture = Capture::default();
    let writer = capture.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .init();
    let hole = Blackhole::start().expect("a loopback port where connects hang");

    // The defaults (read timeout = connect timeout), a read timeout shorter than the
    // connect timeout, and a longer one: always unreachable, never a read timeout.
    for (connect_ms, read_ms) in [(300, 300), (400, 150), (150, 400)] {
        let provider = Provider::builder()
            .endpoint(hole.url())
            .env(|_| None)
            .connect_timeout(Duration::from_millis(connect_ms))
            .read_timeout(Duration::from_millis(read_ms))
            .build()
            .unwrap();
        let err = provider.credential().unwrap_err();
        let text = err.to_string();
        assert_eq!(err.kind(), ErrorKind::Unreachable, "{text}");
        assert!(text.contains("could not connect"), "{text}");
        assert!(text.contains("is this an ECS instance"), "{text}");
        assert!(!text.contains("read_timeout"), "{text}");
        // The token request's connect failed: no plain request followed it.
        assert!(text.contains("PUT"), "{text}");
    }
    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(
        !logs.contains("using plain requests"),
        "a failed connect fell back to plain requests:\n{logs}"
    );
    assert!(
        !logs.contains("metadata service answered"),
        "something answered:\n{logs}"
    );
}
