//! Fork safety: a child gets working credentials, whether or not a refresh was in flight
//! in the parent when it forked. Its own test binary, so that no other test's threads are
//! mid-operation at the fork.

mod common;

use std::time::Duration;

use common::Fixture;
use ecscred::{Clock, Provider};
use ecscred_mock::{Fault, FaultKind, Target};

/// Runs `child` in a forked child process and returns its exit status. The child never
/// returns into the test harness: it leaves with `_exit`.
fn in_child(child: impl FnOnce() -> i32) -> i32 {
    // SAFETY: the child only runs `child` and `_exit`s; it never unwinds into the harness.
    match unsafe { libc::fork() } {
        -1 => panic!("fork failed"),
        0 => {
            let code = std::panic::catch_unwind(std::panic::AssertUnwindSafe(child)).unwrap_or(99);
            unsafe { libc::_exit(code) }
        }
        pid => {
            let mut status = 0;
            // SAFETY: waiting for the child we just forked.
            let rc = unsafe { libc::waitpid(pid, &mut status, 0) };
            assert_eq!(rc, pid);
            assert!(
                libc::WIFEXITED(status),
                "child did not exit normally: {status}"
            );
            libc::WEXITSTATUS(status)
        }
    }
}

/// The child's check: the cached credential first, then (after expiry on the child's
/// clock) a fetch that must go through a refresh thread of the child's own.
fn child_checks(f: &Fixture, p: &Provider, cached_id: &str, advance: Duration) -> i32 {
    match p.credential() {
        Ok(c) if c.access_key_id() == cached_id => {}
        Ok(_) => return 10,
        Err(_) => return 11,
    }
    f.clock.advance(advance);
    match p.credential() {
        Ok(c) if c.access_key_id() != cached_id && !c.is_expired_at(f.clock.now()) => 0,
        Ok(_) => 12,
        Err(_) => 13,
    }
}

#[test]
fn forked_children_get_credentials() {
    let f = Fixture::rotating(60, 5);
    let p = f
        .builder()
        .read_timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let first = p.credential().unwrap();

    // 1. A quiet parent: the child serves the cache, then refreshes on its own.
    f.mock.advance(Duration::from_secs(61)); // the mock has rotated; the child will see it
    let status = in_child(|| child_checks(&f, &p, first.access_key_id(), Duration::from_secs(61)));
    assert_eq!(status, 0, "quiet parent: child check failed");
    f.clock.advance(Duration::from_secs(61));
    let second = p.credential().unwrap();
    assert_ne!(second.access_key_id(), first.access_key_id());

    // 2. A refresh in flight in the parent at the moment of the fork (the mock sits on
    //    it for 2 s): the child must not wait for a thread that does not exist in it.
    f.mock.inject(
        Fault::new(FaultKind::Delay(Duration::from_secs(2)))
            .on(Target::Credential)
            .times(1),
    );
    f.advance_to_before(second.expiration(), 2.5);
    assert_eq!(
        p.credential().unwrap().access_key_id(),
        second.access_key_id()
    );
    common::eventually("the refresh reaches the mock", || {
        f.mock.counters().max_concurrent >= 1 && f.mock.counters().credential_gets >= 3
    });
    f.mock.advance(Duration::from_secs(60));
    let status = in_child(|| child_checks(&f, &p, second.access_key_id(), Duration::from_secs(60)));
    assert_eq!(status, 0, "refresh in flight at fork: child check failed");
    // The parent's own refresh still completes.
    common::eventually("the parent's refresh lands", || {
        p.credential().unwrap().access_key_id() != second.access_key_id()
    });
}
