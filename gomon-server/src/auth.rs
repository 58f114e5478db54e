//! Passwords (argon2id) and bearer tokens (HS256 JWTs with `sub` and `exp`),
//! and the [`AuthUser`] extractor that every protected route takes.

use std::sync::OnceLock;

use std::time::Duration;
use tokio::sync::Semaphore;

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use chrono::{DateTime, TimeDelta, Utc};
use gomon_core::UserId;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::state::AppState;

/// argon2id takes ~19 MiB per hash: bound how many run at once so a burst of
/// log-ins queues instead of exhausting memory.
fn hashing_slots() -> &'static Semaphore {
    static SLOTS: OnceLock<Semaphore> = OnceLock::new();
    SLOTS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        Semaphore::new(2 * cores)
    })
}

/// Hashes a password with argon2id and a random salt, off the async threads.
pub(crate) async fn hash_password(password: String) -> Result<String> {
    let _slot = hashing_slots().acquire().await;
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|e| Error::Config(format!("password hashing failed: {e}")))
    })
    .await
    .map_err(|e| Error::Config(format!("password hashing task failed: {e}")))?
}

/// Checks a password against a stored hash. With no stored hash (unknown
/// user) it checks against a dummy one, so that a login for a user that does
/// not exist takes as long as one with a wrong password.
pub(crate) async fn verify_password(password: String, stored: Option<String>) -> bool {
    let _slot = hashing_slots().acquire().await;
    tokio::task::spawn_blocking(move || {
        let known = stored.is_some();
        let hash = stored.unwrap_or_else(|| dummy_hash().to_owned());
        let Ok(parsed) = PasswordHash::new(&hash) else {
            return false;
        };
        let matches = Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        known && matches
    })
    .await
    .unwrap_or(false)
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(b"not a real password", &salt)
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

/// What a token says.
#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    /// The user's id.
    sub: String,
    /// The username, as GoMon's tokens carried it.
    username: String,
    iat: i64,
    exp: i64,
}

/// Issues and checks tokens with one HS256 secret.
pub struct Tokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl: Duration,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The keys are secret: never print them.
        f.debug_struct("Tokens")
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

impl Tokens {
    /// Tokens signed with `secret`, valid for `ttl`.
    pub fn new(secret: &[u8], ttl: Duration) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        // Only HS256 is accepted, so `alg: none` and algorithm swaps fail.
        validation.algorithms = vec![Algorithm::HS256];
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "sub"]);
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            ttl,
        }
    }

    /// A token for the user, and when it expires.
    pub(crate) fn issue(
        &self,
        user: UserId,
        username: &str,
        now: DateTime<Utc>,
    ) -> Result<(String, DateTime<Utc>)> {
        let expires_at = now + TimeDelta::from_std(self.ttl).unwrap_or(TimeDelta::days(3));
        let claims = Claims {
            sub: user.to_string(),
            username: username.to_owned(),
            iat: now.timestamp(),
            exp: expires_at.timestamp(),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| Error::Config(format!("token signing failed: {e}")))?;
        Ok((token, expires_at))
    }

    /// The user a token was issued to, if it is well-formed, correctly signed
    /// and unexpired.
    fn verify(&self, token: &str) -> Result<UserId> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|_| Error::Unauthorized("the token is invalid or expired"))?;
        Uuid::parse_str(&data.claims.sub)
            .map(UserId)
            .map_err(|_| Error::Unauthorized("the token is invalid or expired"))
    }
}

/// 32 random bytes from the operating system, for a per-process secret.
pub fn random_secret() -> Result<Vec<u8>> {
    let mut secret = vec![0u8; 32];
    getrandom::getrandom(&mut secret)
        .map_err(|e| Error::Config(format!("no randomness for the JWT secret: {e}")))?;
    Ok(secret)
}

/// The authenticated caller of a protected route.
#[derive(Debug, Clone, Copy)]
pub struct AuthUser(pub UserId);

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        let header = parts
            .headers
            .get(AUTHORIZATION)
            .ok_or(Error::Unauthorized("missing bearer token"))?;
        let token = header
            .to_str()
            .ok()
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(Error::Unauthorized(
                "the Authorization header must be 'Bearer <token>'",
            ))?;
        state.tokens().verify(token).map(AuthUser)
    }
}
