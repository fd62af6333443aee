//! A mock Alibaba Cloud STS: `AssumeRoleWithOIDC` (the OIDC source) and `AssumeRole` (a
//! RAM role assumed with an AccessKey or with an STS credential) over HTTPS on 127.0.0.1,
//! with a CA generated at start (its PEM from [`MockSts::ca_pem`]).
//!
//! - `POST /` (or `GET`) with the RPC parameters in the query and/or the form body, merged
//!   (`Action`, `Version=2015-04-01`, `Format=JSON`, `RoleArn`, `RoleSessionName`, optional
//!   `DurationSeconds` 900..=43200 and `Policy`).
//! - `AssumeRoleWithOIDC` also takes `OIDCProviderArn` and `OIDCToken`: a token other than
//!   the configured one → 400 `InvalidParameter.OIDCToken`.
//! - `AssumeRole` must be signed with RPC signature V1 (`AccessKeyId`,
//!   `SignatureMethod=HMAC-SHA1`, `SignatureVersion=1.0`, `SignatureNonce`, `Timestamp`
//!   `YYYY-MM-DDThh:mm:ssZ`, `Signature`, and `SecurityToken` when the signer is an STS
//!   credential), by an AccessKey of [`StsConfig::with_access_key`] or by a credential this
//!   mock issued (either action) presenting its own `SecurityToken`; optional `ExternalId`.
//!   Refusals: an unknown `AccessKeyId` → 404 `InvalidAccessKeyId.NotFound`; a bad
//!   signature → 400 `SignatureDoesNotMatch`; a missing or wrong `SecurityToken` for an
//!   issued credential (or one sent with a plain AccessKey) → 400
//!   `InvalidSecurityToken.MismatchWithAccessKey`; an issued credential past its
//!   expiration on the mock's clock → 400 `InvalidSecurityToken.Expired`; a `Timestamp`
//!   more than 15 minutes from the mock's clock → 400 `InvalidTimeStamp.Expired` (so
//!   after [`MockSts::advance`] by more than that, a client signing with real time is
//!   refused, as a client with a skewed clock would be), malformed → 400
//!   `InvalidTimeStamp.Format`; a `SignatureNonce` already used in a validly signed
//!   request → 400 `SignatureNonceUsed`; another `SignatureMethod` or `SignatureVersion`
//!   → 400 `InvalidSignatureMethod` / `InvalidSignatureVersion`.
//! - A missing parameter → 400 `Missing<Name>` (`MissingRoleArn`, `MissingOIDCToken`,
//!   `MissingSignatureNonce`, …); a bad duration → 400 `InvalidParameter.DurationSeconds`;
//!   another action → 400 `InvalidAction.NotFound`; another method → 405. Errors are
//!   STS's shape: `{"RequestId","HostId","Code","Message"}`; no token, secret or
//!   signature is ever echoed or logged.
//! - Success (either action): `{"RequestId","AssumedRoleUser":{"Arn","AssumedRoleId"},
//!   "Credentials":{"AccessKeyId","AccessKeySecret","SecurityToken","Expiration"}}`: a new
//!   credential at every call, valid for the configured lifetime (else `DurationSeconds`)
//!   from the mock's clock.
//!
//! Faults ([`Fault`], any target) make it misbehave: `status` (an STS error answer with that
//! HTTP status), `code` (400, 403 for `NoPermission*`, 404 for `EntityNotExist*`, with that
//! `Code`: `Throttling.User` for throttling), `delay`, `drop`, `malformed_json`, `expired`,
//! `expiration`, `redirect`, `huge_body`.
//!
//! The admin endpoint `/_mock/` (same port, HTTPS, not counted): `GET /_mock/counters`
//! ([`StsCounters`]), `POST /_mock/counters/reset`, `GET /_mock/requests`, `POST` and
//! `DELETE /_mock/faults`, `POST /_mock/clock` (`{"advance_secs":N}`), `POST /_mock/token`
//! (`{"token":"…"}`: the token accepted from now on), `GET /_mock/credentials` (every
//! credential issued, [`IssuedCredential`] with full secrets), `GET /_mock/ca` (the PEM).

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, LOCATION};
use hyper::{Method, Request, StatusCode};
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;
use tokio::sync::Notify;

