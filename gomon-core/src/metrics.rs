//! [`Metrics`]: counters of the monitoring loop, cheap to update from any task.

use std::sync::atomic::{AtomicU64, Ordering};

/// Live counters; read a consistent-enough copy with [`Metrics::snapshot`].
#[derive(Debug, Default)]
pub struct Metrics {
    pub(crate) probes_started: AtomicU64,
    pub(crate) probes_skipped: AtomicU64,
    pub(crate) deadlines_missed: AtomicU64,
    pub(crate) results_recorded: AtomicU64,
    pub(crate) results_dropped: AtomicU64,
    pub(crate) store_retries: AtomicU64,
    pub(crate) alerts_opened: AtomicU64,
    pub(crate) alerts_resolved: AtomicU64,
    pub(crate) lateness_total_us: AtomicU64,
    pub(crate) lateness_max_us: AtomicU64,
}

/// A copy of the counters at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct MetricsSnapshot {
    /// Probes sent.
    pub probes_started: u64,
    /// Deadlines skipped because the monitor's previous probe was still running.
    pub probes_skipped: u64,
    /// Deadlines that passed entirely while the loop was held up (backpressure).
    pub deadlines_missed: u64,
    /// Results written to the store.
    pub results_recorded: u64,
    /// Results given up on after the store refused them (each is also logged).
    pub results_dropped: u64,
    /// Store writes that failed and were retried.
    pub store_retries: u64,
    /// Alerts opened.
    pub alerts_opened: u64,
    /// Alerts resolved.
    pub alerts_resolved: u64,
    /// Sum over started probes of (start - deadline), in microseconds.
    pub lateness_total_us: u64,
    /// The largest (start - deadline) seen, in microseconds.
    pub lateness_max_us: u64,
}

impl Metrics {
    pub(crate) fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    pub(crate) fn record_lateness(&self, micros: u64) {
        self.lateness_total_us.fetch_add(micros, Ordering::Relaxed);
        self.lateness_max_us.fetch_max(micros, Ordering::Relaxed);
    }

    /// The current values.
    pub fn snapshot(&self) -> MetricsSnapshot {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        MetricsSnapshot {
            probes_started: get(&self.probes_started),
            probes_skipped: get(&self.probes_skipped),
            deadlines_missed: get(&self.deadlines_missed),
            results_recorded: get(&self.results_recorded),
            results_dropped: get(&self.results_dropped),
            store_retries: get(&self.store_retries),
            alerts_opened: get(&self.alerts_opened),
            alerts_resolved: get(&self.alerts_resolved),
            lateness_total_us: get(&self.lateness_total_us),
            lateness_max_us: get(&self.lateness_max_us),
        }
    }
}
