//! The one background thread of the process: a single-threaded Tokio runtime on which
//! every provider's fetches run.
//!
//! It is started on first use (never at load), shared by all providers, and replaced in a
//! forked child, where the parent's thread does not exist. Callers never run the runtime:
//! they hand it a future and wait for the result where they need to.

use std::future::Future;
use std::sync::{Arc, OnceLock};

use arc_swap::ArcSwapOption;
use tokio::runtime::Handle;
use tokio::task::AbortHandle;

use crate::error::{Error, ErrorKind, Result};
use crate::fork;

struct Worker {
    generation: u64,
    handle: OnceLock<std::result::Result<Handle, String>>,
}

static CURRENT: ArcSwapOption<Worker> = ArcSwapOption::const_empty();

/// Runs `task` on the refresh thread, starting that thread if this process (or this forked
/// child) has none yet; the handle cancels it. Fails only if the thread or runtime cannot
/// be created.
pub(crate) fn spawn(task: impl Future<Output = ()> + Send + 'static) -> Result<AbortHandle> {
    let worker = current();
    match worker.handle.get_or_init(start) {
        Ok(handle) => Ok(handle.spawn(task).abort_handle()),
        Err(why) => Err(Error::new(
            ErrorKind::Internal,
            format!("could not start the ecscred refresh thread: {why}"),
        )),
    }
}

/// The worker of this fork generation. Lock-free, so a fork at any moment leaves nothing
/// locked in the child.
fn current() -> Arc<Worker> {
    let generation = fork::generation();
    loop {
        let seen = CURRENT.load_full();
        if let Some(worker) = seen.as_ref().filter(|w| w.generation == generation) {
            return Arc::clone(worker);
        }
        let fresh = Arc::new(Worker {
            generation,
            handle: OnceLock::new(),
        });
        let previous = CURRENT.compare_and_swap(&seen, Some(Arc::clone(&fresh)));
        if same(&previous, &seen) {
            return fresh;
        }
    }
}

fn same(a: &Option<Arc<Worker>>, b: &Option<Arc<Worker>>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => Arc::ptr_eq(a, b),
        (None, None) => true,
        _ => false,
    }
}

fn start() -> std::result::Result<Handle, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        // Only hostname endpoints need a resolver thread; never more than one.
        .max_blocking_threads(1)
        .thread_name("ecscred-resolve")
        .build()
        .map_err(|e| e.to_string())?;
    let handle = runtime.handle().clone();
    std::thread::Builder::new()
        .name("ecscred-refresh".into())
        .spawn(move || runtime.block_on(std::future::pending::<()>()))
        .map_err(|e| e.to_string())?;
    Ok(handle)
}
