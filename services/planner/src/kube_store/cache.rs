//! What the Kubernetes store keeps locally so that planning thousands of Tables does not turn
//! into thousands of GETs: a watch cache of the served Tables, and a pace for creations.

use futures_util::StreamExt;
use kube::runtime::reflector::{self, ObjectRef, Store};
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Api, Client, Resource};
use schemahero_k8s::Table;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::time::Instant;

struct Watched {
    /// The namespace watched (`None`: all).
    namespace: Option<String>,
    store: Store<Table>,
    ready: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<()>,
}

/// The served Tables, kept current by watches (one per served namespace, or one for all).
pub struct TableCache {
    watched: Vec<Watched>,
}

impl Drop for TableCache {
    fn drop(&mut self) {
        for w in &self.watched {
            w.task.abort();
        }
    }
}

impl TableCache {
    pub fn start(client: &Client, served: &[String]) -> Self {
        let targets: Vec<Option<String>> = if served.is_empty() { vec![None] } else { served.iter().map(|ns| Some(ns.clone())).collect() };
        let watched = targets
            .into_iter()
            .map(|namespace| {
                let api: Api<Table> = match &namespace {
                    Some(ns) => Api::namespaced(client.clone(), ns),
                    None => Api::all(client.clone()),
                };
                let (store, writer) = reflector::store();
                let ready = Arc::new(AtomicBool::new(false));
                let (flag, reader) = (Arc::clone(&ready), store.clone());
                let task = tokio::spawn(async move {
                    let readiness = async move {
                        if reader.wait_until_ready().await.is_ok() {
                            flag.store(true, Ordering::SeqCst);
                        }
                    };
                    // Only the status and the uid are read here; the spec (the planner has it
                    // from the watcher) and managedFields would be most of the memory per Table.
                    let events = watcher(api, watcher::Config::default())
                        .default_backoff()
                        .modify(|t: &mut Table| {
                            t.meta_mut().managed_fields = None;
                            t.meta_mut().annotations = None;
                            t.spec.schema = None;
                            t.spec.seed_data = None;
                        })
                        .reflect(writer)
                        .for_each(|event| async move {
                            if let Err(e) = event {
                                tracing::debug!(error = %e, "watching Tables for the store");
                            }
                        });
                    futures_util::join!(readiness, events);
                });
                Watched { namespace, store, ready, task }
            })
            .collect();
        TableCache { watched }
    }

    /// `None` until the watch covering `namespace` has listed everything (the caller then
    /// asks the API server); then whether the Table exists, and it.
    pub fn get(&self, namespace: &str, name: &str) -> Option<Option<Arc<Table>>> {
        let watched = self.watched.iter().find(|w| w.namespace.as_deref().is_none_or(|ns| ns == namespace))?;
        if !watched.ready.load(Ordering::SeqCst) {
            return None;
        }
        Some(watched.store.get(&ObjectRef::new(name).within(namespace)))
    }
}

/// At most `rate` events per second, spread evenly: each caller reserves the next free slot and
/// waits for it. (A dozen lines do not warrant a rate-limiting crate.)
pub struct Pace {
    interval: Duration,
    next: std::sync::Mutex<Instant>,
}

impl Pace {
    pub fn per_second(rate: u32) -> Self {
        Pace { interval: Duration::from_secs(1) / rate.max(1), next: std::sync::Mutex::new(Instant::now()) }
    }

    pub async fn wait(&self) {
        let slot = {
            let mut next = self.next.lock().unwrap_or_else(|p| p.into_inner());
            let slot = (*next).max(Instant::now());
            *next = slot + self.interval;
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}

#[cfg(test)]
mod tests {
    use super::Pace;
    use std::time::Duration;

    #[tokio::test]
    async fn pace_spreads_a_burst_evenly() {
        let pace = Pace::per_second(1000);
        let started = tokio::time::Instant::now();
        for _ in 0..101 {
            pace.wait().await;
        }
        // 101 events at 1000 per second: the last one cannot come before 100 ms.
        assert!(started.elapsed() >= Duration::from_millis(100), "{:?}", started.elapsed());
    }
}
