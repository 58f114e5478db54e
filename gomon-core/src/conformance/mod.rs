//! The Store conformance suite: what every [`Store`](crate::Store) backend must pass.
//!
//! Each case is a plain async function taking `&dyn Store` that is empty when
//! the case starts; it panics with a message when the backend breaks the
//! contract. Timestamps are explicit and whole microseconds, the precision every
//! backend must keep. Run the whole suite with [`conformance_tests!`](crate::conformance_tests):
//!
//! ```ignore
//! async fn new_store() -> std::sync::Arc<dyn gomon_core::Store> {
//!     std::sync::Arc::new(MyStore::new())
//! }
//! gomon_core::conformance_tests!(new_store);
//! ```

mod alerts;
mod monitors;
mod results;
mod users;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};

use crate::model::{Monitor, MonitorId, MonitorSpec, ProbeOutcome, ProbeResult, UserId};

pub use alerts::*;
pub use monitors::*;
pub use results::*;
pub use users::*;

/// Generates one `#[tokio::test]` per conformance case, each on a store made by
/// the given async function (`async fn() -> Arc<dyn Store>` or any `Arc<S: Store>`).
#[macro_export]
macro_rules! conformance_tests {
    ($new_store:path) => {
        $crate::conformance_tests!(@cases $new_store;
            users_are_created_and_found,
            duplicate_usernames_conflict,
            monitors_round_trip,
            unknown_monitors_are_not_found,
            monitor_names_are_unique_per_owner,
            owners_see_only_their_monitors,
            monitor_lists_are_ordered_and_paginated,
            all_monitors_spans_every_owner,
            monitors_update_and_rename,
            deleting_a_monitor_deletes_its_results_and_alerts,
            stats_count_by_the_failure_rule,
            stats_windows_include_start_and_exclude_end,
            stats_of_an_unknown_monitor_are_not_found,
            recording_is_idempotent,
            duplicates_within_a_batch_count_once,
            results_of_deleted_monitors_are_discarded,
            empty_batches_are_accepted,
            a_batch_of_100_000_results_is_stored_exactly,
            failures_since_lists_failures_oldest_first,
            alerts_open_list_and_resolve,
            a_monitor_has_at_most_one_open_alert,
            alerts_of_unknown_monitors_are_not_found,
            alert_lists_are_newest_first_and_paginated,
        );
    };
    (@cases $new_store:path; $($case:ident),+ $(,)?) => {
        $(
            #[tokio::test]
            async fn $case() {
                let store = $new_store().await;
                $crate::conformance::$case(&*store).await;
            }
        )+
    };
}

/// 2026-01-01T00:00:00Z: the fixed origin of every timestamp in the suite.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .single()
        .expect("valid date")
}

/// `t0() + seconds`.
pub fn at(seconds: i64) -> DateTime<Utc> {
    t0() + TimeDelta::seconds(seconds)
}

/// A valid monitor of `owner` named `name`, created at `t0()`.
pub fn monitor(owner: UserId, name: &str) -> Monitor {
    MonitorSpec::new(name, format!("http://127.0.0.1:9/{name}"), 2)
        .with_owner(owner)
        .build_with(MonitorId::new(), t0())
        .expect("valid monitor")
}

/// A result of `monitor` started at `started_at` with `outcome` and 1.5 ms latency.
pub fn result(monitor: MonitorId, started_at: DateTime<Utc>, outcome: ProbeOutcome) -> ProbeResult {
    ProbeResult {
        monitor,
        started_at,
        latency: std::time::Duration::from_micros(1500),
        outcome,
    }
}
