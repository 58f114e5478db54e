//! Typed identifiers, so a monitor id can never be passed where a user id is expected.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new random (v4) identifier.
            pub fn new() -> Self {
                Self(Uuid::new_v4())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

uuid_id!(
    /// Identifies a [`Monitor`](crate::Monitor).
    MonitorId
);
uuid_id!(
    /// Identifies an [`Alert`](crate::Alert).
    AlertId
);
uuid_id!(
    /// Identifies a [`User`](crate::User), the owner of monitors.
    UserId
);

impl UserId {
    /// The owner of monitors added by an embedding application that has no users of its own.
    pub const LOCAL: UserId = UserId(Uuid::nil());
}
