//! Ingest and stats benchmark of [`PostgresStore`] against a real PostgreSQL.
//!
//! Fills a fresh `gomon_bench` database with `--monitors` monitors and
//! `--results` results (10 000 and 10 000 000 by default, about 25 hours of
//! probes every 90 s per monitor, 2 % failures), written in time order in
//! batches of `--batch` through [`Store::record_results`] with every index in
//! place, and prints the ingest rate. Then it times `--queries` 24 h stats
//! queries of random monitors, windows ending at random points of the last hour,
//! and prints p50/p99: once right after ingest, and once after `VACUUM ANALYZE`
//! (what autovacuum leaves in a steady state). Each stats query is followed by
//! a `SELECT 1` whose p50/p99 are printed too: on a shared 2-core machine the
//! tail is mostly scheduling noise, and this baseline shows how much.
//!
//! ```text
//! cargo run --release -p gomon-store-postgres --example pg_bench -- \
//!     [--url postgres://postgres@127.0.0.1:5432/postgres] [--monitors 10000] \
//!     [--results 10000000] [--batch 5000] [--writers 1] [--queries 2000] [--keep]
//! ```
//!
//! `--url` (default `DATABASE_URL`, else the local server) names the server; the
//! benchmark creates `gomon_bench` on it and drops it at the end unless `--keep`.
//! `--stats-only` skips the fill and times stats on a kept `gomon_bench`.

use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use gomon_core::{
    MonitorId, MonitorSpec, ProbeError, ProbeOutcome, ProbeResult, Store, TimeRange, UserId,
};
use gomon_store_postgres::PostgresStore;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgConnection};

const DB: &str = "gomon_bench";
const SPAN: Duration = Duration::from_secs(25 * 3600);

#[derive(Debug)]
struct Args {
    url: String,
    monitors: usize,
    results: usize,
    batch: usize,
    writers: usize,
    queries: usize,
    keep: bool,
    stats_only: bool,
}

fn args() -> Result<Args, String> {
    let mut a = Args {
        url: std::env::var("DATABASE_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned()),
        monitors: 10_000,
        results: 10_000_000,
        batch: 5_000,
        writers: 1,
        queries: 2_000,
        keep: false,
        stats_only: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        let number = |v: String| {
            v.replace('_', "")
                .parse::<usize>()
                .map_err(|e| e.to_string())
        };
        match flag.as_str() {
            "--url" => a.url = value()?,
            "--monitors" => a.monitors = number(value()?)?,
            "--results" => a.results = number(value()?)?,
            "--batch" => a.batch = number(value()?)?,
            "--writers" => a.writers = number(value()?)?,
            "--queries" => a.queries = number(value()?)?,
            "--keep" => a.keep = true,
            "--stats-only" => a.stats_only = true,
            other => {
                return Err(format!(
                    "unknown flag {other}; see the doc comment of pg_bench.rs"
                ));
            }
        }
    }
    if a.monitors == 0 || a.batch == 0 || a.writers == 0 {
        return Err("--monitors, --batch and --writers must be above zero".into());
    }
    Ok(a)
}

/// A small deterministic generator, so runs are comparable.
#[derive(Clone)]
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n.max(1)
    }
}

fn origin() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_default()
}

/// The monitors' fixed layout: monitor `m` probes every `interval`, shifted by
/// its own phase so the monitors do not all probe at once.
struct Layout {
    ids: Vec<MonitorId>,
    interval: TimeDelta,
    per_monitor: usize,
}

impl Layout {
    fn new(ids: Vec<MonitorId>, results: usize) -> Self {
        let per_monitor = results.div_ceil(ids.len()).max(1);
        let interval = TimeDelta::from_std(SPAN / per_monitor as u32).unwrap_or(TimeDelta::MAX);
        Layout {
            ids,
            interval,
            per_monitor,
        }
    }