use crate::body::{filler, json, Response};
use crate::clock::{format_utc, parse_utc, whole_seconds, MockClock};
use crate::faults::{Fault, FaultKind, Faults, RequestKind};
use crate::issuer::IssuedCredential;
use crate::random::{Seed, ALNUM, BASE64};
use crate::server::{accept_loop, serve_connection, Dropped, ServerThread};
use crate::signature;

/// Largest request body read (the form with a token is about 2 KiB).
const MAX_REQUEST: usize = 64 * 1024;
/// The request lines kept for [`MockSts::requests`].
const MAX_JOURNAL: usize = 4096;

/// How far a signed request's `Timestamp` may be from the mock's clock, either way.
const TIMESTAMP_SKEW: Duration = Duration::from_secs(15 * 60);

/// What a `MalformedJson` fault sends: valid JSON cut short.
const MALFORMED_JSON: &str = r#"{"RequestId":"x","Credentials":{"AccessKeyId":"STS.malformed","#;

/// How a [`MockSts`] starts.
#[derive(Clone)]
pub struct StsConfig {
    /// Port on 127.0.0.1; 0 (the default) picks a free one.
    pub port: u16,
    /// The OIDC token `AssumeRoleWithOIDC` accepts.
    pub token: String,
    /// Lifetime of the credentials issued; `None` (the default): `DurationSeconds`.
    pub lifetime: Option<Duration>,
    /// Faults armed at start, in order.
    pub faults: Vec<Fault>,
    /// The AccessKeys (`(id, secret)`) that may sign `AssumeRole`, besides the credentials
    /// the mock issues.
    pub access_keys: Vec<(String, String)>,
}

impl fmt::Debug for StsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StsConfig")
            .field("port", &self.port)
            .field("token", &"<redacted>")
            .field("lifetime", &self.lifetime)
            .field("faults", &self.faults)
            .field(
                "access_keys",
                &self
                    .access_keys
                    .iter()
                    .map(|(id, _)| id.as_str())
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl StsConfig {
    /// A mock STS accepting `token`.
    pub fn new(token: impl Into<String>) -> Self {
        Self {
            port: 0,
            token: token.into(),
            lifetime: None,
            faults: Vec::new(),
            access_keys: Vec::new(),
        }
    }

    /// Lets the AccessKey `id` / `secret` sign `AssumeRole` (any number of keys; a later
    /// one with the same id replaces the earlier).
    #[must_use]
    pub fn with_access_key(mut self, id: impl Into<String>, secret: impl Into<String>) -> Self {
        self.access_keys.push((id.into(), secret.into()));
        self
    }

    /// Issues credentials valid for `lifetime` whatever `DurationSeconds` asks.
    #[must_use]
    pub fn with_lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = Some(lifetime);
        self
    }

    /// Listens on `port` (0: any free one).
    #[must_use]
    pub fn with_port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Arms `fault` at start.
    #[must_use]
    pub fn with_fault(mut self, fault: Fault) -> Self {
        self.faults.push(fault);
        self
    }
}

/// Request counts of a [`MockSts`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StsCounters {
    /// STS requests received (not admin requests), whatever their outcome.
    pub requests: u64,
    /// Of those, calls that issued a credential (either action; faults not included).
    pub issued: u64,
    /// Of those, `AssumeRoleWithOIDC` calls that issued a credential.
    pub assume_role_with_oidc: u64,
    /// Of those, `AssumeRole` calls that issued a credential.
    pub assume_role: u64,
    /// Calls refused for their OIDC token.
    pub token_refusals: u64,
    /// `AssumeRole` calls refused for their signing: unknown AccessKey, bad signature,
    /// security token, timestamp, nonce, signature method or version.
    pub signature_refusals: u64,
    /// Most STS requests in progress at once.
    pub max_concurrent: u64,
}

#[derive(Default)]
struct Counting {
    requests: AtomicU64,
    issued: AtomicU64,
    assume_role_with_oidc: AtomicU64,
    assume_role: AtomicU64,
    token_refusals: AtomicU64,
    signature_refusals: AtomicU64,
    in_flight: AtomicU64,
    max_concurrent: AtomicU64,
}

