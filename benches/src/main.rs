//! `gomon-load`: the load and scale harness of gomon.
//!
//! * `target`: a minimal HTTP server (`/ok` 200, `/fail` 503) for wrk and gomon alike.
//! * `probe`: drives gomon-core's `Prober` as fast as it can.
//! * `schedule`: runs the real scheduler, prober, recorder and alert policy
//!   with many monitors and reports how well it kept to the deadlines.
//!
//! Every run is bounded by `--duration`; traffic goes only to the given URL.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};
use futures_util::StreamExt;
use gomon_benches::{monitors, proc_stats, target};
use gomon_core::{
    ConnectionMode, Gomon, Monitor, Probe, Prober, ProberConfig, RecorderConfig, Store, TimeRange,
};
use gomon_store_memory::MemoryStore;
use gomon_store_postgres::PostgresStore;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

#[derive(Debug, Parser)]
#[command(name = "gomon-load", about = "Load and scale harness of gomon")]
struct Cli {
    /// Tokio worker threads (default: one per core).
    #[arg(long, global = true)]
    threads: Option<usize>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve `/ok` (200) and `/fail` (503) until interrupted or `--duration` passes.
    Target {
        /// Address to listen on (keep it on the loopback).
        #[arg(long, default_value = "127.0.0.1:8181")]
        bind: SocketAddr,
        /// Stop by itself after this long (default 1 h), so no run is unbounded.
        #[arg(long, value_parser = humantime::parse_duration, default_value = "1h")]
        duration: Duration,
    },
    /// Probe one URL from N tasks as fast as possible for D.
    Probe {
        /// The URL to probe, e.g. http://127.0.0.1:8181/ok.
        #[arg(long)]
        url: String,
        /// Probes in flight at once (also the prober's concurrency limit).
        #[arg(long, default_value_t = 64)]
        concurrency: usize,
        /// How long to probe, e.g. 10s.
        #[arg(long, value_parser = humantime::parse_duration, default_value = "10s")]
        duration: Duration,
        /// Reuse connections instead of a fresh one per probe.
        #[arg(long)]
        keep_alive: bool,
    },
    /// Run the real Gomon loop with M monitors of interval I for D.
    Schedule {
        /// Number of monitors.
        #[arg(long, default_value_t = 100_000)]
        monitors: usize,
        /// Interval of every monitor, e.g. 10s.
        #[arg(long, value_parser = humantime::parse_duration, default_value = "10s")]
        interval: Duration,
        /// How long to measure, e.g. 60s.
        #[arg(long, value_parser = humantime::parse_duration, default_value = "60s")]
        duration: Duration,
        /// The URL every monitor probes.
        #[arg(long)]
        url: String,
        /// Where results go.
        #[arg(long, value_enum, default_value_t = StoreKind::Memory)]
        store: StoreKind,
        /// Database for `--store postgres` (it must exist; its results table is only read).
        #[arg(
            long,
            env = "GOMON_LOAD_DATABASE_URL",
            default_value = "postgres://postgres@127.0.0.1:5432/gomon_load"
        )]
        database_url: String,
        /// The prober's concurrency limit.
        #[arg(long, default_value_t = 64)]
        concurrency: usize,
        /// Reuse connections instead of a fresh one per probe.
        #[arg(long)]
        keep_alive: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum StoreKind {
    Memory,
    Postgres,
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn main() -> Result<(), BoxError> {
    let cli = Cli::parse();
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    runtime.enable_all();
    if let Some(threads) = cli.threads {
        runtime.worker_threads(threads.max(1));
    }
    let runtime = runtime.build()?;
    runtime.block_on(async move {
        match cli.command {
            Command::Target { bind, duration } => run_target(bind, duration).await,
            Command::Probe {
                url,
                concurrency,
                duration,
                keep_alive,
            } => run_probe(&url, concurrency, duration, keep_alive).await,
            Command::Schedule {
                monitors,
                interval,
                duration,
                url,
                store,
                database_url,
                concurrency,
                keep_alive,
            } => {
                let options = ScheduleOptions {
                    count: monitors,
                    interval,
                    duration,
                    url,
                    store,
                    database_url,
                    concurrency,
                    keep_alive,
                };
                run_schedule(options).await
            }
        }
    })
}

async fn run_target(bind: SocketAddr, duration: Duration) -> Result<(), BoxError> {
    let listener = tokio::net::TcpListener::bind(bind).await?;
    println!("target listening on http://{}", listener.local_addr()?);
    let stop = async move {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            () = tokio::time::sleep(duration) => {}
        }
    };
    target::serve(listener, stop).await?;
    Ok(())
}

