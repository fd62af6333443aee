//! A mock credentials URI server (`ALIBABA_CLOUD_CREDENTIALS_URI`): plain HTTP on
//! 127.0.0.1.
//!
//! - `GET <path>` (default `/credentials`) → 200 with flat JSON `{"Code":"Success",
//!   "AccessKeyId":"STS.…","AccessKeySecret":…,"SecurityToken":…,"Expiration":
//!   "YYYY-MM-DDThh:mm:ssZ","LastUpdated":…}`; another method on that path → 405; every
//!   other path → 404. Error bodies are the metadata service's `<code> - <reason>`.
//! - Credentials rotate like the metadata service's ([`UriConfig::lifetime`],
//!   [`UriConfig::rotate_before`]) on the mock's clock ([`MockCredentialsUri::advance`]).
//! - [`Fault`]s (any target: every request to the credentials path is a credential
//!   request) make it misbehave as they make the metadata service: `status`, `delay`,
//!   `drop`, `malformed_json`, `code` (a 200 whose `Code` is not `Success`), `expired`,
//!   `expiration`, `redirect`, `huge_body`.
//! - The admin endpoint `/_mock/` on the same port is the metadata service's (see the crate
//!   docs) without the mode and token paths: counters ([`UriCounters`]), requests, faults,
//!   clock, credentials, credential/current.

use std::fmt;
use std::io;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use hyper::body::Incoming;
use hyper::{Method, Request, StatusCode};
use serde::{Deserialize, Serialize};

use crate::admin::{self, to_json, Admin};
use crate::body::{json, status_page, Response};
use crate::config::check_rotation;
use crate::faults::{Fault, RequestKind};
use crate::issuer::IssuedCredential;
use crate::metadata::faulted;
use crate::random::Seed;
use crate::server::{serve_http, Common, Dropped, ServerThread, State};

/// How a [`MockCredentialsUri`] starts. Build it from [`UriConfig::default`] and the
/// `with_*` methods, or set the fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UriConfig {
    /// Port on 127.0.0.1; 0 (the default) picks a free one.
    pub port: u16,
    /// The path that serves the credential, starting with `/` and outside `/_mock/`.
    /// Default `/credentials`.
    pub path: String,
    /// How long each credential is valid after its issue. Default 1 h; 1 s to
    /// [`MAX_LIFETIME`](crate::MAX_LIFETIME).
    pub lifetime: Duration,
    /// A new credential is issued this long before the current one expires. Default
    /// `lifetime / 12`; less than `lifetime`.
    pub rotate_before: Duration,
    /// Faults armed at start, in order.
    pub faults: Vec<Fault>,
}

const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);

impl Default for UriConfig {
    fn default() -> Self {
        Self {
            port: 0,
            path: "/credentials".to_owned(),
            lifetime: DEFAULT_LIFETIME,
            rotate_before: DEFAULT_LIFETIME / 12,
            faults: Vec::new(),
        }
    }
}

impl UriConfig {
    /// Listens on `port` (0: any free one).
    #[must_use]
    pub fn with_port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Serves the credential at `path`.
    #[must_use]
    pub fn with_path(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self
    }

    /// Sets the lifetime **and** resets `rotate_before` to `lifetime / 12`.
    #[must_use]
    pub fn with_lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = lifetime;
        self.rotate_before = lifetime / 12;
        self
    }

    /// Sets how long before expiry the next credential is issued.
    #[must_use]
    pub fn with_rotate_before(mut self, rotate_before: Duration) -> Self {
        self.rotate_before = rotate_before;
        self
    }

    /// Arms `fault` at start (after those already listed).
    #[must_use]
    pub fn with_fault(mut self, fault: Fault) -> Self {
        self.faults.push(fault);
        self
    }

    /// Checks the contracts stated on the fields.
    ///
    /// # Errors
    ///
    /// `InvalidInput` naming the field: a lifetime outside 1 s..=[`MAX_LIFETIME`](crate::MAX_LIFETIME),
    /// `rotate_before` not less than `lifetime`, a path not starting with `/`, under
    /// `/_mock/`, or holding `?`, `#` or a control character.
    pub fn validate(&self) -> io::Result<()> {
        check_rotation(self.lifetime, self.rotate_before)?;
        if !self.path.starts_with('/')
            || self.path.starts_with(admin::PREFIX)
            || self
                .path
                .chars()
                .any(|c| c == '?' || c == '#' || c.is_control())
        {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "path must start with / and be outside /_mock/, without ? or #, got {:?}",
                    self.path
                ),
            ));
        }
        Ok(())
    }
}

/// Request counts of a [`MockCredentialsUri`] (admin requests are not counted).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UriCounters {
    /// Every request outside `/_mock/`, any path, any method, faulted or not.
    pub requests: u64,
    /// Of those, `GET`s of the credentials path.
    pub credential_gets: u64,
    /// Most requests in progress at once (from arrival until the answer starts,
    /// including any `delay` fault).
    pub max_concurrent: u64,
}

struct UriState {
    path: String,
    common: Common,
}

impl Admin for UriState {
    fn common(&self) -> &Common {
        &self.common
    }

    fn counters(&self) -> Response {
        to_json(&uri_counters(&self.common))
    }

