//! # gomon-server
//!
//! The multi-user REST service around gomon-core: sign-up and log-in with
//! argon2id passwords and HS256 tokens, monitors per user, 24 h stats and
//! alerts, under `/v1` and under the routes of the original GoMon service.
//!
//! [`app`] builds the router from an [`AppState`]; the `gomon-server` binary
//! adds configuration, the store choice and signal handling.

pub mod auth;
pub mod config;
mod error;
mod extract;
mod routes;
mod service;
pub mod state;
pub mod views;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use tower_http::trace::TraceLayer;

pub use error::{Error, Result};
pub use state::{AppState, Settings};

/// Request bodies larger than this are refused with 413.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The whole HTTP API over `state`.
pub fn app(state: AppState) -> Router {
    Router::new()
        .merge(routes::v1::routes())
        .merge(routes::compat::routes())
        .merge(routes::health::routes())
        .merge(routes::openapi::routes())
        .fallback(|| async { Error::Core(gomon_core::Error::not_found("route")) })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
