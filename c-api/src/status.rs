//! The status codes: the engine's error kinds 1:1 (same numbers), plus the failures that
//! only a C caller can cause (100 and up).

use std::ffi::{c_char, CStr};

use ecscred_core::ErrorKind;

/// The outcome of an ecscred call. `ECSCRED_OK` (0) is success; every other value is a
/// failure whose message `ecscred_last_error_message()` returns on the same thread.
///
/// The numbers are stable and never reused. 1 to 99 are the engine's error kinds (the same
/// numbers in every binding and, plus 10, in the exit status of the `ecscred` command);
/// 100 and up are misuses of the C interface. New codes may be added: treat an unknown
/// one as a failure.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ecscred_status {
    /// Success.
    ECSCRED_OK = 0,
    /// The metadata service is disabled (`ALIBABA_CLOUD_ECS_METADATA_DISABLED` true or the
    /// `disabled` option); nothing was sent.
    ECSCRED_DISABLED = 1,
    /// The configuration is unusable: endpoint URL, role name, an option out of range.
    ECSCRED_INVALID_CONFIG = 2,
    /// No connection could be made to the metadata service: not on ECS, or a wrong
    /// endpoint. Retryable.
    ECSCRED_UNREACHABLE = 3,
    /// The metadata service accepted the connection but did not answer in time.
    /// Retryable.
    ECSCRED_TIMEOUT = 4,
    /// The metadata service answered an unexpected HTTP status (after retries); the
    /// message names it.
    ECSCRED_HTTP_STATUS = 5,
    /// The role is not attached to this instance, or no role is.
    ECSCRED_ROLE_NOT_FOUND = 6,
    /// Hardened mode (the metadata token) failed and plain requests are not allowed, or
    /// the instance requires a token it would not give.
    ECSCRED_HARDENED_MODE = 7,
    /// The metadata service answered something unusable: malformed JSON, `Code` not
    /// `Success`, missing fields, an expired credential, a redirect, an oversized body.
    ECSCRED_INVALID_RESPONSE = 8,
    /// A bug in ecscred. Please report it with the message.
    ECSCRED_INTERNAL = 9,
    /// A pointer argument that must not be NULL was NULL.
    ECSCRED_NULL_ARGUMENT = 100,
    /// A string argument is not valid UTF-8.
    ECSCRED_INVALID_UTF8 = 101,
    /// ecscred panicked (a bug); the panic was stopped at the C boundary. Please report it.
    ECSCRED_PANIC = 102,
    /// An argument is out of range: an `ecscred_options` not prepared by
    /// `ecscred_options_init`, a yes/no option that is neither, an unknown log level.
    ECSCRED_INVALID_ARGUMENT = 103,
}

impl ecscred_status {
    /// The status of an engine error: the same number as [`ErrorKind::code`].
    pub(crate) fn from_kind(kind: ErrorKind) -> ecscred_status {
        match kind {
            ErrorKind::Disabled => ecscred_status::ECSCRED_DISABLED,
            ErrorKind::InvalidConfig => ecscred_status::ECSCRED_INVALID_CONFIG,
            ErrorKind::Unreachable => ecscred_status::ECSCRED_UNREACHABLE,
            ErrorKind::Timeout => ecscred_status::ECSCRED_TIMEOUT,
            ErrorKind::HttpStatus => ecscred_status::ECSCRED_HTTP_STATUS,
            ErrorKind::RoleNotFound => ecscred_status::ECSCRED_ROLE_NOT_FOUND,
            ErrorKind::HardenedMode => ecscred_status::ECSCRED_HARDENED_MODE,
            ErrorKind::InvalidResponse => ecscred_status::ECSCRED_INVALID_RESPONSE,
            ErrorKind::Internal => ecscred_status::ECSCRED_INTERNAL,
            // A kind added to the engine after this binding: still a failure, with the
            // engine's message; a new status number comes with the next header.
            _ => ecscred_status::ECSCRED_INTERNAL,
        }
    }

