//! The wire protocol against the mock: modes, discovery, token reuse, retries, faults and
//! the errors they produce.

mod common;

use std::time::Duration;

use common::{closed_port, Fixture};
use ecscred::{ErrorKind, Provider};
use ecscred_mock::{Fault, FaultKind, MockConfig, MockServer, Mode, Target};

fn fixture_in(mode: Mode) -> Fixture {
    Fixture::new(MockConfig::default().with_mode(mode))
}

#[test]
fn normal_mode_uses_a_token_and_discovers_the_role() {
    let f = Fixture::default();
    let c = f.provider().credential().unwrap();
    let issued = f.mock.current_credential();
    assert_eq!(c.access_key_id(), issued.access_key_id);
    assert_eq!(c.access_key_secret(), issued.access_key_secret);
    assert_eq!(c.security_token(), issued.security_token);
    assert_eq!(c.expiration(), issued.expiration);
    let n = f.mock.counters();
    assert_eq!((n.token_puts, n.role_gets, n.credential_gets), (1, 1, 1));
}

#[test]
fn hardened_mode_works() {
    let f = fixture_in(Mode::Hardened);
    let p = f.builder().disable_imds_v1(true).build().unwrap();
    assert_eq!(
        p.credential().unwrap().access_key_id(),
        f.mock.current_credential().access_key_id
    );
    assert_eq!(f.mock.counters().token_puts, 1);
}

#[test]
fn v1_only_instance_falls_back_to_plain_requests() {
    let f = fixture_in(Mode::V1Only);
    let c = f.provider().credential().unwrap();
    assert_eq!(c.access_key_id(), f.mock.current_credential().access_key_id);
    let n = f.mock.counters();
    assert_eq!((n.token_puts, n.role_gets, n.credential_gets), (1, 1, 1));
}

#[test]
fn v1_only_instance_with_v1_disabled_says_hardened_mode_failed() {
    let f = fixture_in(Mode::V1Only);
    let err = f
        .builder()
        .disable_imds_v1(true)
        .build()
        .unwrap()
        .credential()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::HardenedMode);
    assert_eq!(err.http_status(), Some(404));
    let msg = err.to_string();
    assert!(msg.contains("hardened mode failed"), "{msg}");
    assert!(msg.contains("/latest/api/token"), "{msg}");
    assert!(msg.contains("404"), "{msg}");
    assert_eq!(f.mock.counters().credential_gets, 0);
}

#[test]
fn hardened_instance_whose_token_path_fails_reports_hardened_mode() {
    let f = fixture_in(Mode::Hardened);
    f.mock
        .inject(Fault::new(FaultKind::Status(404)).on(Target::Token));
    let err = f
        .builder()
        .role_name("EcsRamRoleTest")
        .build()
        .unwrap()
        .credential()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::HardenedMode);
    let msg = err.to_string();
    assert!(msg.contains("403"), "{msg}");
    assert!(msg.contains("token request failed"), "{msg}");
    assert!(
        msg.contains("/latest/api/token answered 404"),
        "the real cause: {msg}"
    );
}

#[test]
fn an_unusable_token_falls_back_to_plain_requests() {
    let f = Fixture::default();
    // 200 with a body that is not a token ("200 - OK" has spaces).
    f.mock
        .inject(Fault::new(FaultKind::Status(200)).on(Target::Token));
    let c = f.provider().credential().unwrap();
    assert_eq!(c.access_key_id(), f.mock.current_credential().access_key_id);
}

#[test]
fn token_path_server_errors_are_retried_and_reported_with_v1_disabled() {
    let f = fixture_in(Mode::Hardened);
    f.mock
        .inject(Fault::new(FaultKind::Status(500)).on(Target::Token));
    let err = f
        .builder()
        .disable_imds_v1(true)
        .build()
        .unwrap()
        .credential()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::HardenedMode);
    assert_eq!(err.http_status(), Some(500));
    assert!(err.to_string().contains("after 3 attempts"), "{err}");
    assert_eq!(f.mock.counters().token_puts, 3);
}

#[test]
fn role_from_the_environment_skips_discovery() {
    let f = Fixture::default();
    let p = Provider::builder()
        .endpoint(f.mock.url())
        .clock(f.clock.clone())
        .env(|name| (name == ecscred::ENV_ROLE).then(|| "EcsRamRoleTest\n".to_owned()))
        .build()
        .unwrap();
    assert_eq!(p.role_name(), Some("EcsRamRoleTest"));
    assert_eq!(p.role_arn(), None);
    p.credential().unwrap();
    assert_eq!(f.mock.counters().role_gets, 0);
}

