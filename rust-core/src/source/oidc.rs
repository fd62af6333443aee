//! The OIDC source (RRSA in ACK pods): exchanges the projected service-account token at
//! STS (`AssumeRoleWithOIDC`, anonymous: the token is the proof) for a credential of the
//! role. The token file is read again at every fetch, since the kubelet rotates it.

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use zeroize::Zeroizing;

use crate::clock::{unix_millis, Clock};
use crate::config::{Config, OidcConfig};
use crate::credential::Credential;
use crate::error::{Error, ErrorKind, Result};
use crate::source::sts::StsClient;
use crate::source::within_fetch_timeout;

/// Largest token file accepted; projected tokens are 1 to 2 KiB.
const MAX_TOKEN_FILE: u64 = 64 * 1024;

pub(crate) struct OidcClient {
    sts: StsClient,
    oidc: OidcConfig,
    config: Arc<Config>,
    clock: Arc<dyn Clock>,
}

impl OidcClient {
    pub(crate) fn new(
        config: Arc<Config>,
        oidc: OidcConfig,
        clock: Arc<dyn Clock>,
    ) -> Result<OidcClient> {
        let sts = StsClient::new(Arc::clone(&config), Arc::clone(&clock), &oidc.extra_roots)?;
        Ok(OidcClient {
            sts,
            oidc,
            config,
            clock,
        })
    }

    /// Reads the token file and exchanges the token, within the fetch timeout.
    pub(crate) async fn fetch(&self) -> Result<Credential> {
        within_fetch_timeout(
            &self.config,
            || format!("STS AssumeRoleWithOIDC at {}", self.config.endpoint),
            self.fetch_untimed(),
        )
        .await
    }

    async fn fetch_untimed(&self) -> Result<Credential> {
        let token = read_token(&self.oidc.token_file)?;
        let session = match &self.oidc.session_name {
            Some(name) => name.clone(),
            None => format!("ecscred-{}", unix_millis(self.clock.now())),
        };
        let duration = self.oidc.duration.as_secs().to_string();
        let mut params = vec![
            ("RoleArn", self.oidc.role_arn.as_str()),
            ("OIDCProviderArn", self.oidc.provider_arn.as_str()),
            ("OIDCToken", token.as_str()),
            ("RoleSessionName", session.as_str()),
            ("DurationSeconds", duration.as_str()),
        ];
        if let Some(policy) = &self.oidc.policy {
            params.push(("Policy", policy));
        }
        let credential = self
            .sts
            .assume_role("AssumeRoleWithOIDC", &params, None)
            .await;
        drop(params);
        drop(token);
        let credential = credential?;
        tracing::debug!(
            role_arn = %self.oidc.role_arn,
            expires = %crate::wire::format_timestamp(credential.expiration()),
            "exchanged the OIDC token for a credential"
        );
        Ok(credential)
    }
}

/// The token in `path`, whitespace trimmed. Errors name the path, never the content.
fn read_token(path: &Path) -> Result<Zeroizing<String>> {
    let shown = path.display();
    let invalid = |why: String| {
        Error::new(
            ErrorKind::InvalidConfig,
            format!("the OIDC token file {shown} {why} (ALIBABA_CLOUD_OIDC_TOKEN_FILE)"),
        )
    };
    let file = std::fs::File::open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => invalid("does not exist".to_owned()),
        std::io::ErrorKind::PermissionDenied => {
            invalid("is not readable (permission denied)".to_owned())
        }
        _ => invalid(format!("cannot be opened ({e})")),
    })?;
    // Sized up front: a buffer that grew would leave its first copy behind unwiped.
    let size = file
        .metadata()
        .map_or(4096, |m| m.len())
        .min(MAX_TOKEN_FILE)
        + 1;
    let mut raw = Zeroizing::new(Vec::with_capacity(size as usize));
    file.take(MAX_TOKEN_FILE + 1)
        .read_to_end(&mut raw)
        .map_err(|e| invalid(format!("cannot be read ({e})")))?;
    if raw.len() as u64 > MAX_TOKEN_FILE {
        return Err(invalid(format!(
            "is larger than {} KiB, too large for a token",
            MAX_TOKEN_FILE / 1024
        )));
    }
    let text = std::str::from_utf8(&raw).map_err(|_| invalid("is not UTF-8 text".to_owned()))?;
    let token = text.trim();
    if token.is_empty() {
        return Err(invalid("is empty".to_owned()));
    }
    if !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(invalid(
            "holds characters a token cannot have (spaces or control characters)".to_owned(),
        ));
    }
    Ok(Zeroizing::new(token.to_owned()))
}
