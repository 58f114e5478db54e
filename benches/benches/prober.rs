//! Probe throughput of gomon-core's `Prober` against a local target, with a
//! fresh connection per probe and with keep-alive, 64 probes in flight.
//!
//! Target and prober share one process and the machine's cores here; the
//! `gomon-load` harness and `benches/compare.sh` measure them apart, next to wrk.
// criterion_group! generates a public function without docs.
#![allow(missing_docs)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gomon_benches::{monitors, target};
use gomon_core::{ConnectionMode, Probe, Prober, ProberConfig};

const CONCURRENCY: u64 = 64;

fn probe_throughput(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    let cancel = tokio_util::sync::CancellationToken::new();
    let addr = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the target");
        let addr = listener.local_addr().expect("the target's address");
        let stop = cancel.clone();
        tokio::spawn(target::serve(
            listener,
            async move { stop.cancelled().await },
        ));
        addr
    });
    let url = format!("http://{addr}/ok");
    let monitor = Arc::new(monitors(1, &url, Duration::from_secs(60)).remove(0));

    let mut group = c.benchmark_group("probe");
    group.throughput(Throughput::Elements(1));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(5));
    for (name, mode) in [
        ("fresh_c64", ConnectionMode::Fresh),
        ("keepalive_c64", ConnectionMode::KeepAlive),
    ] {
        let prober = Arc::new(
            Prober::new(ProberConfig {
                concurrency: CONCURRENCY as usize,
                connection_mode: mode,
                ..ProberConfig::default()
            })
            .expect("a prober"),
        );
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                runtime.block_on(async {
                    let start = Instant::now();
                    let tasks: Vec<_> = (0..CONCURRENCY)
                        .map(|i| {
                            // Split `iters` probes over the tasks.
                            let n = iters / CONCURRENCY + u64::from(i < iters % CONCURRENCY);
                            let prober = prober.clone();
                            let monitor = monitor.clone();
                            tokio::spawn(async move {
                                for _ in 0..n {
                                    let result = prober.probe(&monitor).await;
                                    assert!(!result.is_failure(), "{result:?}");
                                }
                            })
                        })
                        .collect();
                    for task in tasks {
                        task.await.expect("a probe task");
                    }
                    start.elapsed()
                })
            });
        });
    }
    group.finish();
    cancel.cancel();
}

criterion_group!(benches, probe_throughput);
criterion_main!(benches);
