//! What the Kubernetes store keeps locally so that planning thousands of Tables does not turn
//! into thousands of GETs and LISTs: watch caches of the served Tables and Migrations, and a
//! pace for creations.

use crate::model::MigrationRecord;
use crate::store::Filter;
use futures_util::StreamExt;
use kube::runtime::reflector::{self, ObjectRef, Store};
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Api, Client, Resource, ResourceExt};
use schemahero_k8s::{Migration, Table};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicUsize, Ordering};
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

/// The served Migrations as records, kept current by watches and by this planner's own writes
/// (so a Migration it just created or moved is seen at once, before its watch event arrives).
/// Lists and gets are answered here once every watch has listed, instead of a LIST per table.
pub struct MigrationCache {
    records: Arc<std::sync::Mutex<HashMap<(String, String), MigrationRecord>>>,
    sequence: Arc<Sequence>,
    /// Watches that have completed their first listing.
    listed: Arc<AtomicUsize>,
    watches: usize,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for MigrationCache {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

type Records = Arc<std::sync::Mutex<HashMap<(String, String), MigrationRecord>>>;

fn lock(records: &Records) -> std::sync::MutexGuard<'_, HashMap<(String, String), MigrationRecord>> {
    // A poisoned lock only means a panic elsewhere mid-update of a plain map; keep going.
    records.lock().unwrap_or_else(|p| p.into_inner())
}

/// This process's change sequence over the cache, for WatchMigrations in Kubernetes mode: every
/// change the cache sees (a watch event or this planner's own write) takes the next revision.
/// Revisions start at the process's start time (seconds) shifted left by 32 bits, so a token
/// issued before a restart is below [`Sequence::base`] (too old: list again) rather than read
/// as a position in this process's sequence.
pub struct Sequence {
    base: i64,
    last: AtomicI64,
}

impl Sequence {
    fn new() -> Self {
        let seconds = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
        let base = seconds << 32;
        Sequence { base, last: AtomicI64::new(base) }
    }

    fn next(&self) -> i64 {
        self.last.fetch_add(1, Ordering::SeqCst) + 1
    }
}

/// Keeps `record` unless a newer version (by the planner's own counter) is already there: a
/// late watch event never undoes a write this planner made. A record that changed takes the
/// next revision; the same state again (the watch event of this planner's own write) does not.
fn keep_newest(records: &mut HashMap<(String, String), MigrationRecord>, mut record: MigrationRecord, sequence: &Sequence) {
    let key = (record.namespace.clone(), record.id.clone());
    if let Some(known) = records.get(&key) {
        if known.version > record.version {
            return;
        }
        record.revision = known.revision;
        if *known == record {
            return;
        }
    }
    record.revision = sequence.next();
    records.insert(key, record);
}

impl MigrationCache {
    pub fn start(client: &Client, served: &[String]) -> Self {
        let records: Records = Arc::default();
        let sequence = Arc::new(Sequence::new());
        let listed = Arc::new(AtomicUsize::new(0));
        let apis: Vec<(Option<String>, Api<Migration>)> = if served.is_empty() {
            vec![(None, Api::all(client.clone()))]
        } else {
            served.iter().map(|ns| (Some(ns.clone()), Api::namespaced(client.clone(), ns))).collect()
        };
        let watches = apis.len();
        let tasks = apis
            .into_iter()
            .map(|(namespace, api)| {
                let (records, listed, sequence) = (Arc::clone(&records), Arc::clone(&listed), Arc::clone(&sequence));
                tokio::spawn(async move {
                    let mut seen: Option<HashSet<(String, String)>> = None;
                    let mut first = true;
                    // SchemaHero's (Go) Migrations in this listing: said once, so that whoever
                    // switched knows they were found and are left alone.
                    let mut legacy = 0usize;
                    let mut events = std::pin::pin!(watcher(api, watcher::Config::default()).default_backoff());
                    while let Some(event) = events.next().await {
                        match event {
                            Err(e) => tracing::debug!(error = %e, "watching Migrations for the store"),
                            Ok(watcher::Event::Init) => seen = Some(HashSet::new()),
                            Ok(watcher::Event::InitApply(m)) | Ok(watcher::Event::Apply(m)) => {
                                if let Some(set) = seen.as_mut() {
                                    set.insert((m.namespace().unwrap_or_default(), m.name_any()));
                                }
                                if first && m.is_schemahero_made() {
                                    legacy += 1;
                                }
                                if let Some(record) = super::record_of(&m) {
                                    keep_newest(&mut lock(&records), record, &sequence);
                                }
                            }
                            Ok(watcher::Event::Delete(m)) => {
                                lock(&records).remove(&(m.namespace().unwrap_or_default(), m.name_any()));
                            }
                            Ok(watcher::Event::InitDone) => {
                                // What this watch covers and did not list again is gone.
                                if let Some(set) = seen.take() {
                                    lock(&records).retain(|k, _| namespace.as_deref().is_some_and(|ns| ns != k.0) || set.contains(k));
                                }
                                if first {
                                    first = false;
                                    listed.fetch_add(1, Ordering::SeqCst);
                                    if legacy > 0 {
                                        tracing::info!(
                                            count = legacy,
                                            namespace = namespace.as_deref().unwrap_or("(all)"),
                                            "Migrations made by SchemaHero (Go) found: kept as read-only history, never executed here"
                                        );
                                    }
                                }
                            }
                        }
                    }
                })
            })
            .collect();
        MigrationCache { records, sequence, listed, watches, tasks }
    }

