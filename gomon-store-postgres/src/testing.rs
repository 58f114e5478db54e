//! [`TestDb`]: a fresh PostgreSQL database per test, dropped when the test ends
//! (feature `test-util`). Used by this crate's tests and by gomon-server's.
//!
//! The server is `DATABASE_URL`, or the local one on 127.0.0.1:5432 that
//! `scripts/postgres.sh` starts. When no server answers the tests fail: they are
//! never skipped.

use std::str::FromStr;
use std::time::{SystemTime, UNIX_EPOCH};

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgConnection, PgPool};

use crate::PostgresStore;

const PREFIX: &str = "gomon_test_";
/// Databases left behind by killed test runs are dropped once this old.
const STALE_AFTER_SECS: u64 = 3600;

fn server() -> PgConnectOptions {
    let url = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    PgConnectOptions::from_str(&url).expect("DATABASE_URL is a valid PostgreSQL URL")
}

async fn admin() -> PgConnection {
    PgConnection::connect_with(&server()).await.unwrap_or_else(|e| {
        panic!("no PostgreSQL server for the tests ({e}): run scripts/postgres.sh or set DATABASE_URL")
    })
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A database of its own for one test. Dropping it drops the database, even
/// when the test panics; connections still open to it are terminated.
#[derive(Debug)]
pub struct TestDb {
    name: String,
}

impl TestDb {
    /// Creates an empty database with a unique name.
    pub async fn new() -> Self {
        let mut admin = admin().await;
        drop_stale(&mut admin).await;
        let name = format!("{PREFIX}{}_{}", now_secs(), uuid::Uuid::new_v4().simple());
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .expect("create test database");
        TestDb { name }
    }

    /// Connection options for this database.
    pub fn options(&self) -> PgConnectOptions {
        server().database(&self.name)
    }

    /// A small pool on this database, without migrations.
    pub async fn pool(&self) -> PgPool {
        PgPoolOptions::new()
            .max_connections(4)
            .connect_with(self.options())
            .await
            .expect("connect to the test database")
    }

    /// A migrated store on this database.
    pub async fn store(&self) -> PostgresStore {
        PostgresStore::from_pool(self.pool().await)
            .await
            .expect("migrate")
    }
}

/// Drops databases of earlier runs that were killed before they could clean up.
async fn drop_stale(admin: &mut PgConnection) {
    let names: Vec<(String,)> =
        sqlx::query_as("SELECT datname FROM pg_database WHERE datname LIKE 'gomon\\_test\\_%'")
            .fetch_all(&mut *admin)
            .await
            .expect("list test databases");
    for (name,) in names {
        let created = name[PREFIX.len()..]
            .split('_')
            .next()
            .and_then(|s| s.parse::<u64>().ok());
        if created.is_some_and(|c| c + STALE_AFTER_SECS < now_secs()) {
            // Another run may be dropping it too: errors do not matter here.
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut *admin)
                .await;
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        // Drop runs inside the test's runtime, which cannot be blocked on: a
        // thread with a runtime of its own does the async work.
        let name = std::mem::take(&mut self.name);
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async {
                let mut admin = admin().await;
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut admin)
                    .await
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(_))) && !std::thread::panicking() {
            panic!("could not drop the test database: {dropped:?}");
        }
    }
}
