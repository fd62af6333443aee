//! The cache and refresh contract: shared first fetch, refresh off the callers' path,
//! backoff, never an expired credential, recovery.

mod common;

use std::sync::{Arc, Barrier};
use std::time::Duration;

use common::{eventually, Fixture};
use ecscred::{Credential, ErrorKind};
use ecscred_mock::{Fault, FaultKind, Target};

/// 60 s credentials, the next one issued 5 s before expiry (the ECS ratio, scaled down).
fn short_lived() -> Fixture {
    Fixture::rotating(60, 5)
}

#[test]
fn concurrent_first_callers_share_one_fetch() {
    let f = Fixture::default();
    f.mock.inject(
        Fault::new(FaultKind::Delay(Duration::from_millis(300)))
            .on(Target::Credential)
            .times(1),
    );
    let p = f.provider();
    let start = Arc::new(Barrier::new(64));
    let threads: Vec<_> = (0..64)
        .map(|_| {
            let (p, start) = (p.clone(), start.clone());
            std::thread::spawn(move || {
                start.wait();
                p.credential().unwrap()
            })
        })
        .collect();
    let got: Vec<Arc<Credential>> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert!(
        got.iter().all(|c| Arc::ptr_eq(c, &got[0])),
        "one snapshot for all"
    );
    let n = f.mock.counters();
    assert_eq!((n.token_puts, n.role_gets, n.credential_gets), (1, 1, 1));
}

#[test]
fn warm_calls_do_not_touch_the_network() {
    let f = Fixture::default();
    let p = f.provider();
    let first = p.credential().unwrap();
    for _ in 0..10_000 {
        assert!(Arc::ptr_eq(&p.credential().unwrap(), &first));
    }
    assert_eq!(f.mock.counters().requests, 3);
}

#[test]
fn no_refresh_before_the_window_even_hours_later() {
    let f = Fixture::default(); // 6 h credentials
    let p = f.provider();
    p.credential().unwrap();
    f.advance(Duration::from_secs(5 * 3600)); // 1 h left: before the 30 min lead
    p.credential().unwrap();
    assert_eq!(f.mock.counters().credential_gets, 1);
}

#[test]
fn rollover_under_load_never_blocks_and_fetches_once() {
    let f = short_lived();
    let p = f
        .builder()
        .read_timeout(Duration::from_secs(10))
        .fetch_timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let old = p.credential().unwrap();
    // A slow metadata service: the refresh will take 3 s.
    f.mock.inject(
        Fault::new(FaultKind::Delay(Duration::from_secs(3)))
            .on(Target::Credential)
            .times(1),
    );
    // Into the refresh window (from 5 s to 3.3 s before expiry), before the mandatory
    // window (0.8 s before expiry).
    f.advance_to_before(old.expiration(), 2.5);
    let start = Arc::new(Barrier::new(32));
    let callers: Vec<_> = (0..32)
        .map(|_| {
            let (p, start, clock) = (p.clone(), start.clone(), f.clock.clone());
            std::thread::spawn(move || {
                start.wait();
                let mut got = Vec::with_capacity(1000);
                for _ in 0..1000 {
                    let c = p.credential().unwrap();
                    use ecscred::Clock;
                    assert!(
                        !c.is_expired_at(clock.now()),
                        "expired credential handed out"
                    );
                    got.push(c);
                }
                got
            })
        })
        .collect();
    for caller in callers {
        // While the mock sits on the refresh, every caller got the cached credential: a
        // caller that had waited for the network would have seen the new one.
        for c in caller.join().unwrap() {
            assert!(Arc::ptr_eq(&c, &old), "a caller waited for the refresh");
        }
    }
    eventually("the background refresh lands", || {
        p.credential().unwrap().access_key_id() != old.access_key_id()
    });
    let new = p.credential().unwrap();
    assert_eq!(
        new.access_key_id(),
        f.mock.current_credential().access_key_id
    );
    assert_eq!(f.mock.counters().credential_gets, 2, "one GET per rotation");
}

