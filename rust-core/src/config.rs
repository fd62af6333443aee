//! Provider configuration: the builder and the environment variables it reads.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::CertificateDer;

use crate::clock::{Clock, SystemClock};
use crate::credential::Credential;
use crate::error::{Error, ErrorKind, Result};
use crate::provider::Provider;
use crate::wire::is_valid_role_name;

/// The real metadata service. Tests and demos always override it with a loopback mock.
pub const DEFAULT_ENDPOINT: &str = "http://100.100.100.200";

/// Environment variable: the RAM role name (skips discovery).
pub const ENV_ROLE: &str = "ALIBABA_CLOUD_ECS_METADATA";
/// Environment variable, a boolean ([`parse_bool`]): true disables the metadata service
/// entirely.
pub const ENV_DISABLED: &str = "ALIBABA_CLOUD_ECS_METADATA_DISABLED";
/// Environment variable, a boolean ([`parse_bool`]): true allows hardened mode (metadata
/// token) only.
pub const ENV_IMDSV1_DISABLED: &str = "ALIBABA_CLOUD_IMDSV1_DISABLED";
/// Environment variable: base URL of the metadata service.
pub const ENV_ENDPOINT: &str = "ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT";

/// Environment variable (OIDC): the ARN of the RAM role to assume.
pub const ENV_ROLE_ARN: &str = "ALIBABA_CLOUD_ROLE_ARN";
/// Environment variable (OIDC): the ARN of the OIDC identity provider.
pub const ENV_OIDC_PROVIDER_ARN: &str = "ALIBABA_CLOUD_OIDC_PROVIDER_ARN";
/// Environment variable (OIDC): the path of the OIDC token file (read at every fetch).
pub const ENV_OIDC_TOKEN_FILE: &str = "ALIBABA_CLOUD_OIDC_TOKEN_FILE";
/// Environment variable (OIDC): the role session name.
pub const ENV_ROLE_SESSION_NAME: &str = "ALIBABA_CLOUD_ROLE_SESSION_NAME";
/// Environment variable (OIDC): the STS endpoint, `host[:port]` or an `https://` URL.
pub const ENV_STS_ENDPOINT: &str = "ALIBABA_CLOUD_STS_ENDPOINT";
/// Environment variable (OIDC): the region whose STS endpoint is used.
pub const ENV_STS_REGION: &str = "ALIBABA_CLOUD_STS_REGION";
/// Environment variable (OIDC): `true` selects the region's VPC STS endpoint.
pub const ENV_VPC_ENDPOINT_ENABLED: &str = "ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED";
/// The public STS endpoint, used when neither an endpoint nor a region is configured.
pub const DEFAULT_STS_ENDPOINT: &str = "https://sts.aliyuncs.com";
/// The STS credential lifetime asked for when none is configured (1 hour).
pub const DEFAULT_DURATION: Duration = Duration::from_secs(3600);

/// Where a provider gets its credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum SourceKind {
    /// The ECS instance metadata service (the instance's RAM role). The default.
    #[default]
    Ecs,
    /// STS `AssumeRoleWithOIDC` with an OIDC token file: the pod's role in ACK with RRSA.
    /// Never contacts the metadata service.
    Oidc,
    /// An AccessKey in the environment: `ALIBABA_CLOUD_ACCESS_KEY_ID`,
    /// `ALIBABA_CLOUD_ACCESS_KEY_SECRET`, optionally `ALIBABA_CLOUD_SECURITY_TOKEN`.
    Env,
    /// A profile of the aliyun CLI's `config.json`, else of the credentials ini file.
    Profile,
    /// `ALIBABA_CLOUD_CREDENTIALS_URI`: a local (or https) server handing out credentials.
    Uri,
    /// The default chain: the first source configured, in the official order
    /// (environment, OIDC, CLI profile, ini profile, ECS RAM role, credentials URI),
    /// decided from the configuration alone. Never a [`Provider::source`]: a chain
    /// provider reports the source it selected.
    Chain,
}

impl SourceKind {
    /// `"ecs"`, `"oidc"`, `"env"`, `"profile"`, `"uri"` or `"chain"`.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Ecs => "ecs",
            SourceKind::Oidc => "oidc",
            SourceKind::Env => "env",
            SourceKind::Profile => "profile",
            SourceKind::Uri => "uri",
            SourceKind::Chain => "chain",
        }
    }

    /// The kind named `name` (as [`as_str`](SourceKind::as_str) spells it, any case).
    pub fn from_name(name: &str) -> Option<SourceKind> {
        [
            SourceKind::Ecs,
            SourceKind::Oidc,
            SourceKind::Env,
            SourceKind::Profile,
            SourceKind::Uri,
            SourceKind::Chain,
        ]
        .into_iter()
        .find(|k| k.as_str().eq_ignore_ascii_case(name.trim()))
    }
}

/// Which source a provider uses and what selected it: from [`Provider::source_info`].
/// Holds no secret (names of variables, files and profiles only).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SourceInfo {
    /// The source (never [`SourceKind::Chain`]).
    pub kind: SourceKind,
    /// The source's name in the alibabacloud-credentials convention: `env`,
    /// `oidc_role_arn`, `cli_profile/<mode>` (`static_ak`, `static_sts`, `ram_role_arn`,
    /// `ecs_ram_role`, `oidc_role_arn`, `external`), `profile/<type>`, `ecs_ram_role`,
    /// `credential_uri`.
    pub name: String,
    /// What selected it, for people: the variables, the file and profile, or "nothing
    /// else is configured".
    pub selected_by: String,
    /// The profile file that configures it, if any.
    pub file: Option<PathBuf>,
    /// The profile within that file, if any.
    pub profile: Option<String>,
    /// `true` when the default chain selected it (see [`SourceKind::Chain`]).
    pub chain: bool,
}

