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
    pub(crate) lateness: Histogram,
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
    /// Median (start - deadline), in microseconds: the upper edge of its
    /// histogram bucket, so at most 12.5 % above the true value.
    pub lateness_p50_us: u64,
    /// 99th percentile of (start - deadline), in microseconds, like `lateness_p50_us`.
    pub lateness_p99_us: u64,
}

impl Metrics {
    pub(crate) fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    pub(crate) fn record_lateness(&self, micros: u64) {
        self.lateness_total_us.fetch_add(micros, Ordering::Relaxed);
        self.lateness_max_us.fetch_max(micros, Ordering::Relaxed);
        self.lateness.record(micros);
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
            lateness_p50_us: self.lateness.quantile(0.50),
            lateness_p99_us: self.lateness.quantile(0.99),
        }
    }
}

/// Sub-buckets per power of two: 8 gives a relative error of at most 12.5 %.
const SUB_BITS: u32 = 3;
const SUB: usize = 1 << SUB_BITS;
/// Enough buckets for every `u64`.
const BUCKETS: usize = (64 - SUB_BITS as usize + 1) * SUB;

/// A fixed-bucket, log-linear histogram of `u64` values (HDR-style): values
/// below 8 have a bucket each, and every power of two above is split into 8
/// equal buckets. Recording is one relaxed atomic add, with no allocation or
/// lock, so the scheduler's hot path stays cheap; 4 KiB in all.
pub(crate) struct Histogram {
    counts: Box<[AtomicU64]>,
}

impl Default for Histogram {
    fn default() -> Self {
        Self {
            counts: (0..BUCKETS).map(|_| AtomicU64::new(0)).collect(),
        }
    }
}

impl std::fmt::Debug for Histogram {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Histogram")
            .field("count", &self.count())
            .finish_non_exhaustive()
    }
}

impl Histogram {
    fn bucket(value: u64) -> usize {
        if value < SUB as u64 {
            return value as usize;
        }
        let msb = 63 - value.leading_zeros(); // >= SUB_BITS
        let sub = (value >> (msb - SUB_BITS)) as usize & (SUB - 1);
        (msb - SUB_BITS + 1) as usize * SUB + sub
    }

    /// The largest value that falls into bucket `index`.
    fn upper_edge(index: usize) -> u64 {
        if index < SUB {
            return index as u64;
        }
        let shift = (index / SUB - 1) as u32; // msb - SUB_BITS
        let lower = ((SUB + index % SUB) as u64) << shift;
        lower.saturating_add((1u64 << shift) - 1)
    }

    pub(crate) fn record(&self, value: u64) {
        self.counts[Self::bucket(value)].fetch_add(1, Ordering::Relaxed);
    }

    fn count(&self) -> u64 {
        self.counts.iter().map(|c| c.load(Ordering::Relaxed)).sum()
    }

    /// The upper edge of the bucket holding the `q`-quantile (0 if empty).
    pub(crate) fn quantile(&self, q: f64) -> u64 {
        let counts: Vec<u64> = self
            .counts
            .iter()
            .map(|c| c.load(Ordering::Relaxed))
            .collect();
        let total: u64 = counts.iter().sum();
        if total == 0 {
            return 0;
        }
        // The rank of the quantile, 1-based: ceil(q * total), at least 1.
        let rank = ((q.clamp(0.0, 1.0) * total as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (index, &n) in counts.iter().enumerate() {
            seen += n;
            if seen >= rank {
                return Self::upper_edge(index);
            }
        }
        u64::MAX
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_contiguous_and_tight() {
        let mut previous = 0;
        for v in (0..100_000u64).chain([u64::MAX / 2, u64::MAX - 1, u64::MAX]) {
            let b = Histogram::bucket(v);
            assert!(b < BUCKETS, "value {v} bucket {b}");
            assert!(b >= previous, "buckets must not go backwards at {v}");
            previous = b;
            let edge = Histogram::upper_edge(b);
            assert!(edge >= v, "value {v} above its bucket's edge {edge}");
            // At most 12.5 % above the value.
            assert!(edge - v <= v / 8, "value {v}, edge {edge}");
        }
        assert_eq!(Histogram::upper_edge(Histogram::bucket(u64::MAX)), u64::MAX);
    }

    #[test]
    fn quantiles_of_a_known_distribution() {
        let h = Histogram::default();
        assert_eq!(h.quantile(0.5), 0);
        // 1..=1000: p50 = 500, p99 = 990, within a bucket's width above.
        for v in 1..=1000 {
            h.record(v);
        }
        let p50 = h.quantile(0.5);
        let p99 = h.quantile(0.99);
        assert!((500..=500 + 500 / 8).contains(&p50), "p50 {p50}");
        assert!((990..=990 + 990 / 8).contains(&p99), "p99 {p99}");
        assert!(h.quantile(1.0) >= 1000);
        assert_eq!(h.count(), 1000);
    }

    #[test]
    fn snapshot_reports_lateness_percentiles() {
        let m = Metrics::default();
        for _ in 0..98 {
            m.record_lateness(100);
        }
        m.record_lateness(50_000);
        m.record_lateness(80_000);
        let s = m.snapshot();
        assert!((100..=112).contains(&s.lateness_p50_us), "{s:?}");
        assert!((50_000..=56_250).contains(&s.lateness_p99_us), "{s:?}");
        assert_eq!(s.lateness_max_us, 80_000);
    }
}
