//! What an adversarial review asks of the engine: no configured or discovered role name
//! changes where a request goes; timestamps at the edges of the accepted range; a valid
//! credential is never held back by an unhealthy service near expiry; dropped providers
//! leave nothing behind.

mod common;

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use common::{eventually, Fixture};
use ecscred::wire::{is_valid_role_name, LATEST_UNIX_SECONDS};
use ecscred::{ErrorKind, Provider};
use ecscred_mock::{Fault, FaultKind, MockConfig, MockServer, Mode, Target};

const CREDENTIALS: &str = "/latest/meta-data/ram/security-credentials/";

/// Role names of the allowed alphabet, heavy in dots: the hand-picked edges, then `count`
/// generated ones (fixed seed, so a failure names a reproducible case).
fn role_names(count: usize) -> Vec<String> {
    let mut names: Vec<String> = [
        ".",
        "..",
        "...",
        "....",
        ".a",
        "a.",
        "..a",
        "a..",
        ".-",
        "_.",
        "-",
        "_",
        "a.b",
        "a..b",
        "EcsRamRoleTest",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    names.push("r".repeat(64));
    names.push(".".repeat(64));
    let mut rng = fastrand::Rng::with_seed(0x0ec5_c4ed);
    let alphabet = b"....--__aZ09";
    for _ in 0..count {
        let len = if rng.bool() {
            rng.usize(1..=4)
        } else {
            rng.usize(1..=64)
        };
        let name: String = (0..len)
            .map(|_| alphabet[rng.usize(..alphabet.len())] as char)
            .collect();
        names.push(name);
    }
    names
}

fn v1_only_mock(role: &str) -> MockServer {
    MockServer::start(
        MockConfig::default()
            .with_mode(Mode::V1Only)
            .with_role(role),
    )
    .expect("start the mock metadata service")
}

fn provider(mock: &MockServer) -> ecscred::ProviderBuilder {
    Provider::builder().endpoint(mock.url()).env(|_| None)
}

#[test]
fn a_configured_role_name_reaches_the_service_verbatim_or_is_refused() {
    let mock = v1_only_mock("EcsRamRoleTest");
    for name in role_names(300) {
        mock.reset_counters();
        let built = provider(&mock).role_name(name.as_str()).build();
        if name == "." || name == ".." {
            let err = built.expect_err(&name);
            assert_eq!(err.kind(), ErrorKind::InvalidConfig, "{name}");
            assert!(err.to_string().contains(&format!("{name:?}")), "{err}");
            continue;
        }
        assert!(is_valid_role_name(&name), "{name}");
        let result = built.expect(&name).credential();
        let wanted = format!("GET {CREDENTIALS}{name}");
        let lines = mock.requests();
        assert_eq!(
            lines
                .iter()
                .filter(|l| l.starts_with("GET"))
                .collect::<Vec<_>>(),
            [&wanted],
            "{name}: {lines:?}"
        );
        match name.as_str() {
            "EcsRamRoleTest" => assert!(result.is_ok()),
            _ => assert_eq!(
                result.unwrap_err().kind(),
                ErrorKind::RoleNotFound,
                "{name}"
            ),
        }
    }
}

#[test]
fn a_discovered_role_name_reaches_the_service_verbatim_or_is_refused() {
    for name in role_names(60) {
        let mock = v1_only_mock(&name);
        let result = provider(&mock).build().unwrap().credential();
        let gets: Vec<String> = mock
            .requests()
            .into_iter()
            .filter(|l| l.starts_with("GET"))
            .collect();
        if name == "." || name == ".." {
            let err = result.expect_err(&name);
            assert_eq!(err.kind(), ErrorKind::InvalidResponse, "{name}");
            assert!(err.to_string().contains(&format!("\"{name}\"")), "{err}");
            assert_eq!(
                gets,
                [format!("GET {CREDENTIALS}")],
                "{name}: only the listing"
            );
        } else {
            let credential = result.unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(
                credential.access_key_id(),
                mock.current_credential().access_key_id
            );
            assert_eq!(
                gets,
                [
                    format!("GET {CREDENTIALS}"),
                    format!("GET {CREDENTIALS}{name}")
                ],
                "{name}"
            );
        }
        mock.stop();
    }
}

/// The credential a provider gets when the service sends `expiration` as its `Expiration`.
fn with_expiration(expiration: &str) -> ecscred::Result<Arc<ecscred::Credential>> {
    let f = Fixture::default();
    f.mock.inject(
        Fault::new(FaultKind::Expiration(expiration.into()))
            .on(Target::Credential)
            .times(1),
    );
    f.provider().credential()
}

#[test]
fn expirations_at_the_edges_of_the_accepted_range() {
    let latest = UNIX_EPOCH + Duration::from_secs(LATEST_UNIX_SECONDS);
    let c = with_expiration("9998-12-31T23:59:59Z").unwrap();
    assert_eq!(c.expiration(), latest);
    let c = with_expiration("9999-01-01T07:59:59+08:00").unwrap();
    assert_eq!(c.expiration(), latest, "an offset is converted exactly");
    let c = with_expiration("9998-12-31t23:59:59.5z").unwrap();
    assert_eq!(c.expiration(), latest + Duration::from_millis(500));

    for beyond in [
        "9999-01-01T00:00:00Z",
        "9999-12-31T23:59:59Z",
        "9998-12-31T23:59:59-00:01",
    ] {
        let err = with_expiration(beyond).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidResponse, "{beyond}");
        assert!(err.to_string().contains("Expiration"), "{err}");
        assert!(err.to_string().contains("9998"), "{err}");
    }
    let err = with_expiration("2030-01-01T00:00:00").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidResponse, "no zone");
    // The earliest accepted instant is long past: refused as expired, not as malformed.
    let err = with_expiration("1970-01-01T00:00:00Z").unwrap_err();
    assert!(
        err.to_string().contains("expired at 1970-01-01T00:00:00Z"),
        "{err}"
    );
}

