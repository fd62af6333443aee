//! `ecscred get --source oidc` and `ecscred mock-sts`: the pod's credential through the
//! mock STS over verified TLS, never the metadata service.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use ecscred_mock::{Fault, FaultKind, MockConfig, MockServer, MockSts, StsConfig};

const TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjbGktdGVzdCJ9.c2lnbmF0dXJlLWNsaS10ZXN0";

struct Pod {
    dir: PathBuf,
    token_file: PathBuf,
    ca_file: PathBuf,
}

impl Pod {
    fn new(name: &str, ca_pem: &str) -> Pod {
        let dir = std::env::temp_dir().join(format!("ecscred-cli-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let token_file = dir.join("token");
        std::fs::write(&token_file, TOKEN).unwrap();
        let ca_file = dir.join("ca.pem");
        std::fs::write(&ca_file, ca_pem).unwrap();
        Pod {
            dir,
            token_file,
            ca_file,
        }
    }
}

impl Drop for Pod {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Runs `ecscred` in an environment shaped like an ACK pod with RRSA whose metadata
/// service is `metadata` (which must never be asked).
fn ecscred(pod: &Pod, sts_url: &str, metadata: &MockServer, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_ecscred"))
        .args(args)
        .env(
            "ALIBABA_CLOUD_ROLE_ARN",
            "acs:ram::1234567890:role/cli-test",
        )
        .env(
            "ALIBABA_CLOUD_OIDC_PROVIDER_ARN",
            "acs:ram::1234567890:oidc-provider/ack-rrsa",
        )
        .env("ALIBABA_CLOUD_OIDC_TOKEN_FILE", &pod.token_file)
        .env("ALIBABA_CLOUD_STS_ENDPOINT", sts_url)
        .env(
            "ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT",
            metadata.url(),
        )
        .env_remove("ALIBABA_CLOUD_STS_REGION")
        .env_remove("ALIBABA_CLOUD_ROLE_SESSION_NAME")
        .output()
        .unwrap()
}

fn ca_arg(pod: &Pod) -> String {
    pod.ca_file.display().to_string()
}

#[test]
fn get_source_oidc_prints_the_credential_sts_issued() {
    let sts = MockSts::start(StsConfig::new(TOKEN)).unwrap();
    let metadata = MockServer::start(MockConfig::default()).unwrap();
    let pod = Pod::new("happy", &sts.ca_pem());
    let ca = ca_arg(&pod);
    let out = ecscred(
        &pod,
        &sts.url(),
        &metadata,
        &["get", "--source", "oidc", "--sts-ca-file", &ca],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let issued = &sts.issued()[0];
    assert_eq!(json["AccessKeyId"], issued.access_key_id.as_str());
    assert_eq!(json["AccessKeySecret"], issued.access_key_secret.as_str());
    assert_eq!(json["SecurityToken"], issued.security_token.as_str());
    assert_eq!(metadata.counters().requests, 0);

    // Flags win over the environment.
    let out = ecscred(
        &pod,
        "https://127.0.0.1:9",
        &metadata,
        &[
            "get",
            "--source",
            "oidc",
            "--sts-ca-file",
            &ca,
            "--sts-endpoint",
            &sts.url(),
            "--role-session-name",
            "from-flag",
            "--duration",
            "900",
            "--format",
            "env",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(sts.requests()[1].contains("RoleSessionName=from-flag DurationSeconds=900"));
    assert_eq!(metadata.counters().requests, 0);
}

#[test]
fn invalid_configurations_exit_12_and_refusals_name_sts_code() {
    let sts = MockSts::start(StsConfig::new(TOKEN)).unwrap();
    let metadata = MockServer::start(MockConfig::default()).unwrap();
    let pod = Pod::new("errors", &sts.ca_pem());
    let ca = ca_arg(&pod);
    let run = |url: &str, extra: &[&str]| {
        let mut args = vec!["get", "--source", "oidc", "--sts-ca-file", &ca];
        args.extend_from_slice(extra);
        ecscred(&pod, url, &metadata, &args)
    };
    // A plain-http STS that is not on loopback.
    let out = run("http://sts.example.com", &[]);
    assert_eq!(
        out.status.code(),
        Some(12),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A missing token file, named.
    let missing = pod.dir.join("no-such-token");
    let out = run(
        &sts.url(),
        &["--oidc-token-file", missing.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(12));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(missing.to_str().unwrap()), "{stderr}");
    // STS refuses the token: its code, never the token; exit 15 (HTTP status).
    sts.set_token("another");
    let out = run(&sts.url(), &[]);
    assert_eq!(out.status.code(), Some(15));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("InvalidParameter.OIDCToken"), "{stderr}");
    assert!(!stderr.contains("eyJ"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    // Throttled three times: retried, then reported.
    sts.set_token(TOKEN);
    sts.inject(Fault::new(FaultKind::Code("Throttling.User".into())).times(3));
    let out = run(&sts.url(), &[]);
    assert_eq!(out.status.code(), Some(15));
    // OIDC flags without --source oidc are a usage error.
    let out = ecscred(
        &pod,
        &sts.url(),
        &metadata,
        &["get", "--role-arn", "acs:ram::1:role/x"],
    );
    assert_eq!(out.status.code(), Some(2));
    // Without the mock's CA, its certificate is refused (13: unreachable).
    let out = ecscred(&pod, &sts.url(), &metadata, &["get", "--source", "oidc"]);
    assert_eq!(
        out.status.code(),
        Some(13),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(metadata.counters().requests, 0);
}

#[test]
fn status_source_oidc_reports_sts_and_the_role_arn_never_a_secret() {
    let sts = MockSts::start(StsConfig::new(TOKEN)).unwrap();
    let metadata = MockServer::start(MockConfig::default()).unwrap();
    let pod = Pod::new("status", &sts.ca_pem());
    let ca = ca_arg(&pod);
    let status = |format: &str| {
        ecscred(
            &pod,
            &sts.url(),
            &metadata,
            &[
                "status",
                "--source",
                "oidc",
                "--sts-ca-file",
                &ca,
                "--format",
                format,
            ],
        )
    };
    let out = status("json");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let shown = String::from_utf8(out.stdout).unwrap();
    let json: serde_json::Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(json["healthy"], true);
    assert_eq!(json["source"], "oidc");
    assert_eq!(json["endpoint"], sts.url().as_str());
    assert_eq!(json["role_arn"], "acs:ram::1234567890:role/cli-test");
    assert!(json.get("role").is_none(), "{json}");
    assert_eq!(
        json["expiration"],
        ecscred_mock::format_utc(sts.issued()[0].expiration).as_str()
    );
    assert_eq!(json["last_error"], serde_json::Value::Null);
    let text = String::from_utf8(status("text").stdout).unwrap();
    assert!(text.contains("healthy: yes\n"), "{text}");
    assert!(text.contains("source: oidc\n"), "{text}");
    assert!(
        text.contains(&format!("endpoint: {}\n", sts.url())),
        "{text}"
    );
    assert!(
        text.contains("role arn: acs:ram::1234567890:role/cli-test\n"),
        "{text}"
    );

    // STS refuses the token: unhealthy, STS's code, exit 15.
    sts.set_token("another");
    let out = status("json");
    assert_eq!(out.status.code(), Some(15));
    let refused = String::from_utf8(out.stdout).unwrap();
    let json: serde_json::Value = serde_json::from_str(&refused).unwrap();
    assert_eq!(json["healthy"], false);
    assert_eq!(json["source"], "oidc");
    assert_eq!(json["last_error"]["http_status"], 400);
    assert!(json["last_error"]["message"]
        .as_str()
        .unwrap()
        .contains("InvalidParameter.OIDCToken"));

    // A missing token file: invalid configuration naming the path, exit 12.
    let missing = pod.dir.join("no-such-token");
    let out = ecscred(
        &pod,
        &sts.url(),
        &metadata,
        &[
            "status",
            "--source",
            "oidc",
            "--oidc-token-file",
            missing.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(12));
    let missing_out = String::from_utf8(out.stdout).unwrap();
    let json: serde_json::Value = serde_json::from_str(&missing_out).unwrap();
    assert_eq!(json["source"], "oidc");
    assert_eq!(json["last_error"]["kind"], "invalid config");
    assert!(json["last_error"]["message"]
        .as_str()
        .unwrap()
        .contains(missing.to_str().unwrap()));
    // OIDC flags need --source oidc here too.
    let out = ecscred(
        &pod,
        &sts.url(),
        &metadata,
        &["status", "--role-arn", "acs:ram::1:role/x"],
    );
    assert_eq!(out.status.code(), Some(2));

    for output in [&shown, &text, &refused, &missing_out] {
        assert!(!output.contains(TOKEN), "{output}");
        for issued in sts.issued() {
            assert!(!output.contains(&issued.access_key_secret));
            assert!(!output.contains(&issued.security_token));
        }
    }
    assert_eq!(metadata.counters().requests, 0);
}

#[test]
fn mock_sts_prints_its_url_writes_its_ca_and_serves() {
    let metadata = MockServer::start(MockConfig::default()).unwrap();
    let pod = Pod::new("mock-sts", "");
    let ca_file = pod.dir.join("mock-ca.pem");
    let mut child = Command::new(env!("CARGO_BIN_EXE_ecscred"))
        .args(["mock-sts", "--port", "0", "--token-file"])
        .arg(&pod.token_file)
        .arg("--ca-file")
        .arg(&ca_file)
        .args(["--lifetime", "900"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut url = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut url)
        .unwrap();
    let url = url.trim().to_owned();
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");
    assert!(std::fs::read_to_string(&ca_file)
        .unwrap()
        .contains("BEGIN CERTIFICATE"));
    let out = ecscred(
        &pod,
        &url,
        &metadata,
        &["get", "--source", "oidc", "--sts-ca-file", &path(&ca_file)],
    );
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(json["AccessKeyId"].as_str().unwrap().starts_with("STS."));
}

fn path(p: &Path) -> String {
    p.display().to_string()
}
