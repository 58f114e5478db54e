//! The `/v1` REST API: JSON in and out, monitors addressed by name.

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Datelike, Utc};
use gomon_core::{AlertCursor, AlertId};

use crate::auth::AuthUser;
use crate::error::{Error, Result};
use crate::extract::{ApiJson, ApiQuery};
use crate::service::{self, MonitorInput, MonitorPatch, parse_duration_field};
use crate::state::AppState;
use crate::views::{
    AlertPage, AlertView, CreateMonitor, Credentials, ErrorBody, MonitorPage, MonitorView,
    PageQuery, StatsQuery, StatsView, TokenView, UpdateMonitor, UserView,
};

/// The `/v1` routes.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/users", post(signup))
        .route("/v1/login", post(login))
        .route("/v1/monitors", get(list_monitors).post(create_monitor))
        .route(
            "/v1/monitors/{name}",
            get(get_monitor)
                .patch(update_monitor)
                .delete(delete_monitor),
        )
        .route("/v1/monitors/{name}/stats", get(monitor_stats))
        .route("/v1/monitors/{name}/alerts", get(monitor_alerts))
}

const DEFAULT_PAGE: usize = 50;
const MAX_PAGE: usize = 1000;

fn page_limit(limit: Option<usize>) -> Result<usize> {
    match limit {
        None => Ok(DEFAULT_PAGE),
        Some(n) if (1..=MAX_PAGE).contains(&n) => Ok(n),
        Some(_) => Err(Error::invalid(
            "invalid_limit",
            format!("limit must be between 1 and {MAX_PAGE}"),
        )),
    }
}

/// Trims a list fetched with `limit + 1` items to `limit`; the extra item
/// only tells that another page follows, whose cursor is the last item kept.
fn split_page<T>(
    items: &mut Vec<T>,
    limit: usize,
    cursor: impl Fn(&T) -> String,
) -> Option<String> {
    if items.len() <= limit {
        return None;
    }
    items.truncate(limit);
    items.last().map(cursor)
}

/// Create an account.
#[utoipa::path(post, path = "/v1/users", tag = "users", request_body = Credentials,
    responses(
        (status = 201, body = UserView),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, description = "username taken", body = ErrorBody),
    ))]
pub(crate) async fn signup(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<Credentials>,
) -> Result<(StatusCode, Json<UserView>)> {
    let user = service::signup(&state, body.username, body.password).await?;
    Ok((StatusCode::CREATED, Json(UserView::from(&user))))
}

/// Log in: exchange credentials for a bearer token.
#[utoipa::path(post, path = "/v1/login", tag = "users", request_body = Credentials,
    responses((status = 200, body = TokenView), (status = 401, body = ErrorBody)))]
pub(crate) async fn login(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<Credentials>,
) -> Result<Json<TokenView>> {
    let (token, expires_at) = service::login(&state, &body.username, body.password).await?;
    Ok(Json(TokenView { token, expires_at }))
}

/// List your monitors, ordered by name.
#[utoipa::path(get, path = "/v1/monitors", tag = "monitors", params(PageQuery),
    security(("bearer" = [])),
    responses((status = 200, body = MonitorPage), (status = 401, body = ErrorBody)))]
pub(crate) async fn list_monitors(
    State(state): State<AppState>,
    AuthUser(owner): AuthUser,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<MonitorPage>> {
    let limit = page_limit(query.limit)?;
    if let Some(cursor) = query.cursor.as_deref() {
        gomon_core::model::validate_name(cursor).map_err(|_| {
            Error::invalid("invalid_cursor", "the cursor is not one this API returned")
        })?;
    }
    // Ask for one more than the page to learn whether another page follows.
    let mut monitors = state
        .store()
        .list_monitors(owner, query.cursor.as_deref(), limit + 1)
        .await?;
    let next_cursor = split_page(&mut monitors, limit, |m| m.name().to_owned());
    Ok(Json(MonitorPage {
        monitors: monitors.iter().map(MonitorView::from).collect(),
        next_cursor,
    }))
}

/// Register a URL to monitor; probing starts at once.
#[utoipa::path(post, path = "/v1/monitors", tag = "monitors", request_body = CreateMonitor,
    security(("bearer" = [])),
    responses(
        (status = 201, body = MonitorView),
        (status = 400, description = "invalid monitor, e.g. a threshold that can never fire", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "monitor limit reached", body = ErrorBody),
        (status = 409, description = "name taken", body = ErrorBody),
    ))]
pub(crate) async fn create_monitor(
    State(state): State<AppState>,
    AuthUser(owner): AuthUser,
    ApiJson(body): ApiJson<CreateMonitor>,
) -> Result<Response> {
    let input = MonitorInput {
        name: body.name,
        url: body.url,
        threshold: body.threshold,
        interval: parse_duration_field("interval", body.interval.as_deref())?,
        timeout: parse_duration_field("timeout", body.timeout.as_deref())?,
        window: parse_duration_field("window", body.window.as_deref())?,
    };
    let monitor = service::create_monitor(&state, owner, input).await?;
    let location = format!("/v1/monitors/{}", monitor.name());
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(MonitorView::from(&monitor)),
    )
        .into_response())
}