/// A leap second, `23:59:60`, is the second before it (the instant the system clock shows
/// then). The C, Python and Go tests send the same texts and expect the same instants.
#[test]
fn a_leap_second_expiration_is_the_second_before_it() {
    let c = with_expiration("2030-06-30T23:59:60Z").unwrap();
    assert_eq!(
        c.expiration(),
        UNIX_EPOCH + Duration::from_secs(1_909_094_399)
    );
    let c = with_expiration("2030-07-01T07:59:60.5+08:00").unwrap();
    assert_eq!(
        c.expiration(),
        UNIX_EPOCH + Duration::from_millis(1_909_094_399_500)
    );
    let c = with_expiration("9998-12-31T23:59:60Z").unwrap();
    assert_eq!(
        c.expiration(),
        UNIX_EPOCH + Duration::from_secs(LATEST_UNIX_SECONDS)
    );
    let err = with_expiration("2030-06-29T23:59:60Z").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidResponse, "not a month's end");
}

#[test]
fn an_outage_in_the_mandatory_window_never_holds_back_the_valid_credential() {
    // 12 min credentials: refresh from 60 s before expiry, mandatory window the last 10 s.
    let f = Fixture::rotating(720, 60);
    let p = f
        .builder()
        .read_timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    let old = p.credential().unwrap();
    // The service hangs (longer than the read timeout) on every credential request.
    f.mock
        .inject(Fault::new(FaultKind::Delay(Duration::from_secs(30))).on(Target::Credential));
    f.advance_to_before(old.expiration(), 5.0);

    // The refresh (started by this call or by the timer) hangs; callers are not held:
    // every call returns the cached credential while that fetch is still in flight.
    let calls: Vec<_> = (0..2)
        .map(|_| {
            let p = p.clone();
            std::thread::spawn(move || {
                (0..20)
                    .map(|_| (p.credential().unwrap(), p.refresh_status().in_flight))
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    for thread in calls {
        for (got, in_flight) in thread.join().unwrap() {
            assert!(Arc::ptr_eq(&got, &old));
            assert!(in_flight, "returned only once the fetch had ended");
        }
    }
    eventually("the hanging refresh fails", || {
        let s = p.refresh_status();
        !s.in_flight && s.consecutive_failures == 1
    });
    assert_eq!(
        p.refresh_status().last_error.unwrap().kind(),
        ErrorKind::Timeout
    );
    assert!(Arc::ptr_eq(&p.cached_credential().unwrap(), &old));

    // The retry after the backoff hangs too: once a refresh has failed, callers do not
    // even look at it, the warm path serves.
    f.advance(Duration::from_millis(1_100));
    eventually("the timer retries", || p.refresh_status().in_flight);
    for _ in 0..100 {
        assert!(Arc::ptr_eq(&p.cached_credential().unwrap(), &old));
    }
    assert!(p.refresh_status().in_flight);

    // Past expiry: never the expired credential; the error names the cause and the expiry.
    f.advance(Duration::from_secs(5));
    let err = p.credential().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert!(err.to_string().contains("expired at"), "{err}");
    f.mock.clear_faults();
}

#[test]
fn a_dropped_provider_leaves_no_timer_behind() {
    let f = Fixture::default(); // 6 h credentials: each timer would sleep for hours
    for _ in 0..200 {
        let p = f.provider();
        p.credential().unwrap();
        eventually("the refresh timer is set", || f.clock.pending_sleeps() > 0);
        drop(p);
        eventually("the dropped provider's timer is gone", || {
            f.clock.pending_sleeps() == 0
        });
    }
    // Superseded timers go too: one provider, many rescheduled wake-ups, one timer left.
    let p = f.provider();
    let c = p.credential().unwrap();
    f.mock
        .inject(Fault::new(FaultKind::Status(500)).on(Target::Credential));
    f.advance_to_before(c.expiration(), 19.0 * 60.0);
    for n in 1..=5 {
        eventually("a failed attempt", || {
            p.refresh_status().consecutive_failures == n && !p.refresh_status().in_flight
        });
        assert_eq!(f.clock.pending_sleeps(), 1, "one timer after attempt {n}");
        f.advance(Duration::from_secs(61));
    }
}

/// Resident memory of this process in bytes (Linux).
fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    let pages: u64 = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    // SAFETY: sysconf has no preconditions.
    pages * unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as u64
}

#[test]
fn creating_and_dropping_providers_does_not_grow_memory() {
    // Real clock, 6 h credentials: a retained timer would live for hours. Plain requests
    // and a named role, so the mock keeps no per-request state either.
    let mock = v1_only_mock("EcsRamRoleTest");
    let cycle = || {
        let p = provider(&mock).role_name("EcsRamRoleTest").build().unwrap();
        p.credential().unwrap();
    };
    for _ in 0..2_000 {
        cycle(); // warm-up: allocator pools, connection buffers, the mock's journal
    }
    let before = rss_bytes();
    for _ in 0..8_000 {
        cycle();
    }
    let grown = rss_bytes().saturating_sub(before);
    // A retained provider costs about 500 bytes: 8,000 of them would be about 4 MB.
    assert!(
        grown < 1_500_000,
        "RSS grew by {grown} bytes over 8,000 create/use/drop cycles"
    );
}
