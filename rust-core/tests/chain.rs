//! The default chain: which source is selected from which configuration (the precedence
//! matrix), profile files (every mode, every kind of malformed file), the External
//! command, and that a configured source that fails is reported, never skipped.
//! Every test builds from a fake environment whose `HOME` is a fresh temporary
//! directory: the machine's own profile files are never read.

mod common;

use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use common::Fixture;
use ecscred::{ErrorKind, Provider, ProviderBuilder, SourceKind};

const AK_SECRET: &str = "ak-secret-0000000000000000000000";
const STS_TOKEN: &str = "sts-token-1111111111111111111111";

/// A fake environment with its own home directory.
struct Env {
    vars: HashMap<String, String>,
    home: PathBuf,
}

impl Env {
    fn new() -> Env {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let home = std::env::temp_dir().join(format!(
            "ecscred-chain-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&home).unwrap();
        let mut vars = HashMap::new();
        vars.insert("HOME".to_owned(), home.display().to_string());
        Env { vars, home }
    }

    fn set(mut self, name: &str, value: impl Into<String>) -> Env {
        self.vars.insert(name.to_owned(), value.into());
        self
    }

    /// Writes `text` to `relative` under the home directory (mode 0600).
    fn file(self, relative: &str, text: &str) -> Env {
        let path = self.home.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        self
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.home.join(relative)
    }

    fn builder(&self, source: SourceKind) -> ProviderBuilder {
        let vars = self.vars.clone();
        Provider::builder()
            .source(source)
            .env(move |name| vars.get(name).cloned())
    }

    fn chain(&self) -> ecscred::Result<Provider> {
        self.builder(SourceKind::Chain).build()
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.home);
    }
}

fn cli_json(profiles: &str, current: &str) -> String {
    format!(r#"{{"current": "{current}", "profiles": [{profiles}], "meta_path": ""}}"#)
}

fn ak_profile(name: &str) -> String {
    format!(
        r#"{{"name": "{name}", "mode": "AK", "access_key_id": "LTAI{name}",
            "access_key_secret": "{AK_SECRET}", "sts_token": "", "region_id": "cn-hangzhou",
            "expired_seconds": 0, "enable_vpc": false}}"#
    )
}

/// One way of configuring each source, in the chain's order.
fn configure(env: Env, source: &str) -> Env {
    match source {
        "env" => env
            .set("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAIenv")
            .set("ALIBABA_CLOUD_ACCESS_KEY_SECRET", AK_SECRET),
        "oidc" => {
            let token = env.path("token");
            env.set("ALIBABA_CLOUD_ROLE_ARN", "acs:ram::1:role/pod")
                .set("ALIBABA_CLOUD_OIDC_PROVIDER_ARN", "acs:ram::1:oidc-provider/ack")
                .set("ALIBABA_CLOUD_OIDC_TOKEN_FILE", token.display().to_string())
        }
        "cli" => env.file(".aliyun/config.json", &cli_json(&ak_profile("default"), "default")),
        "ini" => env.file(
            ".alibabacloud/credentials.ini",
            &format!(
                "[default]\ntype = access_key\naccess_key_id = LTAIini\naccess_key_secret = {AK_SECRET}\n"
            ),
        ),
        "ecs" => env.set("ALIBABA_CLOUD_ECS_METADATA", "EcsRamRoleTest"),
        "uri" => env.set("ALIBABA_CLOUD_CREDENTIALS_URI", "http://127.0.0.1:9/credentials"),
        other => panic!("unknown source {other}"),
    }
}

/// What `configure(source)` is reported as.
fn expected_name(source: &str) -> &'static str {
    match source {
        "env" => "default/env",
        "oidc" => "default/oidc_role_arn",
        "cli" => "default/cli_profile/static_ak",
        "ini" => "default/profile/access_key",
        "ecs" => "default/ecs_ram_role",
        "uri" => "default/credential_uri",
        other => panic!("unknown source {other}"),
    }
}

const ORDER: [&str; 6] = ["env", "oidc", "cli", "ini", "ecs", "uri"];

