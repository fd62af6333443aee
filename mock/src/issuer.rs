//! STS credentials and their rotation, as the ECS metadata service hands them out.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use parking_lot::Mutex;
use serde::{Deserialize, Serialize};

use crate::clock::{format_utc, utc_seconds, whole_seconds};
use crate::random::{Seed, ALNUM, BASE64};

/// One STS credential as the mock hands it out. Times are whole seconds (what the wire
/// carries). Serializes with these field names and times as `YYYY-MM-DDThh:mm:ssZ`.
/// `Debug` redacts the secret and the security token.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedCredential {
    /// `STS.` followed by 28 ASCII letters and digits.
    pub access_key_id: String,
    /// 44 ASCII letters and digits.
    pub access_key_secret: String,
    /// 512 characters of `A-Za-z0-9+/` ending in `==`.
    pub security_token: String,
    /// When the credential stops working.
    #[serde(with = "utc_seconds")]
    pub expiration: SystemTime,
    /// When it was issued (`LastUpdated` on the wire).
    #[serde(with = "utc_seconds")]
    pub last_updated: SystemTime,
}

impl fmt::Debug for IssuedCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedCredential")
            .field("access_key_id", &self.access_key_id)
            .field("access_key_secret", &"<redacted>")
            .field("security_token", &"<redacted>")
            .field("expiration", &format_utc(self.expiration))
            .field("last_updated", &format_utc(self.last_updated))
            .finish()
    }
}

impl IssuedCredential {
    /// The body the metadata service sends for this credential with the given `Code`.
    pub(crate) fn wire_json(&self, code: &str) -> String {
        self.wire_json_expiring(code, &format_utc(self.expiration))
    }

    /// [`wire_json`](Self::wire_json) with this `Expiration` text instead of the
    /// credential's own.
    pub(crate) fn wire_json_expiring(&self, code: &str, expiration: &str) -> String {
        #[derive(Serialize)]
        #[serde(rename_all = "PascalCase")]
        struct Wire<'a> {
            access_key_id: &'a str,
            access_key_secret: &'a str,
            expiration: &'a str,
            security_token: &'a str,
            last_updated: String,
            code: &'a str,
        }
        let wire = Wire {
            access_key_id: &self.access_key_id,
            access_key_secret: &self.access_key_secret,
            expiration,
            security_token: &self.security_token,
            last_updated: format_utc(self.last_updated),
            code,
        };
        serde_json::to_string_pretty(&wire).expect("serializing strings cannot fail")
    }
}

/// How long before real time the credential of an `Expired` fault expired.
const EXPIRED_AGO: Duration = Duration::from_secs(3600);

/// The two series of credential values: the rotation, and one-off fault answers.
#[derive(Clone, Copy)]
enum Series {
    Rotation,
    OneOff,
}

/// Issues credential number i at `epoch + i * (lifetime - rotate_before)`, valid for
/// `lifetime`, and remembers every credential handed out.
#[derive(Debug)]
pub(crate) struct Issuer {
    seed: Seed,
    /// Start time truncated to the second, so issue times are whole seconds.
    epoch: SystemTime,
    lifetime: Duration,
    step: Duration,
    fault_serial: AtomicU64,
    handed_out: Mutex<Vec<IssuedCredential>>,
}

impl Issuer {
    /// `rotate_before < lifetime` must hold (checked by `MockConfig::validate`).
    pub(crate) fn new(
        seed: Seed,
        start: SystemTime,
        lifetime: Duration,
        rotate_before: Duration,
    ) -> Self {
        Self {
            seed,
            epoch: whole_seconds(start),
            lifetime,
            step: lifetime - rotate_before,
            fault_serial: AtomicU64::new(0),
            handed_out: Mutex::new(Vec::new()),
        }
    }

    /// The newest credential issued at or before `now`.
    pub(crate) fn current(&self, now: SystemTime) -> IssuedCredential {
        let elapsed = now.duration_since(self.epoch).unwrap_or_default();
        let i = elapsed.as_nanos() / self.step.as_nanos();
        let issued = self.epoch + mul(self.step, i);
        self.make(Series::Rotation, i as u64, issued, issued + self.lifetime)
    }

    /// [`Issuer::current`], recorded as handed out.
    pub(crate) fn hand_out(&self, now: SystemTime) -> IssuedCredential {
        self.record(self.current(now))
    }

    /// A fresh credential outside the rotation series with the current credential's
    /// times (to pair with a `Code` other than `Success`), recorded as handed out.
    pub(crate) fn hand_out_one_off(&self, now: SystemTime) -> IssuedCredential {
        let current = self.current(now);
        self.record(self.one_off(current.last_updated, current.expiration))
    }

    /// A fresh credential outside the rotation series that expired one hour before
    /// `real_now`, recorded as handed out.
    pub(crate) fn hand_out_expired(&self, real_now: SystemTime) -> IssuedCredential {
        let expiration = real_now - EXPIRED_AGO;
        self.record(self.one_off(expiration - self.lifetime, expiration))
    }

    /// Every credential handed out so far, in order of first hand-out, without repeats.
    pub(crate) fn handed_out(&self) -> Vec<IssuedCredential> {
        self.handed_out.lock().clone()
    }

