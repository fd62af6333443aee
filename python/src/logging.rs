//! The engine's `tracing` events → Python `logging` (logger `ecscred`).
//!
//! Events happen on the core's refresh thread, sometimes while it holds the core's refresh
//! lock, and on callers' threads while they wait with the GIL released. Taking the GIL there
//! could stall the engine behind Python code (or, were the GIL ever held while waiting on
//! that lock, deadlock), and at interpreter shutdown taking it is not allowed at all. So the
//! subscriber never touches Python: it formats the event and queues it (bounded; overflow is
//! dropped) for one delivery thread of ours, which takes the GIL, checks
//! `logger.isEnabledFor(level)` and hands a `LogRecord` to the logger.
//!
//! Shutdown: `gil::at_exit` (run by `atexit`, before the interpreter starts finalizing)
//! raises the flag that stops all delivery, then waits for a delivery in progress to end;
//! after that the delivery thread never takes the GIL again.
//!
//! Fork: the delivery thread and queue belong to the process that started them (checked by
//! pid); a forked child starts its own on its first event.
//!
//! Threshold: events below the `ecscred` logger's effective level are dropped before they
//! are queued, so the delivery thread is only started by an event someone wants (with
//! Python's default WARNING level: the first failed refresh). The level is read with the
//! GIL wherever the binding holds it anyway: at import, when a provider is built, and on
//! every call that leaves the warm path. A level lowered later takes effect from the next
//! of those.

use std::fmt::{self, Write as _};
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use arc_swap::ArcSwapOption;
use parking_lot::Mutex;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record as SpanRecord};
use tracing::subscriber::Interest;
use tracing::{Event, Level, Metadata, Subscriber};

use crate::gil;

/// Events waiting for delivery beyond this many are dropped.
const QUEUE: usize = 1024;
/// How long `atexit` waits for a delivery in progress (a stuck logging handler).
const SHUTDOWN_WAIT: Duration = Duration::from_secs(2);

static SINK: ArcSwapOption<Sink> = ArcSwapOption::const_empty();

/// The `ecscred` logger's effective level (a Python logging level), as last read.
static THRESHOLD: AtomicU8 = AtomicU8::new(PY_WARNING);
const PY_WARNING: u8 = 30;

/// Re-reads the `ecscred` logger's effective level. Needs the GIL; cheap (one Python call).
pub(crate) fn refresh_threshold(py: Python<'_>) {
    // Python code on the calling thread: see `gil::call_python`.
    let level = crate::gil::call_python(py, |py| {
        py.import("logging")
            .and_then(|logging| logging.call_method1("getLogger", ("ecscred",)))
            .and_then(|logger| logger.call_method0("getEffectiveLevel"))
            .and_then(|level| level.extract::<u8>())
    });
    if let Ok(level) = level {
        THRESHOLD.store(level, Ordering::Relaxed);
    }
}

/// The Python logging level of a tracing level.
fn python_level(level: &Level) -> u8 {
    match *level {
        Level::ERROR => 40,
        Level::WARN => PY_WARNING,
        Level::INFO => 20,
        Level::DEBUG => 10,
        Level::TRACE => 5,
    }
}

/// One formatted event.
struct LogEvent {
    level: Level,
    target: &'static str,
    file: Option<&'static str>,
    line: Option<u32>,
    message: String,
    thread: String,
}

/// The queue and delivery thread of one process.
struct Sink {
    pid: u32,
    queue: SyncSender<LogEvent>,
    /// Held by the delivery thread while it delivers (with the GIL).
    delivering: Arc<Mutex<()>>,
    queued: AtomicU64,
    delivered: Arc<AtomicU64>,
}

/// Installs the subscriber for the whole extension module (its own copy of `tracing`).
pub(crate) fn install() {
    // Fails only if a subscriber is already installed (a module initialized twice): keep it.
    let _ = tracing::subscriber::set_global_default(Forwarder);
}

struct Forwarder;

/// Events of the engine only: the HTTP stack's own debug chatter (connection pooling and
/// the like) is not the `ecscred` logger's business.
fn wanted(metadata: &Metadata<'_>) -> bool {
    metadata.is_event()
        && (metadata.target() == "ecscred" || metadata.target().starts_with("ecscred::"))
}

impl Subscriber for Forwarder {
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        if wanted(metadata) {
            // Not `always`: that would skip `enabled`, where the level threshold is applied.
            Interest::sometimes()
        } else {
            Interest::never()
        }
    }

    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        wanted(metadata)
            && !gil::exiting()
            && python_level(metadata.level()) >= THRESHOLD.load(Ordering::Relaxed)
    }

    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }

    fn record(&self, _: &Id, _: &SpanRecord<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        if gil::exiting() {
            return;
        }
        let meta = event.metadata();
        let mut text = Text::default();
        event.record(&mut text);
        let message = match text.fields.is_empty() {
            true => text.message,
            false => format!("{} ({})", text.message, text.fields),
        };
        let thread = std::thread::current();
        let item = LogEvent {
            level: *meta.level(),
            target: meta.target(),
            file: meta.file(),
            line: meta.line(),
            message,
            thread: thread.name().unwrap_or("ecscred").to_owned(),
        };
        // No thread for delivery (the system refused one): the event is dropped.
        let Some(sink) = sink() else {
            return;
        };
        sink.queued.fetch_add(1, Ordering::AcqRel);
        match sink.queue.try_send(item) {
            Ok(()) => {}
            // Queue full (Python has not taken the GIL for a long while): dropped.
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                sink.queued.fetch_sub(1, Ordering::AcqRel);
            }
        }
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

