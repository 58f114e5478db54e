//! A real gomon-server on 127.0.0.1:0 with a real client, and a local target
//! for its probes. Every test gets its own server and store.

#![allow(dead_code, unreachable_pub)]

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use gomon_core::{Gomon, Store, SystemClock};
use gomon_server::auth::Tokens;
use gomon_server::{AppState, Settings, app};
use reqwest::{Client, Method, RequestBuilder, Response};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

/// The secret every test server signs tokens with, so tests can forge tokens.
pub const SECRET: &[u8] = b"test-secret-of-sufficient-length";

/// Settings that make alerts fire within seconds: probes every second and a
/// 3-second window, so threshold 1 opens on the second failure.
pub fn fast_settings() -> Settings {
    Settings {
        max_monitors_per_user: 5,
        default_interval: Duration::from_secs(1),
        default_timeout: Duration::from_millis(500),
        default_window: Duration::from_secs(3),
        signup_open: true,
    }
}

pub struct TestServer {
    pub base: String,
    pub target: String,
    client: Client,
    gomon: Gomon,
    cancel: CancellationToken,
    /// Keeps a per-test database alive as long as the server.
    _guard: Option<Box<dyn std::any::Any + Send + Sync>>,
}

impl TestServer {
    pub async fn start(store: Arc<dyn Store>) -> Self {
        Self::start_with(store, fast_settings(), None).await
    }

    pub async fn start_with(
        store: Arc<dyn Store>,
        settings: Settings,
        guard: Option<Box<dyn std::any::Any + Send + Sync>>,
    ) -> Self {
        let cancel = CancellationToken::new();
        let gomon = Gomon::builder(store)
            .spawn(cancel.clone())
            .await
            .expect("spawn gomon");
        let state = AppState::new(
            gomon.clone(),
            Tokens::new(SECRET, Duration::from_secs(3600)),
            settings,
            Arc::new(SystemClock),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let stop = cancel.clone();
        tokio::spawn(async move {
            axum::serve(listener, app(state))
                .with_graceful_shutdown(stop.cancelled_owned())
                .await
        });
        Self {
            base,
            target: target().await,
            client: Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .expect("client"),
            gomon,
            cancel,
            _guard: guard,
        }
    }

    pub fn request(&self, method: Method, path: &str, token: Option<&str>) -> RequestBuilder {
        let builder = self.client.request(method, format!("{}{path}", self.base));
        match token {
            Some(token) => builder.bearer_auth(token),
            None => builder,
        }
    }

    /// Sends `body` as JSON (or nothing) and returns status and JSON body
    /// (`Value::Null` when the body is empty).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self.request(method, path, token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        read(request.send().await.expect("request")).await
    }

    /// Signs up and logs in through `/v1`; returns the token.
    pub async fn user(&self, name: &str) -> String {
        let credentials = json!({ "username": name, "password": "correct-horse" });
        let (status, body) = self
            .call(Method::POST, "/v1/users", None, Some(credentials.clone()))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let (status, body) = self
            .call(Method::POST, "/v1/login", None, Some(credentials))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["token"].as_str().expect("token").to_owned()
    }

    /// Polls `path` every 200 ms until `done` holds for its body (at most 30 s).
    pub async fn wait_for(&self, path: &str, token: &str, done: impl Fn(&Value) -> bool) -> Value {
        self.poll(Method::GET, path, token, None, done).await
    }

    /// Same as [`wait_for`](Self::wait_for) for POST routes with a JSON body.
    pub async fn wait_for_post(
        &self,
        path: &str,
        token: &str,
        body: Value,
        done: impl Fn(&Value) -> bool,
    ) -> Value {
        self.poll(Method::POST, path, token, Some(body), done).await
    }

    async fn poll(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<Value>,
        done: impl Fn(&Value) -> bool,
    ) -> Value {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            let (status, answer) = self
                .call(method.clone(), path, Some(token), body.clone())
                .await;
            assert_eq!(status, StatusCode::OK, "{answer}");
            if done(&answer) {
                return answer;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "gave up waiting on {path}: {answer}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    pub async fn stop(self) {
        self.cancel.cancel();
        self.gomon.shutdown().await.expect("shutdown");
    }
}

pub async fn read(response: Response) -> (StatusCode, Value) {
    let status = StatusCode::from_u16(response.status().as_u16()).expect("status");
    let text = response.text().await.expect("body");
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}"))
    };
    (status, body)
}

/// A local target: `/ok` answers 200, `/down` 503.
async fn target() -> String {
    let app = Router::new()
        .route("/ok", get(|| async { "ok" }))
        .route("/down", get(|| async { StatusCode::SERVICE_UNAVAILABLE }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind target");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}