struct InFlight<'a>(&'a Counting);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Counting {
    fn begin(&self) -> InFlight<'_> {
        self.requests.fetch_add(1, Ordering::SeqCst);
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_concurrent.fetch_max(now, Ordering::SeqCst);
        InFlight(self)
    }

    fn snapshot(&self) -> StsCounters {
        StsCounters {
            requests: self.requests.load(Ordering::SeqCst),
            issued: self.issued.load(Ordering::SeqCst),
            assume_role_with_oidc: self.assume_role_with_oidc.load(Ordering::SeqCst),
            assume_role: self.assume_role.load(Ordering::SeqCst),
            token_refusals: self.token_refusals.load(Ordering::SeqCst),
            signature_refusals: self.signature_refusals.load(Ordering::SeqCst),
            max_concurrent: self.max_concurrent.load(Ordering::SeqCst),
        }
    }

    fn reset(&self) {
        for counter in [
            &self.requests,
            &self.issued,
            &self.assume_role_with_oidc,
            &self.assume_role,
            &self.token_refusals,
            &self.signature_refusals,
        ] {
            counter.store(0, Ordering::SeqCst);
        }
        self.max_concurrent
            .store(self.in_flight.load(Ordering::SeqCst), Ordering::SeqCst);
    }
}

struct StsState {
    seed: Seed,
    token: Mutex<String>,
    lifetime: Option<Duration>,
    clock: MockClock,
    faults: Faults,
    counters: Counting,
    journal: Mutex<Vec<String>>,
    issued: Mutex<Vec<IssuedCredential>>,
    serial: AtomicU64,
    ca_pem: String,
    access_keys: HashMap<String, String>,
    /// The `SignatureNonce`s of the validly signed requests so far.
    nonces: Mutex<HashSet<String>>,
}

/// A running mock STS on 127.0.0.1 over HTTPS. Like [`crate::MockServer`]: its own thread
/// and runtime; after `fork()` the child must neither use nor drop the handle; dropping it
/// stops the server.
pub struct MockSts {
    state: Arc<StsState>,
    thread: ServerThread,
}

impl MockSts {
    /// Generates the CA and the server certificate (for `127.0.0.1` and `localhost`),
    /// binds `127.0.0.1:config.port` and starts serving.
    ///
    /// # Errors
    ///
    /// `InvalidInput` for an empty token; certificate generation, bind, runtime or thread
    /// failures.
    pub fn start(config: StsConfig) -> io::Result<MockSts> {
        if config.token.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "the mock STS needs a non-empty token",
            ));
        }
        let (ca_pem, tls) = tls_setup().map_err(io::Error::other)?;
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(tls));
        let faults = Faults::default();
        for fault in config.faults {
            faults.arm(fault);
        }
        let state = Arc::new(StsState {
            seed: Seed::random(),
            token: Mutex::new(config.token),
            lifetime: config.lifetime,
            clock: MockClock::new(),
            faults,
            counters: Counting::default(),
            journal: Mutex::new(Vec::new()),
            issued: Mutex::new(Vec::new()),
            serial: AtomicU64::new(0),
            ca_pem,
            access_keys: config.access_keys.into_iter().collect(),
            nonces: Mutex::new(HashSet::new()),
        });
        let thread = ServerThread::spawn(config.port, "ecscred-mock-sts", {
            let state = Arc::clone(&state);
            move |listener, shutdown| serve(listener, acceptor, state, shutdown)
        })?;
        Ok(MockSts { state, thread })
    }

    /// `https://127.0.0.1:PORT`, without a trailing slash.
    pub fn url(&self) -> String {
        format!("https://{}", self.thread.addr())
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.thread.addr().port()
    }

    /// The PEM of the CA that issued the server's certificate: trust it, and only in tests.
    pub fn ca_pem(&self) -> String {
        self.state.ca_pem.clone()
    }

    /// Accepts `token` from now on (and no longer the previous one): a rotated token file.
    pub fn set_token(&self, token: impl Into<String>) {
        *self.state.token.lock() = token.into();
    }

    /// A snapshot of the counters.
    pub fn counters(&self) -> StsCounters {
        self.state.counters.snapshot()
    }

    /// Zeroes the counters and forgets the request lines.
    pub fn reset_counters(&self) {
        self.state.counters.reset();
        self.state.journal.lock().clear();
    }

    /// One line per STS request, oldest first: the action, the non-secret parameters and
    /// the HTTP status, e.g. `"AssumeRoleWithOIDC RoleArn=… OIDCProviderArn=…
    /// RoleSessionName=… DurationSeconds=3600 token=accepted -> 200"` (the token only as
    /// accepted, refused or missing), or `"AssumeRole RoleArn=… RoleSessionName=…
    /// DurationSeconds=900 ExternalId=… Policy=<percent-encoded> AccessKeyId=…
    /// verdict=issued -> 200"` (the verdict is `issued` or the error code; never a
    /// secret, security token or signature).
    pub fn requests(&self) -> Vec<String> {
        self.state.journal.lock().clone()
    }

    /// Arms `fault` after those already armed.
    pub fn inject(&self, fault: Fault) {
        self.state.faults.arm(fault);
    }

    /// Disarms every fault.
    pub fn clear_faults(&self) {
        self.state.faults.clear();
    }

    /// Moves the mock's clock forward: expirations of the credentials issued from now on
    /// follow it.
    pub fn advance(&self, by: Duration) {
        self.state.clock.advance(by);
    }

    /// The mock's current time.
    pub fn now(&self) -> SystemTime {
        self.state.clock.now()
    }

    /// Every credential issued so far (in 200 answers, fault ones included), in order.
    pub fn issued(&self) -> Vec<IssuedCredential> {
        self.state.issued.lock().clone()
    }

    /// Stops serving and joins the server thread.
    pub fn stop(self) {}
}

