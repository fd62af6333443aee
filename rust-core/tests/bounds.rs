//! Option values at and beyond their bounds: an invalid configuration at `build`, never a
//! panic later (on the caller's thread or the refresh thread).

use std::time::Duration;

use ecscred::{ErrorKind, ProviderBuilder, MAX_TIMEOUT, MAX_TOKEN_TTL, MIN_TIMEOUT};
use ecscred_mock::{MockConfig, MockServer};

type Set = fn(ProviderBuilder, Duration) -> ProviderBuilder;

const OPTIONS: [(&str, Set); 4] = [
    ("connect_timeout", ProviderBuilder::connect_timeout),
    ("read_timeout", ProviderBuilder::read_timeout),
    ("fetch_timeout", ProviderBuilder::fetch_timeout),
    ("token_ttl", ProviderBuilder::token_ttl),
];

#[test]
fn extreme_durations_are_invalid_configurations() {
    let mock = MockServer::start(MockConfig::default()).unwrap();
    for (name, set) in OPTIONS {
        for extreme in [
            Duration::ZERO,
            Duration::from_nanos(1),
            Duration::from_millis(u64::MAX),
            Duration::from_secs(u64::MAX),
            Duration::MAX,
        ] {
            let builder = set(ecscred::Provider::builder().endpoint(mock.url()), extreme);
            let err = builder.build().unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidConfig, "{name} = {extreme:?}");
            assert!(err.message().contains(name), "{err}");
        }
    }
    assert_eq!(mock.counters().credential_gets, 0);
}

#[test]
fn the_largest_accepted_values_work() {
    let mock = MockServer::start(MockConfig::default()).unwrap();
    let provider = ecscred::Provider::builder()
        .endpoint(mock.url())
        .connect_timeout(MAX_TIMEOUT)
        .read_timeout(MAX_TIMEOUT)
        .fetch_timeout(MAX_TIMEOUT)
        .token_ttl(MAX_TOKEN_TTL)
        .build()
        .unwrap();
    provider.credential().unwrap();
    let provider = ecscred::Provider::builder()
        .endpoint(mock.url())
        .connect_timeout(MIN_TIMEOUT)
        .read_timeout(MAX_TIMEOUT)
        .build()
        .unwrap();
    // A loopback connection may or may not be made within 1 ms: either way, no panic.
    let _ = provider.credential();
}
