//! The prober against a real HTTP server on 127.0.0.1:0.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use futures_util::StreamExt;
use gomon_core::prober::{ConnectionMode, Probe, Prober, ProberConfig};
use gomon_core::{Monitor, MonitorSpec, ProbeError, ProbeOutcome};

const TIMEOUT: Duration = Duration::from_millis(500);
const HUGE_BODY: usize = 100 * 1024 * 1024;
const CHUNK: usize = 64 * 1024;

/// Starts the target server; returns its base URL and the count of body bytes
/// the streaming route has produced.
async fn target() -> (String, Arc<AtomicUsize>) {
    let produced = Arc::new(AtomicUsize::new(0));
    let counter = produced.clone();
    let app = Router::new()
        .route("/ok", get(|| async { "fine" }))
        .route("/missing", get(|| async { StatusCode::NOT_FOUND }))
        .route("/down", get(|| async { StatusCode::SERVICE_UNAVAILABLE }))
        .route("/hang", get(std::future::pending::<&'static str>))
        .route("/to-down", get(|| async { Redirect::temporary("/down") }))
        .route("/to-ok", get(|| async { Redirect::temporary("/ok") }))
        .route("/loop", get(|| async { Redirect::temporary("/loop") }))
        .route(
            "/agent",
            get(|headers: HeaderMap| async move {
                let agent = headers.get(header::USER_AGENT).cloned();
                match agent.and_then(|a| a.to_str().map(str::to_owned).ok()) {
                    Some(a) if a.starts_with("gomon/") => StatusCode::OK,
                    _ => StatusCode::BAD_REQUEST,
                }
            }),
        )
        .route(
            "/huge",
            get(move || {
                let counter = counter.clone();
                async move {
                    // 100 MiB in 64 KiB chunks, counting what was actually produced.
                    let chunks = futures_util::stream::iter(0..HUGE_BODY / CHUNK).map(move |_| {
                        counter.fetch_add(CHUNK, Ordering::Relaxed);
                        Ok::<_, std::io::Error>(vec![b'x'; CHUNK])
                    });
                    Body::from_stream(chunks).into_response()
                }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), produced)
}

fn monitor(url: String) -> Monitor {
    MonitorSpec::new("probe-test", url, 0)
        .with_interval(Duration::from_secs(1))
        .with_timeout(TIMEOUT)
        .build()
        .expect("valid monitor")
}

fn prober(mode: ConnectionMode) -> Prober {
    Prober::new(ProberConfig {
        connection_mode: mode,
        ..ProberConfig::default()
    })
    .expect("client")
}

async fn outcome(base: &str, path: &str) -> ProbeOutcome {
    prober(ConnectionMode::Fresh)
        .probe(&monitor(format!("{base}{path}")))
        .await
        .outcome
}

#[tokio::test]
async fn success_and_failure_follow_the_status() {
    let (base, _) = target().await;
    assert_eq!(outcome(&base, "/ok").await, ProbeOutcome::Status(200));
    assert_eq!(outcome(&base, "/missing").await, ProbeOutcome::Status(404));
    assert!(
        !outcome(&base, "/missing").await.is_failure(),
        "4xx is a success"
    );
    let down = outcome(&base, "/down").await;
    assert_eq!(down, ProbeOutcome::Status(503));
    assert!(down.is_failure());
}

#[tokio::test]
async fn redirects_are_followed_to_the_final_status() {
    let (base, _) = target().await;
    assert_eq!(outcome(&base, "/to-ok").await, ProbeOutcome::Status(200));
    let to_down = outcome(&base, "/to-down").await;
    assert_eq!(to_down, ProbeOutcome::Status(503));
    assert!(to_down.is_failure());
    assert_eq!(
        outcome(&base, "/loop").await,
        ProbeOutcome::Error(ProbeError::RedirectLoop)
    );
}

#[tokio::test]
async fn a_hanging_target_fails_as_a_timeout_in_about_the_timeout() {
    let (base, _) = target().await;
    let result = prober(ConnectionMode::Fresh)
        .probe(&monitor(format!("{base}/hang")))
        .await;
    assert_eq!(result.outcome, ProbeOutcome::Error(ProbeError::Timeout));
    assert!(result.latency >= TIMEOUT, "{:?}", result.latency);
    // Generous upper bound: this checks the timeout is enforced, not speed.
    assert!(result.latency < TIMEOUT * 10, "{:?}", result.latency);
}

#[tokio::test]
async fn a_refused_connection_fails_as_connect() {
    // Bind a port, then free it, so nothing listens there.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let result = prober(ConnectionMode::Fresh)
        .probe(&monitor(format!("http://{addr}/")))
        .await;
    assert_eq!(result.outcome, ProbeOutcome::Error(ProbeError::Connect));
}

#[tokio::test]
async fn a_huge_body_is_read_only_up_to_the_cap() {
    let (base, produced) = target().await;
    let result = prober(ConnectionMode::Fresh)
        .probe(&monitor(format!("{base}/huge")))
        .await;
    assert_eq!(result.outcome, ProbeOutcome::Status(200));
    // Give the server a moment to notice the closed connection, then check it
    // stopped producing long before 100 MiB: socket buffers hold a few MiB at most.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let produced = produced.load(Ordering::Relaxed);
    assert!(
        produced < 16 * 1024 * 1024,
        "the server produced {produced} bytes: the prober kept reading"
    );
}

#[tokio::test]
async fn probes_identify_as_gomon_in_both_connection_modes() {
    let (base, _) = target().await;
    for mode in [ConnectionMode::Fresh, ConnectionMode::KeepAlive] {
        let p = prober(mode);
        let m = monitor(format!("{base}/agent"));
        for _ in 0..3 {
            assert_eq!(
                p.probe(&m).await.outcome,
                ProbeOutcome::Status(200),
                "{mode:?}"
            );
        }
    }
}

#[tokio::test]
async fn concurrency_is_limited() {
    let (base, _) = target().await;
    let p = Arc::new(
        Prober::new(ProberConfig {
            concurrency: 2,
            ..ProberConfig::default()
        })
        .expect("client"),
    );
    // Four hanging probes with room for two at a time take two timeouts.
    let start = std::time::Instant::now();
    let probes: Vec<_> = (0..4)
        .map(|_| {
            let p = p.clone();
            let m = monitor(format!("{base}/hang"));
            tokio::spawn(async move { p.probe(&m).await })
        })
        .collect();
    for probe in probes {
        let result = probe.await.expect("join");
        assert_eq!(result.outcome, ProbeOutcome::Error(ProbeError::Timeout));
        // Waiting for a permit is not counted as probe time.
        assert!(result.latency < TIMEOUT * 2, "{:?}", result.latency);
    }
    assert!(start.elapsed() >= TIMEOUT * 2, "{:?}", start.elapsed());
}
