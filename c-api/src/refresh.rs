//! `ecscred_refresh_status`: the engine's `RefreshStatus`, for health checks.

use std::ffi::{c_char, c_int, CString};
use std::time::{SystemTime, UNIX_EPOCH};

use ecscred_core::Provider;

use crate::boundary::{boundary, guarded, opt_str, write_out, Failure};
use crate::provider::ecscred_provider;
use crate::status::ecscred_status;

/// How a provider's refreshing is going: an immutable snapshot for health checks and
/// diagnostics. It holds no secret.
///
/// Opaque. Obtained from `ecscred_provider_refresh_status` or `ecscred_get_refresh_status`,
/// owned by the caller, released with `ecscred_refresh_status_free`. Its accessors may be
/// called from any thread; the string they return belongs to the snapshot.
pub struct ecscred_refresh_status {
    in_flight: bool,
    consecutive_failures: u32,
    last_error: ecscred_status,
    last_error_http_status: u16,
    last_error_message: CString,
    next_attempt_ms: i64,
    expiration_ms: i64,
}

fn unix_ms(t: Option<SystemTime>) -> i64 {
    t.and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

fn snapshot(provider: &Provider) -> Box<ecscred_refresh_status> {
    let status = provider.refresh_status();
    let (last_error, http, message) = match &status.last_error {
        Some(e) => (
            ecscred_status::from_kind(e.kind()),
            e.http_status().unwrap_or(0),
            // The engine's message has no NUL (it is built from URLs and our own words).
            CString::new(e.message()).unwrap_or_default(),
        ),
        None => (ecscred_status::ECSCRED_OK, 0, CString::default()),
    };
    Box::new(ecscred_refresh_status {
        in_flight: status.in_flight,
        consecutive_failures: status.consecutive_failures,
        last_error,
        last_error_http_status: http,
        last_error_message: message,
        next_attempt_ms: unix_ms(status.next_attempt_at),
        expiration_ms: unix_ms(status.expiration),
    })
}

/// How refreshing goes for `provider`. Never blocks on the network (takes a short lock).
///
/// On success `*out` receives a new snapshot owned by the caller (free it with
/// `ecscred_refresh_status_free`); on failure `*out` is left untouched. Thread-safe.
///
/// Errors: `ECSCRED_NULL_ARGUMENT` (`provider` or `out` NULL).
///
/// # Safety
///
/// `provider` is NULL or a live handle from `ecscred_provider_new`; `out` is NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn ecscred_provider_refresh_status(
    provider: *const ecscred_provider,
    out: *mut *mut ecscred_refresh_status,
) -> ecscred_status {
    const F: &str = "ecscred_provider_refresh_status";
    boundary(F, || {
        // SAFETY: NULL or live, as the caller guarantees.
        let Some(handle) = (unsafe { provider.as_ref() }) else {
            return Err(Failure::null(F, "provider"));
        };
        if out.is_null() {
            return Err(Failure::null(F, "out"));
        }
        // SAFETY: checked non-NULL above; writable as the caller guarantees.
        unsafe { write_out(out, Box::into_raw(snapshot(&handle.provider))) };
        Ok(())
    })
}

/// How refreshing goes for the process-wide provider of `role_name`, the one
/// `ecscred_get_credential(role_name, ...)` uses (NULL: the default role). Same contract
/// as `ecscred_provider_refresh_status`; the provider is configured from the environment
/// if this is its first use (nothing is fetched).
///
/// Errors: `ECSCRED_NULL_ARGUMENT` (`out` NULL), `ECSCRED_INVALID_UTF8`,
/// `ECSCRED_INVALID_CONFIG` (bad role name or environment variable).
///
/// # Safety
///
/// `role_name` is NULL or NUL-terminated; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ecscred_get_refresh_status(
    role_name: *const c_char,
    out: *mut *mut ecscred_refresh_status,
) -> ecscred_status {
    const F: &str = "ecscred_get_refresh_status";
    boundary(F, || {
        if out.is_null() {
            return Err(Failure::null(F, "out"));
        }
        // SAFETY: NULL or NUL-terminated, as the caller guarantees.
        let role = unsafe { opt_str(F, "role_name", role_name)? };
        let provider = ecscred_core::shared_provider(role)?;
        // SAFETY: checked non-NULL above; writable as the caller guarantees.
        unsafe { write_out(out, Box::into_raw(snapshot(&provider))) };
        Ok(())
    })
}

