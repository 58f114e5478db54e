//! Black-box tests of gomon-server: a real client against the server on
//! 127.0.0.1:0, each case once on the memory store and once on PostgreSQL.

mod cases;
mod support;

macro_rules! server_tests {
    ($store:ident, $start:path) => {
        mod $store {
            server_tests!(@cases $start;
                v1_journey,
                gomon_journey,
                users_are_isolated,
                bad_input_is_refused_without_side_effects,
                bad_tokens_are_401,
                monitor_lists_paginate,
                openapi_lists_every_route,
                health_endpoints_answer,
            );
        }
    };
    (@cases $start:path; $($case:ident),+ $(,)?) => {
        $(
            #[tokio::test]
            async fn $case() {
                crate::cases::$case($start().await).await;
            }
        )+
    };
}

async fn memory_server() -> support::TestServer {
    support::TestServer::start(std::sync::Arc::new(gomon_store_memory::MemoryStore::new())).await
}

server_tests!(memory, crate::memory_server);

/// With `GOMON_SIGNUP=closed` nobody can sign up, on either route family.
#[tokio::test]
async fn closed_signup_is_refused() {
    use reqwest::{Method, StatusCode};
    let settings = gomon_server::Settings {
        signup_open: false,
        ..support::fast_settings()
    };
    let store = std::sync::Arc::new(gomon_store_memory::MemoryStore::new());
    let s = support::TestServer::start_with(store, settings, None).await;
    let credentials = serde_json::json!({ "username": "mallory", "password": "correct-horse" });
    for path in ["/v1/users", "/user/signup"] {
        let (status, body) = s
            .call(Method::POST, path, None, Some(credentials.clone()))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {body}");
        assert_eq!(body["error"]["code"], "signup_closed");
    }
    s.stop().await;
}

async fn postgres_server() -> support::TestServer {
    let db = gomon_store_postgres::testing::TestDb::new().await;
    let store = std::sync::Arc::new(db.store().await);
    support::TestServer::start_with(store, support::fast_settings(), Some(Box::new(db))).await
}

server_tests!(postgres, crate::postgres_server);
