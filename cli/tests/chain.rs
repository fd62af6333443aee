//! `ecscred which` and `get`/`status --source chain|env|profile|uri`: the default credential
//! chain from the command line. Every run has a temporary HOME and no ALIBABA_CLOUD_*
//! variable but those the test sets, so the machine's own ~/.aliyun and ~/.alibabacloud
//! are never read; the metadata service is a mock on 127.0.0.1, or a closed port.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use ecscred_mock::{MockConfig, MockCredentialsUri, MockServer, MockSts, StsConfig, UriConfig};
use serde_json::Value;

const AK_ID: &str = "LTAI5tEnvKeyForChainTests";
const AK_SECRET: &str = "EnvSecret0123456789abcdefghijk";
const PROFILE_ID: &str = "LTAI5tProfileKeyForChainTests";
const PROFILE_SECRET: &str = "ProfileSecretZYXWVUTSRQPONM987";

/// A temporary HOME (removed on drop) and the variables of one `ecscred` run.
struct Home {
    dir: PathBuf,
    vars: Vec<(String, String)>,
}

impl Home {
    fn new(name: &str) -> Home {
        let dir =
            std::env::temp_dir().join(format!("ecscred-cli-chain-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Home {
            dir,
            vars: Vec::new(),
        }
    }

    fn var(mut self, name: &str, value: &str) -> Home {
        self.vars.push((name.to_owned(), value.to_owned()));
        self
    }

    fn unset(mut self, name: &str) -> Home {
        self.vars.retain(|(n, _)| n != name);
        self
    }

    fn env_key(self) -> Home {
        self.var("ALIBABA_CLOUD_ACCESS_KEY_ID", AK_ID)
            .var("ALIBABA_CLOUD_ACCESS_KEY_SECRET", AK_SECRET)
    }

    /// Writes `text` at `relative` under HOME and returns its path.
    fn file(&self, relative: &str, text: &str) -> PathBuf {
        let path = self.dir.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }

    /// ~/.aliyun/config.json with the AK profile "dev" as current.
    fn cli_config(&self) -> PathBuf {
        self.file(".aliyun/config.json", &ak_config())
    }

    /// Runs `ecscred args` with only HOME, PATH, the metadata endpoint `metadata` and the
    /// variables set.
    fn run(&self, metadata: &str, args: &[&str]) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_ecscred"));
        command
            .args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &self.dir)
            .env("ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT", metadata);
        for (name, value) in &self.vars {
            command.env(name, value);
        }
        command.output().unwrap()
    }

    /// `ecscred which args`, which must succeed, as JSON.
    fn which(&self, metadata: &str, args: &[&str]) -> Value {
        let out = self.run(metadata, &[&["which"], args].concat());
        json(&out)
    }
}

impl Drop for Home {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn ak_config() -> String {
    format!(
        r#"{{
  "current": "dev",
  "profiles": [
    {{
      "name": "dev",
      "mode": "AK",
      "access_key_id": "{PROFILE_ID}",
      "access_key_secret": "{PROFILE_SECRET}",
      "region_id": "cn-hangzhou"
    }}
  ]
}}
"#
    )
}

fn closed_url() -> String {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    format!("http://127.0.0.1:{port}")
}