/// 1 while a fetch is under way, else 0 (also for NULL). Thread-safe.
///
/// # Safety
///
/// `status` is NULL or a live snapshot.
#[no_mangle]
pub unsafe extern "C" fn ecscred_refresh_status_in_flight(
    status: *const ecscred_refresh_status,
) -> c_int {
    // SAFETY: NULL or live, as the caller guarantees.
    guarded(0, || {
        unsafe { status.as_ref() }.map_or(0, |s| c_int::from(s.in_flight))
    })
}

/// Fetches in a row that failed or returned the credential already cached (0 when
/// healthy, and for NULL). Thread-safe.
///
/// # Safety
///
/// `status` is NULL or a live snapshot.
#[no_mangle]
pub unsafe extern "C" fn ecscred_refresh_status_consecutive_failures(
    status: *const ecscred_refresh_status,
) -> u32 {
    // SAFETY: NULL or live, as the caller guarantees.
    guarded(0, || {
        unsafe { status.as_ref() }.map_or(0, |s| s.consecutive_failures)
    })
}

/// Why the last fetch failed (1 to 9, the statuses `ecscred_get_credential` returns),
/// until one succeeds; `ECSCRED_OK` when it did not fail (and for NULL). Thread-safe.
///
/// # Safety
///
/// `status` is NULL or a live snapshot.
#[no_mangle]
pub unsafe extern "C" fn ecscred_refresh_status_last_error(
    status: *const ecscred_refresh_status,
) -> ecscred_status {
    guarded(ecscred_status::ECSCRED_OK, || {
        // SAFETY: NULL or live, as the caller guarantees.
        unsafe { status.as_ref() }.map_or(ecscred_status::ECSCRED_OK, |s| s.last_error)
    })
}

/// The message of the last failure (endpoint, HTTP status or timeout; never a secret), or
/// `""` when there is none (and for NULL). Belongs to `status`: valid until
/// `ecscred_refresh_status_free`. Thread-safe.
///
/// # Safety
///
/// `status` is NULL or a live snapshot.
#[no_mangle]
pub unsafe extern "C" fn ecscred_refresh_status_last_error_message(
    status: *const ecscred_refresh_status,
) -> *const c_char {
    guarded(c"".as_ptr(), || {
        // SAFETY: NULL or live, as the caller guarantees.
        unsafe { status.as_ref() }.map_or(c"".as_ptr(), |s| s.last_error_message.as_ptr())
    })
}

/// The metadata service's HTTP status behind the last failure, or 0 (also for NULL).
/// Thread-safe.
///
/// # Safety
///
/// `status` is NULL or a live snapshot.
#[no_mangle]
pub unsafe extern "C" fn ecscred_refresh_status_last_error_http_status(
    status: *const ecscred_refresh_status,
) -> u16 {
    // SAFETY: NULL or live, as the caller guarantees.
    guarded(0, || {
        unsafe { status.as_ref() }.map_or(0, |s| s.last_error_http_status)
    })
}

/// When the next attempt is allowed while backing off after a failure, in milliseconds
/// since 1970-01-01T00:00:00Z; 0 when not backing off (and for NULL). Thread-safe.
///
/// # Safety
///
/// `status` is NULL or a live snapshot.
#[no_mangle]
pub unsafe extern "C" fn ecscred_refresh_status_next_attempt_ms(
    status: *const ecscred_refresh_status,
) -> i64 {
    // SAFETY: NULL or live, as the caller guarantees.
    guarded(0, || {
        unsafe { status.as_ref() }.map_or(0, |s| s.next_attempt_ms)
    })
}

/// When the cached credential expires, in milliseconds since 1970-01-01T00:00:00Z; 0 when
/// nothing has been fetched yet (and for NULL). Thread-safe.
///
/// # Safety
///
/// `status` is NULL or a live snapshot.
#[no_mangle]
pub unsafe extern "C" fn ecscred_refresh_status_expiration_ms(
    status: *const ecscred_refresh_status,
) -> i64 {
    // SAFETY: NULL or live, as the caller guarantees.
    guarded(0, || {
        unsafe { status.as_ref() }.map_or(0, |s| s.expiration_ms)
    })
}

/// Releases a snapshot. NULL is accepted and ignored. It must not be used afterwards.
///
/// # Safety
///
/// `status` is NULL or a live snapshot, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn ecscred_refresh_status_free(status: *mut ecscred_refresh_status) {
    guarded((), || {
        if !status.is_null() {
            // SAFETY: created by `Box::into_raw` here, freed once.
            drop(unsafe { Box::from_raw(status) });
        }
    })
}
