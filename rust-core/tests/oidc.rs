//! The OIDC source (RRSA) against the mock STS over verified TLS: the exchange, the token
//! file's failures and rotation, STS's refusals and faults, certificate and endpoint
//! checks, the refresh schedule, and a rollover under 32 threads.

mod common;

use std::sync::{Arc, Barrier};
use std::time::Duration;

use common::{OidcFixture, OIDC_TOKEN};
use ecscred::{Clock, ErrorKind, Provider, SourceKind};
use ecscred_mock::{Fault, FaultKind, MockConfig, MockServer, StsConfig};

#[test]
fn exchanges_the_token_for_the_credential_sts_issued() {
    let f = OidcFixture::default();
    let p = f.provider();
    assert_eq!(p.source(), SourceKind::Oidc);
    assert_eq!(p.endpoint(), f.sts.url());
    assert_eq!(p.role_arn(), Some("acs:ram::1234567890:role/ecscred-test"));
    assert_eq!(p.role_name(), None);
    let c = p.credential().unwrap();
    let issued = f.sts.issued();
    assert_eq!(issued.len(), 1);
    assert_eq!(c.access_key_id(), issued[0].access_key_id);
    assert_eq!(c.access_key_secret(), issued[0].access_key_secret);
    assert_eq!(c.security_token(), issued[0].security_token);
    assert_eq!(c.expiration(), issued[0].expiration);
    // Cached: no second call.
    assert_eq!(p.credential().unwrap().access_key_id(), c.access_key_id());
    assert_eq!(f.sts.counters().requests, 1);
    let line = &f.sts.requests()[0];
    assert!(
        line.starts_with("AssumeRoleWithOIDC RoleArn=acs:ram::1234567890:role/ecscred-test"),
        "{line}"
    );
    assert!(line.contains("DurationSeconds=3600"), "{line}");
    assert!(line.contains("RoleSessionName=ecscred-"), "{line}");
    assert!(line.ends_with("token=accepted -> 200"), "{line}");
}

#[test]
fn options_reach_sts() {
    let f = OidcFixture::default();
    let p = f
        .builder()
        .role_session_name("my-pod@ns_1")
        .duration(Duration::from_secs(900))
        .build()
        .unwrap();
    let c = p.credential().unwrap();
    let line = &f.sts.requests()[0];
    assert!(line.contains("RoleSessionName=my-pod@ns_1"), "{line}");
    assert!(line.contains("DurationSeconds=900"), "{line}");
    let lifetime = c.expiration().duration_since(f.sts.now()).unwrap();
    assert!(lifetime <= Duration::from_secs(900), "{lifetime:?}");
}

#[test]
fn the_environment_configures_the_source_and_the_metadata_service_is_never_contacted() {
    let f = OidcFixture::default();
    let metadata = MockServer::start(MockConfig::default()).unwrap();
    let vars = [
        (
            "ALIBABA_CLOUD_ROLE_ARN",
            "acs:ram::1:role/from-env".to_owned(),
        ),
        (
            "ALIBABA_CLOUD_OIDC_PROVIDER_ARN",
            "acs:ram::1:oidc-provider/from-env".to_owned(),
        ),
        (
            "ALIBABA_CLOUD_OIDC_TOKEN_FILE",
            f.token_file.display().to_string(),
        ),
        ("ALIBABA_CLOUD_STS_ENDPOINT", f.sts.url()),
        ("ALIBABA_CLOUD_ROLE_SESSION_NAME", "env-session".to_owned()),
        (
            "ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT",
            metadata.url(),
        ),
        ("ALIBABA_CLOUD_ECS_METADATA", "EcsRamRoleTest".to_owned()),
    ];
    let p = Provider::builder()
        .source(SourceKind::Oidc)
        .sts_extra_root_pem(f.sts.ca_pem())
        .clock(f.clock.clone())
        .env(move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.clone())
        })
        .build()
        .unwrap();
    p.credential().unwrap();
    let line = &f.sts.requests()[0];
    assert!(line.contains("RoleArn=acs:ram::1:role/from-env"), "{line}");
    assert!(line.contains("RoleSessionName=env-session"), "{line}");
    assert_eq!(metadata.counters().requests, 0);
}

