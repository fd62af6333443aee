//! `ecscred_credential`: one counted reference to a proxy of the engine's immutable
//! credential snapshot ([`crate::handle`]). The accessors return pointers into the
//! snapshot's own NUL-terminated buffers (`Credential::access_key_id_c` etc.).

use std::ffi::{c_char, c_int};
use std::time::UNIX_EPOCH;

use crate::boundary::guarded;
use crate::handle::{acquire, borrow, release};

/// A credential: AccessKeyId, AccessKeySecret, SecurityToken (an STS credential; none for a
/// long-term AccessKey, see `ecscred_credential_has_security_token`) and expiration, always
/// of the same credential (an immutable snapshot; a refresh never changes one that was
/// handed out).
///
/// Opaque. Obtained from `ecscred_get_credential` or `ecscred_provider_get_credential`
/// (or `ecscred_credential_clone`), owned by the caller, released with
/// `ecscred_credential_free`. It may be read from any thread and kept as long as needed;
/// check `ecscred_credential_expiration` before using an old one.
pub struct ecscred_credential {
    _opaque: [u8; 0],
}

/// The AccessKeyId (`STS.…` for an STS credential), NUL-terminated.
///
/// The string belongs to `credential` and stays valid until `ecscred_credential_free` of
/// that same handle. Returns `""` if `credential` is NULL. Thread-safe.
///
/// # Safety
///
/// `credential` is NULL or a live handle from ecscred.
#[no_mangle]
pub unsafe extern "C" fn ecscred_credential_access_key_id(
    credential: *const ecscred_credential,
) -> *const c_char {
    guarded(c"".as_ptr(), || {
        // SAFETY: as the caller guarantees.
        match unsafe { borrow(credential) } {
            Some(c) => c.access_key_id_c().as_ptr(),
            None => c"".as_ptr(),
        }
    })
}

/// The AccessKeySecret, NUL-terminated. A secret: never log or print it.
///
/// The string belongs to `credential` and stays valid until `ecscred_credential_free` of
/// that same handle; ecscred wipes it from memory when the last handle to this credential
/// is freed (do not keep copies of your own). Returns `""` if `credential` is NULL.
/// Thread-safe.
///
/// # Safety
///
/// `credential` is NULL or a live handle from ecscred.
#[no_mangle]
pub unsafe extern "C" fn ecscred_credential_access_key_secret(
    credential: *const ecscred_credential,
) -> *const c_char {
    guarded(c"".as_ptr(), || {
        // SAFETY: as the caller guarantees.
        match unsafe { borrow(credential) } {
            Some(c) => c.access_key_secret_c().as_ptr(),
            None => c"".as_ptr(),
        }
    })
}

/// The SecurityToken (STS token), NUL-terminated. A secret: never log or print it.
///
/// Returns `""` for a long-term AccessKey (from the environment without
/// `ALIBABA_CLOUD_SECURITY_TOKEN`, an `AK` profile, ...), which has none: sign such
/// requests without any token header or parameter (`x-oss-security-token`,
/// `x-acs-security-token`, `SecurityToken`), not with an empty one.
/// `ecscred_credential_has_security_token` tells the two apart.
///
/// Same lifetime and wiping as `ecscred_credential_access_key_secret`. Returns `""` if
/// `credential` is NULL. Thread-safe.
///
/// # Safety
///
/// `credential` is NULL or a live handle from ecscred.
#[no_mangle]
pub unsafe extern "C" fn ecscred_credential_security_token(
    credential: *const ecscred_credential,
) -> *const c_char {
    guarded(c"".as_ptr(), || {
        // SAFETY: as the caller guarantees.
        match unsafe { borrow(credential) } {
            Some(c) => c.security_token_c().as_ptr(),
            None => c"".as_ptr(),
        }
    })
}

