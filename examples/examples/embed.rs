//! Embeds gomon in an application: serves a local endpoint that fails for a
//! few seconds, monitors it once a second, and prints every alert opened and
//! resolved. Exits by itself once the alert has resolved (or after a minute).
//!
//! ```text
//! cargo run -p gomon-examples --example embed
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use gomon_core::{Event, Gomon, MonitorSpec};
use gomon_store_memory::MemoryStore;
use tokio_util::sync::CancellationToken;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = serve_flaky_endpoint().await?;

    // The memory store needs no setup; gomon-store-postgres keeps history across restarts.
    let gomon = Gomon::builder(Arc::new(MemoryStore::new()))
        .spawn(CancellationToken::new())
        .await?;
    let mut events = gomon.subscribe();

    // Alert when more than 2 probes fail within 5 seconds.
    let monitor = gomon
        .add(
            MonitorSpec::new("flaky", &url, 2)
                .with_interval(Duration::from_secs(1))
                .with_timeout(Duration::from_millis(500))
                .with_window(Duration::from_secs(5)),
        )
        .await?;
    println!("monitoring {} every second", monitor.url());

    let outcome = tokio::time::timeout(Duration::from_secs(60), async {
        while let Ok(event) = events.recv().await {
            match event {
                Event::AlertOpened { monitor, alert } => println!(
                    "alert opened:   {} ({} failures, last: {}) at {}",
                    monitor.name(),
                    alert.failures,
                    alert.last_outcome,
                    alert.opened_at.format("%H:%M:%S")
                ),
                Event::AlertResolved { monitor, alert } => {
                    let at = alert.resolved_at.unwrap_or(alert.opened_at);
                    println!(
                        "alert resolved: {} at {}",
                        monitor.name(),
                        at.format("%H:%M:%S")
                    );
                    return;
                }
                _ => {}
            }
        }
    })
    .await;
    if outcome.is_err() {
        println!("no resolved alert within a minute");
    }
    gomon.shutdown().await?;
    Ok(())
}

/// A local endpoint that answers 200, then 503 for its requests 3 to 7, then 200 again.
async fn serve_flaky_endpoint() -> std::io::Result<String> {
    let requests = Arc::new(AtomicUsize::new(0));
    let app = Router::new().route(
        "/health",
        get(move || {
            let n = requests.fetch_add(1, Ordering::SeqCst);
            async move {
                if (3..8).contains(&n) {
                    StatusCode::SERVICE_UNAVAILABLE
                } else {
                    StatusCode::OK
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(format!("http://{addr}/health"))
}