#[test]
fn each_source_alone_is_selected() {
    for source in ORDER {
        let env = configure(Env::new(), source);
        let p = env.chain().unwrap_or_else(|e| panic!("{source}: {e}"));
        assert_eq!(p.provider_name(), expected_name(source), "{source}");
        assert!(p.source_info().chain);
        assert_ne!(p.source(), SourceKind::Chain);
    }
}

#[test]
fn every_pair_selects_the_earlier_source() {
    for (i, first) in ORDER.iter().enumerate() {
        for second in &ORDER[i + 1..] {
            let env = configure(configure(Env::new(), second), first);
            let p = env
                .chain()
                .unwrap_or_else(|e| panic!("{first}+{second}: {e}"));
            assert_eq!(
                p.provider_name(),
                expected_name(first),
                "{first} + {second}"
            );
        }
    }
}

#[test]
fn nothing_configured_selects_the_ecs_role_unless_disabled() {
    let env = Env::new();
    let p = env.chain().unwrap();
    assert_eq!(p.provider_name(), "default/ecs_ram_role");
    assert!(
        p.source_info().selected_by.contains("nothing else"),
        "{:?}",
        p.source_info()
    );

    let env = Env::new().set("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true");
    let e = env.chain().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidConfig);
    assert!(
        e.to_string().contains("no credential source is configured"),
        "{e}"
    );

    // Disabled ECS with a URI: the URI.
    let env = configure(Env::new(), "uri").set("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "1");
    assert_eq!(
        env.chain().unwrap().provider_name(),
        "default/credential_uri"
    );
}

#[test]
fn half_configured_sources_are_errors_not_skipped() {
    let cases: [(&[(&str, &str)], &str); 4] = [
        (
            &[("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAIx")],
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
        ),
        (
            &[("ALIBABA_CLOUD_ACCESS_KEY_SECRET", AK_SECRET)],
            "ALIBABA_CLOUD_ACCESS_KEY_ID",
        ),
        (
            &[("ALIBABA_CLOUD_ROLE_ARN", "acs:ram::1:role/pod")],
            "ALIBABA_CLOUD_OIDC_TOKEN_FILE",
        ),
        (
            &[("ALIBABA_CLOUD_PROFILE", "missing")],
            "\"missing\" named by ALIBABA_CLOUD_PROFILE",
        ),
    ];
    for (vars, named) in cases {
        // The ECS role is configured too: it must not be chosen instead.
        let mut env = configure(Env::new(), "ecs");
        for (k, v) in vars {
            env = env.set(k, *v);
        }
        let e = env.chain().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidConfig, "{vars:?}");
        assert!(e.to_string().contains(named), "{vars:?}: {e}");
        assert!(!e.to_string().contains(AK_SECRET), "{e}");
    }
}

#[test]
fn a_failing_selected_source_is_reported_and_the_next_never_asked() {
    // OIDC is configured (its token file is missing) and a metadata service is up.
    let f = Fixture::default();
    let env = configure(Env::new(), "oidc")
        .set("ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT", f.mock.url())
        .set(
            "ALIBABA_CLOUD_STS_ENDPOINT",
            format!("http://127.0.0.1:{}", common::closed_port()),
        );
    let p = env.chain().unwrap();
    let e = p.credential().unwrap_err();
    let shown = e.to_string();
    assert!(
        shown.contains("the credential chain's source default/oidc_role_arn"),
        "{shown}"
    );
    assert!(shown.contains("ALIBABA_CLOUD_OIDC_TOKEN_FILE"), "{shown}");
    assert_eq!(
        f.mock.counters().requests,
        0,
        "the metadata service was asked"
    );
}

#[test]
fn the_environment_key_is_long_term() {
    let env = configure(Env::new(), "env");
    let c = env.chain().unwrap().credential().unwrap();
    assert_eq!(c.access_key_id(), "LTAIenv");
    assert_eq!(c.access_key_secret(), AK_SECRET);
    assert!(!c.has_security_token() && c.security_token().is_empty());
    assert!(!c.expires());
    let env = configure(Env::new(), "env").set("ALIBABA_CLOUD_SECURITY_TOKEN", STS_TOKEN);
    let p = env.chain().unwrap();
    assert!(p
        .source_info()
        .selected_by
        .contains("ALIBABA_CLOUD_SECURITY_TOKEN"));
    assert_eq!(p.credential().unwrap().security_token(), STS_TOKEN);
    // Pinned, and not configured.
    let e = Env::new().builder(SourceKind::Env).build().unwrap_err();
    assert!(e.to_string().contains("ALIBABA_CLOUD_ACCESS_KEY_ID"), "{e}");
}