impl fmt::Debug for MockSts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockSts")
            .field("addr", &self.thread.addr())
            .finish_non_exhaustive()
    }
}

/// A fresh CA and a server certificate it signed for 127.0.0.1 and localhost.
fn tls_setup() -> Result<(String, rustls::ServerConfig), String> {
    use rcgen::{
        BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair,
        KeyUsagePurpose,
    };
    let err = |e: rcgen::Error| format!("mock STS certificate: {e}");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(err)?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "ecscred mock STS CA (tests only)");
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca =
        CertifiedIssuer::self_signed(ca_params, KeyPair::generate().map_err(err)?).map_err(err)?;
    let mut leaf_params =
        CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .map_err(err)?;
    leaf_params
        .distinguished_name
        .push(DnType::CommonName, "ecscred mock STS");
    let leaf_key = KeyPair::generate().map_err(err)?;
    let leaf = leaf_params.signed_by(&leaf_key, &ca).map_err(err)?;
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(vec![leaf.der().clone()], key)
        .map_err(|e| e.to_string())?;
    Ok((ca.pem(), tls))
}

async fn serve(
    listener: TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
    state: Arc<StsState>,
    shutdown: Arc<Notify>,
) {
    accept_loop(listener, shutdown, |stream| {
        let (acceptor, state) = (acceptor.clone(), Arc::clone(&state));
        async move {
            // A refused handshake (an untrusting client) ends this connection only.
            let Ok(tls) = acceptor.accept(stream).await else {
                return;
            };
            serve_connection(tls, state, route).await;
        }
    })
    .await;
}

