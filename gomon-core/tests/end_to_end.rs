//! The whole loop in real time: the Gomon handle, the memory store, the real
//! prober, and a local target that answers 503 for a while and then recovers.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use gomon_core::{Event, Gomon, MonitorSpec, Store, TimeRange};
use gomon_store_memory::MemoryStore;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

/// Requests answered 503 before the target recovers.
const FAILING_REQUESTS: usize = 4;

async fn flaky_target() -> String {
    let served = Arc::new(AtomicUsize::new(0));
    let app = Router::new().route(
        "/health",
        get(move || {
            let n = served.fetch_add(1, Ordering::SeqCst);
            async move {
                if n < FAILING_REQUESTS {
                    StatusCode::SERVICE_UNAVAILABLE
                } else {
                    StatusCode::OK
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/health")
}

async fn next_event(events: &mut broadcast::Receiver<Event>) -> Event {
    tokio::time::timeout(Duration::from_secs(30), events.recv())
        .await
        .expect("an event within 30 s")
        .expect("event stream open")
}

#[tokio::test]
async fn an_outage_opens_one_alert_that_resolves_after_recovery() {
    let url = flaky_target().await;
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let gomon = Gomon::builder(store.clone())
        .spawn(CancellationToken::new())
        .await
        .expect("spawn");
    let mut events = gomon.subscribe();
    let monitor = gomon
        .add(
            MonitorSpec::new("flaky", url, 1)
                .with_interval(Duration::from_secs(1))
                .with_timeout(Duration::from_millis(800))
                .with_window(Duration::from_secs(3)),
        )
        .await
        .expect("add");

    let opened = match next_event(&mut events).await {
        Event::AlertOpened { alert, monitor: m } => {
            assert_eq!(m.id(), monitor.id());
            assert_eq!(
                alert.failures, 2,
                "threshold 1: the second failure opens it"
            );
            assert_eq!(alert.last_outcome.status(), Some(503));
            alert
        }
        other => panic!("expected an opened alert, got {other:?}"),
    };
    match next_event(&mut events).await {
        Event::AlertResolved { alert, .. } => {
            assert_eq!(alert.id, opened.id);
            let resolved_at = alert.resolved_at.expect("resolved");
            assert!(resolved_at - opened.opened_at >= chrono::TimeDelta::seconds(3));
        }
        other => panic!("expected the alert to resolve, got {other:?}"),
    }
    gomon.shutdown().await.expect("shutdown");

    let alerts = store
        .list_alerts(monitor.id(), None, 10)
        .await
        .expect("alerts");
    assert_eq!(alerts.len(), 1, "one incident, one alert");
    let now = chrono::Utc::now();
    let stats = store
        .stats(
            monitor.id(),
            TimeRange::last(Duration::from_secs(3600), now),
        )
        .await
        .expect("stats");
    assert_eq!(stats.failures, FAILING_REQUESTS as u64);
    assert!(stats.successes >= 3, "{stats:?}");
}
