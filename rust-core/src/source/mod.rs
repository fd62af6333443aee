//! Where credentials come from: one fetching client per kind of source, behind the one
//! cache and refresh engine of [`crate::Provider`].
//!
//! A source only fetches: it knows its protocol, its retries and how long its credentials
//! are worth keeping ([`RefreshPolicy`]); the provider owns everything else (single flight,
//! refresh timing, backoff, never expired). A `Source` belongs to one provider and one fork
//! generation (its connections belong to that generation's runtime) and is used by one
//! fetch at a time.
//!
//! The metadata-service client lives in `imds.rs`; the OIDC and `AssumeRole` clients in
//! `oidc.rs` and `assume_role.rs`, over the STS client of `sts.rs` (signing in
//! `signature.rs`), which also carries the credentials URI client of `uri.rs`; the
//! aliyun CLI's `External` command in `process.rs`. A configured credential needs no
//! client. Which source a provider has is decided by `crate::chain` when it is built.

pub(crate) mod assume_role;
pub(crate) mod oidc;
pub(crate) mod process;
pub(crate) mod signature;
pub(crate) mod sts;
pub(crate) mod uri;

use std::sync::Arc;

use crate::clock::Clock;
use crate::config::{Config, SourceConfig};
use crate::credential::Credential;
use crate::error::{Error, ErrorKind, Result};
use crate::imds::MetadataClient;
use crate::schedule::RefreshPolicy;
use crate::wire::format_timestamp;
use std::time::SystemTime;

/// A fetching client for the configured source.
pub(crate) enum Source {
    /// The ECS instance metadata service.
    Metadata(MetadataClient),
    /// STS `AssumeRoleWithOIDC` with a token file (RRSA).
    Oidc(oidc::OidcClient),
    /// A credential given in the configuration.
    Static(Credential),
    /// STS `AssumeRole`, signed by another source's credential.
    AssumeRole(assume_role::AssumeRoleClient),
    /// The aliyun CLI's `External` command.
    Process(process::ProcessClient),
    /// A credentials URI.
    Uri(uri::UriClient),
}

impl Source {
    /// The client for `config`'s source. Sends nothing.
    pub(crate) fn new(config: Arc<Config>, clock: Arc<dyn Clock>) -> Result<Source> {
        match &config.source {
            SourceConfig::Metadata => Ok(Source::Metadata(MetadataClient::new(config, clock)?)),
            SourceConfig::Oidc(oidc) => {
                let oidc = oidc.clone();
                Ok(Source::Oidc(oidc::OidcClient::new(config, oidc, clock)?))
            }
            SourceConfig::Static(credential) => Ok(Source::Static(credential.0.clone())),
            SourceConfig::AssumeRole(role) => {
                let role = role.clone();
                Ok(Source::AssumeRole(assume_role::AssumeRoleClient::new(
                    config, role, clock,
                )?))
            }
            SourceConfig::Process(process) => {
                let process = process.clone();
                Ok(Source::Process(process::ProcessClient::new(
                    config, process,
                )))
            }
            SourceConfig::Uri(uri) => {
                let uri = uri.clone();
                Ok(Source::Uri(uri::UriClient::new(config, &uri, clock)?))
            }
        }
    }

    /// Fetches a fresh credential, within the configured fetch timeout.
    pub(crate) async fn fetch(&self) -> Result<Credential> {
        match self {
            Source::Metadata(client) => client.fetch().await,
            Source::Oidc(client) => client.fetch().await,
            Source::Static(credential) => Ok(credential.clone()),
            Source::AssumeRole(client) => client.fetch().await,
            Source::Process(client) => client.fetch().await,
            Source::Uri(client) => client.fetch().await,
        }
    }
}

/// `fetch`'s result, or a timeout error naming `what` once `config`'s fetch timeout ends.
pub(crate) async fn within_fetch_timeout<T>(
    config: &Config,
    what: impl FnOnce() -> String,
    fetch: impl std::future::Future<Output = Result<T>>,
) -> Result<T> {
    let deadline = config.fetch_timeout;
    match tokio::time::timeout(deadline, fetch).await {
        Ok(result) => result,
        Err(_) => Err(Error::timeout(what(), deadline).note("fetch_timeout reached")),
    }
}

/// `credential`, unless it has already expired at `now` (then an invalid response from
/// `what`: a clock or server problem, never a credential to hand out).
pub(crate) fn unexpired(what: &str, credential: Credential, now: SystemTime) -> Result<Credential> {
    if credential.is_expired_at(now) {
        return Err(Error::new(
            ErrorKind::InvalidResponse,
            format!(
                "{what} returned a credential that expired at {} (now {}); check the \
                 clock",
                format_timestamp(credential.expiration()),
                format_timestamp(now),
            ),
        ));
    }
    Ok(credential)
}

/// How credentials of `config`'s source are refreshed (known before any client exists).
pub(crate) fn refresh_policy(config: &Config) -> RefreshPolicy {
    match &config.source {
        // A configured credential never expires or carries its own fixed expiration.
        SourceConfig::Metadata | SourceConfig::Static(_) => RefreshPolicy::Rotating,
        // Each call issues a new credential (a URI server is expected to renew its
        // credential at least 15 minutes before expiry, as the official clients assume).
        SourceConfig::Oidc(_)
        | SourceConfig::AssumeRole(_)
        | SourceConfig::Process(_)
        | SourceConfig::Uri(_) => RefreshPolicy::OnDemand,
    }
}