async fn route(state: Arc<StsState>, req: Request<Incoming>) -> Result<Response, Dropped> {
    if req.uri().path().starts_with("/_mock/") {
        return Ok(admin(&state, req).await);
    }
    let _in_flight = state.counters.begin();
    let fault = state.faults.take(RequestKind::Credential);
    if let Some(FaultKind::Delay(pause)) = &fault {
        tokio::time::sleep(*pause).await;
    }
    let (parts, body) = req.into_parts();
    let body = match Limited::new(body, MAX_REQUEST).collect().await {
        Ok(body) => body.to_bytes(),
        Err(_) => {
            return Ok(error(
                &state,
                400,
                "InvalidParameter",
                "the body is too large",
            ))
        }
    };
    let mut params: HashMap<String, String> = parse_form(parts.uri.query().unwrap_or(""));
    params.extend(parse_form(&String::from_utf8_lossy(&body)));
    let mut line = journal_line(&state, &params);
    let answer = match fault {
        None | Some(FaultKind::Delay(_)) => {
            if parts.method != Method::POST && parts.method != Method::GET {
                error(&state, 405, "UnsupportedHTTPMethod", "use POST")
            } else {
                let (answer, verdict) = action(&state, parts.method.as_str(), &params);
                if let Some(verdict) = verdict {
                    line.push_str(&format!(" verdict={verdict}"));
                }
                answer
            }
        }
        Some(FaultKind::Status(status)) => {
            let code = if status >= 500 {
                "InternalError"
            } else {
                "InvalidParameter"
            };
            error(&state, status, code, "armed fault")
        }
        Some(FaultKind::Code(code)) => {
            let status = if code.starts_with("NoPermission") {
                403
            } else if code.starts_with("EntityNotExist") {
                404
            } else {
                400
            };
            error(&state, status, &code, "armed fault")
        }
        Some(FaultKind::Drop) => {
            record(&state, format!("{line} fault=drop"));
            return Err(Dropped);
        }
        Some(FaultKind::MalformedJson) => json(StatusCode::OK, MALFORMED_JSON),
        Some(FaultKind::Expired) => {
            let now = state.clock.real_now() - Duration::from_secs(7200);
            success(
                &state,
                issue(&state, now, Duration::from_secs(3600)),
                None,
                None,
            )
        }
        Some(FaultKind::Expiration(text)) => {
            let credential = issue(&state, state.clock.now(), Duration::from_secs(3600));
            success(&state, credential, Some(&text), None)
        }
        Some(FaultKind::Redirect(location)) => {
            let mut response = error(&state, 302, "Redirect", "armed fault");
            if let Ok(location) = HeaderValue::try_from(location) {
                response.headers_mut().insert(LOCATION, location);
            }
            response
        }
        Some(FaultKind::HugeBody(len)) => filler(len as u64),
    };
    record(&state, format!("{line} -> {}", answer.status().as_u16()));
    Ok(answer)
}

fn record(state: &StsState, line: String) {
    let mut journal = state.journal.lock();
    if journal.len() >= MAX_JOURNAL {
        journal.remove(0);
    }
    journal.push(line);
}

/// The request's action and non-secret parameters; the OIDC token only as its verdict.
fn journal_line(state: &StsState, params: &HashMap<String, String>) -> String {
    let action = params.get("Action").cloned().unwrap_or_default();
    if action == "AssumeRole" {
        let mut line = action;
        for name in [
            "RoleArn",
            "RoleSessionName",
            "DurationSeconds",
            "ExternalId",
            "Policy",
            "AccessKeyId",
        ] {
            if let Some(value) = params.get(name) {
                // Encoded, so that a space in a policy cannot look like another field.
                line.push_str(&format!(" {name}={}", signature::percent_encode(value)));
            }
        }
        return line;
    }
    let mut line = action;
    for name in [
        "RoleArn",
        "OIDCProviderArn",
        "RoleSessionName",
        "DurationSeconds",
    ] {
        if let Some(value) = params.get(name) {
            line.push_str(&format!(" {name}={value}"));
        }
    }
    let verdict = match params.get("OIDCToken") {
        None => "missing",
        Some(t) if *t == *state.token.lock() => "accepted",
        Some(_) => "refused",
    };
    line.push_str(&format!(" token={verdict}"));
    line
}

/// Answers a fault-free STS request of `method`; for `AssumeRole`, also the journal's
/// verdict (`issued` or the error code).
fn action(
    state: &StsState,
    method: &str,
    params: &HashMap<String, String>,
) -> (Response, Option<String>) {
    let outcome = match params.get("Action").map(String::as_str) {
        Some("AssumeRoleWithOIDC") => assume_role_with_oidc(state, params),
        Some("AssumeRole") => {
            let outcome = assume_role(state, method, params);
            let verdict = match &outcome {
                Ok(_) => "issued".to_owned(),
                Err(refusal) => refusal.code.clone(),
            };
            return (render(state, outcome), Some(verdict));
        }
        Some(_) => Err(refuse(400, "InvalidAction.NotFound", "unknown action")),
        None => Err(refuse(400, "MissingAction", "Action is mandatory")),
    };
    (render(state, outcome), None)
}

fn render(state: &StsState, outcome: Result<Response, Refusal>) -> Response {
    outcome.unwrap_or_else(|r| error(state, r.status, &r.code, &r.message))
}

