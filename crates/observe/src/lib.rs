//! What the libraries record about themselves, with no exporter attached: per-statement spans
//! (`tracing`) and a Prometheus registry. The services' `schemahero-telemetry` exports both
//! (OTLP traces, `/metrics`); the engines depend only on this crate.

pub mod metrics;
pub mod statement;
