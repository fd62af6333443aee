//! What an `ecscred_credential *` points to: a [`Handle`], one reference-counted proxy for
//! one `Arc<Credential>` reference of the engine.
//!
//! Why a proxy and not the `Arc` itself: every handle to a credential would otherwise count
//! in the one shared reference count of that credential, so two threads getting and
//! freeing handles at once keep moving that count's cache line between their cores. A
//! thread gets its handles from a proxy of its own (see [`crate::thread_cache`]), whose
//! count only it touches in the usual get-use-free pattern; the shared count changes only
//! when a proxy is made or released.
//!
//! Ownership: a proxy holds one reference to its credential, released (and the secrets
//! wiped, if it was the last) when the proxy's own count reaches zero. Each
//! `ecscred_credential *` handed to C owns one count of its proxy; so does a thread's cache
//! entry. Any thread may release a count taken on another.

use std::ptr::NonNull;
use std::sync::atomic::{fence, AtomicUsize, Ordering};
use std::sync::Arc;

use ecscred_core::Credential;

use crate::credential::ecscred_credential;

pub(crate) struct Handle {
    refs: AtomicUsize,
    credential: Arc<Credential>,
}

/// One counted reference to a [`Handle`]; releases it on drop.
pub(crate) struct HandleRef(NonNull<Handle>);

// SAFETY: the proxy's count is atomic and its credential immutable and `Send + Sync`.
unsafe impl Send for HandleRef {}

impl HandleRef {
    /// A new proxy for `credential`, with this one reference.
    pub(crate) fn new(credential: Arc<Credential>) -> HandleRef {
        let boxed = Box::new(Handle {
            refs: AtomicUsize::new(1),
            credential,
        });
        HandleRef(NonNull::from(Box::leak(boxed)))
    }

    pub(crate) fn credential(&self) -> &Arc<Credential> {
        // SAFETY: the proxy lives while this reference does.
        unsafe { &self.0.as_ref().credential }
    }

    /// Another reference to the same proxy, as a handle for C.
    #[inline(always)]
    pub(crate) fn new_c_handle(&self) -> *mut ecscred_credential {
        // SAFETY: the proxy lives while this reference does. Relaxed, like `Arc::clone`:
        // the new reference is derived from a live one.
        unsafe { self.0.as_ref() }
            .refs
            .fetch_add(1, Ordering::Relaxed);
        self.0.as_ptr().cast()
    }

    /// Gives this reference to C as a handle.
    pub(crate) fn into_c(self) -> *mut ecscred_credential {
        let ptr = self.0.as_ptr().cast();
        std::mem::forget(self);
        ptr
    }
}

impl Drop for HandleRef {
    fn drop(&mut self) {
        // SAFETY: this reference owned one count of a live proxy.
        unsafe { release(self.0.as_ptr()) }
    }
}

/// The credential behind a handle, borrowed; `None` for NULL.
///
/// # Safety
///
/// `c` is NULL or a live handle from ecscred.
#[inline(always)]
pub(crate) unsafe fn borrow<'a>(c: *const ecscred_credential) -> Option<&'a Credential> {
    // SAFETY: a non-NULL handle points to a live proxy, which holds its credential.
    unsafe { c.cast::<Handle>().as_ref() }.map(|h| &*h.credential)
}

/// Adds a count to the proxy behind a live handle (`ecscred_credential_clone`).
///
/// # Safety
///
/// `c` is a live, non-NULL handle from ecscred.
pub(crate) unsafe fn acquire(c: *const ecscred_credential) {
    // SAFETY: as the caller guarantees.
    unsafe { &*c.cast::<Handle>() }
        .refs
        .fetch_add(1, Ordering::Relaxed);
}

/// Releases one count of the proxy behind `c`, freeing it (and its credential reference)
/// with the last.
///
/// # Safety
///
/// `c` is a live, non-NULL handle from ecscred whose count is not used afterwards.
#[inline(always)]
pub(crate) unsafe fn release(c: *mut Handle) {
    // SAFETY: as the caller guarantees. Release/acquire as in `Arc::drop`: every use of
    // the credential through any count happens before the proxy is freed.
    if unsafe { &*c }.refs.fetch_sub(1, Ordering::Release) == 1 {
        fence(Ordering::Acquire);
        // SAFETY: made by `Box::leak` in `HandleRef::new`; this was its last count.
        drop(unsafe { Box::from_raw(c) });
    }
}
