//! Why a probe got no response: maps reqwest, hyper and socket errors to a
//! [`ProbeError`].
//!
//! Both paths of the prober (reqwest for https, the HTTP/1.1 fast path for
//! http) must give the same answer for the same failure, so the fast path's
//! rules below mirror what [`classify`] finds in reqwest's cause chain.

use std::error::Error as StdError;
use std::io;

use crate::model::ProbeError;

/// Maps a reqwest error to why there was no response.
pub(super) fn classify(error: &reqwest::Error) -> ProbeError {
    if error.is_timeout() {
        return ProbeError::Timeout;
    }
    if error.is_redirect() {
        return ProbeError::RedirectLoop;
    }
    // reqwest has no typed DNS or TLS errors: look through the cause chain.
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string().to_ascii_lowercase();
        if text.contains("dns error") || text.contains("failed to lookup address") {
            return ProbeError::Dns;
        }
        if text.contains("certificate") || text.contains("tls") || text.contains("handshake") {
            return ProbeError::Tls;
        }
        source = cause.source();
    }
    if error.is_connect() {
        return ProbeError::Connect;
    }
    ProbeError::Other
}

/// A failed TCP connect. reqwest reports an operating-system connect timeout
/// (`ETIMEDOUT`) as a timeout, everything else as a connect error.
pub(super) fn classify_connect(error: &io::Error) -> ProbeError {
    if error.kind() == io::ErrorKind::TimedOut {
        ProbeError::Timeout
    } else {
        ProbeError::Connect
    }
}

/// An error on an established connection: sending the request, reading the
/// response head or its body. reqwest counts these as timeouts when a timeout
/// is somewhere in the cause chain, and as `Other` otherwise (a reset, a
/// malformed response, a body cut short).
pub(super) fn classify_hyper(error: &hyper::Error) -> ProbeError {
    if error.is_timeout() {
        return ProbeError::Timeout;
    }
    let mut source = error.source();
    while let Some(cause) = source {
        // No let-chains: the crate's MSRV (1.85) predates them.
        if let Some(io) = cause.downcast_ref::<io::Error>() {
            if io.kind() == io::ErrorKind::TimedOut {
                return ProbeError::Timeout;
            }
        }
        source = cause.source();
    }
    ProbeError::Other
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_errors() {
        let refused = io::Error::from(io::ErrorKind::ConnectionRefused);
        assert_eq!(classify_connect(&refused), ProbeError::Connect);
        let timed_out = io::Error::from(io::ErrorKind::TimedOut);
        assert_eq!(classify_connect(&timed_out), ProbeError::Timeout);
    }
}
