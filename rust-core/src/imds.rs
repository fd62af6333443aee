//! The metadata-service protocol: hardened-mode token, role discovery, credential fetch,
//! with retries, timeouts, no proxy, no redirects and bounded bodies.
//!
//! A `MetadataClient` belongs to one provider and one fork generation (its connections
//! belong to that generation's runtime). It is used by one fetch at a time.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use parking_lot::Mutex;
use reqwest::{Method, StatusCode};

use crate::clock::Clock;
use crate::config::Config;
use crate::credential::Credential;
use crate::error::{Error, ErrorKind, Result};
use crate::http::{self, root_cause, ConnectCounter, Failure, Reply, MAX_ATTEMPTS};
use crate::wire::{self, format_timestamp, MetadataTokenText};

const TOKEN_PATH: &str = "/latest/api/token";
const CREDENTIALS_PATH: &str = "/latest/meta-data/ram/security-credentials/";
const TOKEN_TTL_HEADER: &str = "X-aliyun-ecs-metadata-token-ttl-seconds";
const TOKEN_HEADER: &str = "X-aliyun-ecs-metadata-token";

/// A metadata token and when to stop using it.
struct CachedToken {
    value: MetadataTokenText,
    renew_at: SystemTime,
}

/// How one fetch authenticates its GETs.
enum Auth {
    /// Hardened mode: present this metadata token.
    Token(MetadataTokenText),
    /// Plain requests; why the token request failed (for the error if the instance turns
    /// out to require a token after all).
    Plain { token_failure: String },
}

/// Why one request failed before an answer arrived.
enum SendError {
    /// Connecting failed (refused, unreachable, connect timeout): never retried.
    Connect(Error),
    /// Connected, then the connection was reset or closed early: retried.
    Dropped(Error),
    /// Anything else (read timeout, oversized body): not retried.
    Fatal(Error),
}

impl SendError {
    fn into_error(self) -> Error {
        match self {
            SendError::Connect(e) | SendError::Dropped(e) | SendError::Fatal(e) => e,
        }
    }
}

pub(crate) struct MetadataClient {
    http: reqwest::Client,
    config: Arc<Config>,
    clock: Arc<dyn Clock>,
    token: Mutex<Option<CachedToken>>,
    discovered_role: Mutex<Option<String>>,
    /// Tells a connect that never completed from an answer that did not come (requests
    /// are sequential).
    connects: ConnectCounter,
}

impl MetadataClient {
    pub(crate) fn new(config: Arc<Config>, clock: Arc<dyn Clock>) -> Result<MetadataClient> {
        let connects = ConnectCounter::default();
        let http = reqwest::Client::builder()
            // Metadata traffic must never reach a proxy: HTTP_PROXY and friends are ignored.
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(config.connect_timeout)
            .read_timeout(config.read_timeout)
            // One connection per request (see `send_once`): nothing to keep idle.
            .pool_max_idle_per_host(0)
            .user_agent(concat!("ecscred/", env!("CARGO_PKG_VERSION")))
            .tls_backend_preconfigured(crate::source::sts::no_tls()?)
            .connector_layer(connects.layer())
            .build()
            .map_err(|e| {
                Error::new(
                    ErrorKind::Internal,
                    format!("could not build the HTTP client: {}", root_cause(&e)),
                )
            })?;
        Ok(MetadataClient {
            http,
            config,
            clock,
            token: Mutex::new(None),
            discovered_role: Mutex::new(None),
            connects,
        })
    }

    /// Fetches the current credential, within the configured fetch timeout.
    pub(crate) async fn fetch(&self) -> Result<Credential> {
        let deadline = self.config.fetch_timeout;
        match tokio::time::timeout(deadline, self.fetch_untimed()).await {
            Ok(result) => result,
            Err(_) => Err(Error::timeout(
                format!("the metadata service at {}", self.config.endpoint),
                deadline,
            )
            .note("fetch_timeout reached")),
        }
    }