    /// Every status, in numeric order.
    pub(crate) const ALL: [ecscred_status; 14] = {
        use ecscred_status::*;
        [
            ECSCRED_OK,
            ECSCRED_DISABLED,
            ECSCRED_INVALID_CONFIG,
            ECSCRED_UNREACHABLE,
            ECSCRED_TIMEOUT,
            ECSCRED_HTTP_STATUS,
            ECSCRED_ROLE_NOT_FOUND,
            ECSCRED_HARDENED_MODE,
            ECSCRED_INVALID_RESPONSE,
            ECSCRED_INTERNAL,
            ECSCRED_NULL_ARGUMENT,
            ECSCRED_INVALID_UTF8,
            ECSCRED_PANIC,
            ECSCRED_INVALID_ARGUMENT,
        ]
    };

    /// The status with this number, if there is one.
    pub(crate) fn from_code(code: u32) -> Option<ecscred_status> {
        Self::ALL.iter().copied().find(|s| *s as u32 == code)
    }

    /// The short, stable name, NUL-terminated.
    pub(crate) fn name(self) -> &'static CStr {
        use ecscred_status::*;
        match self {
            ECSCRED_OK => c"ok",
            ECSCRED_DISABLED => c"disabled",
            ECSCRED_INVALID_CONFIG => c"invalid config",
            ECSCRED_UNREACHABLE => c"unreachable",
            ECSCRED_TIMEOUT => c"timeout",
            ECSCRED_HTTP_STATUS => c"http status",
            ECSCRED_ROLE_NOT_FOUND => c"role not found",
            ECSCRED_HARDENED_MODE => c"hardened mode",
            ECSCRED_INVALID_RESPONSE => c"invalid response",
            ECSCRED_INTERNAL => c"internal",
            ECSCRED_NULL_ARGUMENT => c"null argument",
            ECSCRED_INVALID_UTF8 => c"invalid utf-8",
            ECSCRED_PANIC => c"panic",
            ECSCRED_INVALID_ARGUMENT => c"invalid argument",
        }
    }
}

/// Underlying integer of an `ecscred_status` received from C. C may pass any number in an
/// enum, which would be undefined behaviour in a Rust enum parameter, so functions taking
/// a status from C take this type (it is `ecscred_status` in the header).
pub type ecscred_status_arg = u32;

/// A short, stable, lowercase name for a status, e.g. `"http status"` for
/// `ECSCRED_HTTP_STATUS`, and `"unknown status"` for a number that is not a status.
///
/// Returns a static string: never NULL, never to be freed. Thread-safe. For the details of
/// a failure (which endpoint, which HTTP status), use `ecscred_last_error_message()`.
#[no_mangle]
pub extern "C" fn ecscred_status_str(status: ecscred_status_arg) -> *const c_char {
    match ecscred_status::from_code(status) {
        Some(known) => known.name().as_ptr(),
        None => c"unknown status".as_ptr(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name_of(code: u32) -> &'static str {
        // SAFETY: ecscred_status_str returns a static NUL-terminated string.
        unsafe { CStr::from_ptr(ecscred_status_str(code)) }
            .to_str()
            .unwrap()
    }

    #[test]
    fn numbers_are_the_engine_codes() {
        for kind in [
            ErrorKind::Disabled,
            ErrorKind::InvalidConfig,
            ErrorKind::Unreachable,
            ErrorKind::Timeout,
            ErrorKind::HttpStatus,
            ErrorKind::RoleNotFound,
            ErrorKind::HardenedMode,
            ErrorKind::InvalidResponse,
            ErrorKind::Internal,
        ] {
            let status = ecscred_status::from_kind(kind);
            assert_eq!(status as u32, kind.code(), "{kind:?}");
            assert_eq!(name_of(status as u32), kind.as_str(), "{kind:?}");
        }
    }

    #[test]
    fn every_number_has_one_distinct_name() {
        let mut seen = std::collections::HashSet::new();
        for status in ecscred_status::ALL {
            assert_eq!(ecscred_status::from_code(status as u32), Some(status));
            assert!(seen.insert(name_of(status as u32)), "{status:?}");
        }
        assert_eq!(name_of(10), "unknown status");
        assert_eq!(name_of(99), "unknown status");
        assert_eq!(name_of(u32::MAX), "unknown status");
    }
}