/// The stdout of a successful run, as JSON.
fn json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "{:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Everything a run printed.
fn shown(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

fn assert_no_secret(out: &Output) {
    let shown = shown(out);
    for secret in [AK_SECRET, PROFILE_SECRET] {
        assert!(!shown.contains(secret), "{shown}");
    }
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn which_names_each_source_and_what_selected_it_without_fetching() {
    let metadata = MockServer::start(MockConfig::default()).unwrap();
    let url = metadata.url();

    // Nothing configured: the ECS RAM role, discovered.
    let home = Home::new("which-ecs");
    let j = home.which(&url, &[]);
    assert_eq!(j["source"], "ecs");
    assert_eq!(j["provider_name"], "default/ecs_ram_role");
    assert_eq!(j["chain"], true);
    assert!(
        j["selected_by"]
            .as_str()
            .unwrap()
            .contains("nothing else is configured"),
        "{j}"
    );
    assert_eq!(j["endpoint"], url.as_str());
    assert_eq!(j["role"], Value::Null);
    let out = home.run(&url, &["which", "--format", "text"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("source: ecs\n"), "{text}");
    assert!(
        text.contains("provider name: default/ecs_ram_role\n"),
        "{text}"
    );
    assert!(
        text.contains("role: discovered from the metadata service\n"),
        "{text}"
    );
    drop(home);

    // The ECS role named by ALIBABA_CLOUD_ECS_METADATA.
    let home = Home::new("which-ecs-role").var("ALIBABA_CLOUD_ECS_METADATA", "NamedRole");
    let j = home.which(&url, &[]);
    assert_eq!(j["source"], "ecs");
    assert_eq!(j["selected_by"], "ALIBABA_CLOUD_ECS_METADATA");
    assert_eq!(j["role"], "NamedRole");
    drop(home);

    // The environment's AccessKey.
    let home = Home::new("which-env").env_key();
    let out = home.run(&url, &["which"]);
    assert_no_secret(&out);
    let j = json(&out);
    assert_eq!(j["source"], "env");
    assert_eq!(j["provider_name"], "default/env");
    assert_eq!(
        j["selected_by"],
        "ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET"
    );
    assert_eq!(j["endpoint"], Value::Null);
    let j = home.which(&url, &["--source", "env"]);
    assert_eq!(j["provider_name"], "env", "pinned: no default/ prefix");
    assert_eq!(j["chain"], false);
    drop(home);

    // OIDC (RRSA's three variables).
    let home = Home::new("which-oidc");
    let token = home.file("token", "eyJhbGciOiJSUzI1NiJ9.e30.c2ln");
    let home = home
        .var("ALIBABA_CLOUD_ROLE_ARN", "acs:ram::123:role/pod")
        .var(
            "ALIBABA_CLOUD_OIDC_PROVIDER_ARN",
            "acs:ram::123:oidc-provider/ack",
        )
        .var("ALIBABA_CLOUD_OIDC_TOKEN_FILE", path(&token))
        .var("ALIBABA_CLOUD_STS_ENDPOINT", "https://127.0.0.1:9");
    let out = home.run(&url, &["which"]);
    assert!(!shown(&out).contains("eyJ"), "{}", shown(&out));
    let j = json(&out);
    assert_eq!(j["source"], "oidc");
    assert_eq!(j["provider_name"], "default/oidc_role_arn");
    assert_eq!(j["role_arn"], "acs:ram::123:role/pod");
    assert_eq!(j["endpoint"], "https://127.0.0.1:9");
    drop(home);

    // An aliyun CLI profile: the file and the profile are named.
    let home = Home::new("which-cli");
    let config = home.cli_config();
    let out = home.run(&url, &["which"]);
    assert_no_secret(&out);
    let j = json(&out);
    assert_eq!(j["source"], "profile");
    assert_eq!(j["provider_name"], "default/cli_profile/static_ak");
    assert_eq!(j["file"], path(&config));
    assert_eq!(j["profile"], "dev");
    let out = home.run(&url, &["which", "--format", "text"]);
    assert_no_secret(&out);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(&format!("file: {}\n", path(&config))),
        "{text}"
    );
    assert!(text.contains("profile: dev\n"), "{text}");
    drop(home);

    // A credentials ini profile, chosen with --profile and --credentials-file.
    let home = Home::new("which-ini");
    let ini = home.file(
        "elsewhere/credentials.ini",
        &format!(
            "[default]\ntype = ecs_ram_role\nrole_name = Other\n\n[ci]\ntype = access_key\n\
             access_key_id = {PROFILE_ID}\naccess_key_secret = {PROFILE_SECRET}\n"
        ),
    );
    let out = home.run(
        &url,
        &[
            "which",
            "--source",
            "profile",
            "--credentials-file",
            path(&ini),
            "--profile",
            "ci",
        ],
    );
    assert_no_secret(&out);
    let j = json(&out);
    assert_eq!(j["source"], "profile");
    assert_eq!(j["provider_name"], "profile/access_key");
    assert_eq!(j["file"], path(&ini));
    assert_eq!(j["profile"], "ci");
    drop(home);

    // The credentials URI: only its origin is shown (a query may hold a token).
    let home = Home::new("which-uri").var(
        "ALIBABA_CLOUD_CREDENTIALS_URI",
        "http://127.0.0.1:9/creds?token=uri-query-secret",
    );
    let out = home.run(&url, &["which"]);
    assert!(!shown(&out).contains("uri-query-secret"), "{}", shown(&out));
    let j = json(&out);
    assert_eq!(j["source"], "uri");
    assert_eq!(j["provider_name"], "default/credential_uri");
    assert_eq!(j["selected_by"], "ALIBABA_CLOUD_CREDENTIALS_URI");
    assert_eq!(j["endpoint"], "http://127.0.0.1:9");
    let j = home.which(
        &url,
        &[
            "--source",
            "uri",
            "--credentials-uri",
            "http://127.0.0.1:8/x",
        ],
    );
    assert_eq!(j["provider_name"], "credential_uri");
    assert_eq!(j["endpoint"], "http://127.0.0.1:8", "the flag wins");
    drop(home);

    assert_eq!(metadata.counters().requests, 0, "which fetches nothing");
}

#[test]
fn the_earlier_source_wins_env_then_profile_then_ecs() {
    let metadata = MockServer::start(MockConfig::default()).unwrap();
    let url = metadata.url();
    let home = Home::new("precedence")
        .env_key()
        .var("ALIBABA_CLOUD_ECS_METADATA", "EcsRamRoleTest");
    home.cli_config();
    assert_eq!(home.which(&url, &[])["source"], "env");
    let j = json(&home.run(&url, &["get", "--source", "chain"]));
    assert_eq!(j["AccessKeyId"], AK_ID);
    // Pinning a later source skips the earlier ones.
    assert_eq!(
        home.which(&url, &["--source", "profile"])["source"],
        "profile"
    );
    let home = home
        .unset("ALIBABA_CLOUD_ACCESS_KEY_ID")
        .unset("ALIBABA_CLOUD_ACCESS_KEY_SECRET");
    assert_eq!(home.which(&url, &[])["source"], "profile");
    let j = json(&home.run(&url, &["get", "--source", "chain"]));
    assert_eq!(j["AccessKeyId"], PROFILE_ID);
    std::fs::remove_file(home.dir.join(".aliyun/config.json")).unwrap();
    let j = home.which(&url, &[]);
    assert_eq!(j["source"], "ecs");
    assert_eq!(j["selected_by"], "ALIBABA_CLOUD_ECS_METADATA");
    assert_eq!(metadata.counters().requests, 0, "only env and profile used");
}

#[test]
fn a_half_set_pair_is_reported_never_skipped() {
    let metadata = MockServer::start(MockConfig::default()).unwrap();
    let url = metadata.url();
    for (set, missing) in [
        (
            "ALIBABA_CLOUD_ACCESS_KEY_ID",
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
        ),
        (
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
            "ALIBABA_CLOUD_ACCESS_KEY_ID",
        ),
    ] {
        // A profile and the metadata service are there: neither may be used instead.
        let home = Home::new("half-set").var(set, AK_SECRET);
        home.cli_config();
        for args in [
            &["which"][..],
            &["get", "--source", "chain"],
            &["get", "--source", "env"],
        ] {
            let out = home.run(&url, args);
            assert_eq!(out.status.code(), Some(12), "{args:?}: {}", shown(&out));
            assert!(out.stdout.is_empty(), "{args:?}");
            let err = String::from_utf8(out.stderr.clone()).unwrap();
            assert!(err.contains(set) && err.contains(missing), "{err}");
            assert_eq!(err.lines().count(), 1, "{err}");
            assert_no_secret(&out);
        }
        let out = home.run(&url, &["status", "--source", "chain"]);
        assert_eq!(out.status.code(), Some(12));
        assert_no_secret(&out);
        let j: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(j["healthy"], false);
        assert_eq!(j["source"], "chain");
        assert!(j["last_error"]["message"]
            .as_str()
            .unwrap()
            .contains(missing));
    }
    assert_eq!(metadata.counters().requests, 0);
}

#[test]
fn a_malformed_config_names_file_and_line_and_quotes_no_secret() {
    let home = Home::new("malformed");
    // A comma missing after the secret (line 8): the parser stops at line 9.
    let config = home.file(
        ".aliyun/config.json",
        &ak_config().replace(
            &format!("\"{PROFILE_SECRET}\","),
            &format!("\"{PROFILE_SECRET}\""),
        ),
    );
    let url = closed_url();
    for args in [
        &["which"][..],
        &["which", "--source", "profile"],
        &["get", "--source", "chain"],
    ] {
        let out = home.run(&url, args);
        assert_eq!(out.status.code(), Some(12), "{args:?}: {}", shown(&out));
        let err = String::from_utf8(out.stderr.clone()).unwrap();
        assert!(err.contains(path(&config)), "{err}");
        assert!(err.contains("line 9"), "{err}");
        assert_no_secret(&out);
        assert!(!err.contains(PROFILE_ID), "{err}");
    }
}

#[test]
fn get_source_chain_with_an_env_key_has_no_token_and_no_expiry() {
    let home = Home::new("get-env").env_key();
    let url = closed_url();
    let j = json(&home.run(&url, &["get", "--source", "chain"]));
    assert_eq!(j["AccessKeyId"], AK_ID);
    assert_eq!(j["AccessKeySecret"], AK_SECRET);
    assert_eq!(j["SecurityToken"], Value::Null);
    assert_eq!(j["Expiration"], Value::Null);
    assert_eq!(j["Code"], "Success");

    let out = home.run(&url, &["get", "--source", "chain", "--format", "env"]);
    assert!(out.status.success(), "{}", shown(&out));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!(
            "export ALIBABA_CLOUD_ACCESS_KEY_ID='{AK_ID}'\n\
             export ALIBABA_CLOUD_ACCESS_KEY_SECRET='{AK_SECRET}'\n\
             unset ALIBABA_CLOUD_SECURITY_TOKEN\n\
             unset ALIBABA_CLOUD_CREDENTIALS_EXPIRATION\n"
        )
    );
    let j = json(&home.run(&url, &["get", "--source", "env", "--format", "aliyun-cli"]));
    assert_eq!(
        j,
        serde_json::json!({
            "mode": "AK",
            "access_key_id": AK_ID,
            "access_key_secret": AK_SECRET,
        })
    );

    // With a token from the environment: it is printed, and there is still no expiry.
    let home = home.var("ALIBABA_CLOUD_SECURITY_TOKEN", "EnvToken");
    let j = json(&home.run(&url, &["get", "--source", "chain"]));
    assert_eq!(j["SecurityToken"], "EnvToken");
    assert_eq!(j["Expiration"], Value::Null);
    let out = home.run(&url, &["get", "--source", "chain", "--format", "env"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.ends_with(
            "export ALIBABA_CLOUD_SECURITY_TOKEN='EnvToken'\n\
             unset ALIBABA_CLOUD_CREDENTIALS_EXPIRATION\n"
        ),
        "{text}"
    );
    let j = json(&home.run(
        &url,
        &["get", "--source", "chain", "--format", "aliyun-cli"],
    ));
    assert_eq!(j["mode"], "StsToken");
    assert_eq!(j["sts_token"], "EnvToken");

    // status: healthy, never expires, no secret.
    let out = home.run(&url, &["status", "--source", "chain"]);
    assert_no_secret(&out);
    assert!(!shown(&out).contains("EnvToken"));
    let j = json(&out);
    assert_eq!(j["healthy"], true);
    assert_eq!(j["source"], "env");
    assert_eq!(j["provider_name"], "default/env");
    assert_eq!(j["expiration"], Value::Null);
    let out = home.run(&url, &["status", "--source", "chain", "--format", "text"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("expiration: never\n"), "{text}");
    assert!(!text.contains("role:"), "{text}");
}

#[test]
fn get_source_profile_with_an_ak_profile() {
    let home = Home::new("get-profile");
    home.cli_config();
    let url = closed_url();
    let j = json(&home.run(&url, &["get", "--source", "profile"]));
    assert_eq!(j["AccessKeyId"], PROFILE_ID);
    assert_eq!(j["AccessKeySecret"], PROFILE_SECRET);
    assert_eq!(j["SecurityToken"], Value::Null);
    // Another profile by name, from a file named by the flag.
    let elsewhere = home.file(
        "elsewhere.json",
        &ak_config().replace("\"dev\"", "\"prod\""),
    );
    let j = json(&home.run(
        &url,
        &[
            "get",
            "--source",
            "profile",
            "--config-file",
            path(&elsewhere),
            "--profile",
            "prod",
        ],
    ));
    assert_eq!(j["AccessKeyId"], PROFILE_ID);
    // A profile that is not there: named, exit 12.
    let out = home.run(&url, &["get", "--source", "profile", "--profile", "nope"]);
    assert_eq!(out.status.code(), Some(12));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nope"));
    // The env source is not configured here.
    let out = home.run(&url, &["get", "--source", "env"]);
    assert_eq!(out.status.code(), Some(12));
}

#[test]
fn ecs_is_chosen_when_nothing_else_is_configured() {
    let metadata = MockServer::start(MockConfig::default()).unwrap();
    let home = Home::new("get-ecs");
    let j = json(&home.run(&metadata.url(), &["get", "--source", "chain"]));
    let issued = metadata.current_credential();
    assert_eq!(j["AccessKeyId"], issued.access_key_id.as_str());
    assert_eq!(j["SecurityToken"], issued.security_token.as_str());
    assert_eq!(
        j["Expiration"],
        ecscred_mock::format_utc(issued.expiration).as_str()
    );
    assert_eq!(metadata.counters().credential_gets, 1);
    // Without --source, get means the ECS RAM role, whatever else is configured.
    let with_key = Home::new("get-ecs-plain").env_key();
    with_key.cli_config();
    let j = json(&with_key.run(&metadata.url(), &["get"]));
    assert_eq!(j["AccessKeyId"], issued.access_key_id.as_str());
    drop(with_key);
    let j = json(&home.run(&metadata.url(), &["status", "--source", "chain"]));
    assert_eq!(j["source"], "ecs-metadata");
    assert_eq!(j["provider_name"], "default/ecs_ram_role");
    assert_eq!(j["endpoint"], metadata.url().as_str());
    // Disabled with nothing else configured: the chain has no source (12).
    let home = home.var("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true");
    let out = home.run(&metadata.url(), &["which"]);
    assert_eq!(out.status.code(), Some(12));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no credential source is configured"));
}

#[test]
fn flags_a_source_does_not_read_are_usage_errors() {
    let home = Home::new("flags").env_key();
    let url = closed_url();
    for args in [
        &["get", "--profile", "dev"][..],
        &["get", "--source", "env", "--config-file", "/nonexistent"],
        &[
            "which",
            "--source",
            "oidc",
            "--credentials-uri",
            "http://127.0.0.1:9",
        ],
        &["status", "--source", "uri", "--role", "R"],
        &[
            "which",
            "--source",
            "env",
            "--role-arn",
            "acs:ram::1:role/x",
        ],
    ] {
        let out = home.run(&url, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", shown(&out));
        assert!(out.stdout.is_empty());
    }
    // Read by the chain, they are accepted (--role names the ECS role, after env).
    assert_eq!(home.which(&url, &["--role", "R"])["source"], "env");
}

/// The mock STS (with the profile's key) and its CA in a file under HOME.
fn sts_with_key(home: &Home) -> (MockSts, PathBuf) {
    let sts = MockSts::start(
        StsConfig::new("unused-oidc-token").with_access_key(PROFILE_ID, PROFILE_SECRET),
    )
    .unwrap();
    let ca = home.file("sts-ca.pem", &sts.ca_pem());
    (sts, ca)
}

#[test]
fn get_source_chain_with_a_ram_role_arn_profile_assumes_the_role() {
    let metadata = MockServer::start(MockConfig::default()).unwrap();
    let home = Home::new("ram-role-arn");
    let (sts, ca) = sts_with_key(&home);
    home.file(
        ".aliyun/config.json",
        &format!(
            r#"{{"current": "assume", "profiles": [{{"name": "assume", "mode": "RamRoleArn",
              "access_key_id": "{PROFILE_ID}", "access_key_secret": "{PROFILE_SECRET}",
              "ram_role_arn": "acs:ram::1234567890:role/cli-chain",
              "ram_session_name": "cli-chain-session", "expired_seconds": 900}}]}}"#
        ),
    );
    let home = home.var("ALIBABA_CLOUD_STS_ENDPOINT", &sts.url());
    let j = home.which(&metadata.url(), &[]);
    assert_eq!(j["provider_name"], "default/cli_profile/ram_role_arn");
    assert_eq!(j["role_arn"], "acs:ram::1234567890:role/cli-chain");
    assert_eq!(j["endpoint"], sts.url().as_str());
    let out = home.run(
        &metadata.url(),
        &["get", "--source", "chain", "--sts-ca-file", path(&ca)],
    );
    let j = json(&out);
    let issued = sts.issued();
    assert_eq!(issued.len(), 1);
    assert_eq!(j["AccessKeyId"], issued[0].access_key_id.as_str());
    assert_eq!(j["AccessKeySecret"], issued[0].access_key_secret.as_str());
    assert_eq!(j["SecurityToken"], issued[0].security_token.as_str());
    assert_eq!(
        j["Expiration"],
        ecscred_mock::format_utc(issued[0].expiration).as_str()
    );
    let request = &sts.requests()[0];
    assert!(
        request.starts_with("AssumeRole RoleArn=acs%3Aram%3A%3A1234567890%3Arole%2Fcli-chain ")
            && request.contains("RoleSessionName=cli-chain-session")
            && request.contains("DurationSeconds=900")
            && request.contains(&format!("AccessKeyId={PROFILE_ID}"))
            && request.contains("verdict=issued"),
        "{request}"
    );
    // status: the STS endpoint and the role ARN, never a secret.
    let out = home.run(
        &metadata.url(),
        &["status", "--source", "chain", "--sts-ca-file", path(&ca)],
    );
    assert_no_secret(&out);
    let j = json(&out);
    assert_eq!(j["provider_name"], "default/cli_profile/ram_role_arn");
    assert_eq!(j["role_arn"], "acs:ram::1234567890:role/cli-chain");
    assert_eq!(metadata.counters().requests, 0);
}

