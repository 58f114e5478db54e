//! `MemoryStore::record_results` per second: batches of 1 000 results (the
//! recorder's default batch) spread over 10 000 monitors, each batch newer than
//! the last, so every result is a real insert and pruning runs as in production.
// criterion_group! generates a public function without docs.
#![allow(missing_docs)]

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use gomon_benches::monitors;
use gomon_core::{MonitorId, ProbeOutcome, ProbeResult, Store};
use gomon_store_memory::MemoryStore;

const MONITORS: usize = 10_000;
const BATCH: usize = 1_000;

fn record_results(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a tokio runtime");
    let store = Arc::new(MemoryStore::new());
    let all = monitors(MONITORS, "http://127.0.0.1/ok", Duration::from_secs(10));
    runtime.block_on(async {
        for m in &all {
            store.create_monitor(m).await.expect("create a monitor");
        }
    });
    let ids: Vec<MonitorId> = all.iter().map(|m| m.id()).collect();
    let t0 = DateTime::<Utc>::UNIX_EPOCH + TimeDelta::days(20_000);
    let next = AtomicI64::new(0);
    let batch = || {
        let n = next.fetch_add(BATCH as i64, Ordering::Relaxed);
        (0..BATCH as i64)
            .map(|i| {
                let k = n + i;
                ProbeResult {
                    monitor: ids[k as usize % MONITORS],
                    // One probe per monitor every 10 s, in order.
                    started_at: t0 + TimeDelta::milliseconds(k),
                    latency: Duration::from_millis(3),
                    outcome: ProbeOutcome::Status(200),
                }
            })
            .collect::<Vec<_>>()
    };

    let mut group = c.benchmark_group("memory_store");
    group.throughput(Throughput::Elements(BATCH as u64));
    group.bench_function("record_results_1000", |b| {
        b.iter_batched(
            batch,
            |results| {
                runtime
                    .block_on(store.record_results(&results))
                    .expect("record");
            },
            BatchSize::SmallInput,
        );
    });
    group.finish();
}

criterion_group!(benches, record_results);
criterion_main!(benches);
