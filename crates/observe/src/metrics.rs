//! The process's Prometheus registry (prometheus-client): counters, gauges and histograms keyed
//! by name and labels, created on first use, rendered in the OpenMetrics text format (served on
//! `/metrics` by `schemahero_telemetry::metrics`).
//!
//! Counters are named with their `_total` suffix here, as their samples are exposed (the
//! OpenMetrics family name is without it); the label sets are whatever a call site passes, in
//! that order.

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter as PromCounter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge as PromGauge;
use prometheus_client::metrics::histogram::Histogram as PromHistogram;
use prometheus_client::registry::Registry;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

type Labels = Vec<(String, String)>;
type HistogramFamily = Family<Labels, PromHistogram, fn() -> PromHistogram>;

/// Seconds, from a millisecond to a minute: the buckets every duration histogram has had.
const BUCKETS: &[f64] = &[0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0];

fn new_histogram() -> PromHistogram {
    PromHistogram::new(BUCKETS.iter().copied())
}

#[derive(Default)]
struct Metrics {
    registry: Registry,
    counters: HashMap<String, Family<Labels, PromCounter>>,
    gauges: HashMap<String, Family<Labels, PromGauge>>,
    histograms: HashMap<String, HistogramFamily>,
}

fn metrics() -> std::sync::MutexGuard<'static, Metrics> {
    static METRICS: OnceLock<Mutex<Metrics>> = OnceLock::new();
    // A poisoned lock only means a panic elsewhere mid-registration; the registry is still whole.
    METRICS.get_or_init(|| Mutex::new(Metrics::default())).lock().unwrap_or_else(|p| p.into_inner())
}

fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// What `/metrics` says about a metric: a few words from its name.
fn help(name: &str) -> String {
    name.trim_start_matches("schemahero_").replace('_', " ")
}

/// A monotonically increasing count.
#[derive(Clone)]
pub struct Counter(PromCounter);

impl Counter {
    pub fn inc(&self) {
        self.0.inc();
    }
    pub fn add(&self, n: u64) {
        self.0.inc_by(n);
    }
    pub fn get(&self) -> u64 {
        self.0.get()
    }
}

/// The counter `name` (ending in `_total`) with these labels.
pub fn counter(name: &str, pairs: &[(&str, &str)]) -> Counter {
    let mut m = metrics();
    let family = match m.counters.get(name) {
        Some(family) => family.clone(),
        None => {
            let family = Family::<Labels, PromCounter>::default();
            // prometheus-client adds the `_total` of the samples itself.
            let base = name.strip_suffix("_total").unwrap_or(name);
            m.registry.register(base, help(base), family.clone());
            m.counters.insert(name.to_string(), family.clone());
            family
        }
    };
    Counter(family.get_or_create(&labels(pairs)).clone())
}

/// A value that goes up and down (a current state, e.g. migrations per phase).
#[derive(Clone)]
pub struct Gauge(PromGauge);

impl Gauge {
    pub fn set(&self, value: i64) {
        self.0.set(value);
    }
    pub fn get(&self) -> i64 {
        self.0.get()
    }
}

/// The gauge `name` with these labels.
pub fn gauge(name: &str, pairs: &[(&str, &str)]) -> Gauge {
    let mut m = metrics();
    let family = match m.gauges.get(name) {
        Some(family) => family.clone(),
        None => {
            let family = Family::<Labels, PromGauge>::default();
            m.registry.register(name, help(name), family.clone());
            m.gauges.insert(name.to_string(), family.clone());
            family
        }
    };
    Gauge(family.get_or_create(&labels(pairs)).clone())
}

/// A distribution of durations in seconds.
#[derive(Clone)]
pub struct Histogram(PromHistogram);

impl Histogram {
    pub fn observe(&self, seconds: f64) {
        self.0.observe(seconds);
    }
}

/// The histogram `name` (in seconds, buckets from 1 ms to 60 s) with these labels.
pub fn histogram(name: &str, pairs: &[(&str, &str)]) -> Histogram {
    let mut m = metrics();
    let family = match m.histograms.get(name) {
        Some(family) => family.clone(),
        None => {
            let family: HistogramFamily = Family::new_with_constructor(new_histogram);
            m.registry.register(name, help(name), family.clone());
            m.histograms.insert(name.to_string(), family.clone());
            family
        }
    };
    Histogram(family.get_or_create(&labels(pairs)).clone())
}

/// The content type of [`render`]'s text.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Everything registered, in the OpenMetrics text format.
pub fn render() -> String {
    let mut out = String::new();
    // Writing into a String cannot fail.
    let _ = encode(&mut out, &metrics().registry);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_gauges_and_histograms_render_as_openmetrics_text() {
        counter("test_events_total", &[("kind", "Table")]).inc();
        counter("test_events_total", &[("kind", "Table")]).add(2);
        gauge("test_things", &[("phase", "Planned")]).set(4);
        gauge("test_things", &[("phase", "Planned")]).set(2);
        histogram("test_duration_seconds", &[("op", "x")]).observe(0.02);
        let text = render();
        assert!(text.contains("# TYPE test_events counter\n"), "{text}");
        assert!(text.contains("\ntest_events_total{kind=\"Table\"} 3\n"), "{text}");
        assert!(text.contains("# TYPE test_things gauge\n"), "{text}");
        assert!(text.contains("\ntest_things{phase=\"Planned\"} 2\n"), "{text}");
        assert!(text.contains("test_duration_seconds_bucket{le=\"0.01\",op=\"x\"} 0\n"), "{text}");
        assert!(text.contains("test_duration_seconds_bucket{le=\"0.05\",op=\"x\"} 1\n"), "{text}");
        assert!(text.contains("test_duration_seconds_count{op=\"x\"} 1\n"), "{text}");
        assert!(text.ends_with("# EOF\n"), "{text}");
        assert_eq!(counter("test_events_total", &[("kind", "Table")]).get(), 3);
        assert_eq!(gauge("test_things", &[("phase", "Planned")]).get(), 2);
    }
}
