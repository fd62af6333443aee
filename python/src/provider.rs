//! `ecscred.EcsRamRoleCredentialsProvider`: a core [`ecscred::Provider`] for Python.
//!
//! `get_credentials()` asks the core with the GIL released (a cold or expiring cache waits
//! on the network), then translates the result. The translation is cached per core
//! credential (`Arc` pointer identity): while the core keeps returning the same credential,
//! the same Python snapshot object is returned, with no allocation.
//!
//! The class also is an alibabacloud-credentials `ICredentialsProvider`:
//! `get_provider_name()` and `get_credentials_async()`, a coroutine from
//! `ecscred._aio` (the warm path there is `cached_credentials()`; a fetch runs in the
//! event loop's executor, never on the loop).

use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwapOption;
use ecscred::{Credential, Provider, ProviderBuilder};
use pyo3::exceptions::PyOverflowError;
use pyo3::prelude::*;
use pyo3::types::PyString;

use crate::credentials::Credentials;
use crate::errors::{invalid_config, to_py_err};
use crate::gil;
use crate::options::Options;
use crate::source::SourceInfo;
use crate::status::RefreshStatus;
use crate::testing::ManualClock;

/// The last credential translated, and its translation.
struct Translated {
    credential: Arc<Credential>,
    snapshot: Py<Credentials>,
}

/// Gets, caches and refreshes the STS credential of the instance's RAM role.
///
/// Every option left ``None`` comes from the environment (read once, when the provider is
/// built) or the default:
///
/// - ``role_name`` (str): the RAM role. Default: ``ALIBABA_CLOUD_ECS_METADATA``, else the
///   role attached to the instance, discovered once.
/// - ``endpoint`` (str): base URL of the metadata service, ``http://host[:port]``.
///   Default: ``ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT``, else
///   ``http://100.100.100.200``.
/// - ``disable_imds_v1`` (bool): hardened mode (metadata token) only, never plain
///   requests. Default: the boolean ``ALIBABA_CLOUD_IMDSV1_DISABLED``, else False.
/// - ``disabled`` (bool): never contact the metadata service; every call raises
///   ``MetadataDisabledError``. Default: ``ALIBABA_CLOUD_ECS_METADATA_DISABLED``, else False.
/// - ``connect_timeout`` (seconds, int or float, 0.001 to 3600): time allowed to connect.
///   Default 1.
/// - ``read_timeout`` (seconds, 0.001 to 3600): time allowed between reads of one answer.
///   Default 1.
/// - ``fetch_timeout`` (seconds, 0.001 to 3600): deadline of a whole fetch with its
///   retries, the longest a call waits. Default 5.
/// - ``token_ttl`` (seconds, 1 to 21600): TTL asked for the metadata token. Default 21600.
/// - ``clock``: tests only, an ``ecscred.testing.ManualClock``.
///
/// A boolean variable is true for true/1/yes/on, false for false/0/no/off (any case).
/// Raises ``InvalidConfigError`` for an unusable configuration: a value out of range
/// (zero, negative, NaN, infinite, too large), a bad URL or role name, a boolean variable
/// set to anything else.
///
/// Each instance has its own cache: build one and keep it, or use
/// ``ecscred.get_credentials()`` and the one-line adapters (``EcsRamRoleAuth``,
/// ``credential_client``, ``sdk_core_credential``), which share the process-wide provider
/// of their role and options.
#[pyclass(
    frozen,
    subclass,
    module = "ecscred",
    name = "EcsRamRoleCredentialsProvider"
)]
pub(crate) struct EcsRamRoleCredentialsProvider {
    inner: Provider,
    last: ArcSwapOption<Translated>,
}

impl EcsRamRoleCredentialsProvider {
    pub(crate) fn wrap(inner: Provider) -> Self {
        EcsRamRoleCredentialsProvider {
            inner,
            last: ArcSwapOption::empty(),
        }
    }

    /// The core provider.
    pub(crate) fn inner(&self) -> &Provider {
        &self.inner
    }

    /// The Python snapshot of `credential`: the one made last time if it is the same.
    fn snapshot(&self, py: Python<'_>, credential: Arc<Credential>) -> PyResult<Py<Credentials>> {
        if let Some(last) = self.last.load().as_ref() {
            if Arc::ptr_eq(&last.credential, &credential) {
                return Ok(last.snapshot.clone_ref(py));
            }
        }
        // Makes Python objects, the first time through a `PyOnceLock`: see `gil::call_python`.
        gil::call_python(py, |py| {
            let name = self.inner.provider_name();
            let snapshot = Py::new(py, Credentials::new(py, &credential, &name)?)?;
            self.last.store(Some(Arc::new(Translated {
                credential,
                snapshot: snapshot.clone_ref(py),
            })));
            Ok(snapshot)
        })
    }
}

