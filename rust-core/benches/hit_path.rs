//! The warm path: `Provider::credential()` with a valid cached credential, against a mock
//! metadata service on 127.0.0.1 (contacted once, before measuring).

use std::hint::black_box;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};
use ecscred::Provider;
use ecscred_mock::{MockConfig, MockServer};

fn warm_hit(c: &mut Criterion) {
    let mock = MockServer::start(MockConfig::default()).expect("start mock");
    let provider = Provider::builder()
        .endpoint(mock.url())
        .env(|_| None)
        .build()
        .expect("build provider");
    provider.credential().expect("first fetch");

    c.bench_function("provider.credential() warm", |b| {
        b.iter(|| black_box(provider.credential().unwrap()))
    });
    c.bench_function("get_credential(role) warm, shared provider", |b| {
        std::env::set_var(ecscred::ENV_ENDPOINT, mock.url());
        ecscred::get_credential(Some("EcsRamRoleTest")).unwrap();
        b.iter(|| black_box(ecscred::get_credential(black_box(Some("EcsRamRoleTest"))).unwrap()))
    });
    c.bench_function("credential() warm + read the three fields", |b| {
        b.iter(|| {
            let cred: Arc<_> = provider.credential().unwrap();
            black_box((
                cred.access_key_id().len(),
                cred.access_key_secret().len(),
                cred.security_token().len(),
            ))
        })
    });
    assert_eq!(
        mock.counters().credential_gets,
        2,
        "the benchmark stayed warm"
    );
}

criterion_group!(benches, warm_hit);
criterion_main!(benches);
