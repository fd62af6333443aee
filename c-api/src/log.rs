//! Routes the engine's log events (`tracing`) to a C callback.
//!
//! The engine logs through `tracing` and is silent without a subscriber. The first
//! `ecscred_set_log_callback` installs, once for the process, a subscriber that formats
//! each event and hands it to the current callback; later calls only swap the callback
//! and its level.
//!
//! Fork safety: nothing on the log path is a lock that a fork can leave held in the child.
//! The callback is an `ArcSwapOption` (lock-free), and the locks that let
//! `ecscred_set_log_callback` wait for running calls belong to one fork generation
//! ([`ecscred_core::fork_generation`]): a child makes its own instead of waiting for the
//! parent's threads, which do not exist there. The one-time installation of the
//! subscriber is fork-safe too (see `log_install.rs`).

use std::cell::Cell;
use std::ffi::{c_char, c_void, CString};
use std::fmt::{self, Write as _};
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::Arc;

use arc_swap::ArcSwapOption;
use parking_lot::{Mutex, RwLock};
use tracing::field::{Field, Visit};
use tracing::level_filters::LevelFilter;
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Event, Level, Metadata, Subscriber};

use crate::boundary::{boundary, Failure};
use crate::status::ecscred_status;

/// Severity of a log message; a callback receives messages up to a maximum level.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ecscred_log_level {
    /// No messages (as a maximum level).
    ECSCRED_LOG_OFF = 0,
    /// Something failed and nothing could make up for it.
    ECSCRED_LOG_ERROR = 1,
    /// Something failed and was worked around, e.g. a refresh failed while the cached
    /// credential is still valid.
    ECSCRED_LOG_WARN = 2,
    /// Noteworthy events.
    ECSCRED_LOG_INFO = 3,
    /// Each request to the metadata service and its answer (no secrets).
    ECSCRED_LOG_DEBUG = 4,
    /// Finer detail.
    ECSCRED_LOG_TRACE = 5,
}

/// Underlying integer of an `ecscred_log_level` received from C (any number may arrive);
/// it is `ecscred_log_level` in the header.
pub type ecscred_log_level_arg = u32;

/// Receives one log message of ecscred: `level`, and `message`, a NUL-terminated line
/// without newline (valid only during the call: copy it to keep it). `userdata` is the
/// pointer given to `ecscred_set_log_callback`.
///
/// Messages never contain a secret (AccessKeySecret, SecurityToken, metadata token).
pub type ecscred_log_callback = Option<
    unsafe extern "C" fn(userdata: *mut c_void, level: ecscred_log_level, message: *const c_char),
>;

/// The installed callback with its `userdata` (the caller's, used only as the callback's
/// argument). Immutable: `ecscred_set_log_callback` swaps in a new one.
struct Sink {
    callback: unsafe extern "C" fn(*mut c_void, ecscred_log_level, *const c_char),
    userdata: *mut c_void,
}

// SAFETY: the caller of `ecscred_set_log_callback` promises that the callback may be called
// from any thread with `userdata` (documented there); ecscred never dereferences it.
unsafe impl Send for Sink {}
// SAFETY: as above.
unsafe impl Sync for Sink {}

/// The current callback. Lock-free to read, so a fork in the middle of a swap leaves it
/// readable in the child.
static SINK: ArcSwapOption<Sink> = ArcSwapOption::const_empty();
/// The most verbose level delivered, as an `ecscred_log_level`.
static MAX_LEVEL: AtomicU32 = AtomicU32::new(ecscred_log_level::ECSCRED_LOG_OFF as u32);
/// Threads running the callback right now (in any generation). Only a hint that lets
/// [`refuse_in_callback`] skip its thread-local look-up while no callback runs anywhere.
static RUNNING: AtomicUsize = AtomicUsize::new(0);

/// The locks of one fork generation. A fork can leave them held (by a thread inside the
/// callback, or one swapping it) and that thread does not exist in the child, so the child
/// makes its own: callbacks that were running in the parent at the fork never return and
/// are neither waited for nor counted there.
struct Calls {
    generation: u64,
    /// Held shared by each call of the callback and exclusively by
    /// `ecscred_set_log_callback` after the swap: once it gets it, no call of this
    /// generation still runs a previous callback.
    running: RwLock<()>,
    /// Serializes `ecscred_set_log_callback` calls, so that the callback and the level
    /// stored stay a pair.
    setting: Mutex<()>,
}

static CALLS: ArcSwapOption<Calls> = ArcSwapOption::const_empty();

