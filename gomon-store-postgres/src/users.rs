//! Users: accounts that own monitors, found by their unique username.

use chrono::{DateTime, Utc};
use gomon_core::{Error, NewUser, Result, User, UserId};
use uuid::Uuid;

use crate::{PostgresStore, error};

type UserRow = (Uuid, String, String, DateTime<Utc>);

fn user((id, username, password_hash, created_at): UserRow) -> User {
    User {
        id: UserId(id),
        username,
        password_hash,
        created_at,
    }
}

impl PostgresStore {
    pub(crate) async fn create_user_row(&self, new: NewUser) -> Result<User> {
        // created_at comes back from the database so that the returned user is
        // exactly what a later lookup reads (microseconds, not nanoseconds).
        let row: UserRow = sqlx::query_as(
            "INSERT INTO users (id, username, password_hash, created_at)
             VALUES ($1, $2, $3, now())
             RETURNING id, username, password_hash, created_at",
        )
        .bind(UserId::new().0)
        .bind(&new.username)
        .bind(&new.password_hash)
        .fetch_one(&self.pool)
        .await
        .map_err(error::map)?;
        Ok(user(row))
    }

    pub(crate) async fn user_row_by_name(&self, username: &str) -> Result<User> {
        let row: Option<UserRow> = sqlx::query_as(
            "SELECT id, username, password_hash, created_at FROM users WHERE username = $1",
        )
        .bind(username)
        .fetch_optional(&self.pool)
        .await
        .map_err(error::map)?;
        row.map(user)
            .ok_or_else(|| Error::not_found(format!("user {username:?}")))
    }
}
