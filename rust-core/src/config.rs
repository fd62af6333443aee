//! Provider configuration: the builder and the environment variables it reads.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::clock::{Clock, SystemClock};
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
    role_name: Option<String>,
    endpoint: Option<String>,
    disable_imds_v1: Option<bool>,
    disabled: Option<bool>,
    connect_timeout: Duration,
    read_timeout: Duration,
    fetch_timeout: Duration,
    token_ttl: Duration,
    /// `None`: the system clock (which shared providers then need not tell apart).
    clock: Option<Arc<dyn Clock>>,
    env: EnvLookup,
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

    fn resolve(&self) -> Result<Config> {
        // A variable set to bytes that are not UTF-8 is an error, never "unset": falling
        // back to the default would send requests somewhere the user did not choose.
        let env = |name: &str| -> Result<Option<String>> {
            match (self.env)(name) {
                Ok(value) => Ok(value.filter(|v| !v.trim().is_empty())),
                Err(NotUnicode) => Err(Error::new(
                    ErrorKind::InvalidConfig,
                    format!("{name} is set but is not valid UTF-8; fix or unset it"),
                )),
            }
        };
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

        for (name, value) in [
            ("connect_timeout", self.connect_timeout),
            ("read_timeout", self.read_timeout),
            ("fetch_timeout", self.fetch_timeout),
        ] {
            if !(MIN_TIMEOUT..=MAX_TIMEOUT).contains(&value) {
                return Err(out_of_range(name, value, "1 millisecond and 1 hour"));
            }
        }
        if !(MIN_TOKEN_TTL..=MAX_TOKEN_TTL).contains(&self.token_ttl) {
            return Err(out_of_range(
                "token_ttl",
                self.token_ttl,
                "1 second and 6 hours",
            ));
        }

        Ok(Config {
            endpoint,
            role: role.map(|(role, _)| role),
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
