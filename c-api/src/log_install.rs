//! Installs the log subscriber, once per process, so that a fork at any moment never
//! leaves the child waiting for it.
//!
//! The first `ecscred_set_log_callback` installs `tracing`'s global subscriber; another
//! thread may fork meanwhile. Two ways that used to hang such a child:
//!
//! - a `OnceLock` around the installation: a child forked while another thread runs its
//!   initializer finds it "running" for ever (that thread does not exist in the child),
//!   and `get_or_init` waits on its futex for ever;
//! - `tracing` itself: a child forked in the middle of `set_global_default` inherits a
//!   lock of `tracing` held by a thread it does not have, and a global state stuck at
//!   "initializing". No retry can finish that installation.
//!
//! So:
//!
//! - the state is one atomic word: the phase and, while in progress, the fork generation
//!   ([`ecscred_core::fork_generation`]) of the installing thread. A thread of another
//!   generation (in a child) knows that the installer is gone and never waits for it;
//! - `tracing` is touched only inside [`GATE`], which a `pthread_atfork` prepare handler
//!   enters too (and the parent and child handlers leave): `fork()` waits for an
//!   installation in progress, which takes microseconds, so its child finds none (and
//!   installs its own) or a finished one. The gate is a spin flag, not a lock with a queue
//!   of sleeping waiters, so the child has nothing to repair;
//! - a child made without atfork handlers (`_Fork`, a raw `clone`) in the middle of the
//!   installation cannot have a subscriber: it gets an error saying so, not a hang.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use tracing::Subscriber;

use crate::boundary::Failure;
use crate::status::ecscred_status;

/// Phase (low bits) and, for the phases in progress, the installer's fork generation.
static STATE: AtomicU64 = AtomicU64::new(IDLE);
const PHASE_BITS: u32 = 3;
const PHASE: u64 = (1 << PHASE_BITS) - 1;
/// Nobody installed the subscriber in this process.
const IDLE: u64 = 0;
/// A thread has taken on the installation and registers the fork handler; `tracing` is
/// untouched yet.
const CLAIMED: u64 = 1;
/// The installer is inside `tracing` (and inside [`GATE`]).
const INSTALLING: u64 = 2;
const INSTALLED: u64 = 3;
/// `tracing` refused: another subscriber owns the process.
const REFUSED: u64 = 4;
/// This process was forked without atfork handlers while another thread was inside
/// `tracing`: no subscriber can be installed here.
const INTERRUPTED: u64 = 5;

/// Held while `tracing` is being set up, and by `fork()` (see module docs).
static GATE: AtomicBool = AtomicBool::new(false);
/// Whether [`GATE`]'s fork handlers are registered in this process.
static HANDLERS: AtomicBool = AtomicBool::new(false);

/// Installs `subscriber` as the process's `tracing` subscriber unless this was done (or
/// refused) before. Waits only for an installation in progress in a thread of this
/// process (microseconds); never for one that a fork interrupted.
pub(crate) fn install_once<S>(subscriber: S) -> Result<(), Failure>
where
    S: Subscriber + Send + Sync + 'static,
{
    loop {
        let state = STATE.load(Ordering::SeqCst);
        let phase = state & PHASE;
        if let Some(outcome) = finished(phase) {
            return outcome;
        }
        let generation = ecscred_core::fork_generation();
        let installer_is_here = state >> PHASE_BITS == generation;
        match phase {
            IDLE => {
                let claimed = at(generation, CLAIMED);
                if STATE
                    .compare_exchange(state, claimed, Ordering::SeqCst, Ordering::SeqCst)
                    .is_ok()
                {
                    install(generation, subscriber);
                    return finished(STATE.load(Ordering::SeqCst) & PHASE).unwrap_or(Ok(()));
                }
            }
            _ if installer_is_here => std::thread::yield_now(),
            // The installer was a thread of the parent, gone before it touched `tracing`:
            // start over.
            CLAIMED => {
                let _ = STATE.compare_exchange(state, IDLE, Ordering::SeqCst, Ordering::SeqCst);
            }
            // Gone in the middle of `tracing` (a fork without atfork handlers): finished
            // if `tracing` got as far as publishing the subscriber, else never.
            _ => {
                let outcome = match tracing::dispatcher::has_been_set() {
                    true => INSTALLED,
                    false => INTERRUPTED,
                };
                let _ = STATE.compare_exchange(state, outcome, Ordering::SeqCst, Ordering::SeqCst);
            }
        }
    }
}

