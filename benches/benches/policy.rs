//! `AlertPolicy::observe` per second: one monitor probed every 10 s with a
//! 5-minute window and threshold 3, where one probe in 20 fails, so alerts
//! open and resolve now and then and the failure window is never empty for long.
// criterion_group! generates a public function without docs.
#![allow(missing_docs)]

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use gomon_core::{AlertPolicy, MonitorId, ProbeOutcome, ProbeResult};

const RESULTS: usize = 10_000;

fn results() -> Vec<ProbeResult> {
    let monitor = MonitorId::new();
    let t0 = DateTime::<Utc>::UNIX_EPOCH + TimeDelta::days(20_000);
    (0..RESULTS)
        .map(|i| ProbeResult {
            monitor,
            started_at: t0 + TimeDelta::seconds(10 * i as i64),
            latency: Duration::from_millis(3),
            // Failures come in bursts of 4 every 80 probes: each burst opens an
            // alert, and the clean stretch after it resolves it.
            outcome: if i % 80 < 4 {
                ProbeOutcome::Status(503)
            } else {
                ProbeOutcome::Status(200)
            },
        })
        .collect()
}

fn observe(c: &mut Criterion) {
    let results = results();
    let mut group = c.benchmark_group("alert_policy");
    group.throughput(Throughput::Elements(RESULTS as u64));
    group.bench_function("observe_10k", |b| {
        b.iter_batched_ref(
            || AlertPolicy::new(3, Duration::from_secs(300)),
            |policy| {
                let mut changes = 0usize;
                for r in &results {
                    changes += usize::from(policy.observe(r).is_some());
                }
                std::hint::black_box(changes)
            },
            BatchSize::SmallInput,
        );
    });
    group.finish();
}

criterion_group!(benches, observe);
criterion_main!(benches);
