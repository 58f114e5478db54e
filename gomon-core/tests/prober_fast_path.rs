//! The prober's HTTP/1.1 fast path for `http://` probes: what it sends, how it
//! reuses connections, how it follows redirects and classifies failures.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use gomon_core::prober::{ConnectionMode, Probe, Prober, ProberConfig};
use gomon_core::{Monitor, MonitorSpec, ProbeError, ProbeOutcome};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const TIMEOUT: Duration = Duration::from_millis(500);

/// What the target saw of one request.
#[derive(Debug, Clone)]
struct Seen {
    peer: SocketAddr,
    uri: String,
    headers: HeaderMap,
}

type Log = Arc<Mutex<Vec<Seen>>>;

async fn record(
    State(log): State<Log>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    uri: Uri,
    headers: HeaderMap,
) -> &'static str {
    log.lock().expect("log").push(Seen {
        peer,
        uri: uri.to_string(),
        headers,
    });
    "recorded"
}

/// Redirects `/chain/n` to `/chain/n-1`; `/chain/0` answers 200.
async fn chain(Path(n): Path<u32>) -> axum::response::Response {
    if n == 0 {
        "end of chain".into_response()
    } else {
        Redirect::temporary(&format!("/chain/{}", n - 1)).into_response()
    }
}

/// An axum target that records requests on `/record`; returns its base URL.
async fn target() -> (String, Log) {
    let log = Log::default();
    let app = Router::new()
        .route("/record", get(record))
        .route("/chain/{n}", get(chain))
        .route("/to-record", get(|| async { Redirect::to("/record") }))
        .route(
            "/to-ftp",
            get(|| async { Redirect::temporary("ftp://127.0.0.1/") }),
        )
        .route(
            "/found-without-location",
            get(|| async { StatusCode::FOUND }),
        )
        .route(
            "/multiple-choices",
            get(|| async {
                (
                    StatusCode::MULTIPLE_CHOICES,
                    [(header::LOCATION, "/record")],
                )
            }),
        )
        .route("/big", get(|| async { vec![b'x'; 1024 * 1024] }))
        .route("/hang", get(std::future::pending::<&'static str>))
        .with_state(log.clone());
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
    });
    (format!("http://{addr}"), log)
}

/// A raw TCP target: reads one request head per connection, writes `reply`,
/// then closes the connection (after `linger`, to let a keep-alive client
/// pool it first). Returns its address.
async fn raw_target(reply: &'static [u8]) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let _ = socket.write_all(reply).await;
                tokio::time::sleep(Duration::from_millis(20)).await;
            });
        }
    });
    addr
}

fn monitor(url: String) -> Monitor {
    MonitorSpec::new("fast-path-test", url, 0)
        .with_interval(Duration::from_secs(1))
        .with_timeout(TIMEOUT)
        .build()
        .expect("valid monitor")
}

fn prober(mode: ConnectionMode, max_redirects: usize) -> Prober {
    Prober::new(ProberConfig {
        connection_mode: mode,
        max_redirects,
        ..ProberConfig::default()
    })
    .expect("client")
}

const MODES: [ConnectionMode; 2] = [ConnectionMode::Fresh, ConnectionMode::KeepAlive];

#[tokio::test]
async fn the_request_carries_host_with_port_target_and_headers() {
    let (base, log) = target().await;
    let port = base.rsplit(':').next().expect("port").to_owned();
    for mode in MODES {
        let p = prober(mode, 10);
        let result = p
            .probe(&monitor(format!("{base}/record?a=1&b=two#fragment")))
            .await;
        assert_eq!(result.outcome, ProbeOutcome::Status(200), "{mode:?}");
        let seen = log.lock().expect("log").pop().expect("a request");
        assert_eq!(seen.uri, "/record?a=1&b=two", "{mode:?}: no fragment");
        let header = |name| seen.headers.get(name).and_then(|v| v.to_str().ok());
        assert_eq!(header(header::HOST), Some(&*format!("127.0.0.1:{port}")));
        assert_eq!(
            header(header::USER_AGENT),
            Some(&*format!("gomon/{}", env!("CARGO_PKG_VERSION")))
        );
        assert_eq!(header(header::ACCEPT), Some("*/*"));
        let connection = header(header::CONNECTION);
        match mode {
            ConnectionMode::Fresh => assert_eq!(connection, Some("close")),
            ConnectionMode::KeepAlive => assert_eq!(connection, None),
        }
        assert_eq!(header(header::REFERER), None);
    }
}

