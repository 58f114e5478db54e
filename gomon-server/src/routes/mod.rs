//! The HTTP routes: `/v1`, the GoMon-compatible family, health, and OpenAPI.

pub(crate) mod compat;
pub(crate) mod health;
pub(crate) mod openapi;
pub(crate) mod v1;
