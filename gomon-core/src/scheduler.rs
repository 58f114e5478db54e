//! The scheduler: a timer queue of every monitor's next deadline.
//!
//! Deadlines are fixed-rate: the next one is the previous plus the interval, so
//! nothing drifts however long a probe takes. Each monitor has a stable phase
//! derived from its id and anchored to wall-clock time, so 10 000 monitors added
//! at once spread evenly over their interval, and a restarted process (or
//! another replica) fires a monitor at the same moments.
//!
//! A monitor never has two probes in flight: a deadline that comes while the
//! previous probe runs is skipped and counted. Before starting a probe the
//! scheduler reserves room for its result in the recorder's bounded queue; when
//! the queue is full it waits there, which slows probing instead of dropping
//! results (backpressure).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::time::{DelayQueue, delay_queue};

use crate::clock::Clock;
use crate::metrics::Metrics;
use crate::model::{Monitor, MonitorId, ProbeResult};
use crate::prober::Probe;

/// Changes to the schedule, sent by the [`Gomon`](crate::Gomon) handle.
#[derive(Debug)]
pub(crate) enum Command {
    /// Schedule a new monitor or apply a changed one.
    Upsert(Arc<Monitor>),
    /// Stop probing a monitor.
    Remove(MonitorId),
}

/// What the recorder receives, in order.
#[derive(Debug)]
pub(crate) enum RecorderMsg {
    /// A finished probe, with the monitor as it was configured for that probe.
    Result(Arc<Monitor>, ProbeResult),
    /// The monitor is gone and none of its probes is in flight: drop its state.
    Forget(MonitorId),
}

struct Slot {
    monitor: Arc<Monitor>,
    /// `None` once removed while a probe was still in flight.
    key: Option<delay_queue::Key>,
    deadline: Instant,
    in_flight: bool,
}

/// Owns the timer queue; runs as one task.
pub(crate) struct Scheduler {
    probe: Arc<dyn Probe>,
    clock: Arc<dyn Clock>,
    metrics: Arc<Metrics>,
    queue: DelayQueue<MonitorId>,
    slots: HashMap<MonitorId, Slot>,
    commands: mpsc::Receiver<Command>,
    recorder: mpsc::Sender<RecorderMsg>,
    done_tx: mpsc::UnboundedSender<MonitorId>,
    done_rx: mpsc::UnboundedReceiver<MonitorId>,
    in_flight: usize,
}

impl Scheduler {
    pub(crate) fn new(
        probe: Arc<dyn Probe>,
        clock: Arc<dyn Clock>,
        metrics: Arc<Metrics>,
        commands: mpsc::Receiver<Command>,
        recorder: mpsc::Sender<RecorderMsg>,
    ) -> Self {
        let (done_tx, done_rx) = mpsc::unbounded_channel();
        Self {
            probe,
            clock,
            metrics,
            queue: DelayQueue::new(),
            slots: HashMap::new(),
            commands,
            recorder,
            done_tx,
            done_rx,
            in_flight: 0,
        }
    }

    /// Probes until `cancel` fires, then waits for the probes in flight, whose
    /// results reach the recorder before this returns.
    pub(crate) async fn run(mut self, cancel: CancellationToken) {
        let mut commands_open = true;
        loop {
            tokio::select! {
                biased;
                () = cancel.cancelled() => break,
                Some(id) = self.done_rx.recv() => self.finished(id).await,
                command = self.commands.recv(), if commands_open => match command {
                    Some(command) => self.apply(command).await,
                    // Every handle is gone: keep probing what is scheduled until cancelled.
                    None => commands_open = false,
                },
                Some(expired) = self.queue.next(), if !self.queue.is_empty() => {
                    self.fire(expired.into_inner(), &cancel).await;
                }
            }
        }
        while self.in_flight > 0 {
            match self.done_rx.recv().await {
                Some(id) => self.finished(id).await,
                None => break,
            }
        }
    }

    async fn apply(&mut self, command: Command) {
        match command {
            Command::Upsert(monitor) => self.upsert(monitor),
            Command::Remove(id) => self.remove(id).await,
        }
    }

    fn upsert(&mut self, monitor: Arc<Monitor>) {
        let id = monitor.id();
        if let Some(slot) = self.slots.get_mut(&id) {
            if let Some(key) = &slot.key {
                if slot.monitor.interval() != monitor.interval() {
                    slot.deadline = first_deadline(&monitor, self.clock.now(), Instant::now());
                    self.queue.reset_at(key, slot.deadline);
                }
                slot.monitor = monitor;
                return;
            }
        }
        let deadline = first_deadline(&monitor, self.clock.now(), Instant::now());
        let key = self.queue.insert_at(id, deadline);
        let in_flight = self.slots.get(&id).is_some_and(|s| s.in_flight);
        self.slots.insert(
            id,
            Slot {
                monitor,
                key: Some(key),
                deadline,
                in_flight,
            },
        );
    }

    async fn remove(&mut self, id: MonitorId) {
        let Some(slot) = self.slots.get_mut(&id) else {
            return;
        };
        if let Some(key) = slot.key.take() {
            self.queue.remove(&key);
        }
        if !slot.in_flight {
            self.slots.remove(&id);
            self.forget(id).await;
        }
        // Otherwise `finished` forgets it once the probe in flight has reported.
    }

