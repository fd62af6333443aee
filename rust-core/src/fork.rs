//! Fork detection: a generation number that changes in every child process.
//!
//! After `fork()` only the forking thread exists in the child: the refresh thread, its
//! runtime, the HTTP connections and any lock another thread held are gone or unusable.
//! Everything that depends on them is therefore tied to a generation and rebuilt when the
//! generation changes; the cached credential itself is plain memory and stays usable.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Once;

static GENERATION: AtomicU64 = AtomicU64::new(0);
static REGISTER: Once = Once::new();

extern "C" fn in_child() {
    GENERATION.fetch_add(1, Ordering::SeqCst);
    crate::warm::invalidate(); // the child's bindings ask the engine again
}

/// The current fork generation (0 in the process that first loaded ecscred). Cheap: one
/// atomic load after the first call.
pub(crate) fn generation() -> u64 {
    REGISTER.call_once(|| {
        // SAFETY: `in_child` is async-signal-safe (one atomic add) and lives as long as
        // the process. If registration fails (ENOMEM), forks go undetected; log it.
        let rc = unsafe { libc::pthread_atfork(None, None, Some(in_child)) };
        if rc != 0 {
            tracing::warn!(
                "ecscred could not register its fork handler (error {rc}); \
                 credentials in forked children may not refresh"
            );
        }
    });
    GENERATION.load(Ordering::SeqCst)
}
