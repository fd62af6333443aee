//! A mock Alibaba Cloud ECS instance metadata service, for tests; and a mock STS
//! ([`MockSts`]: `AssumeRoleWithOIDC`, `AssumeRole`) and a mock credentials URI server
//! ([`MockCredentialsUri`]), each documented in its own type.
//!
//! It serves, on 127.0.0.1 only, what an ECS instance with a RAM role sees at
//! `http://100.100.100.200`:
//!
//! - `PUT /latest/api/token` with `X-aliyun-ecs-metadata-token-ttl-seconds: N`
//!   (1..=21600) → a token; other TTLs → 400; `X-Forwarded-For` → 403; other
//!   methods → 405; in [`Mode::V1Only`] → 404.
//! - `GET /latest/meta-data/...` with an optional `X-aliyun-ecs-metadata-token`
//!   (unknown or expired → 401; absent in [`Mode::Hardened`] → 403 `403 - Forbidden`;
//!   ignored in [`Mode::V1Only`]); other methods → 405.
//! - `GET /latest/meta-data/ram/security-credentials/` → the role name and `\n`.
//! - `GET /latest/meta-data/ram/security-credentials/<role>` → the credential JSON
//!   (`AccessKeyId`, `AccessKeySecret`, `Expiration`, `SecurityToken`, `LastUpdated`,
//!   `Code: "Success"`); another role → 404. Every other path → 404.
//!
//! Credentials rotate like ECS: number i is issued at `start + i * (lifetime -
//! rotate_before)` (start truncated to the second) and expires `lifetime` later; a GET
//! at mock time t returns the newest one issued at or before t. Time is the mock's
//! clock ([`MockServer::advance`]).
//!
//! [`Fault`]s make it misbehave. Each metadata request first consumes one use of the
//! first armed fault whose target (and kind) matches it, in order of arming, before any
//! protocol check: a fault answers even a request that would otherwise get 401 or 403.
//!
//! # Admin endpoint
//!
//! Tests in other languages drive a running mock over HTTP under `/_mock/` (JSON in and
//! out; these requests are not counted). `ecscred mock-metadata --help` shows the same
//! table to users of the command; keep the two in step:
//!
//! | request | body in | answer |
//! | --- | --- | --- |
//! | `GET /_mock/counters` | | [`Counters`] |
//! | `POST /_mock/counters/reset` | | `{"ok":true}` (also clears the request lines) |
//! | `GET /_mock/requests` | | array of the latest metadata request lines, `"METHOD target"` as received (see [`MockServer::requests`]) |
//! | `POST /_mock/faults` | a fault, see [`Fault::from_json`] | `{"ok":true}` |
//! | `DELETE /_mock/faults` | | `{"ok":true}` |
//! | `POST /_mock/mode` | `{"mode":"normal"\|"hardened"\|"v1-only"}` | `{"ok":true}` |
//! | `POST /_mock/clock` | `{"advance_secs":N}`, N ≥ 0, may be fractional | `{"now":"YYYY-MM-DDThh:mm:ssZ"}` |
//! | `POST /_mock/tokens/expire` | | `{"ok":true}` |
//! | `GET /_mock/credentials` | | array of [`IssuedCredential`] |
//! | `GET /_mock/credential/current` | | [`IssuedCredential`] |
//! | `GET /_mock/tokens` | | array of every metadata token issued (strings) |
//!
//! Credentials there are `{"access_key_id":…,"access_key_secret":…,"security_token":…,
//! "expiration":"YYYY-MM-DDThh:mm:ssZ","last_updated":"YYYY-MM-DDThh:mm:ssZ"}` with the
//! full secret values (tests need them to check signatures).
//!
//! Errors answer `{"error":"<message>"}` with 400 (bad body), 404 (unknown path) or
//! 405 (known path, other method).
//!
//! ```no_run
//! use ecscred_mock::{Fault, FaultKind, MockConfig, MockServer, Target};
//!
//! let server = MockServer::start(MockConfig::default()).unwrap();
//! server.inject(Fault::new(FaultKind::Status(500)).on(Target::Credential).times(1));
//! // point the client under test at server.url() ...
//! assert_eq!(server.counters().credential_gets, 0);
//! ```

mod admin;
mod blackhole;
mod body;
mod clock;
mod config;
mod counters;
mod faults;
mod issuer;
mod journal;
mod metadata;
mod random;
mod server;
mod signature;
mod sts;
mod tokens;
mod uri;

pub use blackhole::Blackhole;
pub use clock::{format_utc, parse_utc};
pub use config::{MockConfig, Mode, MAX_LIFETIME};
pub use counters::Counters;
pub use faults::{Fault, FaultKind, Target};
pub use issuer::IssuedCredential;
pub use server::MockServer;
pub use sts::{MockSts, StsConfig, StsCounters};
pub use uri::{MockCredentialsUri, UriConfig, UriCounters};
