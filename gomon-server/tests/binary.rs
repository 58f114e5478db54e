//! The `gomon-server` binary itself: it starts with no configuration, serves,
//! keeps secrets out of its logs, and exits 0 on SIGTERM after draining.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

#[tokio::test]
async fn the_binary_serves_and_stops_cleanly_on_sigterm() {
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let secret = "a-jwt-secret-that-must-never-be-logged";
    let password = "a-password-that-must-never-be-logged";
    let mut child = Command::new(env!("CARGO_BIN_EXE_gomon-server"))
        .env_remove("DATABASE_URL")
        .env("GOMON_BIND", format!("127.0.0.1:{port}"))
        .env("GOMON_JWT_SECRET", secret)
        .env("GOMON_LOG", "debug")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start gomon-server");

    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while client.get(format!("{base}/healthz")).send().await.is_err() {
        assert!(Instant::now() < deadline, "the server did not come up");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let credentials = json!({ "username": "ops", "password": password });
    let signup = client
        .post(format!("{base}/v1/users"))
        .json(&credentials)
        .send()
        .await
        .expect("signup");
    assert_eq!(signup.status().as_u16(), 201);
    let login: serde_json::Value = client
        .post(format!("{base}/v1/login"))
        .json(&credentials)
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("json");
    let token = login["token"].as_str().expect("token").to_owned();
    let created = client
        .post(format!("{base}/v1/monitors"))
        .bearer_auth(&token)
        .json(&json!({ "name": "self", "url": format!("{base}/healthz"), "threshold": 1, "interval": "1s" }))
        .send()
        .await
        .expect("create");
    assert_eq!(created.status().as_u16(), 201);
    // Wait until the binary's own loop has probed and recorded something.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let stats: serde_json::Value = client
            .get(format!("{base}/v1/monitors/self/stats"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("stats")
            .json()
            .await
            .expect("json");
        if stats["successes"].as_u64().unwrap_or(0) >= 1 {
            break;
        }
        assert!(Instant::now() < deadline, "no probe recorded: {stats}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the server did not stop on SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "exit status {status}");

    let mut logs = String::new();
    for stream in [
        child.stdout.take().map(|s| Box::new(s) as Box<dyn Read>),
        child.stderr.take().map(|s| Box::new(s) as Box<dyn Read>),
    ]
    .into_iter()
    .flatten()
    {
        let mut stream = stream;
        stream.read_to_string(&mut logs).expect("read logs");
    }
    assert!(logs.contains("gomon-server stopped"), "{logs}");
    assert!(
        logs.contains("in-memory store"),
        "the memory store is announced: {logs}"
    );
    for leaked in [secret, password, token.as_str(), "$argon2"] {
        assert!(
            !logs.contains(leaked),
            "the logs contain a secret: {leaked}"
        );
    }
}
