//! Holding and releasing the GIL safely, including at interpreter exit.
//!
//! The hazard: until CPython 3.14, a thread that takes the GIL after the interpreter has
//! begun finalizing is ended with `pthread_exit`, whose forced unwind through Rust frames
//! aborts the process ("FATAL: exception not rethrown", when it reaches PyO3's
//! `catch_unwind`). Daemon threads calling ecscred while the program exits meet it. A
//! thread inside ecscred takes the GIL again in more places than the obvious one:
//!
//! - on the way back from a call with the GIL released (a credential fetch): [`detach`];
//! - inside Python code that ecscred runs (the exception factory, `logging` calls), where
//!   the interpreter may hand the GIL to another thread and take it back;
//! - inside PyO3: a `PyOnceLock`'s first initialization releases the GIL while it waits
//!   for the cell and takes it back to run the initializer (the exception factory and
//!   the `datetime` constants are such cells, first filled by whichever thread first
//!   raises or converts a credential: often a daemon thread, right at exit).
//!
//! So every stretch of ecscred code that holds the GIL and may do any of that, on a thread
//! other than the main one, runs inside [`call_python`]: counted while it runs. At exit,
//! `ecscred/__init__.py` has `atexit` (which runs before finalization begins) call
//! [`at_exit`]: it raises a flag, then waits, with the GIL released, until no thread is
//! inside a guarded stretch. From then on a thread that would enter one, or come back from
//! [`detach`], parks for good instead (the process is exiting; such threads would be ended
//! anyway). A detached thread is not counted: `at_exit` does not wait for a fetch. The
//! main thread, which runs the finalization itself, is never stopped. The log delivery
//! thread checks the same flag before taking the GIL (see `logging.rs`).
//!
//! Paths that touch no Python (the warm path: a cached credential already translated) are
//! not guarded and cost nothing.

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Once;
use std::time::{Duration, Instant};

use pyo3::prelude::*;

static EXITING: AtomicBool = AtomicBool::new(false);
/// Threads inside a guarded stretch, and not detached.
static ACTIVE: AtomicUsize = AtomicUsize::new(0);
/// `pthread_self()` of the main thread (the one that finalizes).
static MAIN_THREAD: AtomicU64 = AtomicU64::new(0);
static REGISTER: Once = Once::new();
/// Threads parked for good because the interpreter is exiting.
static PARKED: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// How many guarded stretches this thread is in (counted in [`ACTIVE`] once, at 1).
    static DEPTH: Cell<usize> = const { Cell::new(0) };
}

/// How long `at_exit` waits for guarded stretches to end (they only need the GIL, which
/// it releases, and microseconds).
const ACTIVE_WAIT: Duration = Duration::from_secs(2);

fn is_main_thread() -> bool {
    // SAFETY: pthread_self has no preconditions.
    unsafe { libc::pthread_self() as u64 == MAIN_THREAD.load(Ordering::SeqCst) }
}

extern "C" fn in_forked_child() {
    // Only the forking thread exists in the child; it becomes the main thread, and no
    // other thread is inside ecscred. Async-signal-safe: atomic stores only.
    ACTIVE.store(0, Ordering::SeqCst);
    PARKED.store(0, Ordering::SeqCst);
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
        // registration fails (ENOMEM), a forked child may wait ACTIVE_WAIT at exit.
        unsafe { libc::pthread_atfork(None, None, Some(in_forked_child)) };
    });
    Ok(())
}

/// `true` once the interpreter is exiting (`at_exit` has run).
pub(crate) fn exiting() -> bool {
    EXITING.load(Ordering::SeqCst)
}

/// Counts this thread in [`ACTIVE`], unless the interpreter is exiting: then parks it for
/// good. `py`: the GIL, if held here (it is released to park).
fn join(py: Option<Python<'_>>) {
    // Count first, then look at the flag: `at_exit` either sees us counted (and waits)
    // or we see the flag (and stay out).
    ACTIVE.fetch_add(1, Ordering::SeqCst);
    if EXITING.load(Ordering::SeqCst) {
        ACTIVE.fetch_sub(1, Ordering::SeqCst);
        match py {
            Some(py) => py.detach(park_for_good),
            None => park_for_good(),
        }
    }
}

fn park_for_good() {
    PARKED.fetch_add(1, Ordering::SeqCst);
    loop {
        std::thread::park();
    }
}

/// Leaves a guarded stretch (also when it unwinds).
struct Leave;

impl Drop for Leave {
    fn drop(&mut self) {
        let depth = DEPTH.get() - 1;
        DEPTH.set(depth);
        if depth == 0 {
            ACTIVE.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

/// Runs `f`, ecscred code holding the GIL that runs Python code, makes Python objects or
/// may take the GIL again (see module docs): a guarded stretch, counted so that `at_exit`
/// waits for it. Once the interpreter is exiting, a thread other than the main one parks
/// for good (GIL released) instead. Nests.
pub(crate) fn call_python<'py, T>(py: Python<'py>, f: impl FnOnce(Python<'py>) -> T) -> T {
    if is_main_thread() {
        return f(py);
    }
    let depth = DEPTH.get();
    if depth == 0 {
        join(Some(py));
    }
    DEPTH.set(depth + 1);
    let _leave = Leave;
    f(py)
}

/// Runs `f` with the GIL released: not counted meanwhile (`at_exit` does not wait for
/// it), and comes back only if that is safe (see module docs). The way back is counted
/// until the enclosing [`call_python`] ends, or, outside one, until this returns.
pub(crate) fn detach<T, F>(py: Python<'_>, f: F) -> T
where
    F: FnOnce() -> T + Send,
    T: Send,
{
    if is_main_thread() {
        return py.detach(f);
    }
    if DEPTH.get() == 0 {
        return call_python(py, |py| detach(py, f));
    }
    ACTIVE.fetch_sub(1, Ordering::SeqCst);
    py.detach(move || {
        let out = f();
        join(None);
        out
    })
}

/// Registered with `atexit` by `ecscred/__init__.py`: from now on no ecscred thread takes
/// the GIL again, except the main thread. Waits, with the GIL released, for the threads
/// inside guarded stretches and for a log delivery in progress.
#[pyfunction]
pub(crate) fn at_exit(py: Python<'_>) {
    EXITING.store(true, Ordering::SeqCst);
    py.detach(|| {
        let start = Instant::now();
        while ACTIVE.load(Ordering::SeqCst) > 0 && start.elapsed() < ACTIVE_WAIT {
            std::thread::sleep(Duration::from_millis(1));
        }
        crate::logging::wait_for_delivery();
    });
}

/// How many threads ecscred has parked for good because the interpreter is exiting (see
/// module docs). For tests.
#[pyfunction]
pub(crate) fn parked_threads() -> usize {
    PARKED.load(Ordering::SeqCst)
}
