//! A small Prometheus registry: counters and histograms keyed by name and labels, rendered in
//! the text exposition format (served on `/metrics` by `schemahero_telemetry::metrics`).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

type Labels = Vec<(String, String)>;

const BUCKETS: &[f64] = &[0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0];

#[derive(Default)]
struct Registry {
    counters: BTreeMap<(String, Labels), Arc<AtomicU64>>,
    histograms: BTreeMap<(String, Labels), Arc<Histogram>>,
}

fn registry() -> std::sync::MutexGuard<'static, Registry> {
    static REGISTRY: OnceLock<Mutex<Registry>> = OnceLock::new();
    REGISTRY.get_or_init(|| Mutex::new(Registry::default())).lock().unwrap_or_else(|p| p.into_inner())
}

fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

#[derive(Clone)]
pub struct Counter(Arc<AtomicU64>);

impl Counter {
    pub fn inc(&self) {
        self.add(1);
    }
    pub fn add(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

pub fn counter(name: &str, pairs: &[(&str, &str)]) -> Counter {
    let key = (name.to_string(), labels(pairs));
    Counter(Arc::clone(registry().counters.entry(key).or_default()))
}

#[derive(Default)]
pub struct Histogram {
    buckets: Vec<AtomicU64>,
    count: AtomicU64,
    /// Sum in microseconds (seconds × 1e6), kept as an integer for atomicity.
    sum_micros: AtomicU64,
}

impl Histogram {
    fn new() -> Self {
        Histogram { buckets: BUCKETS.iter().map(|_| AtomicU64::new(0)).collect(), ..Histogram::default() }
    }

    pub fn observe(&self, seconds: f64) {
        for (bound, bucket) in BUCKETS.iter().zip(&self.buckets) {
            if seconds <= *bound {
                bucket.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_micros.fetch_add((seconds.max(0.0) * 1e6) as u64, Ordering::Relaxed);
    }
}

pub fn histogram(name: &str, pairs: &[(&str, &str)]) -> Arc<Histogram> {
    let key = (name.to_string(), labels(pairs));
    Arc::clone(registry().histograms.entry(key).or_insert_with(|| Arc::new(Histogram::new())))
}

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

fn label_text(labels: &Labels, extra: Option<(&str, String)>) -> String {
    let mut parts: Vec<String> = labels.iter().map(|(k, v)| format!("{k}=\"{}\"", escape(v))).collect();
    if let Some((k, v)) = extra {
        parts.push(format!("{k}=\"{v}\""));
    }
    if parts.is_empty() { String::new() } else { format!("{{{}}}", parts.join(",")) }
}

/// Everything registered, in the Prometheus text format.
pub fn render() -> String {
    let r = registry();
    let mut out = String::new();
    let mut last = String::new();
    for ((name, labels), value) in &r.counters {
        if *name != last {
            out.push_str(&format!("# TYPE {name} counter\n"));
            last = name.clone();
        }
        out.push_str(&format!("{name}{} {}\n", label_text(labels, None), value.load(Ordering::Relaxed)));
    }
    for ((name, labels), h) in &r.histograms {
        if *name != last {
            out.push_str(&format!("# TYPE {name} histogram\n"));
            last = name.clone();
        }
        for (bound, bucket) in BUCKETS.iter().zip(&h.buckets) {
            out.push_str(&format!(
                "{name}_bucket{} {}\n",
                label_text(labels, Some(("le", bound.to_string()))),
                bucket.load(Ordering::Relaxed)
            ));
        }
        let count = h.count.load(Ordering::Relaxed);
        out.push_str(&format!("{name}_bucket{} {count}\n", label_text(labels, Some(("le", "+Inf".into())))));
        out.push_str(&format!("{name}_sum{} {}\n", label_text(labels, None), h.sum_micros.load(Ordering::Relaxed) as f64 / 1e6));
        out.push_str(&format!("{name}_count{} {count}\n", label_text(labels, None)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_and_histograms_render_as_prometheus_text() {
        counter("test_events_total", &[("kind", "Table")]).inc();
        counter("test_events_total", &[("kind", "Table")]).add(2);
        histogram("test_duration_seconds", &[("op", "x")]).observe(0.02);
        let text = render();
        assert!(text.contains("# TYPE test_events_total counter\ntest_events_total{kind=\"Table\"} 3\n"), "{text}");
        assert!(text.contains("test_duration_seconds_bucket{op=\"x\",le=\"0.01\"} 0\n"), "{text}");
        assert!(text.contains("test_duration_seconds_bucket{op=\"x\",le=\"0.05\"} 1\n"), "{text}");
        assert!(text.contains("test_duration_seconds_count{op=\"x\"} 1\n"), "{text}");
        assert_eq!(counter("test_events_total", &[("kind", "Table")]).get(), 3);
    }
}