#[test]
fn get_source_chain_with_a_credentials_uri() {
    let metadata = MockServer::start(MockConfig::default()).unwrap();
    let uri = MockCredentialsUri::start(UriConfig::default()).unwrap();
    let home = Home::new("credentials-uri").var("ALIBABA_CLOUD_CREDENTIALS_URI", &uri.url());
    let j = home.which(&metadata.url(), &[]);
    assert_eq!(j["provider_name"], "default/credential_uri");
    assert_eq!(j["endpoint"], uri.base_url().as_str());
    let j = json(&home.run(&metadata.url(), &["get", "--source", "chain"]));
    let issued = uri.issued();
    assert_eq!(issued.len(), 1);
    assert_eq!(j["AccessKeyId"], issued[0].access_key_id.as_str());
    assert_eq!(j["SecurityToken"], issued[0].security_token.as_str());
    // Pinned, with the flag instead of the variable.
    let home = home.unset("ALIBABA_CLOUD_CREDENTIALS_URI");
    let j = json(&home.run(
        &metadata.url(),
        &["get", "--source", "uri", "--credentials-uri", &uri.url()],
    ));
    assert_eq!(
        j["AccessKeyId"],
        uri.current_credential().access_key_id.as_str()
    );
    assert_eq!(uri.counters().credential_gets, 2);
    assert_eq!(
        metadata.counters().requests,
        0,
        "a configured URI hides ECS"
    );
}
