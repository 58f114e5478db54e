//! Configuration: command-line flags, each also read from a `GOMON_*`
//! environment variable (or `DATABASE_URL`). `gomon-server --help` lists them.

use std::net::SocketAddr;
use std::time::Duration;

use clap::{Parser, ValueEnum};

/// Who may create accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SignupMode {
    /// Anyone can sign up.
    Open,
    /// Sign-up is refused (403); accounts already created keep working.
    Closed,
}

/// A secret from the environment; its `Debug` never shows the value.
#[derive(Clone)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self(s.to_owned()))
    }
}

/// Every setting of gomon-server.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "gomon-server",
    version,
    about = "gomon: uptime monitoring over a REST API"
)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "GOMON_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,

    /// PostgreSQL URL. Unset: the in-memory store, which keeps nothing across restarts.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<Secret>,

    /// HS256 secret for tokens. Unset: a random secret per process, so tokens end at restart.
    #[arg(long, env = "GOMON_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<Secret>,

    /// How long a login token is valid (e.g. 72h, 30m).
    #[arg(long, env = "GOMON_TOKEN_TTL", default_value = "72h", value_parser = parse_duration)]
    pub token_ttl: Duration,

    /// Most monitors one user may have.
    #[arg(long, env = "GOMON_MAX_MONITORS_PER_USER", default_value_t = 100)]
    pub max_monitors_per_user: u64,

    /// Probe interval of monitors that do not give one. 30s lets thresholds up to 9 fire in a 5m window.
    #[arg(long, env = "GOMON_DEFAULT_INTERVAL", default_value = "30s", value_parser = parse_duration)]
    pub default_interval: Duration,

    /// Probe timeout of monitors that do not give one (halved interval if that is shorter).
    #[arg(long, env = "GOMON_DEFAULT_TIMEOUT", default_value = "10s", value_parser = parse_duration)]
    pub default_timeout: Duration,

    /// Alert window of monitors that do not give one.
    #[arg(long, env = "GOMON_DEFAULT_WINDOW", default_value = "5m", value_parser = parse_duration)]
    pub default_window: Duration,

    /// Probes in flight at once, across all monitors.
    #[arg(long, env = "GOMON_PROBE_CONCURRENCY", default_value_t = 64)]
    pub probe_concurrency: usize,

    /// Whether anyone may sign up.
    #[arg(long, env = "GOMON_SIGNUP", value_enum, default_value_t = SignupMode::Open)]
    pub signup: SignupMode,

    /// Log filter, in tracing's EnvFilter syntax (e.g. info, gomon_core=debug).
    #[arg(long, env = "GOMON_LOG", default_value = "info")]
    pub log: String,
}

/// Parses human durations such as `30s`, `5m`, `1h 30m`, `72h`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text.trim())
        .map_err(|e| format!("{text:?} is not a duration like 30s, 5m or 72h: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_documentation() {
        let config = Config::try_parse_from(["gomon-server"]).expect("parse");
        assert_eq!(config.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(config.token_ttl, Duration::from_secs(72 * 3600));
        assert_eq!(config.default_interval, Duration::from_secs(30));
        assert_eq!(config.default_timeout, Duration::from_secs(10));
        assert_eq!(config.default_window, Duration::from_secs(300));
        assert_eq!(config.max_monitors_per_user, 100);
        assert_eq!(config.probe_concurrency, 64);
        assert_eq!(config.signup, SignupMode::Open);
    }

    #[test]
    fn durations_are_human() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("1h 30m"), Ok(Duration::from_secs(5400)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("").is_err());
    }

    #[test]
    fn secrets_do_not_show_in_debug_output() {
        let config =
            Config::try_parse_from(["gomon-server", "--jwt-secret", "hunter2"]).expect("parse");
        assert!(!format!("{config:?}").contains("hunter2"));
    }
}
