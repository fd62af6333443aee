//! The cache and its refresh discipline: the contract the product is judged on.
//!
//! - The warm path is a lock-free pointer load, a clock read and a reference-count
//!   increment. It never blocks and never touches the network.
//! - From the refresh point a timer on the refresh thread (or the first caller, whichever
//!   comes first) starts one background fetch; callers keep getting the cached credential.
//!   Failed refreshes are retried the same way while the credential lasts, so an idle
//!   process stays fresh too. Only in the short mandatory window just before expiry do
//!   callers wait for the fetch in flight, and then only briefly
//!   ([`schedule::MANDATORY_WAIT`] from the fetch's start) and only while no refresh of
//!   this credential has failed: a valid credential is never held back by an unhealthy
//!   metadata service.
//! - Without a valid credential, callers wait for one shared fetch. After a failure,
//!   attempts back off (1 s doubling to 60 s); meanwhile callers get the last error at once.
//! - An expired credential is never returned.
//! - State that a `fork()` would break (the refresh thread, connections, locks, fetches in
//!   flight) is per fork generation and rebuilt in the child; the cache survives.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant, SystemTime};

use arc_swap::{ArcSwap, ArcSwapOption};
use parking_lot::{Condvar, Mutex};
use tokio::task::AbortHandle;

use crate::clock::{unix_millis, Clock, COARSE_LAG_MS};
use crate::config::{Config, ProviderBuilder, SourceConfig, SourceInfo, SourceKind};
use crate::credential::Credential;
use crate::error::{Error, ErrorKind, Result};
use crate::schedule::{self, Plan};
use crate::source::{self, Source};
use crate::warm::{self, WarmCredential};
use crate::wire::format_timestamp;
use crate::{fork, worker};

/// A snapshot of a provider's refreshing, from [`Provider::refresh_status`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RefreshStatus {
    /// A fetch is under way.
    pub in_flight: bool,
    /// Fetches in a row that failed or returned the credential already cached.
    pub consecutive_failures: u32,
    /// Why the last fetch failed, until one succeeds.
    pub last_error: Option<Error>,
    /// When the next attempt is allowed, while backing off.
    pub next_attempt_at: Option<SystemTime>,
    /// When the cached credential expires (`None`: nothing cached yet).
    pub expiration: Option<SystemTime>,
}

/// Gets, caches and refreshes the credential of one RAM role.
///
/// Cheap to clone (clones share the cache); `Send + Sync`. Build one per role and keep it:
/// each provider has its own cache. [`crate::get_credential`] keeps one per role for you.
#[derive(Clone)]
pub struct Provider {
    inner: Arc<Inner>,
}

struct Inner {
    config: Arc<Config>,
    clock: Arc<dyn Clock>,
    cache: ArcSwapOption<Cached>,
    /// Unix ms before which callers in the refresh window need not look at the refresh
    /// state: a refresh is in flight, or the next attempt is not due yet.
    hold_until_ms: AtomicU64,
    generation: ArcSwap<Generation>,
}

struct Cached {
    credential: Arc<Credential>,
    plan: Plan,
    refresh_at_ms: u64,
    /// The warm path's last moment: expiry less the coarse clock's lag. After it, the slow
    /// path judges with the precise clock.
    hot_until_ms: u64,
}

/// What a fork invalidates: rebuilt for each fork generation.
struct Generation {
    id: u64,
    refresh: Mutex<RefreshState>,
    source: OnceLock<Result<Arc<Source>>>,
}

#[derive(Default)]
struct RefreshState {
    in_flight: Option<Arc<Slot>>,
    /// Consecutive fetches that failed or returned the credential already cached.
    failures: u32,
    next_attempt_at: Option<SystemTime>,
    last_error: Option<Error>,
    /// The one pending wake-up timer on the refresh thread, aborted when superseded or
    /// when the provider is dropped, so that a dropped provider leaves nothing behind.
    wake: Option<AbortHandle>,
}