#[test]
fn the_sts_endpoint_comes_from_the_region() {
    let build = |vars: &'static [(&'static str, &'static str)]| {
        Provider::builder()
            .source(SourceKind::Oidc)
            .role_arn("acs:ram::1:role/r")
            .oidc_provider_arn("acs:ram::1:oidc-provider/p")
            .oidc_token_file("/nonexistent/token")
            .env(move |name| {
                vars.iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            })
            .build()
    };
    assert_eq!(build(&[]).unwrap().endpoint(), "https://sts.aliyuncs.com");
    let p = build(&[("ALIBABA_CLOUD_STS_REGION", "cn-hangzhou")]).unwrap();
    assert_eq!(p.endpoint(), "https://sts.cn-hangzhou.aliyuncs.com");
    let p = build(&[
        ("ALIBABA_CLOUD_STS_REGION", "cn-beijing"),
        ("ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED", "true"),
    ])
    .unwrap();
    assert_eq!(p.endpoint(), "https://sts-vpc.cn-beijing.aliyuncs.com");
    let p = build(&[
        ("ALIBABA_CLOUD_STS_REGION", "cn-beijing"),
        ("ALIBABA_CLOUD_STS_ENDPOINT", "sts.example.com:8443"),
    ])
    .unwrap();
    assert_eq!(p.endpoint(), "https://sts.example.com:8443");
    let e = build(&[("ALIBABA_CLOUD_STS_REGION", "cn/../x")]).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidConfig);
}

#[test]
fn missing_or_bad_configuration_is_invalid_config() {
    let f = OidcFixture::default();
    let base = || f.builder();
    let cases: Vec<(ecscred::ProviderBuilder, &str)> = vec![
        (
            Provider::builder().source(SourceKind::Oidc).env(|_| None),
            "ALIBABA_CLOUD_ROLE_ARN",
        ),
        (
            Provider::builder()
                .source(SourceKind::Oidc)
                .role_arn("acs:ram::1:role/r")
                .env(|_| None),
            "ALIBABA_CLOUD_OIDC_PROVIDER_ARN",
        ),
        (
            Provider::builder()
                .source(SourceKind::Oidc)
                .role_arn("acs:ram::1:role/r")
                .oidc_provider_arn("acs:ram::1:oidc-provider/p")
                .env(|_| None),
            "ALIBABA_CLOUD_OIDC_TOKEN_FILE",
        ),
        (base().duration(Duration::from_secs(899)), "duration"),
        (base().duration(Duration::from_secs(43_201)), "duration"),
        (base().role_session_name("a b"), "session name"),
        (base().role_arn("not-an-arn"), "role_arn"),
        (base().sts_endpoint("http://sts.example.com"), "plain http"),
        (base().sts_endpoint("http://10.0.0.1:80"), "plain http"),
        (base().sts_endpoint("ftp://127.0.0.1"), "https"),
        (
            base().sts_endpoint("https://u:pw@sts.example.com"),
            "user info",
        ),
        (base().sts_endpoint("https://sts.example.com/x"), "path"),
        (base().sts_extra_root_pem("not a certificate"), "PEM"),
    ];
    for (builder, needle) in cases {
        let e = builder.build().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidConfig, "{e}");
        assert!(e.to_string().contains(needle), "{needle}: {e}");
        assert!(!e.to_string().contains("pw"), "{e}");
    }
    // http:// is fine to a loopback address (a local test STS).
    for ok in ["http://127.0.0.1:9", "http://[::1]:9", "http://localhost:9"] {
        base().sts_endpoint(ok).build().unwrap();
    }
    assert_eq!(f.sts.counters().requests, 0);
}

