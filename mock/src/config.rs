//! What a mock server is started with.

use std::fmt;
use std::io;
use std::str::FromStr;
use std::time::Duration;

use crate::faults::Fault;

/// Which flavour of the metadata service the mock imitates.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Mode {
    /// The token is optional: GETs work with or without one (a presented token must be valid).
    #[default]
    Normal,
    /// Hardened mode only: a GET without a token answers 403 `403 - Forbidden`.
    Hardened,
    /// No hardened mode: the token path answers 404 and presented tokens are ignored.
    V1Only,
}

impl FromStr for Mode {
    type Err = String;

    /// Parses `normal`, `hardened` or `v1-only`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "normal" => Ok(Self::Normal),
            "hardened" => Ok(Self::Hardened),
            "v1-only" => Ok(Self::V1Only),
            other => Err(format!(
                "unknown mode {other:?} (expected normal, hardened or v1-only)"
            )),
        }
    }
}

impl fmt::Display for Mode {
    /// Writes the name [`Mode::from_str`] accepts.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Normal => "normal",
            Self::Hardened => "hardened",
            Self::V1Only => "v1-only",
        })
    }
}

/// Settings of a [`MockServer`](crate::MockServer).
///
/// Build it from [`MockConfig::default`] and the `with_*` methods, or set the fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MockConfig {
    /// Port to bind on 127.0.0.1; 0 picks any free port.
    pub port: u16,
    /// The instance's RAM role name. Default `EcsRamRoleTest`.
    pub role: String,
    /// How long each credential is valid after its issue. Default 6 h. At least 1 s.
    pub lifetime: Duration,
    /// A new credential is issued this long before the current one expires.
    /// Default 30 min (`lifetime / 12` of the default lifetime). Less than `lifetime`.
    pub rotate_before: Duration,
    /// Initial mode. Default [`Mode::Normal`].
    pub mode: Mode,
    /// Faults armed at start, in this order.
    pub faults: Vec<Fault>,
}

const DEFAULT_LIFETIME: Duration = Duration::from_secs(6 * 3600);
/// The longest credential lifetime a mock issues: 366 days (ECS issues hours).
pub const MAX_LIFETIME: Duration = Duration::from_secs(366 * 86_400);

impl Default for MockConfig {
    fn default() -> Self {
        Self {
            port: 0,
            role: "EcsRamRoleTest".to_owned(),
            lifetime: DEFAULT_LIFETIME,
            rotate_before: DEFAULT_LIFETIME / 12,
            mode: Mode::Normal,
            faults: Vec::new(),
        }
    }
}

impl MockConfig {
    /// Sets the port (0 = any free port).
    #[must_use]
    pub fn with_port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Sets the role name.
    #[must_use]
    pub fn with_role(mut self, role: impl Into<String>) -> Self {
        self.role = role.into();
        self
    }

    /// Sets the credential lifetime **and** resets `rotate_before` to `lifetime / 12`;
    /// call [`MockConfig::with_rotate_before`] afterwards to choose another lead.
    #[must_use]
    pub fn with_lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = lifetime;
        self.rotate_before = lifetime / 12;
        self
    }

    /// Sets how long before expiry the next credential is issued.
    #[must_use]
    pub fn with_rotate_before(mut self, rotate_before: Duration) -> Self {
        self.rotate_before = rotate_before;
        self
    }

    /// Sets the initial mode.
    #[must_use]
    pub fn with_mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// Arms one more fault at start (after those already listed).
    #[must_use]
    pub fn with_fault(mut self, fault: Fault) -> Self {
        self.faults.push(fault);
        self
    }

    /// Checks the contracts stated on the fields.
    ///
    /// # Errors
    ///
    /// `InvalidInput` when `lifetime` is under 1 s or over [`MAX_LIFETIME`] (beyond which
    /// expirations would leave the range clients accept), `rotate_before` is not less than
    /// `lifetime`, or `role` is empty or contains `/` or a control character.
    pub fn validate(&self) -> io::Result<()> {
        let invalid = |msg: String| Err(io::Error::new(io::ErrorKind::InvalidInput, msg));
        check_rotation(self.lifetime, self.rotate_before)?;
        if self.role.is_empty()
            || self.role.contains('/')
            || self.role.chars().any(char::is_control)
        {
            return invalid(format!(
                "role must be a non-empty path segment, got {:?}",
                self.role
            ));
        }
        Ok(())
    }
}

/// Checks a rotation: `lifetime` from 1 s to [`MAX_LIFETIME`], `rotate_before` less.
///
/// # Errors
///
/// `InvalidInput` naming the bad value.
pub(crate) fn check_rotation(lifetime: Duration, rotate_before: Duration) -> io::Result<()> {
    let invalid = |msg: String| Err(io::Error::new(io::ErrorKind::InvalidInput, msg));
    if lifetime < Duration::from_secs(1) {
        return invalid(format!("lifetime must be at least 1 s, got {lifetime:?}"));
    }
    if lifetime > MAX_LIFETIME {
        return invalid(format!(
            "lifetime must be at most {} days, got {lifetime:?}",
            MAX_LIFETIME.as_secs() / 86_400,
        ));
    }
    if rotate_before >= lifetime {
        return invalid(format!(
            "rotate_before ({rotate_before:?}) must be less than lifetime ({lifetime:?})"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mode_round_trips_through_its_name() {
        for mode in [Mode::Normal, Mode::Hardened, Mode::V1Only] {
            assert_eq!(mode.to_string().parse::<Mode>(), Ok(mode));
        }
        assert!("v1only".parse::<Mode>().is_err());
    }

    #[test]
    fn defaults_match_the_documented_service() {
        let c = MockConfig::default();
        assert_eq!(c.role, "EcsRamRoleTest");
        assert_eq!(c.lifetime, Duration::from_secs(6 * 3600));
        assert_eq!(c.rotate_before, Duration::from_secs(30 * 60));
        assert_eq!(c.mode, Mode::Normal);
        c.validate().unwrap();
    }

    #[test]
    fn validate_rejects_bad_durations_and_roles() {
        let ok = MockConfig::default();
        let bad = [
            ok.clone().with_lifetime(Duration::from_millis(999)),
            ok.clone()
                .with_lifetime(MAX_LIFETIME + Duration::from_secs(1)),
            ok.clone().with_lifetime(Duration::from_secs(u64::MAX)),
            ok.clone().with_rotate_before(ok.lifetime),
            ok.clone().with_role(""),
            ok.clone().with_role("a/b"),
            ok.clone().with_role("a\nb"),
        ];
        for c in bad {
            let err = c.validate().unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{c:?}");
        }
        let short = ok.clone().with_lifetime(Duration::from_secs(12));
        assert_eq!(short.rotate_before, Duration::from_secs(1));
        short.validate().unwrap();
        ok.with_lifetime(MAX_LIFETIME).validate().unwrap();
    }
}