/// The outcome of one fetch, shared by every caller waiting for it.
struct Slot {
    /// When the fetch started: callers that hold a valid credential wait only until
    /// [`schedule::MANDATORY_WAIT`] after it.
    started: Instant,
    result: Mutex<Option<Result<Arc<Credential>>>>,
    done: Condvar,
}

impl Provider {
    /// A builder; see [`ProviderBuilder`].
    pub fn builder() -> ProviderBuilder {
        ProviderBuilder::default()
    }

    pub(crate) fn new(config: Config, clock: Arc<dyn Clock>) -> Provider {
        Provider {
            inner: Arc::new(Inner {
                config: Arc::new(config),
                clock,
                cache: ArcSwapOption::empty(),
                hold_until_ms: AtomicU64::new(0),
                generation: ArcSwap::from_pointee(Generation::new(fork::generation())),
            }),
        }
    }

    /// The current credential: an immutable snapshot, never expired.
    ///
    /// Blocks only when there is no valid cached credential (first call, after expiry),
    /// and then at most for the fetch timeout; concurrent callers share one fetch. In the
    /// last moments before expiry, while a refresh is in flight and none has failed, it
    /// waits at most 200 ms (counted from the refresh's start) for
    /// the new credential, else returns the cached one. Thread-safe.
    pub fn credential(&self) -> Result<Arc<Credential>> {
        match self.cached_credential() {
            Some(credential) => Ok(credential),
            None => self.inner.slow_path(),
        }
    }

    /// The cached credential if [`credential`](Provider::credential) would return it
    /// without doing anything else; `None` when that call has more to do (fetch, start a
    /// refresh, wait). Never blocks, locks, or touches the network: bindings use it to
    /// skip releasing their interpreter lock on the warm path.
    pub fn cached_credential(&self) -> Option<Arc<Credential>> {
        let guard = self.inner.cache.load();
        let cached = guard.as_ref()?;
        let now = self.inner.clock.now_unix_millis();
        (now < self.inner.warm_until_ms(cached)).then(|| Arc::clone(&cached.credential))
    }

    /// [`cached_credential`](Provider::cached_credential) with the instant until which
    /// the warm path keeps returning it, for bindings that keep a snapshot of their own and
    /// ask again only when the engine could answer differently. The contract of the
    /// deadline and of its epoch is in [`crate::warm`]. Never blocks, locks, or touches the
    /// network.
    pub fn warm_credential(&self) -> Option<WarmCredential> {
        let epoch = warm::current(); // before the state the deadline is computed from
        let guard = self.inner.cache.load();
        let cached = guard.as_ref()?;
        let until_unix_ms = self.inner.warm_until_ms(cached);
        (self.inner.clock.now_unix_millis() < until_unix_ms).then(|| WarmCredential {
            credential: Arc::clone(&cached.credential),
            until_unix_ms,
            epoch,
            clock: Arc::clone(&self.inner.clock),
        })
    }

    /// How refreshing is going, for health checks and diagnostics. Takes a short lock;
    /// never blocks on the network.
    pub fn refresh_status(&self) -> RefreshStatus {
        let generation = self.inner.current_generation();
        let state = generation.refresh.lock();
        RefreshStatus {
            in_flight: state.in_flight.is_some(),
            consecutive_failures: state.failures,
            last_error: state.last_error.clone(),
            next_attempt_at: state.next_attempt_at,
            expiration: self
                .inner
                .cache
                .load()
                .as_ref()
                .map(|c| c.credential.expiration()),
        }
    }

    /// The service this provider talks to: the metadata service, STS (OIDC and
    /// `AssumeRole` profiles), the credentials URI's origin (`scheme://host:port`: its path
    /// and query may hold a token), or `""` for a configured credential or a command.
    pub fn endpoint(&self) -> &str {
        &self.inner.config.endpoint
    }

    /// Where this provider gets its credentials (for a chain provider: the source the
    /// chain selected, never [`SourceKind::Chain`]).
    pub fn source(&self) -> SourceKind {
        self.inner.config.info.kind
    }

