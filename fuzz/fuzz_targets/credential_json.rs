//! The credential JSON parser: never panics; what it accepts can go in HTTP headers;
//! neither `Debug` nor the error text shows the secret or the token.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    match ecscred::wire::parse_credential(body) {
        Ok(c) => {
            for field in [c.access_key_id(), c.access_key_secret(), c.security_token()] {
                assert!(!field.is_empty() && field.bytes().all(|b| b.is_ascii_graphic()));
            }
            let shown = format!("{c:?}");
            for secret in [c.access_key_secret(), c.security_token()] {
                // Short values can occur in the id or the times by chance.
                if secret.len() >= 12 && !c.access_key_id().contains(secret) {
                    assert!(!shown.contains(secret), "Debug shows a secret");
                }
            }
            assert_eq!(c.access_key_secret_c().to_bytes(), c.access_key_secret().as_bytes());
        }
        Err(e) => {
            // Error texts are built from our own words, never from the body: the secret
            // and token values sent must not show up (values long and varied enough not
            // to occur in our wording by chance).
            let text = e.to_string();
            let Ok(serde_json::Value::Object(fields)) = serde_json::from_slice(body) else {
                return;
            };
            let code = fields.get("Code").and_then(|v| v.as_str()).unwrap_or("");
            for name in ["AccessKeySecret", "SecurityToken"] {
                if let Some(value) = fields.get(name).and_then(|v| v.as_str()) {
                    let distinctive = value.len() >= 12
                        && value.bytes().any(|b| b.is_ascii_digit())
                        && value.bytes().any(|b| b.is_ascii_alphabetic())
                        && !code.contains(value);
                    if distinctive {
                        assert!(!text.contains(value), "error text quotes the {name}");
                    }
                }
            }
        }
    }
});
