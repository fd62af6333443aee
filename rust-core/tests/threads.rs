//! At most one background thread per process, and none before first use. Its own test
//! binary so that no other test has started the refresh thread.

mod common;

use common::Fixture;

fn refresh_threads() -> usize {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter(|task| {
            let comm = task.as_ref().unwrap().path().join("comm");
            std::fs::read_to_string(comm)
                .is_ok_and(|name| matches!(name.trim(), "ecscred-refresh" | "ecscred-resolve"))
        })
        .count()
}

#[test]
fn one_refresh_thread_for_all_providers_started_on_first_use() {
    let f = Fixture::default();
    let providers: Vec<_> = (0..8).map(|_| f.provider()).collect();
    assert_eq!(refresh_threads(), 0, "building providers starts no thread");
    for p in &providers {
        p.credential().unwrap();
    }
    assert_eq!(
        refresh_threads(),
        1,
        "one refresh thread serves every provider"
    );
}
