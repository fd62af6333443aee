//! Starting, stopping, and where a server can live.

use std::io;
use std::net::TcpStream;
use std::time::Duration;

use ecscred_mock::{IssuedCredential, MockConfig, MockServer};

use crate::client::*;

#[test]
fn handle_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<MockServer>();
    check::<IssuedCredential>();
}

#[test]
fn url_names_the_loopback_port() {
    let server = MockServer::start(MockConfig::default()).unwrap();
    assert_ne!(server.port(), 0);
    assert_eq!(server.url(), format!("http://127.0.0.1:{}", server.port()));
}

#[test]
fn stop_and_drop_close_the_port() {
    let server = MockServer::start(MockConfig::default()).unwrap();
    let port = server.port();
    assert_eq!(get(&server, ROLES).status, 200);
    server.stop();
    assert!(TcpStream::connect(("127.0.0.1", port)).is_err());

    let server = MockServer::start(MockConfig::default()).unwrap();
    let port = server.port();
    drop(server);
    assert!(TcpStream::connect(("127.0.0.1", port)).is_err());
}

#[test]
fn start_refuses_an_invalid_config_or_a_taken_port() {
    let bad = MockConfig::default().with_rotate_before(Duration::from_secs(6 * 3600));
    assert_eq!(
        MockServer::start(bad).unwrap_err().kind(),
        io::ErrorKind::InvalidInput
    );
    let bad = MockConfig::default().with_lifetime(Duration::ZERO);
    assert_eq!(
        MockServer::start(bad).unwrap_err().kind(),
        io::ErrorKind::InvalidInput
    );

    let first = MockServer::start(MockConfig::default()).unwrap();
    let taken = MockConfig::default().with_port(first.port());
    assert_eq!(
        MockServer::start(taken).unwrap_err().kind(),
        io::ErrorKind::AddrInUse
    );
}

#[tokio::test(flavor = "current_thread")]
async fn starts_and_stops_inside_a_tokio_runtime() {
    let server = MockServer::start(MockConfig::default()).unwrap();
    let port = server.port();
    let reply = tokio::task::spawn_blocking(move || request(port, "GET", ROLES, &[], ""))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(reply.status, 200);
    server.stop();
}

#[test]
fn debug_output_redacts_secrets() {
    let server = MockServer::start(MockConfig::default()).unwrap();
    let credential = server.current_credential();
    let debug = format!("{credential:?} {:?}", server.issued());
    assert!(debug.contains(&credential.access_key_id));
    assert!(!debug.contains(&credential.access_key_secret));
    assert!(!debug.contains(&credential.security_token));
}

#[cfg(unix)]
#[test]
fn parent_keeps_serving_after_fork() {
    let server = MockServer::start(MockConfig::default()).unwrap();
    assert_eq!(get(&server, ROLES).status, 200);
    // SAFETY: the child only calls the async-signal-safe `_exit`.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        unsafe { libc::_exit(0) };
    }
    let mut status = 0;
    // SAFETY: waits for the child forked above.
    assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
    assert_eq!(get(&server, ROLES).status, 200);
    assert_eq!(server.counters().role_gets, 2);
}