/// An STS error answer, before it is rendered.
#[derive(Debug)]
struct Refusal {
    status: u16,
    code: String,
    message: String,
}

fn refuse(status: u16, code: impl Into<String>, message: impl Into<String>) -> Refusal {
    Refusal {
        status,
        code: code.into(),
        message: message.into(),
    }
}

/// The checks both actions share: `Version`, `Format`, the mandatory `names`, and
/// `DurationSeconds` (returned, default 3600).
fn common_checks(params: &HashMap<String, String>, names: &[&str]) -> Result<u64, Refusal> {
    if params.get("Version").map(String::as_str) != Some("2015-04-01") {
        return Err(refuse(400, "InvalidVersion", "Version must be 2015-04-01"));
    }
    if params.get("Format").map(String::as_str) != Some("JSON") {
        return Err(refuse(
            400,
            "InvalidParameter.Format",
            "the mock answers JSON only",
        ));
    }
    for name in names {
        if params.get(*name).is_none_or(String::is_empty) {
            return Err(refuse(
                400,
                format!("Missing{name}"),
                format!("{name} is mandatory"),
            ));
        }
    }
    match params.get("DurationSeconds").map(|d| d.parse::<u64>()) {
        None => Ok(3600),
        Some(Ok(d)) if (900..=43_200).contains(&d) => Ok(d),
        Some(_) => Err(refuse(
            400,
            "InvalidParameter.DurationSeconds",
            "DurationSeconds must be 900 to 43200",
        )),
    }
}

/// `AssumeRole`: checks the RPC signature V1 and its signer, then issues a credential.
fn assume_role(
    state: &StsState,
    method: &str,
    params: &HashMap<String, String>,
) -> Result<Response, Refusal> {
    let duration = common_checks(
        params,
        &[
            "AccessKeyId",
            "SignatureMethod",
            "SignatureVersion",
            "SignatureNonce",
            "Timestamp",
            "Signature",
            "RoleArn",
            "RoleSessionName",
        ],
    )?;
    if let Err(refusal) = check_signer(state, method, params) {
        state
            .counters
            .signature_refusals
            .fetch_add(1, Ordering::SeqCst);
        return Err(refusal);
    }
    state.counters.issued.fetch_add(1, Ordering::SeqCst);
    state.counters.assume_role.fetch_add(1, Ordering::SeqCst);
    let lifetime = state.lifetime.unwrap_or(Duration::from_secs(duration));
    let credential = issue(state, state.clock.now(), lifetime);
    let session = &params["RoleSessionName"];
    let arn = format!("{}/{session}", params["RoleArn"]);
    let id = format!("300000000000000000:{session}");
    Ok(success(state, credential, None, Some((&arn, &id))))
}

/// Checks the signature method and version, the timestamp, the signer and its security
/// token, the signature, then records the nonce.
fn check_signer(
    state: &StsState,
    method: &str,
    params: &HashMap<String, String>,
) -> Result<(), Refusal> {
    if params["SignatureMethod"] != "HMAC-SHA1" {
        return Err(refuse(
            400,
            "InvalidSignatureMethod",
            "SignatureMethod must be HMAC-SHA1",
        ));
    }
    if params["SignatureVersion"] != "1.0" {
        return Err(refuse(
            400,
            "InvalidSignatureVersion",
            "SignatureVersion must be 1.0",
        ));
    }
    let now = state.clock.now();
    let Ok(timestamp) = parse_utc(&params["Timestamp"]) else {
        return Err(refuse(
            400,
            "InvalidTimeStamp.Format",
            "Timestamp must be YYYY-MM-DDThh:mm:ssZ",
        ));
    };
    let skew = now
        .duration_since(timestamp)
        .unwrap_or_else(|e| e.duration());
    if skew > TIMESTAMP_SKEW {
        return Err(refuse(
            400,
            "InvalidTimeStamp.Expired",
            "Specified time stamp or date value is expired.",
        ));
    }
    let id = &params["AccessKeyId"];
    let token = params.get("SecurityToken");
    let mismatch = || {
        refuse(
            400,
            "InvalidSecurityToken.MismatchWithAccessKey",
            "The SecurityToken does not match the AccessKeyId.",
        )
    };
    let secret = if let Some(secret) = state.access_keys.get(id) {
        if token.is_some() {
            return Err(mismatch());
        }
        secret.clone()
    } else {
        let issued = state
            .issued
            .lock()
            .iter()
            .find(|c| c.access_key_id == *id)
            .cloned();
        let Some(issued) = issued else {
            return Err(refuse(
                404,
                "InvalidAccessKeyId.NotFound",
                "Specified access key is not found.",
            ));
        };
        if token != Some(&issued.security_token) {
            return Err(mismatch());
        }
        if issued.expiration <= now {
            return Err(refuse(
                400,
                "InvalidSecurityToken.Expired",
                "Specified SecurityToken is expired.",
            ));
        }
        issued.access_key_secret
    };
    if !signature::verify(method, params, &secret) {
        return Err(refuse(
            400,
            "SignatureDoesNotMatch",
            "Specified signature is not matched with our calculation.",
        ));
    }
    if !state.nonces.lock().insert(params["SignatureNonce"].clone()) {
        return Err(refuse(
            400,
            "SignatureNonceUsed",
            "Specified signature nonce was used already.",
        ));
    }
    Ok(())
}

