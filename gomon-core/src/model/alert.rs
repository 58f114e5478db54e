//! [`Alert`]: one incident of a monitor, from the failure that opened it to its resolution.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{AlertId, MonitorId, ProbeOutcome};

/// One incident: opened when a monitor's failures in its window exceeded its threshold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alert {
    /// The alert's identifier.
    pub id: AlertId,
    /// The monitor it is about.
    pub monitor: MonitorId,
    /// Start time of the failed probe that pushed the count over the threshold.
    pub opened_at: DateTime<Utc>,
    /// When a whole window had passed without a failure; `None` while open.
    pub resolved_at: Option<DateTime<Utc>>,
    /// Failures in the window when it opened (always `threshold + 1`).
    pub failures: u32,
    /// The outcome of the probe that opened it.
    pub last_outcome: ProbeOutcome,
}

impl Alert {
    /// Whether the incident is still going on.
    pub fn is_open(&self) -> bool {
        self.resolved_at.is_none()
    }

    /// Where a page of alerts ended, to ask for the next (older) page.
    pub fn cursor(&self) -> AlertCursor {
        AlertCursor {
            opened_at: self.opened_at,
            id: self.id,
        }
    }
}

/// Position in a monitor's alert list, which is ordered newest first by
/// `(opened_at, id)` descending. A page asked for with a cursor holds only alerts
/// strictly older than it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertCursor {
    /// `opened_at` of the last alert of the previous page.
    pub opened_at: DateTime<Utc>,
    /// `id` of the last alert of the previous page.
    pub id: AlertId,
}
