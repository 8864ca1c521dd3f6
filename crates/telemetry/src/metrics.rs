//! Metrics: the registry lives in `schemahero-observe` (so that libraries record metrics without
//! the exporter stack); this serves it on `/metrics` with axum (already in the tree through
//! tonic's router), HTTP/1.1.

pub use schemahero_observe::metrics::*;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::routing::get;

async fn scrape() -> ([(header::HeaderName, &'static str); 1], String) {
    ([(header::CONTENT_TYPE, CONTENT_TYPE)], render())
}

async fn not_found() -> (StatusCode, &'static str) {
    (StatusCode::NOT_FOUND, "not found: try /metrics\n")
}

/// The `/metrics` routes (GET; anything else is 404 or 405).
pub fn router() -> Router {
    Router::new().route("/metrics", get(scrape)).fallback(not_found)
}

/// Serves `GET /metrics` on `listener` until the process ends.
pub async fn serve(listener: tokio::net::TcpListener) {
    if let Err(e) = axum::serve(listener, router()).await {
        tracing::warn!(error = %e, "the /metrics server stopped");
    }
}

/// Binds `address` and serves metrics in the background; returns the bound address.
pub async fn spawn(address: &str) -> std::io::Result<std::net::SocketAddr> {
    let listener = tokio::net::TcpListener::bind(address).await?;
    let bound = listener.local_addr()?;
    tokio::spawn(serve(listener));
    Ok(bound)
}
