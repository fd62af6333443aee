//! Parsers for everything the metadata service sends: credential JSON, the role listing,
//! the hardened-mode token and timestamps.
//!
//! Pure functions over bytes, public so that fuzzers and other tools can drive them. Errors
//! describe what was wrong without quoting the input (which may hold secrets).

use std::fmt;
use std::time::SystemTime;

use serde::Deserialize;

use crate::credential::Credential;
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
    /// A timestamp is not `YYYY-MM-DDThh:mm:ss[.fff]Z`.
    Timestamp(&'static str),
    /// The role listing is empty.
    NoRole,
    /// The role listing or token holds characters that cannot be a role name or token.
    Text(&'static str),
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WireError::Json(why) => write!(f, "the body is not valid credential JSON ({why})"),
            WireError::Code(Some(code)) => {
                write!(
                    f,
                    "the metadata service answered Code \"{code}\", not \"Success\""
                )
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
                    "\"{name}\" is not a UTC timestamp like 2026-01-02T03:04:05Z"
                )
            }
            WireError::NoRole => f.write_str("no RAM role is attached to this instance"),
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
/// `SecurityToken` (visible ASCII) and a UTC `Expiration`. `LastUpdated` is optional and
/// ignored when malformed. Whether the credential is already expired is for the caller to
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
    Credential::new(&id, &secret, &token, expiration, last_updated)
        .map_err(|field| WireError::Field(field.name()))
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
    if !is_valid_role_name(role) {
        return Err(WireError::Text("role listing"));
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

/// Parses a UTC timestamp `YYYY-MM-DDThh:mm:ssZ`, with optional fractional seconds.
pub fn parse_timestamp(s: &str) -> Result<SystemTime, WireError> {
    // humantime accepts exactly RFC 3339 in UTC ("Z"), with or without fractions.
    humantime::parse_rfc3339(s.trim()).map_err(|_| WireError::Timestamp("timestamp"))
}

/// A RAM role name as Alibaba Cloud allows it: 1 to 64 of `A-Za-z0-9.-_`.
pub fn is_valid_role_name(role: &str) -> bool {
    !role.is_empty()
        && role.len() <= 64
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
        assert!(parse_timestamp("2017-06-09 09:17:19").is_err());
        assert!(parse_timestamp("2017-06-09T09:17:19+08:00").is_err());
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
