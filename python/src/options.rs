//! The keyword options of every provider constructor, turned into one core
//! [`ProviderBuilder`] here and nowhere else.
//!
//! Each constructor (`EcsRamRoleCredentialsProvider`, `shared_provider`,
//! `OidcRoleArnCredentialsProvider`, `DefaultCredentialsProvider`) names the keywords it
//! takes and fills the fields of [`Options`] it has; the rest stay `None`, which means "from
//! the environment, else the core's default". Only what Python cannot hand the core as is
//! gets translated: seconds into `Duration`s, the source's name into a [`SourceKind`].

use std::path::PathBuf;
use std::sync::Arc;

use ecscred::{Clock, Provider, ProviderBuilder, SourceKind};
use pyo3::prelude::*;

use crate::errors::invalid_config;
use crate::provider::seconds;
use crate::testing::ManualClock;

/// Every option a Python constructor may set; `None`: not given.
#[derive(Default)]
pub(crate) struct Options<'a, 'py> {
    pub(crate) source: SourceKind,
    // The ECS metadata service.
    pub(crate) role_name: Option<String>,
    pub(crate) endpoint: Option<String>,
    pub(crate) disable_imds_v1: Option<bool>,
    pub(crate) disabled: Option<bool>,
    pub(crate) token_ttl: Option<&'a Bound<'py, PyAny>>,
    // STS: OIDC and the profiles' AssumeRole.
    pub(crate) role_arn: Option<String>,
    pub(crate) oidc_provider_arn: Option<String>,
    pub(crate) oidc_token_file: Option<PathBuf>,
    pub(crate) role_session_name: Option<String>,
    pub(crate) duration: Option<&'a Bound<'py, PyAny>>,
    pub(crate) policy: Option<String>,
    pub(crate) sts_endpoint: Option<String>,
    pub(crate) sts_extra_root_pem: Option<String>,
    // The profile files and the credentials URI.
    pub(crate) profile: Option<String>,
    pub(crate) config_file: Option<PathBuf>,
    pub(crate) credentials_file: Option<PathBuf>,
    pub(crate) credentials_uri: Option<String>,
    // Every source.
    pub(crate) connect_timeout: Option<&'a Bound<'py, PyAny>>,
    pub(crate) read_timeout: Option<&'a Bound<'py, PyAny>>,
    pub(crate) fetch_timeout: Option<&'a Bound<'py, PyAny>>,
    pub(crate) clock: Option<PyRef<'py, ManualClock>>,
}

/// `builder.set(value)` when the option was given, else `builder` unchanged.
trait Given: Sized {
    fn given<T>(self, value: Option<T>, set: impl FnOnce(Self, T) -> Self) -> Self {
        match value {
            Some(value) => set(self, value),
            None => self,
        }
    }
}

impl Given for ProviderBuilder {}

impl Options<'_, '_> {
    /// The core builder with every given option set. Reads nothing yet: the core reads
    /// the environment and the profile files in `build()`.
    pub(crate) fn builder(self, py: Python<'_>) -> PyResult<ProviderBuilder> {
        crate::logging::refresh_threshold(py);
        let clock = self.clock.map(|c| c.shared() as Arc<dyn Clock>);
        Ok(Provider::builder()
            .source(self.source)
            .given(self.role_name, ProviderBuilder::role_name)
            .given(self.endpoint, ProviderBuilder::endpoint)
            .given(self.disable_imds_v1, ProviderBuilder::disable_imds_v1)
            .given(self.disabled, ProviderBuilder::disabled)
            .given(
                seconds(py, "token_ttl", self.token_ttl)?,
                ProviderBuilder::token_ttl,
            )
            .given(self.role_arn, ProviderBuilder::role_arn)
            .given(self.oidc_provider_arn, ProviderBuilder::oidc_provider_arn)
            .given(self.oidc_token_file, ProviderBuilder::oidc_token_file)
            .given(self.role_session_name, ProviderBuilder::role_session_name)
            .given(
                seconds(py, "duration", self.duration)?,
                ProviderBuilder::duration,
            )
            .given(self.policy, ProviderBuilder::policy)
            .given(self.sts_endpoint, ProviderBuilder::sts_endpoint)
            .given(self.sts_extra_root_pem, ProviderBuilder::sts_extra_root_pem)
            .given(self.profile, ProviderBuilder::profile)
            .given(self.config_file, ProviderBuilder::config_file)
            .given(self.credentials_file, ProviderBuilder::credentials_file)
            .given(self.credentials_uri, ProviderBuilder::credentials_uri)
            .given(
                seconds(py, "connect_timeout", self.connect_timeout)?,
                ProviderBuilder::connect_timeout,
            )
            .given(
                seconds(py, "read_timeout", self.read_timeout)?,
                ProviderBuilder::read_timeout,
            )
            .given(
                seconds(py, "fetch_timeout", self.fetch_timeout)?,
                ProviderBuilder::fetch_timeout,
            )
            .given(clock, ProviderBuilder::clock))
    }
}

/// The source `name` pins (`"chain"`: the default chain's choice), else
/// `InvalidConfigError` listing the names.
pub(crate) fn source_kind(py: Python<'_>, name: &str) -> PyResult<SourceKind> {
    SourceKind::from_name(name).ok_or_else(|| {
        invalid_config(
            py,
            &format!(
                "source must be one of \"chain\", \"env\", \"oidc\", \"profile\", \"ecs\", \
                 \"uri\"; got {:?}",
                name
            ),
        )
    })
}
