//! The recorder: one task that batches results into the store and runs every
//! monitor's [`AlertPolicy`].
//!
//! Results are written in batches, by size or by age, whichever comes first.
//! A failed write is retried with backoff, and while it is retried the recorder
//! takes nothing new from its bounded queue, so the scheduler slows down
//! (backpressure) rather than anything being dropped. Alert changes are written
//! right after the results that caused them and then published as [`Event`]s.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{broadcast, mpsc};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::events::Event;
use crate::metrics::Metrics;
use crate::model::{Alert, Monitor, MonitorId, ProbeResult};
use crate::policy::{AlertChange, AlertPolicy};
use crate::scheduler::RecorderMsg;
use crate::{Error, Result, Store};

/// How the recorder batches and retries.
#[derive(Debug, Clone)]
pub struct RecorderConfig {
    /// A batch is written once it holds this many results. Default 1 000.
    pub batch_size: usize,
    /// ... or once its oldest result has waited this long. Default 100 ms.
    pub max_delay: Duration,
    /// Results waiting in the queue before the scheduler is held back. Default 10 000.
    pub queue_capacity: usize,
    /// First pause after a failed write; doubled each time up to `retry_max`. Default 100 ms.
    pub retry_initial: Duration,
    /// Longest pause between retries. Default 5 s.
    pub retry_max: Duration,
    /// Attempts at a write the store rejects as invalid (not merely
    /// unavailable) before it is given up and logged. Default 5.
    pub max_attempts: u32,
    /// After shutdown begins, how long an unavailable store is retried before
    /// the remaining results are given up and logged. Default 10 s.
    pub shutdown_grace: Duration,
}