#[test]
fn a_refresh_that_returns_the_same_credential_backs_off() {
    // The mock rotates only 2 s before expiry, later than the client's 5 s lead.
    let f = Fixture::rotating(60, 2);
    let p = f.provider();
    let old = p.credential().unwrap();
    f.advance_to_before(old.expiration(), 3.3);
    for _ in 0..1000 {
        p.credential().unwrap();
        std::thread::yield_now();
    }
    eventually("the refresh completes", || {
        f.mock.counters().credential_gets == 2
    });
    for _ in 0..1000 {
        assert_eq!(p.credential().unwrap().access_key_id(), old.access_key_id());
    }
    assert_eq!(
        f.mock.counters().credential_gets,
        2,
        "no refetch loop while the service still returns the same credential"
    );
    // Past the rotation (2 s before expiry) and the backoff: the next call gets the new one.
    f.advance_to_before(old.expiration(), 1.5);
    p.credential().unwrap();
    eventually("the new credential arrives", || {
        p.credential().unwrap().access_key_id() != old.access_key_id()
    });
    assert_eq!(f.mock.counters().credential_gets, 3);
}

#[test]
fn a_failing_refresh_serves_the_cached_credential_until_expiry_then_errors_then_recovers() {
    let f = short_lived();
    let p = f.provider();
    let old = p.credential().unwrap();
    f.mock
        .inject(Fault::new(FaultKind::Status(500)).on(Target::Credential));

    // Refresh window: the refresh fails in the background, callers keep the cached one.
    f.advance_to_before(old.expiration(), 3.0);
    assert!(Arc::ptr_eq(&p.credential().unwrap(), &old));
    eventually("the failed refresh is recorded", || {
        f.mock.counters().credential_gets == 4
    });
    assert!(Arc::ptr_eq(&p.credential().unwrap(), &old));

    // Mandatory window: a refresh has failed, so callers do not wait for the next attempt;
    // they get the cached credential while it is valid.
    f.advance_to_before(old.expiration(), 0.5);
    assert!(Arc::ptr_eq(&p.credential().unwrap(), &old));

    // Past expiry: never the expired credential, a clear error instead.
    f.advance(Duration::from_secs(2));
    let err = p.credential().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::HttpStatus);
    let msg = err.to_string();
    assert!(msg.contains("expired at"), "{msg}");
    assert!(msg.contains("500"), "{msg}");
    assert!(msg.contains("EcsRamRoleTest"), "{msg}");

    // The service heals: after the backoff the next call fetches a fresh credential.
    f.mock.clear_faults();
    f.advance(Duration::from_secs(61));
    let fresh = p.credential().unwrap();
    assert_ne!(fresh.access_key_id(), old.access_key_id());
    assert_eq!(
        fresh.access_key_id(),
        f.mock.current_credential().access_key_id
    );
}

#[test]
fn failed_refresh_attempts_are_spaced_by_backoff() {
    let f = short_lived();
    let p = f.provider();
    let old = p.credential().unwrap();
    f.mock
        .inject(Fault::new(FaultKind::Status(500)).on(Target::Credential));
    f.advance_to_before(old.expiration(), 3.0);
    let gets = || f.mock.counters().credential_gets;
    p.credential().unwrap();
    eventually("first refresh attempt recorded", || {
        let status = p.refresh_status();
        !status.in_flight && status.consecutive_failures == 1
    });
    assert_eq!(gets(), 4);
    // Calls within the first backoff (at least 0.5 s) start nothing new.
    f.advance(Duration::from_millis(400));
    for _ in 0..100 {
        p.credential().unwrap();
    }
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(gets(), 4);
    // After it (at most 1 s), one more attempt.
    f.advance(Duration::from_millis(700));
    p.credential().unwrap();
    eventually("second attempt", || gets() == 7);
}

