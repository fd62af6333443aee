//! Faults: armed misbehaviour, consumed by matching metadata requests.

use std::collections::VecDeque;
use std::time::Duration;

use parking_lot::Mutex;
use serde::Deserialize;

/// Which metadata requests a fault applies to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    /// Every metadata request (any path, any method).
    #[default]
    Any,
    /// Requests to `/latest/api/token`.
    Token,
    /// Requests to `/latest/meta-data/ram/security-credentials/` (role discovery).
    Role,
    /// Requests to `/latest/meta-data/ram/security-credentials/<anything>`.
    Credential,
}

/// What the mock does instead of (or before) answering normally.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// Answer with this status and a body like `500 - Internal Server Error`
    /// (codes outside 200..=599 answer 500).
    Status(u16),
    /// Wait this long (real time), then answer normally.
    Delay(Duration),
    /// Close the connection without answering.
    Drop,
    /// 200 with a truncated JSON body. Credential requests only.
    MalformedJson,
    /// 200 with well-formed credential JSON whose `Code` is this string.
    /// The credential values are fresh ones outside the rotation series.
    /// Credential requests only.
    Code(String),
    /// 200 with `Code: Success` and a fresh credential (outside the rotation series)
    /// whose `Expiration` is one hour before real time, so it is in the past both for
    /// the caller and for the mock's clock. Credential requests only.
    Expired,
    /// 200 with `Code: Success` and a fresh credential (outside the rotation series)
    /// whose `Expiration` is this text, sent verbatim (any format, any date: for tests of
    /// how clients parse and range-check it). Credential requests only.
    Expiration(String),
    /// 302 with `Location: <the given URL>`.
    Redirect(String),
    /// 200 with a body of exactly this many bytes (`x` repeated), streamed.
    HugeBody(usize),
}

impl FaultKind {
    /// Whether this kind makes sense for (and so may be consumed by) a request of `kind`.
    fn applies_to(&self, kind: RequestKind) -> bool {
        match self {
            Self::MalformedJson | Self::Code(_) | Self::Expired | Self::Expiration(_) => {
                kind == RequestKind::Credential
            }
            _ => true,
        }
    }
}

/// An armed fault. Parses from JSON with [`Fault::from_json`] (shape documented there).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(try_from = "serde_json::Map<String, serde_json::Value>")]
pub struct Fault {
    /// What happens.
    pub kind: FaultKind,
    /// Which requests it applies to.
    pub target: Target,
    /// How many requests it answers; `None` = until cleared. `Some(0)` is never armed.
    pub count: Option<u32>,
}

impl Fault {
    /// A fault of `kind` on every request, until cleared.
    #[must_use]
    pub fn new(kind: FaultKind) -> Self {
        Self {
            kind,
            target: Target::Any,
            count: None,
        }
    }

    /// Restricts the fault to `target`.
    #[must_use]
    pub fn on(mut self, target: Target) -> Self {
        self.target = target;
        self
    }

    /// Limits the fault to `count` requests.
    #[must_use]
    pub fn times(mut self, count: u32) -> Self {
        self.count = Some(count);
        self
    }

    /// Parses the admin endpoint's JSON shape:
    /// `{"kind": K, ...fields of K, "target": "any"|"token"|"role"|"credential", "count": N}`
    /// where `target` defaults to `any`, an absent `count` means until cleared, and K is one of
    /// `status` (`status`: 200..=599), `delay` (`ms`: at most 86400000, a day), `drop`,
    /// `malformed_json`, `code` (`code`), `expired`, `expiration` (`expiration`), `redirect`
    /// (`location`), `huge_body` (`bytes`: at most 1 GiB).
    ///
    /// # Errors
    ///
    /// A message naming the problem for invalid JSON, an unknown kind or target, a
    /// missing field, a field the kind does not take, or `count` 0.
    pub fn from_json(json: &str) -> Result<Self, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }
}

/// The longest `delay` fault: a day (longer is a mistake, not a test).
const MAX_DELAY_MS: u64 = 86_400_000;
/// The largest `huge_body` fault: 1 GiB (clients refuse far less).
const MAX_HUGE_BODY: usize = 1 << 30;

