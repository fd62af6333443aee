//! The aliyun CLI's `External` mode: a command that prints a credential as JSON on its
//! standard output (`{"mode": "AK" | "StsToken", "access_key_id", "access_key_secret",
//! "sts_token", "expiration"}`), run at every fetch.
//!
//! The command is split at whitespace and run without a shell, with no standard input;
//! its standard error is discarded (it may hold secrets). It runs in a process group of
//! its own, killed whole when the fetch timeout ends, and its output is capped. Nothing
//! here installs a signal handler: the child is reaped by polling.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use zeroize::Zeroizing;

use crate::config::{Config, ProcessConfig};
use crate::credential::Credential;
use crate::error::{Error, ErrorKind, Result};
use crate::http::MAX_BODY;
use crate::wire::parse_timestamp;

/// How often the child is polled for its exit.
const POLL: Duration = Duration::from_millis(10);

pub(crate) struct ProcessClient {
    process: ProcessConfig,
    config: Arc<Config>,
}

/// The command's output, as the aliyun CLI defines it.
#[derive(Deserialize)]
struct Output {
    mode: Option<String>,
    access_key_id: Option<String>,
    access_key_secret: Option<Zeroizing<String>>,
    sts_token: Option<Zeroizing<String>>,
    /// RFC 3339, or Unix seconds.
    expiration: Option<serde_json::Value>,
}

impl ProcessClient {
    pub(crate) fn new(config: Arc<Config>, process: ProcessConfig) -> ProcessClient {
        ProcessClient { process, config }
    }

    fn program(&self) -> &str {
        self.process.argv.first().map_or("", String::as_str)
    }

    /// Runs the command and reads its credential, within the fetch timeout.
    pub(crate) async fn fetch(&self) -> Result<Credential> {
        let what = format!("the credential command {:?}", self.program());
        let deadline = tokio::time::Instant::now() + self.config.fetch_timeout;
        let mut child = Command::new(self.program())
            .args(&self.process.argv[1..])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .map_err(|e| {
                Error::new(
                    ErrorKind::InvalidConfig,
                    format!("{what} could not be started ({e}); check process_command"),
                )
            })?;
        let stdout = child.stdout.take();
        let reader = tokio::task::spawn_blocking(move || read_capped(stdout));
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if tokio::time::Instant::now() >= deadline => {
                    kill_group(&mut child);
                    return Err(Error::timeout(&what, self.config.fetch_timeout)
                        .note("fetch_timeout reached; the command was killed"));
                }
                Ok(None) => tokio::time::sleep(POLL).await,
                Err(e) => {
                    kill_group(&mut child);
                    return Err(Error::new(
                        ErrorKind::Internal,
                        format!("{what}: waiting for it failed ({e})"),
                    ));
                }
            }
        };
        // A descendant may still hold the pipe open: bounded by the same deadline.
        let output = match tokio::time::timeout_at(deadline, reader).await {
            Ok(Ok(output)) => output,
            Ok(Err(_)) => {
                return Err(Error::new(
                    ErrorKind::Internal,
                    format!("{what}: the reader failed"),
                ))
            }
            Err(_) => {
                kill_group(&mut child);
                return Err(Error::timeout(&what, self.config.fetch_timeout)
                    .note("its output did not end: a process it started keeps it open"));
            }
        };
        if !status.success() {
            let how = match status.code() {
                Some(code) => format!("exited with status {code}"),
                None => "was killed by a signal".to_owned(),
            };
            return Err(Error::new(
                ErrorKind::InvalidResponse,
                format!("{what} {how}; run it by hand to see why"),
            ));
        }
        let output = output
            .map_err(|why| Error::new(ErrorKind::InvalidResponse, format!("{what}: {why}")))?;
        parse_output(&output)
            .map_err(|why| Error::new(ErrorKind::InvalidResponse, format!("{what} printed {why}")))
    }
}

