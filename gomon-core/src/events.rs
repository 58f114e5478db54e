//! [`Event`]: what subscribers of a running [`Gomon`](crate::Gomon) are told.

use std::sync::Arc;

use crate::model::{Alert, Monitor};

/// An alert change, published after it was written to the store.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// A monitor's failures exceeded its threshold.
    AlertOpened {
        /// The monitor as configured when the failing probe ran.
        monitor: Arc<Monitor>,
        /// The new alert.
        alert: Alert,
    },
    /// A monitor had a whole window without failure.
    AlertResolved {
        /// The monitor as configured when the resolving probe ran.
        monitor: Arc<Monitor>,
        /// The alert, with `resolved_at` set.
        alert: Alert,
    },
}

impl Event {
    /// The alert the event is about.
    pub fn alert(&self) -> &Alert {
        match self {
            Self::AlertOpened { alert, .. } | Self::AlertResolved { alert, .. } => alert,
        }
    }

    /// The monitor the event is about.
    pub fn monitor(&self) -> &Monitor {
        match self {
            Self::AlertOpened { monitor, .. } | Self::AlertResolved { monitor, .. } => monitor,
        }
    }
}
