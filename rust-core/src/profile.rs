//! Profile files: the aliyun CLI's `config.json` and the credentials ini file, read into
//! [`Profile`]s whose fields `crate::chain` maps onto sources.
//!
//! Errors name the file, the profile and the field (and the line, where the parser knows
//! it), never a value: these files hold secrets. A file holding secrets that other users
//! may read is worth a warning, logged once per file per process.

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};

use parking_lot::Mutex;
use zeroize::Zeroizing;

use crate::error::{Error, ErrorKind, Result};

/// Largest profile file read: real ones are a few KiB.
const MAX_FILE: u64 = 1024 * 1024;

/// Which file format a profile came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    /// The aliyun CLI's `config.json`.
    CliJson,
    /// The credentials ini file.
    Ini,
}

/// One field's value as the file holds it.
enum Field {
    Text(Zeroizing<String>),
    Number(f64),
    Bool(bool),
    /// null, an array or an object: wrong for every field.
    Other,
}

/// One profile (a `profiles` entry of `config.json`, or a section of the ini file).
pub(crate) struct Profile {
    pub(crate) file: PathBuf,
    pub(crate) name: String,
    pub(crate) format: Format,
    fields: HashMap<String, Field>,
}

impl Profile {
    /// `profile "dev" of /home/u/.aliyun/config.json`, for messages.
    pub(crate) fn describe(&self) -> String {
        format!("profile {:?} of {}", self.name, self.file.display())
    }

    fn invalid(&self, why: impl std::fmt::Display) -> Error {
        Error::new(
            ErrorKind::InvalidConfig,
            format!("{}: {why}", self.describe()),
        )
    }

    /// A text field, `None` when absent or empty (the aliyun CLI writes every field,
    /// empty when unused). Trimmed. Wrong types are an error naming the field.
    pub(crate) fn text(&self, key: &str) -> Result<Option<Zeroizing<String>>> {
        match self.fields.get(key) {
            None => Ok(None),
            Some(Field::Text(s)) if s.trim().is_empty() => Ok(None),
            Some(Field::Text(s)) => Ok(Some(Zeroizing::new(s.trim().to_owned()))),
            Some(_) => Err(self.invalid(format_args!("\"{key}\" must be a string"))),
        }
    }

    /// A text field that must be present.
    pub(crate) fn required(&self, key: &str) -> Result<Zeroizing<String>> {
        let mode = self.mode().ok().flatten();
        self.text(key)?.ok_or_else(|| {
            self.invalid(format_args!(
                "\"{key}\" is missing or empty{}",
                mode.map(|m| format!(" (mode {})", shown(&m)))
                    .unwrap_or_default()
            ))
        })
    }

    /// The mode (`config.json`) or type (ini), as written.
    pub(crate) fn mode(&self) -> Result<Option<Zeroizing<String>>> {
        self.text(match self.format {
            Format::CliJson => "mode",
            Format::Ini => "type",
        })
    }

    /// A whole number field (JSON number, or digits in either format); 0 and absent are
    /// `None` (the aliyun CLI writes 0 for "unset").
    pub(crate) fn number(&self, key: &str) -> Result<Option<u64>> {
        let bad = || self.invalid(format_args!("\"{key}\" must be a whole number of seconds"));
        let n = match self.fields.get(key) {
            None => return Ok(None),
            Some(Field::Number(n)) if n.fract() == 0.0 && *n >= 0.0 && *n < 1e15 => *n as u64,
            Some(Field::Text(s)) if s.trim().is_empty() => return Ok(None),
            Some(Field::Text(s)) => s.trim().parse().map_err(|_| bad())?,
            Some(_) => return Err(bad()),
        };
        Ok((n != 0).then_some(n))
    }

    /// A boolean field (JSON boolean, or a word [`crate::parse_bool`] accepts).
    pub(crate) fn boolean(&self, key: &str) -> Result<Option<bool>> {
        match self.fields.get(key) {
            None => Ok(None),
            Some(Field::Bool(b)) => Ok(Some(*b)),
            Some(Field::Text(s)) if s.trim().is_empty() => Ok(None),
            Some(Field::Text(s)) => crate::config::parse_bool(key, s)
                .map(Some)
                .map_err(|_| self.invalid(format_args!("\"{key}\" must be true or false"))),
            Some(_) => Err(self.invalid(format_args!("\"{key}\" must be true or false"))),
        }
    }
}

/// A value from a profile file for a message: shown only if it looks like a name (a mode,
/// a profile name), never otherwise.
pub(crate) fn shown(value: &str) -> String {
    if !value.is_empty()
        && value.len() <= 40
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
    {
        format!("{value:?}")
    } else {
        "(not shown)".to_owned()
    }
}

/// The aliyun CLI's configuration: its `current` profile name and its profiles.
pub(crate) struct CliConfig {
    pub(crate) file: PathBuf,
    pub(crate) current: Option<String>,
    pub(crate) profiles: Vec<Profile>,
}

impl CliConfig {
    pub(crate) fn find(&self, name: &str) -> Option<&Profile> {
        self.profiles.iter().find(|p| p.name == name)
    }
}

