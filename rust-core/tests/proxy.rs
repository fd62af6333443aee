//! Proxy variables never capture metadata traffic. Its own test binary because it sets
//! process environment variables.

mod common;

use common::{closed_port, Fixture};

#[test]
fn proxy_environment_is_ignored() {
    let dead = format!("http://127.0.0.1:{}", closed_port());
    for var in [
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
    ] {
        // SAFETY (edition 2021): set before any other thread of this binary reads the
        // environment; this binary has one test.
        std::env::set_var(var, &dead);
    }
    std::env::remove_var("NO_PROXY");
    std::env::remove_var("no_proxy");
    let f = Fixture::default();
    let c = f
        .provider()
        .credential()
        .expect("metadata traffic went to the dead proxy");
    assert_eq!(c.access_key_id(), f.mock.current_credential().access_key_id);
    assert_eq!(f.mock.counters().credential_gets, 1);
}
