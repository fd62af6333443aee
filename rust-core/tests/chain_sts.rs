//! The chain's network sources end to end: `RamRoleArn` and `ChainableRamRoleArn`
//! profiles through STS `AssumeRole` (signature V1, verified by the mock STS), and the
//! credentials URI; each refreshed ahead of expiry by the one engine.

mod common;

use std::sync::Arc;
use std::time::Duration;

use ecscred::{ErrorKind, ManualClock, Provider, ProviderBuilder, SourceKind};
use ecscred_mock::{Fault, FaultKind, MockCredentialsUri, MockSts, StsConfig, UriConfig};

const AK_ID: &str = "LTAI5tProfileKey";
const AK_SECRET: &str = "profile-secret-5f4e3d2c1b0a99887766";

/// A mock STS that knows the profile's AccessKey, a config.json with a `RamRoleArn`
/// profile and a `ChainableRamRoleArn` one on top of it, and a clock shared with the STS.
struct Setup {
    sts: MockSts,
    clock: Arc<ManualClock>,
    dir: std::path::PathBuf,
}

impl Setup {
    fn new(secret: &str) -> Setup {
        let sts = MockSts::start(
            StsConfig::new("unused-oidc-token")
                .with_access_key(AK_ID, AK_SECRET)
                .with_lifetime(Duration::from_secs(3600)),
        )
        .unwrap();
        let clock = Arc::new(ManualClock::new(sts.now()));
        let dir = std::env::temp_dir().join(format!(
            "ecscred-chain-sts-{}-{}",
            std::process::id(),
            next_id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("config.json"),
            format!(
                r#"{{"current": "dev", "profiles": [
                  {{"name": "dev", "mode": "RamRoleArn", "access_key_id": "{AK_ID}",
                    "access_key_secret": "{secret}", "ram_role_arn": "acs:ram::1:role/dev",
                    "ram_session_name": "laptop", "expired_seconds": 3600,
                    "external_id": "ext-1"}},
                  {{"name": "next", "mode": "ChainableRamRoleArn", "source_profile": "dev",
                    "ram_role_arn": "acs:ram::1:role/next"}}
                ]}}"#
            ),
        )
        .unwrap();
        Setup { sts, clock, dir }
    }

    fn builder(&self, profile: &str) -> ProviderBuilder {
        let file = self.dir.join("config.json");
        Provider::builder()
            .source(SourceKind::Chain)
            .profile(profile)
            .config_file(file)
            .sts_endpoint(self.sts.url())
            .sts_extra_root_pem(self.sts.ca_pem())
            .clock(self.clock.clone())
            .env(|_| None)
    }

    fn advance(&self, by: Duration) {
        self.sts.advance(by);
        self.clock.advance(by);
    }
}

impl Drop for Setup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn next_id() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::SeqCst)
}

#[test]
fn a_ram_role_arn_profile_assumes_the_role_signed_with_its_key() {
    let s = Setup::new(AK_SECRET);
    let p = s.builder("dev").build().unwrap();
    assert_eq!(p.provider_name(), "default/cli_profile/ram_role_arn");
    let c = p.credential().unwrap();
    assert!(c.access_key_id().starts_with("STS."));
    assert!(c.has_security_token() && c.expires());
    let issued = s.sts.issued();
    assert_eq!(issued.last().unwrap().access_key_id, c.access_key_id());
    let journal = s.sts.requests().join("\n");
    assert!(journal.contains("AssumeRole RoleArn=acs"), "{journal}");
    assert!(
        journal.contains(&format!("AccessKeyId={AK_ID}")),
        "{journal}"
    );
    assert!(journal.contains("RoleSessionName=laptop"), "{journal}");
    assert!(journal.contains("ExternalId=ext-1"), "{journal}");
    assert!(journal.contains("verdict=issued"), "{journal}");
    assert_eq!(s.sts.counters().assume_role, 1);
}

#[test]
fn a_chainable_profile_signs_with_the_source_profiles_sts_credential() {
    let s = Setup::new(AK_SECRET);
    let p = s.builder("next").build().unwrap();
    assert_eq!(
        p.provider_name(),
        "default/cli_profile/ram_role_arn/ram_role_arn"
    );
    let c = p.credential().unwrap();
    let journal = s.sts.requests();
    assert_eq!(journal.len(), 2, "{journal:?}");
    // The second call is signed by the first call's STS credential (with its token).
    let first = &s.sts.issued()[0];
    assert!(
        journal[1].contains("RoleArn=acs%3Aram%3A%3A1%3Arole%2Fnext")
            || journal[1].contains("role/next"),
        "{journal:?}"
    );
    assert!(
        journal[1].contains(&format!("AccessKeyId={}", first.access_key_id)),
        "{journal:?}"
    );
    assert!(journal[1].contains("verdict=issued"), "{journal:?}");
    assert_eq!(s.sts.issued()[1].access_key_id, c.access_key_id());
}

