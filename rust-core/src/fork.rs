//! Fork detection: a generation number that changes in every child process.
//!
//! After `fork()` only the forking thread exists in the child: the refresh thread, its
//! runtime, the HTTP connections and any lock another thread held are gone or unusable.
//! Everything that depends on them is therefore tied to a generation and rebuilt when the
//! generation changes; the cached credential itself is plain memory and stays usable.
//!
//! Two detectors, both lock-free (a fork at any moment leaves nothing locked here):
//!
//! - a `pthread_atfork` child handler bumps the generation in every child that `fork()`
//!   makes, before the child runs any of its own code;
//! - [`generation`] compares the process id with the one the generation belongs to, which
//!   catches the children that ran no atfork handler (`_Fork()`, a raw `clone` system
//!   call). It costs one `getpid` system call, so it is only for slow paths: the warm path
//!   of a credential call never asks for the generation.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// The generation (high 32 bits) and the process id it belongs to (low 32 bits); 0 until
/// the first call of [`generation`].
static STATE: AtomicU64 = AtomicU64::new(0);
static REGISTERED: AtomicBool = AtomicBool::new(false);

fn pid() -> u32 {
    // SAFETY: getpid has no preconditions and is async-signal-safe. It is a system call
    // (glibc >= 2.25 and musl cache nothing), so it is right after any kind of fork.
    unsafe { libc::getpid() as u32 }
}

fn pack(generation: u64, pid: u32) -> u64 {
    (generation << 32) | u64::from(pid)
}

extern "C" fn in_child() {
    // Only this thread exists in the child, and it runs no other code until the handlers
    // return: a plain load and store suffice. Async-signal-safe.
    let state = STATE.load(Ordering::SeqCst);
    STATE.store(pack((state >> 32) + 1, pid()), Ordering::SeqCst);
    crate::warm::invalidate(); // the child's bindings ask the engine again
}

/// The current fork generation (0 in the process that first asked): different in every
/// process forked from this one, however it was forked. Costs one `getpid` system call:
/// for slow paths only. Lock-free; async-signal-safe after the first call.
pub fn generation() -> u64 {
    if !REGISTERED.swap(true, Ordering::SeqCst) {
        // SAFETY: `in_child` is async-signal-safe (atomics and getpid) and lives as long
        // as the process. If registration fails (ENOMEM), the pid check below still
        // detects every fork; only a child reusing an ancestor's pid could be missed.
        let rc = unsafe { libc::pthread_atfork(None, None, Some(in_child)) };
        if rc != 0 {
            tracing::warn!("ecscred could not register its fork handler (error {rc})");
        }
    }
    let pid = pid();
    let mut state = STATE.load(Ordering::SeqCst);
    loop {
        if state != 0 && state as u32 == pid {
            return state >> 32;
        }
        // First call, or a child that no atfork handler told (`_Fork`, raw `clone`):
        // a new generation for this process, counted once whichever thread sees it first.
        let next = match state {
            0 => pack(0, pid),
            _ => pack((state >> 32) + 1, pid),
        };
        match STATE.compare_exchange(state, next, Ordering::SeqCst, Ordering::SeqCst) {
            Ok(_) => {
                if state != 0 {
                    crate::warm::invalidate(); // as in `in_child`
                }
                return next >> 32;
            }
            Err(now) => state = now,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generation_is_stable_within_a_process() {
        let first = generation();
        assert_eq!(generation(), first);
        assert_eq!(STATE.load(Ordering::SeqCst) as u32, pid());
    }
}