#[test]
fn endpoint_from_the_environment_is_used() {
    let f = Fixture::default();
    let url = f.mock.url();
    let p = Provider::builder()
        .clock(f.clock.clone())
        .env(move |name| (name == ecscred::ENV_ENDPOINT).then(|| url.clone()))
        .build()
        .unwrap();
    p.credential().unwrap();
    assert_eq!(f.mock.counters().credential_gets, 1);
}

#[test]
fn one_token_per_ttl_across_many_refreshes() {
    let f = Fixture::rotating(60, 5);
    let p = f
        .builder()
        .token_ttl(Duration::from_secs(600))
        .build()
        .unwrap();
    let mut ids = Vec::new();
    // 8 fetches over 420 s, each after the previous credential expired: all inside one
    // token TTL (renewed 540 s after it was issued).
    for _ in 0..8 {
        ids.push(p.credential().unwrap().access_key_id().to_owned());
        f.advance(Duration::from_secs(60));
    }
    ids.dedup();
    assert_eq!(ids.len(), 8, "each step got a new credential");
    let n = f.mock.counters();
    assert_eq!(n.credential_gets, 8);
    assert_eq!(n.token_puts, 1, "one token reused by every fetch");
    f.advance(Duration::from_secs(60));
    p.credential().unwrap();
    assert_eq!(
        f.mock.counters().token_puts,
        2,
        "renewed once its TTL ran out"
    );
}

#[test]
fn a_rejected_token_is_replaced_once() {
    let f = Fixture::new(MockConfig::default().with_lifetime(Duration::from_secs(60)));
    let p = f.provider();
    p.credential().unwrap();
    f.mock.expire_tokens();
    f.advance(Duration::from_secs(61));
    p.credential().unwrap();
    let n = f.mock.counters();
    assert_eq!(n.token_puts, 2);
    // 1 first fetch + a 401 + the retry with the new token.
    assert_eq!(n.credential_gets, 3);
}

#[test]
fn server_errors_and_throttling_are_retried() {
    for status in [500, 503, 429] {
        let f = Fixture::default();
        f.mock.inject(
            Fault::new(FaultKind::Status(status))
                .on(Target::Credential)
                .times(2),
        );
        let p = f.builder().role_name("EcsRamRoleTest").build().unwrap();
        p.credential().unwrap_or_else(|e| panic!("{status}: {e}"));
        assert_eq!(f.mock.counters().credential_gets, 3, "{status}");
    }
}

#[test]
fn retries_are_bounded_and_the_error_names_endpoint_and_status() {
    let f = Fixture::default();
    f.mock
        .inject(Fault::new(FaultKind::Status(503)).on(Target::Credential));
    let p = f.builder().role_name("EcsRamRoleTest").build().unwrap();
    let err = p.credential().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::HttpStatus);
    assert_eq!(err.http_status(), Some(503));
    let msg = err.to_string();
    assert!(msg.contains(&f.mock.url()), "{msg}");
    assert!(msg.contains("EcsRamRoleTest"), "{msg}");
    assert!(msg.contains("503"), "{msg}");
    assert_eq!(f.mock.counters().credential_gets, 3);
}

#[test]
fn a_hanging_service_times_out() {
    let f = Fixture::default();
    f.mock.inject(
        Fault::new(FaultKind::Delay(Duration::from_secs(3)))
            .on(Target::Credential)
            .times(1),
    );
    let p = f
        .builder()
        .role_name("EcsRamRoleTest")
        .read_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let err = p.credential().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert!(err.to_string().contains("read_timeout"), "{err}");
    assert_eq!(
        f.mock.counters().credential_gets,
        1,
        "a timeout is not retried"
    );
}

#[test]
fn the_fetch_deadline_bounds_the_whole_fetch() {
    let f = Fixture::default();
    f.mock
        .inject(Fault::new(FaultKind::Delay(Duration::from_millis(400))));
    let p = f
        .builder()
        .fetch_timeout(Duration::from_millis(600))
        .build()
        .unwrap();
    let err = p.credential().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert!(err.to_string().contains("fetch_timeout"), "{err}");
}