/// The JSON shape of a fault's kind and its fields (`target`/`count` removed first).
/// Kinds without fields are empty struct variants so that stray fields are refused.
#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
enum KindSpec {
    Status { status: u16 },
    Delay { ms: u64 },
    Drop {},
    MalformedJson {},
    Code { code: String },
    Expired {},
    Expiration { expiration: String },
    Redirect { location: String },
    HugeBody { bytes: usize },
}

impl TryFrom<serde_json::Map<String, serde_json::Value>> for Fault {
    type Error = String;

    fn try_from(mut map: serde_json::Map<String, serde_json::Value>) -> Result<Self, String> {
        let target = match map.remove("target") {
            None => Target::Any,
            Some(t) => Target::deserialize(t).map_err(|e| format!("target: {e}"))?,
        };
        let count = match map.remove("count") {
            None => None,
            Some(c) => match u32::deserialize(c).map_err(|e| format!("count: {e}"))? {
                0 => return Err("count must be at least 1 (omit it for until cleared)".into()),
                n => Some(n),
            },
        };
        let spec =
            KindSpec::deserialize(serde_json::Value::Object(map)).map_err(|e| e.to_string())?;
        let kind = match spec {
            KindSpec::Status { status } if (200..=599).contains(&status) => {
                FaultKind::Status(status)
            }
            KindSpec::Status { status } => {
                return Err(format!("status must be 200..=599, got {status}"))
            }
            KindSpec::Delay { ms } if ms <= MAX_DELAY_MS => {
                FaultKind::Delay(Duration::from_millis(ms))
            }
            KindSpec::Delay { ms } => {
                return Err(format!(
                    "ms must be at most {MAX_DELAY_MS} (a day), got {ms}"
                ))
            }
            KindSpec::Drop {} => FaultKind::Drop,
            KindSpec::MalformedJson {} => FaultKind::MalformedJson,
            KindSpec::Code { code } => FaultKind::Code(code),
            KindSpec::Expired {} => FaultKind::Expired,
            KindSpec::Expiration { expiration } => FaultKind::Expiration(expiration),
            KindSpec::Redirect { location } => FaultKind::Redirect(location),
            KindSpec::HugeBody { bytes } if bytes <= MAX_HUGE_BODY => FaultKind::HugeBody(bytes),
            KindSpec::HugeBody { bytes } => {
                return Err(format!(
                    "bytes must be at most {MAX_HUGE_BODY} (1 GiB), got {bytes}"
                ))
            }
        };
        Ok(Self {
            kind,
            target,
            count,
        })
    }
}

/// The class of a metadata request, for fault targets and counters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RequestKind {
    Token,
    Role,
    Credential,
    Other,
}

impl Target {
    fn matches(self, kind: RequestKind) -> bool {
        match self {
            Self::Any => true,
            Self::Token => kind == RequestKind::Token,
            Self::Role => kind == RequestKind::Role,
            Self::Credential => kind == RequestKind::Credential,
        }
    }
}

/// The armed faults, in order of arming.
#[derive(Debug, Default)]
pub(crate) struct Faults(Mutex<VecDeque<Fault>>);

impl Faults {
    pub(crate) fn arm(&self, fault: Fault) {
        if fault.count != Some(0) {
            self.0.lock().push_back(fault);
        }
    }

    pub(crate) fn clear(&self) {
        self.0.lock().clear();
    }