impl SourceInfo {
    /// `name`, prefixed with `default/` when the chain selected it: what
    /// alibabacloud-credentials' providers return from `get_provider_name()`, e.g.
    /// `default/oidc_role_arn`.
    pub fn provider_name(&self) -> String {
        if self.chain {
            format!("default/{}", self.name)
        } else {
            self.name.clone()
        }
    }

    pub(crate) fn new(kind: SourceKind, name: &str, selected_by: impl Into<String>) -> Self {
        SourceInfo {
            kind,
            name: name.to_owned(),
            selected_by: selected_by.into(),
            file: None,
            profile: None,
            chain: false,
        }
    }
}

impl fmt::Display for SourceInfo {
    /// `default/oidc_role_arn (selected by ALIBABA_CLOUD_ROLE_ARN, …)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (selected by {})",
            self.provider_name(),
            self.selected_by
        )
    }
}

/// The largest metadata token TTL the service accepts (6 hours).
pub const MAX_TOKEN_TTL: Duration = Duration::from_secs(21_600);
/// The smallest metadata token TTL the service accepts (1 second).
pub const MIN_TOKEN_TTL: Duration = Duration::from_secs(1);
/// The shortest connect, read or fetch timeout accepted (1 millisecond): what every
/// binding can express.
pub const MIN_TIMEOUT: Duration = Duration::from_millis(1);
/// The longest connect, read or fetch timeout accepted (1 hour). A fetch normally takes
/// about a millisecond, and the fetch timeout is the longest a caller can wait: anything
/// longer is a mistake (a unit mix-up, a "forever" sentinel), refused rather than obeyed.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(3600);

/// Parses the value of a boolean environment variable `name`, the one rule for every
/// boolean the project reads: `true`, `1`, `yes`, `on` and `false`, `0`, `no`, `off`, in
/// any case, with surrounding whitespace ignored. (An empty or blank value counts as
/// unset and is never passed here.) Anything else is [`ErrorKind::InvalidConfig`]
/// naming the variable: a security switch must never silently mean "no".
pub fn parse_bool(name: &str, value: &str) -> Result<bool> {
    let trimmed = value.trim();
    for (words, meaning) in [
        (["true", "1", "yes", "on"], true),
        (["false", "0", "no", "off"], false),
    ] {
        if words.iter().any(|w| trimmed.eq_ignore_ascii_case(w)) {
            return Ok(meaning);
        }
    }
    // A boolean is no secret; a long or unprintable value is not worth echoing.
    let shown = if trimmed.len() <= 32 && trimmed.bytes().all(|b| b.is_ascii_graphic()) {
        format!(" to {trimmed:?}")
    } else {
        String::new()
    };
    Err(Error::new(
        ErrorKind::InvalidConfig,
        format!(
            "{name} is set{shown}, which is not a boolean: use true, 1, yes or on (or \
             false, 0, no, off; any case), or unset it"
        ),
    ))
}

/// Reads one environment variable: `Ok(None)` when unset, `Err` when set but not UTF-8.
type EnvLookup = Arc<dyn Fn(&str) -> std::result::Result<Option<String>, NotUnicode> + Send + Sync>;

/// An environment variable that is set, to bytes that are not UTF-8.
#[derive(Debug)]
struct NotUnicode;

fn process_env(name: &str) -> std::result::Result<Option<String>, NotUnicode> {
    match std::env::var(name) {
        Ok(value) => Ok(Some(value)),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => Err(NotUnicode),
    }
}

/// Builds a [`Provider`]. Options set here win over the environment, which is read once,
/// in [`build`](ProviderBuilder::build).
///
/// ```no_run
/// let provider = ecscred::Provider::builder()
///     .role_name("EcsRamRoleTest")
///     .endpoint("http://127.0.0.1:8080")
///     .build()?;
/// # Ok::<(), ecscred::Error>(())
/// ```
#[derive(Clone)]
pub struct ProviderBuilder {
    pub(crate) role_name: Option<String>,
    endpoint: Option<String>,
    disable_imds_v1: Option<bool>,
    pub(crate) disabled: Option<bool>,
    pub(crate) connect_timeout: Duration,
    pub(crate) read_timeout: Duration,
    pub(crate) fetch_timeout: Duration,
    pub(crate) token_ttl: Duration,
    /// `None`: the system clock (which shared providers then need not tell apart).
    clock: Option<Arc<dyn Clock>>,
    env: EnvLookup,
    source: SourceKind,
    pub(crate) oidc: OidcOptions,
    pub(crate) files: FileOptions,
}

/// Where the profile and URI sources look, as set on the builder (unset: from the
/// environment and the home directory).
#[derive(Clone, Default)]
pub(crate) struct FileOptions {
    pub(crate) profile: Option<String>,
    pub(crate) config_file: Option<PathBuf>,
    pub(crate) credentials_file: Option<PathBuf>,
    pub(crate) credentials_uri: Option<String>,
}
/// The OIDC source's options as set on the builder (unset: from the environment).
#[derive(Clone, Default)]
pub(crate) struct OidcOptions {
    pub(crate) role_arn: Option<String>,
    pub(crate) provider_arn: Option<String>,
    pub(crate) token_file: Option<PathBuf>,
    pub(crate) session_name: Option<String>,
    pub(crate) duration: Option<Duration>,
    pub(crate) policy: Option<String>,
    pub(crate) sts_endpoint: Option<String>,
    pub(crate) extra_root_pem: Option<Vec<u8>>,
}

impl Default for ProviderBuilder {
    fn default() -> Self {
        ProviderBuilder {
            role_name: None,
            endpoint: None,
            disable_imds_v1: None,
            disabled: None,
            connect_timeout: Duration::from_secs(1),
            read_timeout: Duration::from_secs(1),
            fetch_timeout: Duration::from_secs(5),
            token_ttl: MAX_TOKEN_TTL,
            clock: None,
            env: Arc::new(process_env),
            source: SourceKind::Ecs,
            oidc: OidcOptions::default(),
            files: FileOptions::default(),
        }
    }
}