    /// Which source this provider uses and what selected it (variables, file and
    /// profile): what `ecscred which` prints. Holds no secret.
    pub fn source_info(&self) -> &SourceInfo {
        &self.inner.config.info
    }

    /// The source's name in the alibabacloud-credentials convention, e.g.
    /// `default/oidc_role_arn` for the chain's OIDC source, `ecs_ram_role` for a provider
    /// built for the ECS RAM role ([`SourceInfo::provider_name`]).
    pub fn provider_name(&self) -> String {
        self.inner.config.info.provider_name()
    }

    /// The configured role name, or `None` when it is discovered (and for
    /// [`SourceKind::Oidc`], whose role is [`role_arn`](Provider::role_arn)).
    pub fn role_name(&self) -> Option<&str> {
        self.inner.config.role.as_deref()
    }

    /// The role assumed through STS (OIDC, or `AssumeRole` for a profile); `None` for
    /// the other sources.
    pub fn role_arn(&self) -> Option<&str> {
        match &self.inner.config.source {
            SourceConfig::Oidc(oidc) => Some(&oidc.role_arn),
            SourceConfig::AssumeRole(role) => Some(&role.role_arn),
            _ => None,
        }
    }
}

impl std::fmt::Debug for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provider")
            .field("source", &self.source())
            .field("endpoint", &self.endpoint())
            .field("role_name", &self.role_name())
            .finish_non_exhaustive()
    }
}

impl Inner {
    /// The warm path's deadline for `cached`: it is served without looking at the refresh
    /// state while the warm-path clock reads less than this, i.e. while
    /// `now < refresh_at_ms || (now < hot_until_ms && now < hold_until_ms)`. Never later
    /// than `hot_until_ms`.
    fn warm_until_ms(&self, cached: &Cached) -> u64 {
        let hold = self.hold_until_ms.load(Ordering::Acquire);
        cached.refresh_at_ms.max(cached.hot_until_ms.min(hold))
    }

    fn slow_path(self: &Arc<Self>) -> Result<Arc<Credential>> {
        if self.config.disabled {
            return Err(Error::new(
                ErrorKind::Disabled,
                "the ECS metadata service is disabled (ALIBABA_CLOUD_ECS_METADATA_DISABLED \
                 or the disabled option); no credential was requested",
            ));
        }
        let generation = self.current_generation();
        let mut state = generation.refresh.lock();
        // Read under the lock: `finish` stores a new credential under it, so a refresh that
        // just landed is seen here and not started again.
        let now = self.clock.now();
        let cached = self.cache.load_full();
        let valid = cached.as_ref().filter(|c| now < c.plan.expires_at);

        let slot = match valid {
            Some(c) if now < c.plan.refresh_at => return Ok(Arc::clone(&c.credential)),
            Some(c) => {
                let due = state.next_attempt_at.is_none_or(|t| now >= t);
                if state.in_flight.is_none() && due {
                    if let Err(e) = self.start_fetch(&generation, &mut state) {
                        tracing::warn!("could not start a credential refresh: {e}");
                    }
                }
                self.update_hold(&state, Some(c));
                match &state.in_flight {
                    // Near expiry, a healthy refresh is worth a short wait; after a
                    // failure, or past the wait, the valid cached credential serves.
                    Some(slot) if now >= c.plan.mandatory_at && state.last_error.is_none() => {
                        Arc::clone(slot)
                    }
                    _ => return Ok(Arc::clone(&c.credential)),
                }
            }
            None => match &state.in_flight {
                Some(slot) => Arc::clone(slot),
                None => {
                    if let (Some(err), Some(at)) = (&state.last_error, state.next_attempt_at) {
                        if now < at {
                            return Err(self.unavailable(
                                cached.as_deref(),
                                err.clone(),
                                Some(at.duration_since(now).unwrap_or_default()),
                            ));
                        }
                    }
                    self.start_fetch(&generation, &mut state)?
                }
            },
        };
        drop(state);

        let outcome = match valid {
            Some(_) => slot.wait_until(slot.started + schedule::MANDATORY_WAIT),
            // Only guards against a refresh thread that died: fetches end by themselves.
            None => {
                let limit = self.config.fetch_timeout + Duration::from_secs(1);
                slot.wait_until(Instant::now() + limit).or_else(|| {
                    Some(Err(Error::new(
                        ErrorKind::Internal,
                        format!(
                            "the refresh thread gave no answer within {} ms",
                            limit.as_millis()
                        ),
                    )))
                })
            }
        };
        let Some(outcome) = outcome else {
            // The refresh is slower than a healthy one: keep serving the valid credential.
            let now = self.clock.now();
            return match valid.filter(|c| now < c.plan.expires_at) {
                Some(c) => Ok(Arc::clone(&c.credential)),
                None => self.slow_path(),
            };
        };
        match outcome {
            Ok(credential) if self.usable(&credential) => Ok(credential),
            Ok(credential) => Err(Error::new(
                ErrorKind::InvalidResponse,
                format!(
                    "the metadata service returned a credential that expires at {}, too soon \
                     to be used; check the instance clock",
                    format_timestamp(credential.expiration())
                ),
            )),
            Err(err) => {
                // A failed refresh leaves a still-valid credential in service.
                let now = self.clock.now();
                match valid.filter(|c| now < c.plan.expires_at) {
                    Some(c) => Ok(Arc::clone(&c.credential)),
                    None => Err(self.unavailable(cached.as_deref(), err, None)),
                }
            }
        }
    }

