//! A minimal HTTP/1.1 target for load tests: `GET /ok` answers 200 and
//! `GET /fail` answers 503, each with a two-byte body. It is what both wrk and
//! gomon's prober hit, so the two measure against the same server.

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use tokio::net::TcpListener;

/// The routes of the target.
pub fn router() -> Router {
    Router::new()
        .route("/ok", get(|| async { (StatusCode::OK, "ok") }))
        .route(
            "/fail",
            get(|| async { (StatusCode::SERVICE_UNAVAILABLE, "no") }),
        )
}

/// Serves the target on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router())
        .with_graceful_shutdown(shutdown)
        .await
}