impl fmt::Debug for ProviderBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProviderBuilder")
            .field("role_name", &self.role_name)
            .field("endpoint", &self.endpoint)
            .field("disable_imds_v1", &self.disable_imds_v1)
            .field("disabled", &self.disabled)
            .field("connect_timeout", &self.connect_timeout)
            .field("read_timeout", &self.read_timeout)
            .field("fetch_timeout", &self.fetch_timeout)
            .field("token_ttl", &self.token_ttl)
            .field("source", &self.source)
            .field("role_arn", &self.oidc.role_arn)
            .field("oidc_provider_arn", &self.oidc.provider_arn)
            .field("oidc_token_file", &self.oidc.token_file)
            .field("sts_endpoint", &self.oidc.sts_endpoint)
            .field("profile", &self.files.profile)
            .field("config_file", &self.files.config_file)
            .field("credentials_file", &self.files.credentials_file)
            .finish_non_exhaustive()
    }
}

impl ProviderBuilder {
    /// The RAM role. Without it: `ALIBABA_CLOUD_ECS_METADATA`, else discovered from the
    /// metadata service.
    pub fn role_name(mut self, role: impl Into<String>) -> Self {
        self.role_name = Some(role.into());
        self
    }

    /// Base URL of the metadata service, e.g. `http://127.0.0.1:8080`. Without it:
    /// `ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT`, else `http://100.100.100.200`.
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(url.into());
        self
    }

    /// `true`: use hardened mode (metadata token) only, never plain requests. Without it:
    /// `ALIBABA_CLOUD_IMDSV1_DISABLED` (a boolean, see [`parse_bool`]).
    pub fn disable_imds_v1(mut self, disable: bool) -> Self {
        self.disable_imds_v1 = Some(disable);
        self
    }

    /// `true`: never contact the metadata service; every call fails with
    /// [`ErrorKind::Disabled`]. Without it: `ALIBABA_CLOUD_ECS_METADATA_DISABLED` (a
    /// boolean, see [`parse_bool`]).
    pub fn disabled(mut self, disabled: bool) -> Self {
        self.disabled = Some(disabled);
        self
    }

    /// Time allowed to establish a connection, 1 ms to 1 h (default 1 s). A connect
    /// failure is never retried, so a program off ECS fails fast.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Time allowed between reads of one response, 1 ms to 1 h (default 1 s).
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = timeout;
        self
    }

    /// Deadline for a whole fetch: token, role discovery, credential and their retries,
    /// 1 ms to 1 h (default 5 s). This bounds how long a caller can wait.
    pub fn fetch_timeout(mut self, timeout: Duration) -> Self {
        self.fetch_timeout = timeout;
        self
    }

    /// TTL asked for the hardened-mode metadata token, 1 s to 6 h (default 6 h). The token
    /// is reused until shortly before it ends.
    pub fn token_ttl(mut self, ttl: Duration) -> Self {
        self.token_ttl = ttl;
        self
    }

    /// The clock that judges expiry and schedules refreshes (default: the system clock).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Where environment variables are read from (default: the process environment).
    /// Tests use it to build a provider from a fake environment.
    pub fn env(mut self, lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static) -> Self {
        self.env = Arc::new(move |name| Ok(lookup(name)));
        self
    }

    /// The source to fetch from (default [`SourceKind::Ecs`]). With [`SourceKind::Oidc`]
    /// the metadata-service options and variables are ignored and the `oidc_*`, `role_arn`,
    /// `role_session_name`, `duration`, `policy` and `sts_*` options apply, each falling
    /// back to its `ALIBABA_CLOUD_*` variable.
    pub fn source(mut self, source: SourceKind) -> Self {
        self.source = source;
        self
    }

    /// OIDC: the ARN of the role to assume. Without it: `ALIBABA_CLOUD_ROLE_ARN`.
    pub fn role_arn(mut self, arn: impl Into<String>) -> Self {
        self.oidc.role_arn = Some(arn.into());
        self
    }

    /// OIDC: the ARN of the OIDC identity provider. Without it:
    /// `ALIBABA_CLOUD_OIDC_PROVIDER_ARN`.
    pub fn oidc_provider_arn(mut self, arn: impl Into<String>) -> Self {
        self.oidc.provider_arn = Some(arn.into());
        self
    }

    /// OIDC: the file holding the OIDC token, read again at every fetch. Without it:
    /// `ALIBABA_CLOUD_OIDC_TOKEN_FILE`.
    pub fn oidc_token_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.oidc.token_file = Some(path.into());
        self
    }

    /// OIDC: the role session name (2 to 64 of `A-Za-z0-9.@-_`). Without it:
    /// `ALIBABA_CLOUD_ROLE_SESSION_NAME`, else `ecscred-<unix ms>` at each fetch.
    pub fn role_session_name(mut self, name: impl Into<String>) -> Self {
        self.oidc.session_name = Some(name.into());
        self
    }

    /// OIDC: the credential lifetime asked of STS, 900 s to 43200 s (default 3600 s).
    pub fn duration(mut self, duration: Duration) -> Self {
        self.oidc.duration = Some(duration);
        self
    }

    /// OIDC: a policy (JSON) further restricting the assumed role's permissions.
    pub fn policy(mut self, policy: impl Into<String>) -> Self {
        self.oidc.policy = Some(policy.into());
        self
    }

    /// OIDC: the STS endpoint, `host[:port]` or an `https://` URL (`http://` only for a
    /// loopback address, for tests). Without it: `ALIBABA_CLOUD_STS_ENDPOINT`, else
    /// `sts[-vpc].<ALIBABA_CLOUD_STS_REGION>.aliyuncs.com`, else `sts.aliyuncs.com`.
    pub fn sts_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.oidc.sts_endpoint = Some(endpoint.into());
        self
    }

    /// OIDC: one or more PEM certificates trusted for STS in addition to the system's roots
    /// (for a test STS with its own CA, or a TLS-inspecting gateway).
    pub fn sts_extra_root_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.oidc.extra_root_pem = Some(pem.into());
        self
    }

    /// Profile sources: the profile to use. Without it: `ALIBABA_CLOUD_PROFILE`, else the
    /// `current` profile of the aliyun CLI's `config.json`, else the ini file's `default`.
    pub fn profile(mut self, name: impl Into<String>) -> Self {
        self.files.profile = Some(name.into());
        self
    }

    /// Profile sources: the aliyun CLI's configuration file. Without it:
    /// `ALIBABA_CLOUD_CONFIG_FILE`, else `~/.aliyun/config.json`.
    pub fn config_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.files.config_file = Some(path.into());
        self
    }

    /// Profile sources: the credentials ini file. Without it:
    /// `ALIBABA_CLOUD_CREDENTIALS_FILE`, else `~/.alibabacloud/credentials.ini`, else
    /// `~/.alibabacloud/credentials`.
    pub fn credentials_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.files.credentials_file = Some(path.into());
        self
    }

    /// The credentials URI source: the URL to GET (`https://`, or `http://` to a loopback
    /// address). Without it: `ALIBABA_CLOUD_CREDENTIALS_URI`.
    pub fn credentials_uri(mut self, url: impl Into<String>) -> Self {
        self.files.credentials_uri = Some(url.into());
        self
    }

    /// Reads the environment, checks the configuration and builds the provider. Sends
    /// nothing and starts no thread: the first fetch happens on first use.
    ///
    /// Any value out of its documented range (a timeout outside [`MIN_TIMEOUT`] to
    /// [`MAX_TIMEOUT`], a token TTL outside 1 s to 6 h, a boolean variable that is not
    /// one) is [`ErrorKind::InvalidConfig`] here, never a panic later.
    pub fn build(self) -> Result<Provider> {
        let config = self.resolve()?;
        let clock = self.clock.unwrap_or_else(|| Arc::new(SystemClock));
        Ok(Provider::new(config, clock))
    }

    /// The process-wide provider for this configuration: every call whose resolved
    /// configuration (role, endpoint, switches, timeouts, token TTL, from the options and
    /// the environment) and clock (the same `Arc`) are the same returns a clone of one
    /// provider, built by the first such call and kept for the life of the process. So an
    /// object built per request over it (an SDK's auth or credential object) costs a map
    /// lookup, not a fetch. [`crate::get_credential`] and [`crate::shared_provider`] use
    /// the same providers. Errors as [`build`](ProviderBuilder::build); thread-safe.
    pub fn build_shared(self) -> Result<Provider> {
        let config = self.resolve()?;
        Ok(crate::shared::for_config(config, self.clock))
    }

    /// One environment variable, `None` when unset or blank. A variable set to bytes that
    /// are not UTF-8 is an error, never "unset": falling back to the default would send
    /// requests somewhere the user did not choose.
    pub(crate) fn env_var(&self, name: &str) -> Result<Option<String>> {
        match (self.env)(name) {
            Ok(value) => Ok(value.filter(|v| !v.trim().is_empty())),
            Err(NotUnicode) => Err(Error::new(
                ErrorKind::InvalidConfig,
                format!("{name} is set but is not valid UTF-8; fix or unset it"),
            )),
        }
    }

    pub(crate) fn check_timeouts(&self) -> Result<()> {
        for (name, value) in [
            ("connect_timeout", self.connect_timeout),
            ("read_timeout", self.read_timeout),
            ("fetch_timeout", self.fetch_timeout),
        ] {
            if !(MIN_TIMEOUT..=MAX_TIMEOUT).contains(&value) {
                return Err(out_of_range(name, value, "1 millisecond and 1 hour"));
            }
        }
        Ok(())
    }

    fn resolve(&self) -> Result<Config> {
        match self.source {
            SourceKind::Ecs => self.resolve_ecs(),
            SourceKind::Oidc => self.resolve_oidc(),
            pinned => crate::chain::resolve(self, pinned),
        }
    }

    /// The metadata-service source: `role_name` option, else `ALIBABA_CLOUD_ECS_METADATA`,
    /// else discovered.
    pub(crate) fn resolve_ecs(&self) -> Result<Config> {
        let env = |name: &str| self.env_var(name);
        let flag =
            |name: &str| -> Result<bool> { env(name)?.map_or(Ok(false), |v| parse_bool(name, &v)) };

        let role = match &self.role_name {
            Some(role) => Some((role.clone(), "the role name option")),
            None => env(ENV_ROLE)?.map(|r| (r.trim().to_owned(), ENV_ROLE)),
        };
        if let Some((role, source)) = &role {
            if !is_valid_role_name(role) {
                return Err(Error::new(
                    ErrorKind::InvalidConfig,
                    format!(
                        "{source} is not a valid RAM role name (1 to 64 letters, digits, '.', \
                         '-', '_', and not \".\" or \"..\"){}",
                        // A name of that alphabet is safe to show; anything else is not.
                        if role.len() <= 64 && role.bytes().all(|b| b.is_ascii_graphic()) {
                            format!(": {role:?}")
                        } else {
                            String::new()
                        }
                    ),
                ));
            }
        }

        let (endpoint, source) = match &self.endpoint {
            Some(url) => (url.clone(), "the endpoint option"),
            None => match env(ENV_ENDPOINT)? {
                Some(url) => (url, ENV_ENDPOINT),
                None => (DEFAULT_ENDPOINT.to_owned(), "the default endpoint"),
            },
        };
        let endpoint = normalize_endpoint(&endpoint)
            .map_err(|why| Error::new(ErrorKind::InvalidConfig, format!("{source}: {why}")))?;

        self.check_timeouts()?;
        if !(MIN_TOKEN_TTL..=MAX_TOKEN_TTL).contains(&self.token_ttl) {
            return Err(out_of_range(
                "token_ttl",
                self.token_ttl,
                "1 second and 6 hours",
            ));
        }

        Ok(Config {
            endpoint,
            role: role.as_ref().map(|(role, _)| role.clone()),
            disabled: match self.disabled {
                Some(disabled) => disabled,
                None => flag(ENV_DISABLED)?,
            },
            v1_disabled: match self.disable_imds_v1 {
                Some(disable) => disable,
                None => flag(ENV_IMDSV1_DISABLED)?,
            },
            connect_timeout: self.connect_timeout,
            read_timeout: self.read_timeout,
            fetch_timeout: self.fetch_timeout,
            token_ttl: self.token_ttl,
            info: SourceInfo::new(
                SourceKind::Ecs,
                "ecs_ram_role",
                match &role {
                    Some((_, by)) => format!("the ecs source, role from {by}"),
                    None => "the ecs source, role discovered".to_owned(),
                },
            ),
            source: SourceConfig::Metadata,
        })
    }
}