    /// A fetch error of a source the chain selected, prefixed with that source and what
    /// selected it: a failing source is reported as such, never skipped.
    fn attribute(&self, err: Error) -> Error {
        let info = &self.config.info;
        if info.chain {
            err.context(format_args!("the credential chain's source {info}"))
        } else {
            err
        }
    }

    /// Whether a credential just delivered by a fetch may be handed out: before its plan's
    /// end (its expiration less the margin), like the cached ones. A delivered credential
    /// is the cached one, unless the fetch failed or it already ended.
    fn usable(&self, credential: &Arc<Credential>) -> bool {
        let now = self.clock.now();
        match self.cache.load().as_ref() {
            Some(c) if Arc::ptr_eq(&c.credential, credential) => now < c.plan.expires_at,
            _ => !credential.is_expired_at(now),
        }
    }

    /// The error for a caller left without a valid credential.
    fn unavailable(
        &self,
        cached: Option<&Cached>,
        cause: Error,
        retry_in: Option<Duration>,
    ) -> Error {
        let mut err = match cached {
            Some(c) => {
                let expiration = c.credential.expiration();
                let (verb, why) = if c.credential.is_expired_at(self.clock.now()) {
                    ("expired", "")
                } else {
                    ("expires", ", too soon to hand out")
                };
                cause.context(format_args!(
                    "no valid credential (the cached one {verb} at {}{why}; refreshing it \
                     failed)",
                    format_timestamp(expiration)
                ))
            }
            None => cause,
        };
        if let Some(wait) = retry_in {
            err = err.note(format_args!(
                "last attempt failed; next attempt in {} ms",
                wait.as_millis()
            ));
        }
        err
    }

    fn current_generation(&self) -> Arc<Generation> {
        let id = fork::generation();
        loop {
            let seen = self.generation.load_full();
            if seen.id == id {
                return seen;
            }
            let fresh = Arc::new(Generation::new(id));
            let previous = self.generation.compare_and_swap(&seen, Arc::clone(&fresh));
            if Arc::ptr_eq(&previous, &seen) {
                return fresh;
            }
        }
    }

