//! Routes the engine's log events (`tracing`) to a C callback.
//!
//! The engine logs through `tracing` and is silent without a subscriber. The first
//! `ecscred_set_log_callback` installs, once for the process, a subscriber that formats
//! each event and hands it to the current callback; later calls only swap the callback
//! and its level.

use std::cell::Cell;
use std::ffi::{c_char, c_void, CString};
use std::fmt::{self, Write as _};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

use parking_lot::RwLock;
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

/// The installed callback; `userdata` is the caller's, used only as the callback's
/// argument.
struct Sink {
    callback: unsafe extern "C" fn(*mut c_void, ecscred_log_level, *const c_char),
    userdata: *mut c_void,
}

// SAFETY: the caller of `ecscred_set_log_callback` promises that the callback may be called
// from any thread with `userdata` (documented there); ecscred never dereferences it.
unsafe impl Send for Sink {}
// SAFETY: as above.
unsafe impl Sync for Sink {}

/// The current callback. Calls hold the read lock, so once `ecscred_set_log_callback`
/// returns (it takes the write lock), the previous callback is no longer running and will
/// not be called again.
static SINK: RwLock<Option<Sink>> = RwLock::new(None);
/// The most verbose level delivered, as an `ecscred_log_level`.
static MAX_LEVEL: AtomicU32 = AtomicU32::new(ecscred_log_level::ECSCRED_LOG_OFF as u32);
/// Whether the subscriber is installed (or why it could not be).
static INSTALLED: OnceLock<Result<(), String>> = OnceLock::new();

thread_local! {
    /// Set while this thread runs the callback: an event logged from inside it is dropped
    /// and `ecscred_set_log_callback` refuses, instead of deadlocking.
    static IN_CALLBACK: Cell<bool> = const { Cell::new(false) };
}

fn in_callback() -> bool {
    IN_CALLBACK.try_with(Cell::get).unwrap_or(true)
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
        let sink = SINK.read();
        let Some(sink) = sink.as_ref() else {
            return;
        };
        let mut line = Line::default();
        event.record(&mut line);
        let text = CString::new(line.finish().replace('\0', " ")).unwrap_or_default();
        let _ = IN_CALLBACK.try_with(|c| c.set(true));
        // SAFETY: the callback and userdata were given together by the C caller, who
        // promised they may be called from any thread (see ecscred_set_log_callback).
        unsafe {
            (sink.callback)(
                sink.userdata,
                level_of(event.metadata().level()),
                text.as_ptr(),
            )
        };
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
/// call any ecscred function: a message logged from inside the callback is dropped, and
/// `ecscred_set_log_callback` called from inside it fails with `ECSCRED_INVALID_ARGUMENT`.
///
/// `userdata` is passed to every call as is; ecscred never reads it. After this function
/// returns, the previous callback is not running and will not be called again, so its
/// userdata may be freed. Thread-safe.
///
/// Errors: `ECSCRED_INVALID_ARGUMENT` (unknown level, or called from inside the callback),
/// `ECSCRED_INTERNAL` (another log subscriber already owns the process, which only
/// happens when ecscred's Rust code is linked twice into one program).
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
        if in_callback() {
            return Err(Failure::new(
                ecscred_status::ECSCRED_INVALID_ARGUMENT,
                format!("{F}: called from inside the log callback"),
            ));
        }
        if callback.is_some() {
            install()?;
        }
        {
            let mut sink = SINK.write();
            *sink = callback.map(|callback| Sink { callback, userdata });
            let level = if sink.is_some() { max_level } else { 0 };
            MAX_LEVEL.store(level, Ordering::Relaxed);
        }
        // Recompute tracing's global maximum level from `max_level_hint`.
        tracing::callsite::rebuild_interest_cache();
        Ok(())
    })
}

fn install() -> Result<(), Failure> {
    INSTALLED
        .get_or_init(|| {
            tracing::subscriber::set_global_default(CallbackSubscriber).map_err(|e| e.to_string())
        })
        .clone()
        .map_err(|why| {
            Failure::new(
                ecscred_status::ECSCRED_INTERNAL,
                format!("ecscred_set_log_callback: cannot install the log subscriber ({why})"),
            )
        })
}