fn out_of_range(name: &str, value: Duration, bounds: &str) -> Error {
    Error::new(
        ErrorKind::InvalidConfig,
        format!(
            "{name} must be between {bounds}, got {}",
            shown_duration(value)
        ),
    )
}

/// A duration for a message: whole milliseconds, or "more than N years" for the absurd.
fn shown_duration(d: Duration) -> String {
    const YEAR: u64 = 365 * 86_400;
    if d.as_secs() >= YEAR {
        format!("more than {} years", d.as_secs() / YEAR)
    } else if d < Duration::from_millis(1) {
        format!("{} ns", d.as_nanos())
    } else {
        format!("{} ms", d.as_millis())
    }
}

impl ProviderBuilder {
    pub(crate) fn resolve_oidc(&self) -> Result<Config> {
        let o = &self.oidc;
        let required = |option: &Option<String>, name: &str, var: &str| -> Result<String> {
            match option {
                Some(value) if !value.trim().is_empty() => Ok(value.trim().to_owned()),
                _ => self
                    .env_var(var)?
                    .map(|v| v.trim().to_owned())
                    .ok_or_else(|| {
                        Error::new(
                            ErrorKind::InvalidConfig,
                            format!("the OIDC source needs {name}: set {var} or the {name} option"),
                        )
                    }),
            }
        };
        let role_arn = required(&o.role_arn, "role_arn", ENV_ROLE_ARN)?;
        let provider_arn = required(&o.provider_arn, "oidc_provider_arn", ENV_OIDC_PROVIDER_ARN)?;
        let token_file = match &o.token_file {
            Some(path) if !path.as_os_str().is_empty() => path.clone(),
            _ => PathBuf::from(required(&None, "oidc_token_file", ENV_OIDC_TOKEN_FILE)?),
        };
        for (name, value) in [
            ("role_arn", &role_arn),
            ("oidc_provider_arn", &provider_arn),
        ] {
            if !value.starts_with("acs:") || !value.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(Error::new(
                    ErrorKind::InvalidConfig,
                    format!("{name} is not an ARN (acs:ram::<account>:...)"),
                ));
            }
        }
        let session_name = match &o.session_name {
            Some(name) => Some(name.clone()),
            None => self
                .env_var(ENV_ROLE_SESSION_NAME)?
                .map(|n| n.trim().to_owned()),
        };
        if let Some(name) = &session_name {
            check_session_name(name, "role_session_name or ALIBABA_CLOUD_ROLE_SESSION_NAME")?;
        }
        let duration = o.duration.unwrap_or(DEFAULT_DURATION);
        check_duration(duration, "duration")?;
        if o.policy.as_deref().is_some_and(|p| p.trim().is_empty()) {
            return Err(Error::new(ErrorKind::InvalidConfig, "policy is empty"));
        }
        let endpoint = self.resolved_sts_endpoint(None)?;
        let extra_roots = self.sts_extra_roots()?;
        self.check_timeouts()?;
        Ok(Config {
            endpoint,
            role: None,
            disabled: false,
            v1_disabled: false,
            connect_timeout: self.connect_timeout,
            read_timeout: self.read_timeout,
            fetch_timeout: self.fetch_timeout,
            token_ttl: self.token_ttl,
            info: SourceInfo::new(SourceKind::Oidc, "oidc_role_arn", "the oidc source"),
            source: SourceConfig::Oidc(OidcConfig {
                role_arn,
                provider_arn,
                token_file,
                session_name,
                duration,
                policy: o.policy.clone(),
                extra_roots,
            }),
        })
    }
}

