//! The credentials URI source (`ALIBABA_CLOUD_CREDENTIALS_URI`): a plain `GET` of a URL
//! that answers the metadata service's JSON (`Code` `Success`, `AccessKeyId`,
//! `AccessKeySecret`, `SecurityToken`, `Expiration`), over verified HTTPS or plain HTTP to
//! a loopback address, on the STS client's transport (no proxy, no redirect, bounded
//! bodies, transient failures retried).

use std::sync::Arc;

use reqwest::StatusCode;

use crate::clock::Clock;
use crate::config::{Config, UriConfig};
use crate::credential::Credential;
use crate::error::{Error, ErrorKind, Result};
use crate::source::sts::StsClient;
use crate::source::{unexpired, within_fetch_timeout};
use crate::wire::parse_credential;

pub(crate) struct UriClient {
    http: StsClient,
    url: reqwest::Url,
    config: Arc<Config>,
    clock: Arc<dyn Clock>,
}

impl UriClient {
    pub(crate) fn new(
        config: Arc<Config>,
        uri: &UriConfig,
        clock: Arc<dyn Clock>,
    ) -> Result<UriClient> {
        let url = reqwest::Url::parse(&uri.url).map_err(|_| {
            Error::new(
                ErrorKind::InvalidConfig,
                "the credentials URI is not a valid URL",
            )
        })?;
        let http = StsClient::new(Arc::clone(&config), Arc::clone(&clock), &uri.extra_roots)?;
        Ok(UriClient {
            http,
            url,
            config,
            clock,
        })
    }

    /// GETs the credential, within the fetch timeout.
    pub(crate) async fn fetch(&self) -> Result<Credential> {
        let what = format!("the credentials URI at {}", self.config.endpoint);
        let reply = within_fetch_timeout(
            &self.config,
            || what.clone(),
            self.http.get(&what, &self.url),
        )
        .await?;
        if reply.status != StatusCode::OK {
            let kind = if reply.status.is_redirection() {
                ErrorKind::InvalidResponse
            } else {
                ErrorKind::HttpStatus
            };
            return Err(Error::new(
                kind,
                format!("{what} answered HTTP {}", reply.status.as_u16()),
            )
            .with_status(reply.status.as_u16()));
        }
        let credential = parse_credential(&reply.body)
            .map_err(|e| Error::new(ErrorKind::InvalidResponse, format!("{what}: {e}")))?;
        unexpired(&what, credential, self.clock.now())
    }
}