/// When the credential stops working, in seconds since 1970-01-01T00:00:00Z (UTC), e.g.
/// for `gmtime_r`: always from 0 to 253370764799 (9998-12-31T23:59:59Z), since ecscred
/// refuses any other expiration from the metadata service. A credential that never expires
/// (see `ecscred_credential_expires`) gives 253370764799. Returns 0 if `credential` is
/// NULL. Thread-safe.
///
/// ecscred never hands out an expired credential, but one kept by the caller can expire.
///
/// # Safety
///
/// `credential` is NULL or a live handle from ecscred.
#[no_mangle]
pub unsafe extern "C" fn ecscred_credential_expiration(
    credential: *const ecscred_credential,
) -> i64 {
    guarded(0, || {
        // SAFETY: as the caller guarantees.
        let Some(c) = (unsafe { borrow(credential) }) else {
            return 0;
        };
        // In range by the engine's contract; saturating all the same.
        c.expiration()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |after| {
                i64::try_from(after.as_secs()).unwrap_or(i64::MAX)
            })
    })
}

/// 1 if the credential has a SecurityToken (an STS credential), 0 for a long-term
/// AccessKey, whose `ecscred_credential_security_token` is `""` and which is sent without
/// any token (and 0 for NULL). Thread-safe.
///
/// # Safety
///
/// `credential` is NULL or a live handle from ecscred.
#[no_mangle]
pub unsafe extern "C" fn ecscred_credential_has_security_token(
    credential: *const ecscred_credential,
) -> c_int {
    guarded(0, || {
        // SAFETY: as the caller guarantees.
        unsafe { borrow(credential) }.map_or(0, |c| c_int::from(c.has_security_token()))
    })
}

/// 1 if the credential expires (at `ecscred_credential_expiration`), 0 if it never does
/// (a long-term AccessKey, or an STS token configured without its expiration: ecscred
/// never refreshes it; its expiration reads 9998-12-31T23:59:59Z), and 0 for NULL.
/// Thread-safe.
///
/// # Safety
///
/// `credential` is NULL or a live handle from ecscred.
#[no_mangle]
pub unsafe extern "C" fn ecscred_credential_expires(
    credential: *const ecscred_credential,
) -> c_int {
    guarded(0, || {
        // SAFETY: as the caller guarantees.
        unsafe { borrow(credential) }.map_or(0, |c| c_int::from(c.expires()))
    })
}

/// A second handle to the same credential (same strings, same expiration), to be freed
/// on its own with `ecscred_credential_free`. No copy is made and nothing can fail: returns
/// NULL only if `credential` is NULL. Thread-safe.
///
/// # Safety
///
/// `credential` is NULL or a live handle from ecscred.
#[no_mangle]
pub unsafe extern "C" fn ecscred_credential_clone(
    credential: *const ecscred_credential,
) -> *mut ecscred_credential {
    guarded(std::ptr::null_mut(), || {
        if credential.is_null() {
            return std::ptr::null_mut();
        }
        // SAFETY: a live handle; the count added is released by the
        // `ecscred_credential_free` of the returned handle.
        unsafe { acquire(credential) };
        credential.cast_mut()
    })
}

