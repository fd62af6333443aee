//! The credential snapshot handed to callers.

use std::ffi::CStr;
use std::fmt;
use std::time::SystemTime;

use crate::secret::{Secret, Text};
use crate::wire::{format_timestamp, is_representable};

/// One credential: an STS credential (AccessKeyId, secret, security token, expiration) as
/// issued by the metadata service or STS, or a long-term AccessKey (no security token,
/// never expires) as configured in the environment or a profile. An immutable snapshot.
///
/// The id, secret, token and expiration always belong to the same credential: a refresh
/// builds a new `Credential` and never edits one that was handed out. Callers receive it as
/// `Arc<Credential>` and may keep it as long as they like; the secret and security token are
/// wiped from memory when the last reference is dropped.
///
/// `Debug` shows the AccessKeyId and the times only; the secret and the token are redacted.
#[derive(Clone, PartialEq, Eq)]
pub struct Credential {
    access_key_id: Text,
    access_key_secret: Secret,
    /// `None`: a long-term AccessKey, signed without a token.
    security_token: Option<Secret>,
    /// `None`: never expires (a configured key, not an STS credential).
    expiration: Option<SystemTime>,
    last_updated: Option<SystemTime>,
}

/// What [`Credential::expiration`] reports for a credential that never expires: the latest
/// instant every binding represents, 9998-12-31T23:59:59Z
/// ([`crate::wire::LATEST_UNIX_SECONDS`]). Test [`Credential::expires`] rather than
/// comparing with it.
fn never() -> SystemTime {
    SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(crate::wire::LATEST_UNIX_SECONDS)
}
/// Why [`Credential::new`] refused its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvalidField {
    /// `AccessKeyId`
    AccessKeyId,
    /// `AccessKeySecret`
    AccessKeySecret,
    /// `SecurityToken`
    SecurityToken,
    /// `Expiration`: outside the range every binding represents (the years 1970 to 9998,
    /// [`crate::wire::LATEST_UNIX_SECONDS`]).
    Expiration,
    /// `LastUpdated`: outside the same range.
    LastUpdated,
}

impl InvalidField {
    /// The field's name as the metadata service spells it.
    pub fn name(self) -> &'static str {
        match self {
            InvalidField::AccessKeyId => "AccessKeyId",
            InvalidField::AccessKeySecret => "AccessKeySecret",
            InvalidField::SecurityToken => "SecurityToken",
            InvalidField::Expiration => "Expiration",
            InvalidField::LastUpdated => "LastUpdated",
        }
    }
}

impl Credential {
    /// Builds a credential. Every text field must be non-empty visible ASCII (it ends up in
    /// an HTTP header) and both times must lie in the range every binding represents
    /// (years 1970 to 9998, see [`crate::wire::is_representable`]); the error names the
    /// first field that does not.
    pub fn new(
        access_key_id: &str,
        access_key_secret: &str,
        security_token: &str,
        expiration: SystemTime,
        last_updated: Option<SystemTime>,
    ) -> Result<Credential, InvalidField> {
        if !is_representable(expiration) {
            return Err(InvalidField::Expiration);
        }
        if last_updated.is_some_and(|t| !is_representable(t)) {
            return Err(InvalidField::LastUpdated);
        }
        Ok(Credential {
            access_key_id: Text::new(access_key_id).ok_or(InvalidField::AccessKeyId)?,
            access_key_secret: Secret::new(access_key_secret)
                .ok_or(InvalidField::AccessKeySecret)?,
            security_token: Some(Secret::new(security_token).ok_or(InvalidField::SecurityToken)?),
            expiration: Some(expiration),
            last_updated,
        })
    }

    /// A credential that never expires: a long-term AccessKey (`security_token` `None`),
    /// or an STS token configured without its expiration (the aliyun CLI's `StsToken`
    /// mode). The text fields follow the rules of [`new`](Credential::new).
    pub fn long_term(
        access_key_id: &str,
        access_key_secret: &str,
        security_token: Option<&str>,
    ) -> Result<Credential, InvalidField> {
        Ok(Credential {
            access_key_id: Text::new(access_key_id).ok_or(InvalidField::AccessKeyId)?,
            access_key_secret: Secret::new(access_key_secret)
                .ok_or(InvalidField::AccessKeySecret)?,
            security_token: match security_token {
                Some(token) => Some(Secret::new(token).ok_or(InvalidField::SecurityToken)?),
                None => None,
            },
            expiration: None,
            last_updated: None,
        })
    }

