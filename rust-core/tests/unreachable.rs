//! Off ECS: where packets to the metadata address vanish, a fetch fails as "unreachable"
//! after one connect timeout, whatever the read timeout, and does not retry the token
//! request as a plain request (a second connect that could only hang the same way).
//! Its own test binary because it installs the global log subscriber.

mod common;

use std::time::Duration;

use common::LogCapture;
use ecscred::{ErrorKind, Provider};
use ecscred_mock::Blackhole;

#[test]
fn a_connect_that_never_completes_is_unreachable_whatever_the_timers() {
    let capture = LogCapture::install();
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
    let logs = capture.text();
    assert!(
        !logs.contains("using plain requests"),
        "a failed connect fell back to plain requests:\n{logs}"
    );
    assert!(
        !logs.contains("metadata service answered"),
        "something answered:\n{logs}"
    );
}
