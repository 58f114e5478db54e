//! The domain model: monitors, probe results, alerts, call stats and users.

mod alert;
mod ids;
mod monitor;
mod probe_result;
mod stats;
mod user;

pub use alert::{Alert, AlertCursor};
pub use ids::{AlertId, MonitorId, UserId};
pub use monitor::{
    DEFAULT_INTERVAL, DEFAULT_TIMEOUT, DEFAULT_WINDOW, MAX_INTERVAL, MAX_NAME_LEN, MAX_URL_LEN,
    MIN_INTERVAL, Monitor, MonitorSpec, validate_name,
};
pub use probe_result::{ProbeError, ProbeOutcome, ProbeResult};
pub use stats::{CallStats, TimeRange};
pub use user::{NewUser, User};
