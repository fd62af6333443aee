//! The request lines of the latest metadata requests, exactly as received: tests check
//! where a client's requests really went.

use std::collections::VecDeque;

use hyper::{Method, Uri};
use parking_lot::Mutex;

/// How many request lines are kept (the oldest are dropped first).
const KEEP: usize = 4096;

#[derive(Debug, Default)]
pub(crate) struct Journal(Mutex<VecDeque<String>>);

impl Journal {
    /// Records `METHOD target`, the target as sent (path and query, not normalised).
    pub(crate) fn record(&self, method: &Method, uri: &Uri) {
        let target = uri.path_and_query().map_or("", |p| p.as_str());
        let mut lines = self.0.lock();
        if lines.len() == KEEP {
            lines.pop_front();
        }
        lines.push_back(format!("{method} {target}"));
    }

    pub(crate) fn snapshot(&self) -> Vec<String> {
        self.0.lock().iter().cloned().collect()
    }

    pub(crate) fn clear(&self) {
        self.0.lock().clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_latest_lines_verbatim() {
        let journal = Journal::default();
        let uri: Uri = "/latest/meta-data/ram/security-credentials/a.b?x=1"
            .parse()
            .unwrap();
        journal.record(&Method::GET, &uri);
        assert_eq!(
            journal.snapshot(),
            ["GET /latest/meta-data/ram/security-credentials/a.b?x=1"]
        );
        for _ in 0..KEEP {
            journal.record(&Method::PUT, &"/latest/api/token".parse().unwrap());
        }
        let lines = journal.snapshot();
        assert_eq!(lines.len(), KEEP);
        assert!(lines.iter().all(|l| l == "PUT /latest/api/token"));
        journal.clear();
        assert!(journal.snapshot().is_empty());
    }
}