/// `AssumeRoleWithOIDC`: checks the token, then issues a credential.
fn assume_role_with_oidc(
    state: &StsState,
    params: &HashMap<String, String>,
) -> Result<Response, Refusal> {
    let duration = common_checks(
        params,
        &["RoleArn", "OIDCProviderArn", "OIDCToken", "RoleSessionName"],
    )?;
    if params.get("OIDCToken") != Some(&*state.token.lock()) {
        state.counters.token_refusals.fetch_add(1, Ordering::SeqCst);
        return Err(refuse(
            400,
            "InvalidParameter.OIDCToken",
            "Specified OIDC token is not valid.",
        ));
    }
    state.counters.issued.fetch_add(1, Ordering::SeqCst);
    state
        .counters
        .assume_role_with_oidc
        .fetch_add(1, Ordering::SeqCst);
    let lifetime = state.lifetime.unwrap_or(Duration::from_secs(duration));
    Ok(success(
        state,
        issue(state, state.clock.now(), lifetime),
        None,
        None,
    ))
}

/// A new credential issued at `at`, valid for `lifetime`; recorded.
fn issue(state: &StsState, at: SystemTime, lifetime: Duration) -> IssuedCredential {
    let n = state.serial.fetch_add(1, Ordering::SeqCst);
    let issued_at = whole_seconds(at);
    let credential = IssuedCredential {
        access_key_id: format!("STS.{}", state.seed.text("sts-id", n, ALNUM, 28)),
        access_key_secret: state.seed.text("sts-secret", n, ALNUM, 44),
        security_token: format!("{}==", state.seed.text("sts-token", n, BASE64, 510)),
        expiration: issued_at + lifetime,
        last_updated: issued_at,
    };
    state.issued.lock().push(credential.clone());
    credential
}

/// The success answer for `c`; `expiration` replaces its `Expiration` text, `user` (`Arn`,
/// `AssumedRoleId`) the fixed `AssumedRoleUser`.
fn success(
    state: &StsState,
    c: IssuedCredential,
    expiration: Option<&str>,
    user: Option<(&str, &str)>,
) -> Response {
    let (arn, id) = user.unwrap_or((
        "acs:ram::1234567890:role/mock/ecscred",
        "300000000000000000:ecscred",
    ));
    let body = serde_json::json!({
        "RequestId": request_id(state),
        "AssumedRoleUser": {
            "Arn": arn,
            "AssumedRoleId": id,
        },
        "Credentials": {
            "AccessKeyId": c.access_key_id,
            "AccessKeySecret": c.access_key_secret,
            "SecurityToken": c.security_token,
            "Expiration": expiration.map_or_else(|| format_utc(c.expiration), str::to_owned),
        },
    });
    json(StatusCode::OK, body.to_string())
}

fn error(state: &StsState, status: u16, code: &str, message: &str) -> Response {
    let body = serde_json::json!({
        "RequestId": request_id(state),
        "HostId": "sts.aliyuncs.com",
        "Code": code,
        "Message": message,
    });
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    json(status, body.to_string())
}

