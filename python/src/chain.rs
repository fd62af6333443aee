//! `ecscred.DefaultCredentialsProvider`: the core's default credential chain (or one source
//! of it, pinned) for Python.
//!
//! A subclass of `EcsRamRoleCredentialsProvider`, like the OIDC provider: the same
//! interface, so every adapter that takes an ecscred provider takes this one. The core
//! decides the source from the options, the variables and the profile files when the
//! provider is built (reading them, nothing else: no thread, no network, no signal
//! handler) and reports it through `source_info` and `get_provider_name()`.

use pyo3::prelude::*;
use pyo3::types::PyString;

use crate::errors::to_py_err;
use crate::options::{source_kind, Options};
use crate::provider::EcsRamRoleCredentialsProvider;
use crate::testing::ManualClock;

/// Gets, caches and refreshes the credential of the source the default chain selects (or
/// of the one `source` pins); see `ecscred/_ecscred.pyi` for the options.
#[pyclass(frozen, extends = EcsRamRoleCredentialsProvider, module = "ecscred", name = "DefaultCredentialsProvider")]
pub(crate) struct DefaultCredentialsProvider {}

#[pymethods]
impl DefaultCredentialsProvider {
    /// Options left `None` come from the environment and the profile files, read once,
    /// here, or the core's defaults.
    #[new]
    #[pyo3(signature = (
        *,
        source="chain",
        profile=None,
        config_file=None,
        credentials_file=None,
        credentials_uri=None,
        role_name=None,
        endpoint=None,
        disable_imds_v1=None,
        disabled=None,
        token_ttl=None,
        role_arn=None,
        oidc_provider_arn=None,
        oidc_token_file=None,
        role_session_name=None,
        duration=None,
        policy=None,
        sts_endpoint=None,
        sts_extra_root_pem=None,
        connect_timeout=None,
        read_timeout=None,
        fetch_timeout=None,
        clock=None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        source: &str,
        profile: Option<String>,
        config_file: Option<std::path::PathBuf>,
        credentials_file: Option<std::path::PathBuf>,
        credentials_uri: Option<String>,
        role_name: Option<String>,
        endpoint: Option<String>,
        disable_imds_v1: Option<bool>,
        disabled: Option<bool>,
        token_ttl: Option<&Bound<'_, PyAny>>,
        role_arn: Option<String>,
        oidc_provider_arn: Option<String>,
        oidc_token_file: Option<std::path::PathBuf>,
        role_session_name: Option<String>,
        duration: Option<&Bound<'_, PyAny>>,
        policy: Option<String>,
        sts_endpoint: Option<String>,
        sts_extra_root_pem: Option<String>,
        connect_timeout: Option<&Bound<'_, PyAny>>,
        read_timeout: Option<&Bound<'_, PyAny>>,
        fetch_timeout: Option<&Bound<'_, PyAny>>,
        clock: Option<PyRef<'_, ManualClock>>,
    ) -> PyResult<(Self, EcsRamRoleCredentialsProvider)> {
        let provider = Options {
            source: source_kind(py, source)?,
            profile,
            config_file,
            credentials_file,
            credentials_uri,
            role_name,
            endpoint,
            disable_imds_v1,
            disabled,
            token_ttl,
            role_arn,
            oidc_provider_arn,
            oidc_token_file,
            role_session_name,
            duration,
            policy,
            sts_endpoint,
            sts_extra_root_pem,
            connect_timeout,
            read_timeout,
            fetch_timeout,
            clock,
        }
        .builder(py)?
        .build()
        .map_err(|e| to_py_err(py, &e))?;
        Ok((
            DefaultCredentialsProvider {},
            EcsRamRoleCredentialsProvider::wrap(provider),
        ))
    }

    /// `DefaultCredentialsProvider(provider_name='default/env', selected_by='...')`: names
    /// of sources, variables, files and profiles only.
    fn __repr__(slf: PyRef<'_, Self>) -> PyResult<String> {
        let py = slf.py();
        let info = slf.as_super().inner().source_info();
        Ok(format!(
            "DefaultCredentialsProvider(provider_name={}, selected_by={})",
            PyString::new(py, &info.provider_name()).repr()?,
            PyString::new(py, &info.selected_by).repr()?
        ))
    }
}
