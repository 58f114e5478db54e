//! The scheduler under paused tokio time with a fake prober: spread, drift,
//! overlaps, changes while running, and shutdown.

mod support;

use std::sync::Arc;
use std::time::Duration;

use gomon_core::{Gomon, MonitorSpec, Store, TimeRange};
use gomon_store_memory::MemoryStore;
use support::FakeProbe;
use tokio::time::{Instant, sleep};

fn spec(name: &str, interval_secs: u64) -> MonitorSpec {
    MonitorSpec::new(name, format!("http://127.0.0.1:9/{name}"), 0)
        .with_interval(Duration::from_secs(interval_secs))
        .with_timeout(Duration::from_millis(500))
        .with_window(Duration::from_secs(interval_secs * 5))
}

async fn start(probe: Arc<FakeProbe>, store: Arc<dyn Store>) -> Gomon {
    support::spawn(store, probe).await
}

#[tokio::test(start_paused = true)]
async fn ten_thousand_monitors_spread_across_the_interval() {
    const MONITORS: usize = 10_000;
    const INTERVAL: u64 = 60;
    let probe = FakeProbe::ok(support::clock());
    let gomon = start(probe.clone(), Arc::new(MemoryStore::new())).await;
    let t0 = Instant::now();
    let mut ids = Vec::new();
    for i in 0..MONITORS {
        ids.push(
            gomon
                .add(spec(&format!("m{i}"), INTERVAL))
                .await
                .expect("add")
                .id(),
        );
    }
    let interval = Duration::from_secs(INTERVAL);
    sleep(interval + Duration::from_millis(100)).await;

    let mut per_second = vec![0usize; INTERVAL as usize + 1];
    for id in ids {
        let starts = probe.starts(id);
        // The timer wheel has millisecond slots: allow that much past the interval.
        let first = starts.first().expect("probed").duration_since(t0);
        assert!(
            first < interval + Duration::from_millis(2),
            "first probe at {first:?}"
        );
        if let [a, b] = starts[..] {
            assert_eq!(b - a, interval);
        } else {
            assert_eq!(starts.len(), 1, "once in its first interval");
        }
        per_second[(first.as_secs() as usize).min(INTERVAL as usize - 1)] += 1;
    }
    let fair = MONITORS / INTERVAL as usize;
    let busiest = per_second.iter().copied().max().unwrap_or(0);
    assert!(
        busiest <= 2 * fair,
        "busiest second had {busiest} probes, fair share {fair}"
    );
    gomon.shutdown().await.expect("shutdown");
}

#[tokio::test(start_paused = true)]
async fn deadlines_do_not_drift_over_1000_intervals() {
    const INTERVAL: Duration = Duration::from_secs(10);
    // Probes take 3 s: a schedule of "previous end + interval" would drift 3 s a probe.
    let clock = support::clock();
    let probe = FakeProbe::new(clock.clone(), Duration::from_secs(3), |_, _| {
        gomon_core::ProbeOutcome::Status(200)
    });
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let gomon = start(probe.clone(), store.clone()).await;
    let m = gomon.add(spec("steady", 10)).await.expect("add");
    sleep(INTERVAL * 1001).await;

    let starts = probe.starts(m.id());
    assert!(starts.len() > 1000, "{} probes", starts.len());
    for (k, s) in starts.iter().enumerate().take(1001) {
        assert_eq!(
            s.duration_since(starts[0]),
            INTERVAL * k as u32,
            "probe {k} drifted"
        );
    }
    gomon.shutdown().await.expect("shutdown");
}

#[tokio::test(start_paused = true)]
async fn a_slow_probe_causes_skips_not_overlaps() {
    // Each probe takes 2.5 intervals: two of every three deadlines find it running.
    let probe = FakeProbe::new(support::clock(), Duration::from_millis(2500), |_, _| {
        gomon_core::ProbeOutcome::Status(200)
    });
    let gomon = start(probe.clone(), Arc::new(MemoryStore::new())).await;
    let m = gomon.add(spec("slow", 1)).await.expect("add");
    sleep(Duration::from_secs(30)).await;

    assert_eq!(
        probe.max_in_flight_per_monitor(),
        1,
        "never two probes of one monitor"
    );
    let starts = probe.starts(m.id());
    let metrics = gomon.metrics();
    assert!(
        (9..=11).contains(&starts.len()),
        "{} probes in 30 s",
        starts.len()
    );
    assert!(metrics.probes_skipped >= 18, "{metrics:?}");
    // Probes start on the grid, 3 s apart (the deadline after the running one ends).
    for pair in starts.windows(2) {
        assert_eq!(pair[1] - pair[0], Duration::from_secs(3));
    }
    gomon.shutdown().await.expect("shutdown");
}

#[tokio::test(start_paused = true)]
async fn monitors_can_be_added_updated_and_removed_while_running() {
    let probe = FakeProbe::ok(support::clock());
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let gomon = start(probe.clone(), store.clone()).await;
    let a = gomon.add(spec("a", 1)).await.expect("add a");
    sleep(Duration::from_secs(10)).await;

    let b = gomon.add(spec("b", 2)).await.expect("add b");
    gomon.remove(a.id()).await.expect("remove a");
    let removed_at = Instant::now();
    sleep(Duration::from_secs(10)).await;

    let a_starts = probe.starts(a.id());
    assert!((9..=11).contains(&a_starts.len()), "{}", a_starts.len());
    assert!(
        a_starts.iter().all(|&s| s <= removed_at),
        "a probed after removal"
    );
    assert!(
        store.monitor(a.id()).await.is_err(),
        "a deleted from the store"
    );
    assert!((4..=6).contains(&probe.starts(b.id()).len()));

    // Halve b's interval: it now probes every second.
    let faster = b
        .updated(b.to_spec().with_interval(Duration::from_secs(1)))
        .expect("valid");
    gomon.update(faster).await.expect("update");
    let before = probe.starts(b.id()).len();
    sleep(Duration::from_secs(10)).await;
    let after = probe.starts(b.id()).len();
    assert!(
        (9..=11).contains(&(after - before)),
        "{} probes in 10 s",
        after - before
    );
    gomon.shutdown().await.expect("shutdown");
}

#[tokio::test(start_paused = true)]
async fn shutdown_flushes_every_result() {
    // Probes take 700 ms, so shutdown always finds some in flight.
    let probe = FakeProbe::new(support::clock(), Duration::from_millis(700), |_, n| {
        gomon_core::ProbeOutcome::Status(if n % 3 == 0 { 500 } else { 200 })
    });
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let gomon = start(probe.clone(), store.clone()).await;
    let mut ids = Vec::new();
    for i in 0..50 {
        ids.push(
            gomon
                .add(spec(&format!("m{i}"), 1))
                .await
                .expect("add")
                .id(),
        );
    }
    sleep(Duration::from_millis(5_350)).await;
    let metrics_before = gomon.metrics();
    gomon.shutdown().await.expect("shutdown");

    let everything = TimeRange::new(
        support::start(),
        support::start() + chrono::TimeDelta::days(1),
    );
    let mut stored = 0;
    for id in ids {
        stored += store.stats(id, everything).await.expect("stats").total();
    }
    assert_eq!(
        stored as usize,
        probe.total(),
        "every probe's result is stored"
    );
    assert!(
        probe.total() as u64 > metrics_before.results_recorded,
        "some were in flight"
    );
}