#[test]
fn a_wrong_secret_is_refused_by_sts_and_reported_without_it() {
    let wrong = "wrong-secret-aaaaaaaaaaaaaaaaaaaa";
    let s = Setup::new(wrong);
    let p = s.builder("dev").build().unwrap();
    let e = p.credential().unwrap_err();
    let shown = format!("{e} {e:?}");
    assert_eq!(e.kind(), ErrorKind::HttpStatus, "{shown}");
    assert!(shown.contains("SignatureDoesNotMatch"), "{shown}");
    assert!(
        shown.contains("the credential chain's source default/cli_profile/ram_role_arn"),
        "{shown}"
    );
    assert!(
        !shown.contains(wrong) && !shown.contains(AK_SECRET),
        "{shown}"
    );
    assert_eq!(s.sts.counters().signature_refusals, 1, "4xx is not retried");
}

#[test]
fn a_long_lived_ram_role_arn_provider_refreshes_ahead_of_expiry() {
    let s = Setup::new(AK_SECRET);
    let p = s.builder("dev").build().unwrap();
    let first = p.credential().unwrap();
    // One hour: the lead is 15 minutes, its first third jitter.
    let until = |secs: u64| first.expiration() - Duration::from_secs(secs);
    s.advance(until(901).duration_since(s.sts.now()).unwrap());
    for _ in 0..50 {
        assert_eq!(
            p.credential().unwrap().access_key_id(),
            first.access_key_id()
        );
    }
    assert_eq!(s.sts.counters().assume_role, 1);
    s.advance(Duration::from_secs(301));
    common::eventually("a new credential from the background refresh", || {
        p.credential().unwrap().access_key_id() != first.access_key_id()
    });
    assert_eq!(s.sts.counters().assume_role, 2);
}

fn uri_provider(uri: &MockCredentialsUri, clock: &Arc<ManualClock>) -> Provider {
    let url = uri.url();
    Provider::builder()
        .source(SourceKind::Chain)
        .clock(clock.clone())
        .fetch_timeout(Duration::from_millis(800))
        .env(move |name| match name {
            "ALIBABA_CLOUD_CREDENTIALS_URI" => Some(url.clone()),
            "ALIBABA_CLOUD_ECS_METADATA_DISABLED" => Some("true".to_owned()),
            _ => None,
        })
        .build()
        .unwrap()
}

#[test]
fn the_credentials_uri_is_fetched_and_refreshed_ahead_of_expiry() {
    let uri = MockCredentialsUri::start(
        UriConfig::default()
            .with_lifetime(Duration::from_secs(3600))
            .with_rotate_before(Duration::from_secs(1200)),
    )
    .unwrap();
    let clock = Arc::new(ManualClock::new(uri.now()));
    let p = uri_provider(&uri, &clock);
    assert_eq!(p.provider_name(), "default/credential_uri");
    assert!(p
        .source_info()
        .selected_by
        .contains("ALIBABA_CLOUD_CREDENTIALS_URI"));
    let first = p.credential().unwrap();
    assert_eq!(
        first.access_key_id(),
        uri.current_credential().access_key_id
    );
    for _ in 0..50 {
        p.credential().unwrap();
    }
    assert_eq!(uri.counters().credential_gets, 1);
    // 9 minutes before expiry (past the 15-minute lead and its 5 minutes of jitter); the
    // server rotated 20 minutes before.
    let by = (first.expiration() - Duration::from_secs(9 * 60))
        .duration_since(uri.now())
        .unwrap();
    uri.advance(by);
    clock.advance(by);
    common::eventually("the rotated credential", || {
        p.credential().unwrap().access_key_id() != first.access_key_id()
    });
    assert_eq!(uri.counters().credential_gets, 2);
}

#[test]
fn credentials_uri_failures_are_reported_as_the_uris() {
    for (fault, kind) in [
        (FaultKind::Status(500), ErrorKind::HttpStatus),
        (FaultKind::Status(403), ErrorKind::HttpStatus),
        (FaultKind::MalformedJson, ErrorKind::InvalidResponse),
        (
            FaultKind::Code("Failure".into()),
            ErrorKind::InvalidResponse,
        ),
        (FaultKind::Expired, ErrorKind::InvalidResponse),
        (FaultKind::HugeBody(1 << 20), ErrorKind::InvalidResponse),
        (FaultKind::Delay(Duration::from_secs(3)), ErrorKind::Timeout),
    ] {
        let uri = MockCredentialsUri::start(
            UriConfig::default().with_fault(Fault::new(fault.clone()).times(10)),
        )
        .unwrap();
        let clock = Arc::new(ManualClock::new(uri.now()));
        let e = uri_provider(&uri, &clock).credential().unwrap_err();
        assert_eq!(e.kind(), kind, "{fault:?}: {e}");
        let shown = e.to_string();
        assert!(shown.contains("default/credential_uri"), "{shown}");
        assert!(
            !shown.contains("/credentials"),
            "the URI's path is not shown: {shown}"
        );
    }
}