impl Default for RecorderConfig {
    fn default() -> Self {
        Self {
            batch_size: 1000,
            max_delay: Duration::from_millis(100),
            queue_capacity: 10_000,
            retry_initial: Duration::from_millis(100),
            retry_max: Duration::from_secs(5),
            max_attempts: 5,
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

/// Owns the policies and the batch; runs as one task.
pub(crate) struct Recorder {
    store: Arc<dyn Store>,
    config: RecorderConfig,
    metrics: Arc<Metrics>,
    events: broadcast::Sender<Event>,
    policies: HashMap<MonitorId, AlertPolicy>,
    batch: Vec<ProbeResult>,
    changes: Vec<(Arc<Monitor>, AlertChange)>,
    /// Set when shutdown begins: from then on retries are bounded by the grace period.
    give_up_at: Option<Instant>,
}

impl Recorder {
    pub(crate) fn new(
        store: Arc<dyn Store>,
        config: RecorderConfig,
        metrics: Arc<Metrics>,
        events: broadcast::Sender<Event>,
        policies: HashMap<MonitorId, AlertPolicy>,
        pending: Vec<(Arc<Monitor>, AlertChange)>,
    ) -> Self {
        Self {
            store,
            batch: Vec::with_capacity(config.batch_size),
            config,
            metrics,
            events,
            policies,
            changes: pending,
            give_up_at: None,
        }
    }

    /// Records until every sender of `rx` is gone, then flushes what is left.
    pub(crate) async fn run(
        mut self,
        mut rx: mpsc::Receiver<RecorderMsg>,
        cancel: CancellationToken,
    ) {
        // Alerts found while rebuilding state are written before anything else.
        if !self.changes.is_empty() {
            self.flush(&cancel).await;
        }
        let mut flush_at: Option<Instant> = None;
        loop {
            let deadline = flush_at;
            tokio::select! {
                message = rx.recv() => match message {
                    Some(RecorderMsg::Result(monitor, result)) => {
                        self.observe(monitor, &result);
                        self.batch.push(result);
                        let full = self.batch.len() >= self.config.batch_size;
                        // Alerts should not wait for a batch to fill.
                        if full || !self.changes.is_empty() {
                            self.flush(&cancel).await;
                            flush_at = None;
                        } else if flush_at.is_none() {
                            flush_at = Some(Instant::now() + self.config.max_delay);
                        }
                    }
                    Some(RecorderMsg::Forget(id)) => {
                        self.policies.remove(&id);
                    }
                    None => break,
                },
                () = sleep_until_some(deadline) => {
                    self.flush(&cancel).await;
                    flush_at = None;
                }
            }
        }
        self.flush(&cancel).await;
    }

    fn observe(&mut self, monitor: Arc<Monitor>, result: &ProbeResult) {
        let policy = self
            .policies
            .entry(monitor.id())
            .or_insert_with(|| AlertPolicy::for_monitor(&monitor));
        policy.reconfigure(monitor.threshold(), monitor.window());
        if let Some(change) = policy.observe(result) {
            self.changes.push((monitor, change));
        }
    }

    async fn flush(&mut self, cancel: &CancellationToken) {
        if !self.batch.is_empty() {
            let batch = std::mem::take(&mut self.batch);
            let store = self.store.clone();
            let written = self
                .with_retry("record results", cancel, || store.record_results(&batch))
                .await;
            let n = batch.len() as u64;
            if written.is_ok() {
                Metrics::add(&self.metrics.results_recorded, n);
            } else {
                Metrics::add(&self.metrics.results_dropped, n);
                tracing::error!(results = n, "gave up writing probe results; they are lost");
            }
            self.batch = batch;
            self.batch.clear();
        }
        for (monitor, change) in std::mem::take(&mut self.changes) {
            self.write_change(monitor, change, cancel).await;
        }
    }

    async fn write_change(
        &mut self,
        monitor: Arc<Monitor>,
        change: AlertChange,
        cancel: &CancellationToken,
    ) {
        let store = self.store.clone();
        match change {
            AlertChange::Opened(alert) => {
                let written = self
                    .with_retry("open alert", cancel, || store.open_alert(&alert))
                    .await;
                match written {
                    Ok(()) => {
                        Metrics::add(&self.metrics.alerts_opened, 1);
                        tracing::warn!(monitor = monitor.name(), url = %monitor.url(), failures = alert.failures, "alert opened");
                        let _ = self.events.send(Event::AlertOpened { monitor, alert });
                    }
                    Err(Error::Conflict(_)) => self.adopt_stored_alert(&monitor).await,
                    // The monitor was deleted meanwhile: there is nothing to alert about.
                    Err(Error::NotFound { .. }) => self.clear_open(&monitor),
                    Err(e) => {
                        tracing::error!(monitor = monitor.name(), error = %e, "could not store an opened alert");
                        // Not stored, so not open: the next failure may try again.
                        self.clear_open(&monitor);
                    }
                }
            }
            AlertChange::Resolved(alert) => {
                let Some(at) = alert.resolved_at else { return };
                let written = self
                    .with_retry("resolve alert", cancel, || {
                        store.resolve_alert(alert.id, at)
                    })
                    .await;
                match written {
                    Ok(()) => {
                        Metrics::add(&self.metrics.alerts_resolved, 1);
                        tracing::info!(monitor = monitor.name(), "alert resolved");
                        let _ = self.events.send(Event::AlertResolved { monitor, alert });
                    }
                    Err(Error::NotFound { .. }) => {}
                    Err(e) => {
                        tracing::error!(monitor = monitor.name(), error = %e, "could not store a resolved alert")
                    }
                }
            }
        }
    }

    /// The store already holds an open alert for the monitor (opened by another
    /// process, or before a restart we did not see): follow that one instead of
    /// opening a second.
    async fn adopt_stored_alert(&mut self, monitor: &Monitor) {
        let newest: Option<Alert> = match self.store.list_alerts(monitor.id(), None, 1).await {
            Ok(alerts) => alerts.into_iter().next(),
            Err(e) => {
                tracing::warn!(monitor = monitor.name(), error = %e, "could not read the open alert");
                None
            }
        };
        let Some(policy) = self.policies.get_mut(&monitor.id()) else {
            return;
        };
        // An open alert is always the newest: a monitor has at most one, and it
        // opened after every resolved one.
        match newest {
            Some(alert) if alert.is_open() => policy.restore_open(alert),
            _ => policy.clear_open(),
        }
    }

    fn clear_open(&mut self, monitor: &Monitor) {
        if let Some(policy) = self.policies.get_mut(&monitor.id()) {
            policy.clear_open();
        }
    }

    /// Runs `op` until it succeeds, retrying with backoff. Unavailable stores are
    /// retried without limit until shutdown (plus a grace period); other errors
    /// up to `max_attempts` times. `Conflict` and `NotFound` are answers, not
    /// failures, and return at once.
    async fn with_retry<'a, F, Fut>(
        &mut self,
        what: &str,
        cancel: &CancellationToken,
        mut op: F,
    ) -> Result<()>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<()>> + 'a,
    {
        let mut pause = self.config.retry_initial;
        let mut attempts = 0u32;
        loop {
            let error = match op().await {
                Ok(()) => return Ok(()),
                Err(e @ (Error::Conflict(_) | Error::NotFound { .. })) => return Err(e),
                Err(e) => e,
            };
            attempts += 1;
            if cancel.is_cancelled() && self.give_up_at.is_none() {
                self.give_up_at = Some(Instant::now() + self.config.shutdown_grace);
            }
            let out_of_time = self.give_up_at.is_some_and(|t| Instant::now() >= t);
            if out_of_time || (!error.is_transient() && attempts >= self.config.max_attempts) {
                tracing::error!(what, attempts, error = %error, "giving up on a store write");
                return Err(error);
            }
            Metrics::add(&self.metrics.store_retries, 1);
            tracing::warn!(what, attempts, error = %error, "store write failed; retrying");
            tokio::select! {
                () = tokio::time::sleep(pause) => {}
                // Shutdown starts the grace period at once rather than after this pause.
                () = cancel.cancelled(), if self.give_up_at.is_none() => {}
            }
            pause = (pause * 2).min(self.config.retry_max);
        }
    }
}

async fn sleep_until_some(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}
