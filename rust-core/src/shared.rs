//! Process-wide providers, one per configuration, for the one-call API and the one-line
//! SDK adapters of every binding.

use std::collections::HashMap;
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::Arc;

use arc_swap::ArcSwap;
use once_cell::sync::Lazy;

use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::credential::Credential;
use crate::error::{Error, ErrorKind, Result};
use crate::provider::Provider;

/// Named role → provider: the fast path of [`get_credential`]. Copy-on-write: lookups are
/// lock-free, so nothing is ever left locked by a fork.
static PROVIDERS: Lazy<ArcSwap<HashMap<String, Provider>>> = Lazy::new(Default::default);

/// A resolved configuration and the clock's address (`None`: the system clock). A provider
/// in the map holds its clock, so the address is never reused while the entry exists.
#[derive(Clone, PartialEq, Eq, Hash)]
struct Key {
    config: Config,
    clock: Option<usize>,
}

/// Every shared provider, by configuration (copy-on-write like [`PROVIDERS`]).
static BY_CONFIG: Lazy<ArcSwap<HashMap<Key, Provider>>> = Lazy::new(Default::default);

/// The provider of [`crate::ProviderBuilder::build_shared`]: the one kept for `config`
/// and `clock`, built now if there is none.
pub(crate) fn for_config(config: Config, clock: Option<Arc<dyn Clock>>) -> Provider {
    let key = Key {
        clock: clock.as_ref().map(|c| Arc::as_ptr(c).cast::<()>() as usize),
        config,
    };
    if let Some(provider) = BY_CONFIG.load().get(&key) {
        return provider.clone();
    }
    let built = Provider::new(
        key.config.clone(),
        clock.unwrap_or_else(|| Arc::new(SystemClock)),
    );
    let mut winner = built.clone();
    BY_CONFIG.rcu(|current| {
        let mut next = HashMap::clone(current);
        winner = next
            .entry(key.clone())
            .or_insert_with(|| built.clone())
            .clone();
        next
    });
    winner
}

/// The provider for the default role (from the environment or discovered), published once
/// and never freed: the warm one-call path is one atomic load, with no map lookup.
static DEFAULT: AtomicPtr<Provider> = AtomicPtr::new(std::ptr::null_mut());

/// The credential of `role` (`None`: the role from `ALIBABA_CLOUD_ECS_METADATA`, else
/// discovered), from a provider kept for the life of the process and configured from the
/// environment when first used.
///
/// Same contract as [`Provider::credential`]: thread-safe, never blocks on the network
/// while a valid credential is cached. An invalid configuration is reported on every call
/// (nothing is kept for it).
pub fn get_credential(role: Option<&str>) -> Result<Arc<Credential>> {
    match role {
        None => default_provider()?.credential(),
        Some(name) => match PROVIDERS.load().get(name) {
            Some(provider) => provider.credential(),
            None => shared_provider(role)?.credential(),
        },
    }
}

/// The process-wide provider for `role`; see [`get_credential`]. The same provider as
/// `Provider::builder().role_name(role).build_shared()` while the environment is unchanged.
pub fn shared_provider(role: Option<&str>) -> Result<Provider> {
    let Some(name) = role else {
        return default_provider().cloned();
    };
    if let Some(provider) = PROVIDERS.load().get(name) {
        return Ok(provider.clone());
    }
    if name.is_empty() {
        // Not a role name, and not a way to ask for the default one.
        return Err(Error::new(
            ErrorKind::InvalidConfig,
            "the role name is empty; pass no role to use the default one",
        ));
    }
    let built = Provider::builder().role_name(name).build_shared()?;
    let mut winner = built.clone();
    PROVIDERS.rcu(|current| {
        let mut next = HashMap::clone(current);
        winner = next
            .entry(name.to_owned())
            .or_insert_with(|| built.clone())
            .clone();
        next
    });
    Ok(winner)
}

fn default_provider() -> Result<&'static Provider> {
    // SAFETY: a non-null pointer comes from `Box::into_raw` below and is never freed.
    if let Some(known) = unsafe { DEFAULT.load(Ordering::Acquire).as_ref() } {
        return Ok(known);
    }
    let mine = Box::into_raw(Box::new(Provider::builder().build_shared()?));
    let winner = match DEFAULT.compare_exchange(
        std::ptr::null_mut(),
        mine,
        Ordering::AcqRel,
        Ordering::Acquire,
    ) {
        Ok(_) => mine,
        Err(earlier) => {
            // SAFETY: `mine` was never published; it is ours to free.
            drop(unsafe { Box::from_raw(mine) });
            earlier
        }
    };
    // SAFETY: the published pointer lives for the rest of the process.
    Ok(unsafe { &*winner })
}