#[tokio::test]
async fn a_host_name_is_resolved() {
    let (base, log) = target().await;
    let port = base.rsplit(':').next().expect("port").to_owned();
    let result = prober(ConnectionMode::Fresh, 10)
        .probe(&monitor(format!("http://localhost:{port}/record")))
        .await;
    assert_eq!(result.outcome, ProbeOutcome::Status(200));
    let seen = log.lock().expect("log").pop().expect("a request");
    assert_eq!(
        seen.headers.get(header::HOST).and_then(|v| v.to_str().ok()),
        Some(&*format!("localhost:{port}"))
    );
}

#[tokio::test]
async fn a_name_that_does_not_resolve_fails_as_dns() {
    // `.invalid` never resolves (RFC 2606). Allow for a slow resolver.
    let m = MonitorSpec::new("dns", "http://no-such-host.invalid/", 0)
        .with_interval(Duration::from_secs(10))
        .with_timeout(Duration::from_secs(5))
        .build()
        .expect("valid monitor");
    let result = prober(ConnectionMode::Fresh, 10).probe(&m).await;
    assert_eq!(result.outcome, ProbeOutcome::Error(ProbeError::Dns));
}

#[tokio::test]
async fn keep_alive_reuses_one_connection_and_fresh_opens_one_per_probe() {
    let (base, log) = target().await;
    for mode in MODES {
        log.lock().expect("log").clear();
        let p = prober(mode, 10);
        let m = monitor(format!("{base}/record"));
        for _ in 0..5 {
            assert_eq!(p.probe(&m).await.outcome, ProbeOutcome::Status(200));
        }
        let mut peers: Vec<_> = log.lock().expect("log").iter().map(|s| s.peer).collect();
        assert_eq!(peers.len(), 5);
        peers.dedup();
        match mode {
            ConnectionMode::Fresh => assert_eq!(peers.len(), 5, "{peers:?}"),
            ConnectionMode::KeepAlive => assert_eq!(peers.len(), 1, "{peers:?}"),
        }
    }
}

#[tokio::test]
async fn keep_alive_does_not_reuse_a_connection_with_unread_body() {
    let (base, log) = target().await;
    let p = Prober::new(ProberConfig {
        connection_mode: ConnectionMode::KeepAlive,
        body_cap: 1024,
        ..ProberConfig::default()
    })
    .expect("client");
    let record = monitor(format!("{base}/record"));
    assert_eq!(p.probe(&record).await.outcome, ProbeOutcome::Status(200));
    // 1 MiB body, 1 KiB cap: the rest is left unread, the connection dropped.
    let big = monitor(format!("{base}/big"));
    assert_eq!(p.probe(&big).await.outcome, ProbeOutcome::Status(200));
    assert_eq!(p.probe(&record).await.outcome, ProbeOutcome::Status(200));
    assert_eq!(p.probe(&record).await.outcome, ProbeOutcome::Status(200));
    let peers: Vec<_> = log.lock().expect("log").iter().map(|s| s.peer).collect();
    assert_eq!(peers.len(), 3);
    // The first connection carried /record and /big and was then dropped;
    // the second is new and reused by the last probe.
    assert_ne!(peers[0], peers[1]);
    assert_eq!(peers[1], peers[2]);
}

