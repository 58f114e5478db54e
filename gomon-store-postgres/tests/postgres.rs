//! PostgreSQL-specific behaviour, beyond the conformance suite: migrations,
//! races between processes, big batches, rollup exactness, retention, errors.

mod support;

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use gomon_core::conformance::{at, monitor, result};
use gomon_core::{
    Alert, AlertId, Error, MonitorId, MonitorSpec, ProbeError, ProbeOutcome, ProbeResult, Store,
    TimeRange, UserId,
};
use gomon_store_postgres::{MIGRATOR, PostgresStore, Pruned, Retention};
use sqlx::PgPool;
use support::TestDb;
use tokio_util::sync::CancellationToken;

async fn count(pool: &PgPool, sql: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(sql).fetch_one(pool).await.expect(sql);
    n
}

async fn new_monitor(store: &PostgresStore, name: &str) -> MonitorId {
    let m = monitor(UserId::new(), name);
    store.create_monitor(&m).await.expect("create monitor");
    m.id()
}

/// A small deterministic generator, so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

#[tokio::test]
async fn migrations_apply_to_an_empty_database_and_reapply_as_no_ops() {
    let db = TestDb::new().await;
    let pool = db.pool().await;
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
        )
        .await,
        0,
        "the database starts empty"
    );
    let store = PostgresStore::from_pool(pool.clone())
        .await
        .expect("first start");
    let tables = "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'
                  AND tablename IN ('users', 'monitors', 'results', 'results_hourly', 'alerts')";
    assert_eq!(count(&pool, tables).await, 5);
    // A restart re-applies nothing and keeps the data.
    let id = new_monitor(&store, "kept").await;
    MIGRATOR.run(&pool).await.expect("re-run");
    let again = PostgresStore::from_pool(pool.clone())
        .await
        .expect("second start");
    assert_eq!(again.monitor(id).await.expect("still there").id(), id);
    let applied = count(&pool, "SELECT count(*) FROM _sqlx_migrations").await;
    assert_eq!(applied, MIGRATOR.iter().count() as i64);
    let files = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
        .expect("migrations dir")
        .count();
    assert_eq!(
        applied, files as i64,
        "every file of migrations/ is embedded"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn processes_starting_at_once_migrate_once() {
    let db = TestDb::new().await;
    // Separate pools stand for separate processes; sqlx's advisory lock serialises them.
    let mut starts = Vec::new();
    for _ in 0..4 {
        let pool = db.pool().await;
        starts.push(tokio::spawn(PostgresStore::from_pool(pool)));
    }
    for start in starts {
        start.await.expect("join").expect("every start succeeds");
    }
    let pool = db.pool().await;
    let applied = count(&pool, "SELECT count(*) FROM _sqlx_migrations WHERE success").await;
    assert_eq!(applied, MIGRATOR.iter().count() as i64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_racing_to_open_an_alert_open_exactly_one() {
    let db = TestDb::new().await;
    let (a, b) = (db.store().await, db.store().await);
    let id = new_monitor(&a, "contested").await;
    for round in 0..20 {
        let alert = |t: i64| Alert {
            id: AlertId::new(),
            monitor: id,
            opened_at: at(t),
            resolved_at: None,
            failures: 3,
            last_outcome: ProbeOutcome::Status(503),
        };
        let (first, second) = (alert(round * 100), alert(round * 100));
        let (ra, rb) = tokio::join!(a.open_alert(&first), b.open_alert(&second));
        let conflicts = [&ra, &rb]
            .iter()
            .filter(|r| matches!(r, Err(Error::Conflict(_))))
            .count();
        assert!(
            ra.is_ok() != rb.is_ok() && conflicts == 1,
            "round {round}: {ra:?} {rb:?}"
        );
        let open = a.open_alerts().await.expect("open alerts");
        assert_eq!(open.len(), 1, "round {round}");
        a.resolve_alert(open[0].id, at(round * 100 + 50))
            .await
            .expect("resolve");
    }
    assert_eq!(a.list_alerts(id, None, 100).await.expect("list").len(), 20);
}

#[tokio::test]
async fn a_100_000_result_batch_is_one_statement_and_a_retry_counts_nothing_twice() {
    let db = TestDb::new().await;
    let store = db.store().await;
    let id = new_monitor(&store, "bulk").await;
    // 100 000 probes 100 ms apart: about 2.8 hours, so the rollup spans 3-4 hours.
    let batch: Vec<ProbeResult> = (0..100_000)
        .map(|i| ProbeResult {
            monitor: id,
            started_at: at(0) + TimeDelta::milliseconds(100 * i),
            latency: Duration::from_micros(1000 + (i as u64 % 1000)),
            outcome: if i % 10 == 0 {
                ProbeOutcome::Error(ProbeError::Timeout)
            } else {
                ProbeOutcome::Status(200)
            },
        })
        .collect();
    store.record_results(&batch).await.expect("record 100k");
    store.record_results(&batch).await.expect("retry 100k");
    let pool = store.pool();
    assert_eq!(count(pool, "SELECT count(*) FROM results").await, 100_000);
    let rollup_total = "SELECT (sum(successes) + sum(failures))::bigint FROM results_hourly";
    assert_eq!(
        count(pool, rollup_total).await,
        100_000,
        "the retry added nothing to the rollup"
    );
    let stats = store
        .stats(id, TimeRange::new(at(0), at(100_000)))
        .await
        .expect("stats");
    assert_eq!((stats.successes, stats.failures), (90_000, 10_000));
    let latency: Duration = batch.iter().map(|r| r.latency).sum();
    assert_eq!(stats.total_latency, latency);
}

#[tokio::test]
async fn rollup_stats_equal_a_brute_force_count_for_any_range() {
    let db = TestDb::new().await;
    let store = db.store().await;
    let id = new_monitor(&store, "exact").await;
    let other = new_monitor(&store, "noise").await;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    // Six hours of probes at random microseconds, with some exactly on hour
    // boundaries and one microsecond either side of them.
    let span_us = 6 * 3_600_000_000_u64;
    let mut probes: Vec<ProbeResult> = (0..3000)
        .map(|_| {
            let t = at(0) + TimeDelta::microseconds(rng.below(span_us) as i64);
            let outcome = match rng.below(4) {
                0 => ProbeOutcome::Status(503),
                1 => ProbeOutcome::Error(ProbeError::Connect),
                _ => ProbeOutcome::Status(200),
            };
            ProbeResult {
                monitor: id,
                started_at: t,
                latency: Duration::from_micros(rng.below(5_000_000)),
                outcome,
            }
        })
        .collect();
    let us = TimeDelta::microseconds(1);
    for h in 0..=6 {
        for t in [at(h * 3600) - us, at(h * 3600), at(h * 3600) + us] {
            probes.push(result(id, t, ProbeOutcome::Status(500)));
        }
    }
    // Recorded in overlapping chunks (retries), plus another monitor's results.
    for chunk in probes.chunks(700) {
        store.record_results(chunk).await.expect("record");
        store
            .record_results(&chunk[..chunk.len() / 2])
            .await
            .expect("partial retry");
    }
    let noise: Vec<_> = probes
        .iter()
        .map(|p| ProbeResult {
            monitor: other,
            ..p.clone()
        })
        .collect();
    store.record_results(&noise).await.expect("noise");

    // The truth: first write wins per started_at, as in the store.
    let mut truth = std::collections::BTreeMap::new();
    for p in &probes {
        truth.entry(p.started_at).or_insert(p);
    }
    let brute = |start: DateTime<Utc>, end: DateTime<Utc>| {
        let (mut ok, mut failed, mut latency) = (0, 0, Duration::ZERO);
        for p in truth
            .values()
            .filter(|p| start <= p.started_at && p.started_at < end)
        {
            if p.is_failure() {
                failed += 1;
            } else {
                ok += 1;
            }
            latency += p.latency;
        }
        (ok, failed, latency)
    };
    let mut edges: Vec<DateTime<Utc>> = Vec::new();
    for h in -1..=7 {
        edges.extend([
            at(h * 3600) - us,
            at(h * 3600),
            at(h * 3600) + us,
            at(h * 3600 + 1800),
        ]);
    }
    let mut ranges: Vec<(DateTime<Utc>, DateTime<Utc>)> = Vec::new();
    for &s in &edges {
        for &e in &edges {
            ranges.push((s, e));
        }
    }
    for _ in 0..200 {
        let s = at(-600) + TimeDelta::microseconds(rng.below(span_us + 1_200_000_000) as i64);
        let e = s + TimeDelta::microseconds(rng.below(span_us) as i64);
        ranges.push((s, e));
    }
    for (start, end) in ranges {
        let stats = store
            .stats(id, TimeRange::new(start, end))
            .await
            .expect("stats");
        let (ok, failed, latency) = if start < end {
            brute(start, end)
        } else {
            (0, 0, Duration::ZERO)
        };
        assert_eq!(
            (stats.successes, stats.failures, stats.total_latency),
            (ok, failed, latency),
            "range [{start}, {end})"
        );
    }
}

#[tokio::test]
async fn retention_removes_only_what_is_past_its_horizon() {
    let db = TestDb::new().await;
    let store = db.store().await;
    let id = new_monitor(&store, "aging").await;
    let now = at(0);
    let day = 24 * 3600;
    // One result per hour at :30 from 40 days ago to now.
    let batch: Vec<_> = (0..40 * 24)
        .map(|h| result(id, at(-h * 3600 - 1800), ProbeOutcome::Status(200)))
        .collect();
    store.record_results(&batch).await.expect("record");
    let pool = store.pool().clone();
    let policy = Retention {
        results: Duration::from_secs(30 * day as u64),
        rollups: Duration::from_secs(35 * day as u64),
        chunk: 7,
        ..Retention::default()
    };
    let pruned = store.prune(&policy, now).await.expect("prune");
    // Results at -30 d - 30 min and older go: 10 days of them. Rollup hours that
    // began before -35 d go: 5 days of them.
    assert_eq!(
        pruned,
        Pruned {
            results: 10 * 24,
            rollups: 5 * 24
        }
    );
    assert_eq!(count(&pool, "SELECT count(*) FROM results").await, 30 * 24);
    assert_eq!(
        count(&pool, "SELECT count(*) FROM results_hourly").await,
        35 * 24
    );
    let (newest_gone,): (Option<DateTime<Utc>>,) =
        sqlx::query_as("SELECT max(started_at) FROM results WHERE started_at < $1")
            .bind(at(-30 * day))
            .fetch_one(&pool)
            .await
            .expect("query");
    assert_eq!(newest_gone, None, "nothing older than the horizon is left");
    // Whole hours between the two horizons are still answered from the rollup.
    let from_rollup = store
        .stats(id, TimeRange::new(at(-33 * day), at(-32 * day)))
        .await
        .expect("stats");
    assert_eq!(from_rollup.successes, 24);
    // A second pass has nothing left to do.
    assert_eq!(
        store.prune(&policy, now).await.expect("again"),
        Pruned::default()
    );
}

#[tokio::test]
async fn the_retention_task_stops_when_cancelled() {
    let db = TestDb::new().await;
    let store = db.store().await;
    let cancel = CancellationToken::new();
    let task = tokio::spawn(
        store
            .clone()
            .run_retention(Retention::default(), cancel.clone()),
    );
    cancel.cancel();
    tokio::time::timeout(Duration::from_secs(30), task)
        .await
        .expect("stops")
        .expect("no panic");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_monitor_while_its_results_are_ingested_leaves_no_orphans() {
    let db = TestDb::new().await;
    let (writer, deleter) = (db.store().await, db.store().await);
    for round in 0..10 {
        let id = new_monitor(&writer, &format!("m{round}")).await;
        let batches: Vec<Vec<ProbeResult>> = (0..20)
            .map(|b| {
                (0..500)
                    .map(|i| result(id, at(b * 500 + i), ProbeOutcome::Status(200)))
                    .collect()
            })
            .collect();
        let ingest = tokio::spawn({
            let writer = writer.clone();
            async move {
                for batch in batches {
                    writer.record_results(&batch).await.expect("record");
                }
            }
        });
        tokio::time::sleep(Duration::from_millis(5 * round)).await;
        deleter.delete_monitor(id).await.expect("delete");
        ingest.await.expect("join");
    }
    let pool = writer.pool();
    let orphans = "SELECT count(*) FROM results r
                   WHERE NOT EXISTS (SELECT 1 FROM monitors m WHERE m.id = r.monitor_id)";
    assert_eq!(count(pool, orphans).await, 0);
    let orphan_hours = "SELECT count(*) FROM results_hourly r
                        WHERE NOT EXISTS (SELECT 1 FROM monitors m WHERE m.id = r.monitor_id)";
    assert_eq!(count(pool, orphan_hours).await, 0);
}

#[tokio::test]
async fn monitors_keep_microsecond_durations_and_byte_ordered_names() {
    let db = TestDb::new().await;
    let store = db.store().await;
    let owner = UserId::LOCAL;
    let m = MonitorSpec::new("fast", "http://127.0.0.1:9/", 0)
        .with_timeout(Duration::from_micros(1500))
        .build_with(MonitorId::new(), at(0) + TimeDelta::microseconds(7))
        .expect("valid");
    store.create_monitor(&m).await.expect("create");
    assert_eq!(store.monitor(m.id()).await.expect("get"), m);
    for name in ["b", "B", "a", "_", "Z9"] {
        store
            .create_monitor(&monitor(owner, name))
            .await
            .expect("create");
    }
    let names: Vec<String> = store
        .list_monitors(owner, None, 10)
        .await
        .expect("list")
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    assert_eq!(
        names,
        ["B", "Z9", "_", "a", "b", "fast"],
        "byte order, as MemoryStore"
    );
}

#[tokio::test]
async fn an_unreachable_server_is_unavailable() {
    let db = TestDb::new().await;
    // Nothing listens on port 1.
    let lazy = sqlx::postgres::PgPoolOptions::new()
        .acquire_timeout(Duration::from_secs(2))
        .connect_lazy_with(db.options().port(1));
    let err = PostgresStore::from_pool(lazy).await.expect_err("no server");
    assert!(err.is_transient(), "{err:?}");
    assert!(
        std::error::Error::source(&err).is_some(),
        "the sqlx error is kept"
    );
}

#[tokio::test]
async fn a_lost_connection_is_unavailable_and_the_retry_succeeds() {
    let db = TestDb::new().await;
    // One connection, not pinged before use: the next call runs on the dead one.
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .test_before_acquire(false)
        .connect_with(db.options())
        .await
        .expect("connect");
    let store = PostgresStore::from_pool(pool).await.expect("migrate");
    let id = new_monitor(&store, "lost").await;
    let (pid,): (i32,) = sqlx::query_as("SELECT pg_backend_pid()")
        .fetch_one(store.pool())
        .await
        .expect("pid");
    let admin = db.pool().await;
    sqlx::query("SELECT pg_terminate_backend($1)")
        .bind(pid)
        .execute(&admin)
        .await
        .expect("terminate");
    while count(
        &admin,
        &format!("SELECT count(*) FROM pg_stat_activity WHERE pid = {pid}"),
    )
    .await
        > 0
    {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    let batch = [result(id, at(1), ProbeOutcome::Status(503))];
    let err = store
        .record_results(&batch)
        .await
        .expect_err("connection lost");
    assert!(
        err.is_transient(),
        "the recorder must retry, not drop: {err:?}"
    );
    store
        .record_results(&batch)
        .await
        .expect("the retry reconnects");
    let stats = store
        .stats(id, TimeRange::new(at(0), at(2)))
        .await
        .expect("stats");
    assert_eq!(stats.failures, 1);
}

#[tokio::test]
async fn duplicates_within_one_batch_count_once() {
    let db = TestDb::new().await;
    let store = db.store().await;
    let id = new_monitor(&store, "dup").await;
    let r = result(id, at(5), ProbeOutcome::Status(503));
    store
        .record_results(&[r.clone(), r.clone(), r])
        .await
        .expect("record");
    let stats = store
        .stats(id, TimeRange::new(at(0), at(10)))
        .await
        .expect("stats");
    assert_eq!(stats.total(), 1);
    // The rollup agrees: a range of whole hours is read from it alone.
    let hours = store
        .stats(id, TimeRange::new(at(0), at(3600)))
        .await
        .expect("stats");
    assert_eq!(hours.total(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_overlapping_batches_count_every_probe_once() {
    let db = TestDb::new().await;
    let (a, b) = (db.store().await, db.store().await);
    let mut ids = Vec::new();
    for i in 0..50 {
        ids.push(new_monitor(&a, &format!("m{i}")).await);
    }
    // Both writers send the same probes, in opposite orders, so that they wait
    // on each other's rows: every call must either succeed or fail transiently
    // (a deadlock the server broke), and a retry must then succeed.
    let probes: Vec<ProbeResult> = (0..40)
        .flat_map(|t| {
            ids.iter()
                .map(move |&id| result(id, at(t * 60), ProbeOutcome::Status(200)))
        })
        .collect();
    let reversed: Vec<ProbeResult> = probes.iter().rev().cloned().collect();
    let write = |store: PostgresStore, batch: Vec<ProbeResult>| async move {
        for chunk in batch.chunks(400) {
            loop {
                match store.record_results(chunk).await {
                    Ok(()) => break,
                    Err(e) if e.is_transient() => continue,
                    Err(e) => panic!("not transient: {e:?}"),
                }
            }
        }
    };
    let (ra, rb) = tokio::join!(
        tokio::spawn(write(a.clone(), probes.clone())),
        tokio::spawn(write(b.clone(), reversed))
    );
    ra.expect("writer a");
    rb.expect("writer b");
    for &id in &ids {
        let stats = a
            .stats(id, TimeRange::new(at(0), at(3 * 3600)))
            .await
            .expect("stats");
        assert_eq!(
            stats.successes, 40,
            "rollup and raw rows count each probe once"
        );
    }
    let pool = a.pool();
    assert_eq!(count(pool, "SELECT count(*) FROM results").await, 50 * 40);
}
