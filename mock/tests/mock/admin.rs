//! The `/_mock/` admin endpoint.

use std::time::Duration;

use ecscred_mock::{parse_utc, Counters, IssuedCredential, MockConfig, MockServer, Mode};
use serde_json::json;

use crate::client::*;

fn start() -> MockServer {
    MockServer::start(MockConfig::default()).unwrap()
}

#[test]
fn counters_are_served_as_json_and_admin_requests_are_not_counted() {
    let server = start();
    token(&server);
    get(&server, ROLES);
    get(&server, CREDENTIAL);
    get(&server, "/nowhere");
    let reply = admin(&server, "GET", "/_mock/counters", "");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert_eq!(
        reply.json(),
        json!({"token_puts": 1, "role_gets": 1, "credential_gets": 1, "requests": 4, "max_concurrent": 1})
    );
    assert_eq!(
        admin(&server, "POST", "/_mock/counters/reset", "").json(),
        json!({"ok": true})
    );
    assert_eq!(server.counters(), Counters::default());
}

#[test]
fn faults_are_armed_and_cleared_over_http() {
    let server = start();
    let body = r#"{"kind":"status","status":500,"target":"credential","count":2}"#;
    assert_eq!(admin(&server, "POST", "/_mock/faults", body).status, 200);
    assert_eq!(
        admin(
            &server,
            "POST",
            "/_mock/faults",
            r#"{"kind":"code","code":"Failure"}"#
        )
        .status,
        200
    );
    assert_eq!(get(&server, ROLES).status, 200);
    assert_eq!(get(&server, CREDENTIAL).status, 500);
    assert_eq!(get(&server, CREDENTIAL).status, 500);
    assert_eq!(get(&server, CREDENTIAL).json()["Code"], "Failure");
    assert_eq!(admin(&server, "DELETE", "/_mock/faults", "").status, 200);
    assert_eq!(get(&server, CREDENTIAL).json()["Code"], "Success");
}

#[test]
fn bad_bodies_answer_400_with_a_message() {
    let server = start();
    for (path, body) in [
        ("/_mock/faults", "{not json"),
        ("/_mock/faults", r#"{"kind":"explode"}"#),
        ("/_mock/faults", r#"{"kind":"status"}"#),
        (
            "/_mock/faults",
            r#"{"kind":"delay","ms":5,"target":"nowhere"}"#,
        ),
        ("/_mock/mode", r#"{"mode":"paranoid"}"#),
        ("/_mock/mode", ""),
        ("/_mock/clock", r#"{"advance_secs":-1}"#),
        ("/_mock/clock", r#"{"advance_secs":"soon"}"#),
    ] {
        let reply = admin(&server, "POST", path, body);
        assert_eq!(reply.status, 400, "{path} {body}");
        let message = reply.json()["error"].as_str().unwrap().to_owned();
        assert!(!message.is_empty(), "{path} {body}");
    }
    // Nothing was armed.
    assert_eq!(get(&server, CREDENTIAL).status, 200);
}

#[test]
fn mode_is_switched_over_http() {
    let server = start();
    assert_eq!(
        admin(&server, "POST", "/_mock/mode", r#"{"mode":"hardened"}"#).status,
        200
    );
    assert_eq!(get(&server, ROLES).status, 403);
    server.set_mode(Mode::V1Only);
    assert_eq!(put_token(&server, "60").status, 404);
    assert_eq!(
        admin(&server, "POST", "/_mock/mode", r#"{"mode":"normal"}"#).status,
        200
    );
    assert_eq!(get(&server, ROLES).status, 200);
}

#[test]
fn clock_advance_drives_rotation_and_reports_the_new_time() {
    let server = start();
    let first = server.current_credential();
    let half = admin(&server, "POST", "/_mock/clock", r#"{"advance_secs":0.5}"#);
    assert_eq!(half.status, 200);
    let reply = admin(&server, "POST", "/_mock/clock", r#"{"advance_secs":19800}"#);
    let now = parse_utc(reply.json()["now"].as_str().unwrap()).unwrap();
    assert!(now >= first.last_updated + Duration::from_secs(19800));
    let current = admin(&server, "GET", "/_mock/credential/current", "").json();
    assert_ne!(current["access_key_id"], first.access_key_id.as_str());
    assert_eq!(
        serde_json::from_value::<IssuedCredential>(current).unwrap(),
        server.current_credential()
    );
}

#[test]
fn tokens_are_expired_over_http() {
    let server = MockServer::start(MockConfig::default().with_mode(Mode::Hardened)).unwrap();
    let token = token(&server);
    assert_eq!(
        admin(&server, "POST", "/_mock/tokens/expire", "").status,
        200
    );
    assert_eq!(get_with_token(&server, ROLES, &token).status, 401);
}

#[test]
fn issued_credentials_are_listed_with_full_values() {
    let server = start();
    assert_eq!(
        admin(&server, "GET", "/_mock/credentials", "").json(),
        json!([])
    );
    let wire = get(&server, CREDENTIAL).json();
    let listed = admin(&server, "GET", "/_mock/credentials", "").json();
    let listed: Vec<IssuedCredential> = serde_json::from_value(listed).unwrap();
    assert_eq!(listed, server.issued());
    assert_eq!(
        wire["AccessKeySecret"],
        listed[0].access_key_secret.as_str()
    );
    assert_eq!(wire["SecurityToken"], listed[0].security_token.as_str());
    assert_eq!(
        wire["Expiration"],
        ecscred_mock::format_utc(listed[0].expiration)
    );
}

#[test]
fn unknown_admin_paths_are_404_and_wrong_methods_405() {
    let server = start();
    assert_eq!(admin(&server, "GET", "/_mock/nothing", "").status, 404);
    assert_eq!(admin(&server, "POST", "/_mock/counters", "").status, 405);
    assert_eq!(admin(&server, "GET", "/_mock/faults", "").status, 405);
    assert_eq!(server.counters().requests, 0);
}
