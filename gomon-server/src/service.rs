//! What the routes do, shared by the `/v1` API and the GoMon-compatible routes:
//! each function validates, checks ownership, and calls the loop or the store.

use std::time::Duration;

use gomon_core::{
    Alert, AlertCursor, CallStats, Monitor, MonitorSpec, NewUser, TimeRange, User, UserId,
};

use crate::auth;
use crate::error::{Error, Result};
use crate::state::AppState;

/// Usernames: 3 to 32 of `[A-Za-z0-9_.-]`.
fn validate_username(username: &str) -> Result<()> {
    let ok_len = (3..=32).contains(&username.chars().count());
    let ok_chars = username
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if ok_len && ok_chars {
        Ok(())
    } else {
        Err(Error::invalid(
            "invalid_username",
            "the username must be 3 to 32 letters, digits, '_', '.' or '-'",
        ))
    }
}

/// Passwords: 8 to 128 characters.
fn validate_password(password: &str) -> Result<()> {
    if (8..=128).contains(&password.chars().count()) {
        Ok(())
    } else {
        Err(Error::invalid(
            "invalid_password",
            "the password must be 8 to 128 characters",
        ))
    }
}

/// Creates an account.
pub(crate) async fn signup(state: &AppState, username: String, password: String) -> Result<User> {
    if !state.settings().signup_open {
        return Err(Error::Forbidden {
            code: "signup_closed",
            message: "sign-up is closed on this server".into(),
        });
    }
    validate_username(&username)?;
    validate_password(&password)?;
    let password_hash = auth::hash_password(password).await?;
    let created = state
        .store()
        .create_user(NewUser {
            username,
            password_hash,
        })
        .await;
    match created {
        Err(gomon_core::Error::Conflict(_)) => {
            Err(gomon_core::Error::Conflict("that username is taken".into()).into())
        }
        other => Ok(other?),
    }
}

/// Checks credentials and issues a token. The answer is the same whether the
/// user does not exist or the password is wrong.
pub(crate) async fn login(
    state: &AppState,
    username: &str,
    password: String,
) -> Result<(String, chrono::DateTime<chrono::Utc>)> {
    // No account can have a name that breaks the sign-up rules: answer at once
    // (and keep bytes such as NUL, which PostgreSQL refuses, away from the store).
    if validate_username(username).is_err() {
        return Err(Error::Unauthorized("invalid username or password"));
    }
    let user = match state.store().user_by_name(username).await {
        Ok(user) => Some(user),
        Err(gomon_core::Error::NotFound { .. }) => None,
        Err(e) => return Err(e.into()),
    };
    let stored_hash = user.as_ref().map(|u| u.password_hash.clone());
    if !auth::verify_password(password, stored_hash).await {
        return Err(Error::Unauthorized("invalid username or password"));
    }
    let user = user.ok_or(Error::Unauthorized("invalid username or password"))?;
    state.tokens().issue(user.id, &user.username, state.now())
}

/// A monitor as asked for, durations already parsed.
#[derive(Debug, Default)]
pub(crate) struct MonitorInput {
    pub(crate) name: String,
    pub(crate) url: String,
    pub(crate) threshold: u32,
    pub(crate) interval: Option<Duration>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) window: Option<Duration>,
}

/// Parses an optional duration field, naming the field in the error.
pub(crate) fn parse_duration_field(field: &str, text: Option<&str>) -> Result<Option<Duration>> {
    text.map(|t| {
        crate::config::parse_duration(t)
            .map_err(|e| Error::invalid("invalid_duration", format!("{field}: {e}")))
    })
    .transpose()
}

/// The timeout of a monitor that gave none: the server default, or half the
/// interval when the default would not be shorter than the interval.
fn default_timeout(state: &AppState, interval: Duration) -> Duration {
    let default = state.settings().default_timeout;
    if default < interval {
        default
    } else {
        interval / 2
    }
}

/// Creates a monitor for `owner` and starts probing it.
pub(crate) async fn create_monitor(
    state: &AppState,
    owner: UserId,
    input: MonitorInput,
) -> Result<Monitor> {
    let settings = state.settings();
    let interval = input.interval.unwrap_or(settings.default_interval);
    let spec = MonitorSpec {
        owner,
        name: input.name,
        url: input.url,
        threshold: input.threshold,
        interval,
        timeout: input
            .timeout
            .unwrap_or_else(|| default_timeout(state, interval)),
        window: input.window.unwrap_or(settings.default_window),
    };
    let monitor = spec.build().map_err(gomon_core::Error::from)?;
    // Count and create under one lock, so concurrent creates cannot pass the limit together.
    let _one_at_a_time = state.create_lock().lock().await;
    let count = state.store().count_monitors(owner).await?;
    if count >= settings.max_monitors_per_user {
        return Err(Error::Forbidden {
            code: "monitor_limit",
            message: format!(
                "you have {count} monitors, the most this server allows per user ({})",
                settings.max_monitors_per_user
            ),
        });
    }
    state.gomon().insert(monitor.clone()).await?;
    Ok(monitor)
}

