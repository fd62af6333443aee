//! Parsers for everything the metadata service sends: credential JSON, the role listing,
//! the hardened-mode token and timestamps.
//!
//! Pure functions over bytes, public so that fuzzers and other tools can drive them. Errors
//! describe what was wrong without quoting the input (which may hold secrets).

use std::fmt;
use std::time::SystemTime;

use serde::Deserialize;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::credential::{Credential, InvalidField};
use crate::secret::Secret;

/// Why a response from the metadata service was rejected. `Display` never quotes the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WireError {
    /// Not JSON, or not a JSON object of the expected shape (position given, never content).
    Json(String),
    /// `Code` was missing or not `Success` (the code is shown only if it is a short word).
    Code(Option<String>),
    /// A required field is missing, empty or holds characters not allowed in a header.
    Field(&'static str),
    /// A timestamp is not RFC 3339 with a zone (`YYYY-MM-DDThh:mm:ss[.fff]Z` or
    /// `…+hh:mm`), or lies outside the years 1970 to 9998 ([`LATEST_UNIX_SECONDS`]).
    Timestamp(&'static str),
    /// The role listing is empty.
    NoRole,
    /// The role listing's first line is `.` or `..`, which a URL path would read as a
    /// folder (see [`is_valid_role_name`]).
    DotRole(&'static str),
    /// The role listing's first line holds characters a role name cannot have.
    BadRole,
    /// The role listing or token holds characters that cannot be a role name or token.
    Text(&'static str),
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WireError::Json(why) => write!(f, "the body is not valid credential JSON ({why})"),
            WireError::Code(Some(code)) => {
                write!(f, "the answer has Code \"{code}\", not \"Success\"")
            }
            WireError::Code(None) => {
                f.write_str("the credential JSON has no \"Code\": \"Success\"")
            }
            WireError::Field(name) => {
                write!(
                    f,
                    "the credential JSON has a missing, empty or invalid \"{name}\""
                )
            }
            WireError::Timestamp(name) => {
                write!(
                    f,
                    "\"{name}\" is not an RFC 3339 timestamp with a zone, like \
                     2026-01-02T03:04:05Z, between the years 1970 and 9998"
                )
            }
            WireError::NoRole => f.write_str("no RAM role is attached to this instance"),
            WireError::DotRole(name) => write!(
                f,
                "the role listing names \"{name}\", which cannot be a RAM role (a URL path \
                 would read it as a folder, not a role)"
            ),
            WireError::BadRole => f.write_str(
                "the role listing does not name a usable RAM role (1 to 64 letters, digits, \
                 '.', '-', '_')",
            ),
            WireError::Text(what) => write!(f, "the {what} holds characters that are not allowed"),
        }
    }
}

impl std::error::Error for WireError {}

/// The JSON the metadata service returns for a role. Secret and token land in buffers that
/// are wiped when dropped.
#[derive(Deserialize)]
struct RawCredential {
    #[serde(rename = "Code")]
    code: Option<String>,
    #[serde(rename = "AccessKeyId")]
    access_key_id: Option<String>,
    #[serde(rename = "AccessKeySecret")]
    access_key_secret: Option<zeroize::Zeroizing<String>>,
    #[serde(rename = "SecurityToken")]
    security_token: Option<zeroize::Zeroizing<String>>,
    #[serde(rename = "Expiration")]
    expiration: Option<String>,
    #[serde(rename = "LastUpdated")]
    last_updated: Option<String>,
}

/// Parses the body of `GET /latest/meta-data/ram/security-credentials/<role>`.
///
/// Requires `Code == "Success"`, non-empty `AccessKeyId`, `AccessKeySecret`,
/// `SecurityToken` (visible ASCII) and an `Expiration` accepted by [`parse_timestamp`].
/// `LastUpdated` is optional and ignored when malformed or out of range. Whether the credential is already expired is for the caller to
/// judge: this function has no clock.
pub fn parse_credential(body: &[u8]) -> Result<Credential, WireError> {
    let raw: RawCredential = serde_json::from_slice(body).map_err(describe_json_error)?;
    match raw.code.as_deref() {
        Some("Success") => {}
        Some(code) if is_short_word(code) => return Err(WireError::Code(Some(code.to_owned()))),
        _ => return Err(WireError::Code(None)),
    }
    let id = raw.access_key_id.ok_or(WireError::Field("AccessKeyId"))?;
    let secret = raw
        .access_key_secret
        .ok_or(WireError::Field("AccessKeySecret"))?;
    let token = raw
        .security_token
        .ok_or(WireError::Field("SecurityToken"))?;
    let expiration = raw.expiration.ok_or(WireError::Field("Expiration"))?;
    let expiration =
        parse_timestamp(&expiration).map_err(|_| WireError::Timestamp("Expiration"))?;
    let last_updated = raw.last_updated.and_then(|s| parse_timestamp(&s).ok());
    Credential::new(&id, &secret, &token, expiration, last_updated).map_err(|field| match field {
        InvalidField::Expiration => WireError::Timestamp("Expiration"),
        other => WireError::Field(other.name()),
    })
}

/// Parses the body of `GET /latest/meta-data/ram/security-credentials/`: the role name,
/// possibly followed by a newline (and, on some hosts, more lines): the first non-empty
/// line, trimmed.
pub fn parse_role_listing(body: &[u8]) -> Result<String, WireError> {
    let text = std::str::from_utf8(body).map_err(|_| WireError::Text("role listing"))?;
    let role = text
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .ok_or(WireError::NoRole)?;
    match role {
        "." => return Err(WireError::DotRole(".")),
        ".." => return Err(WireError::DotRole("..")),
        _ if !is_valid_role_name(role) => return Err(WireError::BadRole),
        _ => {}
    }
    Ok(role.to_owned())
}

/// Parses the body of `PUT /latest/api/token`: the token text, trimmed.
pub fn parse_token(body: &[u8]) -> Result<MetadataTokenText, WireError> {
    let text = std::str::from_utf8(body).map_err(|_| WireError::Text("metadata token"))?;
    Secret::new(text.trim())
        .map(MetadataTokenText)
        .ok_or(WireError::Text("metadata token"))
}

/// A hardened-mode metadata token: redacted in `Debug`, wiped on drop.
#[derive(Clone, Debug)]
pub struct MetadataTokenText(pub(crate) Secret);

/// The last second a timestamp may name, in Unix seconds: 9998-12-31T23:59:59Z (its
/// fractions included). The first is the Unix epoch, 1970-01-01T00:00:00Z. Every binding
/// represents every instant in between (C as `int64_t` seconds, Go's `time.Time`, Python's
/// `datetime`, which ends in 9999 and leaves no room for a time-zone shift there), so the
/// engine refuses what lies outside and all four surfaces agree.
pub const LATEST_UNIX_SECONDS: u64 = 253_370_764_799;

/// Parses an RFC 3339 timestamp such as `2026-01-02T03:04:05Z`, with optional fractional
/// seconds and any zone: `Z`, `z` or a numeric offset (`+08:00`, converted exactly). A
/// timestamp without a zone is refused (its instant is ambiguous), and so is one outside
/// the years 1970 to 9998 (see [`LATEST_UNIX_SECONDS`]).
///
/// A leap second, `23:59:60[.f]` UTC on the last day of a month (RFC 3339 allows it, and
/// nowhere else), is the instant `23:59:59[.f]`: what the system clock reads during it
/// (Unix time has no leap seconds; Linux repeats 23:59:59), so a credential that expires
/// then is never taken as valid after it expired. That is the instant every binding
/// converts, so all show the same second.
pub fn parse_timestamp(s: &str) -> Result<SystemTime, WireError> {
    let s = s.trim();
    let invalid = |_| WireError::Timestamp("timestamp");
    let mut parsed = OffsetDateTime::parse(s, &Rfc3339).map_err(invalid)?;
    // The parser accepts `60` only at a valid leap second, which it reads as
    // 23:59:59.999999999 (the fraction dropped). The seconds field of an accepted
    // timestamp is always at bytes 17..19 (`YYYY-MM-DDThh:mm:ss`).
    if s.get(17..19) == Some("60") {
        parsed = OffsetDateTime::parse(&format!("{}59{}", &s[..17], &s[19..]), &Rfc3339)
            .map_err(invalid)?;
    }
    Some(SystemTime::from(parsed))
        .filter(|t| is_representable(*t))
        .ok_or(WireError::Timestamp("timestamp"))
}

/// Whether every binding can represent `t`: from the Unix epoch to the end of
/// [`LATEST_UNIX_SECONDS`], the accepted range of [`parse_timestamp`].
pub fn is_representable(t: SystemTime) -> bool {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .is_ok_and(|d| d.as_secs() <= LATEST_UNIX_SECONDS)
}

/// `t` as `YYYY-MM-DDThh:mm:ssZ` (whole seconds, UTC), for messages and output. Instants
/// outside the years 0 to 9999 are shown as Unix seconds.
pub fn format_timestamp(t: SystemTime) -> String {
    let secs = match t.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
        // Whole seconds, rounded down like the instants after the epoch.
        Err(before) => {
            -i64::try_from(before.duration().as_secs_f64().ceil() as u64).unwrap_or(i64::MAX)
        }
    };
    OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .and_then(|utc| utc.format(&Rfc3339).ok())
        .unwrap_or_else(|| format!("Unix time {secs} s"))
}