    /// Starts the one fetch of this generation on the refresh thread.
    fn start_fetch(
        self: &Arc<Self>,
        generation: &Arc<Generation>,
        state: &mut RefreshState,
    ) -> Result<Arc<Slot>> {
        let source = generation
            .source
            .get_or_init(|| {
                Source::new(Arc::clone(&self.config), Arc::clone(&self.clock)).map(Arc::new)
            })
            .clone()?;
        let slot = Arc::new(Slot::new());
        let (inner, task_generation, task_slot) =
            (Arc::clone(self), Arc::clone(generation), Arc::clone(&slot));
        // The completion guard is made inside the task: if spawning fails, the unpolled
        // task is dropped without calling `finish` (which would wait for the lock we hold).
        worker::spawn(async move {
            let mut completion = Completion {
                inner,
                generation: task_generation,
                slot: task_slot,
                done: false,
            };
            let result = source.fetch().await;
            completion.finish(result.map_err(|e| completion.inner.attribute(e)));
        })?;
        state.in_flight = Some(Arc::clone(&slot));
        Ok(slot)
    }

    /// Records the outcome of a fetch, then wakes its waiters.
    fn finish(self: &Arc<Self>, generation: &Generation, slot: &Slot, result: Result<Credential>) {
        let now = self.clock.now();
        let mut state = generation.refresh.lock();
        state.in_flight = None;
        let delivered = match result {
            Ok(fetched) => {
                let current = self.cache.load_full();
                match current.filter(|c| c.credential.same_as(&fetched)) {
                    Some(same) => {
                        // Fetched before the service rotated it: back off, do not loop.
                        state.failures += 1;
                        let wait = schedule::backoff(state.failures, fastrand::f64());
                        state.next_attempt_at = Some(now + wait);
                        state.last_error = None;
                        tracing::debug!(
                            retry_in_ms = wait.as_millis() as u64,
                            "the metadata service returned the cached credential again"
                        );
                        Ok(Arc::clone(&same.credential))
                    }
                    None => {
                        let credential = Arc::new(fetched);
                        let policy = source::refresh_policy(&self.config);
                        let plan = schedule::plan(&credential, policy, now, fastrand::f64());
                        let hot_until_ms =
                            unix_millis(plan.expires_at).saturating_sub(COARSE_LAG_MS);
                        self.cache.store(Some(Arc::new(Cached {
                            credential: Arc::clone(&credential),
                            plan,
                            refresh_at_ms: unix_millis(plan.refresh_at).min(hot_until_ms),
                            hot_until_ms,
                        })));
                        warm::invalidate();
                        *state = RefreshState {
                            wake: state.wake.take(),
                            ..RefreshState::default()
                        };
                        Ok(credential)
                    }
                }
            }
            Err(err) => {
                state.failures += 1;
                let wait = schedule::backoff(state.failures, fastrand::f64());
                state.next_attempt_at = Some(now + wait);
                state.last_error = Some(err.clone());
                let cached = self.cache.load_full();
                match cached.as_ref().filter(|c| now < c.plan.expires_at) {
                    Some(c) => tracing::warn!(
                        failures = state.failures,
                        "refreshing the credential failed; serving the cached one until it \
                         expires at {}; next attempt in {} ms: {err}",
                        format_timestamp(c.plan.expires_at),
                        wait.as_millis()
                    ),
                    None => tracing::warn!(
                        failures = state.failures,
                        "fetching a credential failed; next attempt in {} ms: {err}",
                        wait.as_millis()
                    ),
                }
                Err(err)
            }
        };
        let cached = self.cache.load_full();
        self.update_hold(&state, cached.as_deref());
        // Keep a valid credential fresh even if nobody calls: wake at the next refresh or
        // retry, while the credential lasts.
        if let Some(c) = cached.as_ref().filter(|c| now < c.plan.expires_at) {
            let at = state.next_attempt_at.unwrap_or(c.plan.refresh_at);
            if at < c.plan.expires_at {
                self.schedule_wake(&mut state, at);
            }
        }
        drop(state);
        slot.fill(delivered);
    }

