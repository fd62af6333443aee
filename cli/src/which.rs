//! `ecscred which`: the source a provider would use and what selected it.
//!
//! Building a provider reads the variables and the profile files only (no request, no
//! thread), so this command fetches nothing. It prints names of sources, variables, files
//! and profiles, and the origin a source asks: never a secret, never a value read from a
//! profile file besides the role names and ARNs that `ecscred status` shows too.

use std::process::ExitCode;

use ecscred::{Error, Provider, SourceKind};
use serde_json::{json, Value};

use crate::status::StatusFormat;

/// Prints what `provider` (or the configuration error that prevented it) says about its
/// source. Exit status 0 when a source is selected, else 10 + the error kind's code (12
/// for an invalid configuration), with the message on stderr and nothing on stdout.
pub fn which(provider: Result<Provider, Error>, format: StatusFormat) -> ExitCode {
    let provider = match provider {
        Ok(provider) => provider,
        Err(err) => {
            eprintln!("ecscred: {err}");
            return ExitCode::from(10 + err.kind().code() as u8);
        }
    };
    let info = provider.source_info();
    let endpoint = Some(provider.endpoint()).filter(|e| !e.is_empty());
    let report = json!({
        "source": info.kind.as_str(),
        "provider_name": info.provider_name(),
        "chain": info.chain,
        "selected_by": info.selected_by,
        "file": info.file.as_ref().map(|f| f.to_string_lossy()),
        "profile": info.profile,
        "endpoint": endpoint,
        "role": provider.role_name(),
        "role_arn": provider.role_arn(),
    });
    match format {
        StatusFormat::Json => println!("{report}"),
        StatusFormat::Text => {
            for (key, label) in [
                ("source", "source"),
                ("provider_name", "provider name"),
                ("selected_by", "selected by"),
                ("file", "file"),
                ("profile", "profile"),
                ("endpoint", "endpoint"),
                ("role", "role"),
                ("role_arn", "role arn"),
            ] {
                match &report[key] {
                    Value::String(value) => println!("{label}: {value}"),
                    Value::Null if key == "role" && info.kind == SourceKind::Ecs => {
                        println!("role: discovered from the metadata service")
                    }
                    _ => {}
                }
            }
        }
    }
    ExitCode::SUCCESS
}
