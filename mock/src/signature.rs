//! Alibaba Cloud RPC signature V1 (`SignatureMethod=HMAC-SHA1`, `SignatureVersion=1.0`),
//! as STS checks it: written from the published algorithm, independently of the client
//! under test, so that a signing bug in the client cannot hide behind the same bug here.
//!
//! Every parameter except `Signature` (query and form body merged) is sorted by name
//! (byte order), names and values are percent-encoded (RFC 3986: `A-Za-z0-9-_.~` kept,
//! every other byte `%XX` in upper case), joined as `k=v` with `&`; the string to sign is
//! `METHOD&%2F&` + the percent-encoding of that; the signature is the base64 (standard,
//! padded) of its HMAC-SHA1 under the key `AccessKeySecret&`.

use std::collections::HashMap;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use ring::hmac;

/// Percent-encodes `text` as RPC signatures do (RFC 3986 unreserved characters kept).
pub(crate) fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The string to sign for a request of `method` with `params` (`Signature` left out).
pub(crate) fn string_to_sign(method: &str, params: &HashMap<String, String>) -> String {
    let mut pairs: Vec<(&String, &String)> =
        params.iter().filter(|(k, _)| *k != "Signature").collect();
    pairs.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let canonical = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    format!(
        "{method}&{}&{}",
        percent_encode("/"),
        percent_encode(&canonical)
    )
}

/// The signature of `params` sent with `method`, signed with `secret` (the tests' signer).
#[cfg(test)]
pub(crate) fn sign(method: &str, params: &HashMap<String, String>, secret: &str) -> String {
    let key = hmac::Key::new(
        hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
        format!("{secret}&").as_bytes(),
    );
    let tag = hmac::sign(&key, string_to_sign(method, params).as_bytes());
    STANDARD.encode(tag.as_ref())
}

/// Whether `params` carry a `Signature` equal to [`sign`]'s, compared in constant time.
pub(crate) fn verify(method: &str, params: &HashMap<String, String>, secret: &str) -> bool {
    let Some(given) = params.get("Signature") else {
        return false;
    };
    let Ok(given) = STANDARD.decode(given) else {
        return false;
    };
    let key = hmac::Key::new(
        hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
        format!("{secret}&").as_bytes(),
    );
    hmac::verify(&key, string_to_sign(method, params).as_bytes(), &given).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    /// The published DescribeRegions example (AccessKey `testid` / `testsecret`). Some
    /// copies of the page print the `&` between pairs unencoded; the published signature
    /// is that of the encoded form (`%26`), as the algorithm says.
    fn published() -> HashMap<String, String> {
        params(&[
            ("TimeStamp", "2016-02-23T12:46:24Z"),
            ("Format", "XML"),
            ("AccessKeyId", "testid"),
            ("Action", "DescribeRegions"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"),
            ("Version", "2014-05-26"),
            ("SignatureVersion", "1.0"),
        ])
    }

    #[test]
    fn matches_the_published_example() {
        let p = published();
        assert_eq!(
            string_to_sign("GET", &p),
            "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML\
             %26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf\
             %26SignatureVersion%3D1.0%26TimeStamp%3D2016-02-23T12%253A46%253A24Z\
             %26Version%3D2014-05-26"
        );
        assert_eq!(
            sign("GET", &p, "testsecret"),
            "CT9X0VtwR86fNWSnsc6v8YGOjuE="
        );
        let mut signed = p;
        signed.insert("Signature".into(), "CT9X0VtwR86fNWSnsc6v8YGOjuE=".into());
        assert!(verify("GET", &signed, "testsecret"));
        assert!(!verify("POST", &signed, "testsecret"));
        assert!(!verify("GET", &signed, "testsecret2"));
        signed.insert("Format".into(), "JSON".into());
        assert!(!verify("GET", &signed, "testsecret"));
    }

    #[test]
    fn the_parameter_name_is_signed_as_sent() {
        // The same request with `Timestamp` spelled as STS's API takes it: the name sorts
        // elsewhere, so the signature differs from the published one.
        let mut p = published();
        let at = p.remove("TimeStamp").unwrap();
        p.insert("Timestamp".into(), at);
        let signature = sign("GET", &p, "testsecret");
        assert_ne!(signature, "CT9X0VtwR86fNWSnsc6v8YGOjuE=");
        assert_eq!(signature, "OLeaidS1JvxuMvnyHOwuJ+uX5qY=");
    }

    #[test]
    fn encodes_as_rfc3986() {
        assert_eq!(percent_encode("aZ09-_.~"), "aZ09-_.~");
        assert_eq!(percent_encode("a b*c/d+e"), "a%20b%2Ac%2Fd%2Be");
        assert_eq!(percent_encode("é"), "%C3%A9");
        assert_eq!(percent_encode("{\"k\":1}"), "%7B%22k%22%3A1%7D");
    }

    #[test]
    fn refuses_missing_or_undecodable_signatures() {
        let mut p = published();
        assert!(!verify("GET", &p, "testsecret"));
        p.insert("Signature".into(), "not base64!".into());
        assert!(!verify("GET", &p, "testsecret"));
    }
}