    fn record(&self, credential: IssuedCredential) -> IssuedCredential {
        let mut all = self.handed_out.lock();
        // The newest entries are the likeliest repeats.
        if !all.iter().rev().any(|c| *c == credential) {
            all.push(credential.clone());
        }
        credential
    }

    fn one_off(&self, last_updated: SystemTime, expiration: SystemTime) -> IssuedCredential {
        let n = self.fault_serial.fetch_add(1, Ordering::Relaxed);
        self.make(Series::OneOff, n, last_updated, expiration)
    }

    fn make(
        &self,
        series: Series,
        n: u64,
        last_updated: SystemTime,
        expiration: SystemTime,
    ) -> IssuedCredential {
        let stream = |field: &str| match series {
            Series::Rotation => format!("rotation/{field}"),
            Series::OneOff => format!("fault/{field}"),
        };
        IssuedCredential {
            access_key_id: format!("STS.{}", self.seed.text(&stream("id"), n, ALNUM, 28)),
            access_key_secret: self.seed.text(&stream("secret"), n, ALNUM, 44),
            security_token: self.seed.text(&stream("token"), n, BASE64, 510) + "==",
            expiration: whole_seconds(expiration),
            last_updated: whole_seconds(last_updated),
        }
    }
}

fn mul(d: Duration, n: u128) -> Duration {
    let nanos = d.as_nanos() * n;
    Duration::new(
        (nanos / 1_000_000_000) as u64,
        (nanos % 1_000_000_000) as u32,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::parse_utc;

    const HOUR: Duration = Duration::from_secs(3600);

    fn issuer() -> (Issuer, SystemTime) {
        let start = parse_utc("2026-11-28T00:00:00Z").unwrap() + Duration::from_millis(700);
        (
            Issuer::new(Seed::random(), start, 6 * HOUR, HOUR / 2),
            whole_seconds(start),
        )
    }

    #[test]
    fn rotates_rotate_before_ahead_of_expiry() {
        let (issuer, epoch) = issuer();
        let first = issuer.current(epoch);
        assert_eq!(first.last_updated, epoch);
        assert_eq!(first.expiration, epoch + 6 * HOUR);
        assert_eq!(
            issuer.current(epoch + 5 * HOUR + HOUR / 2 - Duration::from_secs(1)),
            first
        );

        let second = issuer.current(epoch + 5 * HOUR + HOUR / 2);
        assert_ne!(second.access_key_id, first.access_key_id);
        assert_eq!(second.last_updated, epoch + 5 * HOUR + HOUR / 2);
        assert_eq!(second.expiration, epoch + 11 * HOUR + HOUR / 2);
        assert!(first.expiration > second.last_updated);

        let later = issuer.current(epoch + 100 * HOUR);
        assert_eq!(later.last_updated, epoch + 99 * HOUR);
    }

    #[test]
    fn values_have_the_documented_shape() {
        let (issuer, epoch) = issuer();
        let c = issuer.current(epoch);
        let id = c.access_key_id.strip_prefix("STS.").unwrap();
        assert_eq!(id.len(), 28);
        assert!(id.bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_eq!(c.access_key_secret.len(), 44);
        assert!(c
            .access_key_secret
            .bytes()
            .all(|b| b.is_ascii_alphanumeric()));
        assert_eq!(c.security_token.len(), 512);
        assert!(c
            .security_token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b)));
    }

    #[test]
    fn records_each_hand_out_once() {
        let (issuer, epoch) = issuer();
        let a = issuer.hand_out(epoch);
        assert_eq!(issuer.hand_out(epoch + HOUR), a);
        let b = issuer.hand_out(epoch + 6 * HOUR);
        let odd = issuer.hand_out_one_off(epoch);
        assert_ne!(odd.access_key_id, a.access_key_id);
        assert_eq!(
            (odd.last_updated, odd.expiration),
            (a.last_updated, a.expiration)
        );
        let expired = issuer.hand_out_expired(epoch + HOUR);
        assert_ne!(expired.access_key_id, odd.access_key_id);
        assert_eq!(expired.expiration, epoch);
        assert_eq!(expired.last_updated, epoch - 6 * HOUR);
        assert_eq!(issuer.handed_out(), [a, b, odd, expired]);
    }

    #[test]
    fn debug_redacts_and_serde_round_trips() {
        let (issuer, epoch) = issuer();
        let c = issuer.current(epoch);
        let debug = format!("{c:?}");
        assert!(debug.contains(&c.access_key_id));
        assert!(!debug.contains(&c.access_key_secret));
        assert!(!debug.contains(&c.security_token));

        let json = serde_json::to_value(&c).unwrap();
        assert_eq!(json["expiration"], "2026-11-28T06:00:00Z");
        assert_eq!(json["last_updated"], "2026-11-28T00:00:00Z");
        assert_eq!(serde_json::from_value::<IssuedCredential>(json).unwrap(), c);

        let wire: serde_json::Value = serde_json::from_str(&c.wire_json("Success")).unwrap();
        assert_eq!(wire["AccessKeyId"], c.access_key_id.as_str());
        assert_eq!(wire["AccessKeySecret"], c.access_key_secret.as_str());
        assert_eq!(wire["SecurityToken"], c.security_token.as_str());
        assert_eq!(wire["Expiration"], "2026-11-28T06:00:00Z");
        assert_eq!(wire["LastUpdated"], "2026-11-28T00:00:00Z");
        assert_eq!(wire["Code"], "Success");
    }
}
