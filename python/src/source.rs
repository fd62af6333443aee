//! `ecscred.SourceInfo`: the core's [`ecscred::SourceInfo`] for Python.

use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::PyString;

/// Which source a provider uses and what selected it (from ``provider.source_info``): an
/// immutable snapshot holding names of variables, files and profiles, never a secret.
///
/// Attributes:
///     kind: ``"ecs"``, ``"oidc"``, ``"env"``, ``"profile"`` or ``"uri"`` (never
///         ``"chain"``: a chain provider reports the source it selected).
///     name: the source's name in the alibabacloud-credentials convention: ``"env"``,
///         ``"oidc_role_arn"``, ``"cli_profile/static_ak"``, ``"profile/access_key"``,
///         ``"ecs_ram_role"``, ``"credential_uri"``...
///     provider_name: ``name``, prefixed with ``"default/"`` when the default chain
///         selected the source: what ``get_provider_name()`` returns.
///     selected_by: what selected it, for people: the variables, the file and profile, or
///         that nothing else is configured.
///     file: the profile file that configures it (``pathlib.Path``), else ``None``.
///     profile: the profile within that file, else ``None``.
///     chain: ``True`` when the default chain selected the source.
///
/// ``str()`` reads ``default/env (selected by ALIBABA_CLOUD_ACCESS_KEY_ID and ...)``.
#[pyclass(frozen, module = "ecscred", name = "SourceInfo")]
pub(crate) struct SourceInfo {
    #[pyo3(get)]
    kind: &'static str,
    #[pyo3(get)]
    name: String,
    #[pyo3(get)]
    provider_name: String,
    #[pyo3(get)]
    selected_by: String,
    #[pyo3(get)]
    file: Option<PathBuf>,
    #[pyo3(get)]
    profile: Option<String>,
    #[pyo3(get)]
    chain: bool,
    /// The core's `Display`, for `str()`.
    text: String,
}

impl SourceInfo {
    pub(crate) fn new(info: &ecscred::SourceInfo) -> Self {
        SourceInfo {
            kind: info.kind.as_str(),
            name: info.name.clone(),
            provider_name: info.provider_name(),
            selected_by: info.selected_by.clone(),
            file: info.file.clone(),
            profile: info.profile.clone(),
            chain: info.chain,
            text: info.to_string(),
        }
    }
}

#[pymethods]
impl SourceInfo {
    fn __str__(&self) -> &str {
        &self.text
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let text = |s: &str| -> PyResult<String> { Ok(PyString::new(py, s).repr()?.to_string()) };
        let optional =
            |s: Option<&str>| -> PyResult<String> { s.map_or_else(|| Ok("None".to_owned()), text) };
        let file = self.file.as_ref().map(|f| f.to_string_lossy());
        Ok(format!(
            "SourceInfo(kind={}, name={}, selected_by={}, file={}, profile={}, chain={})",
            text(self.kind)?,
            text(&self.name)?,
            text(&self.selected_by)?,
            optional(file.as_deref())?,
            optional(self.profile.as_deref())?,
            if self.chain { "True" } else { "False" },
        ))
    }
}