    /// The `i`-th result in time order: step `i / monitors`, monitor `i % monitors`.
    fn result(&self, i: usize, rng: &mut Rng) -> ProbeResult {
        let n = self.ids.len();
        let (step, m) = (i / n, i % n);
        let phase = self.interval * (m as i32) / (n as i32);
        let outcome = match rng.below(100) {
            0 => ProbeOutcome::Error(ProbeError::Timeout),
            1 => ProbeOutcome::Status(503),
            _ => ProbeOutcome::Status(200),
        };
        ProbeResult {
            monitor: self.ids[m],
            started_at: origin() + self.interval * (step as i32) + phase,
            latency: Duration::from_micros(20_000 + rng.below(200_000)),
            outcome,
        }
    }

    fn end(&self) -> DateTime<Utc> {
        origin() + self.interval * (self.per_monitor as i32)
    }
}

async fn admin(url: &str) -> Result<PgConnection, sqlx::Error> {
    PgConnection::connect_with(&PgConnectOptions::from_str(url)?).await
}

async fn fill(store: &PostgresStore, a: &Args, layout: Arc<Layout>) -> Result<(), String> {
    let total = layout.per_monitor * layout.ids.len();
    let batches = total.div_ceil(a.batch);
    println!(
        "ingest: {total} results in {batches} batches of {} with {} writer(s)",
        a.batch, a.writers
    );
    let started = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..a.writers {
        let (store, layout, batch) = (store.clone(), layout.clone(), a.batch);
        let writers = a.writers;
        tasks.push(tokio::spawn(async move {
            let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (w as u64 + 1));
            let mut mark = Instant::now();
            // Writer w takes batches w, w + writers, ...: together they advance in time order.
            for b in (w..batches).step_by(writers) {
                let rows: Vec<ProbeResult> = (b * batch..((b + 1) * batch).min(total))
                    .map(|i| layout.result(i, &mut rng))
                    .collect();
                store
                    .record_results(&rows)
                    .await
                    .map_err(|e| format!("{e:?}"))?;
                let every = (1_000_000 / batch / writers).max(1);
                if w == 0 && (b / writers + 1) % every == 0 {
                    let rows_done = every * batch * writers;
                    println!(
                        "  {:>9} rows  last {:>9.0} rows/s",
                        (b + 1) * batch,
                        rows_done as f64 / mark.elapsed().as_secs_f64()
                    );
                    mark = Instant::now();
                }
            }
            Ok::<(), String>(())
        }));
    }
    for t in tasks {
        t.await.map_err(|e| e.to_string())??;
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "INGEST: {total} results in {secs:.1} s = {:.0} results/s",
        total as f64 / secs
    );
    Ok(())
}

/// p50, p99 and max of a list of durations (sorted in place).
fn percentiles(times: &mut [Duration]) -> (Duration, Duration, Duration) {
    times.sort();
    let pct = |p: f64| times[((times.len() as f64 * p) as usize).min(times.len() - 1)];
    (
        pct(0.50),
        pct(0.99),
        times.last().copied().unwrap_or_default(),
    )
}

/// Times 24 h stats queries, each followed by a `SELECT 1` whose figures are the
/// round trip and scheduling noise of this machine at the same moments.
async fn time_stats(
    store: &PostgresStore,
    layout: &Layout,
    queries: usize,
    label: &str,
) -> Result<(), String> {
    let mut rng = Rng(42);
    let day = TimeDelta::hours(24);
    let mut run = |n: usize| {
        (0..n)
            .map(|_| {
                let id = layout.ids[rng.below(layout.ids.len() as u64) as usize];
                // "now" at a random microsecond of the last hour of data.
                let end = layout.end() - TimeDelta::microseconds(rng.below(3_600_000_000) as i64);
                (id, TimeRange::new(end - day, end))
            })
            .collect::<Vec<_>>()
    };
    for (id, range) in run(queries / 10) {
        store.stats(id, range).await.map_err(|e| format!("{e:?}"))?;
    }
    let mut stats_times = Vec::with_capacity(queries);
    let mut baseline = Vec::with_capacity(queries);
    let mut probes = 0;
    for (id, range) in run(queries) {
        let t = Instant::now();
        let stats = store.stats(id, range).await.map_err(|e| format!("{e:?}"))?;
        stats_times.push(t.elapsed());
        probes += stats.total();
        let t = Instant::now();
        sqlx::query("SELECT 1")
            .execute(store.pool())
            .await
            .map_err(|e| e.to_string())?;
        baseline.push(t.elapsed());
    }
    let mean = probes as f64 / stats_times.len().max(1) as f64;
    let (p50, p99, max) = percentiles(&mut stats_times);
    println!(
        "STATS 24h ({label}): {} queries, p50 {p50:?}, p99 {p99:?}, max {max:?} \
         (mean {mean:.0} probes per window)",
        stats_times.len(),
    );
    let (p50, p99, max) = percentiles(&mut baseline);
    println!("  interleaved SELECT 1 baseline: p50 {p50:?}, p99 {p99:?}, max {max:?}");
    Ok(())
}