/// Seconds (int or float) → `Duration`; `None` keeps the core's default. The core checks
/// the range (and names the bounds); here only what a `Duration` cannot hold is refused:
/// NaN and negative numbers. Infinity and numbers too large for a `Duration` (huge ints
/// included) become `Duration::MAX`, which the core refuses as out of range.
pub(crate) fn seconds(
    py: Python<'_>,
    name: &str,
    value: Option<&Bound<'_, PyAny>>,
) -> PyResult<Option<Duration>> {
    let Some(value) = value else {
        return Ok(None);
    };
    let secs = match value.extract::<f64>() {
        Ok(secs) => secs,
        Err(e) if e.is_instance_of::<PyOverflowError>(py) => {
            if value.lt(0)? {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            }
        }
        Err(e) => return Err(e),
    };
    if secs.is_nan() || secs < 0.0 {
        return Err(invalid_config(
            py,
            &format!("{name} must be a positive number of seconds, got {secs}"),
        ));
    }
    Ok(Some(
        Duration::try_from_secs_f64(secs).unwrap_or(Duration::MAX),
    ))
}

/// The core builder for the options of `EcsRamRoleCredentialsProvider(...)` and
/// `shared_provider(...)`.
#[allow(clippy::too_many_arguments)]
fn builder<'py>(
    py: Python<'py>,
    role_name: Option<String>,
    endpoint: Option<String>,
    disable_imds_v1: Option<bool>,
    disabled: Option<bool>,
    connect_timeout: Option<&Bound<'py, PyAny>>,
    read_timeout: Option<&Bound<'py, PyAny>>,
    fetch_timeout: Option<&Bound<'py, PyAny>>,
    token_ttl: Option<&Bound<'py, PyAny>>,
    clock: Option<PyRef<'py, ManualClock>>,
) -> PyResult<ProviderBuilder> {
    Options {
        role_name,
        endpoint,
        disable_imds_v1,
        disabled,
        connect_timeout,
        read_timeout,
        fetch_timeout,
        token_ttl,
        clock,
        ..Options::default()
    }
    .builder(py)
}

