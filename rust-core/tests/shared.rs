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
