//! Native parts of `ecscred.testing`: the Rust mocks (metadata service, STS, credentials
//! URI) and the core's manual clock. `ecscred/testing.py` wraps them into the documented
//! context managers.
//!
//! Data crosses as JSON text (the mock's own serde shapes), decoded on the Python side.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ecscred_mock::{Fault, MockConfig, MockServer as RustMock, Mode};
use parking_lot::Mutex;
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;

/// A wall clock that moves only when told to. **Testing only**: pass it as the `clock=`
/// option of a provider to decide when it considers credentials due for refresh or expired.
#[pyclass(frozen, module = "ecscred.testing", name = "ManualClock")]
pub(crate) struct ManualClock {
    clock: Arc<ecscred::ManualClock>,
}

impl ManualClock {
    pub(crate) fn shared(&self) -> Arc<ecscred::ManualClock> {
        Arc::clone(&self.clock)
    }
}

fn duration(seconds: f64) -> PyResult<Duration> {
    Duration::try_from_secs_f64(seconds)
        .map_err(|_| PyValueError::new_err(format!("expected seconds >= 0, got {seconds}")))
}

/// An instant the manual clock can stand at (1970 to 2554), else `ValueError`.
fn unix(seconds: f64) -> PyResult<SystemTime> {
    UNIX_EPOCH
        .checked_add(duration(seconds)?)
        .filter(|t| ecscred::ManualClock::can_stand_at(*t))
        .ok_or_else(|| {
            PyValueError::new_err(format!(
                "the manual clock stands between 1970 and 2554; {seconds} s after the epoch \
                 is outside"
            ))
        })
}

fn unix_seconds(t: SystemTime) -> f64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

#[pymethods]
impl ManualClock {
    /// A clock standing at `start` (Unix seconds; default: now).
    #[new]
    #[pyo3(signature = (start=None))]
    fn new(start: Option<f64>) -> PyResult<Self> {
        let start = match start {
            Some(secs) => unix(secs)?,
            None => SystemTime::now(),
        };
        Ok(ManualClock {
            clock: Arc::new(ecscred::ManualClock::new(start)),
        })
    }

    /// Moves the clock forward by `seconds` (`ValueError` past the year 2554).
    fn advance(&self, seconds: f64) -> PyResult<()> {
        use ecscred::Clock as _;
        let by = duration(seconds)?;
        let to = self.clock.now().checked_add(by);
        if !to.is_some_and(ecscred::ManualClock::can_stand_at) {
            return Err(PyValueError::new_err(format!(
                "advancing the manual clock by {seconds} s would pass the year 2554, where it \
                 ends"
            )));
        }
        self.clock.advance(by);
        Ok(())
    }

    /// Sets the clock to `unix_seconds`.
    fn set(&self, unix_seconds: f64) -> PyResult<()> {
        self.clock.set(unix(unix_seconds)?);
        Ok(())
    }

    /// The clock's time in Unix seconds.
    fn now(&self) -> f64 {
        use ecscred::Clock as _;
        unix_seconds(self.clock.now())
    }

    fn __repr__(&self) -> String {
        format!("ManualClock({})", self.now())
    }
}

/// A running mock server, owned by the process that started it: after `fork()` the
/// child gets an error from every call and never joins nor drops the parent's server
/// thread (its handle is leaked there).
struct Owned<T: Send> {
    running: Mutex<Option<(T, u32)>>,
    /// What the errors call it, e.g. `mock STS`.
    what: &'static str,
}

impl<T: Send> Owned<T> {
    fn new(server: T, what: &'static str) -> Self {
        Self {
            running: Mutex::new(Some((server, std::process::id()))),
            what,
        }
    }

    fn with<R>(&self, f: impl FnOnce(&T) -> R) -> PyResult<R> {
        match self.running.lock().as_ref() {
            Some((server, pid)) if *pid == std::process::id() => Ok(f(server)),
            Some(_) => Err(PyRuntimeError::new_err(format!(
                "this {} belongs to the parent process (it was forked)",
                self.what
            ))),
            None => Err(PyRuntimeError::new_err(format!(
                "the {} is stopped",
                self.what
            ))),
        }
    }

