//! [`AlertPolicy`]: the alert rule of one monitor as a pure state machine.
//!
//! An alert **opens** when more than `threshold` failed probes started inside
//! the trailing window `(now - window, now]`; while it is open no second alert
//! opens (one alert per incident). It **resolves** at the first observation
//! after which a whole window holds no failure. "Now" is the start time of the
//! newest result seen, so the policy needs no clock and replays identically.

use std::collections::VecDeque;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

use crate::model::{Alert, AlertId, Monitor, ProbeResult};

/// What an observation changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlertChange {
    /// A new incident: the failures in the window exceeded the threshold.
    Opened(Alert),
    /// The open incident ended; `resolved_at` is set.
    Resolved(Alert),
}

/// Alert state of one monitor. Memory is bounded by the failures in one window.
#[derive(Debug, Clone)]
pub struct AlertPolicy {
    threshold: u32,
    window: TimeDelta,
    /// Start times of the failures in the window, oldest first.
    failures: VecDeque<DateTime<Utc>>,
    /// The newest start time observed: the policy's "now".
    latest: Option<DateTime<Utc>>,
    open: Option<Alert>,
}

impl AlertPolicy {
    /// A policy with no history and no open alert.
    pub fn new(threshold: u32, window: Duration) -> Self {
        Self {
            threshold,
            window: TimeDelta::from_std(window).unwrap_or(TimeDelta::MAX),
            failures: VecDeque::new(),
            latest: None,
            open: None,
        }
    }

    /// A policy with the monitor's threshold and window.
    pub fn for_monitor(monitor: &Monitor) -> Self {
        Self::new(monitor.threshold(), monitor.window())
    }

    /// Changes threshold and window, keeping history and any open alert.
    /// The new rule applies from the next observation.
    pub fn reconfigure(&mut self, threshold: u32, window: Duration) {
        self.threshold = threshold;
        self.window = TimeDelta::from_std(window).unwrap_or(TimeDelta::MAX);
    }

    /// Restores an alert that was open before a restart, so it is neither lost
    /// nor opened a second time.
    pub fn restore_open(&mut self, alert: Alert) {
        self.open = Some(alert);
    }

    /// Forgets the open alert, e.g. one that could not be stored, so that the
    /// incident can open an alert again rather than waiting on one that does
    /// not exist.
    pub fn clear_open(&mut self) {
        self.open = None;
    }

    /// The open alert, if any.
    pub fn open_alert(&self) -> Option<&Alert> {
        self.open.as_ref()
    }

    /// Failures currently counted in the window.
    pub fn failures_in_window(&self) -> usize {
        self.failures.len()
    }

    /// Feeds one result; returns the change it caused, if any.
    ///
    /// Results may arrive slightly out of order (a restart replays history);
    /// each is placed by its start time. O(1) amortised for in-order results.
    pub fn observe(&mut self, result: &ProbeResult) -> Option<AlertChange> {
        let now = match self.latest {
            Some(latest) if latest > result.started_at => latest,
            _ => result.started_at,
        };
        self.latest = Some(now);
        let horizon = now.checked_sub_signed(self.window);
        let in_window = |t: DateTime<Utc>| horizon.is_none_or(|h| t > h);

        if result.is_failure() && in_window(result.started_at) {
            let at = self.failures.partition_point(|&t| t <= result.started_at);
            self.failures.insert(at, result.started_at);
        }
        while self.failures.front().is_some_and(|&t| !in_window(t)) {
            self.failures.pop_front();
        }

        if self.open.is_none() {
            if !result.is_failure() || self.failures.len() <= self.threshold as usize {
                return None;
            }
            let alert = Alert {
                id: AlertId::new(),
                monitor: result.monitor,
                opened_at: result.started_at,
                resolved_at: None,
                failures: u32::try_from(self.failures.len()).unwrap_or(u32::MAX),
                last_outcome: result.outcome,
            };
            self.open = Some(alert.clone());
            return Some(AlertChange::Opened(alert));
        }
        if self.failures.is_empty() && self.clean_for_a_window(now) {
            let mut alert = self.open.take()?;
            alert.resolved_at = Some(now);
            return Some(AlertChange::Resolved(alert));
        }
        None
    }

