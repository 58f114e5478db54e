//! [`User`]: an account that owns monitors. The store keeps only an opaque password hash.

use chrono::{DateTime, Utc};

use super::UserId;

/// A user account as stored.
#[derive(Clone, PartialEq, Eq)]
pub struct User {
    /// The user's identifier.
    pub id: UserId,
    /// Unique login name.
    pub username: String,
    /// A PHC-format password hash made by the caller (argon2id in gomon-server).
    pub password_hash: String,
    /// When the account was created.
    pub created_at: DateTime<Utc>,
}

// Hand-written so that the password hash never reaches a log line.
impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("created_at", &self.created_at)
            .finish_non_exhaustive()
    }
}

/// A user to create.
#[derive(Clone)]
pub struct NewUser {
    /// Unique login name.
    pub username: String,
    /// A PHC-format password hash.
    pub password_hash: String,
}
