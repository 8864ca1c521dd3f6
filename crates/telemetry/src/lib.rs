//! Telemetry shared by the watcher, planner, executor and CLI.
//!
//! - Logs: structured (`--log-json`), level from `RUST_LOG`; spans carry a `trace_id` field so
//!   log lines can be joined with traces.
//! - Traces: OpenTelemetry through `tracing-opentelemetry`, exported with OTLP/gRPC when
//!   `OTEL_EXPORTER_OTLP_ENDPOINT` is set (nothing is exported otherwise); `OTEL_SERVICE_NAME`
//!   and `OTEL_TRACES_SAMPLER` are honoured. W3C `traceparent` crosses every gRPC hop.
//! - Metrics: a small Prometheus registry served on `/metrics`.
//! - Health: a plaintext gRPC health endpoint for Kubernetes probes ([`health`]).

pub mod health;
pub mod metrics;
mod propagation;
pub mod statement;

pub use propagation::{GrpcTraceLayer, TraceparentInterceptor, current_trace_id, current_traceparent, set_parent};

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

#[derive(Debug, thiserror::Error)]
pub enum TelemetryError {
    #[error("OTLP exporter for {endpoint}: {message}")]
    Exporter { endpoint: String, message: String },
}

/// Keeps the exporter alive; flushes pending spans when dropped.
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

impl Telemetry {
    pub fn exporting(&self) -> bool {
        self.provider.is_some()
    }

    /// Flushes and stops the exporter (also done on drop).
    pub fn shutdown(&mut self) {
        if let Some(provider) = self.provider.take() {
            let _ = provider.force_flush();
            let _ = provider.shutdown();
        }
    }
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Sets up logging and tracing for `service`. Must run inside a tokio runtime (the OTLP
/// exporter needs one). `default_level` applies when `RUST_LOG` is unset.
pub fn init(service: &str, json: bool, default_level: &str) -> Result<Telemetry, TelemetryError> {
    opentelemetry::global::set_text_map_propagator(opentelemetry_sdk::propagation::TraceContextPropagator::new());
    let endpoint = std::env::var("OTEL_EXPORTER_OTLP_ENDPOINT").ok().filter(|e| !e.trim().is_empty());
    let provider = match endpoint {
        Some(endpoint) => {
            use opentelemetry_otlp::WithExportConfig;
            let exporter = opentelemetry_otlp::SpanExporter::builder()
                .with_tonic()
                .with_endpoint(endpoint.clone())
                .build()
                .map_err(|e| TelemetryError::Exporter { endpoint: endpoint.clone(), message: e.to_string() })?;
            let name = std::env::var("OTEL_SERVICE_NAME").ok().filter(|n| !n.is_empty()).unwrap_or_else(|| service.to_string());
            let resource = opentelemetry_sdk::Resource::builder().with_service_name(name).build();
            Some(SdkTracerProvider::builder().with_batch_exporter(exporter).with_resource(resource).build())
        }
        None => None,
    };
    let otel_layer = provider.as_ref().map(|p| tracing_opentelemetry::layer().with_tracer(p.tracer(service.to_string())));
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_level));
    let registry = tracing_subscriber::registry().with(filter).with(otel_layer);
    let result = if json {
        registry
            .with(tracing_subscriber::fmt::layer().json().with_current_span(true).with_span_list(false).with_writer(std::io::stderr))
            .try_init()
    } else {
        registry.with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr)).try_init()
    };
    // A second init in one process (tests) keeps the first subscriber.
    let _ = result;
    Ok(Telemetry { provider })
}
