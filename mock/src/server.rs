//! The server: its shared state, its thread and its accept loop.

use std::fmt;
use std::future::Future;
use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpListener as StdListener};
use std::ops::Deref;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime};

use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::Request;
use hyper_util::rt::TokioIo;
use parking_lot::Mutex;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
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

/// What every credential-serving mock (the metadata service, the credentials URI) keeps:
/// its clock, rotating credentials, faults, counters and request lines.
pub(crate) struct Common {
    pub(crate) clock: MockClock,
    pub(crate) issuer: Issuer,
    pub(crate) faults: Faults,
    pub(crate) counters: CounterSet,
    pub(crate) journal: Journal,
}

impl Common {
    /// Rotation as [`Issuer::new`] states it (`rotate_before < lifetime`); `faults` armed.
    pub(crate) fn new(
        seed: Seed,
        lifetime: Duration,
        rotate_before: Duration,
        faults: Vec<Fault>,
    ) -> Self {
        let clock = MockClock::new();
        let issuer = Issuer::new(seed, clock.started(), lifetime, rotate_before);
        let armed = Faults::default();
        for fault in faults {
            armed.arm(fault);
        }
        Self {
            clock,
            issuer,
            faults: armed,
            counters: CounterSet::default(),
            journal: Journal::default(),
        }
    }

    /// Zeroes the counters and forgets the request lines.
    pub(crate) fn reset(&self) {
        self.counters.reset();
        self.journal.clear();
    }
}

/// Everything the handlers and the [`MockServer`] handle share (the [`Common`] parts
/// through `Deref`).
pub(crate) struct State {
    pub(crate) role: String,
    mode: Mutex<Mode>,
    pub(crate) tokens: Tokens,
    common: Common,
}

impl Deref for State {
    type Target = Common;

    fn deref(&self) -> &Common {
        &self.common
    }
}

impl State {
    fn new(config: MockConfig) -> Self {
        let seed = Seed::random();
        Self {
            role: config.role,
            mode: Mutex::new(config.mode),
            tokens: Tokens::new(seed),
            common: Common::new(seed, config.lifetime, config.rotate_before, config.faults),
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

/// A server thread: its own current-thread tokio runtime serving a listener bound on
/// 127.0.0.1, until dropped (which stops it, closes every connection and joins it).
pub(crate) struct ServerThread {
    addr: SocketAddr,
    shutdown: Arc<Notify>,
    thread: Option<JoinHandle<()>>,
}

impl ServerThread {
    /// Binds `127.0.0.1:port` (listening when this returns) and runs `serve(listener,
    /// shutdown)` on a thread named `name-PORT`; `serve` must return once `shutdown` is
    /// notified.
    pub(crate) fn spawn<F, Fut>(port: u16, name: &str, serve: F) -> io::Result<Self>
    where
        F: FnOnce(TcpListener, Arc<Notify>) -> Fut + Send + 'static,
        Fut: Future<Output = ()>,
    {
        let listener = StdListener::bind((Ipv4Addr::LOCALHOST, port))?;
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
        let shutdown = Arc::new(Notify::new());
        let thread = std::thread::Builder::new()
            .name(format!("{name}-{}", addr.port()))
            .spawn({
                let shutdown = Arc::clone(&shutdown);
                move || {
                    runtime.block_on(serve(listener, shutdown));
                    // Dropping the runtime here cancels every open connection.
                }
            })?;
        Ok(Self {
            addr,
            shutdown,
            thread: Some(thread),
        })
    }

    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for ServerThread {
    fn drop(&mut self) {
        self.shutdown.notify_one();
        if let Some(thread) = self.thread.take() {
            // A panic on the server thread has already been reported; nothing to add.
            let _ = thread.join();
        }
    }
}

/// Accepts connections until `shutdown` is notified, running `connection(stream)` for
/// each on its own task.
pub(crate) async fn accept_loop<C, Fut>(listener: TcpListener, shutdown: Arc<Notify>, connection: C)
where
    C: Fn(TcpStream) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    loop {
        tokio::select! {
            () = shutdown.notified() => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    // Best effort: only latency depends on it.
                    let _ = stream.set_nodelay(true);
                    tokio::spawn(connection(stream));
                }
                // Out of file descriptors or the like: let it pass, then go on.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
        }
    }
}

/// Serves HTTP/1 on `io`, answering each request with `route` (`Err(Dropped)` closes the
/// connection unanswered), until the connection ends.
pub(crate) async fn serve_connection<I, S, R, Fut>(io: I, state: Arc<S>, route: R)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    S: Send + Sync + 'static,
    R: Fn(Arc<S>, Request<Incoming>) -> Fut + Copy + Send + 'static,
    Fut: Future<Output = Result<Response, Dropped>> + Send + 'static,
{
    let service = service_fn(move |req| route(Arc::clone(&state), req));
    // A connection error (a dropped fault, a client hanging up) ends only this connection.
    let _ = http1::Builder::new()
        .serve_connection(TokioIo::new(io), service)
        .await;
}

/// [`accept_loop`] serving plain HTTP/1 with `route`.
pub(crate) async fn serve_http<S, R, Fut>(
    listener: TcpListener,
    state: Arc<S>,
    shutdown: Arc<Notify>,
    route: R,
) where
    S: Send + Sync + 'static,
    R: Fn(Arc<S>, Request<Incoming>) -> Fut + Copy + Send + 'static,
    Fut: Future<Output = Result<Response, Dropped>> + Send + 'static,
{
    accept_loop(listener, shutdown, |stream| {
        serve_connection(stream, Arc::clone(&state), route)
    })
    .await;
}

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
    thread: ServerThread,
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
        let port = config.port;
        let state = Arc::new(State::new(config));
        let thread = ServerThread::spawn(port, "ecscred-mock", {
            let state = Arc::clone(&state);
            move |listener, shutdown| serve_http(listener, state, shutdown, route)
        })?;
        Ok(MockServer { state, thread })
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn url(&self) -> String {
        format!("http://{}", self.thread.addr())
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.thread.addr().port()
    }

    /// A snapshot of the request counters.
    pub fn counters(&self) -> Counters {
        self.state.counters.snapshot()
    }

    /// Zeroes the counters (`max_concurrent` restarts from the requests in flight) and
    /// forgets the request lines.
    pub fn reset_counters(&self) {
        self.state.reset();
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

impl fmt::Debug for MockServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockServer")
            .field("addr", &self.thread.addr())
            .finish_non_exhaustive()
    }
}

async fn route(state: Arc<State>, req: Request<Incoming>) -> Result<Response, Dropped> {
    if req.uri().path().starts_with(admin::PREFIX) {
        Ok(admin::handle(&*state, req).await)
    } else {
        metadata::handle(&state, req).await
    }
}