#[pymethods]
impl EcsRamRoleCredentialsProvider {
    /// See `ecscred/_ecscred.pyi` for the documented signature. Options left `None` come
    /// from the environment (read once, here) or the core's defaults.
    #[new]
    #[pyo3(signature = (
        role_name=None,
        *,
        endpoint=None,
        disable_imds_v1=None,
        disabled=None,
        connect_timeout=None,
        read_timeout=None,
        fetch_timeout=None,
        token_ttl=None,
        clock=None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        role_name: Option<String>,
        endpoint: Option<String>,
        disable_imds_v1: Option<bool>,
        disabled: Option<bool>,
        connect_timeout: Option<&Bound<'_, PyAny>>,
        read_timeout: Option<&Bound<'_, PyAny>>,
        fetch_timeout: Option<&Bound<'_, PyAny>>,
        token_ttl: Option<&Bound<'_, PyAny>>,
        clock: Option<PyRef<'_, ManualClock>>,
    ) -> PyResult<Self> {
        builder(
            py,
            role_name,
            endpoint,
            disable_imds_v1,
            disabled,
            connect_timeout,
            read_timeout,
            fetch_timeout,
            token_ttl,
            clock,
        )?
        .build()
        .map(Self::wrap)
        .map_err(|e| to_py_err(py, &e))
    }

    /// The current credential: an immutable `Credentials` snapshot, never expired.
    ///
    /// Returns at once while a valid credential is cached (the common case). Otherwise waits,
    /// with the GIL released, for the one fetch shared by all callers, at most about the
    /// fetch timeout. Raises a `CredentialError` subclass when no valid credential can be
    /// had. Thread-safe; works in forked children.
    fn get_credentials(&self, py: Python<'_>) -> PyResult<Py<Credentials>> {
        let inner = &self.inner;
        // The warm path never blocks: take it with the GIL held (releasing the GIL costs
        // more than the whole call). Anything else may wait on the network: release it.
        let credential = match inner.cached_credential() {
            Some(credential) => credential,
            None => gil::call_python(py, |py| {
                crate::logging::refresh_threshold(py);
                gil::detach(py, || inner.credential()).map_err(|e| to_py_err(py, &e))
            })?,
        };
        self.snapshot(py, credential)
    }

    /// The cached credential if `get_credentials()` would return it at once; `None` when
    /// that call has more to do (fetch, start a refresh, wait). Never blocks or touches
    /// the network. Thread-safe.
    fn cached_credentials(&self, py: Python<'_>) -> PyResult<Option<Py<Credentials>>> {
        self.inner
            .cached_credential()
            .map(|credential| self.snapshot(py, credential))
            .transpose()
    }

    /// alibabacloud-credentials interface: an awaitable of the current credential that
    /// never blocks the event loop: the warm path returns at once; otherwise
    /// `get_credentials()` runs in the running loop's default executor. Same result and
    /// errors as `get_credentials()`.
    fn get_credentials_async<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        // Python code on the calling thread: see `gil::call_python`.
        crate::gil::call_python(slf.py(), |py| {
            py.import("ecscred._aio")?
                .getattr("get_credentials_async")?
                .call1((slf,))
        })
    }

    /// alibabacloud-credentials interface: the source's name, `"ecs_ram_role"` here,
    /// `"oidc_role_arn"` for the OIDC provider, `"default/<source>"` for the chain's choice
    /// (`"default/env"`, `"default/cli_profile/static_ak"`, ...). Its `Client` uses it as
    /// the credential type, which tea-openapi signs with an AccessKey (anything but
    /// `"bearer"`).
    fn get_provider_name(&self) -> String {
        self.inner.provider_name()
    }

    /// Which source this provider uses and what selected it: a `SourceInfo` (no secret).
    #[getter]
    fn source_info(&self) -> SourceInfo {
        SourceInfo::new(self.inner.source_info())
    }

    /// How refreshing is going, for health checks: a `RefreshStatus` (no secret in it).
    /// Never blocks on the network. Thread-safe.
    fn refresh_status(&self, py: Python<'_>) -> PyResult<RefreshStatus> {
        RefreshStatus::new(py, &self.inner.refresh_status())
    }

    /// The URL this provider talks to: the metadata service (STS for the OIDC subclass).
    #[getter]
    pub(crate) fn endpoint(&self) -> &str {
        self.inner.endpoint()
    }

    /// The configured role name, or `None` when it is discovered from the metadata service.
    #[getter]
    fn role_name(&self) -> Option<&str> {
        self.inner.role_name()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let role = match self.inner.role_name() {
            Some(role) => PyString::new(py, role).repr()?.to_string(),
            None => "None".to_owned(),
        };
        Ok(format!(
            "EcsRamRoleCredentialsProvider(role_name={role}, endpoint={})",
            PyString::new(py, self.inner.endpoint()).repr()?
        ))
    }

    /// Pickling a provider would not carry its cache; refused rather than half-done.
    fn __reduce__(&self) -> PyResult<()> {
        Err(pyo3::exceptions::PyTypeError::new_err(
            "ecscred.EcsRamRoleCredentialsProvider cannot be pickled; \
             build one per process from the same options",
        ))
    }
}

/// The process-wide provider of these options (`role_name` `None`: from the environment
/// or discovered): the same core provider for the same resolved configuration, shared
/// with every other user of ecscred in this process (the core's `build_shared`).
#[pyfunction]
#[pyo3(signature = (
    role_name=None,
    *,
    endpoint=None,
    disable_imds_v1=None,
    disabled=None,
    connect_timeout=None,
    read_timeout=None,
    fetch_timeout=None,
    token_ttl=None,
    clock=None,
))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn shared_provider(
    py: Python<'_>,
    role_name: Option<String>,
    endpoint: Option<String>,
    disable_imds_v1: Option<bool>,
    disabled: Option<bool>,
    connect_timeout: Option<&Bound<'_, PyAny>>,
    read_timeout: Option<&Bound<'_, PyAny>>,
    fetch_timeout: Option<&Bound<'_, PyAny>>,
    token_ttl: Option<&Bound<'_, PyAny>>,
    clock: Option<PyRef<'_, ManualClock>>,
) -> PyResult<EcsRamRoleCredentialsProvider> {
    if role_name.as_deref() == Some("") {
        // Not a role name, and not a way to ask for the default one.
        return Err(invalid_config(
            py,
            "the role name is empty; pass no role to use the default one",
        ));
    }
    builder(
        py,
        role_name,
        endpoint,
        disable_imds_v1,
        disabled,
        connect_timeout,
        read_timeout,
        fetch_timeout,
        token_ttl,
        clock,
    )?
    .build_shared()
    .map(EcsRamRoleCredentialsProvider::wrap)
    .map_err(|e| to_py_err(py, &e))
}