fn assert_token_file_error(f: &OidcFixture, p: &Provider, what: &str) {
    let e = p.credential().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidConfig, "{e}");
    let text = format!("{e} {e:?}");
    assert!(text.contains(&f.token_file.display().to_string()), "{text}");
    assert!(text.contains(what), "{text}");
    assert!(!text.contains("eyJ"), "{text}");
    assert_eq!(f.sts.counters().requests, 0);
}

#[test]
fn a_missing_token_file_is_invalid_config_naming_its_path() {
    let f = OidcFixture::default();
    std::fs::remove_file(&f.token_file).unwrap();
    assert_token_file_error(&f, &f.provider(), "does not exist");
}

#[test]
fn an_empty_token_file_is_invalid_config() {
    let f = OidcFixture::default();
    std::fs::write(&f.token_file, " \n\t\n").unwrap();
    assert_token_file_error(&f, &f.provider(), "is empty");
}

#[test]
fn an_unreadable_token_file_is_invalid_config() {
    let f = OidcFixture::default();
    // A directory opens but cannot be read, whatever the test's privileges.
    std::fs::remove_file(&f.token_file).unwrap();
    std::fs::create_dir(&f.token_file).unwrap();
    assert_token_file_error(&f, &f.provider(), "cannot be read");
}

#[test]
fn a_rotated_token_file_is_read_again_for_the_refresh() {
    let f = OidcFixture::default();
    let p = f.provider();
    let first = p.credential().unwrap();
    // The kubelet rotates the token; STS accepts only the new one from now on.
    let rotated = format!("{OIDC_TOKEN}-rotated");
    std::fs::write(&f.token_file, &rotated).unwrap();
    f.sts.set_token(rotated);
    // 1 h credential: the refresh is due a quarter of the lifetime before expiry.
    f.advance_to_before(first.expiration(), 901.0);
    assert_eq!(
        p.credential().unwrap().access_key_id(),
        first.access_key_id(),
        "before the refresh point the cache serves"
    );
    assert_eq!(f.sts.counters().requests, 1);
    f.advance_to_before(first.expiration(), 600.0);
    // In the refresh window: the cached credential now, the refresh in the background.
    assert_eq!(
        p.credential().unwrap().access_key_id(),
        first.access_key_id()
    );
    common::eventually("the refresh with the new token lands", || {
        p.credential().unwrap().access_key_id() != first.access_key_id()
    });
    let lines = f.sts.requests();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[1].contains("token=accepted -> 200"), "{lines:?}");
    assert_eq!(f.sts.counters().token_refusals, 0);
}

#[test]
fn a_refusal_names_sts_code_and_never_the_token() {
    let f = OidcFixture::new(StsConfig::new("another-token-entirely"));
    let p = f.provider();
    let e = p.credential().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::HttpStatus, "{e}");
    assert_eq!(e.http_status(), Some(400));
    let text = format!("{e} {e:?}");
    assert!(text.contains("InvalidParameter.OIDCToken"), "{text}");
    assert!(text.contains("RequestId"), "{text}");
    assert!(!text.contains("eyJ"), "{text}");
    assert!(!e.is_retryable());
    // A 4xx is not retried in a loop.
    assert_eq!(f.sts.counters().requests, 1);
}

#[test]
fn sts_error_codes_map_onto_error_kinds() {
    for (code, kind, status) in [
        ("EntityNotExist.Role", ErrorKind::RoleNotFound, 404),
        ("NoPermission", ErrorKind::HttpStatus, 403),
        ("InvalidParameter.RoleArn", ErrorKind::HttpStatus, 400),
    ] {
        let f = OidcFixture::default();
        f.sts
            .inject(Fault::new(FaultKind::Code(code.into())).times(1));
        let e = f.provider().credential().unwrap_err();
        assert_eq!(e.kind(), kind, "{code}: {e}");
        assert_eq!(e.http_status(), Some(status), "{code}: {e}");
        assert!(e.to_string().contains(code), "{e}");
        assert_eq!(f.sts.counters().requests, 1, "{code}");
    }
}