    /// Whether a whole window has passed since the alert opened. Without this
    /// check an alert restored after a restart with no failure history would
    /// resolve on the very next result, before a window had been watched.
    fn clean_for_a_window(&self, now: DateTime<Utc>) -> bool {
        self.open.as_ref().is_some_and(|a| {
            a.opened_at
                .checked_add_signed(self.window)
                .is_none_or(|end| now >= end)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{MonitorId, ProbeError, ProbeOutcome};

    const MINUTE: i64 = 60;

    /// Feeds one probe a minute; `F` fails (503), `T` times out, `.` succeeds.
    /// Returns the minute of every change.
    fn run(policy: &mut AlertPolicy, pattern: &str) -> Vec<(i64, &'static str)> {
        let monitor = MonitorId::new();
        let t0 = DateTime::<Utc>::UNIX_EPOCH;
        let mut changes = Vec::new();
        for (minute, c) in (0..).zip(pattern.chars()) {
            let outcome = match c {
                'F' => ProbeOutcome::Status(503),
                'T' => ProbeOutcome::Error(ProbeError::Timeout),
                _ => ProbeOutcome::Status(200),
            };
            let result = ProbeResult {
                monitor,
                started_at: t0 + TimeDelta::seconds(minute * MINUTE),
                latency: Duration::from_millis(5),
                outcome,
            };
            match policy.observe(&result) {
                Some(AlertChange::Opened(a)) => {
                    assert_eq!(a.opened_at, result.started_at);
                    changes.push((minute, "open"));
                }
                Some(AlertChange::Resolved(a)) => {
                    assert_eq!(a.resolved_at, Some(result.started_at));
                    changes.push((minute, "resolve"));
                }
                None => {}
            }
        }
        changes
    }

    fn five_minutes(threshold: u32) -> AlertPolicy {
        AlertPolicy::new(threshold, Duration::from_secs(5 * 60))
    }

    #[test]
    fn exactly_threshold_failures_do_not_open() {
        assert_eq!(run(&mut five_minutes(2), "FF......"), []);
        assert_eq!(run(&mut five_minutes(2), ".F.F.."), []);
    }

    #[test]
    fn threshold_plus_one_failures_open_one_alert() {
        assert_eq!(run(&mut five_minutes(2), "FFF"), [(2, "open")]);
        assert_eq!(run(&mut five_minutes(2), "F.F.T"), [(4, "open")]);
    }

    #[test]
    fn a_failure_exactly_on_the_window_edge_is_outside() {
        // Failures at minutes 0, 1, 5: at minute 5 the window is (0, 5], so the
        // failure at 0 has left it and only two remain.
        assert_eq!(run(&mut five_minutes(2), "FF...F"), []);
        // One minute earlier all three are inside.
        assert_eq!(run(&mut five_minutes(2), "FF..F"), [(4, "open")]);
    }

    #[test]
    fn threshold_zero_opens_on_the_first_failure() {
        assert_eq!(run(&mut five_minutes(0), "...F"), [(3, "open")]);
    }

    #[test]
    fn an_hour_of_outage_is_one_alert() {
        let pattern = format!("{}{}", "F".repeat(60), ".".repeat(10));
        assert_eq!(
            run(&mut five_minutes(2), &pattern),
            [(2, "open"), (64, "resolve")],
            "opens once; resolves when (59, 64] holds no failure"
        );
    }

    #[test]
    fn resolves_only_after_a_whole_clean_window() {
        // Last failure at minute 2: the window (2, 7] is the first without it.
        assert_eq!(
            run(&mut five_minutes(2), "FFF....."),
            [(2, "open"), (7, "resolve")]
        );
        // A failure inside the clean stretch restarts the wait.
        assert_eq!(
            run(&mut five_minutes(2), "FFF..F......"),
            [(2, "open"), (10, "resolve")]
        );
    }

    #[test]
    fn flapping_around_the_threshold_is_one_incident() {
        // Alternating failure and success: three failures in five minutes opens,
        // and it stays open while the flapping goes on.
        let changes = run(&mut five_minutes(2), "F.F.F.F.F.F.F.F......");
        assert_eq!(changes, [(4, "open"), (19, "resolve")]);
        // Flapping that never exceeds the threshold never opens.
        assert_eq!(run(&mut five_minutes(2), "F...F...F...F...F"), []);
    }

    #[test]
    fn a_new_incident_after_resolution_opens_a_new_alert() {
        assert_eq!(
            run(&mut five_minutes(1), "FF.....FF"),
            [(1, "open"), (6, "resolve"), (8, "open")]
        );
    }

    #[test]
    fn memory_is_bounded_by_the_window() {
        let mut policy = five_minutes(2);
        run(&mut policy, &"F".repeat(10_000));
        assert!(
            policy.failures_in_window() <= 5,
            "{}",
            policy.failures_in_window()
        );
    }

    #[test]
    fn a_restored_alert_is_not_reopened_and_resolves_after_a_window() {
        let mut policy = five_minutes(0);
        let monitor = MonitorId::new();
        let t0 = DateTime::<Utc>::UNIX_EPOCH;
        policy.restore_open(Alert {
            id: AlertId::new(),
            monitor,
            opened_at: t0,
            resolved_at: None,
            failures: 1,
            last_outcome: ProbeOutcome::Status(500),
        });
        let at = |minute: i64, status: u16| ProbeResult {
            monitor,
            started_at: t0 + TimeDelta::minutes(minute),
            latency: Duration::ZERO,
            outcome: ProbeOutcome::Status(status),
        };
        assert_eq!(policy.observe(&at(1, 500)), None, "already open");
        assert_eq!(policy.observe(&at(2, 200)), None);
        assert!(matches!(
            policy.observe(&at(6, 200)),
            Some(AlertChange::Resolved(_))
        ));
    }

    #[test]
    fn out_of_order_results_are_placed_by_time() {
        let mut policy = five_minutes(1);
        let monitor = MonitorId::new();
        let t0 = DateTime::<Utc>::UNIX_EPOCH;
        let fail = |minute: i64| ProbeResult {
            monitor,
            started_at: t0 + TimeDelta::minutes(minute),
            latency: Duration::ZERO,
            outcome: ProbeOutcome::Status(500),
        };
        assert_eq!(policy.observe(&fail(3)), None);
        assert!(matches!(
            policy.observe(&fail(2)),
            Some(AlertChange::Opened(_))
        ));
        // Far older than the window: ignored.
        let mut fresh = five_minutes(0);
        fresh.observe(&ProbeResult {
            outcome: ProbeOutcome::Status(200),
            ..fail(10)
        });
        assert_eq!(fresh.observe(&fail(1)), None);
    }
}
