//! [`CallStats`] over a [`TimeRange`]: how many probes succeeded and failed.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

/// A half-open time range `[start, end)`: a probe that started at `start` is in
/// it, one that started at `end` is not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeRange {
    /// Inclusive start.
    pub start: DateTime<Utc>,
    /// Exclusive end.
    pub end: DateTime<Utc>,
}

impl TimeRange {
    /// `[start, end)`.
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>) -> Self {
        Self { start, end }
    }

    /// The `length` before `now`: `[now - length, now)`.
    pub fn last(length: Duration, now: DateTime<Utc>) -> Self {
        let length = TimeDelta::from_std(length).unwrap_or(TimeDelta::MAX);
        Self {
            start: now
                .checked_sub_signed(length)
                .unwrap_or(DateTime::<Utc>::MIN_UTC),
            end: now,
        }
    }

    /// Whether `t` lies in the range.
    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        self.start <= t && t < self.end
    }
}

/// Successes and failures among the probes of a time range.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallStats {
    /// Probes that got a status below 500.
    pub successes: u64,
    /// Probes with no response or a status of 500 or above.
    pub failures: u64,
    /// Sum of every probe's latency, for [`mean_latency`](Self::mean_latency).
    pub total_latency: Duration,
}

impl CallStats {
    /// All probes counted.
    pub fn total(&self) -> u64 {
        self.successes + self.failures
    }

    /// Successes over all probes, `None` when there were none.
    pub fn uptime(&self) -> Option<f64> {
        let total = self.total();
        // u64 -> f64 loses precision only beyond 2^53 probes.
        (total > 0).then(|| self.successes as f64 / total as f64)
    }

    /// Mean latency of all probes, `None` when there were none.
    pub fn mean_latency(&self) -> Option<Duration> {
        let total = u128::from(self.total());
        (total > 0).then(|| {
            let nanos = self.total_latency.as_nanos() / total;
            Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
        })
    }
}
