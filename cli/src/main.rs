//! `ecscred`: print the instance's RAM role credential (or the pod's, through STS and
//! OIDC, or the default credential chain's), say which source the chain selects, or run
//! a mock metadata service or a mock STS.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};
use ecscred::{Credential, Provider, SourceKind};
use ecscred_mock::{Fault, MockConfig, MockServer, MockSts, Mode, StsConfig};

mod mock_uri;
mod status;
mod which;
use status::StatusFormat;

/// Every block the command frees is zeroed first, so that no copy of a secret (in the
/// HTTP and JSON libraries' buffers too) outlives its use; see `ecscred::WipingAllocator`.
#[global_allocator]
static ALLOCATOR: ecscred::WipingAllocator = ecscred::WIPING_ALLOCATOR;

#[derive(Parser)]
#[command(name = "ecscred", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the current credential of the instance's RAM role, or of --source.
    ///
    /// Without --source, `get` means the ECS RAM role. --source chain is the default
    /// credential chain of the Alibaba Cloud SDKs, in their order: an AccessKey in the
    /// environment (ALIBABA_CLOUD_ACCESS_KEY_ID and _SECRET), OIDC (ALIBABA_CLOUD_ROLE_ARN,
    /// _OIDC_PROVIDER_ARN, _OIDC_TOKEN_FILE), a profile of the aliyun CLI's
    /// ~/.aliyun/config.json, a profile of ~/.alibabacloud/credentials.ini, the ECS RAM
    /// role named by ALIBABA_CLOUD_ECS_METADATA, ALIBABA_CLOUD_CREDENTIALS_URI, else the
    /// ECS RAM role (discovered). The chain is decided from the configuration alone: the
    /// first source configured is the source, and when it fails its error is reported, it
    /// never falls through to the next. `ecscred which` says which source that is.
    ///
    /// A long-term AccessKey has no SecurityToken and never expires: the JSON has
    /// "SecurityToken": null and "Expiration": null, --format env leaves out those lines,
    /// --format aliyun-cli says mode "AK".
    ///
    /// Exit status: 0 on success, 2 for usage errors, 10 + the error kind's code otherwise
    /// (11 disabled, 12 invalid config, 13 unreachable, 14 timeout, 15 HTTP status,
    /// 16 role not found, 17 hardened mode, 18 invalid response, 19 internal).
    Get {
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Json)]
        format: Format,
        /// Where the credential comes from.
        #[arg(long, value_enum, default_value_t = SourceArg::Ecs)]
        source: SourceArg,
        #[command(flatten)]
        options: SourceOptions,
    },
    /// Say which credential source is used (by default: the one the chain selects) and
    /// what selected it, without fetching anything and without printing any secret.
    ///
    /// Prints the source (env, oidc, profile, ecs, uri), its provider name in the
    /// alibabacloud-credentials convention (e.g. default/env), what selected it (the
    /// variables, or the file and profile), the file, the profile, and where it will ask
    /// (the metadata service, STS, the credentials URI's origin). Reads the variables and
    /// the profile files only: no request is sent.
    ///
    /// The chain's order: ALIBABA_CLOUD_ACCESS_KEY_ID and _SECRET (optionally
    /// ALIBABA_CLOUD_SECURITY_TOKEN); the OIDC variables (ALIBABA_CLOUD_ROLE_ARN,
    /// _OIDC_PROVIDER_ARN, _OIDC_TOKEN_FILE); the aliyun CLI's config.json
    /// (ALIBABA_CLOUD_CONFIG_FILE, else ~/.aliyun/config.json; profile
    /// ALIBABA_CLOUD_PROFILE, else its "current"; skipped when
    /// ALIBABA_CLOUD_CLI_PROFILE_DISABLED is true); the credentials ini file
    /// (ALIBABA_CLOUD_CREDENTIALS_FILE, else ~/.alibabacloud/credentials.ini or
    /// ~/.alibabacloud/credentials; section ALIBABA_CLOUD_PROFILE, else default); the ECS
    /// RAM role when ALIBABA_CLOUD_ECS_METADATA names it; ALIBABA_CLOUD_CREDENTIALS_URI;
    /// else the ECS RAM role, discovered (unless ALIBABA_CLOUD_ECS_METADATA_DISABLED).
    /// Decided from the configuration, never by trying: a source that is configured is
    /// the source, even when it is broken (a half-set pair of variables, a malformed
    /// profile file), and its error is reported rather than another source used.
    ///
    /// Exit status: 0 when a source is selected, 2 for usage errors, 12 for an invalid
    /// configuration (the message on stderr names the variable, file, profile or line).
    #[command(verbatim_doc_comment)]
    Which {
        /// Output format.
        #[arg(long, value_enum, default_value_t = StatusFormat::Json)]
        format: StatusFormat,
        /// The source to describe (chain: the one the default chain selects).
        #[arg(long, value_enum, default_value_t = SourceArg::Chain)]
        source: SourceArg,
        #[command(flatten)]
        options: SourceOptions,
    },
    /// Serve a mock STS (AssumeRoleWithOIDC, AssumeRole) over HTTPS on 127.0.0.1 until
    /// killed. Prints its URL first; trust the CA it writes to --ca-file, in tests only.
    ///
    /// AssumeRole must be signed with RPC signature V1 by an --access-key or by a
    /// credential the mock issued (with its SecurityToken).
    ///
    /// Admin endpoint under /_mock/ (HTTPS, same port, not counted): GET /_mock/counters
    /// (requests, issued, assume_role, assume_role_with_oidc, token_refusals,
    /// signature_refusals, max_concurrent), POST /_mock/counters/reset, GET /_mock/requests,
    /// POST and DELETE /_mock/faults, POST /_mock/clock ({"advance_secs":N}), POST
    /// /_mock/token ({"token":"..."}), GET /_mock/credentials, GET /_mock/ca.
    MockSts {
        /// Port to listen on (0: any free port).
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// The OIDC token it accepts.
        #[arg(
            long,
            conflicts_with = "token_file",
            required_unless_present = "token_file"
        )]
        token: Option<String>,
        /// A file holding the OIDC token it accepts.
        #[arg(long)]
        token_file: Option<std::path::PathBuf>,
        /// Lifetime of the credentials it issues, in seconds (default: DurationSeconds).
        #[arg(long)]
        lifetime: Option<u64>,
        /// Where to write the PEM of its CA.
        #[arg(long)]
        ca_file: std::path::PathBuf,
        /// A fault armed at start, as the admin endpoint's JSON. Repeatable.
        #[arg(long = "fault")]
        faults: Vec<String>,
        /// An AccessKey allowed to sign AssumeRole, as ID:SECRET. Repeatable.
        #[arg(long = "access-key", value_name = "ID:SECRET")]
        access_keys: Vec<String>,
    },
    MockUri(mock_uri::MockUriArgs),
    /// Check health without printing any secret: fetch now and report.
    ///
    /// Prints the source, its provider name (e.g. default/env with --source chain), the
    /// endpoint, role, the credential's expiry (null for one that never expires, such as a
    /// long-term AccessKey), and on failure the last error (kind, code, message), the
    /// consecutive failures and when the engine would try again. Never the
    /// AccessKeySecret or the SecurityToken.
    ///
    /// This command is a fresh process with no cache: "status" means one fetch now (from
    /// the metadata service, from STS with --source oidc, from the source --source chain
    /// selects), not the state of another program's provider (a long-running program
    /// reports its own through refresh_status() in its binding). With --source oidc it
    /// reports the STS endpoint and the role ARN, never the OIDC token.
    ///
    /// Exit status, for liveness and readiness probes: 0 when a valid credential could be
    /// had, 2 for usage errors, 10 + the error kind's code otherwise (the same codes as
    /// `ecscred get`: 11 disabled, 12 invalid config, 13 unreachable, 14 timeout, 15 HTTP
    /// status, 16 role not found, 17 hardened mode, 18 invalid response, 19 internal).
    #[command(verbatim_doc_comment)]
    Status {
        /// Output format.
        #[arg(long, value_enum, default_value_t = StatusFormat::Json)]
        format: StatusFormat,
        /// Where the credential comes from (as for `get`).
        #[arg(long, value_enum, default_value_t = SourceArg::Ecs)]
        source: SourceArg,
        #[command(flatten)]
        options: SourceOptions,
    },
    /// Serve a mock ECS metadata service on 127.0.0.1 until killed. Prints its URL first.
    ///
    /// It serves what an ECS instance with a RAM role sees at http://100.100.100.200:
    /// PUT /latest/api/token (X-aliyun-ecs-metadata-token-ttl-seconds: 1..21600),
    /// GET /latest/meta-data/ram/security-credentials/ (the role name) and
    /// GET /latest/meta-data/ram/security-credentials/<role> (the credential JSON).
    /// Credentials rotate like ECS: the next one is issued --rotate-before seconds
    /// before the current one expires.
    ///
    /// Admin endpoint, under the prefix /_mock/ of the same URL (JSON in and out; these
    /// requests are not counted):
    ///
    ///   GET    /_mock/counters            request counters (token_puts, role_gets,
    ///                                     credential_gets, requests, ...)
    ///   POST   /_mock/counters/reset      zero them (and the request lines)
    ///   GET    /_mock/requests            the latest metadata request lines
    ///   POST   /_mock/faults              arm a fault (the --fault JSON below)
    ///   DELETE /_mock/faults              clear every fault
    ///   POST   /_mock/mode                {"mode":"normal"|"hardened"|"v1-only"}
    ///   POST   /_mock/clock               {"advance_secs":N}: move the mock's clock
    ///   POST   /_mock/tokens/expire       expire every metadata token
    ///   GET    /_mock/credentials         every credential handed out (full values)
    ///   GET    /_mock/credential/current  the credential a GET would return now
    ///   GET    /_mock/tokens              every metadata token issued
    ///
    /// A fault is {"kind":K, ..., "target":"any"|"token"|"role"|"credential",
    /// "count":N} (target default any, no count: until cleared), K one of:
    /// status (status: 200..599), delay (ms: up to 86400000), drop, malformed_json,
    /// code (code), expired, expiration (expiration: sent verbatim),
    /// redirect (location), huge_body (bytes: up to 1073741824).
    /// Errors answer {"error":"..."} with 400, 404 or 405.
    #[command(verbatim_doc_comment)]
    MockMetadata {
        /// Port to listen on (0: any free port).
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// The RAM role the mock serves.
        #[arg(long, default_value = "EcsRamRoleTest")]
        role: String,
        /// Credential lifetime in seconds.
        #[arg(long, default_value_t = 21_600)]
        lifetime: u64,
        /// Seconds before expiry at which the next credential is issued (default:
        /// lifetime / 12, which is 30 minutes of 6 hours, as on ECS).
        #[arg(long)]
        rotate_before: Option<u64>,
        /// Which metadata-token regime the mock enforces.
        #[arg(long, value_enum, default_value_t = ModeArg::Normal)]
        mode: ModeArg,
        /// A fault armed at start, as the admin endpoint's JSON, e.g.
        /// '{"kind":"status","status":500,"count":2}'. Repeatable.
        #[arg(long = "fault")]
        faults: Vec<String>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// The metadata service's own JSON shape ("SecurityToken" and "Expiration" null for
    /// a long-term AccessKey).
    Json,
    /// `export ALIBABA_CLOUD_…=…` lines for a shell, with the expiry
    /// (ALIBABA_CLOUD_CREDENTIALS_EXPIRATION, RFC 3339 UTC); for a long-term AccessKey,
    /// `unset` lines for the token and the expiry it does not have. On failure nothing is
    /// printed on stdout, so `creds=$(ecscred get --format env) || exit; eval "$creds"`
    /// stops.
    Env,
    /// The JSON that the aliyun CLI's External profile mode reads (mode "StsToken", or
    /// "AK" for a long-term AccessKey).
    AliyunCli,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum SourceArg {
    /// The default credential chain: the first source configured (see `ecscred which
    /// --help` for the order), never falling through to the next.
    Chain,
    /// The ECS instance metadata service.
    Ecs,
    /// ALIBABA_CLOUD_ACCESS_KEY_ID, _SECRET and optionally ALIBABA_CLOUD_SECURITY_TOKEN.
    Env,
    /// STS AssumeRoleWithOIDC with an OIDC token file; never the metadata service.
    Oidc,
    /// A profile of the aliyun CLI's config.json, else of the credentials ini file.
    Profile,
    /// The credentials URI (ALIBABA_CLOUD_CREDENTIALS_URI or --credentials-uri).
    Uri,
}

impl SourceArg {
    fn kind(self) -> SourceKind {
        match self {
            SourceArg::Chain => SourceKind::Chain,
            SourceArg::Ecs => SourceKind::Ecs,
            SourceArg::Env => SourceKind::Env,
            SourceArg::Oidc => SourceKind::Oidc,
            SourceArg::Profile => SourceKind::Profile,
            SourceArg::Uri => SourceKind::Uri,
        }
    }
}

/// The options of `get`, `status` and `which` that configure the source; each defaults
/// to its ALIBABA_CLOUD_* variable. Each is accepted only with the sources that read it.
#[derive(clap::Args)]
struct SourceOptions {
    /// RAM role name (default: ALIBABA_CLOUD_ECS_METADATA, else discovered).
    #[arg(long)]
    role: Option<String>,
    /// Metadata service base URL (default: ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT,
    /// else http://100.100.100.200).
    #[arg(long)]
    endpoint: Option<String>,
    #[command(flatten)]
    oidc: OidcArgs,
    #[command(flatten)]
    files: FileArgs,
}

/// `--source profile|uri|chain` options.
#[derive(clap::Args)]
struct FileArgs {
    /// The profile of config.json or of the credentials file (default:
    /// ALIBABA_CLOUD_PROFILE, else config.json's "current", else the ini file's default).
    #[arg(long)]
    profile: Option<String>,
    /// The aliyun CLI's configuration (default: ALIBABA_CLOUD_CONFIG_FILE, else
    /// ~/.aliyun/config.json).
    #[arg(long)]
    config_file: Option<std::path::PathBuf>,
    /// The credentials ini file (default: ALIBABA_CLOUD_CREDENTIALS_FILE, else
    /// ~/.alibabacloud/credentials.ini, else ~/.alibabacloud/credentials).
    #[arg(long)]
    credentials_file: Option<std::path::PathBuf>,
    /// The credentials URI: https, or http to a loopback address (default:
    /// ALIBABA_CLOUD_CREDENTIALS_URI).
    #[arg(long)]
    credentials_uri: Option<String>,
}

/// `--source oidc` options (also read by the chain and by profiles of the OIDC mode);
/// each defaults to its ALIBABA_CLOUD_* variable.
#[derive(clap::Args)]
struct OidcArgs {
    /// Role ARN (default: ALIBABA_CLOUD_ROLE_ARN).
    #[arg(long)]
    role_arn: Option<String>,
    /// OIDC provider ARN (default: ALIBABA_CLOUD_OIDC_PROVIDER_ARN).
    #[arg(long)]
    oidc_provider_arn: Option<String>,
    /// OIDC token file (default: ALIBABA_CLOUD_OIDC_TOKEN_FILE).
    #[arg(long)]
    oidc_token_file: Option<std::path::PathBuf>,
    /// Role session name (default: ALIBABA_CLOUD_ROLE_SESSION_NAME, else generated).
    #[arg(long)]
    role_session_name: Option<String>,
    /// Credential lifetime asked of STS, 900 to 43200 seconds (default 3600).
    #[arg(long)]
    duration: Option<u64>,
    /// A policy further restricting the role (JSON).
    #[arg(long)]
    policy: Option<String>,
    /// STS endpoint (default: ALIBABA_CLOUD_STS_ENDPOINT, else from
    /// ALIBABA_CLOUD_STS_REGION, else sts.aliyuncs.com).
    #[arg(long)]
    sts_endpoint: Option<String>,
    /// A PEM file of certificates trusted for STS besides the system's roots.
    #[arg(long)]
    sts_ca_file: Option<std::path::PathBuf>,
}

impl OidcArgs {
    fn apply(self, mut b: ecscred::ProviderBuilder) -> Result<ecscred::ProviderBuilder, String> {
        if let Some(v) = self.role_arn {
            b = b.role_arn(v);
        }
        if let Some(v) = self.oidc_provider_arn {
            b = b.oidc_provider_arn(v);
        }
        if let Some(v) = self.oidc_token_file {
            b = b.oidc_token_file(v);
        }
        if let Some(v) = self.role_session_name {
            b = b.role_session_name(v);
        }
        if let Some(v) = self.duration {
            b = b.duration(Duration::from_secs(v));
        }
        if let Some(v) = self.policy {
            b = b.policy(v);
        }
        if let Some(v) = self.sts_endpoint {
            b = b.sts_endpoint(v);
        }
        if let Some(path) = self.sts_ca_file {
            let pem = std::fs::read(&path)
                .map_err(|e| format!("--sts-ca-file {}: {e}", path.display()))?;
            b = b.sts_extra_root_pem(pem);
        }
        Ok(b)
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum ModeArg {
    /// A token is optional.
    Normal,
    /// A token is required (GETs without one get 403).
    Hardened,
    /// The token path answers 404.
    V1Only,
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Get {
            format,
            source,
            options,
        } => match options.builder(source) {
            Ok(builder) => get(builder, format),
            Err(code) => code,
        },
        Command::Which {
            format,
            source,
            options,
        } => match options.builder(source) {
            Ok(builder) => which::which(builder.build(), format),
            Err(code) => code,
        },
        Command::Status {
            format,
            source,
            options,
        } => match options.builder(source) {
            Ok(builder) => status::status(builder.build(), source.kind(), format),
            Err(code) => code,
        },
        Command::MockMetadata {
            port,
            role,
            lifetime,
            rotate_before,
            mode,
            faults,
        } => mock_metadata(port, role, lifetime, rotate_before, mode, &faults),
        Command::MockSts {
            port,
            token,
            token_file,
            lifetime,
            ca_file,
            faults,
            access_keys,
        } => mock_sts(
            port,
            token,
            token_file,
            lifetime,
            &ca_file,
            &faults,
            access_keys,
        ),
        Command::MockUri(args) => mock_uri::mock_uri(args),
    }
}

impl SourceOptions {
    /// The flags given, each with the sources that read it.
    fn given(&self) -> Vec<(&'static str, &'static [SourceArg])> {
        use SourceArg::{Chain, Ecs, Oidc, Profile, Uri};
        let (o, f) = (&self.oidc, &self.files);
        [
            ("--role", self.role.is_some(), &[Ecs, Profile, Chain][..]),
            (
                "--endpoint",
                self.endpoint.is_some(),
                &[Ecs, Profile, Chain],
            ),
            ("--role-arn", o.role_arn.is_some(), &[Oidc, Chain]),
            (
                "--oidc-provider-arn",
                o.oidc_provider_arn.is_some(),
                &[Oidc, Chain],
            ),
            (
                "--oidc-token-file",
                o.oidc_token_file.is_some(),
                &[Oidc, Chain],
            ),
            (
                "--role-session-name",
                o.role_session_name.is_some(),
                &[Oidc, Profile, Chain],
            ),
            ("--duration", o.duration.is_some(), &[Oidc, Profile, Chain]),
            ("--policy", o.policy.is_some(), &[Oidc, Profile, Chain]),
            (
                "--sts-endpoint",
                o.sts_endpoint.is_some(),
                &[Oidc, Profile, Chain],
            ),
            (
                "--sts-ca-file",
                o.sts_ca_file.is_some(),
                &[Oidc, Profile, Uri, Chain],
            ),
            ("--profile", f.profile.is_some(), &[Profile, Chain]),
            ("--config-file", f.config_file.is_some(), &[Profile, Chain]),
            (
                "--credentials-file",
                f.credentials_file.is_some(),
                &[Profile, Chain],
            ),
            (
                "--credentials-uri",
                f.credentials_uri.is_some(),
                &[Uri, Chain],
            ),
        ]
        .into_iter()
        .filter(|(_, given, _)| *given)
        .map(|(flag, _, sources)| (flag, sources))
        .collect()
    }

    /// The provider builder for `source` and these flags, or the exit status of a usage
    /// error (2: a flag that `source` does not read) or of an unreadable `--sts-ca-file`
    /// (12, invalid config), already reported on stderr.
    fn builder(self, source: SourceArg) -> Result<ecscred::ProviderBuilder, ExitCode> {
        for (flag, sources) in self.given() {
            if !sources.contains(&source) {
                let names: Vec<&str> = sources.iter().map(|s| s.kind().as_str()).collect();
                eprintln!(
                    "ecscred: {flag} is not read by --source {}: it is for --source {}",
                    source.kind().as_str(),
                    names.join(", ")
                );
                return Err(ExitCode::from(2));
            }
        }
        let mut b = Provider::builder().source(source.kind());
        if let Some(role) = self.role {
            b = b.role_name(role);
        }
        if let Some(endpoint) = self.endpoint {
            b = b.endpoint(endpoint);
        }
        let files = self.files;
        if let Some(v) = files.profile {
            b = b.profile(v);
        }
        if let Some(v) = files.config_file {
            b = b.config_file(v);
        }
        if let Some(v) = files.credentials_file {
            b = b.credentials_file(v);
        }
        if let Some(v) = files.credentials_uri {
            b = b.credentials_uri(v);
        }
        self.oidc.apply(b).map_err(|why| {
            eprintln!("ecscred: {why}");
            ExitCode::from(10 + ecscred::ErrorKind::InvalidConfig.code() as u8)
        })
    }
}

fn get(builder: ecscred::ProviderBuilder, format: Format) -> ExitCode {
    match builder.build().and_then(|p| p.credential()) {
        Ok(credential) => {
            println!("{}", render(&credential, format));
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("ecscred: {err}");
            ExitCode::from(10 + err.kind().code() as u8)
        }
    }
}

/// The credential in `format`. A long-term AccessKey has no SecurityToken and never
/// expires: JSON says so with `null`, the env lines leave out the token and the expiry,
/// the aliyun CLI's External JSON says mode "AK".
fn render(c: &Credential, format: Format) -> String {
    let token = c.has_security_token().then(|| c.security_token());
    let expiration = c
        .expires()
        .then(|| ecscred::wire::format_timestamp(c.expiration()));
    match format {
        Format::Json => serde_json::json!({
            "AccessKeyId": c.access_key_id(),
            "AccessKeySecret": c.access_key_secret(),
            "SecurityToken": token,
            "Expiration": expiration,
            "LastUpdated": c.last_updated()
                .map(ecscred::wire::format_timestamp),
            "Code": "Success",
        })
        .to_string(),
        // Values are visible ASCII without quotes or spaces (checked when parsed), so they
        // need no shell quoting; single quotes are used anyway for safety.
        Format::Env => {
            let mut lines = vec![
                format!(
                    "export ALIBABA_CLOUD_ACCESS_KEY_ID='{}'",
                    shell_safe(c.access_key_id())
                ),
                format!(
                    "export ALIBABA_CLOUD_ACCESS_KEY_SECRET='{}'",
                    shell_safe(c.access_key_secret())
                ),
            ];
            // What the credential lacks is unset, so that an earlier `eval` leaves no
            // stale token or expiry behind for the new key.
            lines.push(match token {
                Some(token) => format!(
                    "export ALIBABA_CLOUD_SECURITY_TOKEN='{}'",
                    shell_safe(token)
                ),
                None => "unset ALIBABA_CLOUD_SECURITY_TOKEN".to_owned(),
            });
            lines.push(match expiration {
                Some(expiration) => {
                    format!("export ALIBABA_CLOUD_CREDENTIALS_EXPIRATION='{expiration}'")
                }
                None => "unset ALIBABA_CLOUD_CREDENTIALS_EXPIRATION".to_owned(),
            });
            lines.join("\n")
        }
        // aliyun-cli unmarshals this into its profile (config/profile.go, External mode).
        Format::AliyunCli => match token {
            Some(token) => serde_json::json!({
                "mode": "StsToken",
                "access_key_id": c.access_key_id(),
                "access_key_secret": c.access_key_secret(),
                "sts_token": token,
            }),
            None => serde_json::json!({
                "mode": "AK",
                "access_key_id": c.access_key_id(),
                "access_key_secret": c.access_key_secret(),
            }),
        }
        .to_string(),
    }
}

/// Escapes single quotes for a single-quoted shell word.
fn shell_safe(s: &str) -> String {
    s.replace('\'', r"'\''")
}

fn mock_metadata(
    port: u16,
    role: String,
    lifetime: u64,
    rotate_before: Option<u64>,
    mode: ModeArg,
    faults: &[String],
) -> ExitCode {
    let lifetime = Duration::from_secs(lifetime);
    let mut config = MockConfig {
        port,
        role,
        lifetime,
        rotate_before: rotate_before.map_or(lifetime / 12, Duration::from_secs),
        mode: match mode {
            ModeArg::Normal => Mode::Normal,
            ModeArg::Hardened => Mode::Hardened,
            ModeArg::V1Only => Mode::V1Only,
        },
        ..MockConfig::default()
    };
    for fault in faults {
        match Fault::from_json(fault) {
            Ok(fault) => config.faults.push(fault),
            Err(why) => {
                eprintln!("ecscred mock-metadata: --fault {fault}: {why}");
                return ExitCode::from(2);
            }
        }
    }
    let server = match MockServer::start(config) {
        Ok(server) => server,
        Err(err) => {
            eprintln!("ecscred mock-metadata: {err}");
            // A flag out of range is a usage error, like a malformed one.
            let usage = err.kind() == std::io::ErrorKind::InvalidInput;
            return ExitCode::from(if usage { 2 } else { 1 });
        }
    };
    let mut out = std::io::stdout();
    // Scripts read this first line to find the mock.
    let _ = writeln!(out, "{}", server.url());
    let _ = out.flush();
    loop {
        std::thread::park();
    }
}

fn mock_sts(
    port: u16,
    token: Option<String>,
    token_file: Option<std::path::PathBuf>,
    lifetime: Option<u64>,
    ca_file: &std::path::Path,
    faults: &[String],
    access_keys: Vec<String>,
) -> ExitCode {
    let token = match (token, token_file) {
        (Some(token), _) => token,
        (None, Some(path)) => match std::fs::read_to_string(&path) {
            Ok(text) => text.trim().to_owned(),
            Err(e) => {
                eprintln!("ecscred mock-sts: --token-file {}: {e}", path.display());
                return ExitCode::from(2);
            }
        },
        (None, None) => {
            eprintln!("ecscred mock-sts: --token or --token-file is required");
            return ExitCode::from(2);
        }
    };
    let mut config = StsConfig::new(token).with_port(port);
    for key in &access_keys {
        match mock_uri::access_key(key) {
            Ok((id, secret)) => config = config.with_access_key(id, secret),
            Err(why) => {
                eprintln!("ecscred mock-sts: --access-key: {why}");
                return ExitCode::from(2);
            }
        }
    }
    if let Some(secs) = lifetime {
        config = config.with_lifetime(Duration::from_secs(secs));
    }
    for fault in faults {
        match Fault::from_json(fault) {
            Ok(fault) => config = config.with_fault(fault),
            Err(why) => {
                eprintln!("ecscred mock-sts: --fault {fault}: {why}");
                return ExitCode::from(2);
            }
        }
    }
    let server = match MockSts::start(config) {
        Ok(server) => server,
        Err(err) => {
            eprintln!("ecscred mock-sts: {err}");
            return ExitCode::from(1);
        }
    };
    if let Err(e) = std::fs::write(ca_file, server.ca_pem()) {
        eprintln!("ecscred mock-sts: --ca-file {}: {e}", ca_file.display());
        return ExitCode::from(1);
    }
    let mut out = std::io::stdout();
    let _ = writeln!(out, "{}", server.url());
    let _ = out.flush();
    loop {
        std::thread::park();
    }
}