/// The [`Calls`] of this fork generation; lock-free.
fn calls() -> Arc<Calls> {
    let generation = ecscred_core::fork_generation();
    loop {
        let seen = CALLS.load_full();
        if let Some(calls) = seen.as_ref().filter(|c| c.generation == generation) {
            return Arc::clone(calls);
        }
        let fresh = Arc::new(Calls {
            generation,
            running: RwLock::new(()),
            setting: Mutex::new(()),
        });
        let previous = CALLS.compare_and_swap(&seen, Some(Arc::clone(&fresh)));
        let won = match (&*previous, &seen) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        };
        if won {
            // A parent's locks, inherited by fork, may be held by threads that do not
            // exist here: they are never used again. Dropping our reference only counts
            // it down (such a thread's own reference keeps the memory).
            return fresh;
        }
    }
}

thread_local! {
    /// Set while this thread runs the callback: an event logged from inside it is dropped
    /// and ecscred functions that could block refuse, instead of deadlocking or stalling.
    static IN_CALLBACK: Cell<bool> = const { Cell::new(false) };
}

fn in_callback() -> bool {
    IN_CALLBACK.try_with(Cell::get).unwrap_or(true)
}

/// Fails `function` at once if this thread is inside the log callback: the callback may
/// run on the refresh thread (which a credential call would wait for: a stall of the fetch
/// timeout) or while the engine holds a provider's lock (a deadlock). Costs one relaxed
/// atomic load while no callback runs anywhere.
#[inline(always)]
pub(crate) fn refuse_in_callback(function: &str) -> Result<(), Failure> {
    if RUNNING.load(Ordering::Relaxed) != 0 {
        return refuse_if_in_callback(function);
    }
    Ok(())
}

/// Out of line, so that the thread-local look-up (a `__tls_get_addr` call in the shared
/// library) is not hoisted onto the warm path.
#[cold]
#[inline(never)]
fn refuse_if_in_callback(function: &str) -> Result<(), Failure> {
    if !in_callback() {
        return Ok(());
    }
    Err(Failure::new(
        ecscred_status::ECSCRED_INVALID_ARGUMENT,
        format!(
            "{function}: called from inside the log callback, which must not call ecscred \
             (it may run on ecscred's refresh thread); refused"
        ),
    ))
}

fn level_of(level: &Level) -> ecscred_log_level {
    match *level {
        Level::ERROR => ecscred_log_level::ECSCRED_LOG_ERROR,
        Level::WARN => ecscred_log_level::ECSCRED_LOG_WARN,
        Level::INFO => ecscred_log_level::ECSCRED_LOG_INFO,
        Level::DEBUG => ecscred_log_level::ECSCRED_LOG_DEBUG,
        Level::TRACE => ecscred_log_level::ECSCRED_LOG_TRACE,
    }
}

fn filter_of(max: u32) -> LevelFilter {
    match max {
        0 => LevelFilter::OFF,
        1 => LevelFilter::ERROR,
        2 => LevelFilter::WARN,
        3 => LevelFilter::INFO,
        4 => LevelFilter::DEBUG,
        _ => LevelFilter::TRACE,
    }
}

/// Only the engine's own events are forwarded: its messages are built never to hold a
/// secret, a promise the HTTP libraries underneath do not make.
fn is_ours(metadata: &Metadata<'_>) -> bool {
    let target = metadata.target();
    target == "ecscred" || target.starts_with("ecscred::")
}

/// The process-wide subscriber: formats events and calls the current [`Sink`].
struct CallbackSubscriber;