#[test]
fn cli_profiles_are_chosen_by_variable_or_current() {
    let profiles = format!("{},{}", ak_profile("one"), ak_profile("two"));
    let env = Env::new().file(".aliyun/config.json", &cli_json(&profiles, "two"));
    let p = env.chain().unwrap();
    assert_eq!(p.credential().unwrap().access_key_id(), "LTAItwo");
    let info = p.source_info();
    assert_eq!(info.profile.as_deref(), Some("two"));
    assert_eq!(
        info.file.as_deref(),
        Some(env.path(".aliyun/config.json").as_path())
    );
    assert!(info.selected_by.contains("\"current\""), "{info:?}");

    let env = env.set("ALIBABA_CLOUD_PROFILE", "one");
    let p = env.chain().unwrap();
    assert_eq!(p.credential().unwrap().access_key_id(), "LTAIone");
    assert!(p
        .source_info()
        .selected_by
        .contains("ALIBABA_CLOUD_PROFILE"));

    // ALIBABA_CLOUD_CONFIG_FILE moves the file; a named file that is missing is an error.
    let moved = Env::new().file("elsewhere.json", &cli_json(&ak_profile("x"), "x"));
    let elsewhere = moved.path("elsewhere.json").display().to_string();
    let moved = moved.set("ALIBABA_CLOUD_CONFIG_FILE", elsewhere);
    assert_eq!(
        moved.chain().unwrap().provider_name(),
        "default/cli_profile/static_ak"
    );
    let e = Env::new()
        .set("ALIBABA_CLOUD_CONFIG_FILE", "/nonexistent/config.json")
        .chain()
        .unwrap_err();
    assert!(e.to_string().contains("/nonexistent/config.json"), "{e}");

    // Disabled: the CLI file is skipped.
    let env = configure(Env::new(), "cli").set("ALIBABA_CLOUD_CLI_PROFILE_DISABLED", "true");
    assert_eq!(env.chain().unwrap().provider_name(), "default/ecs_ram_role");
}

#[test]
fn a_profile_named_in_neither_file_is_an_error() {
    let env = configure(configure(Env::new(), "cli"), "ini").set("ALIBABA_CLOUD_PROFILE", "ghost");
    let e = env.chain().unwrap_err();
    assert!(
        e.to_string().contains("config.json") && e.to_string().contains("credentials.ini"),
        "{e}"
    );
    // A profile the ini file has but config.json lacks: the ini one.
    let env = configure(Env::new(), "cli")
        .file(
            ".alibabacloud/credentials.ini",
            &format!("[ci]\ntype = access_key\naccess_key_id = LTAIci\naccess_key_secret = {AK_SECRET}\n"),
        )
        .set("ALIBABA_CLOUD_PROFILE", "ci");
    assert_eq!(
        env.chain().unwrap().credential().unwrap().access_key_id(),
        "LTAIci"
    );
}

