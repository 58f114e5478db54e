//! Test doubles shared by the loop tests: a fake prober that records every
//! probe against tokio's (paused) clock.

#![allow(dead_code, unreachable_pub)]

mod flaky_store;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use gomon_core::{Clock, Monitor, MonitorId, Probe, ProbeOutcome, ProbeResult, TokioClock};
use tokio::time::Instant;

#[allow(unused_imports)] // not every test file uses it
pub use flaky_store::FlakyStore;

/// 2026-01-01T00:00:00Z, where every test clock starts.
pub fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .single()
        .expect("date")
}

pub fn clock() -> Arc<dyn Clock> {
    Arc::new(TokioClock::starting_at(start()))
}

/// A running loop on `store` with a test clock and the given fake prober.
pub async fn spawn(store: Arc<dyn gomon_core::Store>, probe: Arc<dyn Probe>) -> gomon_core::Gomon {
    gomon_core::Gomon::builder(store)
        .clock(clock())
        .probe(probe)
        .spawn(tokio_util::sync::CancellationToken::new())
        .await
        .expect("spawn")
}

type OutcomeFn = dyn Fn(&Monitor, usize) -> ProbeOutcome + Send + Sync;

/// Answers every probe with `outcome(monitor, nth probe of that monitor)`
/// after `delay` of (paused) time, and records when each probe started.
pub struct FakeProbe {
    clock: Arc<dyn Clock>,
    delay: Duration,
    outcome: Box<OutcomeFn>,
    log: Mutex<Log>,
}

#[derive(Default)]
struct Log {
    starts: HashMap<MonitorId, Vec<Instant>>,
    in_flight: HashMap<MonitorId, usize>,
    max_in_flight: usize,
}

impl FakeProbe {
    pub fn new(
        clock: Arc<dyn Clock>,
        delay: Duration,
        outcome: impl Fn(&Monitor, usize) -> ProbeOutcome + Send + Sync + 'static,
    ) -> Arc<Self> {
        Arc::new(Self {
            clock,
            delay,
            outcome: Box::new(outcome),
            log: Mutex::new(Log::default()),
        })
    }

    pub fn ok(clock: Arc<dyn Clock>) -> Arc<Self> {
        Self::new(clock, Duration::from_millis(5), |_, _| {
            ProbeOutcome::Status(200)
        })
    }

    fn log(&self) -> std::sync::MutexGuard<'_, Log> {
        self.log.lock().expect("log lock")
    }

    /// When each probe of `id` started.
    pub fn starts(&self, id: MonitorId) -> Vec<Instant> {
        self.log().starts.get(&id).cloned().unwrap_or_default()
    }

    /// Every probe start of every monitor.
    pub fn all_starts(&self) -> Vec<Instant> {
        self.log().starts.values().flatten().copied().collect()
    }

    pub fn total(&self) -> usize {
        self.log().starts.values().map(Vec::len).sum()
    }

    /// The most probes of one monitor ever in flight at once.
    pub fn max_in_flight_per_monitor(&self) -> usize {
        self.log().max_in_flight
    }
}

#[async_trait]
impl Probe for FakeProbe {
    async fn probe(&self, monitor: &Monitor) -> ProbeResult {
        let started_at = self.clock.now();
        let nth = {
            let mut log = self.log();
            let starts = log.starts.entry(monitor.id()).or_default();
            starts.push(Instant::now());
            let nth = starts.len() - 1;
            let in_flight = log.in_flight.entry(monitor.id()).or_default();
            *in_flight += 1;
            let now_in_flight = *in_flight;
            log.max_in_flight = log.max_in_flight.max(now_in_flight);
            nth
        };
        tokio::time::sleep(self.delay).await;
        *self.log().in_flight.entry(monitor.id()).or_default() -= 1;
        ProbeResult {
            monitor: monitor.id(),
            started_at,
            latency: self.delay,
            outcome: (self.outcome)(monitor, nth),
        }
    }
}
