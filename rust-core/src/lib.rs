//! Alibaba Cloud ECS instance RAM role credentials, done right.
//!
//! A [`Provider`] fetches the STS credential of the instance's RAM role from the ECS
//! metadata service, caches it and refreshes it ahead of expiry on one background thread,
//! so that callers almost never wait on the network:
//!
//! ```no_run
//! let provider = ecscred::Provider::builder().role_name("EcsRamRoleTest").build()?;
//! let credential = provider.credential()?;
//! println!("{} expires {:?}", credential.access_key_id(), credential.expiration());
//! # Ok::<(), ecscred::Error>(())
//! ```
//!
//! Or, with one provider per role kept for the process: [`get_credential`].
//!
//! The same engine serves the program wherever it runs: [`SourceKind::Chain`] selects, from
//! the configuration alone, the first configured of the environment's AccessKey, OIDC
//! (RRSA in an ACK pod), an aliyun CLI or credentials-file profile, the ECS RAM role and a
//! credentials URI, in the official chains' order, and reports a failing source instead of
//! moving on ([`Provider::source_info`] says which and why):
//!
//! ```no_run
//! let provider = ecscred::Provider::builder()
//!     .source(ecscred::SourceKind::Chain)
//!     .build()?;
//! println!("{}", provider.source_info()); // e.g. default/env (selected by ALIBABA_CLOUD_…)
//! let credential = provider.credential()?;
//! # Ok::<(), ecscred::Error>(())
//! ```
//!
//! What it guarantees (see `provider.rs` for the mechanism): one fetch shared by
//! concurrent first callers; refresh off the callers' path after ECS has rotated the
//! credential; an expired credential is never handed out; a failing refresh keeps the
//! cached credential in service with capped backoff; hardened mode with one metadata token
//! per TTL; proxies ignored, redirects refused, bodies capped; fork-safe; secrets redacted
//! in `Debug` and wiped on drop. Logging goes through `tracing` and is silent unless the
//! application installs a subscriber.

mod chain;
mod clock;
mod config;
mod credential;
mod error;
mod fork;
mod http;
mod imds;
mod profile;
mod provider;
mod schedule;
mod secret;
mod shared;
mod source;
pub mod warm;
mod wipe_alloc;
pub mod wire;
mod worker;

pub use chain::{
    ENV_ACCESS_KEY_ID, ENV_ACCESS_KEY_SECRET, ENV_CLI_PROFILE_DISABLED, ENV_CONFIG_FILE,
    ENV_CREDENTIALS_FILE, ENV_CREDENTIALS_URI, ENV_PROFILE, ENV_SECURITY_TOKEN,
};
pub use clock::{Clock, ManualClock, SystemClock};
pub use config::{
    parse_bool, ProviderBuilder, SourceInfo, SourceKind, DEFAULT_DURATION, DEFAULT_ENDPOINT,
    DEFAULT_STS_ENDPOINT, ENV_DISABLED, ENV_ENDPOINT, ENV_IMDSV1_DISABLED, ENV_OIDC_PROVIDER_ARN,
    ENV_OIDC_TOKEN_FILE, ENV_ROLE, ENV_ROLE_ARN, ENV_ROLE_SESSION_NAME, ENV_STS_ENDPOINT,
    ENV_STS_REGION, ENV_VPC_ENDPOINT_ENABLED, MAX_TIMEOUT, MAX_TOKEN_TTL, MIN_TIMEOUT,
    MIN_TOKEN_TTL,
};
pub use credential::{Credential, InvalidField};
pub use error::{Error, ErrorKind, Result};
/// The fork generation, for bindings that keep thread-bound state of their own (a log
/// delivery path, locks): it differs in every process forked from this one, however it
/// was forked (`fork()`, `_Fork()`, a raw `clone`), so state tagged with another
/// generation belongs to a parent and must be rebuilt, never waited on. Lock-free; one
/// `getpid` system call per call, so keep it off hot paths.
pub use fork::generation as fork_generation;
pub use provider::{Provider, RefreshStatus};
pub use shared::{get_credential, shared_provider};
pub use warm::WarmCredential;
pub use wipe_alloc::{WipingAllocator, WIPING_ALLOCATOR};
