//! The warm path of `ecscred_get_credential` and `ecscred_provider_get_credential`: each
//! thread keeps the handle proxy ([`crate::handle`]) it last got from each kind of call,
//! with the engine's warm deadline for it (`Provider::warm_credential`), and hands out
//! further counts of that proxy while the deadline holds.
//!
//! A warm call thus costs a thread-local access, (for a named role) a byte comparison of
//! the name with the one the thread used last, the engine's deadline check (one load of
//! its epoch, one coarse clock read), and one increment of a count that only this thread
//! touches: no map lookup, no UTF-8 check, no shared reference count. Everything else
//! (an unknown or different name, another provider, a passed deadline) asks the engine as
//! before. The engine decides; this cache only remembers its answer and its deadline.
//!
//! What the thread keeps: one proxy each for the default role, the named role it used
//! last and the provider handle it used last. Each holds a reference to a credential,
//! released when the thread's next call of that kind gets another credential (after a
//! rotation, another name or another handle) or when the thread exits. So a secret is
//! wiped once the caller has freed its handles and no thread's cache still holds it.
//!
//! Re-entrance (a log callback calling ecscred from inside a call) and calls made while
//! the thread is being torn down skip the cache and get a proxy of their own.

use std::cell::RefCell;
use std::ffi::{c_char, CStr};
use std::sync::Arc;

use ecscred_core::{Credential, Provider, WarmCredential};

use crate::boundary::{opt_str, Failure};
use crate::credential::ecscred_credential;
use crate::handle::HandleRef;
use crate::provider::ecscred_provider;

/// Which provider a call is for.
#[derive(Clone, Copy)]
pub(crate) enum Source<'a> {
    /// The process-wide provider of the default role (`ecscred_get_credential(NULL)`).
    Default,
    /// The process-wide provider of a role: a non-NULL, NUL-terminated name, not checked.
    Named(*const c_char),
    /// An `ecscred_provider` of the caller's.
    Handle(&'a ecscred_provider),
}

/// A new handle for C, with the engine's warm deadline for it (`None`: the engine gave none;
/// ask again on the next call).
pub(crate) struct Got {
    pub(crate) handle: *mut ecscred_credential,
    pub(crate) warm: Option<(u64, u64)>, // (until_unix_ms, epoch)
}

struct Slot {
    handle: HandleRef,
    warm: Option<WarmCredential>,
}

struct ThreadCache {
    default: Option<Slot>,
    /// The name with its NUL.
    named: Option<(Box<[u8]>, Slot)>,
    /// The provider's id (`ecscred_provider::id`, never reused).
    handle: Option<(u64, Slot)>,
}

thread_local! {
    static CACHE: RefCell<ThreadCache> = const {
        RefCell::new(ThreadCache { default: None, named: None, handle: None })
    };
}

/// A new handle to the current credential of `source` (see the module's comment).
/// `function` names the exported function in error messages.
///
/// # Safety
///
/// A `Source::Named` pointer is NUL-terminated and readable.
#[inline(always)]
pub(crate) unsafe fn get(function: &str, source: Source<'_>) -> Result<Got, Failure> {
    CACHE
        .try_with(|cache| match cache.try_borrow_mut() {
            // SAFETY: as the caller guarantees.
            Ok(mut cache) => unsafe { cache.get(function, source) },
            Err(_) => unsafe { uncached(function, source) },
        })
        .unwrap_or_else(|_| unsafe { uncached(function, source) })
}

impl ThreadCache {
    #[inline(always)]
    unsafe fn get(&mut self, function: &str, source: Source<'_>) -> Result<Got, Failure> {
        match source {
            Source::Default => {
                if let Some(got) = hit(self.default.as_ref()) {
                    return Ok(got);
                }
                let provider = ecscred_core::shared_provider(None)?;
                refill(&mut self.default, &provider)
            }
            Source::Named(name) => {
                let same = match &self.named {
                    // SAFETY: NUL-terminated, as the caller guarantees.
                    Some((known, slot)) if unsafe { same_name(known, name) } => {
                        if let Some(got) = hit(Some(slot)) {
                            return Ok(got);
                        }
                        true
                    }
                    _ => false,
                };
                // SAFETY: NUL-terminated, as the caller guarantees.
                let role = unsafe { opt_str(function, "role_name", name)? };
                let provider = ecscred_core::shared_provider(role)?;
                let mut slot = self.named.take().filter(|_| same).map(|(_, s)| s);
                let got = refill(&mut slot, &provider);
                if let Some(slot) = slot {
                    // SAFETY: NUL-terminated, as the caller guarantees.
                    let key = unsafe { CStr::from_ptr(name) }.to_bytes_with_nul().into();
                    self.named = Some((key, slot));
                }
                got
            }
            Source::Handle(handle) => {
                let mut slot = match self.handle.take() {
                    Some((id, slot)) if id == handle.id => {
                        if let Some(got) = hit(Some(&slot)) {
                            self.handle = Some((id, slot));
                            return Ok(got);
                        }
                        Some(slot)
                    }
                    _ => None,
                };
                let got = refill(&mut slot, &handle.provider);
                self.handle = slot.map(|s| (handle.id, s));
                got
            }
        }
    }
}