#[test]
fn every_cli_mode_maps_to_its_source() {
    let token = "tokenfile";
    let profiles = format!(
        r#"{ak},
        {{"name": "sts", "mode": "StsToken", "access_key_id": "STS.x", "access_key_secret": "{AK_SECRET}", "sts_token": "{STS_TOKEN}"}},
        {{"name": "ram", "mode": "RamRoleArn", "access_key_id": "LTAIram", "access_key_secret": "{AK_SECRET}",
          "ram_role_arn": "acs:ram::1:role/dev", "ram_session_name": "me", "expired_seconds": 900,
          "sts_region": "cn-shanghai", "enable_vpc": true}},
        {{"name": "ecs", "mode": "EcsRamRole", "ram_role_name": "EcsRamRoleTest"}},
        {{"name": "oidc", "mode": "OIDC", "ram_role_arn": "acs:ram::1:role/pod",
          "oidc_provider_arn": "acs:ram::1:oidc-provider/ack", "oidc_token_file": "{token}"}},
        {{"name": "chained", "mode": "ChainableRamRoleArn", "source_profile": "ecs",
          "ram_role_arn": "acs:ram::1:role/next"}},
        {{"name": "ext", "mode": "External", "process_command": "/bin/echo hello"}},
        {{"name": "uri", "mode": "CredentialsURI", "credentials_uri": "http://127.0.0.1:9/c"}}"#,
        ak = ak_profile("ak")
    );
    let env = Env::new().file(".aliyun/config.json", &cli_json(&profiles, "ak"));
    for (profile, name, kind) in [
        ("ak", "cli_profile/static_ak", SourceKind::Profile),
        ("sts", "cli_profile/static_sts", SourceKind::Profile),
        ("ram", "cli_profile/ram_role_arn", SourceKind::Profile),
        ("ecs", "cli_profile/ecs_ram_role", SourceKind::Profile),
        ("oidc", "cli_profile/oidc_role_arn", SourceKind::Profile),
        (
            "chained",
            "cli_profile/ram_role_arn/ecs_ram_role",
            SourceKind::Profile,
        ),
        ("ext", "cli_profile/external", SourceKind::Profile),
        ("uri", "cli_profile/credential_uri", SourceKind::Profile),
    ] {
        let p = env
            .builder(SourceKind::Profile)
            .profile(profile)
            .build()
            .unwrap_or_else(|e| panic!("{profile}: {e}"));
        assert_eq!(p.provider_name(), name, "{profile}");
        assert_eq!(p.source(), kind);
    }
    let ram = env
        .builder(SourceKind::Profile)
        .profile("ram")
        .build()
        .unwrap();
    assert_eq!(ram.endpoint(), "https://sts-vpc.cn-shanghai.aliyuncs.com");
    assert_eq!(ram.role_arn(), Some("acs:ram::1:role/dev"));
    // ALIBABA_CLOUD_STS_ENDPOINT wins over the profile's region.
    let ram = env
        .builder(SourceKind::Profile)
        .profile("ram")
        .sts_endpoint("http://127.0.0.1:9")
        .build()
        .unwrap();
    assert_eq!(ram.endpoint(), "http://127.0.0.1:9");
    let sts = env
        .builder(SourceKind::Profile)
        .profile("sts")
        .build()
        .unwrap();
    let c = sts.credential().unwrap();
    assert_eq!(c.security_token(), STS_TOKEN);
    assert!(!c.expires());
}

/// Asserts building from `json` (as config.json) fails naming `needle` and the file,
/// never quoting a secret.
fn assert_cli_error(json: &str, needle: &str) {
    let env = Env::new().file(".aliyun/config.json", json);
    let e = env
        .chain()
        .err()
        .unwrap_or_else(|| panic!("accepted: {json}"));
    let shown = e.to_string();
    assert_eq!(e.kind(), ErrorKind::InvalidConfig, "{shown}");
    assert!(shown.contains(needle), "{needle:?} not in {shown}");
    assert!(
        shown.contains(&env.path(".aliyun/config.json").display().to_string()),
        "{shown}"
    );
    for secret in [AK_SECRET, STS_TOKEN, "s3cr3t", "Telepathy"] {
        assert!(!shown.contains(secret), "{shown}");
    }
}