/// The 1-minute load average, so that figures taken on a busy machine say so.
fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".to_owned())
}

async fn run(a: Args) -> Result<(), String> {
    println!("{a:?}, load {}", load());
    let mut admin = admin(&a.url)
        .await
        .map_err(|e| format!("cannot reach {}: {e}", a.url))?;
    if !a.stats_only {
        sqlx::query(&format!("DROP DATABASE IF EXISTS {DB} WITH (FORCE)"))
            .execute(&mut admin)
            .await
            .map_err(|e| e.to_string())?;
        sqlx::query(&format!("CREATE DATABASE {DB}"))
            .execute(&mut admin)
            .await
            .map_err(|e| e.to_string())?;
    }
    let options = PgConnectOptions::from_str(&a.url)
        .map_err(|e| e.to_string())?
        .database(DB);
    let pool = PgPoolOptions::new()
        .max_connections(a.writers as u32 + 2)
        .connect_with(options)
        .await
        .map_err(|e| e.to_string())?;
    let store = PostgresStore::from_pool(pool)
        .await
        .map_err(|e| format!("{e:?}"))?;

    let ids: Vec<MonitorId> = if a.stats_only {
        let rows: Vec<(uuid::Uuid,)> = sqlx::query_as("SELECT id FROM monitors ORDER BY name")
            .fetch_all(store.pool())
            .await
            .map_err(|e| e.to_string())?;
        rows.into_iter().map(|(id,)| MonitorId(id)).collect()
    } else {
        let t = Instant::now();
        let mut ids = Vec::with_capacity(a.monitors);
        for i in 0..a.monitors {
            let m = MonitorSpec::new(format!("m{i:06}"), format!("http://127.0.0.1:9/{i}"), 2)
                .with_owner(UserId::LOCAL)
                .build_with(MonitorId::new(), origin())
                .map_err(|e| e.to_string())?;
            store
                .create_monitor(&m)
                .await
                .map_err(|e| format!("{e:?}"))?;
            ids.push(m.id());
        }
        println!(
            "created {} monitors in {:.1} s",
            ids.len(),
            t.elapsed().as_secs_f64()
        );
        ids
    };
    if ids.is_empty() {
        return Err(format!(
            "{DB} has no monitors: run without --stats-only first"
        ));
    }
    let layout = Arc::new(Layout::new(ids, a.results));
    if !a.stats_only {
        fill(&store, &a, layout.clone()).await?;
        time_stats(&store, &layout, a.queries, "right after ingest").await?;
        let t = Instant::now();
        sqlx::query("VACUUM ANALYZE")
            .execute(store.pool())
            .await
            .map_err(|e| e.to_string())?;
        println!("VACUUM ANALYZE took {:.1} s", t.elapsed().as_secs_f64());
    }
    time_stats(&store, &layout, a.queries, "vacuumed").await?;
    println!("load {}", load());
    let (size,): (String,) =
        sqlx::query_as("SELECT pg_size_pretty(pg_database_size(current_database()))")
            .fetch_one(store.pool())
            .await
            .map_err(|e| e.to_string())?;
    println!("database size: {size}");
    store.pool().close().await;

    if !a.keep {
        sqlx::query(&format!("DROP DATABASE IF EXISTS {DB} WITH (FORCE)"))
            .execute(&mut admin)
            .await
            .map_err(|e| e.to_string())?;
        println!("dropped {DB} (pass --keep to keep it)");
    }
    Ok(())
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let a = match args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    match run(a).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