    fn ready(&self) -> bool {
        self.listed.load(Ordering::SeqCst) >= self.watches
    }

    /// A write this planner made (created, or moved by compare-and-set).
    pub fn wrote(&self, record: &MigrationRecord) {
        keep_newest(&mut lock(&self.records), record.clone(), &self.sequence);
    }

    /// `None` until every watch has listed; then the last revision taken.
    pub fn head(&self) -> Option<i64> {
        self.ready().then(|| self.sequence.last.load(Ordering::SeqCst))
    }

    /// The lowest revision a watch can resume from (tokens of an earlier process are below).
    pub fn oldest(&self) -> i64 {
        self.sequence.base
    }

    /// `None` until every watch has listed; then the Migrations changed after `revision`, in
    /// revision order, at most `limit`.
    pub fn changes_since(&self, revision: i64, limit: usize) -> Option<Vec<MigrationRecord>> {
        if !self.ready() {
            return None;
        }
        let mut changed: Vec<MigrationRecord> = lock(&self.records).values().filter(|m| m.revision > revision).cloned().collect();
        changed.sort_by_key(|m| m.revision);
        changed.truncate(limit.max(1));
        Some(changed)
    }

    /// `None` until every watch has listed; then the Migration, if it exists.
    pub fn get(&self, id: &str) -> Option<Option<MigrationRecord>> {
        if !self.ready() {
            return None;
        }
        Some(lock(&self.records).values().find(|m| m.id == id).cloned())
    }

    /// `None` until every watch has listed; then the Migrations matching `filter`.
    pub fn list(&self, filter: &Filter) -> Option<Vec<MigrationRecord>> {
        if !self.ready() {
            return None;
        }
        let records = lock(&self.records);
        Some(
            records
                .values()
                .filter(|m| filter.namespace.as_ref().is_none_or(|ns| *ns == m.namespace))
                .filter(|m| filter.database.as_ref().is_none_or(|db| *db == m.database))
                .filter(|m| filter.table.as_ref().is_none_or(|t| *t == m.table_resource))
                .filter(|m| filter.phase.is_none_or(|p| m.phase == p))
                .cloned()
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::{Pace, Sequence, keep_newest};
    use crate::model::{MigrationRecord, Phase};
    use std::collections::HashMap;

    fn record(version: i64, phase: Phase) -> MigrationRecord {
        MigrationRecord {
            id: "users-1".into(),
            namespace: "default".into(),
            database: "db".into(),
            table_resource: "users".into(),
            table: "users".into(),
            phase,
            planned_at: 1,
            version,
            ..MigrationRecord::default()
        }
    }

    #[test]
    fn changes_take_the_next_revision_and_echoes_or_stale_events_do_not() {
        let sequence = Sequence::new();
        let mut records = HashMap::new();
        keep_newest(&mut records, record(1, Phase::Planned), &sequence);
        let first = records[&("default".to_string(), "users-1".to_string())].revision;
        assert_eq!(first, sequence.base + 1, "revisions start above the base of this process");
        // The watch event of the same state (this planner's own write coming back): no new revision.
        keep_newest(&mut records, record(1, Phase::Planned), &sequence);
        assert_eq!(records[&("default".to_string(), "users-1".to_string())].revision, first);
        keep_newest(&mut records, record(2, Phase::Approved), &sequence);
        let approved = &records[&("default".to_string(), "users-1".to_string())];
        assert_eq!((approved.phase, approved.revision), (Phase::Approved, first + 1));
        // A late event of an older version changes nothing.
        keep_newest(&mut records, record(1, Phase::Planned), &sequence);
        let kept = &records[&("default".to_string(), "users-1".to_string())];
        assert_eq!((kept.phase, kept.revision), (Phase::Approved, first + 1));
        // A token of an earlier process (an earlier start second) is below this base.
        assert!(sequence.base >= 1 << 32 && (sequence.base >> 32) - 1 < sequence.base >> 32);
    }
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
