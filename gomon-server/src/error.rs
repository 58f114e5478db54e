//! The server's error type and how each error becomes a JSON response:
//! `{"error": {"code": "...", "message": "..."}}` with the matching status.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// Everything a request or the server's start-up can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Input that breaks a rule; `code` is stable, `message` says what to fix.
    #[error("{message}")]
    Invalid {
        /// Machine-readable reason, e.g. `invalid_username`.
        code: &'static str,
        /// Human-readable explanation.
        message: String,
    },
    /// The request body or query could not be read (malformed JSON, wrong
    /// type, unknown field, too large, wrong content type).
    #[error("{message}")]
    Rejected {
        /// 400, 413 or 415, as axum decided.
        status: StatusCode,
        /// What was wrong, from the JSON or query parser.
        message: String,
    },
    /// No valid bearer token, or wrong credentials.
    #[error("{0}")]
    Unauthorized(&'static str),
    /// Authenticated, but not allowed (signup closed, monitor limit reached).
    #[error("{message}")]
    Forbidden {
        /// Machine-readable reason.
        code: &'static str,
        /// Human-readable explanation.
        message: String,
    },
    /// Failure from gomon-core or the store.
    #[error(transparent)]
    Core(#[from] gomon_core::Error),
    /// Bad configuration at start-up.
    #[error("configuration: {0}")]
    Config(String),
    /// I/O at start-up (binding the address).
    #[error("I/O error")]
    Io(#[from] std::io::Error),
}

impl Error {
    /// Shorthand for [`Error::Invalid`].
    pub fn invalid(code: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid {
            code,
            message: message.into(),
        }
    }

    fn status_code_message(&self) -> (StatusCode, &'static str, String) {
        use gomon_core::Error as Core;
        match self {
            Self::Invalid { code, message } => (StatusCode::BAD_REQUEST, code, message.clone()),
            Self::Rejected { status, message } => {
                let code = match *status {
                    StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
                    StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
                    _ => "bad_request",
                };
                (*status, code, message.clone())
            }
            Self::Unauthorized(message) => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                (*message).to_owned(),
            ),
            Self::Forbidden { code, message } => (StatusCode::FORBIDDEN, code, message.clone()),
            Self::Core(Core::NotFound { what }) => (
                StatusCode::NOT_FOUND,
                "not_found",
                format!("{what} not found"),
            ),
            Self::Core(Core::Conflict(message)) => {
                (StatusCode::CONFLICT, "conflict", message.clone())
            }
            Self::Core(Core::Invalid(invalid)) => (
                StatusCode::BAD_REQUEST,
                "invalid_monitor",
                invalid.to_string(),
            ),
            Self::Core(Core::Unavailable(_) | Core::ShutDown) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "the service is temporarily unavailable; retry later".to_owned(),
            ),
            Self::Core(_) | Self::Config(_) | Self::Io(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "internal error".to_owned(),
            ),
        }
    }
}

#[derive(Serialize)]
struct Body<'a> {
    error: Detail<'a>,
}

#[derive(Serialize)]
struct Detail<'a> {
    code: &'a str,
    message: &'a str,
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let (status, code, message) = self.status_code_message();
        if status.is_server_error() {
            // The detail goes to the log, never to the client.
            tracing::error!(error = %self, source = ?std::error::Error::source(&self), "request failed");
        }
        let body = Body {
            error: Detail {
                code,
                message: &message,
            },
        };
        let mut response = (status, Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// Result alias of the server.
pub type Result<T, E = Error> = std::result::Result<T, E>;