    async fn fetch_untimed(&self) -> Result<Credential> {
        // Whether hardened mode works is decided once per fetch, not once per request.
        let mut auth = self.token().await?;
        if let Some(role) = &self.config.role {
            return self.credential(role, &mut auth).await;
        }
        let role = self.role(&mut auth).await?;
        match self.credential(&role, &mut auth).await {
            // The role attached to the instance may have changed: discover once more.
            Err(e) if e.kind() == ErrorKind::RoleNotFound => {
                *self.discovered_role.lock() = None;
                let again = self.role(&mut auth).await?;
                if again == role {
                    return Err(e);
                }
                self.credential(&again, &mut auth).await
            }
            other => other,
        }
    }

    /// The role attached to the instance, discovered once and remembered.
    async fn role(&self, auth: &mut Auth) -> Result<String> {
        if let Some(role) = self.discovered_role.lock().clone() {
            return Ok(role);
        }
        let url = self.url(CREDENTIALS_PATH)?;
        let reply = self.get(&url, auth).await?;
        let role = match reply.status {
            StatusCode::OK => wire::parse_role_listing(&reply.body).map_err(|e| {
                let kind = if e == wire::WireError::NoRole {
                    ErrorKind::RoleNotFound
                } else {
                    ErrorKind::InvalidResponse
                };
                Error::new(kind, format!("role discovery at {url}: {e}"))
            })?,
            StatusCode::NOT_FOUND => {
                return Err(Error::new(
                    ErrorKind::RoleNotFound,
                    format!(
                        "no RAM role is attached to this instance (GET {url} answered 404); \
                         attach one, or name it with ALIBABA_CLOUD_ECS_METADATA"
                    ),
                )
                .with_status(404))
            }
            _ => return Err(unexpected("role discovery", "GET", &url, &reply)),
        };
        tracing::debug!(role = %role, "discovered the instance's RAM role");
        *self.discovered_role.lock() = Some(role.clone());
        Ok(role)
    }

    async fn credential(&self, role: &str, auth: &mut Auth) -> Result<Credential> {
        let url = self.url(&format!("{CREDENTIALS_PATH}{role}"))?;
        let reply = self.get(&url, auth).await?;
        match reply.status {
            StatusCode::OK => {}
            StatusCode::NOT_FOUND => {
                return Err(Error::new(
                    ErrorKind::RoleNotFound,
                    format!(
                        "RAM role \"{role}\" is not attached to this instance \
                         (GET {url} answered 404); check the role name"
                    ),
                )
                .with_status(404))
            }
            _ => return Err(unexpected("credential request", "GET", &url, &reply)),
        }
        let credential = wire::parse_credential(&reply.body)
            .map_err(|e| Error::new(ErrorKind::InvalidResponse, format!("GET {url}: {e}")))?;
        let now = self.clock.now();
        if credential.is_expired_at(now) {
            return Err(Error::new(
                ErrorKind::InvalidResponse,
                format!(
                    "GET {url} returned a credential that expired at {} (now {}); \
                     check the instance clock",
                    format_timestamp(credential.expiration()),
                    format_timestamp(now),
                ),
            ));
        }
        tracing::debug!(
            role = %role,
            expires = %format_timestamp(credential.expiration()),
            "fetched a credential"
        );
        Ok(credential)
    }

    /// A GET with the metadata token when there is one. A 401 (token expired or revoked)
    /// drops the token, gets a new one (kept in `token` for the rest of the fetch) and
    /// tries once more.
    /// The URL of `path` (starting with `/`) below the endpoint, checked to reach the
    /// server exactly as written: the URL library rewrites some paths (dot segments), and
    /// no role name, configured or discovered, may change where a request goes. Role names
    /// are validated before they get here, so a refusal means a name slipped through.
    fn url(&self, path: &str) -> Result<reqwest::Url> {
        let endpoint = &self.config.endpoint;
        let refused = |why: String| {
            Error::new(
                ErrorKind::InvalidConfig,
                format!("no request sent to {endpoint}: {why}"),
            )
        };
        let url = reqwest::Url::parse(&format!("{endpoint}{path}"))
            .map_err(|e| refused(format!("{path:?} does not make a valid URL ({e})")))?;
        let base = reqwest::Url::parse(endpoint)
            .map_err(|e| refused(format!("the endpoint is not a valid URL ({e})")))?;
        let wanted = format!("{}{path}", base.path().trim_end_matches('/'));
        if url.path() != wanted || url.query().is_some() || url.fragment().is_some() {
            return Err(refused(format!(
                "the URL library would send {:?} instead of {wanted:?}",
                url.path()
            )));
        }
        Ok(url)
    }

