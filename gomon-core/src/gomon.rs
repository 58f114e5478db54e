//! [`Gomon`]: the handle an application embeds. It runs the scheduler and the
//! recorder as tokio tasks and is how monitors are added, changed and removed.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::{broadcast, mpsc};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::clock::{Clock, SystemClock};
use crate::events::Event;
use crate::metrics::{Metrics, MetricsSnapshot};
use crate::model::{Monitor, MonitorId, MonitorSpec};
use crate::policy::{AlertChange, AlertPolicy};
use crate::prober::{Probe, Prober, ProberConfig};
use crate::recorder::{Recorder, RecorderConfig};
use crate::scheduler::{Command, Scheduler};
use crate::{Error, Result, Store};

/// Configures and starts a [`Gomon`]. Made by [`Gomon::builder`].
pub struct GomonBuilder {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    prober: ProberConfig,
    probe: Option<Arc<dyn Probe>>,
    recorder: RecorderConfig,
    event_capacity: usize,
}

impl std::fmt::Debug for GomonBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GomonBuilder")
            .field("prober", &self.prober)
            .field("recorder", &self.recorder)
            .field("event_capacity", &self.event_capacity)
            .finish_non_exhaustive()
    }
}

impl GomonBuilder {
    /// The wall clock that timestamps probes and alerts. Default: the system clock.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Settings of the HTTP prober (concurrency, body cap, connection mode).
    pub fn prober_config(mut self, config: ProberConfig) -> Self {
        self.prober = config;
        self
    }

    /// Replaces the HTTP prober, e.g. with a fake in tests; `prober_config` is then unused.
    pub fn probe(mut self, probe: Arc<dyn Probe>) -> Self {
        self.probe = Some(probe);
        self
    }

    /// Batching, queueing and retry settings of the recorder.
    pub fn recorder_config(mut self, config: RecorderConfig) -> Self {
        self.recorder = config;
        self
    }

    /// Events kept for slow subscribers before they start missing some. Default 1 024.
    pub fn event_capacity(mut self, capacity: usize) -> Self {
        self.event_capacity = capacity.max(1);
        self
    }

    /// Loads every monitor from the store, rebuilds alert state from the
    /// trailing windows and the open alerts, and starts probing.
    ///
    /// Runs until `cancel` fires or [`Gomon::shutdown`] is called.
    pub async fn spawn(self, cancel: CancellationToken) -> Result<Gomon> {
        let probe = match self.probe {
            Some(probe) => probe,
            None => Arc::new(Prober::with_clock(self.prober, self.clock.clone())?),
        };
        let monitors = self.store.all_monitors().await?;
        let (policies, pending) =
            rebuild_alert_state(&*self.store, &monitors, &*self.clock).await?;

        let metrics = Arc::new(Metrics::default());
        let (events, _) = broadcast::channel(self.event_capacity);
        let (command_tx, command_rx) = mpsc::channel(1024);
        let (result_tx, result_rx) = mpsc::channel(self.recorder.queue_capacity.max(1));

        let recorder = Recorder::new(
            self.store.clone(),
            self.recorder,
            metrics.clone(),
            events.clone(),
            policies,
            pending,
        );
        let scheduler = Scheduler::new(probe, self.clock, metrics.clone(), command_rx, result_tx);
        let recorder_task = tokio::spawn(recorder.run(result_rx, cancel.clone()));
        let scheduler_task = tokio::spawn(scheduler.run(cancel.clone()));

        let gomon = Gomon {
            store: self.store,
            commands: command_tx,
            events,
            metrics,
            cancel,
            mutations: Arc::new(tokio::sync::Mutex::new(())),
            tasks: Arc::new(Mutex::new(vec![scheduler_task, recorder_task])),
        };
        for monitor in monitors {
            gomon.schedule(monitor).await?;
        }
        Ok(gomon)
    }
}

/// Rebuilds every monitor's policy: open alerts are restored, and the failures
/// of the trailing window are replayed. Replay can open an alert the process
/// did not get to store before it stopped; those are returned to be written.
async fn rebuild_alert_state(
    store: &dyn Store,
    monitors: &[Monitor],
    clock: &dyn Clock,
) -> Result<(
    HashMap<MonitorId, AlertPolicy>,
    Vec<(Arc<Monitor>, AlertChange)>,
)> {
    let by_id: HashMap<MonitorId, Arc<Monitor>> = monitors
        .iter()
        .map(|m| (m.id(), Arc::new(m.clone())))
        .collect();
    let mut policies: HashMap<MonitorId, AlertPolicy> = monitors
        .iter()
        .map(|m| (m.id(), AlertPolicy::for_monitor(m)))
        .collect();
    for alert in store.open_alerts().await? {
        if let Some(policy) = policies.get_mut(&alert.monitor) {
            policy.restore_open(alert);
        }
    }
    let mut pending = Vec::new();
    let Some(longest_window) = monitors.iter().map(Monitor::window).max() else {
        return Ok((policies, pending));
    };
    let now = clock.now();
    let since = now - chrono::TimeDelta::from_std(longest_window).unwrap_or_default();
    for failure in store.failures_since(since).await? {
        let (Some(policy), Some(monitor)) = (
            policies.get_mut(&failure.monitor),
            by_id.get(&failure.monitor),
        ) else {
            continue;
        };
        // The query reaches back the longest window of any monitor; a failure
        // older than this monitor's own window belongs to an incident that is
        // over (or was never one) and must not be replayed into a new alert.
        let own_window = chrono::TimeDelta::from_std(monitor.window()).unwrap_or_default();
        if failure.started_at <= now - own_window {
            continue;
        }
        if let Some(change) = policy.observe(&failure) {
            pending.push((monitor.clone(), change));
        }
    }
    Ok((policies, pending))
}

