//! # gomon-core
//!
//! Uptime monitoring as a library. Register URLs with a threshold; gomon sends
//! each one a GET on its own schedule, stores every result in a pluggable
//! [`Store`], and opens an [`Alert`] when more than `threshold` probes fail
//! within the monitor's trailing window (5 minutes by default).
//!
//! The pieces, each usable alone:
//!
//! * [`model`]: [`Monitor`] (validated by [`MonitorSpec::build`]), [`ProbeResult`],
//!   [`Alert`], [`CallStats`].
//! * [`Store`]: the storage trait, with a conformance suite for backends
//!   (feature `test-util`).
//!
//! See the repository README for a complete embedding example.

pub mod clock;
#[cfg(feature = "test-util")]
pub mod conformance;
mod error;
pub mod events;
mod gomon;
pub mod metrics;
pub mod model;
pub mod policy;
pub mod prober;
pub mod recorder;
mod scheduler;
pub mod store;

pub use clock::{Clock, SystemClock, TokioClock};
pub use error::{Error, InvalidMonitor, Result};
pub use events::Event;
pub use gomon::{Gomon, GomonBuilder};
pub use metrics::MetricsSnapshot;
pub use model::{
    Alert, AlertCursor, AlertId, CallStats, Monitor, MonitorId, MonitorSpec, NewUser, ProbeError,
    ProbeOutcome, ProbeResult, TimeRange, User, UserId,
};
pub use policy::{AlertChange, AlertPolicy};
pub use prober::{ConnectionMode, Probe, Prober, ProberConfig};
pub use recorder::RecorderConfig;
pub use store::Store;