fn request_id(state: &StsState) -> String {
    let n = state.serial.load(Ordering::SeqCst);
    let hex = state.seed.text("request-id", n, b"0123456789ABCDEF", 32);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// Parses `a=b&c=d` with `+` and percent-decoding; malformed escapes are kept as text.
fn parse_form(text: &str) -> HashMap<String, String> {
    fn hex(b: u8) -> Option<u8> {
        (b as char).to_digit(16).map(|d| d as u8)
    }
    fn decode(s: &str) -> String {
        let bytes = s.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'+' => out.push(b' '),
                b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    (Some(hi), Some(lo)) => {
                        out.push(hi << 4 | lo);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                },
                b => out.push(b),
            }
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    }
    text.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) => (decode(k), decode(v)),
            None => (decode(pair), String::new()),
        })
        .collect()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockBody {
    advance_secs: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenBody {
    token: String,
}

async fn admin(state: &StsState, req: Request<Incoming>) -> Response {
    let (parts, body) = req.into_parts();
    let body = match Limited::new(body, MAX_REQUEST).collect().await {
        Ok(body) => body.to_bytes(),
        Err(_) => return admin_error(400, "body too large"),
    };
    let done = || json(StatusCode::OK, r#"{"ok":true}"#);
    let to_json = |v: &dyn erased::Json| json(StatusCode::OK, v.to_json());
    match (&parts.method, parts.uri.path()) {
        (&Method::GET, "/_mock/counters") => to_json(&state.counters.snapshot()),
        (&Method::POST, "/_mock/counters/reset") => {
            state.counters.reset();
            state.journal.lock().clear();
            done()
        }
        (&Method::GET, "/_mock/requests") => to_json(&state.journal.lock().clone()),
        (&Method::GET, "/_mock/credentials") => to_json(&state.issued.lock().clone()),
        (&Method::GET, "/_mock/ca") => json(
            StatusCode::OK,
            serde_json::json!({ "pem": state.ca_pem }).to_string(),
        ),
        (&Method::POST, "/_mock/faults") => match Fault::from_json(&String::from_utf8_lossy(&body))
        {
            Ok(fault) => {
                state.faults.arm(fault);
                done()
            }
            Err(e) => admin_error(400, &e),
        },
        (&Method::DELETE, "/_mock/faults") => {
            state.faults.clear();
            done()
        }
        (&Method::POST, "/_mock/clock") => match serde_json::from_slice::<ClockBody>(&body) {
            Ok(c) if c.advance_secs.is_finite() && c.advance_secs >= 0.0 => {
                state.clock.advance(Duration::from_secs_f64(c.advance_secs));
                json(
                    StatusCode::OK,
                    serde_json::json!({ "now": format_utc(state.clock.now()) }).to_string(),
                )
            }
            Ok(_) => admin_error(400, "advance_secs must be a finite number >= 0"),
            Err(e) => admin_error(400, &e.to_string()),
        },
        (&Method::POST, "/_mock/token") => match serde_json::from_slice::<TokenBody>(&body) {
            Ok(t) if !t.token.is_empty() => {
                *state.token.lock() = t.token;
                done()
            }
            Ok(_) => admin_error(400, "token must not be empty"),
            Err(e) => admin_error(400, &e.to_string()),
        },
        _ => admin_error(404, "unknown admin path"),
    }
}

fn admin_error(status: u16, message: &str) -> Response {
    json(
        StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
        serde_json::json!({ "error": message }).to_string(),
    )
}

mod erased {
    /// Serializes any admin answer without a generic closure.
    pub(super) trait Json {
        fn to_json(&self) -> String;
    }

    impl<T: serde::Serialize> Json for T {
        fn to_json(&self) -> String {
            serde_json::to_string(self).unwrap_or_else(|_| "null".to_owned())
        }
    }
}

#[cfg(test)]
#[path = "sts_tests.rs"]
mod sts_tests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_are_decoded() {
        let p = parse_form("a=b%2Fc&d=e+f&g&h=%zz&i=%4");
        assert_eq!(p["a"], "b/c");
        assert_eq!(p["d"], "e f");
        assert_eq!(p["g"], "");
        assert_eq!(p["h"], "%zz");
        assert_eq!(p["i"], "%4");
    }
}
