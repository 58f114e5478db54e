//! The `gomon-server` binary: reads the configuration, picks the store, starts
//! the monitoring loop and the HTTP server, and shuts both down cleanly on
//! SIGTERM or Ctrl-C.

use std::sync::Arc;

use clap::Parser;
use gomon_core::{Clock, Gomon, ProberConfig, Store, SystemClock};
use gomon_server::auth::Tokens;
use gomon_server::config::Config;
use gomon_server::{AppState, Error, Settings, app};
use gomon_store_memory::MemoryStore;
use gomon_store_postgres::{PostgresStore, Retention};
use tokio_util::sync::CancellationToken;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let config = Config::parse();
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_new(&config.log).unwrap_or_else(|_| EnvFilter::new("info")))
        .init();
    match run(config).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, source = ?std::error::Error::source(&e), "gomon-server failed");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(config: Config) -> Result<(), Error> {
    let cancel = CancellationToken::new();
    let store: Arc<dyn Store> = match &config.database_url {
        Some(url) => {
            let store = PostgresStore::connect(&url.0).await?;
            tracing::info!("storing in PostgreSQL");
            tokio::spawn(
                store
                    .clone()
                    .run_retention(Retention::default(), cancel.clone()),
            );
            Arc::new(store)
        }
        None => {
            tracing::warn!(
                "DATABASE_URL is not set: using the in-memory store; nothing is kept across restarts"
            );
            Arc::new(MemoryStore::new())
        }
    };
    let secret = match &config.jwt_secret {
        Some(secret) if secret.0.len() >= 16 => secret.0.clone().into_bytes(),
        Some(_) => {
            return Err(Error::Config(
                "GOMON_JWT_SECRET must be at least 16 characters".into(),
            ));
        }
        None => {
            tracing::warn!(
                "GOMON_JWT_SECRET is not set: using a random secret; tokens stop working at restart"
            );
            gomon_server::auth::random_secret()?
        }
    };

    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let gomon = Gomon::builder(store)
        .clock(clock.clone())
        .prober_config(ProberConfig {
            concurrency: config.probe_concurrency,
            ..ProberConfig::default()
        })
        .spawn(cancel.clone())
        .await?;
    let state = AppState::new(
        gomon.clone(),
        Tokens::new(&secret, config.token_ttl),
        Settings::from_config(&config),
        clock,
    );

    let listener = tokio::net::TcpListener::bind(config.bind).await?;
    tracing::info!(address = %listener.local_addr()?, "gomon-server listening");
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown_signal())
        .await?;

    tracing::info!("stopped accepting requests; draining probes and flushing results");
    gomon.shutdown().await?;
    cancel.cancel();
    tracing::info!("gomon-server stopped");
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