    /// The AccessKeyId (`STS.…`).
    pub fn access_key_id(&self) -> &str {
        self.access_key_id.as_str()
    }

    /// The AccessKeySecret. Never log it.
    pub fn access_key_secret(&self) -> &str {
        self.access_key_secret.expose()
    }

    /// The SecurityToken, or `""` for a long-term AccessKey (which is sent without one:
    /// an SDK must then send no token header or parameter at all). Never log it.
    pub fn security_token(&self) -> &str {
        self.security_token.as_ref().map_or("", Secret::expose)
    }

    /// `false` for a long-term AccessKey, which has no SecurityToken.
    pub fn has_security_token(&self) -> bool {
        self.security_token.is_some()
    }

    /// The AccessKeyId as a NUL-terminated string, valid as long as `self`.
    pub fn access_key_id_c(&self) -> &CStr {
        self.access_key_id.as_c_str()
    }

    /// The AccessKeySecret as a NUL-terminated string, valid as long as `self`.
    pub fn access_key_secret_c(&self) -> &CStr {
        self.access_key_secret.expose_c_str()
    }

    /// The SecurityToken as a NUL-terminated string (empty for a long-term AccessKey),
    /// valid as long as `self`.
    pub fn security_token_c(&self) -> &CStr {
        self.security_token
            .as_ref()
            .map_or(c"", Secret::expose_c_str)
    }

    /// When the credential stops working (UTC); 9998-12-31T23:59:59Z
    /// ([`crate::wire::LATEST_UNIX_SECONDS`]) for one that does not expire (see [`expires`](Credential::expires)).
    pub fn expiration(&self) -> SystemTime {
        self.expiration.unwrap_or_else(never)
    }

    /// `false` for a credential that never expires (a long-term AccessKey, or an STS
    /// token configured without its expiration): it is never refreshed.
    pub fn expires(&self) -> bool {
        self.expiration.is_some()
    }

    /// When the metadata service issued it, if it said so.
    pub fn last_updated(&self) -> Option<SystemTime> {
        self.last_updated
    }

    /// `true` once `now` has reached the expiration.
    pub fn is_expired_at(&self, now: SystemTime) -> bool {
        self.expiration.is_some_and(|e| now >= e)
    }

    /// `true` if `other` is the same credential (same id and expiration).
    pub(crate) fn same_as(&self, other: &Credential) -> bool {
        self.access_key_id == other.access_key_id && self.expiration == other.expiration
    }
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credential")
            .field("access_key_id", &self.access_key_id)
            .field("access_key_secret", &self.access_key_secret)
            .field("security_token", &self.security_token)
            .field("expiration", &self.expiration.map(format_timestamp))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn debug_redacts_secrets() {
        let exp = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let c = Credential::new("STS.id", "s3cr3t", "t0k3n", exp, None).unwrap();
        let shown = format!("{c:?}");
        assert!(shown.contains("STS.id"));
        assert!(!shown.contains("s3cr3t"));
        assert!(!shown.contains("t0k3n"));
    }

    #[test]
    fn new_names_the_bad_field() {
        let exp = SystemTime::UNIX_EPOCH;
        assert_eq!(
            Credential::new("STS.id", "", "t", exp, None),
            Err(InvalidField::AccessKeySecret)
        );
        assert_eq!(
            Credential::new("STS.id", "s", "t\n", exp, None),
            Err(InvalidField::SecurityToken)
        );
        let before = exp - Duration::from_secs(1);
        assert_eq!(
            Credential::new("STS.id", "s", "t", before, None),
            Err(InvalidField::Expiration)
        );
        assert_eq!(
            Credential::new("STS.id", "s", "t", exp, Some(before)),
            Err(InvalidField::LastUpdated)
        );
    }
}
