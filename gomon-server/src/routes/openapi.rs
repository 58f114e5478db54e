//! `GET /v1/openapi.json`: the OpenAPI 3 document of every `/v1` route,
//! generated from the handlers' annotations and the view types.

use axum::routing::get;
use axum::{Json, Router};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::v1;
use crate::state::AppState;
use crate::views;

#[derive(OpenApi)]
#[openapi(
    info(title = "gomon", description = "Uptime monitoring: monitors, 24 h stats and alerts."),
    paths(
        v1::signup,
        v1::login,
        v1::list_monitors,
        v1::create_monitor,
        v1::get_monitor,
        v1::update_monitor,
        v1::delete_monitor,
        v1::monitor_stats,
        v1::monitor_alerts,
    ),
    components(schemas(
        views::Credentials,
        views::UserView,
        views::TokenView,
        views::CreateMonitor,
        views::UpdateMonitor,
        views::MonitorView,
        views::MonitorPage,
        views::StatsView,
        views::AlertView,
        views::AlertPage,
        views::ErrorBody,
        views::ErrorDetail,
    )),
    modifiers(&BearerAuth),
)]
pub(crate) struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route(
        "/v1/openapi.json",
        get(|| async { Json(ApiDoc::openapi()) }),
    )
}
