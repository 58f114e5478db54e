//! Black-box cases against a running server. `api.rs` runs each one on the
//! memory store and on PostgreSQL.

#![allow(dead_code, unreachable_pub)]

use reqwest::Method;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{SECRET, TestServer, read};

fn alerts(body: &Value) -> &Vec<Value> {
    body["alerts"].as_array().expect("alerts array")
}

/// signup -> login -> register -> probes fail -> stats -> alert opens ->
/// update to a healthy URL -> alert resolves -> delete, all on `/v1`.
pub async fn v1_journey(s: TestServer) {
    let token = s.user("alice").await;
    let t = Some(token.as_str());
    let down = format!("{}/down", s.target);
    let (status, body) = s
        .call(
            Method::POST,
            "/v1/monitors",
            t,
            Some(json!({
                "name": "api", "url": down, "threshold": 1,
                "interval": "1s", "timeout": "500ms", "window": "3s"
            })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["name"], "api");
    assert_eq!(body["interval"], "1s");
    assert_eq!(body["window"], "3s");

    let (status, body) = s.call(Method::GET, "/v1/monitors/api", t, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["url"], down);

    let opened = s
        .wait_for("/v1/monitors/api/alerts", &token, |b| !alerts(b).is_empty())
        .await;
    let alert = &alerts(&opened)[0];
    assert_eq!(alert["failures"], 2);
    assert_eq!(alert["last_status"], 503);
    assert!(alert["resolved_at"].is_null());

    let (status, stats) = s.call(Method::GET, "/v1/monitors/api/stats", t, None).await;
    assert_eq!(status, StatusCode::OK, "{stats}");
    assert_eq!(stats["window"], "24h");
    assert!(
        stats["failures"].as_u64().expect("failures") >= 2,
        "{stats}"
    );
    assert_eq!(stats["successes"], 0);
    assert_eq!(stats["uptime"], 0.0);

    let ok = format!("{}/ok", s.target);
    let (status, body) = s
        .call(
            Method::PATCH,
            "/v1/monitors/api",
            t,
            Some(json!({ "url": ok })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["url"], ok);
    assert_eq!(body["threshold"], 1, "unchanged fields stay");

    let resolved = s
        .wait_for("/v1/monitors/api/alerts", &token, |b| {
            alerts(b)
                .first()
                .is_some_and(|a| !a["resolved_at"].is_null())
        })
        .await;
    assert_eq!(alerts(&resolved).len(), 1, "one incident, one alert");
    let (_, stats) = s
        .call(Method::GET, "/v1/monitors/api/stats?window=1h", t, None)
        .await;
    assert!(
        stats["successes"].as_u64().expect("successes") >= 3,
        "{stats}"
    );

    let (status, body) = s.call(Method::DELETE, "/v1/monitors/api", t, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, _) = s.call(Method::GET, "/v1/monitors/api", t, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = s
        .call(Method::GET, "/v1/monitors/api/alerts", t, None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, list) = s.call(Method::GET, "/v1/monitors", t, None).await;
    assert_eq!(list["monitors"], json!([]));
    s.stop().await;
}

/// The same journey through the GoMon routes, checking GoMon's shapes.
pub async fn gomon_journey(s: TestServer) {
    let credentials = json!({ "username": "gopher", "password": "correct-horse" });
    let (status, user) = s
        .call(
            Method::POST,
            "/user/signup",
            None,
            Some(credentials.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{user}");
    assert_eq!(user["Username"], "gopher");
    assert_eq!(user["UrlCount"], 0);
    assert!(user["DeletedAt"].is_null());
    assert!(
        user.get("Password").is_none(),
        "the hash is never sent: {user}"
    );
    for key in ["ID", "CreatedAt", "UpdatedAt"] {
        assert!(user.get(key).is_some(), "{key} missing: {user}");
    }

    let (status, login) = s
        .call(Method::POST, "/user/login", None, Some(credentials))
        .await;
    assert_eq!(status, StatusCode::OK, "{login}");
    let token = login["token"].as_str().expect("token").to_owned();
    let t = Some(token.as_str());

    // GoMon clients send the threshold as a string.
    let (status, url) = s
        .call(
            Method::POST,
            "/url/register-url",
            t,
            Some(json!({
                "name": "site", "url": format!("{}/down", s.target), "threshold": "1"
            })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{url}");
    assert_eq!(url["Name"], "site");
    assert_eq!(url["Threshold"], "1");
    assert_eq!(url["ResetTime"], 3_000_000_000u64);
    assert_eq!(url["UserID"], user["ID"]);

    let (status, urls) = s.call(Method::GET, "/url/urls", t, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(urls.as_array().map(Vec::len), Some(1));
    assert_eq!(urls[0]["ID"], url["ID"]);

    // A number works too.
    let (status, body) = s
        .call(
            Method::POST,
            "/url/register-url",
            t,
            Some(json!({
                "name": "other", "url": format!("{}/ok", s.target), "threshold": 0
            })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    let found = s
        .wait_for_post("/alert/alerts", &token, json!({ "urlname": "site" }), |b| {
            b.as_array().is_some_and(|a| !a.is_empty())
        })
        .await;
    assert_eq!(found[0]["UrlID"], url["ID"]);
    assert!(found[0]["Time"].as_i64().expect("Time") > 1_700_000_000);

    let (status, stats) = s
        .call(
            Method::POST,
            "/url/stats",
            t,
            Some(json!({ "name": "site" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{stats}");
    assert!(stats["failures"].as_u64().expect("failures") >= 2);
    assert_eq!(stats["successes"], 0);
    assert_eq!(stats.as_object().map(|o| o.len()), Some(2), "{stats}");

    // Errors are JSON on these routes too.
    let (status, body) = s
        .call(
            Method::POST,
            "/url/stats",
            t,
            Some(json!({ "name": "nope" })),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "not_found");
    s.stop().await;
}

/// User B can never see, change or learn of user A's monitors.
pub async fn users_are_isolated(s: TestServer) {
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let (a, b) = (Some(alice.as_str()), Some(bob.as_str()));
    let spec = json!({ "name": "secret", "url": format!("{}/ok", s.target), "threshold": 1 });
    let (status, _) = s
        .call(Method::POST, "/v1/monitors", a, Some(spec.clone()))
        .await;
    assert_eq!(status, StatusCode::CREATED);

    for (method, path, body) in [
        (Method::GET, "/v1/monitors/secret", None),
        (
            Method::PATCH,
            "/v1/monitors/secret",
            Some(json!({ "threshold": 0 })),
        ),
        (Method::DELETE, "/v1/monitors/secret", None),
        (Method::GET, "/v1/monitors/secret/stats", None),
        (Method::GET, "/v1/monitors/secret/alerts", None),
        (
            Method::POST,
            "/url/stats",
            Some(json!({ "name": "secret" })),
        ),
        (
            Method::POST,
            "/alert/alerts",
            Some(json!({ "urlname": "secret" })),
        ),
    ] {
        let (status, body) = s.call(method.clone(), path, b, body).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {body}");
    }
    let (_, list) = s.call(Method::GET, "/v1/monitors", b, None).await;
    assert_eq!(list["monitors"], json!([]));
    let (_, urls) = s.call(Method::GET, "/url/urls", b, None).await;
    assert_eq!(urls, json!([]));

    // Bob may use the same name for his own monitor.
    let (status, _) = s.call(Method::POST, "/v1/monitors", b, Some(spec)).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, mine) = s.call(Method::GET, "/v1/monitors/secret", a, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(mine["threshold"], 1, "alice's monitor is untouched");
    s.stop().await;
}

/// Every kind of bad input is a 4xx JSON error naming the problem, and
/// nothing stored changes.
pub async fn bad_input_is_refused_without_side_effects(s: TestServer) {
    let token = s.user("carol").await;
    let t = Some(token.as_str());
    let ok_url = format!("{}/ok", s.target);
    let (status, _) = s
        .call(
            Method::POST,
            "/v1/monitors",
            t,
            Some(json!({ "name": "keep", "url": ok_url, "threshold": 1 })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, before) = s.call(Method::GET, "/v1/monitors", t, None).await;

    let long_url = format!("http://example.com/{}", "a".repeat(2048));
    let cases: Vec<(Method, &str, Value, StatusCode, &str)> = vec![
        (
            Method::POST,
            "/v1/users",
            json!({"username": "ab", "password": "long-enough"}),
            StatusCode::BAD_REQUEST,
            "invalid_username",
        ),
        (
            Method::POST,
            "/v1/users",
            json!({"username": "bad name", "password": "long-enough"}),
            StatusCode::BAD_REQUEST,
            "invalid_username",
        ),
        (
            Method::POST,
            "/v1/users",
            json!({"username": "a".repeat(33), "password": "long-enough"}),
            StatusCode::BAD_REQUEST,
            "invalid_username",
        ),
        (
            Method::POST,
            "/v1/users",
            json!({"username": "dave", "password": "short"}),
            StatusCode::BAD_REQUEST,
            "invalid_password",
        ),
        (
            Method::POST,
            "/v1/users",
            json!({"username": "dave", "password": "p".repeat(129)}),
            StatusCode::BAD_REQUEST,
            "invalid_password",
        ),
        (
            Method::POST,
            "/v1/users",
            json!({"username": "carol", "password": "long-enough"}),
            StatusCode::CONFLICT,
            "conflict",
        ),
        (
            Method::POST,
            "/v1/users",
            json!({"username": "dave"}),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            Method::POST,
            "/v1/users",
            json!({"username": 5, "password": "long-enough"}),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            Method::POST,
            "/v1/users",
            json!({"username": "dave", "password": "long-enough", "admin": true}),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            Method::POST,
            "/v1/monitors",
            json!({"name": "x", "url": "ftp://example.com/", "threshold": 1}),
            StatusCode::BAD_REQUEST,
            "invalid_monitor",
        ),
        (
            Method::POST,
            "/v1/monitors",
            json!({"name": "x", "url": "http://", "threshold": 1}),
            StatusCode::BAD_REQUEST,
            "invalid_monitor",
        ),
        (
            Method::POST,
            "/v1/monitors",
            json!({"name": "x", "url": "not a url", "threshold": 1}),
            StatusCode::BAD_REQUEST,
            "invalid_monitor",
        ),
        (
            Method::POST,
            "/v1/monitors",
            json!({"name": "x", "url": long_url, "threshold": 1}),
            StatusCode::BAD_REQUEST,
            "invalid_monitor",
        ),
        (
            Method::POST,
            "/v1/monitors",
            json!({"name": "", "url": ok_url, "threshold": 1}),
            StatusCode::BAD_REQUEST,
            "invalid_monitor",
        ),
        (
            Method::POST,
            "/v1/monitors",
            json!({"name": "a/b", "url": ok_url, "threshold": 1}),
            StatusCode::BAD_REQUEST,
            "invalid_monitor",
        ),
        (
            Method::POST,
            "/v1/monitors",
            json!({"name": "n".repeat(65), "url": ok_url, "threshold": 1}),
            StatusCode::BAD_REQUEST,
            "invalid_monitor",
        ),
        (
            Method::POST,
            "/v1/monitors",
            json!({"name": "keep", "url": ok_url, "threshold": 1}),
            StatusCode::CONFLICT,
            "conflict",
        ),
        (
            Method::POST,
            "/v1/monitors",
            json!({"name": "x", "url": ok_url, "threshold": -1}),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            Method::POST,
            "/v1/monitors",
            json!({"name": "x", "url": ok_url, "threshold": "1"}),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            Method::POST,
            "/v1/monitors",
            json!({"name": "x", "url": ok_url, "threshold": 1, "interval": "soon"}),
            StatusCode::BAD_REQUEST,
            "invalid_duration",
        ),
        (
            Method::POST,
            "/v1/monitors",
            json!({"name": "x", "url": ok_url, "threshold": 1, "interval": "10s", "timeout": "10s"}),
            StatusCode::BAD_REQUEST,
            "invalid_monitor",
        ),
        (
            Method::POST,
            "/v1/monitors",
            json!({"name": "x", "url": ok_url, "threshold": 1, "interval": "500ms"}),
            StatusCode::BAD_REQUEST,
            "invalid_monitor",
        ),
        (
            Method::POST,
            "/v1/monitors",
            json!({"name": "x", "url": ok_url, "threshold": 1, "owner": "someone"}),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            Method::PATCH,
            "/v1/monitors/keep",
            json!({"url": "gopher://x/"}),
            StatusCode::BAD_REQUEST,
            "invalid_monitor",
        ),
        (
            Method::PATCH,
            "/v1/monitors/keep",
            json!({"threshold": 3}),
            StatusCode::BAD_REQUEST,
            "invalid_monitor",
        ),
        (
            Method::PATCH,
            "/v1/monitors/keep",
            json!({"colour": "red"}),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            Method::POST,
            "/url/register-url",
            json!({"name": "x", "url": ok_url, "threshold": "many"}),
            StatusCode::BAD_REQUEST,
            "invalid_threshold",
        ),
        (
            Method::POST,
            "/url/register-url",
            json!({"name": "x", "url": ok_url, "threshold": "-2"}),
            StatusCode::BAD_REQUEST,
            "invalid_threshold",
        ),
    ];
    for (method, path, body, expected, code) in cases {
        let (status, answer) = s.call(method.clone(), path, t, Some(body.clone())).await;
        assert_eq!(status, expected, "{method} {path} {body}: {answer}");
        assert_eq!(
            answer["error"]["code"], code,
            "{method} {path} {body}: {answer}"
        );
        assert!(
            answer["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{answer}"
        );
    }

    // A threshold that cannot fire names the largest that can.
    let (_, answer) = s
        .call(
            Method::POST,
            "/v1/monitors",
            t,
            Some(json!({"name": "x", "url": ok_url, "threshold": 3})),
        )
        .await;
    let message = answer["error"]["message"].as_str().expect("message");
    assert!(
        message.contains("largest threshold that can fire is 2"),
        "{message}"
    );
    let (status, answer) = s
        .call(
            Method::POST,
            "/url/register-url",
            t,
            Some(json!({"name": "x", "url": ok_url, "threshold": "50"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    let message = answer["error"]["message"].as_str().expect("message");
    assert!(
        message.contains("largest threshold that can fire is 2"),
        "{message}"
    );

    // Malformed JSON, wrong content type, oversized bodies, bad queries.
    let raw = |method: Method, path: &str, body: &'static str, content_type: &'static str| {
        s.request(method, path, t)
            .header("content-type", content_type)
            .body(body)
    };
    let (status, answer) = read(
        raw(
            Method::POST,
            "/v1/monitors",
            "{\"name\": ",
            "application/json",
        )
        .send()
        .await
        .expect("send"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    let (status, answer) = read(
        raw(Method::POST, "/v1/monitors", "name=x", "text/plain")
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{answer}");
    let huge = json!({ "name": "x", "url": ok_url, "threshold": 1, "pad": "x".repeat(70 * 1024) });
    let (status, answer) = s.call(Method::POST, "/v1/monitors", t, Some(huge)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{answer}");
    for path in [
        "/v1/monitors?limit=0",
        "/v1/monitors?limit=abc",
        "/v1/monitors?limit=5000",
        "/v1/monitors?colour=red",
        "/v1/monitors/keep/stats?window=forever",
        "/v1/monitors/keep/stats?window=500d",
        "/v1/monitors/keep/alerts?cursor=garbage",
    ] {
        let (status, answer) = s.call(Method::GET, path, t, None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {answer}");
        assert!(answer["error"]["code"].is_string(), "{path}: {answer}");
    }

    // Bytes PostgreSQL refuses (NUL), names no monitor can have, and times
    // outside what a database can compare are 4xx answers, never 500s.
    for (method, path, body, expected) in [
        (
            Method::GET,
            "/v1/monitors/a%00b",
            None,
            StatusCode::NOT_FOUND,
        ),
        (
            Method::GET,
            "/v1/monitors/a%00b/stats",
            None,
            StatusCode::NOT_FOUND,
        ),
        (
            Method::GET,
            "/v1/monitors/a%00b/alerts",
            None,
            StatusCode::NOT_FOUND,
        ),
        (
            Method::DELETE,
            "/v1/monitors/has%20space",
            None,
            StatusCode::NOT_FOUND,
        ),
        (
            Method::GET,
            "/v1/monitors?cursor=%00",
            None,
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::GET,
            "/v1/monitors/keep/alerts?cursor=-250000000000000000_00000000-0000-0000-0000-000000000000",
            None,
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::POST,
            "/url/stats",
            Some(json!({"name": "a\u{0}b"})),
            StatusCode::NOT_FOUND,
        ),
        (
            Method::POST,
            "/alert/alerts",
            Some(json!({"urlname": "a\u{0}"})),
            StatusCode::NOT_FOUND,
        ),
        (
            Method::POST,
            "/v1/monitors",
            Some(
                json!({"name": "x", "url": format!("http://e.com/{}", " x".repeat(1000)), "threshold": 1}),
            ),
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let (status, answer) = s.call(method.clone(), path, t, body).await;
        assert_eq!(status, expected, "{method} {path}: {answer}");
        assert!(answer["error"]["code"].is_string(), "{path}: {answer}");
    }
    let (status, answer) = s
        .call(
            Method::POST,
            "/v1/login",
            None,
            Some(json!({"username": "a\u{0}", "password": "correct-horse"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{answer}");

    // The per-user limit (5 in these tests) is a 4xx that names the limit.
    for i in 1..5 {
        let (status, body) = s
            .call(
                Method::POST,
                "/v1/monitors",
                t,
                Some(json!({"name": format!("m{i}"), "url": ok_url, "threshold": 1})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let (status, answer) = s
        .call(
            Method::POST,
            "/v1/monitors",
            t,
            Some(json!({"name": "m5", "url": ok_url, "threshold": 1})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{answer}");
    assert_eq!(answer["error"]["code"], "monitor_limit");
    assert!(
        answer["error"]["message"]
            .as_str()
            .expect("message")
            .contains('5')
    );

    // Nothing of the refused requests was stored.
    for i in 1..5 {
        let (status, _) = s
            .call(Method::DELETE, &format!("/v1/monitors/m{i}"), t, None)
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
    }
    let (_, after) = s.call(Method::GET, "/v1/monitors", t, None).await;
    assert_eq!(before, after);
    let (status, _) = s
        .call(
            Method::POST,
            "/v1/login",
            None,
            Some(json!({"username": "dave", "password": "long-enough"})),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "no refused signup created dave"
    );
    s.stop().await;
}

fn b64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | (u32::from(b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

fn forge(header: Value, claims: &Value, key: &[u8]) -> String {
    let alg = header["alg"].as_str().unwrap_or("none");
    if alg == "HS256" {
        let header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
        jsonwebtoken::encode(
            &header,
            claims,
            &jsonwebtoken::EncodingKey::from_secret(key),
        )
        .expect("encode")
    } else {
        format!(
            "{}.{}.",
            b64url(header.to_string().as_bytes()),
            b64url(claims.to_string().as_bytes())
        )
    }
}

/// Every kind of bad token is a 401 with a JSON body, never a 500.
pub async fn bad_tokens_are_401(s: TestServer) {
    let token = s.user("erin").await;
    let (status, _) = s
        .call(Method::GET, "/v1/monitors", Some(&token), None)
        .await;
    assert_eq!(status, StatusCode::OK);

    // The user's id, from a valid token's claims.
    let (_, body) = s
        .call(
            Method::POST,
            "/v1/users",
            None,
            Some(json!({"username": "frank", "password": "correct-horse"})),
        )
        .await;
    let sub = body["id"].as_str().expect("id").to_owned();
    let now = chrono::Utc::now().timestamp();
    let hs256 = json!({ "alg": "HS256", "typ": "JWT" });
    let valid = json!({ "sub": sub, "username": "frank", "iat": now, "exp": now + 600 });
    let forged_ok = forge(hs256.clone(), &valid, SECRET);
    let (status, _) = s
        .call(Method::GET, "/v1/monitors", Some(&forged_ok), None)
        .await;
    assert_eq!(status, StatusCode::OK, "a correctly signed token works");

    let expired = json!({ "sub": sub, "username": "frank", "iat": now - 7200, "exp": now - 3600 });
    let no_exp = json!({ "sub": sub, "username": "frank" });
    let no_sub = json!({ "username": "frank", "exp": now + 600 });
    let bad_sub = json!({ "sub": "not-a-uuid", "exp": now + 600 });
    let cases = [
        (
            "wrong signature",
            forge(hs256.clone(), &valid, b"another-secret-entirely-here"),
        ),
        ("expired", forge(hs256.clone(), &expired, SECRET)),
        ("no exp", forge(hs256.clone(), &no_exp, SECRET)),
        ("no sub", forge(hs256.clone(), &no_sub, SECRET)),
        ("sub not a user id", forge(hs256.clone(), &bad_sub, SECRET)),
        (
            "alg none",
            forge(json!({ "alg": "none", "typ": "JWT" }), &valid, b""),
        ),
        ("malformed", "not.a.jwt".to_owned()),
        ("garbage", "abc".to_owned()),
    ];
    for (what, token) in cases {
        let (status, body) = s
            .call(Method::GET, "/v1/monitors", Some(&token), None)
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{what}: {body}");
        assert_eq!(body["error"]["code"], "unauthorized", "{what}");
    }
    let (status, _) = s.call(Method::GET, "/v1/monitors", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "no token");
    let response = s
        .request(Method::GET, "/url/urls", None)
        .header("authorization", "Basic dXNlcjpwYXNz")
        .send()
        .await
        .expect("send");
    assert_eq!(response.status().as_u16(), 401, "not a bearer token");
    assert_eq!(
        response
            .headers()
            .get("www-authenticate")
            .map(|v| v.as_bytes()),
        Some(&b"Bearer"[..])
    );

    // Login failures do not tell whether the user exists.
    let (s1, unknown) = s
        .call(
            Method::POST,
            "/v1/login",
            None,
            Some(json!({"username": "nobody", "password": "correct-horse"})),
        )
        .await;
    let (s2, wrong) = s
        .call(
            Method::POST,
            "/v1/login",
            None,
            Some(json!({"username": "erin", "password": "wrong-horse"})),
        )
        .await;
    assert_eq!(
        (s1, s2),
        (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED)
    );
    assert_eq!(unknown, wrong);
    s.stop().await;
}

/// Monitors page by name with a cursor.
pub async fn monitor_lists_paginate(s: TestServer) {
    let token = s.user("gina").await;
    let t = Some(token.as_str());
    for name in ["d", "b", "e", "a", "c"] {
        let (status, _) = s
            .call(
                Method::POST,
                "/v1/monitors",
                t,
                Some(json!({"name": name, "url": format!("{}/ok", s.target), "threshold": 1})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let mut names = Vec::new();
    let mut path = "/v1/monitors?limit=2".to_owned();
    loop {
        let (status, page) = s.call(Method::GET, &path, t, None).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let monitors = page["monitors"].as_array().expect("monitors");
        assert!(monitors.len() <= 2);
        names.extend(
            monitors
                .iter()
                .map(|m| m["name"].as_str().expect("name").to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/v1/monitors?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(names, ["a", "b", "c", "d", "e"]);
    s.stop().await;
}

/// The OpenAPI document parses and lists every `/v1` route.
pub async fn openapi_lists_every_route(s: TestServer) {
    let (status, doc) = s.call(Method::GET, "/v1/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")),
        "{doc}"
    );
    let expected = [
        ("/v1/users", "post"),
        ("/v1/login", "post"),
        ("/v1/monitors", "get"),
        ("/v1/monitors", "post"),
        ("/v1/monitors/{name}", "get"),
        ("/v1/monitors/{name}", "patch"),
        ("/v1/monitors/{name}", "delete"),
        ("/v1/monitors/{name}/stats", "get"),
        ("/v1/monitors/{name}/alerts", "get"),
    ];
    for (path, method) in expected {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} missing"
        );
    }
    let documented: usize = doc["paths"]
        .as_object()
        .expect("paths")
        .values()
        .map(|p| p.as_object().map_or(0, |o| o.len()))
        .sum();
    assert_eq!(
        documented,
        expected.len(),
        "no undocumented extras, none missing"
    );
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    assert!(doc["components"]["schemas"]["MonitorView"].is_object());
    s.stop().await;
}

/// Liveness and readiness.
pub async fn health_endpoints_answer(s: TestServer) {
    let (status, body) = s.call(Method::GET, "/healthz", None, None).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (StatusCode::OK, Some("ok"))
    );
    let (status, body) = s.call(Method::GET, "/readyz", None, None).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (StatusCode::OK, Some("ready"))
    );
    let (status, body) = s.call(Method::GET, "/no/such/route", None, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "not_found");
    s.stop().await;
}
