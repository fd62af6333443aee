//! `AssumeRole` over real HTTPS: signing, signers, refusals, the journal and counters.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};

use super::*;
use crate::signature::{percent_encode, sign};

const ROLE: &str = "acs:ram::1234567890:role/chained";
const KEY_ID: &str = "LTAI5tMockKeyId";
const KEY_SECRET: &str = "mock-secret-XYZ";

fn sts() -> MockSts {
    MockSts::start(StsConfig::new("oidc-token").with_access_key(KEY_ID, KEY_SECRET)).unwrap()
}

/// Sends `method /?query` with `body` as a form over TLS trusting the mock's CA; returns
/// the status and the JSON body.
fn send(sts: &MockSts, method: &str, query: &str, body: &str) -> (u16, serde_json::Value) {
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(sts.ca_pem().as_bytes()).unwrap())
        .unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = ServerName::try_from("127.0.0.1").unwrap();
    let tls = rustls::ClientConnection::new(Arc::new(config), name).unwrap();
    let tcp = TcpStream::connect(("127.0.0.1", sts.port())).unwrap();
    // A guard against hanging forever, not a timing assertion.
    tcp.set_read_timeout(Some(Duration::from_secs(120)))
        .unwrap();
    let mut stream = rustls::StreamOwned::new(tls, tcp);
    let target = if query.is_empty() {
        "/".to_owned()
    } else {
        format!("/?{query}")
    };
    write!(
        stream,
        "{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = Vec::new();
    // The server closes without close_notify at times: keep what was read.
    let _ = stream.read_to_end(&mut answer);
    let answer = String::from_utf8(answer).unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, serde_json::from_str(body).unwrap_or_default())
}