impl Subscriber for CallbackSubscriber {
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        if !is_ours(metadata) {
            return Interest::never();
        }
        // The level can change at any time: ask `enabled` on each event (the global
        // maximum level below still lets tracing skip disabled levels cheaply).
        Interest::sometimes()
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        Some(filter_of(MAX_LEVEL.load(Ordering::Relaxed)))
    }

    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        is_ours(metadata)
            && (level_of(metadata.level()) as u32) <= MAX_LEVEL.load(Ordering::Relaxed)
    }

    fn new_span(&self, _: &Attributes<'_>) -> Id {
        // Spans carry nothing we forward; every span gets the same id.
        Id::from_u64(1)
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        if in_callback() {
            return;
        }
        let calls = calls();
        let _running = calls.running.read();
        // Loaded inside the shared section: see `ecscred_set_log_callback`.
        let Some(sink) = SINK.load_full() else {
            return;
        };
        let mut line = Line::default();
        event.record(&mut line);
        let text = CString::new(line.finish().replace('\0', " ")).unwrap_or_default();
        let _ = IN_CALLBACK.try_with(|c| c.set(true));
        RUNNING.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the callback and userdata were given together by the C caller, who
        // promised they may be called from any thread (see ecscred_set_log_callback).
        unsafe {
            (sink.callback)(
                sink.userdata,
                level_of(event.metadata().level()),
                text.as_ptr(),
            )
        };
        RUNNING.fetch_sub(1, Ordering::Relaxed);
        let _ = IN_CALLBACK.try_with(|c| c.set(false));
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

/// One event as a line: the message, then ` key=value` for each other field.
#[derive(Default)]
struct Line {
    message: String,
    fields: String,
}

impl Line {
    fn finish(self) -> String {
        let mut line = self.message;
        line.push_str(&self.fields);
        line
    }
}

impl Visit for Line {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else {
            let _ = write!(self.fields, " {}={}", field.name(), value);
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else {
            let _ = write!(self.fields, " {}={:?}", field.name(), value);
        }
    }
}

/// Routes ecscred's log messages up to `max_level` to `callback` (NULL, or
/// `ECSCRED_LOG_OFF`: no more messages). Without a callback ecscred logs nothing. Only
/// ecscred's own messages are delivered, not those of the HTTP libraries it uses.
///
/// Most messages come from ecscred's refresh thread (a failed refresh is a
/// `ECSCRED_LOG_WARN` message naming the endpoint and the cause); some from the thread
/// that called ecscred. So the callback may be called from any thread, also concurrently,
/// and must be thread-safe; it should return quickly (it delays the refresh). It must not
/// call ecscred: from inside the callback, `ecscred_set_log_callback`,
/// `ecscred_get_credential`, `ecscred_provider_new` and `ecscred_provider_get_credential`
/// fail at once with `ECSCRED_INVALID_ARGUMENT` (they could wait for the very thread the
/// callback runs on), and a message logged meanwhile is dropped. Accessors, `_clone` and
/// `_free` functions work there.
///
/// `userdata` is passed to every call as is; ecscred never reads it. After this function
/// returns, the previous callback is not running and will not be called again, so its
/// userdata may be freed. Thread-safe.
///
/// Fork: in a child, the callback stays installed and is called by the child's own
/// threads. A call of the callback that was running in another thread of the parent at the
/// fork never returns in the child (that thread does not exist there): it is not waited
/// for, and this function returns in the child as in any process. A `fork()` made while
/// another thread is in the very first call waits (microseconds) until that call has
/// installed ecscred's logging, so the child has it too.
///
/// Errors: `ECSCRED_INVALID_ARGUMENT` (unknown level, or called from inside the callback),
/// `ECSCRED_INTERNAL` (another log subscriber already owns the process, which only
/// happens when ecscred's Rust code is linked twice into one program; or the process was
/// forked without fork handlers, by `_Fork` or a raw `clone`, while another thread was in
/// the very first call).
///
/// # Safety
///
/// `callback` is NULL or a function that may be called with `userdata` from any thread
/// until this function is called again.
#[no_mangle]
pub unsafe extern "C" fn ecscred_set_log_callback(
    callback: ecscred_log_callback,
    userdata: *mut c_void,
    max_level: ecscred_log_level_arg,
) -> ecscred_status {
    const F: &str = "ecscred_set_log_callback";
    boundary(F, || {
        if max_level > ecscred_log_level::ECSCRED_LOG_TRACE as u32 {
            return Err(Failure::new(
                ecscred_status::ECSCRED_INVALID_ARGUMENT,
                format!("{F}: max_level {max_level} is not an ecscred_log_level (0 to 5)"),
            ));
        }
        refuse_in_callback(F)?;
        if callback.is_some() {
            crate::log_install::install_once(CallbackSubscriber)?;
        }
        let calls = calls();
        {
            let _setting = calls.setting.lock();
            let sink = callback.map(|callback| Arc::new(Sink { callback, userdata }));
            let level = if sink.is_some() { max_level } else { 0 };
            SINK.store(sink);
            MAX_LEVEL.store(level, Ordering::Relaxed);
        }
        // Every call of this generation that may have loaded the previous callback holds
        // `running` shared: once we get it, none is left, and later ones load the new one.
        drop(calls.running.write());
        // Recompute tracing's global maximum level from `max_level_hint`.
        tracing::callsite::rebuild_interest_cache();
        Ok(())
    })
}
