//! Fork safety of the OIDC source: a child gets working credentials from STS over its own
//! TLS connections, whether or not a refresh was in flight in the parent at the fork. Its
//! own test binary, so that no other test's threads are mid-operation at the fork.

mod common;

use std::time::Duration;

use common::OidcFixture;
use ecscred::{Clock, Provider};
use ecscred_mock::{Fault, FaultKind};

/// Runs `child` in a forked child process and returns its exit status.
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

/// The cached credential first, then (after its expiry on the child's clock) a new one
/// from STS through the child's own refresh thread.
fn child_checks(f: &OidcFixture, p: &Provider, cached_id: &str) -> i32 {
    match p.credential() {
        Ok(c) if c.access_key_id() == cached_id => {}
        Ok(_) => return 10,
        Err(_) => return 11,
    }
    f.clock.advance(Duration::from_secs(3601));
    match p.credential() {
        Ok(c) if c.access_key_id() != cached_id && !c.is_expired_at(f.clock.now()) => 0,
        Ok(_) => 12,
        Err(_) => 13,
    }
}

#[test]
fn forked_children_get_credentials_from_sts() {
    let f = OidcFixture::default();
    let p = f
        .builder()
        .read_timeout(Duration::from_secs(10))
        .fetch_timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let first = p.credential().unwrap();

    // 1. A quiet parent.
    f.sts.advance(Duration::from_secs(3601));
    assert_eq!(in_child(|| child_checks(&f, &p, first.access_key_id())), 0);

    // 2. A refresh in flight in the parent at the fork (STS sits on it for 2 s).
    f.sts
        .inject(Fault::new(FaultKind::Delay(Duration::from_secs(2))).times(1));
    f.clock.advance(Duration::from_secs(3000));
    assert_eq!(
        p.credential().unwrap().access_key_id(),
        first.access_key_id()
    );
    common::eventually("the refresh reaches STS", || {
        f.sts.counters().max_concurrent >= 1 && f.sts.counters().requests >= 3
    });
    assert_eq!(in_child(|| child_checks(&f, &p, first.access_key_id())), 0);
    common::eventually("the parent's refresh lands", || {
        p.credential().unwrap().access_key_id() != first.access_key_id()
    });
}