#[test]
fn malformed_cli_configurations_are_explained_without_values() {
    let p = |fields: &str| cli_json(&format!(r#"{{"name": "p", {fields}}}"#), "p");
    assert_cli_error(
        &format!(
            r#"{{"current": "p", "profiles": [{{"name": "p", "access_key_secret": "{AK_SECRET}""#
        ),
        "line 1",
    );
    assert_cli_error(&format!("{{\n\"current\": \"p\",\n\"profiles\": [\n{{\"name\": \"p\" \"x\": \"{AK_SECRET}\"}}]}}"), "line 4");
    assert_cli_error(
        &p(&format!(
            r#""mode": "AK", "access_key_secret": "{AK_SECRET}""#
        )),
        "\"access_key_id\" is missing",
    );
    assert_cli_error(
        &p(&format!(
            r#""mode": "AK", "access_key_id": 42, "access_key_secret": "{AK_SECRET}""#
        )),
        "\"access_key_id\" must be a string",
    );
    assert_cli_error(
        &p(&format!(
            r#""mode": "StsToken", "access_key_id": "a", "access_key_secret": "{AK_SECRET}""#
        )),
        "\"sts_token\" is missing",
    );
    assert_cli_error(
        &p(r#""mode": "Telepathy""#),
        "its \"mode\" is not one ecscred supports",
    );
    assert_cli_error(&p(r#""mode": "LTAIs3cr3tLooksLikeAName""#), "(AK, StsToken");
    assert_cli_error(&p(r#""access_key_id": "a""#), "\"mode\" is missing");
    assert_cli_error(
        &p(&format!(
            r#""mode": "RamRoleArn", "access_key_id": "a", "access_key_secret": "{AK_SECRET}", "ram_role_arn": "acs:ram::1:role/x", "expired_seconds": "soon""#
        )),
        "\"expired_seconds\" must be a whole number",
    );
    assert_cli_error(
        &p(&format!(
            r#""mode": "RamRoleArn", "access_key_id": "a", "access_key_secret": "{AK_SECRET}", "ram_role_arn": "acs:ram::1:role/x", "expired_seconds": 60"#
        )),
        "between 900 and 43200",
    );
    assert_cli_error(
        &p(&format!(
            r#""mode": "RamRoleArn", "access_key_id": "a", "access_key_secret": "{AK_SECRET}", "ram_role_arn": "acs:ram::1:role/x", "enable_vpc": "maybe""#
        )),
        "\"enable_vpc\" must be true or false",
    );
    assert_cli_error(
        &format!(r#"{{"profiles": [{}]}}"#, ak_profile("a")),
        "no \"current\" profile",
    );
    assert_cli_error(
        &cli_json(&ak_profile("a"), "b"),
        "names \"b\" as \"current\"",
    );
    assert_cli_error(r#"{"current": "a", "profiles": {"a": 1}}"#, "not an array");
    assert_cli_error(
        r#"{"current": "a", "profiles": [{"mode": "AK"}]}"#,
        "without a \"name\"",
    );
    let cycle = r#"{"name": "a", "mode": "ChainableRamRoleArn", "source_profile": "b", "ram_role_arn": "acs:ram::1:role/x"},
                   {"name": "b", "mode": "ChainableRamRoleArn", "source_profile": "a", "ram_role_arn": "acs:ram::1:role/y"}"#;
    assert_cli_error(&cli_json(cycle, "a"), "leads back to itself");
    let dangling = r#"{"name": "a", "mode": "ChainableRamRoleArn", "source_profile": "zz", "ram_role_arn": "acs:ram::1:role/x"}"#;
    assert_cli_error(&cli_json(dangling, "a"), "\"zz\" does not exist");
}

#[test]
fn malformed_ini_files_are_explained_without_values() {
    for (text, needle) in [
        (format!("[default]\ntype = access_key\naccess_key_id = a\n[broken\naccess_key_secret = {AK_SECRET}\n"), "is not a valid ini file (line "),
        ("[default]\naccess_key_id = a\n".to_owned(), "\"type\" is missing"),
        ("[default]\ntype = telepathy\n".to_owned(), "its \"type\" is not one ecscred supports"),
        (format!("[default]\ntype = access_key\naccess_key_secret = {AK_SECRET}\n"), "\"access_key_id\" is missing"),
        (format!("[default]\ntype = ram_role_arn\naccess_key_id = a\naccess_key_secret = {AK_SECRET}\n"), "\"role_arn\" is missing"),
    ] {
        let env = Env::new().file(".alibabacloud/credentials.ini", &text);
        let e = env.chain().err().unwrap_or_else(|| panic!("accepted: {text}"));
        let shown = e.to_string();
        assert!(shown.contains(needle), "{needle:?} not in {shown}");
        assert!(shown.contains("credentials.ini"), "{shown}");
        assert!(!shown.contains(AK_SECRET), "{shown}");
    }
    // The Go default path is read when the Python one is absent.
    let env = Env::new().file(
        ".alibabacloud/credentials",
        "[default]\ntype = ecs_ram_role\nrole_name = EcsRamRoleTest\n",
    );
    assert_eq!(
        env.chain().unwrap().provider_name(),
        "default/profile/ecs_ram_role"
    );
    assert_eq!(env.chain().unwrap().role_name(), Some("EcsRamRoleTest"));
}

fn script(env: &Env, name: &str, body: &str) -> PathBuf {
    let path = env.path(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o700)).unwrap();
    path
}

fn external(env: &Env, command: &Path) -> Provider {
    let json = cli_json(
        &format!(
            r#"{{"name": "ext", "mode": "External", "process_command": "{} --flag"}}"#,
            command.display()
        ),
        "ext",
    );
    let config = env.path("config.json");
    std::fs::write(&config, json).unwrap();
    env.builder(SourceKind::Profile)
        .config_file(config)
        .fetch_timeout(Duration::from_millis(1500))
        .build()
        .unwrap()
}

#[test]
fn external_commands_that_work_fail_hang_or_babble() {
    let env = Env::new();
    let good = script(
        &env,
        "good.sh",
        &format!(
            r#"[ "$1" = --flag ] || exit 3; printf '{{"mode":"StsToken","access_key_id":"STS.ext","access_key_secret":"{AK_SECRET}","sts_token":"{STS_TOKEN}","expiration":"2099-01-01T00:00:00Z"}}'"#
        ),
    );
    let c = external(&env, &good).credential().unwrap();
    assert_eq!(c.access_key_id(), "STS.ext");
    assert!(c.expires());

    let failing = script(&env, "fail.sh", &format!("echo {AK_SECRET} >&2; exit 7"));
    let e = external(&env, &failing).credential().unwrap_err();
    assert!(e.to_string().contains("exited with status 7"), "{e}");
    assert!(
        e.to_string().contains("default/cli_profile/external") || e.to_string().contains("fail.sh"),
        "{e}"
    );

    let garbage = script(&env, "garbage.sh", &format!("echo 'not json {AK_SECRET}'"));
    let e = external(&env, &garbage).credential().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidResponse);
    assert!(!e.to_string().contains(AK_SECRET), "{e}");

    // A command that hangs (and a child of it that would keep the pipe open) is killed.
    let marker = env.path("survived");
    let hanging = script(
        &env,
        "hang.sh",
        &format!("(sleep 3; touch {}) & sleep 30", marker.display()),
    );
    let e = external(&env, &hanging).credential().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    std::thread::sleep(Duration::from_secs(4));
    assert!(
        !marker.exists(),
        "a process the command started outlived the timeout"
    );

    let e = external(&env, Path::new("/nonexistent/credential-helper"))
        .credential()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidConfig, "{e}");
}

#[test]
fn credentials_uris_must_be_https_or_loopback() {
    for ok in [
        "https://creds.example.com/v1?token=abc",
        "http://127.0.0.1:8080/credentials",
        "http://[::1]:9/c",
        "http://localhost:9/c",
    ] {
        let env = Env::new().set("ALIBABA_CLOUD_CREDENTIALS_URI", ok);
        let p = env.chain().unwrap_or_else(|e| panic!("{ok}: {e}"));
        assert!(!p.endpoint().contains("token"), "{}", p.endpoint());
        assert!(!format!("{p:?} {}", p.source_info()).contains("abc"));
    }
    for bad in [
        "http://10.0.0.1/credentials",
        "http://creds.example.com/c",
        "ftp://127.0.0.1/c",
        "https://user:pw-secret@creds.example.com/c",
        "not a url",
    ] {
        let env = Env::new().set("ALIBABA_CLOUD_CREDENTIALS_URI", bad);
        let e = env
            .chain()
            .err()
            .unwrap_or_else(|| panic!("accepted {bad}"));
        assert_eq!(e.kind(), ErrorKind::InvalidConfig, "{bad}");
        assert!(
            e.to_string().contains("ALIBABA_CLOUD_CREDENTIALS_URI"),
            "{e}"
        );
        assert!(!e.to_string().contains("pw-secret"), "{e}");
    }
}
