//! The STS client: RPC-style calls (`POST`, form body, `Format=JSON`) over verified TLS,
//! with retries, timeouts, no proxy, no redirects and bounded bodies, and the parsing of
//! STS's answers.
//!
//! TLS is rustls with the *ring* crypto provider (pure Rust and assembly, no cmake, cross
//! builds with zig against glibc 2.17, no OpenSSL at run time). Trusted roots are the
//! system's (`rustls-native-certs`: the distribution's bundle, or `SSL_CERT_FILE` /
//! `SSL_CERT_DIR` when set) plus any extra root the configuration names. Certificates are
//! always verified. The metadata client never uses any of this (plain HTTP).

use std::sync::Arc;

use reqwest::{Method, StatusCode};
use rustls::pki_types::CertificateDer;
use serde::Deserialize;
use zeroize::Zeroizing;

use crate::clock::Clock;
use crate::config::Config;
use crate::credential::Credential;
use crate::error::{Error, ErrorKind, Result};
use crate::http::{self, root_cause, ConnectCounter, Failure, Reply, MAX_ATTEMPTS};
use crate::source::{signature, unexpired};
use crate::wire::{format_timestamp, parse_timestamp};

/// The STS API version every call names.
const API_VERSION: &str = "2015-04-01";

/// A TLS client configuration for the plain-HTTP metadata client: reqwest (built with
/// rustls and no default crypto provider) needs one to build a client at all; it has no
/// trusted root, so it could not complete a handshake even if asked to.
pub(crate) fn no_tls() -> Result<rustls::ClientConfig> {
    client_config(rustls::RootCertStore::empty())
}

