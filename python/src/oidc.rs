//! `ecscred.OidcRoleArnCredentialsProvider`: a core provider of the OIDC source (an ACK
//! pod's role with RRSA, through STS `AssumeRoleWithOIDC`) for Python.
//!
//! A subclass of `EcsRamRoleCredentialsProvider`: it has the same interface
//! (`get_credentials()`, `cached_credentials()`, `get_credentials_async()`, ...), so every
//! adapter that takes the ECS provider (oss2, alibabacloud-oss-v2, tea-openapi's
//! credential client, sdk-core) takes this one. Only the constructor, the provider name and
//! the repr differ; the core does the rest.

use ecscred::{Provider, SourceKind};
use pyo3::prelude::*;
use pyo3::types::PyString;

use crate::errors::to_py_err;
use crate::provider::{seconds, EcsRamRoleCredentialsProvider};
use crate::testing::ManualClock;

/// What alibabacloud-credentials' own OIDC provider calls itself.
const PROVIDER_NAME: &str = "oidc_role_arn";

/// Gets, caches and refreshes the STS credential of a RAM role assumed with an OIDC token.
#[pyclass(frozen, extends = EcsRamRoleCredentialsProvider, module = "ecscred", name = "OidcRoleArnCredentialsProvider")]
pub(crate) struct OidcRoleArnCredentialsProvider {}

#[pymethods]
impl OidcRoleArnCredentialsProvider {
    /// See `ecscred/_ecscred.pyi`. Options left `None` come from the environment
    /// (`ALIBABA_CLOUD_ROLE_ARN`, `ALIBABA_CLOUD_OIDC_PROVIDER_ARN`,
    /// `ALIBABA_CLOUD_OIDC_TOKEN_FILE`, ...), read once, here.
    #[new]
    #[pyo3(signature = (
        role_arn=None,
        oidc_provider_arn=None,
        oidc_token_file=None,
        *,
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
        crate::logging::refresh_threshold(py);
        let mut b = Provider::builder().source(SourceKind::Oidc);
        if let Some(v) = role_arn {
            b = b.role_arn(v);
        }
        if let Some(v) = oidc_provider_arn {
            b = b.oidc_provider_arn(v);
        }
        if let Some(v) = oidc_token_file {
            b = b.oidc_token_file(v);
        }
        if let Some(v) = role_session_name {
            b = b.role_session_name(v);
        }
        if let Some(v) = seconds(py, "duration", duration)? {
            b = b.duration(v);
        }
        if let Some(v) = policy {
            b = b.policy(v);
        }
        if let Some(v) = sts_endpoint {
            b = b.sts_endpoint(v);
        }
        if let Some(v) = sts_extra_root_pem {
            b = b.sts_extra_root_pem(v);
        }
        if let Some(t) = seconds(py, "connect_timeout", connect_timeout)? {
            b = b.connect_timeout(t);
        }
        if let Some(t) = seconds(py, "read_timeout", read_timeout)? {
            b = b.read_timeout(t);
        }
        if let Some(t) = seconds(py, "fetch_timeout", fetch_timeout)? {
            b = b.fetch_timeout(t);
        }
        if let Some(clock) = clock {
            b = b.clock(clock.shared());
        }
        let provider = b.build().map_err(|e| to_py_err(py, &e))?;
        Ok((
            OidcRoleArnCredentialsProvider {},
            EcsRamRoleCredentialsProvider::wrap(provider),
        ))
    }

    /// alibabacloud-credentials interface: `"oidc_role_arn"`.
    fn get_provider_name(&self) -> &'static str {
        PROVIDER_NAME
    }

    fn __repr__(slf: PyRef<'_, Self>) -> PyResult<String> {
        let py = slf.py();
        let endpoint = slf.as_super().endpoint().to_owned();
        Ok(format!(
            "OidcRoleArnCredentialsProvider(sts_endpoint={})",
            PyString::new(py, &endpoint).repr()?
        ))
    }
}
