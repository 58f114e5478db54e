//! # gomon-benches
//!
//! The pieces shared by the `gomon-load` harness and the criterion benches:
//! a minimal HTTP [`target`] server, process statistics read from `/proc`
//! ([`proc_stats`]), and helpers that make many monitors at once.
//!
//! Nothing here is published; see `BENCHMARKS.md` at the repository root for
//! the figures and the commands that produce them.

pub mod proc_stats;
pub mod target;

use std::time::Duration;

use gomon_core::{Monitor, MonitorSpec};

/// `count` valid monitors of `url`, named `m0000000`, `m0000001`, ..., probed
/// every `interval` with a timeout of at most 10 s (and less than the interval).
///
/// The threshold is 0 and the window one interval, the smallest valid rule,
/// so the AlertPolicy does real work on every result.
pub fn monitors(count: usize, url: &str, interval: Duration) -> Vec<Monitor> {
    let timeout = (interval / 2).min(Duration::from_secs(10));
    (0..count)
        .map(|i| {
            MonitorSpec::new(format!("m{i:07}"), url, 0)
                .with_interval(interval)
                .with_timeout(timeout)
                .with_window(interval.max(Duration::from_secs(1)))
                .build()
                .unwrap_or_else(|e| panic!("invalid monitor for {url}: {e}"))
        })
        .collect()
}
