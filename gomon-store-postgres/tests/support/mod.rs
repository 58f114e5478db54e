//! Fresh PostgreSQL databases for tests, one per test, dropped when the test ends.
//!
//! The server is `DATABASE_URL`, or the local one on 127.0.0.1:5432 that
//! `scripts/postgres.sh` starts. When no server answers the tests fail: they are
//! never skipped.

#![allow(dead_code, unreachable_pub)]

pub use gomon_store_postgres::testing::TestDb;

mod delegate;
pub use delegate::TestStore;

/// A migrated store on a fresh database, for `gomon_core::conformance_tests!`.
pub async fn new_store() -> std::sync::Arc<TestStore> {
    let db = TestDb::new().await;
    let store = db.store().await;
    std::sync::Arc::new(TestStore { store, db })
}
