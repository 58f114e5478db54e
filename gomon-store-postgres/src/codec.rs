//! Conversions between gomon-core's types and their columns.
//!
//! Durations are stored as bigint microseconds and outcomes as a nullable
//! `status` plus a nullable `error` name. A row that does not decode (edited by
//! hand, or written by a newer version) is a [`Error::Store`], never a panic.

use std::time::Duration;

use chrono::{DateTime, Utc};
use gomon_core::{
    Alert, AlertId, Error, Monitor, MonitorId, MonitorSpec, ProbeError, ProbeOutcome, Result,
    UserId,
};
use uuid::Uuid;

/// A duration in whole microseconds, saturating at `i64::MAX`.
pub(crate) fn micros(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
}

/// The inverse of [`micros`]; a negative value (impossible through this crate) reads as zero.
pub(crate) fn duration(micros: i64) -> Duration {
    Duration::from_micros(u64::try_from(micros).unwrap_or(0))
}

/// The `(status, error)` columns of an outcome.
pub(crate) fn outcome_columns(outcome: ProbeOutcome) -> (Option<i32>, Option<&'static str>) {
    match outcome {
        ProbeOutcome::Status(status) => (Some(i32::from(status)), None),
        ProbeOutcome::Error(e) => (None, Some(e.as_str())),
    }
}

/// The outcome of `(status, error)` columns.
pub(crate) fn outcome(status: Option<i32>, error: Option<&str>) -> Result<ProbeOutcome> {
    match (status, error) {
        (Some(status), _) => u16::try_from(status)
            .map(ProbeOutcome::Status)
            .map_err(|_| corrupt(format!("HTTP status {status} is out of range"))),
        (None, Some(name)) => Ok(ProbeOutcome::Error(ProbeError::from_name(name))),
        (None, None) => Err(corrupt(
            "an outcome with neither status nor error".to_owned(),
        )),
    }
}

/// A stored row that breaks the schema's or the model's rules.
pub(crate) fn corrupt(message: String) -> Error {
    Error::Store(message.into())
}

/// A row of `monitors`.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct MonitorRow {
    id: Uuid,
    owner_id: Uuid,
    name: String,
    url: String,
    threshold: i64,
    interval_us: i64,
    timeout_us: i64,
    window_us: i64,
    created_at: DateTime<Utc>,
}

/// The columns of `monitors` in the order of [`MonitorRow`], for SELECT and RETURNING.
pub(crate) const MONITOR_COLUMNS: &str =
    "id, owner_id, name, url, threshold, interval_us, timeout_us, window_us, created_at";

impl MonitorRow {
    /// Rebuilds the monitor through its validation, so a stored row can never
    /// produce a monitor the model would refuse.
    pub(crate) fn into_monitor(self) -> Result<Monitor> {
        let threshold = u32::try_from(self.threshold)
            .map_err(|_| corrupt(format!("threshold {} is out of range", self.threshold)))?;
        let spec = MonitorSpec {
            owner: UserId(self.owner_id),
            name: self.name,
            url: self.url,
            threshold,
            interval: duration(self.interval_us),
            timeout: duration(self.timeout_us),
            window: duration(self.window_us),
        };
        spec.build_with(MonitorId(self.id), self.created_at)
            .map_err(|e| Error::Store(Box::new(e)))
    }
}

/// A row of `alerts`.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct AlertRow {
    id: Uuid,
    monitor_id: Uuid,
    opened_at: DateTime<Utc>,
    resolved_at: Option<DateTime<Utc>>,
    failures: i64,
    status: Option<i32>,
    error: Option<String>,
}

/// The columns of `alerts` in the order of [`AlertRow`].
pub(crate) const ALERT_COLUMNS: &str =
    "id, monitor_id, opened_at, resolved_at, failures, status, error";

impl AlertRow {
    /// The alert this row stores.
    pub(crate) fn into_alert(self) -> Result<Alert> {
        Ok(Alert {
            id: AlertId(self.id),
            monitor: MonitorId(self.monitor_id),
            opened_at: self.opened_at,
            resolved_at: self.resolved_at,
            failures: u32::try_from(self.failures)
                .map_err(|_| corrupt(format!("failures {} is out of range", self.failures)))?,
            last_outcome: outcome(self.status, self.error.as_deref())?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_round_trip_through_their_columns() {
        let mut all = vec![ProbeOutcome::Status(0), ProbeOutcome::Status(u16::MAX)];
        all.extend(ProbeError::ALL.map(ProbeOutcome::Error));
        for o in all {
            let (status, error) = outcome_columns(o);
            assert_eq!(outcome(status, error).expect("decodes"), o);
        }
        assert!(outcome(Some(70_000), None).is_err());
        assert!(outcome(None, None).is_err());
    }

    #[test]
    fn durations_keep_microseconds() {
        let d = Duration::from_micros(1_234_567);
        assert_eq!(duration(micros(d)), d);
        assert_eq!(micros(Duration::MAX), i64::MAX);
        assert_eq!(duration(-5), Duration::ZERO);
    }
}
