//! No secret in any log line or error text: every scenario runs with TRACE logging
//! captured, then the logs and all error texts are searched for every secret, security
//! token and metadata token the mock handed out. Its own test binary because it installs
//! the global log subscriber.

mod common;

use std::time::Duration;

use common::{Fixture, LogCapture};
use ecscred_mock::{Fault, FaultKind, MockConfig, Mode, Target};

#[test]
fn secrets_never_reach_logs_or_errors() {
    let capture = LogCapture::install();

    let f = Fixture::new(
        MockConfig::default()
            .with_mode(Mode::Hardened)
            .with_lifetime(Duration::from_secs(60))
            .with_rotate_before(Duration::from_secs(5)),
    );
    let p = f.builder().disable_imds_v1(true).build().unwrap();
    let mut texts = Vec::new();

    // Success, a rejected token, then a refresh.
    let c = p.credential().unwrap();
    texts.push(format!("{c:?} {p:?}"));
    f.mock.expire_tokens();
    f.advance(Duration::from_secs(61));
    let c = p.credential().unwrap();
    texts.push(format!("{c:?}"));

    // Every failure the mock can produce, each on a credential that has expired.
    let faults = [
        FaultKind::Status(500),
        FaultKind::Status(401),
        FaultKind::MalformedJson,
        FaultKind::Code("Failure".into()),
        FaultKind::Expired,
        FaultKind::HugeBody(100_000),
        FaultKind::Drop,
        FaultKind::Redirect("http://127.0.0.1:9/elsewhere".into()),
    ];
    for fault in faults {
        f.mock.clear_faults();
        f.mock.inject(Fault::new(fault).on(Target::Credential));
        f.advance(Duration::from_secs(120)); // past expiry and any backoff
        let err = p.credential().unwrap_err();
        texts.push(format!("{err} {err:?}"));
    }
    f.mock.clear_faults();
    f.advance(Duration::from_secs(120));
    p.credential().unwrap();

    // The OIDC source: success, a refresh with a rotated token, STS's refusals and faults.
    let o = common::OidcFixture::default();
    let op = o.builder().build().unwrap();
    let c = op.credential().unwrap();
    texts.push(format!("{c:?} {op:?} {:?}", o.builder()));
    let rotated = format!("{}-rotated", common::OIDC_TOKEN);
    std::fs::write(&o.token_file, &rotated).unwrap();
    o.sts.set_token(&rotated);
    o.advance(Duration::from_secs(3601));
    texts.push(format!("{:?}", op.credential().unwrap()));
    let oidc_faults = [
        FaultKind::Status(500),
        FaultKind::Code("NoPermission".into()),
        FaultKind::MalformedJson,
        FaultKind::Expired,
        FaultKind::HugeBody(100_000),
        FaultKind::Drop,
    ];
    for fault in oidc_faults {
        o.sts.clear_faults();
        o.sts.inject(Fault::new(fault));
        o.advance(Duration::from_secs(3720));
        let err = op.credential().unwrap_err();
        texts.push(format!("{err} {err:?}"));
    }
    o.sts.clear_faults();
    // A token STS refuses, then a token file gone.
    o.sts.set_token("something-else");
    o.advance(Duration::from_secs(3720));
    let err = op.credential().unwrap_err();
    assert!(
        err.to_string().contains("InvalidParameter.OIDCToken"),
        "{err}"
    );
    texts.push(format!("{err} {err:?}"));
    std::fs::remove_file(&o.token_file).unwrap();
    o.advance(Duration::from_secs(3720));
    let err = op.credential().unwrap_err();
    texts.push(format!("{err} {err:?}"));

    let logs = capture.text();
    assert!(
        logs.contains("fetched a credential"),
        "logging was captured"
    );
    assert!(logs.contains("WARN"), "failures were logged");
    texts.push(logs);

    let mut secrets: Vec<String> = f.mock.issued_tokens();
    assert!(secrets.len() >= 2, "metadata tokens were issued");
    secrets.push(common::OIDC_TOKEN.to_owned());
    secrets.push(rotated.clone());
    // Any 24-character piece of the token (its header, payload or signature part).
    for piece in common::OIDC_TOKEN.split('.') {
        secrets.push(piece[..24].to_owned());
    }
    for issued in f.mock.issued().into_iter().chain(o.sts.issued()) {
        secrets.push(issued.access_key_secret);
        secrets.push(issued.security_token);
    }
    for text in &texts {
        for secret in &secrets {
            assert!(
                !text.contains(secret.as_str()),
                "a secret leaked into: {}",
                text.replace(secret.as_str(), "<LEAKED>")
            );
        }
    }
}