/// Reads `config.json`. `Ok(None)`: the file does not exist.
pub(crate) fn read_cli_config(path: &Path) -> Result<Option<CliConfig>> {
    let Some(raw) = read_file(path)? else {
        return Ok(None);
    };
    let invalid = |why: String| {
        Error::new(
            ErrorKind::InvalidConfig,
            format!("the aliyun CLI configuration {} {why}", path.display()),
        )
    };
    let json: serde_json::Value = serde_json::from_slice(&raw).map_err(|e| {
        invalid(format!(
            "is not valid JSON ({:?} error at line {} column {})",
            e.classify(),
            e.line(),
            e.column()
        ))
    })?;
    let current = match json.get("current") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) if s.trim().is_empty() => None,
        Some(serde_json::Value::String(s)) => Some(s.trim().to_owned()),
        Some(_) => return Err(invalid("has a \"current\" that is not a string".to_owned())),
    };
    let entries = match json.get("profiles") {
        None | Some(serde_json::Value::Null) => &[][..],
        Some(serde_json::Value::Array(entries)) => entries.as_slice(),
        Some(_) => return Err(invalid("has \"profiles\" that is not an array".to_owned())),
    };
    let mut profiles = Vec::with_capacity(entries.len());
    for (i, entry) in entries.iter().enumerate() {
        let Some(object) = entry.as_object() else {
            return Err(invalid(format!(
                "has profile number {} that is not an object",
                i + 1
            )));
        };
        let name = match object.get("name") {
            Some(serde_json::Value::String(s)) if !s.trim().is_empty() => s.trim().to_owned(),
            _ => {
                return Err(invalid(format!(
                    "has profile number {} without a \"name\"",
                    i + 1
                )))
            }
        };
        let fields = object
            .iter()
            .map(|(key, value)| {
                let field = match value {
                    serde_json::Value::String(s) => Field::Text(Zeroizing::new(s.clone())),
                    serde_json::Value::Number(n) => n.as_f64().map_or(Field::Other, Field::Number),
                    serde_json::Value::Bool(b) => Field::Bool(*b),
                    _ => Field::Other,
                };
                (key.clone(), field)
            })
            .collect();
        profiles.push(Profile {
            file: path.to_owned(),
            name,
            format: Format::CliJson,
            fields,
        });
    }
    warn_if_exposed(path);
    Ok(Some(CliConfig {
        file: path.to_owned(),
        current,
        profiles,
    }))
}

/// Reads the credentials ini file. `Ok(None)`: the file does not exist.
pub(crate) fn read_ini(path: &Path) -> Result<Option<Vec<Profile>>> {
    let Some(raw) = read_file(path)? else {
        return Ok(None);
    };
    let invalid = |why: String| {
        Error::new(
            ErrorKind::InvalidConfig,
            format!("the credentials file {} {why}", path.display()),
        )
    };
    let text = std::str::from_utf8(&raw).map_err(|e| {
        let line = raw[..e.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1;
        invalid(format!("is not UTF-8 text (line {line})"))
    })?;
    let ini = ini::Ini::load_from_str(text).map_err(|e| {
        invalid(format!(
            "is not a valid ini file (line {} column {})",
            e.line, e.col
        ))
    })?;
    let mut profiles = Vec::new();
    for (section, properties) in ini.iter() {
        let Some(name) = section else { continue };
        profiles.push(Profile {
            file: path.to_owned(),
            name: name.trim().to_owned(),
            format: Format::Ini,
            fields: properties
                .iter()
                .map(|(k, v)| {
                    (
                        k.trim().to_owned(),
                        Field::Text(Zeroizing::new(v.to_owned())),
                    )
                })
                .collect(),
        });
    }
    warn_if_exposed(path);
    Ok(Some(profiles))
}

/// The file's bytes (wiped when dropped); `None` if it does not exist.
fn read_file(path: &Path) -> Result<Option<Zeroizing<Vec<u8>>>> {
    let invalid = |why: String| {
        Error::new(
            ErrorKind::InvalidConfig,
            format!("the profile file {} {why}", path.display()),
        )
    };
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
            return Err(invalid("is not readable (permission denied)".to_owned()))
        }
        Err(e) => return Err(invalid(format!("cannot be opened ({e})"))),
    };
    let size = file.metadata().map_or(4096, |m| m.len()).min(MAX_FILE) + 1;
    let mut raw = Zeroizing::new(Vec::with_capacity(size as usize));
    file.take(MAX_FILE + 1)
        .read_to_end(&mut raw)
        .map_err(|e| invalid(format!("cannot be read ({e})")))?;
    if raw.len() as u64 > MAX_FILE {
        return Err(invalid(format!(
            "is larger than {} KiB, too large for a profile file",
            MAX_FILE / 1024
        )));
    }
    Ok(Some(raw))
}

/// Logs once per file that it may be read by other users (group or world readable).
fn warn_if_exposed(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    static WARNED: Mutex<Option<HashSet<PathBuf>>> = Mutex::new(None);
    let Ok(meta) = std::fs::metadata(path) else {
        return;
    };
    let mode = meta.permissions().mode();
    if mode & 0o044 == 0 {
        return;
    }
    if WARNED
        .lock()
        .get_or_insert_with(HashSet::new)
        .insert(path.to_owned())
    {
        tracing::warn!(
            "the profile file {} can be read by other users (mode {:o}) and may hold \
             secrets; restrict it with: chmod 600 {}",
            path.display(),
            mode & 0o777,
            path.display()
        );
    }
}
