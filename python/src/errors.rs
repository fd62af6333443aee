//! Core errors → the exception classes of `ecscred/_errors.py`, 1:1 by `ErrorKind::code()`.
//!
//! The classes are plain Python (so that they can also subclass builtins and pickle like any
//! exception); this module looks their factory up once and calls it with the core error's
//! message, code, HTTP status and retryability. The message is the core's, which never
//! holds a secret.

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyDict;

/// `ecscred._errors._from_core`, resolved once.
static FACTORY: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// The Python exception for a core error.
pub(crate) fn to_py_err(py: Python<'_>, err: &ecscred::Error) -> PyErr {
    make(
        py,
        err.message(),
        err.kind().code(),
        err.http_status(),
        err.is_retryable(),
    )
}

/// An `InvalidConfigError` raised by the binding itself, for an argument the core never
/// sees in that form (a negative or non-finite timeout).
pub(crate) fn invalid_config(py: Python<'_>, message: &str) -> PyErr {
    make(
        py,
        message,
        ecscred::ErrorKind::InvalidConfig.code(),
        None,
        false,
    )
}

/// An `InvalidResponseError` raised by the binding itself, for a value of the engine that
/// it could not convert (which the engine's range checks should make impossible).
pub(crate) fn invalid_response(py: Python<'_>, message: &str) -> PyErr {
    make(
        py,
        message,
        ecscred::ErrorKind::InvalidResponse.code(),
        None,
        false,
    )
}

fn make(py: Python<'_>, message: &str, code: u32, status: Option<u16>, retryable: bool) -> PyErr {
    // The factory is Python code, and a `PyOnceLock` takes the GIL again on its first
    // initialization: see `gil::call_python`.
    let built = crate::gil::call_python(py, |py| {
        FACTORY
            .get_or_try_init(py, || -> PyResult<Py<PyAny>> {
                Ok(py
                    .import("ecscred._errors")?
                    .getattr("_from_core")?
                    .unbind())
            })
            .and_then(|factory| factory.bind(py).call1((message, code, status, retryable)))
    });
    match built {
        Ok(exc) => PyErr::from_value(exc),
        // Only a broken installation gets here; still say what failed.
        Err(lookup) => PyRuntimeError::new_err(format!(
            "{message} (ecscred could not load its exception classes: {lookup})"
        )),
    }
}

/// `{code: name}` of every core error kind, e.g. `{6: "role not found"}`: lets the tests
/// check that each kind has its own exception class.
#[pyfunction]
pub(crate) fn error_kinds(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    use ecscred::ErrorKind as K;
    let dict = PyDict::new(py);
    for kind in [
        K::Disabled,
        K::InvalidConfig,
        K::Unreachable,
        K::Timeout,
        K::HttpStatus,
        K::RoleNotFound,
        K::HardenedMode,
        K::InvalidResponse,
        K::Internal,
    ] {
        dict.set_item(kind.code(), kind.as_str())?;
    }
    Ok(dict)
}