/// The result of `ecscred_set_log_callback`'s installation step once `phase` is final.
fn finished(phase: u64) -> Option<Result<(), Failure>> {
    match phase {
        INSTALLED => Some(Ok(())),
        REFUSED => Some(Err(failure(
            "another log subscriber already owns the process, which only happens when \
             ecscred's Rust code is linked twice into one program",
        ))),
        INTERRUPTED => Some(Err(failure(
            "this process was forked without fork handlers (by _Fork or a raw clone) while \
             another thread was installing it; set the log callback before such a fork, or \
             in a process forked with fork()",
        ))),
        _ => None,
    }
}

fn at(generation: u64, phase: u64) -> u64 {
    (generation << PHASE_BITS) | phase
}

fn failure(why: &str) -> Failure {
    Failure::new(
        ecscred_status::ECSCRED_INTERNAL,
        format!("ecscred_set_log_callback: cannot install the log subscriber: {why}"),
    )
}

/// The claimed installation. Leaves [`STATE`] finished and [`GATE`] open whatever
/// happens, a panic included.
fn install<S>(generation: u64, subscriber: S)
where
    S: Subscriber + Send + Sync + 'static,
{
    struct Finish(u64);
    impl Drop for Finish {
        fn drop(&mut self) {
            STATE.store(self.0, Ordering::SeqCst);
            GATE.store(false, Ordering::Release);
        }
    }
    register_fork_handlers();
    enter_gate();
    let mut finish = Finish(REFUSED);
    STATE.store(at(generation, INSTALLING), Ordering::SeqCst);
    if tracing::subscriber::set_global_default(subscriber).is_ok() {
        finish.0 = INSTALLED;
    }
}

fn register_fork_handlers() {
    if HANDLERS.load(Ordering::SeqCst) {
        return;
    }
    // SAFETY: the handlers touch one atomic (and yield), are async-signal-safe and live as
    // long as this library (glibc drops them if it is unloaded). Registration failing
    // (ENOMEM) only loses the gate: a fork then may interrupt the installation (the child
    // gets an error, it does not hang).
    let rc =
        unsafe { libc::pthread_atfork(Some(enter_gate_c), Some(leave_gate_c), Some(leave_gate_c)) };
    HANDLERS.store(rc == 0, Ordering::SeqCst);
}

fn enter_gate() {
    while GATE.swap(true, Ordering::Acquire) {
        std::thread::yield_now();
    }
}

/// Prepare handler: a fork waits for an installation in progress.
extern "C" fn enter_gate_c() {
    enter_gate();
}

/// Parent and child handler. In the child the gate was entered by this very thread.
extern "C" fn leave_gate_c() {
    GATE.store(false, Ordering::Release);
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing::subscriber::NoSubscriber;

    fn message(result: Result<(), Failure>) -> String {
        result.unwrap_err().message
    }

    /// The states a child can inherit from a fork in the middle of an installation by a
    /// thread it does not have (here: one of another fork generation). One test, in this
    /// order: the process's global subscriber can be set only once.
    #[test]
    fn a_child_never_waits_for_an_installer_it_does_not_have() {
        let gone = ecscred_core::fork_generation() + 1;
        // Gone inside `tracing`, before it published anything: an error, not a wait.
        STATE.store(at(gone, INSTALLING), Ordering::SeqCst);
        assert!(message(install_once(NoSubscriber::default())).contains("without fork handlers"));
        // Gone before it touched `tracing`: this thread installs.
        STATE.store(at(gone, CLAIMED), Ordering::SeqCst);
        assert!(install_once(NoSubscriber::default()).is_ok());
        assert_eq!(STATE.load(Ordering::SeqCst), INSTALLED);
        assert!(!GATE.load(Ordering::SeqCst));
        // Gone inside `tracing` after it published the subscriber: installed.
        STATE.store(at(gone, INSTALLING), Ordering::SeqCst);
        assert!(install_once(NoSubscriber::default()).is_ok());
        // Another subscriber owns the process.
        STATE.store(IDLE, Ordering::SeqCst);
        assert!(message(install_once(NoSubscriber::default())).contains("linked twice"));
        assert!(!GATE.load(Ordering::SeqCst));
    }
}
