//! # gomon-store-postgres
//!
//! [`PostgresStore`]: the durable [`Store`](gomon_core::Store) of gomon, on
//! PostgreSQL through sqlx. It passes gomon-core's conformance suite and is built
//! for the two hot paths of an uptime service:
//!
//! * **Ingest**: a whole batch of results is one `INSERT ... SELECT FROM UNNEST(...)`
//!   statement, whatever its size (no bind-parameter limit), atomic and
//!   idempotent per `(monitor, started_at)`. The same statement updates an hourly
//!   rollup from the rows it actually inserted.
//! * **Stats**: whole hours of a window come from the rollup and only the
//!   partial hours at its edges from the raw results, so a 24 h query reads about
//!   24 rollup rows plus two hours of raw rows, all in SQL, and is exact.
//!
//! Migrations are embedded ([`MIGRATOR`]) and applied by [`PostgresStore::connect`]
//! and [`PostgresStore::from_pool`]; sqlx takes a PostgreSQL advisory lock around
//! them, so several processes may start at once against one database.
//! Old results and rollups are removed by [`PostgresStore::run_retention`].
//!
//! ```no_run
//! # async fn demo() -> gomon_core::Result<()> {
//! use std::sync::Arc;
//! use gomon_store_postgres::PostgresStore;
//!
//! let store = PostgresStore::connect("postgres://postgres@127.0.0.1/gomon").await?;
//! let cancel = tokio_util::sync::CancellationToken::new();
//! tokio::spawn(store.clone().run_retention(Default::default(), cancel.clone()));
//! let store: Arc<dyn gomon_core::Store> = Arc::new(store);
//! # Ok(()) }
//! ```

mod alerts;
mod codec;
mod error;
mod monitors;
mod results;
pub mod retention;
mod stats;
mod store;
#[cfg(feature = "test-util")]
pub mod testing;
mod users;

use std::time::Duration;

use gomon_core::{Error, Result};
use sqlx::PgPool;
use sqlx::migrate::{MigrateError, Migrator};
use sqlx::postgres::PgPoolOptions;

pub use retention::{Pruned, Retention};

/// The embedded schema migrations (`migrations/` of this crate).
pub static MIGRATOR: Migrator = sqlx::migrate!();

/// A [`Store`](gomon_core::Store) on PostgreSQL. Cheap to clone: clones share one pool.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    /// Connects a pool of up to 10 connections to `url` and applies the migrations.
    ///
    /// A server that does not answer is [`Error::Unavailable`].
    pub async fn connect(url: &str) -> Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(10)
            // The recorder retries on Unavailable: better to tell it soon than
            // to hold a batch for sqlx's default 30 s.
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await
            .map_err(error::map)?;
        Self::from_pool(pool).await
    }

    /// Uses an existing pool (its size and timeouts are the caller's choice) and
    /// applies the migrations.
    pub async fn from_pool(pool: PgPool) -> Result<Self> {
        MIGRATOR.run(&pool).await.map_err(migrate_error)?;
        Ok(Self { pool })
    }

    /// The pool, for callers that run their own queries next to the store's.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

fn migrate_error(err: MigrateError) -> Error {
    match err {
        MigrateError::Execute(e) => error::map(e),
        other => Error::Store(Box::new(other)),
    }
}