    /// Stops the server (dropping it joins its thread) without holding the GIL.
    /// Idempotent.
    fn stop(&self, py: Python<'_>) {
        let running = self.running.lock().take();
        if let Some((server, pid)) = running {
            if pid == std::process::id() {
                crate::gil::detach(py, move || drop(server));
            } else {
                // Forked child: the server thread is the parent's; never join or drop it.
                std::mem::forget(server);
            }
        }
    }
}

impl<T: Send> Drop for Owned<T> {
    fn drop(&mut self) {
        if let Some((server, pid)) = self.running.get_mut().take() {
            if pid != std::process::id() {
                std::mem::forget(server);
            }
        }
    }
}

/// The Rust mock ECS metadata service (`ecscred_mock::MockServer`) on 127.0.0.1.
#[pyclass(frozen, module = "ecscred._ecscred", name = "MockServer")]
pub(crate) struct MockServer {
    server: Owned<RustMock>,
    url: String,
}

impl MockServer {
    fn with<T>(&self, f: impl FnOnce(&RustMock) -> T) -> PyResult<T> {
        self.server.with(f)
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> PyResult<String> {
    serde_json::to_string(value).map_err(|e| PyRuntimeError::new_err(e.to_string()))
}

#[pymethods]
impl MockServer {
    /// Starts serving on 127.0.0.1:`port` (0: any free port). `faults` are fault JSON
    /// texts (the admin endpoint's shape), armed in order.
    #[new]
    #[pyo3(signature = (*, role, lifetime, rotate_before, mode, port=0, faults=Vec::new()))]
    fn new(
        py: Python<'_>,
        role: String,
        lifetime: f64,
        rotate_before: Option<f64>,
        mode: &str,
        port: u16,
        faults: Vec<String>,
    ) -> PyResult<Self> {
        let mut config = MockConfig::default()
            .with_port(port)
            .with_role(role)
            .with_lifetime(duration(lifetime)?)
            .with_mode(mode.parse::<Mode>().map_err(PyValueError::new_err)?);
        if let Some(before) = rotate_before {
            config = config.with_rotate_before(duration(before)?);
        }
        for fault in faults {
            config = config.with_fault(Fault::from_json(&fault).map_err(PyValueError::new_err)?);
        }
        let server = crate::gil::detach(py, || RustMock::start(config))
            .map_err(|e| PyValueError::new_err(format!("cannot start the mock: {e}")))?;
        let url = server.url();
        Ok(MockServer {
            server: Owned::new(server, "mock metadata server"),
            url,
        })
    }

    /// `http://127.0.0.1:PORT`.
    #[getter]
    fn url(&self) -> &str {
        &self.url
    }

    /// The request counters as JSON.
    fn counters_json(&self) -> PyResult<String> {
        self.with(|s| to_json(&s.counters()))?
    }

    /// The latest metadata request lines as received, as JSON (see
    /// `ecscred_mock::MockServer::requests`).
    fn requests_json(&self) -> PyResult<String> {
        self.with(|s| to_json(&s.requests()))?
    }

    /// Zeroes the counters and forgets the request lines.
    fn reset_counters(&self) -> PyResult<()> {
        self.with(|s| s.reset_counters())
    }

    /// Arms a fault given as the admin endpoint's JSON.
    fn inject_json(&self, fault: &str) -> PyResult<()> {
        let fault = Fault::from_json(fault).map_err(PyValueError::new_err)?;
        self.with(|s| s.inject(fault))
    }

    /// Disarms every fault.
    fn clear_faults(&self) -> PyResult<()> {
        self.with(|s| s.clear_faults())
    }

    /// `normal`, `hardened` or `v1-only`.
    fn set_mode(&self, mode: &str) -> PyResult<()> {
        let mode = mode.parse::<Mode>().map_err(PyValueError::new_err)?;
        self.with(|s| s.set_mode(mode))
    }

    /// Moves the mock's clock forward (rotation and token expiry follow it).
    fn advance(&self, seconds: f64) -> PyResult<()> {
        let by = duration(seconds)?;
        self.with(|s| s.advance(by))
    }

    /// The mock's clock in Unix seconds.
    fn now(&self) -> PyResult<f64> {
        self.with(|s| unix_seconds(s.now()))
    }

    /// Invalidates every metadata token issued so far.
    fn expire_tokens(&self) -> PyResult<()> {
        self.with(|s| s.expire_tokens())
    }

    /// Every credential handed out so far, as JSON (full secret values: it is a mock).
    fn issued_json(&self) -> PyResult<String> {
        self.with(|s| to_json(&s.issued()))?
    }

    /// The credential a GET would return now, as JSON.
    fn current_json(&self) -> PyResult<String> {
        self.with(|s| to_json(&s.current_credential()))?
    }

    /// Stops serving and closes the port. Idempotent.
    fn stop(&self, py: Python<'_>) {
        self.server.stop(py);
    }

    fn __repr__(&self) -> String {
        format!("MockServer(url={:?})", self.url)
    }
}

/// The Rust mock STS (`ecscred_mock::MockSts`, `AssumeRoleWithOIDC` over HTTPS with its
/// own CA) on 127.0.0.1.
#[pyclass(frozen, module = "ecscred._ecscred", name = "MockSts")]
pub(crate) struct MockSts {
    server: Owned<ecscred_mock::MockSts>,
    url: String,
    ca_pem: String,
}

impl MockSts {
    fn with<T>(&self, f: impl FnOnce(&ecscred_mock::MockSts) -> T) -> PyResult<T> {
        self.server.with(f)
    }
}

#[pymethods]
impl MockSts {
    /// Starts serving on 127.0.0.1:`port` (0: any free port), accepting `token`.
    /// `lifetime` (seconds, `None`: `DurationSeconds`) of the credentials it issues;
    /// `faults` are fault JSON texts, armed in order; `access_keys` (id → secret) may sign
    /// `AssumeRole`.
    #[new]
    #[pyo3(signature = (*, token, lifetime=None, port=0, faults=Vec::new(), access_keys=Vec::new()))]
    fn new(
        py: Python<'_>,
        token: String,
        lifetime: Option<f64>,
        port: u16,
        faults: Vec<String>,
        access_keys: Vec<(String, String)>,
    ) -> PyResult<Self> {
        let mut config = ecscred_mock::StsConfig::new(token).with_port(port);
        for (id, secret) in access_keys {
            config = config.with_access_key(id, secret);
        }
        if let Some(lifetime) = lifetime {
            config = config.with_lifetime(duration(lifetime)?);
        }
        for fault in faults {
            config = config.with_fault(Fault::from_json(&fault).map_err(PyValueError::new_err)?);
        }
        let server = py
            .detach(|| ecscred_mock::MockSts::start(config))
            .map_err(|e| PyValueError::new_err(format!("cannot start the mock STS: {e}")))?;
        let (url, ca_pem) = (server.url(), server.ca_pem());
        Ok(MockSts {
            server: Owned::new(server, "mock STS"),
            url,
            ca_pem,
        })
    }

    /// `https://127.0.0.1:PORT`.
    #[getter]
    fn url(&self) -> &str {
        &self.url
    }

    /// The PEM of the CA that issued the mock's certificate.
    #[getter]
    fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// Accepts `token` from now on (a rotated token file).
    fn set_token(&self, token: String) -> PyResult<()> {
        self.with(|s| s.set_token(token))
    }

    /// The counters as JSON.
    fn counters_json(&self) -> PyResult<String> {
        self.with(|s| to_json(&s.counters()))?
    }

    /// The request lines as JSON (never the token).
    fn requests_json(&self) -> PyResult<String> {
        self.with(|s| to_json(&s.requests()))?
    }

    /// Zeroes the counters and forgets the request lines.
    fn reset_counters(&self) -> PyResult<()> {
        self.with(|s| s.reset_counters())
    }

    /// Arms a fault given as the admin endpoint's JSON.
    fn inject_json(&self, fault: &str) -> PyResult<()> {
        let fault = Fault::from_json(fault).map_err(PyValueError::new_err)?;
        self.with(|s| s.inject(fault))
    }

    /// Disarms every fault.
    fn clear_faults(&self) -> PyResult<()> {
        self.with(|s| s.clear_faults())
    }

    /// Moves the mock's clock forward.
    fn advance(&self, seconds: f64) -> PyResult<()> {
        let by = duration(seconds)?;
        self.with(|s| s.advance(by))
    }

    /// The mock's clock in Unix seconds.
    fn now(&self) -> PyResult<f64> {
        self.with(|s| unix_seconds(s.now()))
    }

    /// Every credential issued so far, as JSON (full secret values: it is a mock).
    fn issued_json(&self) -> PyResult<String> {
        self.with(|s| to_json(&s.issued()))?
    }

    /// Stops serving and closes the port. Idempotent.
    fn stop(&self, py: Python<'_>) {
        self.server.stop(py);
    }

    fn __repr__(&self) -> String {
        format!("MockSts(url={:?})", self.url)
    }
}

/// The Rust mock credentials URI server (`ecscred_mock::MockCredentialsUri`) on 127.0.0.1.
#[pyclass(frozen, module = "ecscred._ecscred", name = "MockCredentialsUri")]
pub(crate) struct MockCredentialsUri {
    server: Owned<ecscred_mock::MockCredentialsUri>,
    url: String,
}

impl MockCredentialsUri {
    fn with<T>(&self, f: impl FnOnce(&ecscred_mock::MockCredentialsUri) -> T) -> PyResult<T> {
        self.server.with(f)
    }
}

#[pymethods]
impl MockCredentialsUri {
    /// Starts serving `path` on 127.0.0.1:`port` (0: any free port); credentials live
    /// `lifetime` seconds and rotate `rotate_before` seconds before expiry (`None`:
    /// lifetime / 12); `faults` are fault JSON texts, armed in order.
    #[new]
    #[pyo3(signature = (*, lifetime, rotate_before=None, path="/credentials".to_owned(), port=0, faults=Vec::new()))]
    fn new(
        py: Python<'_>,
        lifetime: f64,
        rotate_before: Option<f64>,
        path: String,
        port: u16,
        faults: Vec<String>,
    ) -> PyResult<Self> {
        let mut config = ecscred_mock::UriConfig::default()
            .with_port(port)
            .with_path(path)
            .with_lifetime(duration(lifetime)?);
        if let Some(before) = rotate_before {
            config = config.with_rotate_before(duration(before)?);
        }
        for fault in faults {
            config = config.with_fault(Fault::from_json(&fault).map_err(PyValueError::new_err)?);
        }
        let server = crate::gil::detach(py, || ecscred_mock::MockCredentialsUri::start(config))
            .map_err(|e| {
                PyValueError::new_err(format!("cannot start the mock credentials URI: {e}"))
            })?;
        let url = server.url();
        Ok(MockCredentialsUri {
            server: Owned::new(server, "mock credentials URI"),
            url,
        })
    }

    /// `http://127.0.0.1:PORT/<path>`: the value of `ALIBABA_CLOUD_CREDENTIALS_URI`.
    #[getter]
    fn url(&self) -> &str {
        &self.url
    }

    /// The request counters as JSON.
    fn counters_json(&self) -> PyResult<String> {
        self.with(|s| to_json(&s.counters()))?
    }

    /// The latest request lines as received, as JSON.
    fn requests_json(&self) -> PyResult<String> {
        self.with(|s| to_json(&s.requests()))?
    }

    /// Zeroes the counters and forgets the request lines.
    fn reset_counters(&self) -> PyResult<()> {
        self.with(|s| s.reset_counters())
    }

    /// Arms a fault given as the admin endpoint's JSON.
    fn inject_json(&self, fault: &str) -> PyResult<()> {
        let fault = Fault::from_json(fault).map_err(PyValueError::new_err)?;
        self.with(|s| s.inject(fault))
    }

    /// Disarms every fault.
    fn clear_faults(&self) -> PyResult<()> {
        self.with(|s| s.clear_faults())
    }

    /// Moves the mock's clock forward (rotation follows it).
    fn advance(&self, seconds: f64) -> PyResult<()> {
        let by = duration(seconds)?;
        self.with(|s| s.advance(by))
    }

    /// The mock's clock in Unix seconds.
    fn now(&self) -> PyResult<f64> {
        self.with(|s| unix_seconds(s.now()))
    }

    /// Every credential handed out so far, as JSON (full secret values: it is a mock).
    fn issued_json(&self) -> PyResult<String> {
        self.with(|s| to_json(&s.issued()))?
    }

    /// The credential a GET would return now, as JSON.
    fn current_json(&self) -> PyResult<String> {
        self.with(|s| to_json(&s.current_credential()))?
    }

    /// Stops serving and closes the port. Idempotent.
    fn stop(&self, py: Python<'_>) {
        self.server.stop(py);
    }

    fn __repr__(&self) -> String {
        format!("MockCredentialsUri(url={:?})", self.url)
    }
}