    async fn get(&self, url: &reqwest::Url, auth: &mut Auth) -> Result<Reply> {
        let mut renewed = false;
        loop {
            let token = match &*auth {
                Auth::Token(token) => Some(token),
                Auth::Plain { .. } => None,
            };
            let reply = self.send(Method::GET, url, token).await?;
            match (reply.status, &*auth) {
                (StatusCode::UNAUTHORIZED, Auth::Token(_)) if !renewed => {
                    tracing::debug!("metadata token rejected (401); getting a new one");
                    *self.token.lock() = None;
                    *auth = self.token().await?;
                    renewed = true;
                }
                (StatusCode::FORBIDDEN, Auth::Plain { token_failure }) => {
                    return Err(Error::new(
                        ErrorKind::HardenedMode,
                        format!(
                            "GET {url} answered 403: this instance requires hardened mode \
                             (a metadata token), and the token request failed: {token_failure}"
                        ),
                    )
                    .with_status(403))
                }
                (status, _) if status.is_redirection() => {
                    return Err(Error::new(
                        ErrorKind::InvalidResponse,
                        format!(
                            "GET {url} answered a redirect ({status}), which is never followed"
                        ),
                    )
                    .with_status(status.as_u16()))
                }
                _ => return Ok(reply),
            }
        }
    }

    /// How this fetch authenticates: with a metadata token, or with plain requests when
    /// hardened mode is unavailable and plain requests are allowed.
    async fn token(&self) -> Result<Auth> {
        let now = self.clock.now();
        if let Some(cached) = self.token.lock().as_ref().filter(|t| now < t.renew_at) {
            return Ok(Auth::Token(cached.value.clone()));
        }
        let url = self.url(TOKEN_PATH)?;
        let ttl = self.config.token_ttl;
        let unavailable = match self.put_token(&url, ttl).await {
            Ok(reply) if reply.status == StatusCode::OK => match wire::parse_token(&reply.body) {
                Ok(value) => {
                    // Renew a little before the service would reject it.
                    let margin = (ttl / 10).min(Duration::from_secs(60));
                    *self.token.lock() = Some(CachedToken {
                        value: value.clone(),
                        renew_at: now + ttl - margin,
                    });
                    return Ok(Auth::Token(value));
                }
                Err(e) => Error::new(ErrorKind::InvalidResponse, format!("PUT {url}: {e}")),
            },
            Ok(reply) => unexpected("token request", "PUT", &url, &reply),
            // Nothing listens there: a plain GET to the same host cannot do better.
            Err(SendError::Connect(e)) => return Err(e),
            Err(other) => other.into_error(),
        };
        if self.config.v1_disabled {
            let mut err = Error::new(
                ErrorKind::HardenedMode,
                format!(
                    "hardened mode failed: {unavailable}; plain requests are disabled \
                     (ALIBABA_CLOUD_IMDSV1_DISABLED or disable_imds_v1)"
                ),
            );
            if let Some(status) = unavailable.http_status() {
                err = err.with_status(status);
            }
            return Err(err);
        }
        tracing::debug!(reason = %unavailable, "hardened mode unavailable; using plain requests");
        Ok(Auth::Plain {
            token_failure: unavailable.to_string(),
        })
    }

    async fn put_token(
        &self,
        url: &reqwest::Url,
        ttl: Duration,
    ) -> std::result::Result<Reply, SendError> {
        let ttl = ttl.as_secs().to_string();
        self.send_with_retries(&format!("PUT {url}"), || {
            self.http
                .request(Method::PUT, url.clone())
                .header(TOKEN_TTL_HEADER, ttl.as_str())
        })
        .await
    }

