//! Where credentials come from: one fetching client per kind of source, behind the one
//! cache and refresh engine of [`crate::Provider`].
//!
//! A source only fetches: it knows its protocol, its retries and how long its credentials
//! are worth keeping ([`RefreshPolicy`]); the provider owns everything else (single flight,
//! refresh timing, backoff, never expired). A `Source` belongs to one provider and one fork
//! generation (its connections belong to that generation's runtime) and is used by one
//! fetch at a time.
//!
//! The metadata-service client lives in `imds.rs`; the OIDC client in `oidc.rs`, over the
//! STS client of `sts.rs`.

pub(crate) mod oidc;
pub(crate) mod sts;

use std::sync::Arc;

use crate::clock::Clock;
use crate::config::{Config, SourceConfig};
use crate::credential::Credential;
use crate::error::Result;
use crate::imds::MetadataClient;
use crate::schedule::RefreshPolicy;

/// A fetching client for the configured source.
pub(crate) enum Source {
    /// The ECS instance metadata service.
    Metadata(MetadataClient),
    /// STS `AssumeRoleWithOIDC` with a token file (RRSA).
    Oidc(oidc::OidcClient),
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
        }
    }

    /// Fetches a fresh credential, within the configured fetch timeout.
    pub(crate) async fn fetch(&self) -> Result<Credential> {
        match self {
            Source::Metadata(client) => client.fetch().await,
            Source::Oidc(client) => client.fetch().await,
        }
    }
}

/// How credentials of `config`'s source are refreshed (known before any client exists).
pub(crate) fn refresh_policy(config: &Config) -> RefreshPolicy {
    match &config.source {
        SourceConfig::Metadata => RefreshPolicy::Rotating,
        SourceConfig::Oidc(_) => RefreshPolicy::OnDemand,
    }
}
