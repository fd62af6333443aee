//! Process-wide providers, one per role, for the one-call API of every binding.

use std::collections::HashMap;
use std::sync::Arc;

use arc_swap::ArcSwap;
use once_cell::sync::Lazy;

use crate::credential::Credential;
use crate::error::Result;
use crate::provider::Provider;

/// Role name ("" for the default) → provider. Copy-on-write: lookups are lock-free, so
/// nothing is ever left locked by a fork.
static PROVIDERS: Lazy<ArcSwap<HashMap<String, Provider>>> = Lazy::new(Default::default);

/// The credential of `role` (`None`: the role from `ALIBABA_CLOUD_ECS_METADATA`, else
/// discovered), from a provider kept for the life of the process and configured from the
/// environment when first used.
///
/// Same contract as [`Provider::credential`]: thread-safe, never blocks on the network
/// while a valid credential is cached. An invalid configuration is reported on every call
/// (nothing is kept for it).
pub fn get_credential(role: Option<&str>) -> Result<Arc<Credential>> {
    if let Some(provider) = PROVIDERS.load().get(role.unwrap_or("")) {
        return provider.credential();
    }
    shared_provider(role)?.credential()
}

/// The process-wide provider for `role`; see [`get_credential`].
pub fn shared_provider(role: Option<&str>) -> Result<Provider> {
    let key = role.unwrap_or("");
    if let Some(provider) = PROVIDERS.load().get(key) {
        return Ok(provider.clone());
    }
    let mut builder = Provider::builder();
    if let Some(role) = role {
        builder = builder.role_name(role);
    }
    let built = builder.build()?;
    let mut winner = built.clone();
    PROVIDERS.rcu(|current| {
        let mut next = HashMap::clone(current);
        winner = next
            .entry(key.to_owned())
            .or_insert_with(|| built.clone())
            .clone();
        next
    });
    Ok(winner)
}