    async fn send(
        &self,
        method: Method,
        url: &reqwest::Url,
        token: Option<&MetadataTokenText>,
    ) -> Result<Reply> {
        self.send_with_retries(&format!("{method} {url}"), || {
            let request = self.http.request(method.clone(), url.clone());
            match token {
                Some(token) => request.header(TOKEN_HEADER, token.0.expose()),
                None => request,
            }
        })
        .await
        .map_err(SendError::into_error)
    }

    /// Sends the request built by `build` up to [`MAX_ATTEMPTS`] times while the answer is a
    /// 5xx or 429 or the connection drops, with capped exponential backoff and full jitter.
    /// The last answer is returned whatever its status.
    async fn send_with_retries(
        &self,
        what: &str,
        build: impl Fn() -> reqwest::RequestBuilder,
    ) -> std::result::Result<Reply, SendError> {
        let mut attempt = 1;
        loop {
            let outcome = self.send_once(what, build()).await;
            let retry = match &outcome {
                Ok(reply) => {
                    reply.status.is_server_error() || reply.status == StatusCode::TOO_MANY_REQUESTS
                }
                Err(SendError::Dropped(_)) => true,
                Err(_) => false,
            };
            if !retry || attempt >= MAX_ATTEMPTS {
                return outcome;
            }
            tokio::time::sleep(http::retry_delay(attempt)).await;
            attempt += 1;
        }
    }

    async fn send_once(
        &self,
        what: &str,
        request: reqwest::RequestBuilder,
    ) -> std::result::Result<Reply, SendError> {
        // One connection per request (see `http::exchange`): one more loopback connect per
        // request is nothing at one fetch per hours.
        let reply = http::exchange(&self.http, &self.connects, request)
            .await
            .map_err(|failure| match failure {
                Failure::Build(e) => {
                    SendError::Fatal(Error::new(ErrorKind::InvalidConfig, root_cause(&e)))
                }
                Failure::TooLarge => SendError::Fatal(http::too_large(what)),
                Failure::Transport { error, connected } => self.classify(what, &error, connected),
            })?;
        tracing::debug!(request = %what, status = reply.status.as_u16(), "metadata service answered");
        Ok(reply)
    }

    /// Sorts a transport error. `connected`: a connection was established for this
    /// request. A connect that does not complete is "unreachable" whichever timer ended it
    /// (the read timer runs from the request's start, so it can fire first).
    fn classify(&self, what: &str, e: &reqwest::Error, connected: bool) -> SendError {
        if e.is_connect() || (e.is_timeout() && !connected) {
            let how = if e.is_timeout() {
                let waited = self.config.connect_timeout.min(self.config.read_timeout);
                format!("no connection within {} ms", waited.as_millis())
            } else {
                root_cause(e)
            };
            SendError::Connect(Error::new(
                ErrorKind::Unreachable,
                format!(
                    "{what}: could not connect to the metadata service ({how}); \
                     is this an ECS instance, and is the endpoint right?"
                ),
            ))
        } else if e.is_timeout() {
            SendError::Fatal(Error::timeout(what, self.config.read_timeout).note("read_timeout"))
        } else {
            SendError::Dropped(Error::new(
                ErrorKind::Unreachable,
                format!("{what}: the connection was dropped ({})", root_cause(e)),
            ))
        }
    }
}

fn unexpected(what: &str, method: &str, url: &reqwest::Url, reply: &Reply) -> Error {
    let status = reply.status;
    let kind = if status == StatusCode::FORBIDDEN || status == StatusCode::UNAUTHORIZED {
        ErrorKind::HardenedMode
    } else {
        ErrorKind::HttpStatus
    };
    let mut message = format!("{what}: {method} {url} answered {status}");
    if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
        message.push_str(&format!(" after {MAX_ATTEMPTS} attempts"));
    }
    Error::new(kind, message).with_status(status.as_u16())
}
