//! The process-wide providers behind the one-call API. Its own test binary because they
//! read the process environment.

use ecscred::ErrorKind;
use ecscred_mock::{MockConfig, MockServer};

#[test]
fn one_provider_per_role_configured_from_the_environment() {
    let mock = MockServer::start(MockConfig::default()).unwrap();
    // SAFETY (edition 2021): set before anything in this one-test binary reads it.
    std::env::set_var(ecscred::ENV_ENDPOINT, mock.url());

    let empty = ecscred::get_credential(Some("")).unwrap_err();
    assert_eq!(empty.kind(), ErrorKind::InvalidConfig);

    let default = ecscred::get_credential(None).unwrap();
    assert!(std::sync::Arc::ptr_eq(
        &default,
        &ecscred::get_credential(None).unwrap()
    ));
    let named = ecscred::get_credential(Some("EcsRamRoleTest")).unwrap();
    assert_eq!(named.access_key_id(), default.access_key_id());
    ecscred::get_credential(Some("EcsRamRoleTest")).unwrap();
    assert_eq!(mock.counters().credential_gets, 2, "one fetch per provider");
    assert_eq!(
        mock.counters().role_gets,
        1,
        "only the default provider discovers"
    );

    let again = ecscred::get_credential(Some("")).unwrap_err();
    assert_eq!(
        again.kind(),
        ErrorKind::InvalidConfig,
        "still not the default role"
    );
    let unknown = ecscred::get_credential(Some("NoSuchRole")).unwrap_err();
    assert_eq!(unknown.kind(), ErrorKind::RoleNotFound);
}

#[test]
fn build_shared_keeps_one_provider_per_configuration() {
    let mock = MockServer::start(MockConfig::default()).unwrap();
    let builder = || {
        ecscred::Provider::builder()
            .endpoint(mock.url())
            .role_name("EcsRamRoleTest")
            .fetch_timeout(std::time::Duration::from_secs(3))
    };
    for _ in 0..60 {
        builder().build_shared().unwrap().credential().unwrap();
    }
    let counters = mock.counters();
    assert_eq!(counters.token_puts, 1, "one provider, one metadata token");
    assert_eq!(counters.credential_gets, 1, "one provider, one fetch");

    // Another option value is another provider; an invalid one is an error every time.
    builder()
        .read_timeout(std::time::Duration::from_secs(2))
        .build_shared()
        .unwrap()
        .credential()
        .unwrap();
    assert_eq!(mock.counters().credential_gets, 2);
    let e = builder()
        .fetch_timeout(std::time::Duration::ZERO)
        .build_shared()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidConfig);

    // A clock of its own (tests) is part of the configuration, by identity.
    let clock = std::sync::Arc::new(ecscred::ManualClock::new(std::time::SystemTime::now()));
    let own = || builder().clock(clock.clone()).build_shared().unwrap();
    own().credential().unwrap();
    own().credential().unwrap();
    assert_eq!(mock.counters().credential_gets, 3);
}
