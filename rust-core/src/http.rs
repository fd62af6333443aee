//! What the metadata and STS clients share on the wire: one request per connection, a body
//! bounded and wiped as it grows, the jittered retry delay, and telling a connect that never
//! completed from an answer that did not come. Each source keeps its own retry rules and
//! words its own errors.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;
use zeroize::Zeroizing;

/// Largest response body accepted; real ones are well under 4 KiB.
pub(crate) const MAX_BODY: usize = 64 * 1024;
/// Attempts per request for retryable failures.
pub(crate) const MAX_ATTEMPTS: u32 = 3;
const RETRY_BASE: Duration = Duration::from_millis(100);
const RETRY_CAP: Duration = Duration::from_secs(1);

/// One HTTP answer with its body read (at most [`MAX_BODY`] bytes). The body may hold
/// secrets and is wiped when dropped.
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) body: Zeroizing<Vec<u8>>,
}

/// Why an exchange ended without an answer.
pub(crate) enum Failure {
    /// The request could not be built (its text says why; it holds no header value).
    Build(reqwest::Error),
    /// The transport failed. `connected`: a connection had been established for this
    /// request; `false` means the connect never completed, whichever timer ended it
    /// (reqwest's read timer runs from the request's start, so it can fire first).
    Transport {
        error: reqwest::Error,
        connected: bool,
    },
    /// The body is larger than [`MAX_BODY`].
    TooLarge,
}

/// Counts the connections a client establishes, through a connector layer
/// ([`ConnectCounter::layer`]). A client used by one request at a time compares the count
/// before and after a request to learn whether it connected.
#[derive(Clone, Default)]
pub(crate) struct ConnectCounter(Arc<AtomicU64>);

impl ConnectCounter {
    /// The layer to give `reqwest::ClientBuilder::connector_layer`.
    pub(crate) fn layer<T>(&self) -> tower::util::MapResponseLayer<impl Fn(T) -> T + Clone> {
        let count = Arc::clone(&self.0);
        tower::util::MapResponseLayer::new(move |connection| {
            count.fetch_add(1, Ordering::Release);
            connection
        })
    }

    fn current(&self) -> u64 {
        self.0.load(Ordering::Acquire)
    }
}

/// Sends `request` on a connection of its own and reads the answer. `Connection: close`:
/// the connection, whose buffers held the answer (a secret, a token) and the request's
/// headers, ends with the answer instead of idling in a pool, and its buffers are freed
/// (with the wiping allocator, wiped) at once.
pub(crate) async fn exchange(
    http: &reqwest::Client,
    connects: &ConnectCounter,
    request: reqwest::RequestBuilder,
) -> Result<Reply, Failure> {
    let request = request
        .header(reqwest::header::CONNECTION, "close")
        .build()
        .map_err(Failure::Build)?;
    let before = connects.current();
    let transport = |error| Failure::Transport {
        error,
        connected: connects.current() != before,
    };
    let mut response = http.execute(request).await.map_err(transport)?;
    if response
        .content_length()
        .is_some_and(|n| n > MAX_BODY as u64)
    {
        return Err(Failure::TooLarge);
    }
    let status = response.status();
    let mut body = Zeroizing::new(Vec::new());
    while let Some(chunk) = response.chunk().await.map_err(transport)? {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(Failure::TooLarge);
        }
        append_wiped(&mut body, &chunk);
    }
    Ok(Reply { status, body })
}

/// How long to wait after failed attempt number `attempt` (from 1): capped exponential
/// backoff (100 ms doubling, at most 1 s) with full jitter.
pub(crate) fn retry_delay(attempt: u32) -> Duration {
    let ceiling = RETRY_BASE
        .saturating_mul(1 << attempt.saturating_sub(1).min(16))
        .min(RETRY_CAP);
    ceiling.mul_f64(fastrand::f64())
}

/// Appends `bytes` to `body`. When that needs a larger buffer, the old one is wiped as it
/// is replaced (a plain `extend` would free it with its contents in place).
pub(crate) fn append_wiped(body: &mut Zeroizing<Vec<u8>>, bytes: &[u8]) {
    let needed = body.len() + bytes.len();
    if needed > body.capacity() {
        let mut larger = Zeroizing::new(Vec::with_capacity(needed.max(2 * body.capacity())));
        larger.extend_from_slice(body);
        *body = larger; // the old buffer is dropped here: `Zeroizing` wipes its capacity
    }
    body.extend_from_slice(bytes);
}

/// The innermost cause of a transport error, e.g. "Connection refused (os error 111)".
/// Transport errors name URLs and OS errors, never headers or bodies.
pub(crate) fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause: &(dyn std::error::Error + 'static) = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

/// The error for an answer larger than [`MAX_BODY`].
pub(crate) fn too_large(what: &str) -> crate::Error {
    crate::Error::new(
        crate::ErrorKind::InvalidResponse,
        format!("{what}: the answer is larger than {} KiB", MAX_BODY / 1024),
    )
}