    /// A deadline came: schedule the next one, then probe unless one is running.
    async fn fire(&mut self, id: MonitorId, cancel: &CancellationToken) {
        let now = Instant::now();
        let Some(slot) = self.slots.get_mut(&id) else {
            return;
        };
        let deadline = slot.deadline;
        let interval = slot.monitor.interval();
        let (next, missed) = next_deadline(deadline, interval, now);
        slot.deadline = next;
        slot.key = Some(self.queue.insert_at(id, next));
        Metrics::add(&self.metrics.deadlines_missed, missed);
        if slot.in_flight {
            Metrics::add(&self.metrics.probes_skipped, 1);
            return;
        }
        let monitor = slot.monitor.clone();

        // Room for the result first: if the recorder is behind, wait here.
        let permit = tokio::select! {
            permit = self.recorder.clone().reserve_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => return, // the recorder is gone: we are shutting down
            },
            () = cancel.cancelled() => return,
        };
        let Some(slot) = self.slots.get_mut(&id) else {
            return;
        };
        slot.in_flight = true;
        self.in_flight += 1;
        Metrics::add(&self.metrics.probes_started, 1);
        // Lateness is measured where the probe really starts: the prober may
        // still wait for one of its concurrency permits, and the result's
        // `started_at` is taken after that wait. So the deadline is carried
        // over to the clock that stamps results.
        let behind =
            chrono::TimeDelta::from_std(Instant::now().saturating_duration_since(deadline))
                .unwrap_or_default();
        let deadline_wall = self.clock.now() - behind;

        let probe = self.probe.clone();
        let metrics = self.metrics.clone();
        let done = DoneGuard {
            id,
            tx: self.done_tx.clone(),
        };
        tokio::spawn(async move {
            let result = probe.probe(&monitor).await;
            let late = (result.started_at - deadline_wall)
                .to_std()
                .unwrap_or_default();
            metrics.record_lateness(u64::try_from(late.as_micros()).unwrap_or(u64::MAX));
            permit.send(RecorderMsg::Result(monitor, result));
            drop(done);
        });
    }

    async fn finished(&mut self, id: MonitorId) {
        self.in_flight -= 1;
        let Some(slot) = self.slots.get_mut(&id) else {
            return;
        };
        slot.in_flight = false;
        if slot.key.is_none() {
            self.slots.remove(&id);
            self.forget(id).await;
        }
    }

    async fn forget(&self, id: MonitorId) {
        // Sent after the monitor's last result (that probe reported first), so
        // the recorder never sees a result after the Forget.
        let _ = self.recorder.send(RecorderMsg::Forget(id)).await;
    }
}

/// Reports a probe as finished even if the probe task panics, so that the
/// monitor is not stuck "in flight" and shutdown does not wait forever.
struct DoneGuard {
    id: MonitorId,
    tx: mpsc::UnboundedSender<MonitorId>,
}

impl Drop for DoneGuard {
    fn drop(&mut self) {
        let _ = self.tx.send(self.id);
    }
}

/// The first deadline of a monitor: the next instant at which wall-clock time
/// minus the monitor's phase is a whole multiple of its interval.
pub(crate) fn first_deadline(
    monitor: &Monitor,
    wall_now: chrono::DateTime<chrono::Utc>,
    now: Instant,
) -> Instant {
    let interval = monitor.interval().as_nanos().max(1);
    // A v4 uuid is uniformly random, so its value modulo the interval spreads
    // monitors evenly; it never changes, so the phase is stable.
    let phase = monitor.id().0.as_u128() % interval;
    let wall = u128::try_from(wall_now.timestamp_nanos_opt().unwrap_or(0)).unwrap_or(0);
    let past_phase = (wall % interval + interval - phase) % interval;
    let wait = if past_phase == 0 {
        0
    } else {
        interval - past_phase
    };
    now + Duration::from_nanos(u64::try_from(wait).unwrap_or(u64::MAX))
}

/// The first deadline after `now` on the fixed-rate grid `deadline + k * interval`,
/// and how many grid points in between were missed entirely.
fn next_deadline(deadline: Instant, interval: Duration, now: Instant) -> (Instant, u64) {
    let next = deadline + interval;
    if next >= now {
        return (next, 0);
    }
    let missed = now
        .duration_since(next)
        .as_nanos()
        .div_ceil(interval.as_nanos().max(1));
    let missed = u32::try_from(missed).unwrap_or(u32::MAX);
    (next + interval.saturating_mul(missed), u64::from(missed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_deadline_is_fixed_rate_and_skips_what_passed() {
        let t = Instant::now();
        let s = Duration::from_secs(1);
        assert_eq!(next_deadline(t, s, t), (t + s, 0));
        assert_eq!(next_deadline(t, s, t + s / 2), (t + s, 0));
        // Exactly on the next grid point: it is due now, not missed.
        assert_eq!(next_deadline(t, s, t + s), (t + s, 0));
        // t + s passed unprobed; t + 2s is due now.
        assert_eq!(next_deadline(t, s, t + s * 2), (t + 2 * s, 1));
        assert_eq!(next_deadline(t, s, t + s * 2 + s / 10), (t + 3 * s, 2));
        assert_eq!(next_deadline(t, s, t + s * 3 + s / 2), (t + 4 * s, 3));
    }
}
