//! The server: its shared state, its thread and its accept loop.

use std::fmt;
use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpListener as StdListener};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime};

use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::Request;
use hyper_util::rt::TokioIo;
use parking_lot::Mutex;
use tokio::net::TcpListener;
use tokio::sync::Notify;

use crate::body::Response;
use crate::clock::MockClock;
use crate::config::{MockConfig, Mode};
use crate::counters::{CounterSet, Counters};
use crate::faults::{Fault, Faults};
use crate::issuer::{IssuedCredential, Issuer};
use crate::journal::Journal;
use crate::random::Seed;
use crate::tokens::Tokens;
use crate::{admin, metadata};

/// Everything the handlers and the [`MockServer`] handle share.
pub(crate) struct State {
    pub(crate) role: String,
    mode: Mutex<Mode>,
    pub(crate) clock: MockClock,
    pub(crate) issuer: Issuer,
    pub(crate) tokens: Tokens,
    pub(crate) faults: Faults,
    pub(crate) counters: CounterSet,
    pub(crate) journal: Journal,
}

impl State {
    fn new(config: MockConfig) -> Self {
        let seed = Seed::random();
        let clock = MockClock::new();
        let issuer = Issuer::new(seed, clock.started(), config.lifetime, config.rotate_before);
        let faults = Faults::default();
        for fault in config.faults {
            faults.arm(fault);
        }
        Self {
            role: config.role,
            mode: Mutex::new(config.mode),
            clock,
            issuer,
            tokens: Tokens::new(seed),
            faults,
            counters: CounterSet::default(),
            journal: Journal::default(),
        }
    }

    pub(crate) fn mode(&self) -> Mode {
        *self.mode.lock()
    }

    pub(crate) fn set_mode(&self, mode: Mode) {
        *self.mode.lock() = mode;
    }
}

/// A handler's request to close the connection without answering (the `Drop` fault).
#[derive(Debug)]
pub(crate) struct Dropped;

impl fmt::Display for Dropped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection dropped by fault")
    }
}

impl std::error::Error for Dropped {}

/// A running mock metadata service on 127.0.0.1.
///
/// It serves on its own thread with its own current-thread tokio runtime, so it works
/// from plain threads and from inside any tokio runtime. After `fork()` the parent keeps
/// serving; the child has no server thread and must neither use nor drop the handle
/// (leave it with `std::mem::forget`, or end with `_exit`).
///
/// Dropping the handle stops the server, like [`MockServer::stop`].
pub struct MockServer {
    state: Arc<State>,
    addr: SocketAddr,
    shutdown: Arc<Notify>,
    thread: Option<JoinHandle<()>>,
}

impl MockServer {
    /// Validates `config`, binds `127.0.0.1:config.port` and starts serving. The socket
    /// is listening when this returns, so requests may be sent at once.
    ///
    /// # Errors
    ///
    /// `InvalidInput` from [`MockConfig::validate`]; the bind error (e.g. `AddrInUse`);
    /// a failure to create the runtime or the thread.
    pub fn start(config: MockConfig) -> io::Result<MockServer> {
        config.validate()?;
        let listener = StdListener::bind((Ipv4Addr::LOCALHOST, config.port))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .build()?;
        let listener = {
            let _context = runtime.enter();
            TcpListener::from_std(listener)?
        };
        let state = Arc::new(State::new(config));
        let shutdown = Arc::new(Notify::new());
        let thread = std::thread::Builder::new()
            .name(format!("ecscred-mock-{}", addr.port()))
            .spawn({
                let state = Arc::clone(&state);
                let shutdown = Arc::clone(&shutdown);
                move || {
                    runtime.block_on(serve(listener, state, shutdown));
                    // Dropping the runtime here cancels every open connection.
                }
            })?;
        Ok(MockServer {
            state,
            addr,
            shutdown,
            thread: Some(thread),
        })
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// A snapshot of the request counters.
    pub fn counters(&self) -> Counters {
        self.state.counters.snapshot()
    }

    /// Zeroes the counters (`max_concurrent` restarts from the requests in flight) and
    /// forgets the request lines.
    pub fn reset_counters(&self) {
        self.state.counters.reset();
        self.state.journal.clear();
    }

    /// The request lines of the latest metadata requests (at most 4096), oldest first:
    /// `"METHOD target"` with the target exactly as received, e.g.
    /// `"GET /latest/meta-data/ram/security-credentials/EcsRamRoleTest"`.
    pub fn requests(&self) -> Vec<String> {
        self.state.journal.snapshot()
    }

    /// Arms `fault` after those already armed (a `count` of `Some(0)` arms nothing).
    pub fn inject(&self, fault: Fault) {
        self.state.faults.arm(fault);
    }

    /// Disarms every fault.
    pub fn clear_faults(&self) {
        self.state.faults.clear();
    }

    /// Switches the mode for the requests that arrive from now on.
    pub fn set_mode(&self, mode: Mode) {
        self.state.set_mode(mode);
    }

    /// Moves the mock's clock forward: rotation and token expiry follow it.
    pub fn advance(&self, by: Duration) {
        self.state.clock.advance(by);
    }

    /// The mock's current time: real time plus everything advanced.
    pub fn now(&self) -> SystemTime {
        self.state.clock.now()
    }

    /// Invalidates every metadata token issued so far (a GET presenting one gets 401).
    pub fn expire_tokens(&self) {
        self.state.tokens.expire_all();
    }

    /// Every metadata token issued so far, in order (for leak scans: they are secrets to
    /// the client under test).
    pub fn issued_tokens(&self) -> Vec<String> {
        self.state.tokens.issued()
    }

    /// The credential a GET would return now (not recorded as handed out).
    pub fn current_credential(&self) -> IssuedCredential {
        self.state.issuer.current(self.state.clock.now())
    }

    /// Every credential that went out in a 200 answer so far, including those of
    /// `Code` and `Expired` faults, in order of first hand-out, without repeats.
    pub fn issued(&self) -> Vec<IssuedCredential> {
        self.state.issuer.handed_out()
    }

    /// Stops serving, closes the port and every open connection (requests in progress
    /// get no answer), and joins the server thread.
    pub fn stop(self) {
        // Drop does the work.
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.shutdown.notify_one();
        if let Some(thread) = self.thread.take() {
            // A panic on the server thread has already been reported; nothing to add.
            let _ = thread.join();
        }
    }
}

impl fmt::Debug for MockServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockServer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

/// Accepts connections until `shutdown` is notified.
async fn serve(listener: TcpListener, state: Arc<State>, shutdown: Arc<Notify>) {
    loop {
        tokio::select! {
            () = shutdown.notified() => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    // Best effort: only latency depends on it.
                    let _ = stream.set_nodelay(true);
                    tokio::spawn(connection(stream, Arc::clone(&state)));
                }
                // Out of file descriptors or the like: let it pass, then go on.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
        }
    }
}

async fn connection(stream: tokio::net::TcpStream, state: Arc<State>) {
    let service = service_fn(move |req| route(Arc::clone(&state), req));
    // A connection error (a dropped fault, a client hanging up) ends only this connection.
    let _ = http1::Builder::new()
        .serve_connection(TokioIo::new(stream), service)
        .await;
}

async fn route(state: Arc<State>, req: Request<Incoming>) -> Result<Response, Dropped> {
    if req.uri().path().starts_with(admin::PREFIX) {
        Ok(admin::handle(&state, req).await)
    } else {
        metadata::handle(&state, req).await
    }
}
