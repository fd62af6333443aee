//! The panic boundary and argument checks shared by every exported function.

use std::ffi::{c_char, CStr};
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::last_error;
use crate::status::ecscred_status;

/// A failed call: its status and the message for `ecscred_last_error_message`.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) status: ecscred_status,
    pub(crate) message: String,
    /// The metadata service's HTTP status behind the failure, if any.
    pub(crate) http_status: Option<u16>,
}

impl Failure {
    pub(crate) fn new(status: ecscred_status, message: impl Into<String>) -> Failure {
        Failure {
            status,
            message: message.into(),
            http_status: None,
        }
    }

    /// `function`: `what` is NULL.
    pub(crate) fn null(function: &str, what: &str) -> Failure {
        Failure::new(
            ecscred_status::ECSCRED_NULL_ARGUMENT,
            format!("{function}: {what} is NULL"),
        )
    }
}

impl From<ecscred_core::Error> for Failure {
    fn from(err: ecscred_core::Error) -> Failure {
        // The engine's message names endpoint, status or timeout, never a secret.
        Failure {
            http_status: err.http_status(),
            ..Failure::new(ecscred_status::from_kind(err.kind()), err.message())
        }
    }
}

/// Runs the body of the exported function `function`: a failure is recorded for
/// `ecscred_last_error_message` and returned as its status; a panic is stopped here and
/// becomes `ECSCRED_PANIC`.
#[inline(always)]
pub(crate) fn boundary(
    function: &str,
    body: impl FnOnce() -> Result<(), Failure>,
) -> ecscred_status {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => ecscred_status::ECSCRED_OK,
        Ok(Err(failure)) => fail(failure),
        Err(_) => panicked(function),
    }
}

#[cold]
#[inline(never)]
fn fail(failure: Failure) -> ecscred_status {
    last_error::set(&failure.message, failure.http_status);
    failure.status
}

/// The panic payload is not shown: the default panic hook has already printed it to
/// stderr, and a message built from arbitrary data is not guaranteed to be secret-free.
#[cold]
#[inline(never)]
pub(crate) fn panicked(function: &str) -> ecscred_status {
    last_error::set(
        &format!(
            "{function}: ecscred panicked (a bug; the panic message is on stderr); please report it"
        ),
        None,
    );
    ecscred_status::ECSCRED_PANIC
}

/// Runs `body` behind a panic boundary for a function that returns no status (accessors,
/// `_free`): a panic yields `fallback`.
#[inline(always)]
pub(crate) fn guarded<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(fallback)
}

/// The optional C string argument `what` of `function` as UTF-8 (`None` for NULL).
///
/// # Safety
///
/// `ptr` is NULL or points to a NUL-terminated string that outlives `'a`.
pub(crate) unsafe fn opt_str<'a>(
    function: &str,
    what: &str,
    ptr: *const c_char,
) -> Result<Option<&'a str>, Failure> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: non-NULL and NUL-terminated, as the caller guarantees.
    let bytes = unsafe { CStr::from_ptr(ptr) };
    bytes.to_str().map(Some).map_err(|e| {
        // The value itself is not quoted: only where it goes wrong.
        Failure::new(
            ecscred_status::ECSCRED_INVALID_UTF8,
            format!(
                "{function}: {what} is not valid UTF-8 (invalid byte at offset {})",
                e.valid_up_to()
            ),
        )
    })
}

/// Writes `value` to the out-parameter `out` (checked non-NULL earlier).
///
/// # Safety
///
/// `out` is non-NULL, aligned and writable.
#[inline(always)]
pub(crate) unsafe fn write_out<T>(out: *mut T, value: T) {
    // SAFETY: as the caller guarantees. `write` does not read or drop the old value,
    // which is the caller's (typically uninitialized) memory.
    unsafe { out.write(value) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn last() -> String {
        // SAFETY: never NULL, NUL-terminated.
        unsafe { CStr::from_ptr(crate::ecscred_last_error_message()) }
            .to_string_lossy()
            .into_owned()
    }

    #[test]
    fn a_panic_becomes_a_status_and_a_message() {
        std::thread::spawn(|| {
            let status = boundary("ecscred_test", || panic!("boom"));
            assert_eq!(status, ecscred_status::ECSCRED_PANIC);
            assert!(
                last().contains("ecscred_test: ecscred panicked"),
                "{}",
                last()
            );
            assert!(!last().contains("boom"));
            assert_eq!(guarded(7, || panic!("boom")), 7);
        })
        .join()
        .unwrap();
    }

    #[test]
    fn failures_are_recorded_and_success_leaves_the_message() {
        std::thread::spawn(|| {
            let status = boundary("f", || Err(Failure::null("f", "out")));
            assert_eq!(status, ecscred_status::ECSCRED_NULL_ARGUMENT);
            assert_eq!(last(), "f: out is NULL");
            assert_eq!(boundary("f", || Ok(())), ecscred_status::ECSCRED_OK);
            assert_eq!(last(), "f: out is NULL");
        })
        .join()
        .unwrap();
    }

    #[test]
    fn invalid_utf8_names_the_argument_not_the_value() {
        let bad = c"ab\xffcd";
        // SAFETY: a NUL-terminated literal.
        let err = unsafe { opt_str("f", "role_name", bad.as_ptr()) }.unwrap_err();
        assert_eq!(err.status, ecscred_status::ECSCRED_INVALID_UTF8);
        assert_eq!(
            err.message,
            "f: role_name is not valid UTF-8 (invalid byte at offset 2)"
        );
        // SAFETY: NULL is allowed.
        assert_eq!(
            unsafe { opt_str("f", "x", std::ptr::null()) }.unwrap(),
            None
        );
    }
}
