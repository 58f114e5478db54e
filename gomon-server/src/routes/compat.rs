//! The routes of the original GoMon service, with its request and success
//! shapes (Go field names, threshold as a string), so its clients keep
//! working. They share the `/v1` logic; errors are JSON like everywhere else.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use gomon_core::{Alert, Monitor, User};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::{Error, Result};
use crate::extract::ApiJson;
use crate::service::{self, MonitorInput};
use crate::state::AppState;

/// The GoMon-compatible routes.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/user/signup", post(signup))
        .route("/user/login", post(login))
        .route("/url/register-url", post(register_url))
        .route("/url/urls", get(list_urls))
        .route("/url/stats", post(url_stats))
        .route("/alert/alerts", post(url_alerts))
}

/// Alerts returned by `/alert/alerts`, newest first. GoMon returned all of
/// them; this bound keeps one request from reading an unbounded history.
const MAX_COMPAT_ALERTS: usize = 1000;

#[derive(Debug, Deserialize)]
struct Credentials {
    username: String,
    password: String,
}

/// GoMon's user object, without the password hash it used to leak.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
struct GoUser {
    #[serde(rename = "ID")]
    id: Uuid,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    deleted_at: Option<DateTime<Utc>>,
    username: String,
    url_count: u64,
}

#[derive(Debug, Serialize)]
struct GoToken {
    token: String,
}

/// GoMon sent the threshold as a string holding a number; accept that or a number.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Threshold {
    Number(i64),
    Text(String),
}

impl Threshold {
    fn value(&self) -> Result<u32> {
        let number = match self {
            Self::Number(n) => Some(*n),
            Self::Text(t) => t.trim().parse::<i64>().ok(),
        };
        number.and_then(|n| u32::try_from(n).ok()).ok_or_else(|| {
            Error::invalid(
                "invalid_threshold",
                "threshold must be a whole number of 0 or more (a number or a string)",
            )
        })
    }
}

#[derive(Debug, Deserialize)]
struct RegisterUrl {
    name: String,
    url: String,
    threshold: Threshold,
}

/// GoMon's url object.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
struct GoUrl {
    #[serde(rename = "ID")]
    id: Uuid,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    deleted_at: Option<DateTime<Utc>>,
    name: String,
    url: String,
    threshold: String,
    #[serde(rename = "UserID")]
    user_id: Uuid,
    /// The alert window in nanoseconds, as Go's `time.Duration` serialised.
    reset_time: u64,
}

impl From<&Monitor> for GoUrl {
    fn from(m: &Monitor) -> Self {
        Self {
            id: m.id().0,
            created_at: m.created_at(),
            updated_at: m.created_at(),
            deleted_at: None,
            name: m.name().to_owned(),
            url: m.url().to_string(),
            threshold: m.threshold().to_string(),
            user_id: m.owner().0,
            reset_time: u64::try_from(m.window().as_nanos()).unwrap_or(u64::MAX),
        }
    }
}

#[derive(Debug, Deserialize)]
struct NameQuery {
    name: String,
}

#[derive(Debug, Serialize)]
struct GoStats {
    successes: u64,
    failures: u64,
}

#[derive(Debug, Deserialize)]
struct UrlNameQuery {
    urlname: String,
}

/// GoMon's alert object.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
struct GoAlert {
    #[serde(rename = "ID")]
    id: Uuid,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    deleted_at: Option<DateTime<Utc>>,
    /// Unix seconds of the failure that opened the alert.
    time: i64,
    #[serde(rename = "UrlID")]
    url_id: Uuid,
}

impl From<&Alert> for GoAlert {
    fn from(a: &Alert) -> Self {
        Self {
            id: a.id.0,
            created_at: a.opened_at,
            updated_at: a.resolved_at.unwrap_or(a.opened_at),
            deleted_at: None,
            time: a.opened_at.timestamp(),
            url_id: a.monitor.0,
        }
    }
}

fn go_user(user: &User, url_count: u64) -> GoUser {
    GoUser {
        id: user.id.0,
        created_at: user.created_at,
        updated_at: user.created_at,
        deleted_at: None,
        username: user.username.clone(),
        url_count,
    }
}

async fn signup(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<Credentials>,
) -> Result<(StatusCode, Json<GoUser>)> {
    let user = service::signup(&state, body.username, body.password).await?;
    Ok((StatusCode::CREATED, Json(go_user(&user, 0))))
}

async fn login(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<Credentials>,
) -> Result<Json<GoToken>> {
    let (token, _) = service::login(&state, &body.username, body.password).await?;
    Ok(Json(GoToken { token }))
}

async fn register_url(
    State(state): State<AppState>,
    AuthUser(owner): AuthUser,
    ApiJson(body): ApiJson<RegisterUrl>,
) -> Result<(StatusCode, Json<GoUrl>)> {
    let input = MonitorInput {
        name: body.name,
        url: body.url,
        threshold: body.threshold.value()?,
        ..MonitorInput::default()
    };
    let monitor = service::create_monitor(&state, owner, input).await?;
    Ok((StatusCode::CREATED, Json(GoUrl::from(&monitor))))
}

async fn list_urls(
    State(state): State<AppState>,
    AuthUser(owner): AuthUser,
) -> Result<Json<Vec<GoUrl>>> {
    // A user has at most `max_monitors_per_user` monitors: one page holds them all.
    let limit = usize::try_from(state.settings().max_monitors_per_user).unwrap_or(usize::MAX);
    let monitors = state.store().list_monitors(owner, None, limit).await?;
    Ok(Json(monitors.iter().map(GoUrl::from).collect()))
}

async fn url_stats(
    State(state): State<AppState>,
    AuthUser(owner): AuthUser,
    ApiJson(body): ApiJson<NameQuery>,
) -> Result<Json<GoStats>> {
    let day = std::time::Duration::from_secs(24 * 3600);
    let (_, stats) = service::stats(&state, owner, &body.name, day).await?;
    Ok(Json(GoStats {
        successes: stats.successes,
        failures: stats.failures,
    }))
}

async fn url_alerts(
    State(state): State<AppState>,
    AuthUser(owner): AuthUser,
    ApiJson(body): ApiJson<UrlNameQuery>,
) -> Result<Json<Vec<GoAlert>>> {
    let alerts = service::alerts(&state, owner, &body.urlname, None, MAX_COMPAT_ALERTS).await?;
    Ok(Json(alerts.iter().map(GoAlert::from).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_come_as_strings_or_numbers() {
        let parse = |json: &str| {
            serde_json::from_str::<Threshold>(json)
                .map_err(|_| ())
                .and_then(|t| t.value().map_err(|_| ()))
        };
        assert_eq!(parse(r#""5""#), Ok(5));
        assert_eq!(parse("5"), Ok(5));
        assert_eq!(parse(r#"" 7 ""#), Ok(7));
        assert_eq!(parse(r#""-1""#), Err(()));
        assert_eq!(parse("-1"), Err(()));
        assert_eq!(parse(r#""five""#), Err(()));
        assert_eq!(parse("1.5"), Err(()));
    }
}
