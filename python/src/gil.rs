//! Releasing the GIL safely, including at interpreter exit.
//!
//! Every call that may wait (a credential fetch, stopping the mock) runs with the GIL
//! released through [`detach`]. The hazard is the way back: until CPython 3.14, a thread
//! that takes the GIL again after the interpreter has begun finalizing is ended with
//! `pthread_exit`, whose forced unwind through Rust frames aborts the process ("FATAL:
//! exception not rethrown"). Daemon threads calling ecscred while the program exits hit it.
//!
//! So `ecscred/__init__.py` registers [`at_exit`] with `atexit`, which runs before
//! finalization begins. It raises a flag, then waits (GIL released) for the threads that
//! were already on their way back into Python. From then on a thread other than the main
//! one that finishes a detached call parks for good instead of going back (the process is
//! exiting; such threads would be ended anyway). The main thread, which runs the
//! finalization itself, always goes back. The log delivery thread checks the same flag
//! before taking the GIL (see `logging.rs`).
//!
//! The same hazard waits inside Python code that ecscred runs while holding the GIL (the
//! exception factory is Python): the interpreter may hand the GIL to another thread in the
//! middle of it and end this one on the way back. [`call_python`] guards such calls the
//! same way: counted while they run (so `at_exit` waits for them), refused once exiting.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Once;
use std::time::{Duration, Instant};

use pyo3::prelude::*;

static EXITING: AtomicBool = AtomicBool::new(false);
/// Threads between "not exiting, going back" and having the GIL again, or running Python
/// code for ecscred ([`call_python`]).
static RETURNING: AtomicUsize = AtomicUsize::new(0);
/// `pthread_self()` of the main thread (the one that finalizes).
static MAIN_THREAD: AtomicU64 = AtomicU64::new(0);
static REGISTER: Once = Once::new();

/// How long `at_exit` waits for threads on their way back (they only need the GIL).
const RETURN_WAIT: Duration = Duration::from_secs(2);

fn this_thread() -> u64 {
    // SAFETY: pthread_self has no preconditions.
    unsafe { libc::pthread_self() as u64 }
}

extern "C" fn in_forked_child() {
    // Only the forking thread exists in the child; it becomes the main thread, and no
    // other thread is on its way back. Async-signal-safe: atomic stores only.
    RETURNING.store(0, Ordering::SeqCst);
    // SAFETY: pthread_self is async-signal-safe.
    MAIN_THREAD.store(unsafe { libc::pthread_self() as u64 }, Ordering::SeqCst);
}

/// Records the main thread. Called at module import.
pub(crate) fn init(py: Python<'_>) -> PyResult<()> {
    let main = py
        .import("threading")?
        .call_method0("main_thread")?
        .getattr("ident")?
        .extract::<u64>()?;
    MAIN_THREAD.store(main, Ordering::SeqCst);
    REGISTER.call_once(|| {
        // SAFETY: the handler only stores atomics and lives as long as the process. If
        // registration fails (ENOMEM), a forked child may wait RETURN_WAIT at exit.
        unsafe { libc::pthread_atfork(None, None, Some(in_forked_child)) };
    });
    Ok(())
}

/// `true` once the interpreter is exiting (`at_exit` has run).
pub(crate) fn exiting() -> bool {
    EXITING.load(Ordering::SeqCst)
}

/// Runs `f` with the GIL released, and comes back only if that is safe (see module docs).
pub(crate) fn detach<T, F>(py: Python<'_>, f: F) -> T
where
    F: FnOnce() -> T + Send,
    T: Send,
{
    let main = this_thread() == MAIN_THREAD.load(Ordering::SeqCst);
    let out = py.detach(move || {
        let out = f();
        if !main {
            // Announce the way back first, then look at the flag: `at_exit` either sees
            // us on the way (and waits) or we see the flag (and stay out).
            RETURNING.fetch_add(1, Ordering::SeqCst);
            if EXITING.load(Ordering::SeqCst) {
                RETURNING.fetch_sub(1, Ordering::SeqCst);
                loop {
                    std::thread::park();
                }
            }
        }
        out
    });
    if !main {
        RETURNING.fetch_sub(1, Ordering::SeqCst);
    }
    out
}

/// Runs `f`, which executes Python code, on this thread: counted while it runs, so that
/// `at_exit` waits for it; once the interpreter is exiting, a thread other than the main
/// one parks for good (GIL released) instead, for the reason in the module docs.
pub(crate) fn call_python<'py, T>(py: Python<'py>, f: impl FnOnce(Python<'py>) -> T) -> T {
    if this_thread() == MAIN_THREAD.load(Ordering::SeqCst) {
        return f(py);
    }
    RETURNING.fetch_add(1, Ordering::SeqCst);
    if EXITING.load(Ordering::SeqCst) {
        RETURNING.fetch_sub(1, Ordering::SeqCst);
        py.detach(|| loop {
            std::thread::park();
        })
    }
    let out = f(py);
    RETURNING.fetch_sub(1, Ordering::SeqCst);
    out
}

/// Registered with `atexit` by `ecscred/__init__.py`: from now on no ecscred thread takes
/// the GIL again, except the main thread. Waits, with the GIL released, for threads already
/// on their way back and for a log delivery in progress.
#[pyfunction]
pub(crate) fn at_exit(py: Python<'_>) {
    EXITING.store(true, Ordering::SeqCst);
    py.detach(|| {
        let start = Instant::now();
        while RETURNING.load(Ordering::SeqCst) > 0 && start.elapsed() < RETURN_WAIT {
            std::thread::sleep(Duration::from_millis(1));
        }
        crate::logging::wait_for_delivery();
    });
}
