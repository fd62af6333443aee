//! `ecscred.Credentials`: the immutable Python snapshot of one core [`Credential`].
//!
//! It satisfies the plug-in interfaces at once: oss2's getters (`get_access_key_id()`,
//! `get_access_key_secret()`, `get_security_token()`), alibabacloud-oss-v2's
//! `Credentials` (attributes `access_key_id`, `access_key_secret`, `security_token`,
//! `expiration` as an aware UTC `datetime`, `has_keys()`, `is_expired()`) and
//! alibabacloud-credentials' `ICredentials` (those getters and `get_provider_name()`).
//!
//! The Python strings are made once per credential, when it is first seen; a provider hands
//! the same object out again for as long as the core returns the same credential, so the
//! warm path allocates nothing.

use std::time::{SystemTime, UNIX_EPOCH};

use ecscred::Credential;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{IntoPyDict, PyString};

/// A credential: immutable; `repr` redacts the secret and the security token. An STS
/// credential has a security token and an expiration; a long-term AccessKey (from the
/// environment or a profile) has neither: `security_token` is `None` and `expires` is
/// `False` (its `expiration` then reads 9998-12-31T23:59:59Z).
#[pyclass(frozen, module = "ecscred", name = "Credentials")]
pub(crate) struct Credentials {
    /// The AccessKeyId (`STS.…` for an STS credential).
    #[pyo3(get)]
    access_key_id: Py<PyString>,
    /// The AccessKeySecret. Never log it.
    #[pyo3(get)]
    access_key_secret: Py<PyString>,
    /// The SecurityToken, `None` for a long-term AccessKey (as alibabacloud-credentials
    /// has it). Never log it.
    #[pyo3(get)]
    security_token: Option<Py<PyString>>,
    /// When the credential stops working: an aware `datetime` in UTC.
    #[pyo3(get)]
    expiration: Py<PyAny>,
    /// `False` for a credential that never expires (a long-term AccessKey, an STS token
    /// configured without its expiration): it is never refreshed.
    #[pyo3(get)]
    expires: bool,
    /// When the metadata service issued it (aware UTC `datetime`), or `None`.
    #[pyo3(get)]
    last_updated: Py<PyAny>,
    expires_at: SystemTime,
    /// `YYYY-MM-DDThh:mm:ssZ`, for `repr`.
    expiration_text: String,
    /// The name of the provider's source (`get_provider_name()`).
    provider_name: Py<PyString>,
}

impl Credentials {
    /// The snapshot of `c`, which the source named `provider_name` gave.
    pub(crate) fn new(
        py: Python<'_>,
        c: &Credential,
        provider_name: &str,
    ) -> PyResult<Credentials> {
        Ok(Credentials {
            access_key_id: PyString::new(py, c.access_key_id()).unbind(),
            access_key_secret: PyString::new(py, c.access_key_secret()).unbind(),
            security_token: c
                .has_security_token()
                .then(|| PyString::new(py, c.security_token()).unbind()),
            expiration: utc_datetime(py, "Expiration", c.expiration())?.unbind(),
            last_updated: match c.last_updated() {
                Some(t) => utc_datetime(py, "LastUpdated", t)?.unbind(),
                None => py.None(),
            },
            expires: c.expires(),
            expires_at: c.expiration(),
            expiration_text: ecscred::wire::format_timestamp(c.expiration()),
            provider_name: PyString::new(py, provider_name).unbind(),
        })
    }
}

#[pymethods]
impl Credentials {
    /// oss2 interface: the AccessKeyId.
    #[pyo3(name = "get_access_key_id")]
    fn oss2_access_key_id(&self, py: Python<'_>) -> Py<PyString> {
        self.access_key_id.clone_ref(py)
    }

    /// oss2 interface: the AccessKeySecret.
    #[pyo3(name = "get_access_key_secret")]
    fn oss2_access_key_secret(&self, py: Python<'_>) -> Py<PyString> {
        self.access_key_secret.clone_ref(py)
    }

