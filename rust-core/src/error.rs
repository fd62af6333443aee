//! The one error taxonomy of the engine; bindings map [`ErrorKind`] 1:1 onto their own
//! error codes, exception classes and error values.
//!
//! Messages name the cause (endpoint, HTTP status, timeout, role) and what to do about it.
//! They are built only from URLs, status codes, role names and our own words: never from a
//! response body, a header value or anything else that could carry a secret.

use std::fmt;
use std::time::Duration;

/// What went wrong, at the granularity a caller can act on.
///
/// The numbering is stable: bindings expose it as their error codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The metadata service is disabled (`ALIBABA_CLOUD_ECS_METADATA_DISABLED=true` or the
    /// builder option); nothing was sent.
    Disabled = 1,
    /// The configuration is unusable (endpoint URL, role name, an option out of range).
    InvalidConfig = 2,
    /// No connection could be made to the metadata service: not on ECS, or a wrong endpoint.
    Unreachable = 3,
    /// The metadata service accepted the connection but did not answer in time.
    Timeout = 4,
    /// The metadata service answered with an unexpected HTTP status (after retries).
    HttpStatus = 5,
    /// The role does not exist on this instance, or no role is attached to it.
    RoleNotFound = 6,
    /// Hardened mode (the metadata token) failed and plain requests are not allowed, or the
    /// instance requires a token it would not give.
    HardenedMode = 7,
    /// The metadata service answered something unusable: malformed JSON, `Code` not
    /// `Success`, missing fields, an expired credential, a redirect, an oversized body.
    InvalidResponse = 8,
    /// A bug in ecscred (a refresh task ended without a result). Please report it.
    Internal = 9,
}

impl ErrorKind {
    /// The stable number of this kind (the enum's discriminant), used as error code by the
    /// bindings and, plus 10, as exit status by the CLI.
    pub fn code(self) -> u32 {
        self as u32
    }

    /// A short lowercase name, stable, for logs and bindings.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Disabled => "disabled",
            ErrorKind::InvalidConfig => "invalid config",
            ErrorKind::Unreachable => "unreachable",
            ErrorKind::Timeout => "timeout",
            ErrorKind::HttpStatus => "http status",
            ErrorKind::RoleNotFound => "role not found",
            ErrorKind::HardenedMode => "hardened mode",
            ErrorKind::InvalidResponse => "invalid response",
            ErrorKind::Internal => "internal",
        }
    }
}

/// An error from the credentials engine. Cheap to clone: every caller that waited on the
/// same failed fetch gets its own copy.
#[derive(Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    status: Option<u16>,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
            status: None,
        }
    }

    pub(crate) fn with_status(mut self, status: u16) -> Error {
        self.status = Some(status);
        self
    }

    /// Prefixes the message with more context, keeping kind and status.
    pub(crate) fn context(mut self, context: impl fmt::Display) -> Error {
        self.message = format!("{context}: {}", self.message);
        self
    }

    /// Appends a sentence to the message.
    pub(crate) fn note(mut self, note: impl fmt::Display) -> Error {
        self.message = format!("{} ({note})", self.message);
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The HTTP status the metadata service answered with, when that was the cause.
    pub fn http_status(&self) -> Option<u16> {
        self.status
    }

    /// The full message, without secrets (same as `Display`).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// `true` if the cause is transient, so that a later call may succeed without any
    /// change to the configuration.
    pub fn is_retryable(&self) -> bool {
        match self.kind {
            ErrorKind::Unreachable | ErrorKind::Timeout | ErrorKind::Internal => true,
            ErrorKind::HttpStatus => {
                !matches!(self.status, Some(s) if (400..500).contains(&s) && s != 429)
            }
            ErrorKind::InvalidResponse => true,
            ErrorKind::Disabled
            | ErrorKind::InvalidConfig
            | ErrorKind::RoleNotFound
            | ErrorKind::HardenedMode => false,
        }
    }

    pub(crate) fn timeout(what: impl fmt::Display, after: Duration) -> Error {
        Error::new(
            ErrorKind::Timeout,
            format!("{what} did not answer within {} ms", after.as_millis()),
        )
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.kind);
        if let Some(status) = self.status {
            d.field("status", &status);
        }
        d.field("message", &self.message).finish()
    }
}

impl std::error::Error for Error {}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
