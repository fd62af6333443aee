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

/// Gets, caches and refreshes the credential of the source the default credential chain
/// selects, or of the one ``source`` pins.
///
/// The chain (``source="chain"``, the default) takes the first source configured, in the
/// official order: the environment's AccessKey (``ALIBABA_CLOUD_ACCESS_KEY_ID`` and
/// ``ALIBABA_CLOUD_ACCESS_KEY_SECRET``, optionally ``ALIBABA_CLOUD_SECURITY_TOKEN``); OIDC
/// (``ALIBABA_CLOUD_ROLE_ARN``, ``ALIBABA_CLOUD_OIDC_PROVIDER_ARN``,
/// ``ALIBABA_CLOUD_OIDC_TOKEN_FILE``); a profile of the aliyun CLI's ``config.json``; a
/// section of the credentials ini file; the ECS RAM role named by
/// ``ALIBABA_CLOUD_ECS_METADATA``; ``ALIBABA_CLOUD_CREDENTIALS_URI``; else the instance's
/// ECS RAM role (unless ``ALIBABA_CLOUD_ECS_METADATA_DISABLED``). It decides once, from
/// the configuration: a source that is configured but fails (a missing token file, a
/// half-set pair of variables, a broken profile) is reported, never skipped for the next.
/// ``source="env"``, ``"oidc"``, ``"profile"``, ``"ecs"`` or ``"uri"`` pins one source.
///
/// Building reads the options, the variables and the profile files, nothing else (no
/// thread, no network, no signal handler: it works on any thread); the first fetch
/// happens at the first ``get_credentials()``.
///
/// Options, all keyword-only; ``None``: from the variable named, else the default:
///
/// - ``profile`` (str): the profile. ``ALIBABA_CLOUD_PROFILE``, else the ``current``
///   profile of ``config.json``, else the ini file's ``default`` section.
/// - ``config_file`` (str or path): the aliyun CLI's configuration.
///   ``ALIBABA_CLOUD_CONFIG_FILE``, else ``~/.aliyun/config.json``.
/// - ``credentials_file`` (str or path): the credentials ini file.
///   ``ALIBABA_CLOUD_CREDENTIALS_FILE``, else ``~/.alibabacloud/credentials.ini``.
/// - ``credentials_uri`` (str): a URL, ``https://`` or ``http://`` to a loopback address.
///   ``ALIBABA_CLOUD_CREDENTIALS_URI``.
/// - The ECS RAM role: ``role_name`` (str), ``endpoint`` (str, ``http://host[:port]``),
///   ``disable_imds_v1`` (bool), ``disabled`` (bool), ``token_ttl`` (seconds, 1 to 21600,
///   default 21600), as ``EcsRamRoleCredentialsProvider`` takes them.
/// - STS (OIDC, and a profile's ``AssumeRole``): ``role_arn`` (str), ``oidc_provider_arn``
///   (str), ``oidc_token_file`` (str or path), ``role_session_name`` (str), ``duration``
///   (seconds, 900 to 43200, default 3600), ``policy`` (JSON text), ``sts_endpoint``
///   (``https://`` URL; default from ``ALIBABA_CLOUD_STS_ENDPOINT`` /
///   ``ALIBABA_CLOUD_STS_REGION``, else ``https://sts.aliyuncs.com``),
///   ``sts_extra_root_pem`` (PEM text: CAs trusted besides the system's), as
///   ``OidcRoleArnCredentialsProvider`` takes them.
/// - Every source: ``connect_timeout`` (seconds, 0.001 to 3600, default 1),
///   ``read_timeout`` (seconds, 0.001 to 3600, default 1), ``fetch_timeout`` (seconds,
///   0.001 to 3600, default 5); seconds are int or float. ``clock``: tests only, an
///   ``ecscred.testing.ManualClock``.
///
/// ``get_provider_name()`` says which source was selected (``"default/env"``,
/// ``"default/cli_profile/static_ak"``, ``"default/oidc_role_arn"``...; without the
/// ``"default/"`` when ``source`` pins it), ``source_info`` what selected it. A long-term
/// AccessKey's ``Credentials`` have ``security_token`` ``None`` and never expire.
///
/// Raises ``InvalidConfigError`` naming the variable, file or profile for an unusable
/// configuration (never quoting a secret from it); the errors of a fetch name the source
/// and what selected it.
#[pyclass(frozen, extends = EcsRamRoleCredentialsProvider, module = "ecscred", name = "DefaultCredentialsProvider")]
pub(crate) struct DefaultCredentialsProvider {}

#[pymethods]
impl DefaultCredentialsProvider {
    /// See the class documentation. Options left `None` come from the environment and
    /// the profile files, read once, here, or the core's defaults.
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