#[tokio::test]
async fn a_pooled_connection_closed_by_the_server_is_replaced() {
    // Answers once per connection with keep-alive, then closes it.
    let addr =
        raw_target(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: keep-alive\r\n\r\nok")
            .await;
    let p = prober(ConnectionMode::KeepAlive, 10);
    let m = monitor(format!("http://{addr}/"));
    for _ in 0..3 {
        assert_eq!(p.probe(&m).await.outcome, ProbeOutcome::Status(200));
        // Let the server's close arrive while the connection is idle.
        tokio::time::sleep(Duration::from_millis(60)).await;
    }
}

#[tokio::test]
async fn a_body_cut_short_or_a_malformed_response_fails_as_other() {
    let responses: [&'static [u8]; 2] = [
        b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly this",
        b"this is not HTTP\r\n\r\n",
    ];
    for response in responses {
        let addr = raw_target(response).await;
        for mode in MODES {
            let result = prober(mode, 10)
                .probe(&monitor(format!("http://{addr}/")))
                .await;
            assert_eq!(
                result.outcome,
                ProbeOutcome::Error(ProbeError::Other),
                "{mode:?} {:?}",
                String::from_utf8_lossy(response)
            );
        }
    }
}

#[tokio::test]
async fn keep_alive_failures_are_classified_like_fresh_ones() {
    let (base, _) = target().await;
    let p = prober(ConnectionMode::KeepAlive, 10);
    let result = p.probe(&monitor(format!("{base}/hang"))).await;
    assert_eq!(result.outcome, ProbeOutcome::Error(ProbeError::Timeout));
    assert!(result.latency >= TIMEOUT, "{:?}", result.latency);

    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let result = p.probe(&monitor(format!("http://{addr}/"))).await;
    assert_eq!(result.outcome, ProbeOutcome::Error(ProbeError::Connect));
}

#[tokio::test]
async fn redirects_are_counted_like_reqwest_does() {
    let (base, _) = target().await;
    for mode in MODES {
        let three_hops = monitor(format!("{base}/chain/3"));
        // max_redirects = n follows n redirects and fails on the next one.
        assert_eq!(
            prober(mode, 3).probe(&three_hops).await.outcome,
            ProbeOutcome::Status(200),
            "{mode:?}"
        );
        assert_eq!(
            prober(mode, 2).probe(&three_hops).await.outcome,
            ProbeOutcome::Error(ProbeError::RedirectLoop),
            "{mode:?}"
        );
        let one_hop = monitor(format!("{base}/chain/1"));
        assert_eq!(
            prober(mode, 0).probe(&one_hop).await.outcome,
            ProbeOutcome::Error(ProbeError::RedirectLoop),
            "{mode:?}"
        );
        assert_eq!(
            prober(mode, 0)
                .probe(&monitor(format!("{base}/chain/0")))
                .await
                .outcome,
            ProbeOutcome::Status(200),
            "{mode:?}"
        );
    }
}

#[tokio::test]
async fn only_real_redirects_are_followed() {
    let (base, _) = target().await;
    let p = prober(ConnectionMode::Fresh, 10);
    let outcome = |path: &str| {
        let m = monitor(format!("{base}{path}"));
        let p = &p;
        async move { p.probe(&m).await.outcome }
    };
    assert_eq!(
        outcome("/found-without-location").await,
        ProbeOutcome::Status(302)
    );
    assert_eq!(
        outcome("/multiple-choices").await,
        ProbeOutcome::Status(300)
    );
    assert_eq!(
        outcome("/to-ftp").await,
        ProbeOutcome::Error(ProbeError::Other)
    );
}

#[tokio::test]
async fn a_redirected_request_carries_the_referer() {
    let (base, log) = target().await;
    let result = prober(ConnectionMode::Fresh, 10)
        .probe(&monitor(format!("{base}/to-record#top")))
        .await;
    assert_eq!(result.outcome, ProbeOutcome::Status(200));
    let seen = log.lock().expect("log").pop().expect("a request");
    assert_eq!(
        seen.headers
            .get(header::REFERER)
            .and_then(|v| v.to_str().ok()),
        Some(&*format!("{base}/to-record"))
    );
}

#[tokio::test]
async fn a_redirect_to_another_server_is_followed() {
    let (second, log) = target().await;
    let app = Router::new().route(
        "/",
        get(move || {
            let to = format!("{second}/record");
            async move { Redirect::permanent(&to) }
        }),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    for mode in MODES {
        let result = prober(mode, 10)
            .probe(&monitor(format!("http://{addr}/")))
            .await;
        assert_eq!(result.outcome, ProbeOutcome::Status(200), "{mode:?}");
    }
    assert_eq!(log.lock().expect("log").len(), 2);
}

#[tokio::test]
async fn a_redirect_to_https_is_handed_to_reqwest() {
    // An https URL on a plain HTTP port fails in the TLS layer, whichever way
    // the prober gets there: directly (reqwest from the start) or through a
    // redirect from http (fast path, then reqwest for the https hop).
    let (base, _) = target().await;
    let https = base.replacen("http://", "https://", 1);
    let app = Router::new().route(
        "/",
        get(move || {
            let to = format!("{https}/record");
            async move { Redirect::temporary(&to) }
        }),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    let p = prober(ConnectionMode::Fresh, 10);
    let direct = p
        .probe(&monitor(format!(
            "{}/record",
            base.replacen("http://", "https://", 1)
        )))
        .await
        .outcome;
    assert!(direct.is_failure(), "{direct:?}");
    let redirected = p.probe(&monitor(format!("http://{addr}/"))).await.outcome;
    assert_eq!(redirected, direct);
}