/// One of your monitors.
#[utoipa::path(get, path = "/v1/monitors/{name}", tag = "monitors",
    params(("name" = String, Path, description = "monitor name")),
    security(("bearer" = [])),
    responses((status = 200, body = MonitorView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn get_monitor(
    State(state): State<AppState>,
    AuthUser(owner): AuthUser,
    Path(name): Path<String>,
) -> Result<Json<MonitorView>> {
    let monitor = service::find_monitor(&state, owner, &name).await?;
    Ok(Json(MonitorView::from(&monitor)))
}

/// Change a monitor; the schedule follows at once.
#[utoipa::path(patch, path = "/v1/monitors/{name}", tag = "monitors", request_body = UpdateMonitor,
    params(("name" = String, Path, description = "monitor name")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = MonitorView), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
    ))]
pub(crate) async fn update_monitor(
    State(state): State<AppState>,
    AuthUser(owner): AuthUser,
    Path(name): Path<String>,
    ApiJson(body): ApiJson<UpdateMonitor>,
) -> Result<Json<MonitorView>> {
    let patch = MonitorPatch {
        name: body.name,
        url: body.url,
        threshold: body.threshold,
        interval: parse_duration_field("interval", body.interval.as_deref())?,
        timeout: parse_duration_field("timeout", body.timeout.as_deref())?,
        window: parse_duration_field("window", body.window.as_deref())?,
    };
    let monitor = service::update_monitor(&state, owner, &name, patch).await?;
    Ok(Json(MonitorView::from(&monitor)))
}

/// Delete a monitor with its results and alerts.
#[utoipa::path(delete, path = "/v1/monitors/{name}", tag = "monitors",
    params(("name" = String, Path, description = "monitor name")),
    security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn delete_monitor(
    State(state): State<AppState>,
    AuthUser(owner): AuthUser,
    Path(name): Path<String>,
) -> Result<StatusCode> {
    service::delete_monitor(&state, owner, &name).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Successes and failures over a window ending now (24 h by default).
#[utoipa::path(get, path = "/v1/monitors/{name}/stats", tag = "monitors",
    params(("name" = String, Path, description = "monitor name"), StatsQuery),
    security(("bearer" = [])),
    responses((status = 200, body = StatsView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn monitor_stats(
    State(state): State<AppState>,
    AuthUser(owner): AuthUser,
    Path(name): Path<String>,
    ApiQuery(query): ApiQuery<StatsQuery>,
) -> Result<Json<StatsView>> {
    let text = query.window.unwrap_or_else(|| "24h".to_owned());
    let window = parse_duration_field("window", Some(&text))?.unwrap_or_default();
    let (range, stats) = service::stats(&state, owner, &name, window).await?;
    Ok(Json(StatsView::new(text, range, &stats)))
}

/// The monitor's alerts, newest first.
#[utoipa::path(get, path = "/v1/monitors/{name}/alerts", tag = "monitors",
    params(("name" = String, Path, description = "monitor name"), PageQuery),
    security(("bearer" = [])),
    responses((status = 200, body = AlertPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn monitor_alerts(
    State(state): State<AppState>,
    AuthUser(owner): AuthUser,
    Path(name): Path<String>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<AlertPage>> {
    let limit = page_limit(query.limit)?;
    let before = query
        .cursor
        .as_deref()
        .map(parse_alert_cursor)
        .transpose()?;
    let mut alerts = service::alerts(&state, owner, &name, before, limit + 1).await?;
    let next_cursor = split_page(&mut alerts, limit, |a| format_alert_cursor(a.cursor()));
    Ok(Json(AlertPage {
        alerts: alerts.iter().map(AlertView::from).collect(),
        next_cursor,
    }))
}

/// Alert cursors are `<opened_at in µs since the epoch>_<alert id>`.
fn format_alert_cursor(cursor: AlertCursor) -> String {
    format!("{}_{}", cursor.opened_at.timestamp_micros(), cursor.id)
}

fn parse_alert_cursor(text: &str) -> Result<AlertCursor> {
    let bad = || Error::invalid("invalid_cursor", "the cursor is not one this API returned");
    let (micros, id) = text.split_once('_').ok_or_else(bad)?;
    // Years 1 to 9999: every store can compare against those (PostgreSQL
    // refuses times far outside its range with an error, not an empty page).
    let opened_at = micros
        .parse::<i64>()
        .ok()
        .and_then(DateTime::<Utc>::from_timestamp_micros)
        .filter(|t| (1..=9999).contains(&t.year()))
        .ok_or_else(bad)?;
    let id = uuid::Uuid::parse_str(id).map_err(|_| bad())?;
    Ok(AlertCursor {
        opened_at,
        id: AlertId(id),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alert_cursors_round_trip_and_reject_garbage() {
        let cursor = AlertCursor {
            opened_at: DateTime::<Utc>::from_timestamp_micros(1_700_000_000_123_456).expect("t"),
            id: AlertId::new(),
        };
        assert_eq!(
            parse_alert_cursor(&format_alert_cursor(cursor)).expect("parse"),
            cursor
        );
        let far_past = format!("-250000000000000000_{}", AlertId::new());
        for bad in ["", "_", "abc_def", "123", "123_not-a-uuid", &far_past] {
            assert!(parse_alert_cursor(bad).is_err(), "{bad}");
        }
    }
}