/// The TLS configuration for STS: the system's roots plus `extra`.
fn sts_tls(extra: &[CertificateDer<'static>]) -> Result<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    // Unreadable or malformed system certificates are skipped: the ones that load still
    // verify, and a handshake with none that fits fails naming the certificate problem.
    let native = rustls_native_certs::load_native_certs();
    roots.add_parsable_certificates(native.certs);
    for cert in extra {
        roots.add(cert.clone()).map_err(|e| {
            Error::new(
                ErrorKind::InvalidConfig,
                format!("the extra STS root certificate is unusable ({e})"),
            )
        })?;
    }
    if roots.is_empty() {
        return Err(Error::new(
            ErrorKind::InvalidConfig,
            "no trusted root certificate for STS: install the system's CA bundle \
             (ca-certificates) or point SSL_CERT_FILE at one",
        ));
    }
    client_config(roots)
}

fn client_config(roots: rustls::RootCertStore) -> Result<rustls::ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::new(ErrorKind::Internal, format!("TLS setup failed: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// Parses PEM text into certificates; an error if it holds none or is malformed.
pub(crate) fn parse_pem_certificates(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>> {
    use rustls::pki_types::pem::PemObject;
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| {
            Error::new(
                ErrorKind::InvalidConfig,
                format!("the extra STS root certificate is not valid PEM ({e})"),
            )
        })?;
    if certs.is_empty() {
        return Err(Error::new(
            ErrorKind::InvalidConfig,
            "the extra STS root certificate holds no PEM CERTIFICATE block",
        ));
    }
    Ok(certs)
}

/// Percent-encodes `key=value` (RFC 3986 unreserved characters kept) onto a form body.
pub(crate) fn form_append(body: &mut Zeroizing<String>, key: &str, value: &str) {
    if !body.is_empty() {
        body.push('&');
    }
    signature::encode_into(body, key);
    body.push('=');
    signature::encode_into(body, value);
}

/// The success answer of the `AssumeRole*` actions. Secret and token land in buffers
/// that are wiped when dropped.
#[derive(Deserialize)]
struct AssumeRoleAnswer {
    #[serde(rename = "Credentials")]
    credentials: Option<RawCredentials>,
}

#[derive(Deserialize)]
struct RawCredentials {
    #[serde(rename = "AccessKeyId")]
    access_key_id: Option<String>,
    #[serde(rename = "AccessKeySecret")]
    access_key_secret: Option<Zeroizing<String>>,
    #[serde(rename = "SecurityToken")]
    security_token: Option<Zeroizing<String>>,
    #[serde(rename = "Expiration")]
    expiration: Option<String>,
}

/// An STS error answer: `{"RequestId", "HostId", "Code", "Message"}`.
#[derive(Deserialize, Default)]
struct ErrorAnswer {
    #[serde(rename = "Code")]
    code: Option<String>,
    #[serde(rename = "RequestId")]
    request_id: Option<String>,
    #[serde(rename = "Message")]
    message: Option<String>,
}

/// Parses the body of a successful `AssumeRole*` answer. Errors describe what was wrong
/// without quoting the input.
fn parse_credentials(body: &[u8]) -> std::result::Result<Credential, String> {
    let answer: AssumeRoleAnswer = serde_json::from_slice(body).map_err(|e| {
        format!(
            "the body is not STS credential JSON ({:?} error at line {} column {})",
            e.classify(),
            e.line(),
            e.column()
        )
    })?;
    let raw = answer
        .credentials
        .ok_or("the answer has no \"Credentials\" object")?;
    let field = |name: &str| format!("\"Credentials\" has a missing, empty or invalid \"{name}\"");
    let id = raw.access_key_id.ok_or_else(|| field("AccessKeyId"))?;
    let secret = raw
        .access_key_secret
        .ok_or_else(|| field("AccessKeySecret"))?;
    let token = raw.security_token.ok_or_else(|| field("SecurityToken"))?;
    let expiration = raw
        .expiration
        .as_deref()
        .and_then(|t| parse_timestamp(t).ok())
        .ok_or_else(|| {
            "\"Expiration\" is not an RFC 3339 timestamp with a zone, like \
             2026-01-02T03:04:05Z, between the years 1970 and 9998"
                .to_owned()
        })?;
    Credential::new(&id, &secret, &token, expiration, None).map_err(|f| field(f.name()))
}

/// A short token of STS's vocabulary (error codes, request ids), safe to show.
fn is_code_like(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 80
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
}

impl Reply {
    /// STS's error code, when the body is an error answer with a code safe to show.
    fn error(&self) -> ErrorAnswer {
        serde_json::from_slice(&self.body).unwrap_or_default()
    }

    fn is_retryable(&self) -> bool {
        self.status.is_server_error()
            || self.status == StatusCode::TOO_MANY_REQUESTS
            || self
                .error()
                .code
                .is_some_and(|code| code.starts_with("Throttling"))
    }
}

/// Why one request failed before an answer arrived.
enum SendError {
    /// Connection failures (refused, reset, connect timeout): retried.
    Retry(Error),
    /// Certificate refused, read timeout, oversized body: not retried.
    Fatal(Error),
}

/// An STS endpoint and a TLS client for it. Belongs to one provider and fork generation.
pub(crate) struct StsClient {
    http: reqwest::Client,
    connects: ConnectCounter,
    endpoint: reqwest::Url,
    config: Arc<Config>,
    clock: Arc<dyn Clock>,
}

impl StsClient {
    /// A client for `endpoint` (validated by the configuration) trusting the system's roots
    /// and `extra_roots`. Reads the system's certificates; sends nothing.
    pub(crate) fn new(
        config: Arc<Config>,
        clock: Arc<dyn Clock>,
        extra_roots: &[CertificateDer<'static>],
    ) -> Result<StsClient> {
        let endpoint = reqwest::Url::parse(&config.endpoint).map_err(|e| {
            Error::new(
                ErrorKind::InvalidConfig,
                format!("the STS endpoint is not a valid URL ({e})"),
            )
        })?;
        let connects = ConnectCounter::default();
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(sts_tls(extra_roots)?)
            // STS traffic carries the OIDC token: no proxy ever sees it.
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(config.connect_timeout)
            .read_timeout(config.read_timeout)
            .pool_max_idle_per_host(0)
            .connector_layer(connects.layer())
            .user_agent(concat!("ecscred/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| {
                Error::new(
                    ErrorKind::Internal,
                    format!("could not build the HTTPS client: {}", root_cause(&e)),
                )
            })?;
        Ok(StsClient {
            http,
            connects,
            endpoint,
            config,
            clock,
        })
    }

    /// Calls `action` with the form `body` (which may hold a secret, and is never shown)
    /// and returns the credential of a successful answer, refusing one already expired.
    /// Retries 5xx, throttling and connection failures; a 4xx is returned at once.
    /// Calls `action` (`AssumeRole`, `AssumeRoleWithOIDC`) with `params`, all sent in the
    /// form body with the common parameters; signed with signature V1 by `signer` when
    /// given (the source credential of `AssumeRole`), else anonymous. Retries transient
    /// failures; a signed call is signed again for each attempt (a fresh nonce and time).
    pub(crate) async fn assume_role(
        &self,
        action: &'static str,
        params: &[(&str, &str)],
        signer: Option<&Credential>,
    ) -> Result<Credential> {
        let what = format!("STS {action} at {}", self.endpoint);
        // The form of the last attempt, for `refusal` to keep its secrets out of messages.
        let sent = parking_lot::Mutex::new(Zeroizing::new(String::new()));
        let reply = self
            .send_with_retries(&what, || {
                let form = self.form(action, params, signer);
                let body = form.as_bytes().to_vec();
                *sent.lock() = form;
                self.http
                    .request(Method::POST, self.endpoint.clone())
                    .header(
                        reqwest::header::CONTENT_TYPE,
                        "application/x-www-form-urlencoded",
                    )
                    .body(body)
            })
            .await?;
        if reply.status != StatusCode::OK {
            return Err(refusal(&what, &reply, &sent.lock()));
        }
        let credential = parse_credentials(&reply.body)
            .map_err(|why| Error::new(ErrorKind::InvalidResponse, format!("{what}: {why}")))?;
        unexpired(&what, credential, self.clock.now())
    }

    /// A plain `GET` of `url` on this client's transport (the credentials URI source), with
    /// the same retries; `what` names it in errors.
    pub(crate) async fn get(&self, what: &str, url: &reqwest::Url) -> Result<Reply> {
        self.send_with_retries(what, || self.http.request(Method::GET, url.clone()))
            .await
    }

    /// The form body of one call: the common parameters, `params`, and for a signed call
    /// the signature parameters and the signature.
    fn form(
        &self,
        action: &str,
        params: &[(&str, &str)],
        signer: Option<&Credential>,
    ) -> Zeroizing<String> {
        let timestamp = format_timestamp(self.clock.now());
        let nonce = format!("{:032x}", fastrand::u128(..));
        let mut all: Vec<(&str, &str)> = vec![
            ("Action", action),
            ("Format", "JSON"),
            ("Version", API_VERSION),
            ("Timestamp", &timestamp),
        ];
        all.extend_from_slice(params);
        if let Some(signer) = signer {
            all.extend_from_slice(&[
                ("AccessKeyId", signer.access_key_id()),
                ("SignatureMethod", "HMAC-SHA1"),
                ("SignatureVersion", "1.0"),
                ("SignatureNonce", &nonce),
            ]);
            if signer.has_security_token() {
                all.push(("SecurityToken", signer.security_token()));
            }
        }
        let size: usize = all.iter().map(|(k, v)| k.len() + 3 * v.len() + 2).sum();
        let mut form = Zeroizing::new(String::with_capacity(size + 128));
        for (key, value) in &all {
            form_append(&mut form, key, value);
        }
        if let Some(signer) = signer {
            let signature = signature::rpc_v1("POST", &all, signer.access_key_secret());
            form_append(&mut form, "Signature", &signature);
        }
        form
    }

    async fn send_with_retries(
        &self,
        what: &str,
        build: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<Reply> {
        let mut attempt = 1;
        loop {
            let outcome = self.send_once(what, build()).await;
            let retry = match &outcome {
                Ok(reply) => reply.is_retryable(),
                Err(SendError::Retry(_)) => true,
                Err(SendError::Fatal(_)) => false,
            };
            if !retry || attempt >= MAX_ATTEMPTS {
                return match outcome {
                    Ok(reply) => Ok(reply),
                    Err(SendError::Retry(e)) if attempt > 1 => {
                        Err(e.note(format_args!("after {attempt} attempts")))
                    }
                    Err(SendError::Retry(e) | SendError::Fatal(e)) => Err(e),
                };
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
        // One connection per call (see `http::exchange`): the token went out through its
        // buffers and the secret came in.
        let reply = http::exchange(&self.http, &self.connects, request)
            .await
            .map_err(|failure| match failure {
                Failure::Build(e) => {
                    SendError::Fatal(Error::new(ErrorKind::InvalidConfig, root_cause(&e)))
                }
                Failure::TooLarge => SendError::Fatal(http::too_large(what)),
                Failure::Transport { error, connected } => self.classify(what, &error, connected),
            })?;
        tracing::debug!(request = %what, status = reply.status.as_u16(), "STS answered");
        Ok(reply)
    }

    /// Sorts a transport error. `connected`: a connection was established for this
    /// request; a connect that does not complete is "could not connect" whichever timer
    /// ended it.
    fn classify(&self, what: &str, e: &reqwest::Error, connected: bool) -> SendError {
        if let Some(tls) = find_tls_error(e) {
            return SendError::Fatal(Error::new(
                ErrorKind::Unreachable,
                format!(
                    "{what}: the TLS connection was refused ({tls}); the server's certificate \
                     must be valid for its name and issued by a trusted authority"
                ),
            ));
        }
        if e.is_connect() || (e.is_timeout() && !connected) {
            let how = if e.is_timeout() {
                let waited = self.config.connect_timeout.min(self.config.read_timeout);
                format!("no connection within {} ms", waited.as_millis())
            } else {
                root_cause(e)
            };
            SendError::Retry(Error::new(
                ErrorKind::Unreachable,
                format!("{what}: could not connect ({how}); check the STS endpoint and network"),
            ))
        } else if e.is_timeout() {
            SendError::Fatal(Error::timeout(what, self.config.read_timeout).note("read_timeout"))
        } else {
            SendError::Retry(Error::new(
                ErrorKind::Unreachable,
                format!("{what}: the connection was dropped ({})", root_cause(e)),
            ))
        }
    }
}

/// The rustls error behind a transport error, if the handshake failed.
fn find_tls_error(e: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(current) = cause {
        if let Some(tls) = current.downcast_ref::<rustls::Error>() {
            return Some(tls.to_string());
        }
        if let Some(io) = current.downcast_ref::<std::io::Error>() {
            if let Some(tls) = io.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
                return Some(tls.to_string());
            }
        }
        cause = current.source();
    }
    None
}

/// The error for a non-200 answer: STS's code and request id when it sent them, the HTTP
/// status, and its message only when it is plain text that cannot hold the request's
/// secret (`secret_form`: the form that was sent).
fn refusal(what: &str, reply: &Reply, secret_form: &Zeroizing<String>) -> Error {
    let status = reply.status;
    let answer = reply.error();
    let code = answer.code.filter(|c| is_code_like(c));
    let mut message = format!("{what} answered HTTP {}", status.as_u16());
    if let Some(code) = &code {
        message.push_str(&format!(", Code {code}"));
    }
    if let Some(id) = answer.request_id.filter(|id| is_code_like(id)) {
        message.push_str(&format!(", RequestId {id}"));
    }
    if let Some(text) = answer.message.filter(|m| is_safe_message(m, secret_form)) {
        message.push_str(&format!(": {text}"));
    }
    if status.is_server_error() || code.as_deref().is_some_and(|c| c.starts_with("Throttling")) {
        message.push_str(&format!(" (after {MAX_ATTEMPTS} attempts)"));
    }
    let kind = match code.as_deref() {
        Some(c) if c.starts_with("EntityNotExist.Role") => ErrorKind::RoleNotFound,
        _ if status.is_redirection() => ErrorKind::InvalidResponse,
        _ => ErrorKind::HttpStatus,
    };
    Error::new(kind, message).with_status(status.as_u16())
}

/// STS's `Message` is shown when it is short printable ASCII and holds no long run of the
/// form that was sent (the OIDC token lives there): STS messages explain a refusal, they
/// need not quote the request.
fn is_safe_message(message: &str, form: &str) -> bool {
    if message.is_empty()
        || message.len() > 300
        || !message.bytes().all(|b| (0x20..0x7f).contains(&b))
    {
        return false;
    }
    // Any 16-byte window of the message that also appears in the form could be a piece of
    // the token: then the message is withheld.
    let bytes = message.as_bytes();
    bytes.len() < 16
        || !bytes
            .windows(16)
            .any(|w| std::str::from_utf8(w).is_ok_and(|w| form.contains(w)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_values_are_percent_encoded() {
        let mut body = Zeroizing::new(String::new());
        form_append(&mut body, "RoleArn", "acs:ram::1:role/a b");
        form_append(&mut body, "Policy", "{\"x\":\"é&=\"}");
        assert_eq!(
            body.as_str(),
            "RoleArn=acs%3Aram%3A%3A1%3Arole%2Fa%20b&Policy=%7B%22x%22%3A%22%C3%A9%26%3D%22%7D"
        );
    }

    #[test]
    fn credentials_answer_is_parsed() {
        let body = br#"{"RequestId":"R","AssumedRoleUser":{"Arn":"a","AssumedRoleId":"i"},
            "Credentials":{"AccessKeyId":"STS.id","AccessKeySecret":"sec","SecurityToken":"tok",
            "Expiration":"2030-01-01T00:00:00Z"}}"#;
        let c = parse_credentials(body).unwrap();
        assert_eq!(c.access_key_id(), "STS.id");
        assert_eq!(c.security_token(), "tok");
        for bad in [
            &b"{"[..],
            br#"{"RequestId":"R"}"#,
            br#"{"Credentials":{"AccessKeyId":"a","AccessKeySecret":"s","SecurityToken":"t"}}"#,
            br#"{"Credentials":{"AccessKeyId":"a","AccessKeySecret":"s-secret","SecurityToken":"t","Expiration":"soon"}}"#,
        ] {
            let why = parse_credentials(bad).unwrap_err();
            assert!(!why.contains("s-secret"), "{why}");
        }
    }

    #[test]
    fn messages_quoting_the_form_are_withheld() {
        let form = "OIDCToken=eyJhbGciOiJSUzI1NiIsImtpZCI6IjEyMyJ9.payload";
        assert!(is_safe_message("The role arn is invalid.", form));
        assert!(!is_safe_message(
            "Invalid token eyJhbGciOiJSUzI1NiIsImtpZCI6IjEyMyJ9",
            form
        ));
        assert!(!is_safe_message("line\nbreak", form));
    }
}