fn connection_mode(keep_alive: bool) -> ConnectionMode {
    if keep_alive {
        ConnectionMode::KeepAlive
    } else {
        ConnectionMode::Fresh
    }
}

fn probe_monitor(url: &str) -> Result<Monitor, BoxError> {
    monitors(1, url, Duration::from_secs(60))
        .pop()
        .ok_or_else(|| "no monitor".into())
}

async fn run_probe(
    url: &str,
    concurrency: usize,
    duration: Duration,
    keep_alive: bool,
) -> Result<(), BoxError> {
    let concurrency = concurrency.max(1);
    let prober = Arc::new(Prober::new(ProberConfig {
        concurrency,
        connection_mode: connection_mode(keep_alive),
        ..ProberConfig::default()
    })?);
    let monitor = Arc::new(probe_monitor(url)?);

    let cpu_before = proc_stats::cpu_seconds();
    let start = Instant::now();
    let end = start + duration;
    let tasks: Vec<_> = (0..concurrency)
        .map(|_| {
            let prober = prober.clone();
            let monitor = monitor.clone();
            tokio::spawn(async move {
                let (mut probes, mut failures) = (0u64, 0u64);
                while Instant::now() < end {
                    let result = prober.probe(&monitor).await;
                    probes += 1;
                    failures += u64::from(result.is_failure());
                }
                (probes, failures)
            })
        })
        .collect();
    let (mut probes, mut failures) = (0u64, 0u64);
    for task in tasks {
        let (p, f) = task.await?;
        probes += p;
        failures += f;
    }
    let elapsed = start.elapsed().as_secs_f64();
    let cpu = match (cpu_before, proc_stats::cpu_seconds()) {
        (Some(before), Some(after)) => after - before,
        _ => f64::NAN,
    };
    let mode = if keep_alive { "keep-alive" } else { "fresh" };
    println!("mode: {mode}");
    println!("concurrency: {concurrency}");
    println!("elapsed_s: {elapsed:.2}");
    println!("probes: {probes}");
    println!("failures: {failures}");
    println!("probes_per_s: {:.0}", probes as f64 / elapsed);
    println!(
        "cpu_s_per_1000_probes: {:.4}",
        cpu * 1000.0 / probes.max(1) as f64
    );
    Ok(())
}

struct ScheduleOptions {
    count: usize,
    interval: Duration,
    duration: Duration,
    url: String,
    store: StoreKind,
    database_url: String,
    concurrency: usize,
    keep_alive: bool,
}

