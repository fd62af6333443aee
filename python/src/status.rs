//! `ecscred.RefreshStatus`: the core's [`ecscred::RefreshStatus`] for health checks.

use pyo3::prelude::*;

use crate::credentials::utc_datetime;
use crate::errors::to_py_err;

/// How a provider's refreshing is going (from ``refresh_status()``): an immutable
/// snapshot for health checks and diagnostics. Holds no secret.
///
/// Attributes:
///     in_flight: a fetch is under way.
///     consecutive_failures: fetches in a row that failed or returned the credential
///         already cached (0 when healthy).
///     last_error: the ``CredentialError`` of the last failed fetch, until one succeeds,
///         else ``None``.
///     next_attempt_at: when the next attempt is allowed while backing off (aware UTC
///         ``datetime``), else ``None``.
///     expiration: when the cached credential expires (aware UTC ``datetime``), or
///         ``None`` when nothing has been fetched yet.
#[pyclass(frozen, get_all, module = "ecscred", name = "RefreshStatus")]
pub(crate) struct RefreshStatus {
    in_flight: bool,
    consecutive_failures: u32,
    last_error: Option<Py<PyAny>>,
    next_attempt_at: Option<Py<PyAny>>,
    expiration: Option<Py<PyAny>>,
}

impl RefreshStatus {
    pub(crate) fn new(py: Python<'_>, status: &ecscred::RefreshStatus) -> PyResult<Self> {
        let instant = |field: &str, t: Option<std::time::SystemTime>| -> PyResult<_> {
            t.map(|t| utc_datetime(py, field, t).map(Bound::unbind))
                .transpose()
        };
        Ok(RefreshStatus {
            in_flight: status.in_flight,
            consecutive_failures: status.consecutive_failures,
            last_error: status
                .last_error
                .as_ref()
                .map(|e| to_py_err(py, e).into_value(py).into_any()),
            next_attempt_at: instant("next attempt", status.next_attempt_at)?,
            expiration: instant("Expiration", status.expiration)?,
        })
    }
}

#[pymethods]
impl RefreshStatus {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let show = |v: &Option<Py<PyAny>>| -> PyResult<String> {
            match v {
                Some(v) => Ok(v.bind(py).repr()?.to_string()),
                None => Ok("None".to_owned()),
            }
        };
        Ok(format!(
            "RefreshStatus(in_flight={}, consecutive_failures={}, last_error={}, \
             next_attempt_at={}, expiration={})",
            if self.in_flight { "True" } else { "False" },
            self.consecutive_failures,
            show(&self.last_error)?,
            show(&self.next_attempt_at)?,
            show(&self.expiration)?,
        ))
    }
}
