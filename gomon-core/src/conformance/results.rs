//! Conformance cases for probe results and stats.

use std::time::Duration;

use chrono::TimeDelta;

use super::{at, monitor, result};
use crate::model::{MonitorId, ProbeError, ProbeOutcome, ProbeResult, TimeRange, UserId};
use crate::{Error, Store};

async fn new_monitor(store: &dyn Store, name: &str) -> MonitorId {
    let m = monitor(UserId::new(), name);
    store.create_monitor(&m).await.expect("create monitor");
    m.id()
}

/// 1xx–4xx count as successes; 5xx and every error as failures; latencies add up.
pub async fn stats_count_by_the_failure_rule(store: &dyn Store) {
    let id = new_monitor(store, "rule").await;
    let outcomes = [
        ProbeOutcome::Status(200),
        ProbeOutcome::Status(101),
        ProbeOutcome::Status(302),
        ProbeOutcome::Status(404),
        ProbeOutcome::Status(499),
        ProbeOutcome::Status(500),
        ProbeOutcome::Status(503),
        ProbeOutcome::Error(ProbeError::Timeout),
        ProbeOutcome::Error(ProbeError::Connect),
        ProbeOutcome::Error(ProbeError::Dns),
        ProbeOutcome::Error(ProbeError::Tls),
        ProbeOutcome::Error(ProbeError::RedirectLoop),
        ProbeOutcome::Error(ProbeError::Other),
    ];
    let batch: Vec<ProbeResult> = outcomes
        .iter()
        .enumerate()
        .map(|(i, &outcome)| ProbeResult {
            monitor: id,
            started_at: at(i as i64),
            latency: Duration::from_micros(1000 * (i as u64 + 1) + 7),
            outcome,
        })
        .collect();
    store.record_results(&batch).await.expect("record");
    let stats = store
        .stats(id, TimeRange::new(at(0), at(100)))
        .await
        .expect("stats");
    assert_eq!((stats.successes, stats.failures), (5, 8), "{stats:?}");
    let expected_latency: Duration = batch.iter().map(|r| r.latency).sum();
    assert_eq!(stats.total_latency, expected_latency);
}

/// `[start, end)`: a probe at `start` counts, one at `end` does not, down to the microsecond.
pub async fn stats_windows_include_start_and_exclude_end(store: &dyn Store) {
    let id = new_monitor(store, "edges").await;
    let other = new_monitor(store, "other").await;
    let us = TimeDelta::microseconds(1);
    let (start, end) = (at(100), at(200));
    let ok = ProbeOutcome::Status(200);
    let batch = [
        result(id, start - us, ok),
        result(id, start, ok),
        result(id, start + us, ok),
        result(id, end - us, ProbeOutcome::Status(500)),
        result(id, end, ok),
        result(id, end + us, ok),
        result(other, start, ok),
    ];
    store.record_results(&batch).await.expect("record");
    let stats = store
        .stats(id, TimeRange::new(start, end))
        .await
        .expect("stats");
    assert_eq!((stats.successes, stats.failures), (2, 1), "{stats:?}");
    let empty = store
        .stats(id, TimeRange::new(start, start))
        .await
        .expect("empty range");
    assert_eq!(empty.total(), 0);
    let before = store
        .stats(id, TimeRange::new(at(0), start))
        .await
        .expect("before");
    assert_eq!(before.total(), 1);
}

/// Stats of a monitor that does not exist are `NotFound`, not zeros.
pub async fn stats_of_an_unknown_monitor_are_not_found(store: &dyn Store) {
    let err = store
        .stats(MonitorId::new(), TimeRange::new(at(0), at(10)))
        .await
        .expect_err("unknown monitor");
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
}

/// A batch recorded twice (a retry) counts each probe once.
pub async fn recording_is_idempotent(store: &dyn Store) {
    let id = new_monitor(store, "retry").await;
    let batch: Vec<_> = (0..10)
        .map(|i| {
            result(
                id,
                at(i),
                ProbeOutcome::Status(if i < 3 { 502 } else { 200 }),
            )
        })
        .collect();
    store.record_results(&batch).await.expect("first");
    store.record_results(&batch).await.expect("retry");
    store
        .record_results(&batch[5..])
        .await
        .expect("partial retry");
    let stats = store
        .stats(id, TimeRange::new(at(0), at(10)))
        .await
        .expect("stats");
    assert_eq!((stats.successes, stats.failures), (7, 3));
    assert_eq!(
        store.failures_since(at(0)).await.expect("failures").len(),
        3
    );
}