async fn run_schedule(o: ScheduleOptions) -> Result<(), BoxError> {
    let postgres = match o.store {
        StoreKind::Memory => None,
        StoreKind::Postgres => Some(PostgresStore::connect(&o.database_url).await?),
    };
    let store: Arc<dyn Store> = match &postgres {
        Some(pg) => Arc::new(pg.clone()),
        None => Arc::new(MemoryStore::new()),
    };
    let baseline = match &postgres {
        Some(pg) => count_rows(pg).await?,
        None => 0,
    };

    let all = monitors(o.count, &o.url, o.interval);
    let ids: Vec<_> = all.iter().map(Monitor::id).collect();
    let setup = Instant::now();
    let mut created = futures_util::stream::iter(all.iter())
        .map(|m| store.create_monitor(m))
        .buffer_unordered(16);
    while let Some(result) = created.next().await {
        result?;
    }
    drop(created);
    drop(all);
    eprintln!(
        "created {} monitors in {:.1}s",
        o.count,
        setup.elapsed().as_secs_f64()
    );

    let cancel = CancellationToken::new();
    let cpu_before = proc_stats::cpu_seconds();
    let started = Instant::now();
    let gomon = Gomon::builder(store.clone())
        .prober_config(ProberConfig {
            concurrency: o.concurrency.max(1),
            connection_mode: connection_mode(o.keep_alive),
            ..ProberConfig::default()
        })
        .recorder_config(RecorderConfig::default())
        .spawn(cancel.clone())
        .await?;
    eprintln!(
        "loaded and scheduled in {:.1}s",
        started.elapsed().as_secs_f64()
    );

    // Report every 10 s (or every interval if shorter) so a slump shows.
    let tick = o.interval.min(Duration::from_secs(10));
    let end = started + o.duration;
    let mut last = gomon.metrics();
    let mut last_at = started;
    let mut slowest_window = f64::INFINITY;
    while Instant::now() < end {
        let next = (last_at + tick).min(end);
        tokio::time::sleep_until(next).await;
        let now = gomon.metrics();
        let secs = last_at.elapsed().as_secs_f64();
        let rate = (now.probes_started - last.probes_started) as f64 / secs;
        // The first window includes loading; judge "sustained" on the rest.
        if last_at > started {
            slowest_window = slowest_window.min(rate);
        }
        eprintln!(
            "t={:>5.1}s probes/s={rate:>8.0} skipped={} missed={} recorded={} lateness p99={}us max={}us rss={}MiB",
            started.elapsed().as_secs_f64(),
            now.probes_skipped,
            now.deadlines_missed,
            now.results_recorded,
            now.lateness_p99_us,
            now.lateness_max_us,
            proc_stats::rss_bytes().unwrap_or(0) >> 20,
        );
        last = now;
        last_at = Instant::now();
    }
    let at_end = gomon.metrics();
    let elapsed = started.elapsed().as_secs_f64();
    let cpu_during = match (cpu_before, proc_stats::cpu_seconds()) {
        (Some(before), Some(after)) => after - before,
        _ => f64::NAN,
    };

    let drain = Instant::now();
    gomon.shutdown().await?;
    let drain = drain.elapsed().as_secs_f64();
    let fin = gomon.metrics();

    let stored = match &postgres {
        Some(pg) => count_rows(pg).await? - baseline,
        None => sum_of_stats(&*store, &ids).await?,
    };
    let store_name = match o.store {
        StoreKind::Memory => "memory",
        StoreKind::Postgres => "postgres",
    };
    println!("store: {store_name}");
    println!("monitors: {}", o.count);
    println!("interval_s: {}", o.interval.as_secs_f64());
    println!("duration_s: {elapsed:.1}");
    println!("concurrency: {}", o.concurrency);
    println!(
        "mode: {}",
        if o.keep_alive { "keep-alive" } else { "fresh" }
    );
    println!(
        "expected_probes_per_s: {:.0}",
        o.count as f64 / o.interval.as_secs_f64()
    );
    println!(
        "probes_per_s: {:.0}",
        at_end.probes_started as f64 / elapsed
    );
    if slowest_window.is_finite() {
        println!("slowest_window_probes_per_s: {slowest_window:.0}");
    }
    println!("lateness_p50_ms: {:.2}", ms(fin.lateness_p50_us));
    println!("lateness_p99_ms: {:.2}", ms(fin.lateness_p99_us));
    println!("lateness_max_ms: {:.2}", ms(fin.lateness_max_us));
    println!("probes_started: {}", fin.probes_started);
    println!("probes_skipped: {}", fin.probes_skipped);
    println!("deadlines_missed: {}", fin.deadlines_missed);
    println!("results_recorded: {}", fin.results_recorded);
    println!("results_dropped: {}", fin.results_dropped);
    println!("results_stored: {stored}");
    println!(
        "all_results_stored: {}",
        if stored == fin.probes_started && fin.results_dropped == 0 {
            "yes"
        } else {
            "NO"
        }
    );
    println!("shutdown_drain_s: {drain:.2}");
    println!(
        "cpu_s_per_1000_probes: {:.4}",
        cpu_during * 1000.0 / at_end.probes_started.max(1) as f64
    );
    println!(
        "peak_rss_mib: {:.0}",
        proc_stats::peak_rss_bytes().unwrap_or(0) as f64 / f64::from(1 << 20)
    );
    Ok(())
}

fn ms(micros: u64) -> f64 {
    micros as f64 / 1000.0
}

/// Results stored, through the store-neutral API: the sum of every monitor's stats.
async fn sum_of_stats(store: &dyn Store, ids: &[gomon_core::MonitorId]) -> Result<u64, BoxError> {
    let range = TimeRange::new(
        chrono::DateTime::<chrono::Utc>::UNIX_EPOCH,
        chrono::Utc::now() + chrono::TimeDelta::hours(1),
    );
    let mut total = 0;
    for &id in ids {
        total += store.stats(id, range).await?.total();
    }
    Ok(total)
}

/// Rows in the PostgreSQL results table: the count checked in the database itself.
async fn count_rows(store: &PostgresStore) -> Result<u64, BoxError> {
    let (n,): (i64,) = sqlx::query_as("SELECT count(*) FROM results")
        .fetch_one(store.pool())
        .await?;
    Ok(u64::try_from(n)?)
}