    /// Wakes on the refresh thread at `at` (on the provider's clock) to do what a call
    /// would do then, replacing (aborting) the wake-up scheduled before. The timer holds
    /// the provider weakly and is aborted when the provider is dropped: a dropped provider
    /// is neither kept alive nor leaves a sleeping task behind.
    fn schedule_wake(self: &Arc<Self>, state: &mut RefreshState, at: SystemTime) {
        let sleep = self.clock.sleep_until(at);
        let provider = Arc::downgrade(self);
        let spawned = worker::spawn(async move {
            sleep.await;
            if let Some(inner) = provider.upgrade() {
                inner.wake();
            }
        });
        match spawned {
            Ok(timer) => {
                if let Some(previous) = state.wake.replace(timer) {
                    previous.abort();
                }
            }
            Err(e) => tracing::debug!("no background refresh scheduled: {e}"),
        }
    }

    /// A timer's turn: starts the refresh or retry that is due, if the cached credential
    /// is still valid and nothing is in flight (whose completion schedules the next).
    fn wake(self: &Arc<Self>) {
        let generation = self.current_generation();
        let mut state = generation.refresh.lock();
        let now = self.clock.now();
        let cached = self.cache.load_full();
        let Some(c) = cached.as_ref().filter(|c| now < c.plan.expires_at) else {
            return; // nothing to keep fresh: the next call fetches
        };
        if state.in_flight.is_some() {
            return;
        }
        let due = state.next_attempt_at.unwrap_or(c.plan.refresh_at);
        if now < due {
            self.schedule_wake(&mut state, due);
            return;
        }
        match self.start_fetch(&generation, &mut state) {
            Ok(_) => self.update_hold(&state, Some(c)),
            Err(e) => tracing::warn!("could not start a credential refresh: {e}"),
        }
    }

    /// Lets warm-path callers skip the refresh state until something is due: the mandatory
    /// window while a fetch is in flight (expiry, if a refresh already failed: then nobody
    /// waits for it), else the next attempt.
    fn update_hold(&self, state: &RefreshState, cached: Option<&Cached>) {
        let hold = match (cached, &state.in_flight, state.next_attempt_at) {
            (Some(c), Some(_), _) if state.last_error.is_some() => c.plan.expires_at,
            (Some(c), Some(_), _) => c.plan.mandatory_at,
            (Some(c), None, Some(at)) => at.min(c.plan.expires_at),
            _ => SystemTime::UNIX_EPOCH,
        };
        let hold = unix_millis(hold);
        if self.hold_until_ms.swap(hold, Ordering::AcqRel) != hold {
            warm::invalidate();
        }
    }
}

/// Delivers a fetch's outcome exactly once, even if the task is dropped or panics.
struct Completion {
    inner: Arc<Inner>,
    generation: Arc<Generation>,
    slot: Arc<Slot>,
    done: bool,
}

impl Completion {
    fn finish(&mut self, result: Result<Credential>) {
        self.done = true;
        self.inner.finish(&self.generation, &self.slot, result);
    }
}

impl Drop for Completion {
    fn drop(&mut self) {
        if !self.done {
            self.finish(Err(Error::new(
                ErrorKind::Internal,
                "the credential fetch ended without a result (ecscred bug: please report it)",
            )));
        }
    }
}

impl Drop for Inner {
    /// Aborts the pending wake-up timer of this fork generation (a parent's timer is not
    /// in this process).
    fn drop(&mut self) {
        let generation = self.generation.load();
        if generation.id == fork::generation() {
            if let Some(timer) = generation.refresh.lock().wake.take() {
                timer.abort();
            }
        }
    }
}

impl Generation {
    fn new(id: u64) -> Generation {
        Generation {
            id,
            refresh: Mutex::new(RefreshState::default()),
            source: OnceLock::new(),
        }
    }
}

impl Slot {
    fn new() -> Slot {
        Slot {
            started: Instant::now(),
            result: Mutex::new(None),
            done: Condvar::new(),
        }
    }

    fn fill(&self, result: Result<Arc<Credential>>) {
        *self.result.lock() = Some(result);
        self.done.notify_all();
    }

    /// Waits for the outcome until `deadline`; `None` if there is none by then.
    fn wait_until(&self, deadline: Instant) -> Option<Result<Arc<Credential>>> {
        let mut result = self.result.lock();
        self.done
            .wait_while_until(&mut result, |r| r.is_none(), deadline);
        result.clone()
    }
}