/// The same probe twice in one batch is counted once.
pub async fn duplicates_within_a_batch_count_once(store: &dyn Store) {
    let id = new_monitor(store, "dupes").await;
    let failed = result(id, at(5), ProbeOutcome::Status(500));
    let batch = [
        failed.clone(),
        result(id, at(6), ProbeOutcome::Status(200)),
        failed.clone(),
        failed,
    ];
    store.record_results(&batch).await.expect("record");
    let stats = store
        .stats(id, TimeRange::new(at(0), at(10)))
        .await
        .expect("stats");
    assert_eq!((stats.successes, stats.failures), (1, 1), "{stats:?}");
    assert_eq!(
        store.failures_since(at(0)).await.expect("failures").len(),
        1
    );
}

/// Results whose monitor is gone are dropped; the rest of the batch is stored.
pub async fn results_of_deleted_monitors_are_discarded(store: &dyn Store) {
    let kept = new_monitor(store, "kept").await;
    let gone = new_monitor(store, "gone").await;
    store.delete_monitor(gone).await.expect("delete");
    let batch = [
        result(kept, at(1), ProbeOutcome::Status(200)),
        result(gone, at(1), ProbeOutcome::Status(500)),
        result(MonitorId::new(), at(1), ProbeOutcome::Status(500)),
        result(kept, at(2), ProbeOutcome::Status(500)),
    ];
    store.record_results(&batch).await.expect("record");
    let stats = store
        .stats(kept, TimeRange::new(at(0), at(10)))
        .await
        .expect("stats");
    assert_eq!((stats.successes, stats.failures), (1, 1));
    let failures = store.failures_since(at(0)).await.expect("failures");
    assert_eq!(
        failures.iter().map(|r| r.monitor).collect::<Vec<_>>(),
        [kept]
    );
}

/// An empty batch is a no-op, not an error.
pub async fn empty_batches_are_accepted(store: &dyn Store) {
    store.record_results(&[]).await.expect("empty batch");
}

/// 100 000 results in one call (GoMon crashed past ~9 300) are all counted.
pub async fn a_batch_of_100_000_results_is_stored_exactly(store: &dyn Store) {
    const MONITORS: usize = 10;
    const PER_MONITOR: usize = 10_000;
    let mut ids = Vec::new();
    for i in 0..MONITORS {
        ids.push(new_monitor(store, &format!("bulk{i}")).await);
    }
    let batch: Vec<ProbeResult> = (0..PER_MONITOR)
        .flat_map(|i| {
            ids.iter().map(move |&id| ProbeResult {
                monitor: id,
                started_at: at(i as i64),
                latency: Duration::from_millis(2),
                // Every 7th probe fails.
                outcome: ProbeOutcome::Status(if i % 7 == 0 { 503 } else { 200 }),
            })
        })
        .collect();
    assert_eq!(batch.len(), 100_000);
    store.record_results(&batch).await.expect("record 100k");
    let expected_failures = (0..PER_MONITOR).filter(|i| i % 7 == 0).count() as u64;
    for id in ids {
        let stats = store
            .stats(id, TimeRange::new(at(0), at(PER_MONITOR as i64)))
            .await
            .expect("stats");
        assert_eq!(stats.failures, expected_failures);
        assert_eq!(stats.successes, PER_MONITOR as u64 - expected_failures);
        assert_eq!(
            stats.total_latency,
            Duration::from_millis(2 * PER_MONITOR as u64)
        );
    }
}

/// Failures from `since` (inclusive) of every monitor, oldest first, read back exactly.
pub async fn failures_since_lists_failures_oldest_first(store: &dyn Store) {
    let a = new_monitor(store, "a").await;
    let b = new_monitor(store, "b").await;
    let batch = [
        result(a, at(30), ProbeOutcome::Error(ProbeError::Timeout)),
        result(b, at(10), ProbeOutcome::Status(500)),
        result(a, at(9), ProbeOutcome::Status(503)),
        result(b, at(20), ProbeOutcome::Status(200)),
        result(a, at(15), ProbeOutcome::Error(ProbeError::RedirectLoop)),
    ];
    store.record_results(&batch).await.expect("record");
    let failures = store.failures_since(at(10)).await.expect("failures");
    assert_eq!(
        failures,
        vec![batch[1].clone(), batch[4].clone(), batch[0].clone()],
        "since is inclusive, successes and older failures are left out"
    );
    assert!(store.failures_since(at(31)).await.expect("none").is_empty());
}