    /// oss2 interface: the SecurityToken, `None` for a long-term AccessKey (oss2 then
    /// sends no token).
    #[pyo3(name = "get_security_token")]
    fn oss2_security_token(&self, py: Python<'_>) -> Option<Py<PyString>> {
        self.security_token.as_ref().map(|t| t.clone_ref(py))
    }

    /// alibabacloud-credentials interface: the name of the provider's source, e.g.
    /// `"ecs_ram_role"` or `"default/env"` (tea-openapi sends it as
    /// `x-acs-credentials-provider`).
    fn get_provider_name(&self, py: Python<'_>) -> Py<PyString> {
        self.provider_name.clone_ref(py)
    }

    /// alibabacloud-oss-v2 interface: always `True` (a credential always has both keys).
    fn has_keys(&self) -> bool {
        true
    }

    /// alibabacloud-oss-v2 interface: `True` once the system clock has reached the
    /// expiration (never for a credential that does not expire). A provider never hands
    /// out an expired credential; a snapshot kept for long can expire.
    fn is_expired(&self) -> bool {
        self.expires && SystemTime::now() >= self.expires_at
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let token = match self.security_token {
            Some(_) => "<redacted>",
            None => "None",
        };
        Ok(format!(
            "Credentials(access_key_id={}, access_key_secret=<redacted>, \
             security_token={token}, expiration='{}')",
            self.access_key_id.bind(py).repr()?,
            self.expiration_text
        ))
    }

    /// Pickling would write the secret out: refused.
    fn __reduce__(&self) -> PyResult<()> {
        Err(pyo3::exceptions::PyTypeError::new_err(
            "ecscred.Credentials cannot be pickled (it holds a secret); \
             pass the provider's configuration instead",
        ))
    }
}

/// `datetime.datetime(1970, 1, 1, tzinfo=timezone.utc)` and `datetime.timedelta`,
/// resolved once.
static EPOCH_AND_DELTA: PyOnceLock<(Py<PyAny>, Py<PyAny>)> = PyOnceLock::new();

/// `t` as an aware UTC `datetime`, exact to the microsecond (truncated, like the other
/// bindings; no float on the way). The engine only accepts instants every binding can
/// represent (years 1970 to 9998), so this does not fail; if it ever did, the caller gets
/// the library's `InvalidResponseError` naming `field`, not a bare `ValueError`.
pub(crate) fn utc_datetime<'py>(
    py: Python<'py>,
    field: &str,
    t: SystemTime,
) -> PyResult<Bound<'py, PyAny>> {
    // Python code, and the `PyOnceLock` takes the GIL again the first time: see
    // `gil::call_python`.
    crate::gil::call_python(py, |py| utc_datetime_of(py, field, t))
}

fn utc_datetime_of<'py>(
    py: Python<'py>,
    field: &str,
    t: SystemTime,
) -> PyResult<Bound<'py, PyAny>> {
    let (epoch, timedelta) = EPOCH_AND_DELTA.get_or_try_init(py, || -> PyResult<_> {
        let datetime = py.import("datetime")?;
        let utc = datetime.getattr("timezone")?.getattr("utc")?;
        let kwargs = [("tzinfo", utc)].into_py_dict(py)?;
        Ok((
            datetime
                .getattr("datetime")?
                .call((1970, 1, 1), Some(&kwargs))?
                .unbind(),
            datetime.getattr("timedelta")?.unbind(),
        ))
    })?;
    let (secs, micros) = match t.duration_since(UNIX_EPOCH) {
        Ok(d) => (d.as_secs() as i64, i64::from(d.subsec_micros())),
        Err(before) => {
            let d = before.duration();
            (-(d.as_secs() as i64), -i64::from(d.subsec_micros()))
        }
    };
    timedelta
        .bind(py)
        .call1((0, secs, micros))
        .and_then(|delta| epoch.bind(py).add(delta))
        .map_err(|e| {
            crate::errors::invalid_response(
                py,
                &format!(
                    "the credential's {field} ({}) cannot be represented as a Python \
                     datetime: {e}",
                    ecscred::wire::format_timestamp(t)
                ),
            )
        })
}
