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
            "export ALIBABA_CLOUD_ACCESS_KEY_ID='{}'\nexport ALIBABA_CLOUD_ACCESS_KEY_SECRET='{}'\nexport ALIBABA_CLOUD_SECURITY_TOKEN='{}'\nexport ALIBABA_CLOUD_CREDENTIALS_EXPIRATION='{}'\n",
            issued.access_key_id,
            issued.access_key_secret,
            issued.security_token,
            ecscred_mock::format_utc(issued.expiration)
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

fn closed_url() -> String {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    format!("http://127.0.0.1:{port}")
}

fn ecscred_with(mock_url: &str, args: &[&str], vars: &[(&str, &str)]) -> std::process::Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ecscred"));
    command
        .args(args)
        .env("ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT", mock_url)
        .env_remove("ALIBABA_CLOUD_ECS_METADATA")
        .env_remove("ALIBABA_CLOUD_ECS_METADATA_DISABLED")
        .env_remove("ALIBABA_CLOUD_IMDSV1_DISABLED");
    for (name, value) in vars {
        command.env(name, value);
    }
    command.output().unwrap()
}

#[test]
fn env_failure_prints_nothing_on_stdout_so_a_script_can_stop() {
    let out = ecscred(&closed_url(), &["get", "--format", "env"]);
    assert_eq!(out.status.code(), Some(13));
    assert!(
        out.stdout.is_empty(),
        "{:?}",
        String::from_utf8_lossy(&out.stdout)
    );
    // The documented pattern stops the script before eval.
    let script = format!(
        "creds=$('{}' get --format env) || exit 7; eval \"$creds\"; echo reached",
        env!("CARGO_BIN_EXE_ecscred")
    );
    let out = Command::new("sh")
        .args(["-c", &script])
        .env("ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT", closed_url())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(7));
    assert!(out.stdout.is_empty());
}

#[test]
fn boolean_variables_take_every_usual_spelling_and_refuse_the_rest() {
    let mock =
        MockServer::start(MockConfig::default().with_mode(ecscred_mock::Mode::V1Only)).unwrap();
    for yes in ["1", "yes", "ON", " true "] {
        let out = ecscred_with(
            &mock.url(),
            &["get"],
            &[("ALIBABA_CLOUD_IMDSV1_DISABLED", yes)],
        );
        assert_eq!(out.status.code(), Some(17), "IMDSV1_DISABLED={yes:?}");
        let out = ecscred_with(
            &mock.url(),
            &["get"],
            &[("ALIBABA_CLOUD_ECS_METADATA_DISABLED", yes)],
        );
        assert_eq!(out.status.code(), Some(11), "METADATA_DISABLED={yes:?}");
    }
    assert_eq!(mock.counters().credential_gets, 0);
    for no in ["0", "no", "Off", ""] {
        let out = ecscred_with(
            &mock.url(),
            &["get"],
            &[
                ("ALIBABA_CLOUD_IMDSV1_DISABLED", no),
                ("ALIBABA_CLOUD_ECS_METADATA_DISABLED", no),
            ],
        );
        assert!(out.status.success(), "={no:?}");
    }
    for name in [
        "ALIBABA_CLOUD_IMDSV1_DISABLED",
        "ALIBABA_CLOUD_ECS_METADATA_DISABLED",
    ] {
        for command in ["get", "status"] {
            let out = ecscred_with(&mock.url(), &[command], &[(name, "maybe")]);
            assert_eq!(out.status.code(), Some(12), "{command} {name}=maybe");
            let shown = String::from_utf8_lossy(&out.stderr).into_owned()
                + &String::from_utf8_lossy(&out.stdout);
            assert!(shown.contains(name), "{shown}");
        }
    }
}

#[test]
fn status_reports_health_without_secrets() {
    let mock = MockServer::start(MockConfig::default()).unwrap();
    let out = ecscred(&mock.url(), &["status"]);
    assert!(out.status.success());
    let shown = String::from_utf8(out.stdout).unwrap();
    let json: serde_json::Value = serde_json::from_str(&shown).unwrap();
    let issued = mock.current_credential();
    assert_eq!(json["healthy"], true);
    assert_eq!(json["source"], "ecs-metadata");
    assert_eq!(json["endpoint"], mock.url().as_str());
    assert_eq!(json["role"], serde_json::Value::Null);
    assert_eq!(
        json["expiration"],
        ecscred_mock::format_utc(issued.expiration).as_str()
    );
    assert_eq!(json["consecutive_failures"], 0);
    assert_eq!(json["last_error"], serde_json::Value::Null);
    let text = stdout(&ecscred(
        &mock.url(),
        &["status", "--format", "text", "--role", "EcsRamRoleTest"],
    ));
    assert!(text.contains("healthy: yes\n"), "{text}");
    assert!(text.contains("role: EcsRamRoleTest\n"), "{text}");
    for output in [&shown, &text] {
        for issued in mock.issued() {
            assert!(!output.contains(&issued.access_key_secret));
            assert!(!output.contains(&issued.security_token));
        }
    }

    let closed = closed_url();
    let out = ecscred(&closed, &["status"]);
    assert_eq!(out.status.code(), Some(13), "unreachable");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["healthy"], false);
    assert_eq!(json["last_error"]["kind"], "unreachable");
    assert_eq!(json["last_error"]["code"], 3);
    assert!(json["last_error"]["message"]
        .as_str()
        .unwrap()
        .contains(&closed));
    assert_eq!(json["consecutive_failures"], 1);
    assert!(json["next_attempt_at"].is_string(), "{json}");
    let out = ecscred(&closed, &["status", "--format", "text"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("healthy: no\n") && text.contains("last error: unreachable (3)"));

    let help = stdout(&ecscred(&mock.url(), &["status", "--help"]));
    assert!(
        help.contains("liveness") && help.contains("fresh process"),
        "{help}"
    );
}

#[test]
fn mock_metadata_help_documents_the_admin_endpoint() {
    let help = stdout(&ecscred("http://127.0.0.1:9", &["mock-metadata", "--help"]));
    for needle in [
        "/_mock/counters",
        "/_mock/faults",
        "/_mock/clock",
        "huge_body",
    ] {
        assert!(help.contains(needle), "{needle}: {help}");
    }
}

#[test]
fn mock_metadata_flags_out_of_range_are_usage_errors() {
    for args in [
        &["--lifetime", "0"][..],
        &["--lifetime", "18446744073709551615"],
        &["--lifetime", "18446744073709551616"],
        &["--lifetime", "-1"],
        &["--lifetime", "60", "--rotate-before", "60"],
        &["--rotate-before", "18446744073709551615"],
        &["--port", "65536"],
        &["--fault", r#"{"kind":"delay","ms":18446744073709551615}"#],
        &[
            "--fault",
            r#"{"kind":"huge_body","bytes":18446744073709551615}"#,
        ],
        &["--fault", r#"{"kind":"drop","count":0}"#],
    ] {
        let out = ecscred("http://127.0.0.1:9", &[&["mock-metadata"], args].concat());
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}