/// A running monitoring loop. Clones share the same loop. Dropping every clone
/// leaves the loop running until its cancellation token fires;
/// [`shutdown`](Self::shutdown) stops it cleanly.
#[derive(Clone)]
pub struct Gomon {
    store: Arc<dyn Store>,
    commands: mpsc::Sender<Command>,
    events: broadcast::Sender<Event>,
    metrics: Arc<Metrics>,
    cancel: CancellationToken,
    /// Held across each store write and the schedule command that follows it,
    /// so that concurrent add/update/remove reach the scheduler in the order
    /// they reached the store (otherwise an update racing a delete could leave
    /// a deleted monitor probed until restart).
    mutations: Arc<tokio::sync::Mutex<()>>,
    /// Taken by whichever clone calls `shutdown` or `wait` first.
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl std::fmt::Debug for Gomon {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gomon")
            .field("metrics", &self.metrics.snapshot())
            .field("cancelled", &self.cancel.is_cancelled())
            .finish_non_exhaustive()
    }
}

impl Gomon {
    /// Starts configuring a loop on `store`.
    pub fn builder(store: Arc<dyn Store>) -> GomonBuilder {
        GomonBuilder {
            store,
            clock: Arc::new(SystemClock),
            prober: ProberConfig::default(),
            probe: None,
            recorder: RecorderConfig::default(),
            event_capacity: 1024,
        }
    }

    /// The store the loop writes to.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// Validates the spec, stores the monitor and starts probing it.
    pub async fn add(&self, spec: MonitorSpec) -> Result<Monitor> {
        let monitor = spec.build()?;
        self.insert(monitor.clone()).await?;
        Ok(monitor)
    }

    /// Stores an already built monitor and starts probing it.
    pub async fn insert(&self, monitor: Monitor) -> Result<()> {
        let _order = self.mutations.lock().await;
        self.store.create_monitor(&monitor).await?;
        self.schedule(monitor).await
    }

    /// Stores a changed monitor (made with [`Monitor::updated`]) and applies it
    /// to the schedule at once.
    pub async fn update(&self, monitor: Monitor) -> Result<()> {
        let _order = self.mutations.lock().await;
        self.store.update_monitor(&monitor).await?;
        self.schedule(monitor).await
    }

    /// Deletes the monitor with its results and alerts and stops probing it.
    pub async fn remove(&self, id: MonitorId) -> Result<()> {
        let _order = self.mutations.lock().await;
        self.store.delete_monitor(id).await?;
        self.unschedule(id).await
    }

    /// Probes a monitor that is already in the store (or applies its changes),
    /// without writing it. For callers that manage the store themselves.
    pub async fn schedule(&self, monitor: Monitor) -> Result<()> {
        self.commands
            .send(Command::Upsert(Arc::new(monitor)))
            .await
            .map_err(|_| Error::ShutDown)
    }

    /// Stops probing a monitor without touching the store.
    pub async fn unschedule(&self, id: MonitorId) -> Result<()> {
        self.commands
            .send(Command::Remove(id))
            .await
            .map_err(|_| Error::ShutDown)
    }

    /// Alert events from now on. A subscriber that falls more than the event
    /// capacity behind gets `RecvError::Lagged` and continues with newer events.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.events.subscribe()
    }

    /// Counters of the loop.
    pub fn metrics(&self) -> MetricsSnapshot {
        self.metrics.snapshot()
    }

    /// Stops probing, waits for the probes in flight, writes every buffered
    /// result and alert, and returns once both tasks have ended.
    pub async fn shutdown(&self) -> Result<()> {
        self.cancel.cancel();
        self.wait().await
    }

    /// Waits until the loop has ended (its token was cancelled elsewhere).
    /// Returns at once if another clone already waited for it.
    pub async fn wait(&self) -> Result<()> {
        let tasks = std::mem::take(&mut *self.tasks.lock().unwrap_or_else(|e| e.into_inner()));
        for task in tasks {
            if let Err(e) = task.await {
                tracing::error!(error = %e, "a gomon task ended abnormally");
            }
        }
        Ok(())
    }
}
