//! The warm-path deadline handed to bindings (`Provider::warm_credential`, `ecscred::warm`):
//! it agrees with `cached_credential`, it never reaches past expiry, and every change that
//! could end it early changes the epoch.

mod common;

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, UNIX_EPOCH};

use common::{eventually, Fixture};
use ecscred::{warm, Clock};
use ecscred_mock::{Fault, FaultKind, Target};

/// The epoch is process-wide: the tests of this binary take turns, so that one test's
/// refresh does not move the epoch under another's assertions.
fn serial() -> MutexGuard<'static, ()> {
    static TURN: Mutex<()> = Mutex::new(());
    TURN.lock().unwrap_or_else(|e| e.into_inner())
}

fn unix_ms(t: std::time::SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).unwrap().as_millis() as u64
}

#[test]
fn the_deadline_is_the_warm_path_s_own() {
    let _turn = serial();
    let f = Fixture::rotating(60, 5);
    let p = f.provider();
    assert!(p.warm_credential().is_none(), "nothing cached yet");
    let c = p.credential().unwrap();
    let w = p.warm_credential().expect("warm right after the fetch");
    assert!(Arc::ptr_eq(w.credential(), &c));
    assert!(w.is_warm());
    assert_eq!(w.epoch(), warm::epoch().load(Ordering::Acquire));
    assert!(w.until_unix_ms() > f.clock.now_unix_millis());
    assert!(
        w.until_unix_ms() < unix_ms(c.expiration()),
        "never up to expiry"
    );

    // Just before the deadline the warm path still serves it; at the deadline it does not.
    let left = w.until_unix_ms() - f.clock.now_unix_millis();
    f.clock.advance(Duration::from_millis(left - 1));
    assert!(w.is_warm());
    assert!(Arc::ptr_eq(&p.cached_credential().unwrap(), &c));
    f.clock.advance(Duration::from_millis(1));
    assert!(!w.is_warm());
    assert!(p.cached_credential().is_none());
    assert!(p.warm_credential().is_none());
}

#[test]
fn a_refresh_changes_the_epoch_and_brings_a_new_deadline() {
    let _turn = serial();
    let f = Fixture::rotating(60, 5);
    let p = f.provider();
    let old = p.credential().unwrap();
    let w = p.warm_credential().unwrap();
    f.advance_to_before(old.expiration(), 3.0);
    assert!(!w.is_warm());
    p.credential().unwrap(); // starts the refresh
    eventually("the refresh lands", || {
        p.cached_credential()
            .is_some_and(|n| n.access_key_id() != old.access_key_id())
    });
    let fresh = p.warm_credential().unwrap();
    assert_ne!(fresh.epoch(), w.epoch());
    assert!(fresh.until_unix_ms() > w.until_unix_ms());
    assert_ne!(fresh.credential().access_key_id(), old.access_key_id());
}

#[test]
fn a_refresh_in_flight_holds_until_the_mandatory_window_and_its_end_ends_the_deadline() {
    let _turn = serial();
    let f = Fixture::rotating(60, 5);
    let p = f.provider();
    let old = p.credential().unwrap();
    f.mock.inject(
        Fault::new(FaultKind::Delay(Duration::from_millis(400)))
            .on(Target::Credential)
            .times(1),
    );
    f.advance_to_before(old.expiration(), 3.0);
    let before = warm::epoch().load(Ordering::Acquire);
    p.credential().unwrap(); // starts the (slow) refresh; the cached one is served
    let during = p
        .warm_credential()
        .expect("warm while the refresh is in flight");
    assert!(Arc::ptr_eq(during.credential(), &old));
    assert_ne!(
        during.epoch(),
        before,
        "starting the refresh moved the hold"
    );
    assert!(during.until_unix_ms() < unix_ms(old.expiration()));
    eventually("the refresh lands", || {
        p.cached_credential()
            .is_some_and(|n| n.access_key_id() != old.access_key_id())
    });
    assert!(
        !during.is_warm(),
        "the new credential ended the old deadline"
    );
}