/// A new count of the slot's proxy while the engine's deadline for it holds.
#[inline(always)]
fn hit(slot: Option<&Slot>) -> Option<Got> {
    let slot = slot?;
    let warm = slot.warm.as_ref()?;
    warm.is_warm().then(|| Got {
        handle: slot.handle.new_c_handle(),
        warm: Some((warm.until_unix_ms(), warm.epoch())),
    })
}

/// Asks the engine, keeps its answer in `slot` (reusing the proxy when the credential is
/// the same) and hands out a count of it. On failure `slot` is left as it was.
#[cold]
fn refill(slot: &mut Option<Slot>, provider: &Provider) -> Result<Got, Failure> {
    let (credential, warm) = ask(provider)?;
    let handle = match slot.take() {
        Some(old) if Arc::ptr_eq(old.handle.credential(), &credential) => old.handle,
        _ => HandleRef::new(credential),
    };
    let fresh = slot.insert(Slot { handle, warm });
    Ok(Got {
        handle: fresh.handle.new_c_handle(),
        warm: fresh.warm.as_ref().map(|w| (w.until_unix_ms(), w.epoch())),
    })
}

/// The current credential of `provider`, with its warm deadline if the engine gives one.
fn ask(provider: &Provider) -> Result<(Arc<Credential>, Option<WarmCredential>), Failure> {
    if let Some(warm) = provider.warm_credential() {
        return Ok((Arc::clone(warm.credential()), Some(warm)));
    }
    let credential = provider.credential()?;
    let warm = provider
        .warm_credential()
        .filter(|w| Arc::ptr_eq(w.credential(), &credential));
    Ok((credential, warm))
}

/// `true` if the C string `name` equals `known` (bytes with their NUL). Reads `name` only
/// up to the first difference, so never past its NUL: in each group of four, a byte is
/// read only if the ones before it matched (`&&` short-circuits). Unrolled because the
/// named-role warm call is mostly this comparison.
///
/// # Safety
///
/// `name` is NUL-terminated and readable.
#[inline(always)]
unsafe fn same_name(known: &[u8], name: *const c_char) -> bool {
    let name = name.cast::<u8>();
    // SAFETY (every read below): every byte before the first difference (at the latest,
    // `name`'s NUL) is part of `name`.
    let at = |i: usize| unsafe { *name.add(i) };
    let mut groups = known.chunks_exact(4);
    let mut i = 0;
    for group in &mut groups {
        let &[a, b, c, d] = group else {
            return false; // chunks_exact(4): never
        };
        if !(at(i) == a && at(i + 1) == b && at(i + 2) == c && at(i + 3) == d) {
            return false;
        }
        i += 4;
    }
    for &byte in groups.remainder() {
        if at(i) != byte {
            return false;
        }
        i += 1;
    }
    true
}

/// The call without the thread's cache: a proxy of its own.
#[cold]
unsafe fn uncached(function: &str, source: Source<'_>) -> Result<Got, Failure> {
    let provider = match source {
        Source::Default => ecscred_core::shared_provider(None)?,
        // SAFETY: NUL-terminated, as the caller guarantees.
        Source::Named(name) => {
            ecscred_core::shared_provider(unsafe { opt_str(function, "role_name", name)? })?
        }
        Source::Handle(handle) => handle.provider.clone(),
    };
    let (credential, warm) = ask(&provider)?;
    Ok(Got {
        handle: HandleRef::new(credential).into_c(),
        warm: warm.map(|w| (w.until_unix_ms(), w.epoch())),
    })
}