impl ProviderBuilder {
    /// The STS endpoint: the `sts_endpoint` option, else `ALIBABA_CLOUD_STS_ENDPOINT`, else
    /// the region's endpoint (`profile_region`: a profile's `sts_region` and `enable_vpc`,
    /// else `ALIBABA_CLOUD_STS_REGION` and `ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED`), else
    /// `sts.aliyuncs.com`. Normalized, https (http only to loopback).
    pub(crate) fn resolved_sts_endpoint(
        &self,
        profile_region: Option<(&str, bool, &str)>,
    ) -> Result<String> {
        let region_endpoint = |region: &str, vpc: bool, what: &str| -> Result<String> {
            let region = region.trim().to_ascii_lowercase();
            if region.is_empty()
                || !region
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            {
                return Err(Error::new(
                    ErrorKind::InvalidConfig,
                    format!("{what} is not a region id like cn-hangzhou"),
                ));
            }
            let prefix = if vpc { "sts-vpc" } else { "sts" };
            Ok(format!("https://{prefix}.{region}.aliyuncs.com"))
        };
        let (endpoint, source) = match &self.oidc.sts_endpoint {
            Some(endpoint) => (endpoint.clone(), "the sts_endpoint option".to_owned()),
            None => match self.env_var(ENV_STS_ENDPOINT)? {
                Some(endpoint) => (endpoint, ENV_STS_ENDPOINT.to_owned()),
                None => match (profile_region, self.env_var(ENV_STS_REGION)?) {
                    (Some((region, vpc, what)), _) => {
                        (region_endpoint(region, vpc, what)?, what.to_owned())
                    }
                    (None, Some(region)) => {
                        let vpc = self
                            .env_var(ENV_VPC_ENDPOINT_ENABLED)?
                            .map_or(Ok(false), |v| parse_bool(ENV_VPC_ENDPOINT_ENABLED, &v))?;
                        (
                            region_endpoint(&region, vpc, ENV_STS_REGION)?,
                            ENV_STS_REGION.to_owned(),
                        )
                    }
                    (None, None) => (
                        DEFAULT_STS_ENDPOINT.to_owned(),
                        "the default STS endpoint".to_owned(),
                    ),
                },
            },
        };
        normalize_sts_endpoint(&endpoint)
            .map_err(|why| Error::new(ErrorKind::InvalidConfig, format!("{source}: {why}")))
    }

