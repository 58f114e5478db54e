//! The recorder under paused time: store outages, backpressure, and restarts
//! that must neither lose nor duplicate an alert.

mod support;

use std::sync::Arc;
use std::time::Duration;

use gomon_core::{
    Event, Gomon, MonitorSpec, ProbeOutcome, ProbeResult, RecorderConfig, Store, TimeRange, UserId,
};
use gomon_store_memory::MemoryStore;
use support::{FakeProbe, FlakyStore};
use tokio::sync::broadcast;
use tokio::time::sleep;
use tokio_util::sync::CancellationToken;

fn spec(name: &str, threshold: u32) -> MonitorSpec {
    MonitorSpec::new(name, format!("http://127.0.0.1:9/{name}"), threshold)
        .with_interval(Duration::from_secs(1))
        .with_timeout(Duration::from_millis(500))
        .with_window(Duration::from_secs(5))
}

/// A 500 of `monitor` that started `seconds_ago` before `now`.
fn failed_probe(
    monitor: gomon_core::MonitorId,
    now: chrono::DateTime<chrono::Utc>,
    seconds_ago: i64,
) -> ProbeResult {
    ProbeResult {
        monitor,
        started_at: now - chrono::TimeDelta::seconds(seconds_ago),
        latency: Duration::from_millis(3),
        outcome: ProbeOutcome::Status(500),
    }
}

fn everything() -> TimeRange {
    TimeRange::new(
        support::start(),
        support::start() + chrono::TimeDelta::days(1),
    )
}

async fn next_event(events: &mut broadcast::Receiver<Event>) -> Event {
    tokio::time::timeout(Duration::from_secs(600), events.recv())
        .await
        .expect("an event within 10 minutes of paused time")
        .expect("event stream open")
}

#[tokio::test(start_paused = true)]
async fn results_survive_a_store_outage_through_backpressure() {
    let store = FlakyStore::new();
    let probe = FakeProbe::ok(support::clock());
    let gomon = Gomon::builder(store.clone())
        .clock(support::clock())
        .probe(probe.clone())
        .recorder_config(RecorderConfig {
            queue_capacity: 16,
            batch_size: 8,
            ..RecorderConfig::default()
        })
        .spawn(CancellationToken::new())
        .await
        .expect("spawn");
    let mut ids = Vec::new();
    for i in 0..10 {
        ids.push(
            gomon
                .add(spec(&format!("m{i}"), 2))
                .await
                .expect("add")
                .id(),
        );
    }
    sleep(Duration::from_secs(3)).await;
    store.set_down(true);
    sleep(Duration::from_secs(30)).await;
    let during = gomon.metrics();
    store.set_down(false);
    sleep(Duration::from_secs(10)).await;
    let metrics = gomon.metrics();
    gomon.shutdown().await.expect("shutdown");

    assert!(during.store_retries > 0, "{during:?}");
    // Without backpressure 10 monitors would have started ~330 probes by now.
    assert!(
        during.probes_started < 100,
        "a full queue held the scheduler back: {during:?}"
    );
    assert!(metrics.deadlines_missed > 0, "{metrics:?}");
    assert_eq!(metrics.results_dropped, 0);
    let mut stored = 0;
    for id in ids {
        stored += store.stats(id, everything()).await.expect("stats").total();
    }
    assert_eq!(
        stored as usize,
        probe.total(),
        "every probe's result was stored"
    );
}

#[tokio::test(start_paused = true)]
async fn a_restart_neither_loses_nor_duplicates_an_alert() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());

    // First run: the target is down, an alert opens.
    let down = FakeProbe::new(support::clock(), Duration::from_millis(5), |_, _| {
        ProbeOutcome::Status(503)
    });
    let first = support::spawn(store.clone(), down).await;
    let mut events = first.subscribe();
    let monitor = first.add(spec("api", 1)).await.expect("add");
    let Event::AlertOpened { alert: opened, .. } = next_event(&mut events).await else {
        panic!("expected an opened alert");
    };
    first.shutdown().await.expect("shutdown");

    // Second run: still down for three probes, then up.
    let recovering = FakeProbe::new(support::clock(), Duration::from_millis(5), |_, n| {
        ProbeOutcome::Status(if n < 3 { 503 } else { 200 })
    });
    let second = support::spawn(store.clone(), recovering).await;
    let mut events = second.subscribe();
    match next_event(&mut events).await {
        Event::AlertResolved { alert, .. } => assert_eq!(alert.id, opened.id),
        other => panic!("expected the first alert to resolve, got {other:?}"),
    }
    second.shutdown().await.expect("shutdown");

    let alerts = store
        .list_alerts(monitor.id(), None, 10)
        .await
        .expect("list");
    assert_eq!(alerts.len(), 1, "one incident, one alert: {alerts:?}");
    assert!(!alerts[0].is_open());
}

#[tokio::test(start_paused = true)]
async fn failures_stored_before_a_crash_open_their_alert_on_start() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let clock = support::clock();
    let monitor = spec("api", 1)
        .with_owner(UserId::LOCAL)
        .build()
        .expect("valid");
    store.create_monitor(&monitor).await.expect("create");
    // Two failures in the window were stored, but the process died before
    // writing the alert they caused.
    let now = clock.now();
    let failure = |seconds_ago| failed_probe(monitor.id(), now, seconds_ago);
    let failures = [failure(2), failure(1)];
    store.record_results(&failures).await.expect("record");

    let gomon = support::spawn(store.clone(), FakeProbe::ok(support::clock())).await;
    sleep(Duration::from_millis(10)).await;
    let open = store.open_alerts().await.expect("open alerts");
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(open[0].opened_at, failures[1].started_at);
    gomon.shutdown().await.expect("shutdown");
}

#[tokio::test(start_paused = true)]
async fn replay_uses_each_monitors_own_window() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let clock = support::clock();
    // A has a 5 s window; B's hour-long window makes the replay reach back an hour.
    let a = spec("a", 1).build().expect("valid");
    let b = spec("b", 1)
        .with_window(Duration::from_secs(3600))
        .build()
        .expect("valid");
    store.create_monitor(&a).await.expect("create a");
    store.create_monitor(&b).await.expect("create b");
    // A's outage a minute ago: three failures, already alerted and resolved.
    let now = clock.now();
    let failure = |seconds_ago| failed_probe(a.id(), now, seconds_ago);
    store
        .record_results(&[failure(62), failure(61), failure(60)])
        .await
        .expect("record");
    let old = gomon_core::Alert {
        id: gomon_core::AlertId::new(),
        monitor: a.id(),
        opened_at: now - chrono::TimeDelta::seconds(61),
        resolved_at: Some(now - chrono::TimeDelta::seconds(55)),
        failures: 2,
        last_outcome: ProbeOutcome::Status(500),
    };
    store.open_alert(&old).await.expect("open");
    store
        .resolve_alert(old.id, old.resolved_at.expect("resolved"))
        .await
        .expect("resolve");

    let gomon = support::spawn(store.clone(), FakeProbe::ok(support::clock())).await;
    sleep(Duration::from_secs(3)).await;
    gomon.shutdown().await.expect("shutdown");

    assert!(store.open_alerts().await.expect("open").is_empty());
    let alerts = store.list_alerts(a.id(), None, 10).await.expect("list");
    assert_eq!(alerts, [old], "the old incident is not alerted again");
}