/// The message and the other fields (`key=value, …`) of an event.
#[derive(Default)]
struct Text {
    message: String,
    fields: String,
}

impl Visit for Text {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.record_debug(field, &format_args!("{value}"));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else {
            if !self.fields.is_empty() {
                self.fields.push_str(", ");
            }
            let _ = write!(self.fields, "{}={value:?}", field.name());
        }
    }
}

/// This process's sink, started on first use (or first use after a fork).
fn sink() -> Option<Arc<Sink>> {
    let pid = std::process::id();
    loop {
        let seen = SINK.load_full();
        if let Some(sink) = seen.as_ref().filter(|s| s.pid == pid) {
            return Some(Arc::clone(sink));
        }
        let fresh = Arc::new(start(pid)?);
        let previous = SINK.compare_and_swap(&seen, Some(Arc::clone(&fresh)));
        let won = match (&*previous, &seen) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        };
        if won {
            // A parent's sink, inherited by fork: its thread does not exist here and its
            // queue may have been locked mid-operation. Never touch it again, not even to
            // drop it.
            if let Some(parent) = seen {
                std::mem::forget(parent);
            }
            return Some(fresh);
        }
        // Lost a race with another thread of this process: its sink wins; ours ends with
        // its queue (the thread sees the queue disconnect and returns).
    }
}

fn start(pid: u32) -> Option<Sink> {
    let (queue, events) = sync_channel(QUEUE);
    let delivering = Arc::new(Mutex::new(()));
    let delivered = Arc::new(AtomicU64::new(0));
    let (lock, count) = (Arc::clone(&delivering), Arc::clone(&delivered));
    std::thread::Builder::new()
        .name("ecscred-logging".into())
        .spawn(move || deliver_loop(&events, &lock, &count))
        .ok()?;
    Some(Sink {
        pid,
        queue,
        delivering,
        queued: AtomicU64::new(0),
        delivered,
    })
}

fn deliver_loop(events: &Receiver<LogEvent>, lock: &Mutex<()>, delivered: &AtomicU64) {
    while let Ok(first) = events.recv() {
        let mut batch = vec![first];
        batch.extend(events.try_iter().take(QUEUE));
        let n = batch.len() as u64;
        {
            let _delivering = lock.lock();
            if !gil::exiting() {
                Python::attach(|py| {
                    for event in batch {
                        // A failing handler is logging's business (it reports through
                        // `Handler.handleError`); nothing more to do here.
                        let _ = emit(py, event);
                    }
                });
            }
        }
        delivered.fetch_add(n, Ordering::AcqRel);
    }
}

fn emit(py: Python<'_>, event: LogEvent) -> PyResult<()> {
    let level = python_level(&event.level);
    let logger = py
        .import("logging")?
        .call_method1("getLogger", ("ecscred",))?;
    if !logger.call_method1("isEnabledFor", (level,))?.is_truthy()? {
        return Ok(());
    }
    let extra = PyDict::new(py);
    extra.set_item("rust_target", event.target)?;
    let record = logger.call_method1(
        "makeRecord",
        (
            "ecscred",
            level,
            event.file.unwrap_or("<ecscred>"),
            event.line.unwrap_or(0),
            event.message,
            (),
            py.None(),
            py.None(),
            extra,
        ),
    )?;
    record.setattr("threadName", event.thread)?;
    logger.call_method1("handle", (record,))?;
    Ok(())
}

/// Waits (GIL released) until every event queued so far in this process has been handed
/// to `logging`, at most `timeout` seconds. `True` if it was. For tests that capture logs.
#[pyfunction]
#[pyo3(signature = (timeout=5.0))]
pub(crate) fn flush_logs(py: Python<'_>, timeout: f64) -> bool {
    refresh_threshold(py);
    let Some(sink) = SINK.load_full().filter(|s| s.pid == std::process::id()) else {
        return true;
    };
    let target = sink.queued.load(Ordering::Acquire);
    let limit = Duration::try_from_secs_f64(timeout).unwrap_or_default();
    gil::detach(py, || {
        let start = Instant::now();
        loop {
            if sink.delivered.load(Ordering::Acquire) >= target {
                return true;
            }
            if start.elapsed() >= limit {
                return false;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    })
}

/// Waits (at most [`SHUTDOWN_WAIT`]) for a delivery in progress in this process; called by
/// `gil::at_exit` with the GIL released, after which no delivery starts.
pub(crate) fn wait_for_delivery() {
    if let Some(sink) = SINK.load_full().filter(|s| s.pid == std::process::id()) {
        drop(sink.delivering.try_lock_for(SHUTDOWN_WAIT));
    }
}
