//! Profile-file secrets never reach a log line or an error, and a profile file others can
//! read is warned about once. Its own test binary: it installs the global log subscriber.

mod common;

use std::os::unix::fs::PermissionsExt;

use common::LogCapture;
use ecscred::{Provider, SourceKind};

const SECRET: &str = "profile-secret-9f8e7d6c5b4a";
const TOKEN: &str = "profile-token-0a1b2c3d4e5f";

#[test]
fn profile_secrets_stay_out_of_logs_and_errors_and_exposure_is_warned_once() {
    let capture = LogCapture::install();
    let home = std::env::temp_dir().join(format!("ecscred-chain-secrets-{}", std::process::id()));
    std::fs::create_dir_all(home.join(".aliyun")).unwrap();
    let config = home.join(".aliyun/config.json");
    let failing = home.join("fail.sh");
    std::fs::write(
        &failing,
        format!("#!/bin/sh\necho {SECRET} {TOKEN}\necho {SECRET} >&2\nexit 1\n"),
    )
    .unwrap();
    std::fs::set_permissions(&failing, std::fs::Permissions::from_mode(0o700)).unwrap();
    let closed = common::closed_port();
    std::fs::write(
        &config,
        format!(
            r#"{{"current": "sts", "profiles": [
              {{"name": "sts", "mode": "StsToken", "access_key_id": "STS.visible", "access_key_secret": "{SECRET}", "sts_token": "{TOKEN}"}},
              {{"name": "ram", "mode": "RamRoleArn", "access_key_id": "LTAIvisible", "access_key_secret": "{SECRET}", "ram_role_arn": "acs:ram::1:role/x"}},
              {{"name": "ext", "mode": "External", "process_command": "{} {SECRET}"}},
              {{"name": "bad", "mode": "AK", "access_key_id": "LTAI", "access_key_secret": "{SECRET} with space"}}
            ]}}"#,
            failing.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o644)).unwrap();
    let home_var = home.display().to_string();
    let build = |profile: &str| {
        let home = home_var.clone();
        Provider::builder()
            .source(SourceKind::Chain)
            .profile(profile)
            .sts_endpoint(format!("http://127.0.0.1:{closed}"))
            .env(move |name| (name == "HOME").then(|| home.clone()))
            .build()
    };
    let mut texts = Vec::new();
    let sts = build("sts").unwrap();
    let c = sts.credential().unwrap();
    texts.push(format!(
        "{c:?} {sts:?} {:?} {}",
        sts.source_info(),
        sts.source_info()
    ));
    for profile in ["ram", "ext"] {
        let p = build(profile).unwrap();
        texts.push(format!("{p:?} {}", p.source_info()));
        let e = p.credential().unwrap_err();
        texts.push(format!("{e} {e:?}"));
    }
    let e = build("bad").unwrap_err();
    assert!(e.to_string().contains("access_key_secret"), "{e}");
    texts.push(format!("{e} {e:?}"));

    let logs = capture.text();
    for text in texts.iter().chain([&logs]) {
        assert!(!text.contains(SECRET), "secret leaked: {text}");
        assert!(!text.contains(TOKEN), "token leaked: {text}");
    }
    let warnings = logs.matches("can be read by other users").count();
    assert_eq!(warnings, 1, "{logs}");
    assert!(logs.contains("chmod 600"), "{logs}");
    let _ = std::fs::remove_dir_all(&home);
}
