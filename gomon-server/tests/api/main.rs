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