    /// The extra roots trusted for STS and https credential URIs (the option's PEM).
    pub(crate) fn sts_extra_roots(&self) -> Result<Vec<CertificateDer<'static>>> {
        match &self.oidc.extra_root_pem {
            Some(pem) => crate::source::sts::parse_pem_certificates(pem),
            None => Ok(Vec::new()),
        }
    }
}

/// Checks a role session name (2 to 64 of `A-Za-z0-9.@-_`); `what` names its origin.
pub(crate) fn check_session_name(name: &str, what: &str) -> Result<()> {
    let valid = (2..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'@' | b'-' | b'_'));
    if valid {
        Ok(())
    } else {
        Err(Error::new(
            ErrorKind::InvalidConfig,
            format!("the role session name must be 2 to 64 of A-Za-z0-9.@-_ ({what})"),
        ))
    }
}

/// Checks an STS credential lifetime (900 to 43200 seconds); `what` names its origin.
pub(crate) fn check_duration(duration: Duration, what: &str) -> Result<()> {
    if duration < Duration::from_secs(900) || duration > Duration::from_secs(43_200) {
        return Err(Error::new(
            ErrorKind::InvalidConfig,
            format!("{what} must be between 900 and 43200 seconds"),
        ));
    }
    Ok(())
}

/// Accepts a bare `host[:port]` (HTTPS), an `https://` URL, or an `http://` URL whose host
/// is a loopback address (a local test STS); returns it without a trailing slash. Refuses
/// user info, a path, a query and a fragment.
pub(crate) fn normalize_sts_endpoint(raw: &str) -> std::result::Result<String, String> {
    let raw = raw.trim();
    let shown = if raw.contains(['@', '?', '#']) {
        "the URL".to_owned()
    } else {
        format!("{raw:?}")
    };
    let with_scheme = if raw.contains("://") {
        raw.to_owned()
    } else {
        format!("https://{raw}")
    };
    let url = reqwest::Url::parse(&with_scheme)
        .map_err(|e| format!("{shown} is not a valid URL ({e})"))?;
    let host = match url.host_str() {
        Some(host) if !host.is_empty() => host.trim_start_matches('[').trim_end_matches(']'),
        _ => return Err(format!("{shown} has no host")),
    };
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => {
            return Err(format!(
                "{shown}: plain http:// is allowed only to a loopback address; use https:// \
                 (the certificate is verified)"
            ))
        }
        _ => return Err(format!("{shown}: only https:// is supported")),
    }
    if !url.username().is_empty() || url.password().is_some() || raw.contains('@') {
        return Err("the URL must not carry user info (user:password@)".to_owned());
    }
    if url.query().is_some() || url.fragment().is_some() || url.path() != "/" {
        return Err(format!(
            "{shown} must not have a path, a query or a fragment"
        ));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// Accepts `http://host[:port][/prefix]` or a bare `host[:port]`; returns it without a
/// trailing slash. Refuses user info (`user:password@`), a query and a fragment: none has
/// a meaning for the metadata service, and user info would be sent as an `Authorization`
/// header. Messages quote the value only when it holds neither user info nor a query or
/// fragment, where a password or token could hide.
fn normalize_endpoint(raw: &str) -> std::result::Result<String, String> {
    let raw = raw.trim();
    let shown = if raw.contains(['@', '?', '#']) {
        "the URL".to_owned()
    } else {
        format!("{raw:?}")
    };
    let with_scheme = if raw.contains("://") {
        raw.to_owned()
    } else {
        format!("http://{raw}")
    };
    let url = reqwest::Url::parse(&with_scheme)
        .map_err(|e| format!("{shown} is not a valid URL ({e})"))?;
    if url.scheme() != "http" {
        return Err(format!(
            "{shown}: only http:// is supported (the metadata service speaks plain HTTP)"
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("{shown} has no host"));
    }
    if !url.username().is_empty() || url.password().is_some() || raw.contains('@') {
        return Err(
            "the URL must not carry user info (user:password@); the metadata service takes \
             no credentials"
                .to_owned(),
        );
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!("{shown} must not have a query or a fragment"));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// The resolved, validated configuration of one provider.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Config {
    pub(crate) endpoint: String,
    pub(crate) role: Option<String>,
    pub(crate) disabled: bool,
    pub(crate) v1_disabled: bool,
    pub(crate) connect_timeout: Duration,
    pub(crate) read_timeout: Duration,
    pub(crate) fetch_timeout: Duration,
    pub(crate) token_ttl: Duration,
    pub(crate) source: SourceConfig,
    pub(crate) info: SourceInfo,
}
/// The source a provider fetches from, with what only that source needs.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum SourceConfig {
    /// The ECS metadata service (`endpoint`, `role`, `v1_disabled`, `token_ttl`).
    Metadata,
    /// STS `AssumeRoleWithOIDC` at `endpoint` (an `https://` URL, or `http://` to loopback).
    Oidc(OidcConfig),
    /// A credential given in the configuration (environment, `AK`/`StsToken` profiles).
    Static(StaticCredential),
    /// STS `AssumeRole` at `endpoint`, signed with the credential of another source.
    AssumeRole(AssumeRoleConfig),
    /// The aliyun CLI's `External` mode: a command that prints a credential.
    Process(ProcessConfig),
    /// `GET` of a credentials URI (`endpoint` shows only its origin).
    Uri(UriConfig),
}

/// A configured credential. Equal and hashed by its AccessKeyId and token (the secret is
/// compared, never hashed).
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct StaticCredential(pub(crate) Credential);

impl std::hash::Hash for StaticCredential {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.access_key_id().hash(state);
    }
}

