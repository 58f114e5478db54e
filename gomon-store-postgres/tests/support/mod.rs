//! Fresh PostgreSQL databases for tests, one per test, dropped when the test ends.
//!
//! The server is `DATABASE_URL`, or the local one on 127.0.0.1:5432 that
//! `scripts/postgres.sh` starts. When no server answers the tests fail: they are
//! never skipped.

#![allow(dead_code, unreachable_pub)]

use gomon_store_postgres::PostgresStore;
pub use gomon_store_postgres::testing::TestDb;

/// A migrated store that owns its test database. It dereferences to the
/// store, so `&*test_store` is a `&dyn Store`; fields drop in order, the
/// pool before the database.
#[derive(Debug)]
pub struct TestStore {
    pub store: PostgresStore,
    pub db: TestDb,
}

impl std::ops::Deref for TestStore {
    type Target = PostgresStore;

    fn deref(&self) -> &PostgresStore {
        &self.store
    }
}

/// A migrated store on a fresh database, for `gomon_core::conformance_tests!`.
pub async fn new_store() -> TestStore {
    let db = TestDb::new().await;
    let store = db.store().await;
    TestStore { store, db }
}