#[test]
fn throttling_and_5xx_are_retried_then_reported() {
    let f = OidcFixture::default();
    f.sts
        .inject(Fault::new(FaultKind::Code("Throttling.User".into())).times(1));
    f.sts.inject(Fault::new(FaultKind::Status(503)).times(1));
    f.provider().credential().unwrap();
    assert_eq!(f.sts.counters().requests, 3);

    let f = OidcFixture::default();
    f.sts
        .inject(Fault::new(FaultKind::Code("Throttling.User".into())).times(3));
    let e = f.provider().credential().unwrap_err();
    assert!(e.to_string().contains("Throttling.User"), "{e}");
    assert!(e.to_string().contains("after 3 attempts"), "{e}");
    assert_eq!(f.sts.counters().requests, 3);

    let f = OidcFixture::default();
    f.sts.inject(Fault::new(FaultKind::Status(500)));
    let e = f.provider().credential().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::HttpStatus);
    assert_eq!(e.http_status(), Some(500));
    assert!(e.is_retryable());
    assert_eq!(f.sts.counters().requests, 3);
}

#[test]
fn dropped_connections_are_retried() {
    let f = OidcFixture::default();
    f.sts.inject(Fault::new(FaultKind::Drop).times(2));
    f.provider().credential().unwrap();
    assert_eq!(f.sts.counters().requests, 3);
}

#[test]
fn a_hanging_sts_is_bounded_by_the_fetch_timeout() {
    let f = OidcFixture::default();
    f.sts
        .inject(Fault::new(FaultKind::Delay(Duration::from_secs(30))).times(1));
    let p = f
        .builder()
        .read_timeout(Duration::from_secs(60))
        .fetch_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let e = p.credential().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    assert!(e.to_string().contains("fetch_timeout"), "{e}");
}

#[test]
fn garbage_and_expired_answers_are_invalid_responses() {
    for (fault, needle) in [
        (FaultKind::MalformedJson, "not STS credential JSON"),
        (FaultKind::HugeBody(100_000), "larger than"),
        (FaultKind::Expired, "expired"),
        (FaultKind::Expiration("tomorrow".into()), "Expiration"),
        (
            FaultKind::Redirect("https://127.0.0.1:9/x".into()),
            "HTTP 302",
        ),
    ] {
        let f = OidcFixture::default();
        f.sts.inject(Fault::new(fault.clone()).times(1));
        let e = f.provider().credential().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidResponse, "{fault:?}: {e}");
        assert!(e.to_string().contains(needle), "{fault:?}: {e}");
        for issued in f.sts.issued() {
            assert!(!e.to_string().contains(&issued.access_key_secret));
        }
    }
}

#[test]
fn an_untrusted_certificate_is_refused() {
    let f = OidcFixture::default();
    let p = f.untrusting_builder().build().unwrap();
    let e = p.credential().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unreachable, "{e}");
    assert!(e.to_string().contains("certificate"), "{e}");
    // Refused at the handshake: no request, and no retry of it.
    assert_eq!(f.sts.counters().requests, 0);
    // Another mock's CA does not help either.
    let other = ecscred_mock::MockSts::start(StsConfig::new("x")).unwrap();
    let p = f
        .untrusting_builder()
        .sts_extra_root_pem(other.ca_pem())
        .build()
        .unwrap();
    assert_eq!(p.credential().unwrap_err().kind(), ErrorKind::Unreachable);
    assert_eq!(f.sts.counters().requests, 0);
}

