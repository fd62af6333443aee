//! When to refresh: pure functions of the credential, the source's [`RefreshPolicy`], the
//! time and a jitter value, so the policy is tested without clocks or threads.
//!
//! [`RefreshPolicy::Rotating`] (the metadata service): ECS issues the next credential 30
//! minutes before the current one expires (6 h lifetime); a fetch earlier than that returns
//! the same credential again. So the refresh lead is the same fraction of the lifetime,
//! 1/12, capped at 30 minutes: 30 min for 6 h and 12 h credentials, 5 s for a 60 s one.
//!
//! [`RefreshPolicy::OnDemand`] (STS): every call issues a new credential with its own
//! lifetime, so there is nothing to wait for; the lead is a quarter of the lifetime, capped
//! at 15 minutes: 15 min for the default 1 h, 3 min 45 s for the shortest (15 min), 15 min
//! for 12 h. A refresh that starts there has the whole lead to succeed, retried with the
//! backoff below (at most 60 s apart), before any caller is affected.
//!
//! Within the lead, jitter spreads the start over its first third so that a fleet started
//! together does not refresh together; the mandatory window is the last sixth of the lead.

use std::time::{Duration, SystemTime};

use crate::credential::Credential;

/// The rotation lead of ECS: a new credential exists this long before the current expires.
pub(crate) const ROTATION_LEAD: Duration = Duration::from_secs(30 * 60);
/// The on-demand lead's cap: an STS credential is refreshed at most this long before expiry.
pub(crate) const ON_DEMAND_LEAD_CAP: Duration = Duration::from_secs(15 * 60);
/// Longest wait between two refresh attempts, whatever has failed.
pub(crate) const MAX_BACKOFF: Duration = Duration::from_secs(60);
const FIRST_BACKOFF: Duration = Duration::from_secs(1);
/// The longest a caller that holds a valid credential waits, in the mandatory window, for
/// the refresh in flight, counted from that refresh's start. A healthy refresh is one GET
/// with a cached metadata token, about a millisecond on ECS (0.6 ms for a cold token + GET
/// on loopback, BENCHMARKS.md); 200 ms covers a loaded service a hundredfold, plus the
/// first retry of a dropped connection (at most 100 ms of backoff), and is 25 times shorter
/// than the default fetch timeout. A refresh slower than that is treated as failing: the
/// cached credential serves while it is valid.
pub(crate) const MANDATORY_WAIT: Duration = Duration::from_millis(200);

/// How a source's credentials are renewed; decides the refresh lead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RefreshPolicy {
    /// The source rotates the credential on its own schedule and returns the same one until
    /// then (the metadata service): lead 1/12 of the lifetime, capped at [`ROTATION_LEAD`].
    Rotating,
    /// Every fetch issues a new credential (STS): lead 1/4 of the lifetime, capped at
    /// [`ON_DEMAND_LEAD_CAP`].
    OnDemand,
}

/// The plan of a credential that never expires ([`Credential::expires`] is false): never
/// refreshed, never withdrawn.
fn plan_never(cred: &Credential) -> Plan {
    let end = cred.expiration();
    Plan {
        refresh_at: end,
        mandatory_at: end,
        expires_at: end,
    }
}

impl RefreshPolicy {
    fn lead(self, lifetime: Duration) -> Duration {
        match self {
            RefreshPolicy::Rotating => (lifetime / 12).min(ROTATION_LEAD),
            RefreshPolicy::OnDemand => (lifetime / 4).min(ON_DEMAND_LEAD_CAP),
        }
    }
}

/// The longest margin before its expiration from which a credential is no longer handed
/// out, so that no call returns a credential that expires while the call returns, or
/// before the request it signs reaches the service. Shorter for short-lived credentials:
/// 1/600 of the lifetime (100 ms of 60 s), which keeps it well inside the mandatory window
/// (1/72 of the lifetime).
pub(crate) const MAX_EXPIRY_MARGIN: Duration = Duration::from_secs(1);

/// The moments that matter for one cached credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Plan {
    /// From here a call starts a background refresh (and still returns the cached value).
    pub(crate) refresh_at: SystemTime,
    /// From here a call waits briefly for the refresh in flight (at most
    /// [`MANDATORY_WAIT`] from its start, and not at all once a refresh has failed), and
    /// gets the cached value if that refresh fails or takes longer.
    pub(crate) mandatory_at: SystemTime,
    /// From here the credential is never handed out: its expiration less a margin (at
    /// most [`MAX_EXPIRY_MARGIN`]).
    pub(crate) expires_at: SystemTime,
}

/// Plans the refresh of `cred`, fetched at `fetched_at` from a source with `policy`.
/// `jitter` is uniform in `[0, 1)`.
pub(crate) fn plan(
    cred: &Credential,
    policy: RefreshPolicy,
    fetched_at: SystemTime,
    jitter: f64,
) -> Plan {
    if !cred.expires() {
        return plan_never(cred);
    }
    let expires_at = cred.expiration();
    let issued_at = cred
        .last_updated()
        .filter(|t| *t <= fetched_at && *t < expires_at)
        .unwrap_or(fetched_at);
    let lifetime = expires_at
        .duration_since(issued_at)
        .unwrap_or(Duration::ZERO);
    let lead = policy.lead(lifetime);
    let refresh_at = expires_at - lead + (lead / 3).mul_f64(jitter.clamp(0.0, 1.0));
    Plan {
        refresh_at,
        mandatory_at: expires_at - lead / 6,
        expires_at: expires_at - (lifetime / 600).min(MAX_EXPIRY_MARGIN),
    }
}

