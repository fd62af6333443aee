//! The `/_mock/` admin endpoint: drives a mock metadata service or a mock credentials URI
//! from any language. Not counted. (The table of requests is in the crate docs; the
//! credentials URI has all but the mode and token paths.)

use std::time::Duration;

use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::{Method, Request, StatusCode};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::body::{json, Response};
use crate::clock::format_utc;
use crate::config::Mode;
use crate::faults::Fault;
use crate::server::{Common, State};

/// Paths starting with this go to the admin endpoint.
pub(crate) const PREFIX: &str = "/_mock/";

/// Request bodies larger than this are refused.
const MAX_BODY: usize = 64 * 1024;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ModeBody {
    mode: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockBody {
    advance_secs: f64,
}

/// What the admin endpoint drives: the parts every credential-serving mock has, and the
/// metadata service's own state for the mode and token paths.
pub(crate) trait Admin: Sync {
    fn common(&self) -> &Common;
    /// The counters snapshot, as JSON.
    fn counters(&self) -> Response;
    /// The metadata service's state; `None` hides the mode and token paths.
    fn metadata(&self) -> Option<&State>;
}

impl Admin for State {
    fn common(&self) -> &Common {
        self
    }

    fn counters(&self) -> Response {
        to_json(&self.counters.snapshot())
    }

    fn metadata(&self) -> Option<&State> {
        Some(self)
    }
}

/// The admin paths of every mock, then those of the metadata service only.
const COMMON_PATHS: &[&str] = &[
    "/_mock/counters",
    "/_mock/counters/reset",
    "/_mock/requests",
    "/_mock/faults",
    "/_mock/clock",
    "/_mock/credentials",
    "/_mock/credential/current",
];
const METADATA_PATHS: &[&str] = &["/_mock/mode", "/_mock/tokens/expire", "/_mock/tokens"];

pub(crate) async fn handle(mock: &dyn Admin, req: Request<Incoming>) -> Response {
    let (parts, body) = req.into_parts();
    let metadata = mock.metadata();
    let common = mock.common();
    let reply = match (&parts.method, parts.uri.path(), metadata) {
        (&Method::GET, "/_mock/counters", _) => Ok(mock.counters()),
        (&Method::POST, "/_mock/counters/reset", _) => {
            common.reset();
            Ok(done())
        }
        (&Method::GET, "/_mock/requests", _) => Ok(to_json(&common.journal.snapshot())),
        (&Method::POST, "/_mock/faults", _) => read::<Fault>(body).await.map(|fault| {
            common.faults.arm(fault);
            done()
        }),
        (&Method::DELETE, "/_mock/faults", _) => {
            common.faults.clear();
            Ok(done())
        }
        (&Method::POST, "/_mock/mode", Some(state)) => read::<ModeBody>(body)
            .await
            .and_then(|b| b.mode.parse::<Mode>())
            .map(|mode| {
                state.set_mode(mode);
                done()
            }),
        (&Method::POST, "/_mock/clock", _) => read::<ClockBody>(body)
            .await
            .and_then(|b| {
                Duration::try_from_secs_f64(b.advance_secs)
                    .map_err(|e| format!("advance_secs must be a finite number >= 0: {e}"))
            })
            .map(|by| {
                common.clock.advance(by);
                to_json(&json!({ "now": format_utc(common.clock.now()) }))
            }),
        (&Method::POST, "/_mock/tokens/expire", Some(state)) => {
            state.tokens.expire_all();
            Ok(done())
        }
        (&Method::GET, "/_mock/credentials", _) => Ok(to_json(&common.issuer.handed_out())),
        (&Method::GET, "/_mock/tokens", Some(state)) => Ok(to_json(&state.tokens.issued())),
        (&Method::GET, "/_mock/credential/current", _) => {
            Ok(to_json(&common.issuer.current(common.clock.now())))
        }
        (_, path, _) => {
            let known = COMMON_PATHS.contains(&path)
                || (metadata.is_some() && METADATA_PATHS.contains(&path));
            return if known {
                error(StatusCode::METHOD_NOT_ALLOWED, "method not allowed")
            } else {
                error(StatusCode::NOT_FOUND, "no such admin path")
            };
        }
    };
    reply.unwrap_or_else(|message| error(StatusCode::BAD_REQUEST, &message))
}

/// Reads the whole body (at most [`MAX_BODY`] bytes) as JSON of type `T`.
async fn read<T: DeserializeOwned>(body: Incoming) -> Result<T, String> {
    let bytes = Limited::new(body, MAX_BODY)
        .collect()
        .await
        .map_err(|e| format!("cannot read the body: {e}"))?
        .to_bytes();
    serde_json::from_slice(&bytes).map_err(|e| format!("bad JSON body: {e}"))
}

pub(crate) fn to_json<T: Serialize>(value: &T) -> Response {
    json(
        StatusCode::OK,
        serde_json::to_string(value).expect("admin answers serialize"),
    )
}

fn done() -> Response {
    to_json(&json!({ "ok": true }))
}

fn error(status: StatusCode, message: &str) -> Response {
    json(status, json!({ "error": message }).to_string())
}
