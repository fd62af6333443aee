//! `ecscred mock-uri`, and the `--access-key` flag of `ecscred mock-sts`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Output, Stdio};

fn ecscred(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ecscred"))
        .args(args)
        .output()
        .unwrap()
}

/// `GET url` (an `http://127.0.0.1:PORT/path` URL): the status line and the body.
fn get(url: &str) -> (String, String) {
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_at(rest.find('/').unwrap());
    let mut stream = TcpStream::connect(host).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    (head.lines().next().unwrap().to_owned(), body.to_owned())
}

#[test]
fn mock_uri_prints_its_url_and_serves() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ecscred"))
        .args([
            "mock-uri",
            "--lifetime",
            "900",
            "--fault",
            r#"{"kind":"status","status":503,"count":1}"#,
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut url = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut url)
        .unwrap();
    let url = url.trim().to_owned();
    let faulted = get(&url);
    let served = get(&url);
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert!(url.ends_with("/credentials"), "{url}");
    assert_eq!(faulted.0, "HTTP/1.1 503 Service Unavailable");
    assert_eq!(served.0, "HTTP/1.1 200 OK");
    let json: serde_json::Value = serde_json::from_str(&served.1).unwrap();
    assert_eq!(json["Code"], "Success");
    assert!(json["AccessKeyId"].as_str().unwrap().starts_with("STS."));
}

#[test]
fn mock_uri_help_documents_the_admin_endpoint() {
    let out = ecscred(&["mock-uri", "--help"]);
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for needle in [
        "/_mock/counters",
        "/_mock/faults",
        "/_mock/clock",
        "/_mock/credentials",
        "ALIBABA_CLOUD_CREDENTIALS_URI",
    ] {
        assert!(help.contains(needle), "{needle}: {help}");
    }
}

#[test]
fn bad_flags_are_usage_errors_that_never_echo_a_secret() {
    for args in [
        &["mock-uri", "--lifetime", "0"][..],
        &["mock-uri", "--path", "credentials"],
        &["mock-uri", "--fault", r#"{"kind":"drop","count":0}"#],
        &[
            "mock-sts",
            "--token",
            "t",
            "--ca-file",
            "/nonexistent/ca.pem",
            "--access-key",
            ":s3cr3t-value",
        ],
    ] {
        let out = ecscred(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(!err.contains("s3cr3t"), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}
