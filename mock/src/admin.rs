//! The `/_mock/` admin endpoint: drives a mock from any language. Not counted.
//! (The table of requests is in the crate docs.)

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
use crate::server::State;

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

pub(crate) async fn handle(state: &State, req: Request<Incoming>) -> Response {
    let (parts, body) = req.into_parts();
    let reply = match (&parts.method, parts.uri.path()) {
        (&Method::GET, "/_mock/counters") => Ok(to_json(&state.counters.snapshot())),
        (&Method::POST, "/_mock/counters/reset") => {
            state.counters.reset();
            state.journal.clear();
            Ok(done())
        }
        (&Method::GET, "/_mock/requests") => Ok(to_json(&state.journal.snapshot())),
        (&Method::POST, "/_mock/faults") => read::<Fault>(body).await.map(|fault| {
            state.faults.arm(fault);
            done()
        }),
        (&Method::DELETE, "/_mock/faults") => {
            state.faults.clear();
            Ok(done())
        }
        (&Method::POST, "/_mock/mode") => read::<ModeBody>(body)
            .await
            .and_then(|b| b.mode.parse::<Mode>())
            .map(|mode| {
                state.set_mode(mode);
                done()
            }),
        (&Method::POST, "/_mock/clock") => read::<ClockBody>(body)
            .await
            .and_then(|b| {
                Duration::try_from_secs_f64(b.advance_secs)
                    .map_err(|e| format!("advance_secs must be a finite number >= 0: {e}"))
            })
            .map(|by| {
                state.clock.advance(by);
                to_json(&json!({ "now": format_utc(state.clock.now()) }))
            }),
        (&Method::POST, "/_mock/tokens/expire") => {
            state.tokens.expire_all();
            Ok(done())
        }
        (&Method::GET, "/_mock/credentials") => Ok(to_json(&state.issuer.handed_out())),
        (&Method::GET, "/_mock/tokens") => Ok(to_json(&state.tokens.issued())),
        (&Method::GET, "/_mock/credential/current") => {
            Ok(to_json(&state.issuer.current(state.clock.now())))
        }
        (_, path) => {
            return match path {
                "/_mock/counters"
                | "/_mock/counters/reset"
                | "/_mock/requests"
                | "/_mock/faults"
                | "/_mock/mode"
                | "/_mock/clock"
                | "/_mock/tokens/expire"
                | "/_mock/credentials"
                | "/_mock/tokens"
                | "/_mock/credential/current" => {
                    error(StatusCode::METHOD_NOT_ALLOWED, "method not allowed")
                }
                _ => error(StatusCode::NOT_FOUND, "no such admin path"),
            }
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

fn to_json<T: Serialize>(value: &T) -> Response {
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