/// How long to wait after the `failures`-th consecutive refresh that failed or returned the
/// same credential: 1 s doubling to at most 60 s, with "equal jitter" (half fixed, half
/// random) so that waits never collapse to zero. `jitter` is uniform in `[0, 1)`.
pub(crate) fn backoff(failures: u32, jitter: f64) -> Duration {
    let exp = failures.saturating_sub(1).min(16);
    let base = FIRST_BACKOFF.saturating_mul(1 << exp).min(MAX_BACKOFF);
    base / 2 + (base / 2).mul_f64(jitter.clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_800_000_000 + secs)
    }

    fn cred(issued: u64, expires: u64) -> Credential {
        Credential::new("STS.a", "s", "t", at(expires), Some(at(issued))).unwrap()
    }

    #[test]
    fn six_hour_credential_refreshes_after_the_ecs_rotation() {
        let c = cred(0, 6 * 3600);
        let early = plan(&c, RefreshPolicy::Rotating, at(10), 0.0);
        let late = plan(&c, RefreshPolicy::Rotating, at(10), 0.999);
        assert_eq!(early.refresh_at, at(6 * 3600 - 1800));
        assert!(late.refresh_at > early.refresh_at);
        assert!(late.refresh_at <= at(6 * 3600 - 1200));
        assert_eq!(early.mandatory_at, at(6 * 3600 - 300));
        assert_eq!(early.expires_at, at(6 * 3600 - 1));
    }

    #[test]
    fn twelve_hour_credential_keeps_the_30_minute_lead() {
        let p = plan(&cred(0, 12 * 3600), RefreshPolicy::Rotating, at(0), 0.0);
        assert_eq!(p.refresh_at, at(12 * 3600 - 1800));
    }

    #[test]
    fn sixty_second_credential_scales_down() {
        let p = plan(&cred(0, 60), RefreshPolicy::Rotating, at(1), 0.0);
        assert_eq!(p.refresh_at, at(55));
        assert!(p.mandatory_at > p.refresh_at && p.mandatory_at < p.expires_at);
        assert_eq!(p.expires_at, at(60) - Duration::from_millis(100));
    }

    #[test]
    fn without_last_updated_the_lifetime_counts_from_the_fetch() {
        let c = Credential::new("STS.a", "s", "t", at(120), None).unwrap();
        let p = plan(&c, RefreshPolicy::Rotating, at(0), 0.0);
        assert_eq!(p.refresh_at, at(110));
    }

    #[test]
    fn a_last_updated_in_the_future_is_ignored() {
        let c = cred(500, 600);
        let p = plan(&c, RefreshPolicy::Rotating, at(0), 0.0);
        assert_eq!(p.refresh_at, at(550));
    }

    #[test]
    fn one_hour_sts_credential_refreshes_a_quarter_before_expiry() {
        let c = Credential::new("STS.a", "s", "t", at(3600), None).unwrap();
        let early = plan(&c, RefreshPolicy::OnDemand, at(0), 0.0);
        let late = plan(&c, RefreshPolicy::OnDemand, at(0), 0.999);
        assert_eq!(early.refresh_at, at(2700));
        assert!(late.refresh_at > early.refresh_at && late.refresh_at <= at(3000));
        assert_eq!(early.mandatory_at, at(3600 - 150));
    }

    #[test]
    fn sts_lead_scales_down_and_is_capped() {
        let short = Credential::new("STS.a", "s", "t", at(900), None).unwrap();
        let p = plan(&short, RefreshPolicy::OnDemand, at(0), 0.0);
        assert_eq!(p.refresh_at, at(675));
        let long = Credential::new("STS.a", "s", "t", at(43_200), None).unwrap();
        let p = plan(&long, RefreshPolicy::OnDemand, at(0), 0.0);
        assert_eq!(p.refresh_at, at(43_200 - 900));
        // Fetched late (clock skew, slow answer): the lifetime counts from the fetch.
        let p = plan(&short, RefreshPolicy::OnDemand, at(500), 0.0);
        assert_eq!(p.refresh_at, at(900 - 100));
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(backoff(1, 0.0), Duration::from_millis(500));
        assert_eq!(backoff(1, 0.999_999).as_millis(), 999);
        assert_eq!(backoff(3, 0.0), Duration::from_secs(2));
        for n in 1..200 {
            assert!(backoff(n, 0.999_999) <= MAX_BACKOFF);
            assert!(backoff(n, 0.0) >= Duration::from_millis(500));
        }
        assert_eq!(backoff(u32::MAX, 0.0), Duration::from_secs(30));
    }
}
