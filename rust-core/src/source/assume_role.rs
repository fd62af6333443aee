//! STS `AssumeRole` (the aliyun CLI's `RamRoleArn` and `ChainableRamRoleArn` profiles, the
//! ini file's `ram_role_arn`): the role's credential, requested with a call signed by the
//! credential of another source (a configured AccessKey, or any source for a chain).

use std::sync::Arc;

use crate::clock::{unix_millis, Clock};
use crate::config::{AssumeRoleConfig, Config};
use crate::credential::Credential;
use crate::error::Result;
use crate::source::sts::StsClient;
use crate::source::within_fetch_timeout;
use crate::source::Source;

pub(crate) struct AssumeRoleClient {
    sts: StsClient,
    /// The signing credential's source: fetched again for every call (a static key costs
    /// nothing; another source's credential is as fresh as the role's).
    base: Box<Source>,
    role: AssumeRoleConfig,
    config: Arc<Config>,
    clock: Arc<dyn Clock>,
}

impl AssumeRoleClient {
    pub(crate) fn new(
        config: Arc<Config>,
        role: AssumeRoleConfig,
        clock: Arc<dyn Clock>,
    ) -> Result<AssumeRoleClient> {
        let sts = StsClient::new(Arc::clone(&config), Arc::clone(&clock), &role.extra_roots)?;
        let base = Source::new(Arc::new((*role.base).clone()), Arc::clone(&clock))?;
        Ok(AssumeRoleClient {
            sts,
            base: Box::new(base),
            role,
            config,
            clock,
        })
    }

    /// Gets the signing credential, then the role's, within the fetch timeout.
    pub(crate) async fn fetch(&self) -> Result<Credential> {
        within_fetch_timeout(
            &self.config,
            || format!("STS AssumeRole at {}", self.config.endpoint),
            self.fetch_untimed(),
        )
        .await
    }

    async fn fetch_untimed(&self) -> Result<Credential> {
        let signer = Box::pin(self.base.fetch()).await.map_err(|e| {
            e.context(format_args!(
                "getting the credential that signs AssumeRole from {}",
                self.role.base.info.provider_name()
            ))
        })?;
        let session = match &self.role.session_name {
            Some(name) => name.clone(),
            None => format!("ecscred-{}", unix_millis(self.clock.now())),
        };
        let duration = self.role.duration.as_secs().to_string();
        let mut params = vec![
            ("RoleArn", self.role.role_arn.as_str()),
            ("RoleSessionName", session.as_str()),
            ("DurationSeconds", duration.as_str()),
        ];
        if let Some(policy) = &self.role.policy {
            params.push(("Policy", policy));
        }
        if let Some(id) = &self.role.external_id {
            params.push(("ExternalId", id));
        }
        let credential = self
            .sts
            .assume_role("AssumeRole", &params, Some(&signer))
            .await?;
        tracing::debug!(
            role_arn = %self.role.role_arn,
            expires = %crate::wire::format_timestamp(credential.expiration()),
            "assumed the role"
        );
        Ok(credential)
    }
}