    fn metadata(&self) -> Option<&State> {
        None
    }
}

fn uri_counters(common: &Common) -> UriCounters {
    let c = common.counters.snapshot();
    UriCounters {
        requests: c.requests,
        credential_gets: c.credential_gets,
        max_concurrent: c.max_concurrent,
    }
}

/// A running mock credentials URI server on 127.0.0.1. Like [`crate::MockServer`]: its own
/// thread and runtime, usable from any thread or runtime; after `fork()` the child must
/// neither use nor drop the handle; dropping it stops the server.
pub struct MockCredentialsUri {
    state: Arc<UriState>,
    thread: ServerThread,
}

impl MockCredentialsUri {
    /// Validates `config`, binds `127.0.0.1:config.port` and starts serving; the socket
    /// is listening when this returns.
    ///
    /// # Errors
    ///
    /// `InvalidInput` from [`UriConfig::validate`]; the bind error (e.g. `AddrInUse`); a
    /// failure to create the runtime or the thread.
    pub fn start(config: UriConfig) -> io::Result<MockCredentialsUri> {
        config.validate()?;
        let state = Arc::new(UriState {
            path: config.path,
            common: Common::new(
                Seed::random(),
                config.lifetime,
                config.rotate_before,
                config.faults,
            ),
        });
        let thread = ServerThread::spawn(config.port, "ecscred-mock-uri", {
            let state = Arc::clone(&state);
            move |listener, shutdown| serve_http(listener, state, shutdown, route)
        })?;
        Ok(MockCredentialsUri { state, thread })
    }

    /// The URL to set as `ALIBABA_CLOUD_CREDENTIALS_URI`: `http://127.0.0.1:PORT/credentials`
    /// (with the configured path).
    pub fn url(&self) -> String {
        format!("http://{}{}", self.thread.addr(), self.state.path)
    }

    /// `http://127.0.0.1:PORT`, where the admin endpoint lives under `/_mock/`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.thread.addr())
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.thread.addr().port()
    }

    /// A snapshot of the counters.
    pub fn counters(&self) -> UriCounters {
        uri_counters(&self.state.common)
    }

    /// Zeroes the counters and forgets the request lines.
    pub fn reset_counters(&self) {
        self.state.common.reset();
    }

    /// The latest request lines (at most 4096), oldest first: `"METHOD target"` as
    /// received.
    pub fn requests(&self) -> Vec<String> {
        self.state.common.journal.snapshot()
    }

    /// Arms `fault` after those already armed.
    pub fn inject(&self, fault: Fault) {
        self.state.common.faults.arm(fault);
    }

    /// Disarms every fault.
    pub fn clear_faults(&self) {
        self.state.common.faults.clear();
    }

    /// Moves the mock's clock forward: rotation follows it.
    pub fn advance(&self, by: Duration) {
        self.state.common.clock.advance(by);
    }

    /// The mock's current time.
    pub fn now(&self) -> SystemTime {
        self.state.common.clock.now()
    }

    /// The credential a GET would return now (not recorded as handed out).
    pub fn current_credential(&self) -> IssuedCredential {
        self.state
            .common
            .issuer
            .current(self.state.common.clock.now())
    }

    /// Every credential that went out in a 200 answer so far (faults' included), in order
    /// of first hand-out, without repeats.
    pub fn issued(&self) -> Vec<IssuedCredential> {
        self.state.common.issuer.handed_out()
    }

    /// Stops serving, closes the port and every open connection, and joins the thread.
    pub fn stop(self) {
        // Drop does the work.
    }
}

impl fmt::Debug for MockCredentialsUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockCredentialsUri")
            .field("url", &self.url())
            .finish_non_exhaustive()
    }
}

async fn route(state: Arc<UriState>, req: Request<Incoming>) -> Result<Response, Dropped> {
    if req.uri().path().starts_with(admin::PREFIX) {
        return Ok(admin::handle(&*state, req).await);
    }
    let path = &state.path;
    let state = &state.common;
    state.journal.record(req.method(), req.uri());
    let kind = if req.uri().path() == path {
        RequestKind::Credential
    } else {
        RequestKind::Other
    };
    let _in_flight = state.counters.begin(kind, req.method());
    let answer = || {
        if kind != RequestKind::Credential {
            status_page(StatusCode::NOT_FOUND)
        } else if req.method() != Method::GET {
            status_page(StatusCode::METHOD_NOT_ALLOWED)
        } else {
            let credential = state.issuer.hand_out(state.clock.now());
            json(StatusCode::OK, credential.wire_json("Success"))
        }
    };
    match state.faults.take(kind) {
        None => Ok(answer()),
        Some(fault) => faulted(fault, &state.issuer, &state.clock, answer).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validate_names_the_bad_field() {
        let ok = UriConfig::default();
        ok.validate().unwrap();
        for bad in [
            ok.clone().with_lifetime(Duration::from_millis(10)),
            ok.clone().with_rotate_before(ok.lifetime),
            ok.clone().with_path("credentials"),
            ok.clone().with_path("/_mock/x"),
            ok.clone().with_path("/a?b"),
        ] {
            let err = bad.validate().unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{bad:?}");
        }
    }
}
