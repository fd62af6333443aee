//! The mock credentials URI server over real loopback HTTP.

use std::time::Duration;

use ecscred_mock::{format_utc, Fault, FaultKind, MockCredentialsUri, UriConfig, UriCounters};

use crate::client::{request, Reply};

fn get(uri: &MockCredentialsUri, path: &str) -> Reply {
    request(uri.port(), "GET", path, &[], "").expect("GET answered")
}

#[test]
fn serves_the_current_credential_as_flat_json() {
    let uri = MockCredentialsUri::start(UriConfig::default()).unwrap();
    assert_eq!(
        uri.url(),
        format!("http://127.0.0.1:{}/credentials", uri.port())
    );
    let reply = get(&uri, "/credentials");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    let body = reply.json();
    let current = uri.current_credential();
    assert_eq!(body["Code"], "Success");
    assert_eq!(body["AccessKeyId"], current.access_key_id.as_str());
    assert!(current.access_key_id.starts_with("STS."));
    assert_eq!(body["AccessKeySecret"], current.access_key_secret.as_str());
    assert_eq!(body["SecurityToken"], current.security_token.as_str());
    assert_eq!(body["Expiration"], format_utc(current.expiration).as_str());
    assert_eq!(
        current.expiration,
        current.last_updated + Duration::from_secs(3600)
    );
    assert_eq!(uri.issued(), [current]);
    assert_eq!(
        uri.counters(),
        UriCounters {
            requests: 1,
            credential_gets: 1,
            max_concurrent: 1
        }
    );
    assert_eq!(uri.requests(), ["GET /credentials"]);
}

#[test]
fn other_paths_and_methods_are_refused() {
    let uri = MockCredentialsUri::start(UriConfig::default().with_path("/v1/creds")).unwrap();
    assert!(uri.url().ends_with("/v1/creds"));
    assert_eq!(get(&uri, "/credentials").status, 404);
    let post = request(uri.port(), "POST", "/v1/creds", &[], "").unwrap();
    assert_eq!(
        (post.status, post.text()),
        (405, "405 - Method Not Allowed")
    );
    assert_eq!(get(&uri, "/v1/creds").status, 200);
    let c = uri.counters();
    assert_eq!((c.requests, c.credential_gets), (3, 1));
    assert!(MockCredentialsUri::start(UriConfig::default().with_path("nope")).is_err());
}

#[test]
fn credentials_rotate_on_the_mock_clock() {
    let uri = MockCredentialsUri::start(
        UriConfig::default()
            .with_lifetime(Duration::from_secs(900))
            .with_rotate_before(Duration::from_secs(300)),
    )
    .unwrap();
    let first = get(&uri, "/credentials").json();
    assert_eq!(get(&uri, "/credentials").json(), first);
    uri.advance(Duration::from_secs(600));
    let second = get(&uri, "/credentials").json();
    assert_ne!(second["AccessKeyId"], first["AccessKeyId"]);
    assert_eq!(uri.issued().len(), 2);
    assert_eq!(
        uri.issued()[1].expiration,
        uri.issued()[0].expiration + Duration::from_secs(600)
    );
}

#[test]
fn faults_misbehave_like_the_metadata_service() {
    let uri = MockCredentialsUri::start(UriConfig::default()).unwrap();
    uri.inject(Fault::new(FaultKind::Status(503)).times(1));
    uri.inject(Fault::new(FaultKind::Code("Failure".into())).times(1));
    uri.inject(Fault::new(FaultKind::MalformedJson).times(1));
    uri.inject(Fault::new(FaultKind::Expired).times(1));
    uri.inject(Fault::new(FaultKind::HugeBody(70_000)).times(1));
    uri.inject(Fault::new(FaultKind::Drop).times(1));

    let status = get(&uri, "/credentials");
    assert_eq!(
        (status.status, status.text()),
        (503, "503 - Service Unavailable")
    );
    let code = get(&uri, "/credentials").json();
    assert_eq!(code["Code"], "Failure");
    assert!(code["AccessKeyId"].as_str().unwrap().starts_with("STS."));
    let malformed = get(&uri, "/credentials");
    assert_eq!(malformed.status, 200);
    assert!(serde_json::from_slice::<serde_json::Value>(&malformed.body).is_err());
    let expired = get(&uri, "/credentials").json();
    let expiration = ecscred_mock::parse_utc(expired["Expiration"].as_str().unwrap()).unwrap();
    assert!(expiration < uri.now());
    assert_eq!(get(&uri, "/credentials").body.len(), 70_000);
    let dropped = request(uri.port(), "GET", "/credentials", &[], "");
    assert_eq!(
        dropped.unwrap_err().kind(),
        std::io::ErrorKind::UnexpectedEof
    );
    assert_eq!(get(&uri, "/credentials").json()["Code"], "Success");
    assert_eq!(uri.counters().credential_gets, 7);
}

#[test]
fn the_admin_endpoint_drives_it_without_metadata_paths() {
    let uri = MockCredentialsUri::start(UriConfig::default()).unwrap();
    let admin = |method: &str, path: &str, body: &str| {
        request(uri.port(), method, path, &[], body).expect("admin answered")
    };
    let armed = admin(
        "POST",
        "/_mock/faults",
        r#"{"kind":"status","status":500,"count":1}"#,
    );
    assert_eq!(armed.status, 200, "{}", armed.text());
    assert_eq!(get(&uri, "/credentials").status, 500);
    let before = get(&uri, "/credentials").json();
    assert_eq!(
        admin("POST", "/_mock/clock", r#"{"advance_secs":3600}"#).status,
        200
    );
    assert_ne!(
        get(&uri, "/credentials").json()["AccessKeyId"],
        before["AccessKeyId"]
    );
    let counters = admin("GET", "/_mock/counters", "").json();
    assert_eq!(counters["credential_gets"], 3);
    assert!(counters.get("token_puts").is_none());
    assert_eq!(
        admin("GET", "/_mock/credentials", "")
            .json()
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        admin("GET", "/_mock/requests", "")
            .json()
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert_eq!(admin("POST", "/_mock/counters/reset", "").status, 200);
    assert_eq!(uri.counters(), UriCounters::default());
    assert_eq!(
        admin("POST", "/_mock/mode", r#"{"mode":"hardened"}"#).status,
        404
    );
    assert_eq!(admin("GET", "/_mock/tokens", "").status, 404);
    assert_eq!(admin("PUT", "/_mock/counters", "").status, 405);
    assert_eq!(uri.counters().requests, 0);
}