/// A RAM role name as Alibaba Cloud allows it: 1 to 64 of `A-Za-z0-9.-_`, and not `.` or
/// `..`, which a URL path would read as "this folder" and "the parent folder": such a
/// name would send the credential request elsewhere. Names that pass go into the request
/// path verbatim.
pub fn is_valid_role_name(role: &str) -> bool {
    !role.is_empty()
        && role.len() <= 64
        && role != "."
        && role != ".."
        && role
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
}

fn is_short_word(s: &str) -> bool {
    !s.is_empty() && s.len() <= 40 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.')
}

fn describe_json_error(e: serde_json::Error) -> WireError {
    use serde_json::error::Category;
    // serde_json's messages for type errors quote the offending value: keep only the class
    // of error and its position.
    let class = match e.classify() {
        Category::Io => "read error",
        Category::Syntax => "syntax error",
        Category::Data => "unexpected value type",
        Category::Eof => "truncated",
    };
    WireError::Json(format!(
        "{class} at line {} column {}",
        e.line(),
        e.column()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const GOOD: &str = r#"{
        "AccessKeyId" : "STS.abc",
        "AccessKeySecret" : "sekrit",
        "Expiration" : "2017-06-09T09:17:19Z",
        "SecurityToken" : "CAIXXXX+/=",
        "LastUpdated" : "2017-06-09T03:17:19Z",
        "Code" : "Success"
    }"#;

    #[test]
    fn parses_the_documented_sample() {
        let c = parse_credential(GOOD.as_bytes()).unwrap();
        assert_eq!(c.access_key_id(), "STS.abc");
        assert_eq!(c.access_key_secret(), "sekrit");
        assert_eq!(c.security_token(), "CAIXXXX+/=");
        assert_eq!(
            c.expiration(),
            SystemTime::UNIX_EPOCH + Duration::from_secs(1_496_999_839)
        );
        assert_eq!(
            c.last_updated(),
            Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_496_978_239))
        );
    }

    #[test]
    fn fractional_seconds_are_accepted() {
        let t = parse_timestamp("2017-06-09T09:17:19.250Z").unwrap();
        assert_eq!(
            t,
            SystemTime::UNIX_EPOCH + Duration::from_millis(1_496_999_839_250)
        );
        assert!(parse_timestamp("2017-06-09T09:17:19").is_err());
        assert!(parse_timestamp("2017-06-09 09:17:19").is_err());
    }

    #[test]
    fn a_leap_second_is_the_second_before_it() {
        // 2016-12-31T23:59:59Z, the second before the last leap second so far.
        let before = SystemTime::UNIX_EPOCH + Duration::from_secs(1_483_228_799);
        for same in [
            "2016-12-31T23:59:60Z",
            "2017-01-01T07:59:60+08:00",
            "2016-12-31t23:59:60z",
        ] {
            assert_eq!(parse_timestamp(same), Ok(before), "{same}");
        }
        assert_eq!(
            parse_timestamp("2016-12-31T23:59:60.25Z"),
            Ok(before + Duration::from_millis(250))
        );
        // The last accepted second has one too, and it stays in range.
        assert_eq!(
            parse_timestamp("9998-12-31T23:59:60Z"),
            Ok(SystemTime::UNIX_EPOCH + Duration::from_secs(LATEST_UNIX_SECONDS))
        );
        // Only at the end of a month, UTC.
        for bad in [
            "2016-12-30T23:59:60Z",
            "2016-12-31T23:58:60Z",
            "2016-12-31T23:59:60+08:00",
            "2016-12-31T23:59:61Z",
        ] {
            assert!(parse_timestamp(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn any_zone_is_converted_exactly() {
        let utc = parse_timestamp("2026-01-02T03:04:05Z").unwrap();
        for same in [
            "2026-01-02T11:04:05+08:00",
            "2026-01-01T22:34:05-04:30",
            "2026-01-02t03:04:05z",
            "2026-01-02T03:04:05-00:00",
            " 2026-01-02T03:04:05+00:00\n",
        ] {
            assert_eq!(parse_timestamp(same), Ok(utc), "{same}");
        }
        for bad in [
            "2026-01-02T03:04:05",
            "2026-01-02T03:04:05+8:00",
            "2026-01-02T03:04:05+24:00",
            "2026-01-02T03:04:05 UTC",
            "2026-13-02T03:04:05Z",
            "",
        ] {
            assert!(parse_timestamp(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_range_every_binding_represents_is_enforced() {
        let earliest = SystemTime::UNIX_EPOCH;
        let latest = earliest + Duration::new(LATEST_UNIX_SECONDS, 999_999_999);
        assert_eq!(parse_timestamp("1970-01-01T00:00:00Z"), Ok(earliest));
        assert_eq!(
            parse_timestamp("9998-12-31T23:59:59.999999999Z"),
            Ok(latest)
        );
        for out in [
            "1969-12-31T23:59:59Z",
            "1970-01-01T07:59:59+08:00",
            "9999-01-01T00:00:00Z",
            "9998-12-31T23:59:59-00:01",
            "0000-01-01T00:00:00Z",
        ] {
            assert!(parse_timestamp(out).is_err(), "{out}");
        }
        assert_eq!(format_timestamp(latest), "9998-12-31T23:59:59Z");
        assert_eq!(format_timestamp(earliest), "1970-01-01T00:00:00Z");
        assert_eq!(
            format_timestamp(earliest - Duration::from_millis(500)),
            "1969-12-31T23:59:59Z"
        );
    }

    #[test]
    fn an_expiration_out_of_range_is_refused_and_a_last_updated_ignored() {
        let body = GOOD.replace("2017-06-09T09:17:19Z", "9999-06-09T09:17:19Z");
        assert_eq!(
            parse_credential(body.as_bytes()),
            Err(WireError::Timestamp("Expiration"))
        );
        let body = GOOD.replace("2017-06-09T03:17:19Z", "1960-06-09T03:17:19Z");
        assert_eq!(
            parse_credential(body.as_bytes()).unwrap().last_updated(),
            None
        );
    }

    #[test]
    fn code_must_be_success() {
        let body = GOOD.replace("\"Success\"", "\"Failure\"");
        assert_eq!(
            parse_credential(body.as_bytes()),
            Err(WireError::Code(Some("Failure".into())))
        );
        let body = GOOD.replace("\"Code\" : \"Success\"", "\"Other\" : 1");
        assert_eq!(
            parse_credential(body.as_bytes()),
            Err(WireError::Code(None))
        );
    }

    #[test]
    fn every_required_field_is_checked() {
        for field in ["AccessKeyId", "AccessKeySecret", "SecurityToken"] {
            let body = GOOD.replace(&format!("\"{field}\""), "\"Renamed\"");
            assert_eq!(
                parse_credential(body.as_bytes()),
                Err(WireError::Field(field)),
                "{field}"
            );
        }
        let body = GOOD.replace("\"sekrit\"", "\"\"");
        assert_eq!(
            parse_credential(body.as_bytes()),
            Err(WireError::Field("AccessKeySecret"))
        );
        let body = GOOD.replace("2017-06-09T09:17:19Z", "soon");
        assert_eq!(
            parse_credential(body.as_bytes()),
            Err(WireError::Timestamp("Expiration"))
        );
    }

    #[test]
    fn json_errors_never_quote_the_body() {
        let body = r#"{"AccessKeyId":"STS.x","AccessKeySecret":12345678,"Code":"Success"}"#;
        let err = parse_credential(body.as_bytes()).unwrap_err().to_string();
        assert!(!err.contains("12345678"), "{err}");
        let err = parse_credential(b"{\"AccessKeySecret\": \"sekrit")
            .unwrap_err()
            .to_string();
        assert!(!err.contains("sekrit"), "{err}");
        let body = GOOD.replace("\"Success\"", "\"the secret is sekrit\"");
        let err = parse_credential(body.as_bytes()).unwrap_err().to_string();
        assert!(!err.contains("sekrit"), "{err}");
    }

    #[test]
    fn role_listing_is_trimmed_to_its_first_line() {
        assert_eq!(
            parse_role_listing(b"EcsRamRoleTest\n").unwrap(),
            "EcsRamRoleTest"
        );
        assert_eq!(parse_role_listing(b"\n  r1 \nr2\n").unwrap(), "r1");
        assert_eq!(parse_role_listing(b" \n"), Err(WireError::NoRole));
        assert!(parse_role_listing(b"../etc").is_err());
        assert_eq!(parse_role_listing(b"..\n"), Err(WireError::DotRole("..")));
        assert_eq!(parse_role_listing(b" .\n"), Err(WireError::DotRole(".")));
        assert_eq!(parse_role_listing(b"a b\n"), Err(WireError::BadRole));
        assert_eq!(parse_role_listing(b"...\n").unwrap(), "...");
        assert!(parse_role_listing(&[0xff, 0xfe]).is_err());
    }

    #[test]
    fn token_is_trimmed_and_redacted() {
        let t = parse_token(b"AAAA-token==\n").unwrap();
        assert_eq!(t.0.expose(), "AAAA-token==");
        assert!(!format!("{t:?}").contains("AAAA"));
        assert!(parse_token(b"").is_err());
        assert!(parse_token(b"two words").is_err());
    }
}
