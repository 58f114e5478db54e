//! Turns sqlx errors into gomon-core's [`Error`], keeping the sqlx error as the source.
//!
//! The split that matters to callers is transient or not: the recorder retries a
//! batch on [`Error::Unavailable`] and gives up on anything else, so every failure
//! that may go away by itself (lost connection, pool exhausted, server restarting,
//! deadlock or serialization failure) must map to `Unavailable`.

use std::borrow::Cow;

use gomon_core::Error;

/// SQLSTATE of a unique violation.
pub(crate) const UNIQUE_VIOLATION: &str = "23505";
/// SQLSTATE of a foreign key violation.
pub(crate) const FOREIGN_KEY_VIOLATION: &str = "23503";

/// The SQLSTATE of a database error, if it is one.
pub(crate) fn sqlstate(err: &sqlx::Error) -> Option<Cow<'_, str>> {
    match err {
        sqlx::Error::Database(db) => db.code(),
        _ => None,
    }
}

/// The general mapping: unique violations are conflicts, transient failures are
/// `Unavailable`, the rest is a store error.
pub(crate) fn map(err: sqlx::Error) -> Error {
    if sqlstate(&err).as_deref() == Some(UNIQUE_VIOLATION) {
        let what = conflict_message(&err);
        return Error::Conflict(what);
    }
    if is_transient(&err) {
        Error::Unavailable(Box::new(err))
    } else {
        Error::Store(Box::new(err))
    }
}

/// Whether retrying the same operation later may succeed.
fn is_transient(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::Protocol(_) => true,
        sqlx::Error::Database(_) => sqlstate(err).is_some_and(|code| {
            let code = code.as_ref();
            // Class 08: connection exception. 40001/40P01: serialization failure and
            // deadlock, which PostgreSQL itself says to retry. 53xxx: insufficient
            // resources (too many connections, disk full). 57P0x: the server is
            // shutting down, restarting or not yet accepting connections.
            code.starts_with("08")
                || code == "40001"
                || code == "40P01"
                || code.starts_with("53")
                || matches!(code, "57P01" | "57P02" | "57P03")
                // A statement timeout or cancel, a read-only standby during a
                // failover, a lock not available: all pass, so results wait.
                || matches!(code, "57014" | "25006" | "55P03")
        }),
        _ => false,
    }
}

/// A sentence for a unique violation, from the constraint that was broken.
fn conflict_message(err: &sqlx::Error) -> String {
    let constraint = match err {
        sqlx::Error::Database(db) => db.constraint().unwrap_or_default(),
        _ => "",
    };
    match constraint {
        "users_username_key" => "the username is taken".to_owned(),
        "monitors_pkey" => "a monitor with this id already exists".to_owned(),
        "monitors_owner_name_key" => "the owner already has a monitor of this name".to_owned(),
        "alerts_one_open_per_monitor" => "the monitor already has an open alert".to_owned(),
        "alerts_pkey" => "an alert with this id already exists".to_owned(),
        other => format!("unique constraint {other:?} violated"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lost_connections_and_pool_timeouts_are_transient() {
        let io = sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::ConnectionReset));
        assert!(map(io).is_transient());
        assert!(map(sqlx::Error::PoolTimedOut).is_transient());
        assert!(!map(sqlx::Error::RowNotFound).is_transient());
        assert!(matches!(map(sqlx::Error::PoolClosed), Error::Store(_)));
    }

    #[test]
    fn the_sqlx_error_is_kept_as_the_source() {
        let err = map(sqlx::Error::PoolTimedOut);
        let source = std::error::Error::source(&err).expect("a source");
        assert!(source.to_string().contains("pool timed out"), "{source}");
    }
}