#[test]
fn cached_credential_answers_only_when_the_call_would_do_nothing_else() {
    let f = short_lived();
    let p = f.provider();
    assert!(
        p.cached_credential().is_none(),
        "nothing cached before the first fetch"
    );
    assert_eq!(f.mock.counters().requests, 0, "and asking sent nothing");
    let c = p.credential().unwrap();
    assert!(Arc::ptr_eq(&p.cached_credential().unwrap(), &c));
    f.advance_to_before(c.expiration(), 3.0);
    assert!(
        p.cached_credential().is_none(),
        "a refresh is due: credential() has work"
    );
    assert_eq!(
        f.mock.counters().credential_gets,
        1,
        "cached_credential() never fetches"
    );
    p.credential().unwrap(); // starts the refresh
    eventually("the refresh lands", || {
        p.cached_credential()
            .is_some_and(|n| n.access_key_id() != c.access_key_id())
    });
}

#[test]
fn an_idle_provider_refreshes_on_its_own() {
    let f = short_lived();
    let p = f.provider();
    let old = p.credential().unwrap();
    // Nobody calls from here on.
    f.advance_to_before(old.expiration(), 3.0);
    eventually("the timer refreshes", || {
        p.cached_credential()
            .is_some_and(|c| c.access_key_id() != old.access_key_id())
    });
    assert_eq!(f.mock.counters().credential_gets, 2);
    let new = p.credential().unwrap();
    assert_eq!(
        new.access_key_id(),
        f.mock.current_credential().access_key_id
    );
    assert_eq!(
        f.mock.counters().credential_gets,
        2,
        "the call found it warm"
    );
}

#[test]
fn an_idle_provider_retries_failed_refreshes_on_the_backoff_schedule() {
    // 120 s credentials: the refresh starts 10 s to 6.7 s before expiry.
    let f = Fixture::rotating(120, 10);
    let p = f.provider();
    let old = p.credential().unwrap();
    f.mock
        .inject(Fault::new(FaultKind::Status(500)).on(Target::Credential));
    let gets = || f.mock.counters().credential_gets;
    // Waits until `n` attempts have failed and been recorded (the backoff counts from then).
    let failed = |n: u32| {
        let status = p.refresh_status();
        !status.in_flight && status.consecutive_failures == n
    };
    f.advance_to_before(old.expiration(), 6.5);
    eventually("the timer's first attempt", || failed(1));
    assert_eq!(gets(), 4);
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(gets(), 4, "no retry before the backoff ends");
    f.advance(Duration::from_millis(1_100)); // past the first backoff (at most 1 s)
    eventually("the timer retries", || failed(2));
    assert_eq!(gets(), 7);
    let status = p.refresh_status();
    assert_eq!(status.last_error.unwrap().http_status(), Some(500));
    assert!(status.next_attempt_at.is_some());
    f.mock.clear_faults();
    f.advance(Duration::from_millis(2_100)); // past the second backoff (at most 2 s)
    eventually("the timer recovers", || {
        p.cached_credential()
            .is_some_and(|c| c.access_key_id() != old.access_key_id())
    });
    assert_eq!(gets(), 8);
}

#[test]
fn a_credential_is_not_handed_out_in_its_last_moments() {
    // 6 h credentials keep a 1 s margin: a call never returns one that expires while it
    // returns, or before the request it signs can arrive.
    let f = Fixture::rotating(6 * 3600, 1800);
    let p = f.provider();
    let old = p.credential().unwrap();
    f.mock
        .inject(Fault::new(FaultKind::Status(500)).on(Target::Credential));

    f.advance_to_before(old.expiration(), 1.5);
    assert!(Arc::ptr_eq(&p.credential().unwrap(), &old));

    f.advance_to_before(old.expiration(), 0.5);
    assert!(p.cached_credential().is_none());
    let err = p.credential().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::HttpStatus, "{err}");
    let expires = ecscred_mock::format_utc(old.expiration());
    assert!(
        err.to_string()
            .contains(&format!("expires at {expires}, too soon to hand out")),
        "{err}"
    );
    assert!(p.warm_credential().is_none());
    // Health still reports the credential's own expiration.
    assert_eq!(p.refresh_status().expiration, Some(old.expiration()));
}
