//! `ecscred.OidcRoleArnCredentialsProvider`: a core provider of the OIDC source (an ACK
//! pod's role with RRSA, through STS `AssumeRoleWithOIDC`) for Python.
//!
//! A subclass of `EcsRamRoleCredentialsProvider`: it has the same interface
//! (`get_credentials()`, `cached_credentials()`, `get_credentials_async()`, ...), so every
//! adapter that takes the ECS provider (oss2, alibabacloud-oss-v2, tea-openapi's
//! credential client, sdk-core) takes this one. Only the constructor and the repr differ
//! (the provider name, `"oidc_role_arn"`, is the core's); the core does the rest.

use ecscred::SourceKind;
use pyo3::prelude::*;
use pyo3::types::PyString;

use crate::errors::to_py_err;
use crate::options::Options;
use crate::provider::EcsRamRoleCredentialsProvider;
use crate::testing::ManualClock;

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
        let provider = Options {
            source: SourceKind::Oidc,
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
            ..Options::default()
        }
        .builder(py)?
        .build()
        .map_err(|e| to_py_err(py, &e))?;
        Ok((
            OidcRoleArnCredentialsProvider {},
            EcsRamRoleCredentialsProvider::wrap(provider),
        ))
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