/// Kills the command and everything it started (its process group), then reaps it.
fn kill_group(child: &mut Child) {
    if let Ok(pid) = i32::try_from(child.id()) {
        // SAFETY: signalling a process group we created; no memory is involved.
        unsafe { libc::kill(-pid, libc::SIGKILL) };
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// The whole standard output, at most [`MAX_BODY`] bytes, in a wiped buffer.
fn read_capped(
    stdout: Option<std::process::ChildStdout>,
) -> std::result::Result<Zeroizing<Vec<u8>>, String> {
    let Some(stdout) = stdout else {
        return Err("no output".to_owned());
    };
    let mut buf = Zeroizing::new(Vec::with_capacity(MAX_BODY + 1));
    stdout
        .take(MAX_BODY as u64 + 1)
        .read_to_end(&mut buf)
        .map_err(|e| format!("its output could not be read ({e})"))?;
    if buf.len() > MAX_BODY {
        return Err(format!("more than {} KiB of output", MAX_BODY / 1024));
    }
    Ok(buf)
}

/// The credential in the command's output. Messages never quote the output.
fn parse_output(body: &[u8]) -> std::result::Result<Credential, String> {
    let out: Output = serde_json::from_slice(body).map_err(|e| {
        format!(
            "something that is not credential JSON ({:?} error at line {} column {})",
            e.classify(),
            e.line(),
            e.column()
        )
    })?;
    let field = |name: &str| format!("JSON with a missing, empty or invalid \"{name}\"");
    let id = out.access_key_id.ok_or_else(|| field("access_key_id"))?;
    let secret = out
        .access_key_secret
        .ok_or_else(|| field("access_key_secret"))?;
    match out.mode.as_deref() {
        Some("AK") => Credential::long_term(&id, &secret, None).map_err(|f| field(f.name())),
        Some("StsToken") => {
            let token = out.sts_token.ok_or_else(|| field("sts_token"))?;
            let invalid = |_| field("sts_token, access_key_id or access_key_secret");
            match out.expiration {
                None | Some(serde_json::Value::Null) => {
                    Credential::long_term(&id, &secret, Some(&token)).map_err(invalid)
                }
                Some(value) => {
                    let expiration = match &value {
                        serde_json::Value::String(s) => parse_timestamp(s).ok(),
                        serde_json::Value::Number(n) => n.as_u64().and_then(|secs| {
                            std::time::UNIX_EPOCH.checked_add(Duration::from_secs(secs))
                        }),
                        _ => None,
                    }
                    .ok_or_else(|| field("expiration"))?;
                    Credential::new(&id, &secret, &token, expiration, None).map_err(invalid)
                }
            }
        }
        _ => Err("JSON whose \"mode\" is neither \"AK\" nor \"StsToken\"".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_modes() {
        let c = parse_output(br#"{"mode":"AK","access_key_id":"LTAI1","access_key_secret":"s"}"#)
            .unwrap();
        assert!(!c.has_security_token() && !c.expires());
        let c = parse_output(
            br#"{"mode":"StsToken","access_key_id":"STS.1","access_key_secret":"s",
                "sts_token":"t","expiration":"2030-01-01T00:00:00Z"}"#,
        )
        .unwrap();
        assert!(c.has_security_token() && c.expires());
        let c = parse_output(
            br#"{"mode":"StsToken","access_key_id":"STS.1","access_key_secret":"s",
                "sts_token":"t","expiration":1893456000}"#,
        )
        .unwrap();
        assert_eq!(
            c.expiration(),
            parse_timestamp("2030-01-01T00:00:00Z").unwrap()
        );
    }

    #[test]
    fn garbage_is_described_without_quoting() {
        for bad in [
            &b"s3cr3t-garbage"[..],
            br#"{"mode":"AK","access_key_id":"LTAI1"}"#,
            br#"{"mode":"Magic","access_key_id":"LTAI1","access_key_secret":"s3cr3t"}"#,
            br#"{"mode":"StsToken","access_key_id":"LTAI1","access_key_secret":"s3cr3t"}"#,
            br#"{"mode":"StsToken","access_key_id":"a","access_key_secret":"s3cr3t","sts_token":"t","expiration":"s3cr3t"}"#,
        ] {
            let why = parse_output(bad).unwrap_err();
            assert!(!why.contains("s3cr3t"), "{why}");
        }
    }
}
