//! The metadata service's wire behaviour, as ECS answers: `PUT /latest/api/token` with
//! `X-aliyun-ecs-metadata-token-ttl-seconds` between 1 and 21600 issues a token (400 for a
//! missing or bad TTL, 403 when `X-Forwarded-For` is present, 405 for another method);
//! `GET /latest/meta-data/ram/security-credentials/` lists the role and `…/<role>` returns
//! its credential as JSON; a request with an invalid token gets 401, and in hardened mode
//! one without a token gets 403; other paths get 404.

use std::time::{Duration, SystemTime};

use hyper::body::Incoming;
use hyper::header::{HeaderValue, LOCATION};
use hyper::{Method, Request, StatusCode};

use crate::body::{filler, json, status_page, text, Response};
use crate::clock::MockClock;
use crate::config::Mode;
use crate::faults::{FaultKind, RequestKind};
use crate::issuer::Issuer;
use crate::server::{Dropped, State};

const TOKEN_PATH: &str = "/latest/api/token";
const METADATA_PREFIX: &str = "/latest/meta-data/";
const CREDENTIALS_DIR: &str = "/latest/meta-data/ram/security-credentials/";
const TTL_HEADER: &str = "x-aliyun-ecs-metadata-token-ttl-seconds";
const TOKEN_HEADER: &str = "x-aliyun-ecs-metadata-token";
const FORWARDED_HEADER: &str = "x-forwarded-for";
const MAX_TTL_SECS: u64 = 21_600;

/// What a `MalformedJson` fault sends: valid JSON cut short.
const MALFORMED_JSON: &str = r#"{"AccessKeyId":"STS.malformed","AccessKeySecret":"#;

fn classify(path: &str) -> RequestKind {
    match path.strip_prefix(CREDENTIALS_DIR) {
        Some("") => RequestKind::Role,
        Some(_) => RequestKind::Credential,
        None if path == TOKEN_PATH => RequestKind::Token,
        None => RequestKind::Other,
    }
}

/// Answers one metadata request: counts it, applies the first matching armed fault,
/// otherwise answers as the service would. `Err` closes the connection unanswered.
pub(crate) async fn handle(state: &State, req: Request<Incoming>) -> Result<Response, Dropped> {
    let kind = classify(req.uri().path());
    state.journal.record(req.method(), req.uri());
    let _in_flight = state.counters.begin(kind, req.method());
    match state.faults.take(kind) {
        None => Ok(answer(state, &req)),
        Some(fault) => faulted(fault, &state.issuer, &state.clock, || answer(state, &req)).await,
    }
}

/// The answer of a credential-serving mock (this one, the credentials URI) under an armed
/// `fault`, in the metadata service's style; `answer` gives the fault-free one. `Err`
/// closes the connection unanswered.
pub(crate) async fn faulted(
    fault: FaultKind,
    issuer: &Issuer,
    clock: &MockClock,
    answer: impl FnOnce() -> Response,
) -> Result<Response, Dropped> {
    Ok(match fault {
        FaultKind::Delay(pause) => {
            tokio::time::sleep(pause).await;
            answer()
        }
        FaultKind::Status(code) => status_page(
            StatusCode::from_u16(code)
                .ok()
                .filter(|status| (200..=599).contains(&status.as_u16()))
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        ),
        FaultKind::Drop => return Err(Dropped),
        FaultKind::MalformedJson => json(StatusCode::OK, MALFORMED_JSON),
        FaultKind::Code(code) => {
            let credential = issuer.hand_out_one_off(clock.now());
            json(StatusCode::OK, credential.wire_json(&code))
        }
        FaultKind::Expired => {
            let credential = issuer.hand_out_expired(clock.real_now());
            json(StatusCode::OK, credential.wire_json("Success"))
        }
        FaultKind::Expiration(expiration) => {
            let credential = issuer.hand_out_one_off(clock.now());
            json(
                StatusCode::OK,
                credential.wire_json_expiring("Success", &expiration),
            )
        }
        FaultKind::Redirect(location) => match HeaderValue::try_from(location) {
            Ok(location) => {
                let mut response = status_page(StatusCode::FOUND);
                response.headers_mut().insert(LOCATION, location);
                response
            }
            Err(_) => status_page(StatusCode::INTERNAL_SERVER_ERROR),
        },
        FaultKind::HugeBody(len) => filler(len as u64),
    })
}

/// The fault-free answer.
fn answer(state: &State, req: &Request<Incoming>) -> Response {
    let mode = state.mode();
    let now = state.clock.now();
    let path = req.uri().path();
    if path == TOKEN_PATH {
        return token(state, req, mode, now);
    }
    if !path.starts_with(METADATA_PREFIX) {
        return status_page(StatusCode::NOT_FOUND);
    }
    if req.method() != Method::GET {
        return status_page(StatusCode::METHOD_NOT_ALLOWED);
    }
    if mode != Mode::V1Only {
        match req.headers().get(TOKEN_HEADER) {
            Some(token) => {
                let valid = token
                    .to_str()
                    .is_ok_and(|token| state.tokens.is_valid(token, now));
                if !valid {
                    return status_page(StatusCode::UNAUTHORIZED);
                }
            }
            None if mode == Mode::Hardened => return status_page(StatusCode::FORBIDDEN),
            None => {}
        }
    }
    match path.strip_prefix(CREDENTIALS_DIR) {
        Some("") => text(StatusCode::OK, format!("{}\n", state.role)),
        Some(role) if role == state.role => json(
            StatusCode::OK,
            state.issuer.hand_out(now).wire_json("Success"),
        ),
        _ => status_page(StatusCode::NOT_FOUND),
    }
}

/// `/latest/api/token`: PUT with a TTL of 1..=21600 s issues a token.
fn token(state: &State, req: &Request<Incoming>, mode: Mode, now: SystemTime) -> Response {
    if mode == Mode::V1Only {
        return status_page(StatusCode::NOT_FOUND);
    }
    if req.method() != Method::PUT {
        return status_page(StatusCode::METHOD_NOT_ALLOWED);
    }
    if req.headers().contains_key(FORWARDED_HEADER) {
        return status_page(StatusCode::FORBIDDEN);
    }
    let ttl = req
        .headers()
        .get(TTL_HEADER)
        .and_then(|v| v.to_str().ok())
        // Digits only: `u64::from_str` would also take a leading `+`.
        .filter(|v| v.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|v| v.parse::<u64>().ok())
        .filter(|secs| (1..=MAX_TTL_SECS).contains(secs));
    match ttl {
        Some(secs) => text(
            StatusCode::OK,
            state.tokens.issue(now, Duration::from_secs(secs)),
        ),
        None => status_page(StatusCode::BAD_REQUEST),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_paths() {
        assert_eq!(classify("/latest/api/token"), RequestKind::Token);
        assert_eq!(
            classify("/latest/meta-data/ram/security-credentials/"),
            RequestKind::Role
        );
        assert_eq!(
            classify("/latest/meta-data/ram/security-credentials/R"),
            RequestKind::Credential
        );
        assert_eq!(
            classify("/latest/meta-data/ram/security-credentials"),
            RequestKind::Other
        );
        assert_eq!(
            classify("/latest/meta-data/instance-id"),
            RequestKind::Other
        );
        assert_eq!(classify("/"), RequestKind::Other);
    }
}