#[test]
fn a_dropped_connection_is_retried() {
    let f = Fixture::default();
    f.mock
        .inject(Fault::new(FaultKind::Drop).on(Target::Credential).times(1));
    f.provider().credential().unwrap();
    assert_eq!(f.mock.counters().credential_gets, 2);
}

#[test]
fn a_connection_dropped_every_time_is_reported() {
    let f = Fixture::default();
    f.mock
        .inject(Fault::new(FaultKind::Drop).on(Target::Credential));
    let err = f.provider().credential().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unreachable);
    assert!(err.to_string().contains("dropped"), "{err}");
    assert_eq!(f.mock.counters().credential_gets, 3);
}

#[test]
fn malformed_json_is_rejected_without_retry() {
    let f = Fixture::default();
    f.mock
        .inject(Fault::new(FaultKind::MalformedJson).on(Target::Credential));
    let err = f.provider().credential().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidResponse);
    assert!(
        err.to_string().contains("not valid credential JSON"),
        "{err}"
    );
    assert_eq!(f.mock.counters().credential_gets, 1);
}

#[test]
fn code_other_than_success_is_rejected() {
    let f = Fixture::default();
    f.mock
        .inject(Fault::new(FaultKind::Code("Failure".into())).on(Target::Credential));
    let err = f.provider().credential().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidResponse);
    assert!(err.to_string().contains("\"Failure\""), "{err}");
}

#[test]
fn unknown_role_is_role_not_found() {
    let f = Fixture::default();
    let err = f
        .builder()
        .role_name("NoSuchRole")
        .build()
        .unwrap()
        .credential()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RoleNotFound);
    assert_eq!(err.http_status(), Some(404));
    assert!(err.to_string().contains("NoSuchRole"), "{err}");
    assert_eq!(f.mock.counters().credential_gets, 1);
}

#[test]
fn an_expired_credential_from_the_server_is_refused() {
    let f = Fixture::default();
    f.mock
        .inject(Fault::new(FaultKind::Expired).on(Target::Credential));
    let err = f.provider().credential().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidResponse);
    assert!(err.to_string().contains("expired"), "{err}");
}

#[test]
fn redirects_are_not_followed() {
    let f = Fixture::default();
    let elsewhere = MockServer::start(MockConfig::default()).unwrap();
    f.mock.inject(
        Fault::new(FaultKind::Redirect(format!(
            "{}/latest/meta-data/ram/security-credentials/EcsRamRoleTest",
            elsewhere.url()
        )))
        .on(Target::Credential),
    );
    let err = f.provider().credential().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidResponse);
    assert!(err.to_string().contains("redirect"), "{err}");
    assert_eq!(elsewhere.counters().requests, 0);
}

#[test]
fn huge_bodies_are_refused() {
    let f = Fixture::default();
    f.mock
        .inject(Fault::new(FaultKind::HugeBody(1 << 20)).on(Target::Credential));
    let err = f.provider().credential().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidResponse);
    assert!(err.to_string().contains("64 KiB"), "{err}");
}

#[test]
fn disabled_by_environment_sends_nothing() {
    let f = Fixture::default();
    let p = Provider::builder()
        .endpoint(f.mock.url())
        .env(|name| (name == ecscred::ENV_DISABLED).then(|| "true".to_owned()))
        .build()
        .unwrap();
    for _ in 0..3 {
        assert_eq!(p.credential().unwrap_err().kind(), ErrorKind::Disabled);
    }
    assert_eq!(f.mock.counters().requests, 0);
}

#[test]
fn a_closed_port_fails_fast_as_unreachable() {
    let port = closed_port();
    let p = Provider::builder()
        .endpoint(format!("http://127.0.0.1:{port}"))
        .env(|_| None)
        .build()
        .unwrap();
    let err = p.credential().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unreachable, "{err}");
    let msg = err.to_string();
    assert!(msg.contains(&format!("127.0.0.1:{port}")), "{msg}");
    assert!(msg.contains("could not connect"), "{msg}");
}

#[test]
fn after_a_failure_callers_get_the_error_at_once_until_the_backoff_ends() {
    let port = closed_port();
    let f = Fixture::default();
    let p = Provider::builder()
        .endpoint(format!("http://127.0.0.1:{port}"))
        .clock(f.clock.clone())
        .env(|_| None)
        .build()
        .unwrap();
    let first = p.credential().unwrap_err();
    let second = p.credential().unwrap_err();
    assert_eq!(second.kind(), first.kind());
    assert!(second.to_string().contains("next attempt in"), "{second}");
}