impl fmt::Debug for StaticCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

/// STS `AssumeRole`: the role, and the source whose credential signs the call.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct AssumeRoleConfig {
    /// The signing credential's source (a static AccessKey, or any other source for the
    /// aliyun CLI's `ChainableRamRoleArn`).
    pub(crate) base: Box<Config>,
    pub(crate) role_arn: String,
    /// `None`: `ecscred-<unix ms>` at each fetch.
    pub(crate) session_name: Option<String>,
    pub(crate) duration: Duration,
    pub(crate) policy: Option<String>,
    pub(crate) external_id: Option<String>,
    pub(crate) extra_roots: Vec<CertificateDer<'static>>,
}

/// The aliyun CLI's `External` mode.
#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) struct ProcessConfig {
    /// The program and its arguments (the configured command split at whitespace; no
    /// shell). Arguments may hold secrets: only the program is ever shown.
    pub(crate) argv: Vec<String>,
}

impl fmt::Debug for ProcessConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProcessConfig")
            .field("program", &self.argv.first())
            .finish_non_exhaustive()
    }
}

/// A credentials URI. The full URL may carry a token in its query: only the origin is
/// shown (the `endpoint` of the config).
#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) struct UriConfig {
    pub(crate) url: String,
    pub(crate) extra_roots: Vec<CertificateDer<'static>>,
}

impl fmt::Debug for UriConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UriConfig").finish_non_exhaustive()
    }
}

/// The resolved OIDC source.
#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) struct OidcConfig {
    pub(crate) role_arn: String,
    pub(crate) provider_arn: String,
    pub(crate) token_file: PathBuf,
    /// `None`: `ecscred-<unix ms>` at each fetch.
    pub(crate) session_name: Option<String>,
    pub(crate) duration: Duration,
    pub(crate) policy: Option<String>,
    pub(crate) extra_roots: Vec<CertificateDer<'static>>,
}