    /// Consumes one use of the first armed fault that applies to a request of `kind`.
    pub(crate) fn take(&self, kind: RequestKind) -> Option<FaultKind> {
        let mut armed = self.0.lock();
        let i = armed
            .iter()
            .position(|f| f.target.matches(kind) && f.kind.applies_to(kind))?;
        let fault = &mut armed[i];
        match &mut fault.count {
            Some(1) => armed.remove(i).map(|f| f.kind),
            Some(n) => {
                *n -= 1;
                Some(fault.kind.clone())
            }
            None => Some(fault.kind.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_kind() {
        let cases = [
            (
                r#"{"kind":"status","status":500,"target":"credential","count":2}"#,
                Fault::new(FaultKind::Status(500))
                    .on(Target::Credential)
                    .times(2),
            ),
            (
                r#"{"kind":"delay","ms":250}"#,
                Fault::new(FaultKind::Delay(Duration::from_millis(250))),
            ),
            (
                r#"{"kind":"drop","target":"token"}"#,
                Fault::new(FaultKind::Drop).on(Target::Token),
            ),
            (
                r#"{"kind":"malformed_json"}"#,
                Fault::new(FaultKind::MalformedJson),
            ),
            (
                r#"{"kind":"code","code":"Failure"}"#,
                Fault::new(FaultKind::Code("Failure".into())),
            ),
            (
                r#"{"kind":"expired","count":1}"#,
                Fault::new(FaultKind::Expired).times(1),
            ),
            (
                r#"{"kind":"expiration","expiration":"9998-12-31T23:59:59+08:00"}"#,
                Fault::new(FaultKind::Expiration("9998-12-31T23:59:59+08:00".into())),
            ),
            (
                r#"{"kind":"redirect","location":"http://127.0.0.1:1/x","target":"role"}"#,
                Fault::new(FaultKind::Redirect("http://127.0.0.1:1/x".into())).on(Target::Role),
            ),
            (
                r#"{"kind":"huge_body","bytes":1048576,"target":"any"}"#,
                Fault::new(FaultKind::HugeBody(1 << 20)),
            ),
        ];
        for (json, want) in cases {
            assert_eq!(Fault::from_json(json), Ok(want), "{json}");
        }
    }

    #[test]
    fn rejects_bad_shapes_with_a_message() {
        for json in [
            "",
            "[]",
            r#"{"status":500}"#,
            r#"{"kind":"explode"}"#,
            r#"{"kind":"status"}"#,
            r#"{"kind":"status","status":"500"}"#,
            r#"{"kind":"status","status":99}"#,
            r#"{"kind":"drop","status":500}"#,
            r#"{"kind":"delay","ms":-1}"#,
            r#"{"kind":"drop","target":"everything"}"#,
            r#"{"kind":"drop","count":0}"#,
            r#"{"kind":"drop","count":-3}"#,
            r#"{"kind":"drop","count":4294967296}"#,
            r#"{"kind":"delay","ms":86400001}"#,
            r#"{"kind":"delay","ms":18446744073709551615}"#,
            r#"{"kind":"delay","ms":1e300}"#,
            r#"{"kind":"huge_body","bytes":1073741825}"#,
            r#"{"kind":"huge_body","bytes":18446744073709551615}"#,
        ] {
            let err = Fault::from_json(json).unwrap_err();
            assert!(!err.is_empty(), "{json}");
        }
    }

    #[test]
    fn consumed_in_arming_order_by_matching_requests() {
        let faults = Faults::default();
        faults.arm(
            Fault::new(FaultKind::Status(500))
                .on(Target::Credential)
                .times(2),
        );
        faults.arm(Fault::new(FaultKind::Expired).times(1));
        faults.arm(
            Fault::new(FaultKind::Status(503))
                .on(Target::Token)
                .times(1),
        );
        faults.arm(Fault::new(FaultKind::Drop).times(0));

        assert_eq!(faults.take(RequestKind::Role), None);
        assert_eq!(
            faults.take(RequestKind::Token),
            Some(FaultKind::Status(503))
        );
        assert_eq!(faults.take(RequestKind::Token), None);
        assert_eq!(
            faults.take(RequestKind::Credential),
            Some(FaultKind::Status(500))
        );
        assert_eq!(
            faults.take(RequestKind::Credential),
            Some(FaultKind::Status(500))
        );
        assert_eq!(
            faults.take(RequestKind::Credential),
            Some(FaultKind::Expired)
        );
        assert_eq!(faults.take(RequestKind::Credential), None);

        faults.arm(Fault::new(FaultKind::Status(502)));
        for _ in 0..3 {
            assert_eq!(
                faults.take(RequestKind::Other),
                Some(FaultKind::Status(502))
            );
        }
        faults.clear();
        assert_eq!(faults.take(RequestKind::Other), None);
    }
}