/// The owner's monitor of that name; another user's monitor is simply not found.
pub(crate) async fn find_monitor(state: &AppState, owner: UserId, name: &str) -> Result<Monitor> {
    // A name no monitor can have is simply not found; the store never sees it.
    if gomon_core::model::validate_name(name).is_err() {
        return Err(gomon_core::Error::not_found(format!("monitor {name:?}")).into());
    }
    Ok(state.store().monitor_by_name(owner, name).await?)
}

/// Changes to a monitor; `None` keeps the current value.
#[derive(Debug, Default)]
pub(crate) struct MonitorPatch {
    pub(crate) name: Option<String>,
    pub(crate) url: Option<String>,
    pub(crate) threshold: Option<u32>,
    pub(crate) interval: Option<Duration>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) window: Option<Duration>,
}

/// Applies a patch and reschedules the monitor at once.
pub(crate) async fn update_monitor(
    state: &AppState,
    owner: UserId,
    name: &str,
    patch: MonitorPatch,
) -> Result<Monitor> {
    let current = find_monitor(state, owner, name).await?;
    let mut spec = current.to_spec();
    if let Some(name) = patch.name {
        spec.name = name;
    }
    if let Some(url) = patch.url {
        spec.url = url;
    }
    if let Some(threshold) = patch.threshold {
        spec.threshold = threshold;
    }
    if let Some(interval) = patch.interval {
        spec.interval = interval;
        // A shorter interval may leave the old timeout too long; fit it unless one was given.
        if patch.timeout.is_none() && spec.timeout >= interval {
            spec.timeout = default_timeout(state, interval);
        }
    }
    if let Some(timeout) = patch.timeout {
        spec.timeout = timeout;
    }
    if let Some(window) = patch.window {
        spec.window = window;
    }
    let updated = current.updated(spec).map_err(gomon_core::Error::from)?;
    state.gomon().update(updated.clone()).await?;
    Ok(updated)
}

/// Stops probing the monitor and deletes it with its results and alerts.
pub(crate) async fn delete_monitor(state: &AppState, owner: UserId, name: &str) -> Result<()> {
    let monitor = find_monitor(state, owner, name).await?;
    state.gomon().remove(monitor.id()).await?;
    Ok(())
}

/// The longest stats window that can be asked for.
const MAX_STATS_WINDOW: Duration = Duration::from_secs(400 * 24 * 3600);

/// Probe counts of the owner's monitor over the `window` ending now.
pub(crate) async fn stats(
    state: &AppState,
    owner: UserId,
    name: &str,
    window: Duration,
) -> Result<(TimeRange, CallStats)> {
    if window.is_zero() || window > MAX_STATS_WINDOW {
        return Err(Error::invalid(
            "invalid_window",
            "the stats window must be above zero and at most 400 days",
        ));
    }
    let monitor = find_monitor(state, owner, name).await?;
    let range = TimeRange::last(window, state.now());
    let stats = state.store().stats(monitor.id(), range).await?;
    Ok((range, stats))
}

/// A page of the owner's monitor's alerts, newest first.
pub(crate) async fn alerts(
    state: &AppState,
    owner: UserId,
    name: &str,
    before: Option<AlertCursor>,
    limit: usize,
) -> Result<Vec<Alert>> {
    let monitor = find_monitor(state, owner, name).await?;
    Ok(state
        .store()
        .list_alerts(monitor.id(), before, limit)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_and_passwords_are_checked() {
        assert!(validate_username("bob").is_ok());
        assert!(validate_username("a.b-c_9").is_ok());
        assert!(validate_username(&"a".repeat(32)).is_ok());
        for bad in ["ab", "has space", "ünï", "semi;colon", &"a".repeat(33)] {
            assert!(validate_username(bad).is_err(), "{bad}");
        }
        assert!(validate_password("12345678").is_ok());
        assert!(validate_password("1234567").is_err());
        assert!(validate_password(&"p".repeat(129)).is_err());
    }
}
