//! The message of the last failure on each thread, like `errno` with words.
//!
//! Messages come from the engine (which builds them from URLs, HTTP statuses, timeouts and
//! its own words, never from a secret) or from this crate (which names the argument, never
//! its value).

use std::cell::RefCell;
use std::ffi::{c_char, CStr, CString};

/// The last failure on a thread: its message and the HTTP status behind it (0: none).
struct LastError {
    message: CString,
    http_status: u16,
}

thread_local! {
    static LAST_ERROR: RefCell<Option<LastError>> = const { RefCell::new(None) };
}

/// Records `message` (and the HTTP status behind it, if any) as this thread's last
/// failure.
pub(crate) fn set(message: &str, http_status: Option<u16>) {
    // An interior NUL would cut the message short in C: show it as a space instead.
    let message = CString::new(message.replace('\0', " ")).unwrap_or_default();
    let last = LastError {
        message,
        http_status: http_status.unwrap_or(0),
    };
    // Fails only while the thread is being torn down: the message is then of no use.
    let _ = LAST_ERROR.try_with(|slot| {
        if let Ok(mut slot) = slot.try_borrow_mut() {
            *slot = Some(last);
        }
    });
}

/// This thread's last message ("" when there is none). The pointer stays valid until the
/// next [`set`] on this thread (or its exit): the `CString` is only replaced there.
fn last_ptr() -> *const c_char {
    LAST_ERROR
        .try_with(|slot| {
            slot.try_borrow()
                .ok()
                .and_then(|s| s.as_ref().map(|last| last.message.as_ptr()))
        })
        .ok()
        .flatten()
        .unwrap_or(c"".as_ptr())
}

/// The message of the last failed ecscred call on the calling thread: what failed and
/// where, e.g. `credential request: GET http://127.0.0.1:8080/latest/meta-data/ram/
/// security-credentials/EcsRamRoleTest answered 500 Internal Server Error after 3
/// attempts`. It names endpoints, HTTP statuses, timeouts and roles, never a secret.
///
/// Returns `""` if no call on this thread has failed. Successful calls do not clear it
/// (check the status first, as with `errno`).
///
/// Lifetime: the string belongs to ecscred and stays valid until the next failing ecscred
/// call on the same thread, or until the thread exits, whichever comes first. Copy it (or
/// use `ecscred_last_error_copy`) to keep it longer. Never NULL; do not free it.
/// Thread-safe: each thread has its own message.
#[no_mangle]
pub extern "C" fn ecscred_last_error_message() -> *const c_char {
    std::panic::catch_unwind(last_ptr).unwrap_or(c"".as_ptr())
}

/// Copies the last failure message of the calling thread (see
/// `ecscred_last_error_message`) into `buf`, truncated to `buf_len - 1` bytes and always
/// NUL-terminated when `buf_len > 0`.
///
/// Returns the length of the whole message (excluding the NUL), as `snprintf` does: the
/// copy was truncated if the result is `>= buf_len`. `buf` may be NULL when `buf_len` is
/// 0, to ask for the length. The caller owns `buf`. Thread-safe.
///
/// # Safety
///
/// `buf` must point to at least `buf_len` writable bytes (or `buf_len` must be 0).
#[no_mangle]
pub unsafe extern "C" fn ecscred_last_error_copy(buf: *mut c_char, buf_len: usize) -> usize {
    std::panic::catch_unwind(|| {
        // SAFETY: `last_ptr` is NUL-terminated and valid for the rest of this call.
        let bytes = unsafe { CStr::from_ptr(last_ptr()) }.to_bytes();
        if !buf.is_null() && buf_len > 0 {
            let n = bytes.len().min(buf_len - 1);
            // SAFETY: the caller guarantees `buf_len` writable bytes at `buf`; `n + 1` is
            // at most `buf_len`, and the source is a distinct Rust allocation.
            unsafe {
                std::ptr::copy_nonoverlapping(bytes.as_ptr(), buf.cast::<u8>(), n);
                *buf.add(n) = 0;
            }
        }
        bytes.len()
    })
    .unwrap_or(0)
}

/// The HTTP status the metadata service answered in the last failed ecscred call on the
/// calling thread, when that answer was the cause (e.g. 500, 404, 403); 0 when the last
/// failure had no HTTP status (a timeout, a refused connection, a bad argument) or no
/// call on this thread has failed. Same lifetime rules as `ecscred_last_error_message`:
/// successful calls do not clear it. Thread-safe: each thread has its own.
#[no_mangle]
pub extern "C" fn ecscred_last_error_http_status() -> u16 {
    std::panic::catch_unwind(|| {
        LAST_ERROR
            .try_with(|slot| {
                slot.try_borrow()
                    .ok()
                    .and_then(|s| s.as_ref().map(|last| last.http_status))
            })
            .ok()
            .flatten()
            .unwrap_or(0)
    })
    .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn last() -> String {
        // SAFETY: never NULL, NUL-terminated, valid until the next failure on this thread.
        unsafe { CStr::from_ptr(ecscred_last_error_message()) }
            .to_str()
            .unwrap()
            .to_owned()
    }

    #[test]
    fn per_thread_and_replaced_by_the_next_failure() {
        std::thread::spawn(|| {
            assert_eq!(last(), "");
            set("first", Some(500));
            assert_eq!(last(), "first");
            assert_eq!(ecscred_last_error_http_status(), 500);
            set("second\0part", None);
            assert_eq!(last(), "second part");
            assert_eq!(ecscred_last_error_http_status(), 0);
        })
        .join()
        .unwrap();
        std::thread::spawn(|| assert_eq!(last(), ""))
            .join()
            .unwrap();
    }

    #[test]
    fn copy_truncates_like_snprintf() {
        std::thread::spawn(|| {
            set("0123456789", None);
            let mut buf = [b'x' as c_char; 6];
            // SAFETY: buf has 6 bytes.
            let n = unsafe { ecscred_last_error_copy(buf.as_mut_ptr(), buf.len()) };
            assert_eq!(n, 10);
            // SAFETY: the copy is NUL-terminated within buf.
            assert_eq!(unsafe { CStr::from_ptr(buf.as_ptr()) }, c"01234");
            // SAFETY: NULL with length 0 only asks for the length.
            assert_eq!(
                unsafe { ecscred_last_error_copy(std::ptr::null_mut(), 0) },
                10
            );
        })
        .join()
        .unwrap();
    }
}
