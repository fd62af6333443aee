//! `ecscred status`: a health check that prints no secret.
//!
//! The command is a fresh process: it has no cache and no history, so "status" means
//! "fetch now and report" (source, provider name, endpoint, role or role ARN, expiry
//! (none for a credential that never expires), and on failure the error, the failure
//! count and when the engine would try again). The OIDC token is never read into the
//! report: only its source's STS endpoint and role ARN are. A long-running program
//! reports the health of its own provider through `refresh_status()` in its binding.

use std::process::ExitCode;

use clap::ValueEnum;
use ecscred::wire::format_timestamp;
use ecscred::{Error, Provider, SourceKind};
use serde_json::{json, Value};

/// Output form of `ecscred status`.
#[derive(Clone, Copy, ValueEnum)]
pub enum StatusFormat {
    /// One JSON object.
    Json,
    /// `key: value` lines for people.
    Text,
}

/// The report's name of a source: the metadata service or STS with an OIDC token.
fn source_name(source: SourceKind) -> &'static str {
    match source {
        SourceKind::Ecs => "ecs-metadata",
        other => other.as_str(),
    }
}

/// Fetches once with `provider` (or reports why there is none) and prints what a health
/// check needs; `source` is the one asked for, reported when the provider could not be
/// built. Exit status 0 when a valid credential could be had, else 10 + the error kind's
/// code (as `ecscred get`).
pub fn status(
    provider: std::result::Result<Provider, Error>,
    source: SourceKind,
    format: StatusFormat,
) -> ExitCode {
    let provider = match provider {
        Ok(provider) => provider,
        Err(err) => {
            // No provider: nothing but the configuration error to report.
            let report = json!({
                "healthy": false,
                "source": source_name(source),
                "last_error": error_json(&err),
            });
            print(&report, format);
            return exit_code(Some(&err));
        }
    };
    let outcome = provider.credential();
    let status = provider.refresh_status();
    let error = outcome.as_ref().err();
    let mut report = json!({
        "healthy": outcome.is_ok(),
        "source": source_name(provider.source()),
        "provider_name": provider.provider_name(),
        // A configured credential (an AccessKey) asks no service: no endpoint.
        "endpoint": Some(provider.endpoint()).filter(|e| !e.is_empty()),
        "role": provider.role_name(),
        // null too for a credential that never expires (a long-term AccessKey).
        "expiration": outcome
            .as_ref()
            .ok()
            .filter(|c| c.expires())
            .map(|c| format_timestamp(c.expiration())),
        "last_error": error.or(status.last_error.as_ref()).map(error_json),
        "consecutive_failures": status.consecutive_failures,
        "next_attempt_at": status.next_attempt_at.map(format_timestamp),
    });
    // The OIDC source's role is an ARN assumed at STS, not a metadata role name.
    if let (Some(role_arn), Value::Object(fields)) = (provider.role_arn(), &mut report) {
        fields.remove("role");
        fields.insert("role_arn".to_owned(), role_arn.into());
    }
    print(&report, format);
    exit_code(error)
}

/// An error's kind and message: the engine's messages never hold a secret.
fn error_json(err: &Error) -> Value {
    json!({
        "kind": err.kind().as_str(),
        "code": err.kind().code(),
        "http_status": err.http_status(),
        "message": err.message(),
    })
}

fn exit_code(error: Option<&Error>) -> ExitCode {
    match error {
        None => ExitCode::SUCCESS,
        Some(err) => ExitCode::from(10 + err.kind().code() as u8),
    }
}

fn print(report: &Value, format: StatusFormat) {
    match format {
        StatusFormat::Json => println!("{report}"),
        StatusFormat::Text => {
            let text = |key: &str| match &report[key] {
                Value::Null => "none".to_owned(),
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            println!(
                "healthy: {}",
                if report["healthy"] == true {
                    "yes"
                } else {
                    "no"
                }
            );
            println!("source: {}", text("source"));
            if report.get("provider_name").is_some() {
                println!("provider name: {}", text("provider_name"));
                if report["endpoint"].is_string() {
                    println!("endpoint: {}", text("endpoint"));
                }
                match (report.get("role_arn"), &report["role"]) {
                    (Some(Value::String(arn)), _) => println!("role arn: {arn}"),
                    (_, Value::String(role)) => println!("role: {role}"),
                    _ if report["source"] == source_name(SourceKind::Ecs) => {
                        println!("role: discovered from the metadata service")
                    }
                    _ => {}
                }
                if report["healthy"] == true && report["expiration"].is_null() {
                    println!("expiration: never");
                } else {
                    println!("expiration: {}", text("expiration"));
                }
                println!("consecutive failures: {}", text("consecutive_failures"));
            }
            match &report["last_error"] {
                Value::Object(e) => println!(
                    "last error: {} ({}): {}",
                    e["kind"].as_str().unwrap_or_default(),
                    e["code"],
                    e["message"].as_str().unwrap_or_default()
                ),
                _ => println!("last error: none"),
            }
            if report.get("provider_name").is_some() {
                println!("next attempt: {}", text("next_attempt_at"));
            }
        }
    }
}
