//! `ecscred mock-uri`: a mock ALIBABA_CLOUD_CREDENTIALS_URI server, and the mock STS's
//! `--access-key` flag.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use ecscred_mock::{Fault, MockCredentialsUri, UriConfig};

/// Serve a mock credentials URI (ALIBABA_CLOUD_CREDENTIALS_URI) on 127.0.0.1 until killed.
/// Prints its URL (with the path) first.
///
/// GET <path> answers 200 with {"Code":"Success","AccessKeyId":"STS.…",
/// "AccessKeySecret":…,"SecurityToken":…,"Expiration":"YYYY-MM-DDThh:mm:ssZ",
/// "LastUpdated":…}; another method 405, another path 404. Credentials rotate:
/// the next one is issued --rotate-before seconds before the current one expires.
///
/// Admin endpoint, under the prefix /_mock/ of the same host and port (JSON in and
/// out; these requests are not counted):
///
///   GET    /_mock/counters            request counters (requests, credential_gets,
///                                     max_concurrent)
///   POST   /_mock/counters/reset      zero them (and the request lines)
///   GET    /_mock/requests            the latest request lines
///   POST   /_mock/faults              arm a fault (the --fault JSON below)
///   DELETE /_mock/faults              clear every fault
///   POST   /_mock/clock               {"advance_secs":N}: move the mock's clock
///   GET    /_mock/credentials         every credential handed out (full values)
///   GET    /_mock/credential/current  the credential a GET would return now
///
/// A fault is {"kind":K, ..., "count":N} (no count: until cleared), K one of:
/// status (status: 200..599), delay (ms: up to 86400000), drop, malformed_json,
/// code (code: a 200 whose Code is not Success), expired, expiration (expiration:
/// sent verbatim), redirect (location), huge_body (bytes: up to 1073741824).
/// Errors answer {"error":"..."} with 400, 404 or 405.
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub(crate) struct MockUriArgs {
    /// Port to listen on (0: any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// The path that serves the credential.
    #[arg(long, default_value = "/credentials")]
    path: String,
    /// Credential lifetime in seconds.
    #[arg(long, default_value_t = 3600)]
    lifetime: u64,
    /// Seconds before expiry at which the next credential is issued (default:
    /// lifetime / 12).
    #[arg(long)]
    rotate_before: Option<u64>,
    /// A fault armed at start, as the admin endpoint's JSON, e.g.
    /// '{"kind":"status","status":500,"count":2}'. Repeatable.
    #[arg(long = "fault")]
    faults: Vec<String>,
}

pub(crate) fn mock_uri(args: MockUriArgs) -> ExitCode {
    let lifetime = Duration::from_secs(args.lifetime);
    let mut config = UriConfig::default()
        .with_port(args.port)
        .with_path(args.path)
        .with_lifetime(lifetime);
    if let Some(secs) = args.rotate_before {
        config = config.with_rotate_before(Duration::from_secs(secs));
    }
    for fault in &args.faults {
        match Fault::from_json(fault) {
            Ok(fault) => config = config.with_fault(fault),
            Err(why) => {
                eprintln!("ecscred mock-uri: --fault {fault}: {why}");
                return ExitCode::from(2);
            }
        }
    }
    let server = match MockCredentialsUri::start(config) {
        Ok(server) => server,
        Err(err) => {
            eprintln!("ecscred mock-uri: {err}");
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

/// Parses `--access-key ID:SECRET` (split at the first `:`; both parts non-empty). The
/// error never repeats the text, which holds a secret (so clap does not parse it: its
/// errors quote the value).
pub(crate) fn access_key(text: &str) -> Result<(String, String), &'static str> {
    match text.split_once(':') {
        Some((id, secret)) if !id.is_empty() && !secret.is_empty() => {
            Ok((id.to_owned(), secret.to_owned()))
        }
        _ => Err("expected ID:SECRET, both non-empty"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_keys_split_at_the_first_colon() {
        assert_eq!(
            access_key("LTAI:se:cret"),
            Ok(("LTAI".to_owned(), "se:cret".to_owned()))
        );
        for bad in ["LTAI", ":s3cr3t", "LTAI:", ""] {
            assert_eq!(access_key(bad), Err("expected ID:SECRET, both non-empty"));
        }
    }
}
