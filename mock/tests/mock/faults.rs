//! Every fault kind, count consumption, target matching and the concurrency peak.

use std::io;
use std::time::{Duration, SystemTime};

use ecscred_mock::{parse_utc, Fault, FaultKind, MockConfig, MockServer, Target};

use crate::client::*;

fn start() -> MockServer {
    MockServer::start(MockConfig::default()).unwrap()
}

#[test]
fn status_fault_answers_count_matching_requests_then_disarms() {
    let server = start();
    server.inject(
        Fault::new(FaultKind::Status(500))
            .on(Target::Credential)
            .times(2),
    );
    // Requests of other targets do not consume it.
    assert_eq!(get(&server, ROLES).status, 200);
    assert_eq!(put_token(&server, "60").status, 200);
    for _ in 0..2 {
        let reply = get(&server, CREDENTIAL);
        assert_eq!(
            (reply.status, reply.text()),
            (500, "500 - Internal Server Error")
        );
    }
    assert_eq!(get(&server, CREDENTIAL).status, 200);
    let counters = server.counters();
    assert_eq!((counters.credential_gets, counters.requests), (3, 5));
}

#[test]
fn token_target_faults_hit_only_the_token_path() {
    let server = start();
    server.inject(
        Fault::new(FaultKind::Status(503))
            .on(Target::Token)
            .times(1),
    );
    assert_eq!(get(&server, CREDENTIAL).status, 200);
    assert_eq!(put_token(&server, "60").status, 503);
    assert_eq!(put_token(&server, "60").status, 200);
}

#[test]
fn faults_are_consumed_in_arming_order() {
    let server = start();
    server.inject(Fault::new(FaultKind::Status(502)).times(1));
    server.inject(Fault::new(FaultKind::Status(504)).on(Target::Role).times(1));
    server.inject(Fault::new(FaultKind::Status(429)));
    assert_eq!(get(&server, ROLES).status, 502);
    assert_eq!(get(&server, ROLES).status, 504);
    for _ in 0..3 {
        assert_eq!(get(&server, CREDENTIAL).status, 429);
    }
    server.clear_faults();
    assert_eq!(get(&server, CREDENTIAL).status, 200);
}

#[test]
fn faults_armed_at_start_apply_from_the_first_request() {
    let config = MockConfig::default().with_fault(Fault::new(FaultKind::Status(500)).times(1));
    let server = MockServer::start(config).unwrap();
    assert_eq!(get(&server, ROLES).status, 500);
    assert_eq!(get(&server, ROLES).status, 200);
}

#[test]
fn delay_fault_then_answers_normally() {
    let server = start();
    server.inject(Fault::new(FaultKind::Delay(Duration::from_millis(20))).times(1));
    let reply = get(&server, ROLES);
    assert_eq!((reply.status, reply.text()), (200, "EcsRamRoleTest\n"));
    assert_eq!(server.counters().role_gets, 1);
}

#[test]
fn drop_fault_closes_the_connection_unanswered() {
    let server = start();
    server.inject(Fault::new(FaultKind::Drop).on(Target::Credential).times(1));
    let err = request(server.port(), "GET", CREDENTIAL, &[], "").unwrap_err();
    assert!(
        matches!(
            err.kind(),
            io::ErrorKind::UnexpectedEof | io::ErrorKind::ConnectionReset
        ),
        "{err:?}"
    );
    assert_eq!(get(&server, CREDENTIAL).status, 200);
    assert_eq!(server.counters().credential_gets, 2);
}

#[test]
fn malformed_json_fault_only_hits_credential_requests() {
    let server = start();
    server.inject(Fault::new(FaultKind::MalformedJson).times(1));
    assert_eq!(get(&server, ROLES).text(), "EcsRamRoleTest\n");
    let reply = get(&server, CREDENTIAL);
    assert_eq!(reply.status, 200);
    assert!(serde_json::from_slice::<serde_json::Value>(&reply.body).is_err());
    assert_eq!(get(&server, CREDENTIAL).json()["Code"], "Success");
}

#[test]
fn code_fault_sends_well_formed_json_with_that_code() {
    let server = start();
    server.inject(Fault::new(FaultKind::Code("Failure".into())).times(1));
    let json = get(&server, CREDENTIAL).json();
    assert_eq!(json["Code"], "Failure");
    let current = server.current_credential();
    assert_ne!(json["AccessKeyId"], current.access_key_id.as_str());
    assert!(json["AccessKeyId"].as_str().unwrap().starts_with("STS."));
    let issued = server.issued();
    assert_eq!(issued.len(), 1);
    assert_eq!(
        json["AccessKeySecret"],
        issued[0].access_key_secret.as_str()
    );
}

#[test]
fn expired_fault_sends_a_credential_already_past_its_expiration() {
    let server = start();
    server.inject(
        Fault::new(FaultKind::Expired)
            .on(Target::Credential)
            .times(1),
    );
    let json = get(&server, CREDENTIAL).json();
    assert_eq!(json["Code"], "Success");
    let expiration = parse_utc(json["Expiration"].as_str().unwrap()).unwrap();
    assert!(expiration < SystemTime::now());
    assert!(expiration < server.now());
    assert_ne!(
        json["AccessKeyId"],
        server.current_credential().access_key_id.as_str()
    );
    assert_eq!(server.issued()[0].expiration, expiration);
    let fresh = get(&server, CREDENTIAL).json();
    assert!(parse_utc(fresh["Expiration"].as_str().unwrap()).unwrap() > SystemTime::now());
}

#[test]
fn redirect_fault_sends_302_with_the_location() {
    let server = start();
    let location = "http://127.0.0.1:9/elsewhere";
    server.inject(
        Fault::new(FaultKind::Redirect(location.into()))
            .on(Target::Role)
            .times(1),
    );
    let reply = get(&server, ROLES);
    assert_eq!(reply.status, 302);
    assert_eq!(reply.header("location"), Some(location));
}

#[test]
fn huge_body_fault_sends_exactly_that_many_bytes() {
    let server = start();
    let len = 3 * 1024 * 1024 + 17;
    server.inject(Fault::new(FaultKind::HugeBody(len)).times(1));
    let reply = get(&server, CREDENTIAL);
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body.len(), len);
    assert_eq!(
        reply.header("content-length"),
        Some(len.to_string().as_str())
    );
}

#[test]
fn max_concurrent_counts_requests_waiting_in_a_delay() {
    let server = start();
    // Long enough that both requests are surely in progress together; the server is
    // stopped below without waiting for the delay to end.
    server.inject(
        Fault::new(FaultKind::Delay(Duration::from_secs(600)))
            .on(Target::Credential)
            .times(2),
    );
    let port = server.port();
    let clients: Vec<_> = (0..2)
        .map(|_| std::thread::spawn(move || request(port, "GET", CREDENTIAL, &[], "")))
        .collect();
    // Wait (bounded, generously) until both requests have arrived.
    for _ in 0..6000 {
        if server.counters().credential_gets == 2 {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let counters = server.counters();
    assert_eq!((counters.credential_gets, counters.max_concurrent), (2, 2));
    // Stopping the server ends the delayed requests without an answer.
    server.stop();
    for client in clients {
        assert!(client.join().unwrap().is_err());
    }
}