#[test]
fn refresh_follows_the_on_demand_schedule() {
    let f = OidcFixture::new(StsConfig::new(OIDC_TOKEN).with_lifetime(Duration::from_secs(3600)));
    let p = f.provider();
    let first = p.credential().unwrap();
    // The lead is 15 min for a 1 h credential; its first third is jitter.
    f.advance_to_before(first.expiration(), 901.0);
    for _ in 0..100 {
        p.credential().unwrap();
    }
    assert_eq!(f.sts.counters().requests, 1, "nothing before the lead");
    f.advance_to_before(first.expiration(), 600.0);
    common::eventually("a new credential after the refresh point", || {
        p.credential().unwrap().access_key_id() != first.access_key_id()
    });
    assert_eq!(f.sts.counters().requests, 2);
    // Every call issues a new credential: no "same credential" backoff loop, and the
    // new one is planned afresh.
    let second = p.credential().unwrap();
    assert!(second.expiration() > first.expiration());
    f.advance(Duration::from_secs(60));
    p.credential().unwrap();
    assert_eq!(f.sts.counters().requests, 2);
}

#[test]
fn a_failing_refresh_keeps_the_credential_until_expiry_and_backs_off() {
    let f = OidcFixture::default();
    let p = f.provider();
    let first = p.credential().unwrap();
    f.sts.inject(Fault::new(FaultKind::Status(500)));
    f.advance_to_before(first.expiration(), 600.0);
    assert_eq!(
        p.credential().unwrap().access_key_id(),
        first.access_key_id()
    );
    common::eventually("the refresh fails", || {
        p.refresh_status().consecutive_failures >= 1
    });
    // During the backoff, calls serve the cached credential without calling STS.
    let calls = f.sts.counters().requests;
    for _ in 0..100 {
        assert_eq!(
            p.credential().unwrap().access_key_id(),
            first.access_key_id()
        );
    }
    assert_eq!(f.sts.counters().requests, calls);
    // Past expiry: an error, never the expired credential.
    f.advance_to_before(first.expiration(), 0.0);
    f.advance(Duration::from_secs(120));
    let e = p.credential().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::HttpStatus, "{e}");
    f.sts.clear_faults();
    f.advance(Duration::from_secs(120));
    let c = p.credential().unwrap();
    assert!(!c.is_expired_at(f.clock.now()));
}

#[test]
fn rollover_under_32_threads_makes_one_sts_call_and_nobody_waits_for_a_slow_sts() {
    let f = OidcFixture::default();
    let p = f
        .builder()
        .read_timeout(Duration::from_secs(30))
        .fetch_timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let first = p.credential().unwrap();
    // STS hangs (8 s, far beyond the 200 ms a caller with a valid credential may wait)
    // exactly when the mandatory window has come.
    f.sts
        .inject(Fault::new(FaultKind::Delay(Duration::from_secs(8))).times(1));
    f.advance_to_before(first.expiration(), 60.0);
    let barrier = Arc::new(Barrier::new(32));
    let threads: Vec<_> = (0..32)
        .map(|_| {
            let (p, barrier) = (p.clone(), Arc::clone(&barrier));
            std::thread::spawn(move || {
                barrier.wait();
                (0..50)
                    .map(|_| p.credential().unwrap().access_key_id().to_owned())
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    for t in threads {
        for id in t.join().unwrap() {
            // The slow refresh was still in flight: everyone got the cached credential.
            assert_eq!(id, first.access_key_id());
        }
    }
    common::eventually("the refresh reaches STS", || f.sts.counters().requests == 2);
    common::eventually("the slow refresh lands", || {
        p.credential().unwrap().access_key_id() != first.access_key_id()
    });
    assert_eq!(f.sts.counters().requests, 2);
    assert_eq!(f.sts.counters().max_concurrent, 1);
    assert!(!p.credential().unwrap().is_expired_at(f.clock.now()));
}

#[test]
fn an_sts_endpoint_where_packets_vanish_is_unreachable_not_a_read_timeout() {
    let f = OidcFixture::default();
    let hole = ecscred_mock::Blackhole::start().unwrap();
    let p = f
        .builder()
        .sts_endpoint(hole.url())
        .connect_timeout(Duration::from_millis(300))
        .read_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let e = p.credential().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unreachable, "{e}");
    assert!(e.to_string().contains("could not connect"), "{e}");
    assert!(!e.to_string().contains("read_timeout"), "{e}");
}
