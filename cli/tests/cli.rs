//! The `ecscred` command against the mock metadata service.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Command, Stdio};

use ecscred_mock::{Blackhole, Fault, FaultKind, MockConfig, MockServer, Target};

fn ecscred(mock_url: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_ecscred"))
        .args(args)
        .env("ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT", mock_url)
        .env_remove("ALIBABA_CLOUD_ECS_METADATA")
        .env_remove("ALIBABA_CLOUD_ECS_METADATA_DISABLED")
        .env_remove("ALIBABA_CLOUD_IMDSV1_DISABLED")
        .output()
        .unwrap()
}

fn stdout(out: &std::process::Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

#[test]
fn json_is_the_metadata_shape() {
    let mock = MockServer::start(MockConfig::default()).unwrap();
    let out = stdout(&ecscred(&mock.url(), &["get"]));
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let issued = mock.current_credential();
    assert_eq!(json["Code"], "Success");
    assert_eq!(json["AccessKeyId"], issued.access_key_id.as_str());
    assert_eq!(json["AccessKeySecret"], issued.access_key_secret.as_str());
    assert_eq!(json["SecurityToken"], issued.security_token.as_str());
    assert_eq!(
        json["Expiration"],
        ecscred_mock::format_utc(issued.expiration).as_str()
    );
}

#[test]
fn env_prints_export_lines() {
    let mock = MockServer::start(MockConfig::default()).unwrap();
    let out = stdout(&ecscred(
        &mock.url(),
        &["get", "--format", "env", "--role", "EcsRamRoleTest"],
    ));
    let issued = mock.current_credential();
    assert_eq!(
        out,
        format!(
            "export ALIBABA_CLOUD_ACCESS_KEY_ID='{}'\nexport ALIBABA_CLOUD_ACCESS_KEY_SECRET='{}'\nexport ALIBABA_CLOUD_SECURITY_TOKEN='{}'\n",
            issued.access_key_id, issued.access_key_secret, issued.security_token
        )
    );
    assert_eq!(
        mock.counters().role_gets,
        0,
        "the role option skips discovery"
    );
}

#[test]
fn aliyun_cli_prints_the_external_mode_profile() {
    let mock = MockServer::start(MockConfig::default()).unwrap();
    let out = stdout(&ecscred(&mock.url(), &["get", "--format", "aliyun-cli"]));
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let issued = mock.current_credential();
    assert_eq!(json["mode"], "StsToken");
    assert_eq!(json["access_key_id"], issued.access_key_id.as_str());
    assert_eq!(json["access_key_secret"], issued.access_key_secret.as_str());
    assert_eq!(json["sts_token"], issued.security_token.as_str());
}

#[test]
fn errors_are_one_line_with_an_exit_code_per_kind() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = ecscred(&format!("http://127.0.0.1:{port}"), &["get"]);
    assert_eq!(out.status.code(), Some(13), "unreachable");
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("ecscred: "), "{err}");

    let mock = MockServer::start(MockConfig::default()).unwrap();
    let out = ecscred(&mock.url(), &["get", "--role", "NoSuchRole"]);
    assert_eq!(out.status.code(), Some(16), "role not found");

    mock.inject(Fault::new(FaultKind::Code("Failure".into())).on(Target::Credential));
    let out = ecscred(&mock.url(), &["get"]);
    assert_eq!(out.status.code(), Some(18), "invalid response");
    let err = String::from_utf8(out.stderr).unwrap();
    for issued in mock.issued() {
        assert!(!err.contains(&issued.access_key_secret) && !err.contains(&issued.security_token));
    }

    let out = Command::new(env!("CARGO_BIN_EXE_ecscred"))
        .args(["get"])
        .env("ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT", mock.url())
        .env("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(11), "disabled");
}

#[test]
fn off_ecs_where_packets_vanish_is_unreachable_with_its_hint() {
    let hole = Blackhole::start().unwrap();
    let out = ecscred(&hole.url(), &["get"]);
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(13), "unreachable: {err}");
    assert!(err.contains("is this an ECS instance"), "{err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn mock_metadata_prints_its_url_and_serves() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ecscred"))
        .args([
            "mock-metadata",
            "--port",
            "0",
            "--role",
            "DemoRole",
            "--lifetime",
            "60",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut url = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut url)
        .unwrap();
    let url = url.trim().to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let out = ecscred(&url, &["get"]);
    child.kill().unwrap();
    child.wait().unwrap();
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert!(json["AccessKeyId"].as_str().unwrap().starts_with("STS."));
}
