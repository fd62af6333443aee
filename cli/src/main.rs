//! `ecscred`: print the instance's RAM role credential, or run a mock metadata service.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};
use ecscred::{Credential, Provider};
use ecscred_mock::{Fault, MockConfig, MockServer, Mode};

mod status;
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
    /// Print the current credential of the instance's RAM role.
    ///
    /// Exit status: 0 on success, 2 for usage errors, 10 + the error kind's code otherwise
    /// (11 disabled, 12 invalid config, 13 unreachable, 14 timeout, 15 HTTP status,
    /// 16 role not found, 17 hardened mode, 18 invalid response, 19 internal).
    Get {
        /// RAM role name (default: ALIBABA_CLOUD_ECS_METADATA, else discovered).
        #[arg(long)]
        role: Option<String>,
        /// Metadata service base URL (default: ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT,
        /// else http://100.100.100.200).
        #[arg(long)]
        endpoint: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Json)]
        format: Format,
    },
    /// Check health without printing any secret: fetch now and report.
    ///
    /// Prints the source, endpoint, role, the credential's expiry, and on failure the last
    /// error (kind, code, message), the consecutive failures and when the engine would try
    /// again. Never the AccessKeySecret or the SecurityToken.
    ///
    /// This command is a fresh process with no cache: "status" means one fetch from the
    /// metadata service now, not the state of another program's provider (a long-running
    /// program reports its own through refresh_status() in its binding).
    ///
    /// Exit status, for liveness and readiness probes: 0 when a valid credential could be
    /// had, 2 for usage errors, 10 + the error kind's code otherwise (the same codes as
    /// `ecscred get`: 11 disabled, 12 invalid config, 13 unreachable, 14 timeout, 15 HTTP
    /// status, 16 role not found, 17 hardened mode, 18 invalid response, 19 internal).
    #[command(verbatim_doc_comment)]
    Status {
        /// RAM role name (default: ALIBABA_CLOUD_ECS_METADATA, else discovered).
        #[arg(long)]
        role: Option<String>,
        /// Metadata service base URL (default: ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT,
        /// else http://100.100.100.200).
        #[arg(long)]
        endpoint: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = StatusFormat::Json)]
        format: StatusFormat,
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
    /// The metadata service's own JSON shape.
    Json,
    /// `export ALIBABA_CLOUD_…=…` lines for a shell, with the expiry
    /// (ALIBABA_CLOUD_CREDENTIALS_EXPIRATION, RFC 3339 UTC). On failure nothing is printed
    /// on stdout, so `creds=$(ecscred get --format env) || exit; eval "$creds"` stops.
    Env,
    /// The JSON that the aliyun CLI's External profile mode reads.
    AliyunCli,
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
            role,
            endpoint,
            format,
        } => get(role, endpoint, format),
        Command::Status {
            role,
            endpoint,
            format,
        } => status::status(builder(role, endpoint).build(), format),
        Command::MockMetadata {
            port,
            role,
            lifetime,
            rotate_before,
            mode,
            faults,
        } => mock_metadata(port, role, lifetime, rotate_before, mode, &faults),
    }
}

/// The provider builder for the `--role` and `--endpoint` flags.
fn builder(role: Option<String>, endpoint: Option<String>) -> ecscred::ProviderBuilder {
    let mut builder = Provider::builder();
    if let Some(role) = role {
        builder = builder.role_name(role);
    }
    if let Some(endpoint) = endpoint {
        builder = builder.endpoint(endpoint);
    }
    builder
}

fn get(role: Option<String>, endpoint: Option<String>, format: Format) -> ExitCode {
    match builder(role, endpoint).build().and_then(|p| p.credential()) {
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

fn render(c: &Credential, format: Format) -> String {
    match format {
        Format::Json => serde_json::json!({
            "AccessKeyId": c.access_key_id(),
            "AccessKeySecret": c.access_key_secret(),
            "SecurityToken": c.security_token(),
            "Expiration": ecscred::wire::format_timestamp(c.expiration()),
            "LastUpdated": c.last_updated()
                .map(ecscred::wire::format_timestamp),
            "Code": "Success",
        })
        .to_string(),
        // Values are visible ASCII without quotes or spaces (checked when parsed), so they
        // need no shell quoting; single quotes are used anyway for safety.
        Format::Env => format!(
            "export ALIBABA_CLOUD_ACCESS_KEY_ID='{}'\n\
             export ALIBABA_CLOUD_ACCESS_KEY_SECRET='{}'\n\
             export ALIBABA_CLOUD_SECURITY_TOKEN='{}'\n\
             export ALIBABA_CLOUD_CREDENTIALS_EXPIRATION='{}'",
            shell_safe(c.access_key_id()),
            shell_safe(c.access_key_secret()),
            shell_safe(c.security_token()),
            ecscred::wire::format_timestamp(c.expiration()),
        ),
        // aliyun-cli unmarshals this into its profile (config/profile.go, External mode).
        Format::AliyunCli => serde_json::json!({
            "mode": "StsToken",
            "access_key_id": c.access_key_id(),
            "access_key_secret": c.access_key_secret(),
            "sts_token": c.security_token(),
        })
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