fn form(params: &HashMap<String, String>) -> String {
    let mut pairs: Vec<_> = params.iter().collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The parameters of an AssumeRole request by `id`, unsigned, timestamped on the mock's
/// clock, with a fresh nonce.
fn unsigned(sts: &MockSts, id: &str, token: Option<&str>) -> HashMap<String, String> {
    static NONCE: AtomicU64 = AtomicU64::new(0);
    let mut p: HashMap<String, String> = [
        ("Action", "AssumeRole"),
        ("Version", "2015-04-01"),
        ("Format", "JSON"),
        ("AccessKeyId", id),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureVersion", "1.0"),
        ("RoleArn", ROLE),
        ("RoleSessionName", "session-1"),
        ("DurationSeconds", "900"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    p.insert("Timestamp".into(), format_utc(sts.now()));
    p.insert(
        "SignatureNonce".into(),
        format!("nonce-{}", NONCE.fetch_add(1, Ordering::SeqCst)),
    );
    if let Some(token) = token {
        p.insert("SecurityToken".into(), token.to_owned());
    }
    p
}

fn signed(mut p: HashMap<String, String>, method: &str, secret: &str) -> HashMap<String, String> {
    let signature = sign(method, &p, secret);
    p.insert("Signature".into(), signature);
    p
}

fn post(sts: &MockSts, p: &HashMap<String, String>) -> (u16, serde_json::Value) {
    send(sts, "POST", "", &form(p))
}

fn assume(sts: &MockSts, id: &str, secret: &str, token: Option<&str>) -> (u16, serde_json::Value) {
    post(sts, &signed(unsigned(sts, id, token), "POST", secret))
}

fn code(answer: &(u16, serde_json::Value)) -> (u16, &str) {
    (answer.0, answer.1["Code"].as_str().unwrap_or(""))
}

#[test]
fn an_access_key_assumes_a_role() {
    let sts = sts();
    let (status, body) = assume(&sts, KEY_ID, KEY_SECRET, None);
    assert_eq!(status, 200, "{body}");
    let c = &body["Credentials"];
    let issued = sts.issued();
    assert_eq!(issued.len(), 1);
    assert_eq!(c["AccessKeyId"], issued[0].access_key_id.as_str());
    assert_eq!(c["AccessKeySecret"], issued[0].access_key_secret.as_str());
    assert_eq!(c["SecurityToken"], issued[0].security_token.as_str());
    assert_eq!(c["Expiration"], format_utc(issued[0].expiration).as_str());
    assert_eq!(
        issued[0].expiration,
        issued[0].last_updated + Duration::from_secs(900)
    );
    assert_eq!(body["AssumedRoleUser"]["Arn"], format!("{ROLE}/session-1"));
    assert!(body["RequestId"].is_string());
    let counters = sts.counters();
    assert_eq!(
        (counters.requests, counters.issued, counters.assume_role),
        (1, 1, 1)
    );
    assert_eq!(counters.assume_role_with_oidc, 0);

    // A new credential at every call.
    let (status, again) = assume(&sts, KEY_ID, KEY_SECRET, None);
    assert_eq!(status, 200);
    assert_ne!(again["Credentials"]["AccessKeyId"], c["AccessKeyId"]);
}

#[test]
fn parameters_merge_from_query_and_body_and_get_works() {
    let sts = sts();
    let p = signed(unsigned(&sts, KEY_ID, None), "POST", KEY_SECRET);
    let (in_query, in_body): (HashMap<_, _>, HashMap<_, _>) =
        p.into_iter().partition(|(k, _)| k.starts_with('S'));
    let answer = send(&sts, "POST", &form(&in_query), &form(&in_body));
    assert_eq!(answer.0, 200, "{}", answer.1);

    let p = signed(unsigned(&sts, KEY_ID, None), "GET", KEY_SECRET);
    assert_eq!(send(&sts, "GET", &form(&p), "").0, 200);
    // Signed for GET, sent as POST.
    let p = signed(unsigned(&sts, KEY_ID, None), "GET", KEY_SECRET);
    assert_eq!(code(&post(&sts, &p)), (400, "SignatureDoesNotMatch"));
}

#[test]
fn unknown_keys_and_bad_signatures_are_refused() {
    let sts = sts();
    let unknown = assume(&sts, "LTAIunknown", KEY_SECRET, None);
    assert_eq!(code(&unknown), (404, "InvalidAccessKeyId.NotFound"));
    let wrong = assume(&sts, KEY_ID, "not-the-secret", None);
    assert_eq!(code(&wrong), (400, "SignatureDoesNotMatch"));
    // Altered after signing.
    let mut p = signed(unsigned(&sts, KEY_ID, None), "POST", KEY_SECRET);
    p.insert("RoleSessionName".into(), "other".into());
    assert_eq!(code(&post(&sts, &p)), (400, "SignatureDoesNotMatch"));
    let mut p = unsigned(&sts, KEY_ID, None);
    p.insert("SignatureMethod".into(), "HMAC-SHA256".into());
    let p = signed(p, "POST", KEY_SECRET);
    assert_eq!(code(&post(&sts, &p)), (400, "InvalidSignatureMethod"));
    // A plain AccessKey with a security token.
    let token = assume(&sts, KEY_ID, KEY_SECRET, Some("forged"));
    assert_eq!(
        code(&token),
        (400, "InvalidSecurityToken.MismatchWithAccessKey")
    );
    let counters = sts.counters();
    assert_eq!((counters.signature_refusals, counters.issued), (5, 0));

    let unsigned = unsigned(&sts, KEY_ID, None);
    assert_eq!(code(&post(&sts, &unsigned)), (400, "MissingSignature"));
    assert_eq!(sts.counters().signature_refusals, 5);
}

#[test]
fn issued_credentials_sign_with_their_security_token() {
    let sts = sts();
    let (_, first) = assume(&sts, KEY_ID, KEY_SECRET, None);
    let c = &first["Credentials"];
    let (id, secret, token) = (
        c["AccessKeyId"].as_str().unwrap(),
        c["AccessKeySecret"].as_str().unwrap(),
        c["SecurityToken"].as_str().unwrap(),
    );
    let chained = assume(&sts, id, secret, Some(token));
    assert_eq!(chained.0, 200, "{}", chained.1);
    assert_ne!(chained.1["Credentials"]["AccessKeyId"], id);

    for bad in [None, Some("not-the-token")] {
        assert_eq!(
            code(&assume(&sts, id, secret, bad)),
            (400, "InvalidSecurityToken.MismatchWithAccessKey")
        );
    }

    // A credential of AssumeRoleWithOIDC signs too.
    let oidc = send(
        &sts,
        "POST",
        "",
        "Action=AssumeRoleWithOIDC&Version=2015-04-01&Format=JSON&RoleArn=r&\
         OIDCProviderArn=p&OIDCToken=oidc-token&RoleSessionName=s",
    );
    assert_eq!(oidc.0, 200);
    let c = &oidc.1["Credentials"];
    let (id, secret, token) = (
        c["AccessKeyId"].as_str().unwrap(),
        c["AccessKeySecret"].as_str().unwrap(),
        c["SecurityToken"].as_str().unwrap(),
    );
    assert_eq!(assume(&sts, id, secret, Some(token)).0, 200);

    // Once expired on the mock's clock, no longer (the request is timed on that clock).
    sts.advance(Duration::from_secs(3601));
    assert_eq!(
        code(&assume(&sts, id, secret, Some(token))),
        (400, "InvalidSecurityToken.Expired")
    );
    let counters = sts.counters();
    assert_eq!(
        (
            counters.assume_role,
            counters.assume_role_with_oidc,
            counters.issued
        ),
        (3, 1, 4)
    );
}

#[test]
fn nonces_and_timestamps_are_checked() {
    let sts = sts();
    let p = signed(unsigned(&sts, KEY_ID, None), "POST", KEY_SECRET);
    assert_eq!(post(&sts, &p).0, 200);
    assert_eq!(code(&post(&sts, &p)), (400, "SignatureNonceUsed"));

    for offset in [-(16 * 60), 16 * 60] {
        let mut p = unsigned(&sts, KEY_ID, None);
        let at = if offset < 0 {
            sts.now() - Duration::from_secs(16 * 60)
        } else {
            sts.now() + Duration::from_secs(16 * 60)
        };
        p.insert("Timestamp".into(), format_utc(at));
        let p = signed(p, "POST", KEY_SECRET);
        assert_eq!(code(&post(&sts, &p)), (400, "InvalidTimeStamp.Expired"));
    }
    let mut p = unsigned(&sts, KEY_ID, None);
    p.insert("Timestamp".into(), "2026-12-02 10:00:00".into());
    let p = signed(p, "POST", KEY_SECRET);
    assert_eq!(code(&post(&sts, &p)), (400, "InvalidTimeStamp.Format"));

    // Signed with real time after the mock's clock moved 20 minutes on.
    let p = signed(unsigned(&sts, KEY_ID, None), "POST", KEY_SECRET);
    sts.advance(Duration::from_secs(20 * 60));
    assert_eq!(code(&post(&sts, &p)), (400, "InvalidTimeStamp.Expired"));
    assert_eq!(sts.counters().signature_refusals, 5);
}

#[test]
fn role_parameters_are_checked_and_durations_honoured() {
    let sts = sts();
    for (name, code_) in [
        ("RoleArn", "MissingRoleArn"),
        ("RoleSessionName", "MissingRoleSessionName"),
    ] {
        let mut p = unsigned(&sts, KEY_ID, None);
        p.remove(name);
        let p = signed(p, "POST", KEY_SECRET);
        assert_eq!(code(&post(&sts, &p)), (400, code_));
    }
    for duration in ["899", "43201", "x"] {
        let mut p = unsigned(&sts, KEY_ID, None);
        p.insert("DurationSeconds".into(), duration.into());
        let p = signed(p, "POST", KEY_SECRET);
        assert_eq!(
            code(&post(&sts, &p)),
            (400, "InvalidParameter.DurationSeconds")
        );
    }
    let mut p = unsigned(&sts, KEY_ID, None);
    p.insert("DurationSeconds".into(), "43200".into());
    p.insert("ExternalId".into(), "ext-42".into());
    p.insert("Policy".into(), r#"{"Version": "1"}"#.into());
    let p = signed(p, "POST", KEY_SECRET);
    assert_eq!(post(&sts, &p).0, 200);
    let c = sts.issued().pop().unwrap();
    assert_eq!(c.expiration, c.last_updated + Duration::from_secs(43_200));

    let fixed = MockSts::start(
        StsConfig::new("t")
            .with_access_key(KEY_ID, KEY_SECRET)
            .with_lifetime(Duration::from_secs(60)),
    )
    .unwrap();
    assert_eq!(assume(&fixed, KEY_ID, KEY_SECRET, None).0, 200);
    let c = fixed.issued().pop().unwrap();
    assert_eq!(c.expiration, c.last_updated + Duration::from_secs(60));
}

#[test]
fn the_journal_keeps_no_secret() {
    let sts = sts();
    let mut p = unsigned(&sts, KEY_ID, None);
    p.insert("ExternalId".into(), "ext-42".into());
    p.insert("Policy".into(), r#"{"Version": "1"}"#.into());
    let p = signed(p, "POST", KEY_SECRET);
    let (_, body) = post(&sts, &p);
    let c = &body["Credentials"];
    let chained = assume(
        &sts,
        c["AccessKeyId"].as_str().unwrap(),
        "wrong-secret",
        c["SecurityToken"].as_str(),
    );
    assert_eq!(code(&chained), (400, "SignatureDoesNotMatch"));
    let lines = sts.requests();
    assert_eq!(
        lines[0],
        format!(
            "AssumeRole RoleArn={} RoleSessionName=session-1 DurationSeconds=900 \
             ExternalId=ext-42 Policy=%7B%22Version%22%3A%20%221%22%7D AccessKeyId={KEY_ID} \
             verdict=issued -> 200",
            percent_encode(ROLE)
        )
    );
    assert!(lines[1].ends_with("verdict=SignatureDoesNotMatch -> 400"));
    let all = lines.join("\n");
    for secret in [
        KEY_SECRET,
        c["AccessKeySecret"].as_str().unwrap(),
        c["SecurityToken"].as_str().unwrap(),
        p["Signature"].as_str(),
    ] {
        assert!(!all.contains(secret), "{all}");
    }
    let config = StsConfig::new("oidc-token").with_access_key(KEY_ID, KEY_SECRET);
    let debug = format!("{config:?}");
    assert!(
        debug.contains(KEY_ID) && !debug.contains(KEY_SECRET),
        "{debug}"
    );
}

#[test]
fn faults_apply_to_assume_role() {
    let sts = sts();
    sts.inject(Fault::new(FaultKind::Status(503)).times(1));
    assert_eq!(assume(&sts, KEY_ID, KEY_SECRET, None).0, 503);
    sts.inject(Fault::new(FaultKind::Code("Throttling.User".into())).times(1));
    assert_eq!(
        code(&assume(&sts, KEY_ID, KEY_SECRET, None)),
        (400, "Throttling.User")
    );
    assert_eq!(assume(&sts, KEY_ID, KEY_SECRET, None).0, 200);
    assert_eq!(sts.counters().assume_role, 1);
}