impl fmt::Debug for OidcConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OidcConfig")
            .field("role_arn", &self.role_arn)
            .field("provider_arn", &self.provider_arn)
            .field("token_file", &self.token_file)
            .field("session_name", &self.session_name)
            .field("duration", &self.duration)
            .field("extra_roots", &self.extra_roots.len())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn with_env(vars: &[(&str, &str)]) -> ProviderBuilder {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        ProviderBuilder::default().env(move |name| map.get(name).cloned())
    }

    #[test]
    fn defaults_without_environment() {
        let c = with_env(&[]).resolve().unwrap();
        assert_eq!(c.endpoint, "http://100.100.100.200");
        assert_eq!(c.role, None);
        assert!(!c.disabled && !c.v1_disabled);
    }

    #[test]
    fn environment_is_read() {
        let c = with_env(&[
            (ENV_ROLE, "EcsRamRoleTest\n"),
            (ENV_DISABLED, "TRUE"),
            (ENV_IMDSV1_DISABLED, "true"),
            (ENV_ENDPOINT, "127.0.0.1:9/"),
        ])
        .resolve()
        .unwrap();
        assert_eq!(c.endpoint, "http://127.0.0.1:9");
        assert_eq!(c.role.as_deref(), Some("EcsRamRoleTest"));
        assert!(c.disabled && c.v1_disabled);
    }

    #[test]
    fn options_win_over_environment() {
        let c = with_env(&[(ENV_ROLE, "FromEnv"), (ENV_IMDSV1_DISABLED, "true")])
            .role_name("FromOption")
            .disable_imds_v1(false)
            .endpoint("http://localhost:1234/")
            .resolve()
            .unwrap();
        assert_eq!(c.role.as_deref(), Some("FromOption"));
        assert!(!c.v1_disabled);
        assert_eq!(c.endpoint, "http://localhost:1234");
    }

    #[test]
    fn bad_configuration_is_explained() {
        let e = with_env(&[]).role_name("a/b").resolve().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidConfig);
        assert!(e.to_string().contains("role name"), "{e}");
        let e = with_env(&[(ENV_ENDPOINT, "https://x")])
            .resolve()
            .unwrap_err();
        assert!(e.to_string().contains(ENV_ENDPOINT), "{e}");
        let e = with_env(&[])
            .token_ttl(Duration::ZERO)
            .resolve()
            .unwrap_err();
        assert!(e.to_string().contains("token_ttl"), "{e}");
        let e = with_env(&[])
            .fetch_timeout(Duration::ZERO)
            .resolve()
            .unwrap_err();
        assert!(e.to_string().contains("fetch_timeout"), "{e}");
        for dots in [".", ".."] {
            let e = with_env(&[]).role_name(dots).resolve().unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidConfig);
            let e = with_env(&[(ENV_ROLE, dots)]).resolve().unwrap_err();
            assert!(e.to_string().contains(ENV_ROLE), "{e}");
        }
        assert!(with_env(&[]).role_name("...").resolve().is_ok());
    }

    #[test]
    fn booleans_accept_every_usual_spelling_and_refuse_the_rest() {
        for name in [ENV_DISABLED, ENV_IMDSV1_DISABLED] {
            let get = |c: &Config| {
                if name == ENV_DISABLED {
                    c.disabled
                } else {
                    c.v1_disabled
                }
            };
            for yes in [
                "true", "TRUE", "True", "1", "yes", "YES", "on", "On", " on\n", "\ttrue ",
            ] {
                let c = with_env(&[(name, yes)]).resolve().unwrap();
                assert!(get(&c), "{name}={yes:?}");
            }
            for no in ["false", "FALSE", "0", "no", "No", "off", "OFF", " 0 "] {
                let c = with_env(&[(name, no)]).resolve().unwrap();
                assert!(!get(&c), "{name}={no:?}");
            }
            for unset in ["", "  ", "\n"] {
                let c = with_env(&[(name, unset)]).resolve().unwrap();
                assert!(!get(&c), "{name}={unset:?} is unset");
            }
            for bad in [
                "2",
                "y",
                "enable",
                "tru",
                "-1",
                "yes please",
                "\u{fe0f}true",
                "x".repeat(100).as_str(),
            ] {
                let e = with_env(&[(name, bad)]).resolve().unwrap_err();
                assert_eq!(e.kind(), ErrorKind::InvalidConfig, "{name}={bad:?}");
                assert!(e.to_string().contains(name), "{e}");
                assert!(!e.to_string().contains(&"x".repeat(100)), "{e}");
            }
        }
        assert!(with_env(&[(ENV_IMDSV1_DISABLED, "maybe")])
            .resolve()
            .unwrap_err()
            .to_string()
            .contains("\"maybe\""));
    }

    #[test]
    fn every_duration_option_is_bounded_at_both_ends() {
        type Set = fn(ProviderBuilder, Duration) -> ProviderBuilder;
        let options: [(&str, Set, Duration, Duration); 4] = [
            (
                "connect_timeout",
                ProviderBuilder::connect_timeout,
                MIN_TIMEOUT,
                MAX_TIMEOUT,
            ),
            (
                "read_timeout",
                ProviderBuilder::read_timeout,
                MIN_TIMEOUT,
                MAX_TIMEOUT,
            ),
            (
                "fetch_timeout",
                ProviderBuilder::fetch_timeout,
                MIN_TIMEOUT,
                MAX_TIMEOUT,
            ),
            (
                "token_ttl",
                ProviderBuilder::token_ttl,
                MIN_TOKEN_TTL,
                MAX_TOKEN_TTL,
            ),
        ];
        for (name, set, min, max) in options {
            for bad in [
                Duration::ZERO,
                Duration::from_nanos(1),
                min - Duration::from_nanos(1),
                max + Duration::from_nanos(1),
                Duration::from_millis(u64::MAX),
                Duration::from_secs(u64::MAX),
                Duration::MAX,
            ] {
                let e = set(with_env(&[]), bad).resolve().unwrap_err();
                assert_eq!(e.kind(), ErrorKind::InvalidConfig, "{name} {bad:?}");
                assert!(e.to_string().contains(name), "{e}");
            }
            for good in [min, max] {
                set(with_env(&[]), good).resolve().unwrap();
            }
        }
    }

    #[test]
    fn endpoint_user_info_query_and_fragment_are_refused_without_echo() {
        for url in [
            "http://:pw-secret@127.0.0.1:9",
            "http://user:pw-secret@127.0.0.1:9",
            "http://user@127.0.0.1:9",
            "user:pw-secret@127.0.0.1:9",
            "http://127.0.0.1:9@pw-secret",
            "http://127.0.0.1:9?pw-secret",
            "http://127.0.0.1:9/#pw-secret",
            "http://:pw-secret@[::1",
        ] {
            for builder in [
                with_env(&[(ENV_ENDPOINT, url)]),
                with_env(&[]).endpoint(url),
            ] {
                let e = builder.resolve().unwrap_err();
                assert_eq!(e.kind(), ErrorKind::InvalidConfig, "{url}");
                let shown = e.to_string();
                assert!(!shown.contains("pw-secret"), "{url}: {shown}");
                assert!(
                    shown.contains(ENV_ENDPOINT) || shown.contains("endpoint option"),
                    "{url}: {shown}"
                );
            }
        }
    }

    #[test]
    fn a_variable_that_is_not_utf8_is_an_error_not_a_default() {
        for name in [ENV_ENDPOINT, ENV_ROLE, ENV_DISABLED, ENV_IMDSV1_DISABLED] {
            let builder = ProviderBuilder {
                env: Arc::new(move |asked| {
                    if asked == name {
                        Err(NotUnicode)
                    } else {
                        Ok(None)
                    }
                }),
                ..ProviderBuilder::default()
            };
            let e = builder.resolve().unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidConfig, "{name}");
            assert!(e.to_string().contains(name), "{e}");
        }
    }

    #[test]
    fn the_process_environment_reports_bytes_that_are_not_utf8() {
        use std::os::unix::ffi::OsStrExt;
        // A name no other test reads; set before any thread of this test could read it.
        let name = "ECSCRED_TEST_NOT_UNICODE";
        std::env::set_var(name, std::ffi::OsStr::from_bytes(b"http://127.0.0.1:\xff"));
        assert!(process_env(name).is_err());
        std::env::remove_var(name);
        assert!(matches!(process_env(name), Ok(None)));
    }
}
