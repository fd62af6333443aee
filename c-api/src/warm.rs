//! The engine's warm deadline, for language bindings that keep a copy of the credential
//! of their own (the Go package does) and call into the library only when the engine could
//! answer differently.

use std::ffi::c_char;
use std::sync::atomic::AtomicU64;

use crate::boundary::{boundary, write_out, Failure};
use crate::credential::ecscred_credential;
use crate::log::refuse_in_callback;
use crate::provider::{ecscred_provider, shared_source};
use crate::status::ecscred_status;
use crate::thread_cache::{self, Got, Source};

/// Until when a credential may be served again without asking ecscred, as the engine's own
/// warm path would: while the system's real-time clock (`CLOCK_REALTIME`) reads less than
/// `until_unix_ms` **and** the word at `ecscred_warm_epoch()` still holds `epoch`.
///
/// The deadline already includes ecscred's margins: it is never later than the
/// credential's expiration less 20 ms, and never later than the moment the engine would
/// start treating the credential differently (the start of a refresh, a wait for one). Any
/// change that could end it early (a new credential, a refresh starting or ending, a
/// `fork()`, in the child) changes the epoch. `until_unix_ms` 0: no deadline (ask again
/// next time).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct ecscred_warm_deadline {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    pub until_unix_ms: u64,
    /// The value of the word at `ecscred_warm_epoch()` the deadline goes with.
    pub epoch: u64,
}

/// The address of ecscred's warm epoch: a 64-bit word, valid for the whole life of the
/// process, that ecscred changes whenever a deadline it handed out in an
/// `ecscred_warm_deadline` may no longer hold. Read it with an atomic load with acquire
/// ordering (C11 `atomic_load_explicit(..., memory_order_acquire)` on a cast to
/// `_Atomic uint64_t *`, Go `atomic.LoadUint64`); never write it. Thread-safe; never NULL.
#[no_mangle]
pub extern "C" fn ecscred_warm_epoch() -> *const u64 {
    ecscred_core::warm::epoch().as_ptr().cast_const()
}

/// `ecscred_get_credential`, also writing the engine's warm deadline for the credential
/// to `*deadline` (see `ecscred_warm_deadline`). Same errors (including the refusal from
/// inside the log callback), same ownership of `*out`;
/// both out-parameters are written only on success.
///
/// # Safety
///
/// `role_name` is NULL or NUL-terminated; `out` and `deadline` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ecscred_get_credential_until(
    role_name: *const c_char,
    out: *mut *mut ecscred_credential,
    deadline: *mut ecscred_warm_deadline,
) -> ecscred_status {
    const F: &str = "ecscred_get_credential_until";
    boundary(F, || {
        refuse_in_callback(F)?;
        check_out(F, out, deadline)?;
        // SAFETY: NULL or NUL-terminated, as the caller guarantees.
        let got = unsafe { thread_cache::get(F, shared_source(role_name))? };
        // SAFETY: checked non-NULL; writable as the caller guarantees.
        unsafe { deliver(got, out, deadline) };
        Ok(())
    })
}

/// `ecscred_provider_get_credential`, also writing the engine's warm deadline for the
/// credential to `*deadline` (see `ecscred_warm_deadline`). Same errors, same ownership of
/// `*out`; both out-parameters are written only on success.
///
/// # Safety
///
/// `provider` is NULL or a live handle from `ecscred_provider_new`; `out` and `deadline`
/// are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ecscred_provider_get_credential_until(
    provider: *const ecscred_provider,
    out: *mut *mut ecscred_credential,
    deadline: *mut ecscred_warm_deadline,
) -> ecscred_status {
    const F: &str = "ecscred_provider_get_credential_until";
    boundary(F, || {
        refuse_in_callback(F)?;
        // SAFETY: NULL or live, as the caller guarantees.
        let Some(handle) = (unsafe { provider.as_ref() }) else {
            return Err(Failure::null(F, "provider"));
        };
        check_out(F, out, deadline)?;
        // SAFETY: no name to read.
        let got = unsafe { thread_cache::get(F, Source::Handle(handle))? };
        // SAFETY: checked non-NULL; writable as the caller guarantees.
        unsafe { deliver(got, out, deadline) };
        Ok(())
    })
}

fn check_out(
    function: &str,
    out: *mut *mut ecscred_credential,
    deadline: *mut ecscred_warm_deadline,
) -> Result<(), Failure> {
    if out.is_null() {
        return Err(Failure::null(function, "out"));
    }
    if deadline.is_null() {
        return Err(Failure::null(function, "deadline"));
    }
    Ok(())
}

/// # Safety
///
/// `out` and `deadline` are non-NULL and writable.
unsafe fn deliver(
    got: Got,
    out: *mut *mut ecscred_credential,
    deadline: *mut ecscred_warm_deadline,
) {
    let (until_unix_ms, epoch) = got.warm.unwrap_or_default();
    // SAFETY: as the caller guarantees.
    unsafe {
        write_out(out, got.handle);
        write_out(
            deadline,
            ecscred_warm_deadline {
                until_unix_ms,
                epoch,
            },
        );
    }
}

// The epoch is read from C and Go as a plain 64-bit word.
const _: () = assert!(std::mem::size_of::<AtomicU64>() == 8);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_epoch_address_is_stable() {
        assert_eq!(ecscred_warm_epoch(), ecscred_warm_epoch());
        assert!(!ecscred_warm_epoch().is_null());
    }
}