/// Releases a handle. When it was the last handle to this credential (and ecscred no
/// longer caches it), the AccessKeySecret and SecurityToken are wiped from memory.
/// ecscred caches the credential in the provider and, on each thread, the last credential
/// that thread got from `ecscred_get_credential(NULL)`, from a named role and from a
/// provider handle (until that thread's next such call returns another credential, or the
/// thread exits): that is what lets a warm call touch no counter shared between threads.
///
/// NULL is accepted and ignored. After the call the handle and every string obtained
/// from it are invalid; freeing the same handle twice is undefined behaviour. Any thread
/// may free a handle obtained on another.
///
/// # Safety
///
/// `credential` is NULL or a live handle from ecscred, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn ecscred_credential_free(credential: *mut ecscred_credential) {
    guarded((), || {
        if !credential.is_null() {
            // SAFETY: the handle owns one count of its proxy, released here exactly once,
            // as the caller guarantees.
            unsafe { release(credential.cast()) };
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handle::HandleRef;
    use ecscred_core::Credential;
    use std::ffi::CStr;
    use std::sync::Arc;
    use std::time::{Duration, SystemTime};

    fn text(p: *const c_char) -> &'static str {
        // SAFETY: the tests only pass pointers from the accessors, used while alive.
        unsafe { CStr::from_ptr(p) }.to_str().unwrap()
    }

    #[test]
    fn accessors_clone_and_free() {
        let exp = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let cred = Arc::new(Credential::new("STS.id", "sec", "tok", exp, None).unwrap());
        let c = HandleRef::new(Arc::clone(&cred)).into_c();
        assert_eq!(Arc::strong_count(&cred), 2);
        // SAFETY: `c` is live until freed below.
        unsafe {
            assert_eq!(text(ecscred_credential_access_key_id(c)), "STS.id");
            assert_eq!(text(ecscred_credential_access_key_secret(c)), "sec");
            assert_eq!(text(ecscred_credential_security_token(c)), "tok");
            assert_eq!(ecscred_credential_expiration(c), 1_800_000_000);
            assert_eq!(ecscred_credential_has_security_token(c), 1);
            assert_eq!(ecscred_credential_expires(c), 1);
            let d = ecscred_credential_clone(c);
            assert_eq!(d, c);
            assert_eq!(Arc::strong_count(&cred), 2, "one proxy, counted twice");
            ecscred_credential_free(c);
            assert_eq!(text(ecscred_credential_access_key_id(d)), "STS.id");
            ecscred_credential_free(d);
        }
        assert_eq!(Arc::strong_count(&cred), 1);
    }

    #[test]
    fn null_is_harmless() {
        let null = std::ptr::null::<ecscred_credential>();
        // SAFETY: NULL is accepted by every accessor.
        unsafe {
            assert_eq!(text(ecscred_credential_access_key_id(null)), "");
            assert_eq!(text(ecscred_credential_access_key_secret(null)), "");
            assert_eq!(text(ecscred_credential_security_token(null)), "");
            assert_eq!(ecscred_credential_expiration(null), 0);
            assert_eq!(ecscred_credential_has_security_token(null), 0);
            assert_eq!(ecscred_credential_expires(null), 0);
            assert!(ecscred_credential_clone(null).is_null());
            ecscred_credential_free(std::ptr::null_mut());
        }
    }

    #[test]
    fn a_long_term_key_has_no_token_and_never_expires() {
        let cred = Credential::long_term("LTAIexample", "sec", None).unwrap();
        let c = HandleRef::new(Arc::new(cred)).into_c();
        // SAFETY: `c` is live until freed.
        unsafe {
            assert_eq!(text(ecscred_credential_security_token(c)), "");
            assert_eq!(ecscred_credential_has_security_token(c), 0);
            assert_eq!(ecscred_credential_expires(c), 0);
            assert_eq!(
                ecscred_credential_expiration(c),
                ecscred_core::wire::LATEST_UNIX_SECONDS as i64
            );
            ecscred_credential_free(c);
        }
        let sts = Credential::long_term("STS.x", "sec", Some("tok")).unwrap();
        let c = HandleRef::new(Arc::new(sts)).into_c();
        // SAFETY: `c` is live until freed.
        unsafe {
            assert_eq!(ecscred_credential_has_security_token(c), 1);
            assert_eq!(ecscred_credential_expires(c), 0);
            ecscred_credential_free(c);
        }
    }

    #[test]
    fn expiration_spans_the_documented_range() {
        for secs in [0, ecscred_core::wire::LATEST_UNIX_SECONDS] {
            let exp = SystemTime::UNIX_EPOCH + Duration::new(secs, 999_999_999);
            let c = HandleRef::new(Arc::new(Credential::new("a", "b", "c", exp, None).unwrap()))
                .into_c();
            // SAFETY: `c` is live until freed.
            unsafe {
                assert_eq!(ecscred_credential_expiration(c), secs as i64);
                ecscred_credential_free(c);
            }
        }
    }
}
