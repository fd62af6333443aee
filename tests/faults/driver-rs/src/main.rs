//! The Rust surface of the fault matrix (`tests/faults/matrix.py`).
//!
//! Reads commands on stdin, one per line, answers one line each on stdout:
//!
//! - `new [key=value ...]`: builds the provider (keys: `endpoint`, `role`,
//!   `disable_imds_v1`, `connect_timeout_ms`, `read_timeout_ms`, `fetch_timeout_ms`,
//!   `default=true` for the process-wide provider configured from the environment;
//!   `source=oidc` with `role_arn`, `oidc_provider_arn`, `oidc_token_file`,
//!   `sts_endpoint` and `sts_ca_file` (a PEM file trusted for STS) for the OIDC source;
//!   `source=chain` (or `env`, `profile`, `uri`: one source pinned) for the default
//!   credential chain, with `profile`, `config_file`, `credentials_file`,
//!   `credentials_uri` besides the options above) → `ok` or an `err` line.
//! - `get` → `ok <t0 ms> <t1 ms> <AccessKeyId> <expiration unix s>` or
//!   `err <t0 ms> <t1 ms> <code> <kind name> <http status|-> <message>`.
//! - `quit` → `bye`.
//!
//! The engine's log events (every target, DEBUG and up) go to stderr, which the
//! orchestrator captures for the leak scan. Nothing secret is ever printed here.

use std::io::{BufRead, Write};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ecscred::{Error, Provider, SourceKind};
use tracing_subscriber::filter::LevelFilter;

fn now_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis()
}

fn one_line(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}

fn err_line(t0: u128, t1: u128, e: &Error) -> String {
    let status = e
        .http_status()
        .map_or_else(|| "-".to_owned(), |s| s.to_string());
    format!(
        "err {t0} {t1} {} {:?} {status} {}",
        e.kind().code(),
        e.kind(),
        one_line(e.message())
    )
}

enum Surface {
    Own(Provider),
    Default,
}

fn build(args: &[&str]) -> Result<Surface, Error> {
    let mut builder = Provider::builder();
    let mut default = false;
    for arg in args {
        let (key, value) = arg.split_once('=').unwrap_or((arg, ""));
        let ms = || Duration::from_millis(value.parse().unwrap_or(0));
        match key {
            "endpoint" => builder = builder.endpoint(value),
            "role" => builder = builder.role_name(value),
            "disable_imds_v1" => builder = builder.disable_imds_v1(value == "true"),
            "connect_timeout_ms" => builder = builder.connect_timeout(ms()),
            "read_timeout_ms" => builder = builder.read_timeout(ms()),
            "fetch_timeout_ms" => builder = builder.fetch_timeout(ms()),
            "default" => default = value == "true",
            "source" => match SourceKind::from_name(value) {
                Some(kind) => builder = builder.source(kind),
                None => eprintln!("driver-rs: unknown source {value:?} ignored"),
            },
            "profile" => builder = builder.profile(value),
            "config_file" => builder = builder.config_file(value),
            "credentials_file" => builder = builder.credentials_file(value),
            "credentials_uri" => builder = builder.credentials_uri(value),
            "role_arn" => builder = builder.role_arn(value),
            "oidc_provider_arn" => builder = builder.oidc_provider_arn(value),
            "oidc_token_file" => builder = builder.oidc_token_file(value),
            "sts_endpoint" => builder = builder.sts_endpoint(value),
            "sts_ca_file" => match std::fs::read(value) {
                Ok(pem) => builder = builder.sts_extra_root_pem(pem),
                Err(e) => eprintln!("driver-rs: cannot read {value}: {e}"),
            },
            other => eprintln!("driver-rs: unknown option {other:?} ignored"),
        }
    }
    if default {
        Ok(Surface::Default)
    } else {
        builder.build().map(Surface::Own)
    }
}

fn main() {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(LevelFilter::DEBUG)
        .init();

    let stdin = std::io::stdin();
    let mut out = std::io::stdout();
    let mut surface: Option<Surface> = None;
    for line in stdin.lock().lines() {
        let Ok(line) = line else { break };
        let words: Vec<&str> = line.split_whitespace().collect();
        let reply = match words.as_slice() {
            ["new", args @ ..] => {
                let t0 = now_ms();
                match build(args) {
                    Ok(s) => {
                        surface = Some(s);
                        "ok".to_owned()
                    }
                    Err(e) => err_line(t0, now_ms(), &e),
                }
            }
            ["get"] => {
                let t0 = now_ms();
                let result = match &surface {
                    Some(Surface::Own(p)) => p.credential(),
                    Some(Surface::Default) => ecscred::get_credential(None),
                    None => {
                        println!("error no provider: send new first");
                        continue;
                    }
                };
                let t1 = now_ms();
                match result {
                    Ok(c) => {
                        let exp = c
                            .expiration()
                            .duration_since(UNIX_EPOCH)
                            .unwrap_or_default()
                            .as_secs();
                        format!("ok {t0} {t1} {} {exp}", c.access_key_id())
                    }
                    Err(e) => err_line(t0, t1, &e),
                }
            }
            ["quit"] => {
                let _ = writeln!(out, "bye");
                let _ = out.flush();
                return;
            }
            _ => format!("error unknown command {:?}", one_line(&line)),
        };
        let _ = writeln!(out, "{reply}");
        let _ = out.flush();
    }
}
