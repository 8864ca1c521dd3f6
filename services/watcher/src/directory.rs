//! A directory of YAML manifests as a resource source: scanned at start, then kept up to date
//! from file notifications, with a periodic rescan as a safety net.
//!
//! Notifications (inotify) name the paths that changed, and only those are looked at again,
//! within milliseconds. A ConfigMap's atomic `..data` symlink swap only names hidden paths:
//! when visible files are symlinks, such a notification rescans the whole tree. Changes that
//! are never notified (a file behind a symlink leading out of the tree, a network filesystem
//! written from another machine) are caught by the periodic rescan. A rescan compares file
//! metadata (size, times, inode) and reads only the files that changed or failed. When
//! notifications cannot be set up (no inotify, the watch limit reached), the source warns and
//! rescans every poll interval instead.

mod parse;
mod scan;
mod watch;

use crate::source::{Resource, ResourceKey, ResourceSource, SourceEvent};
use parse::{FileError, parse_file};
use scan::{FileMeta, Found, Item, Known, Outcome, Reads, Scan, Target};
use std::collections::{BTreeMap, BTreeSet, HashSet, VecDeque};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tracing::{debug, error, info, warn};
use watch::{Notification, Touched, Watches};

#[cfg(test)]
use parse::redact_quoted;

/// With notifications working, the safety-net rescan runs every this many poll intervals.
pub const RESCAN_POLL_INTERVALS: u32 = 60;
/// A burst of notifications (an editor writes in several steps) is handled once no new one came
/// for this long...
const QUIET: Duration = Duration::from_millis(5);
/// ...or this long after its first notification, whichever comes first.
const SETTLE_MAX: Duration = Duration::from_millis(20);

#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    #[error("{path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("{path}: not a directory")]
    NotADirectory { path: String },
}

/// What we know about one file.
struct FileState {
    /// The metadata when last read: a rescan reads the file again only when it differs.
    meta: Option<FileMeta>,
    /// A hash of the content last read, to skip re-parsing a file whose content did not change
    /// (a `touch`, a ConfigMap swap that rewrites every file).
    hash: Option<u64>,
    /// The resources of the last successful parse; kept while the file is broken.
    resources: Vec<Resource>,
    /// Why the latest attempt failed. Failed files are retried on every rescan (an environment
    /// variable may have appeared), but the error is only logged again when it changes.
    failure: Option<String>,
}

/// A round of looking at the disk, running on a blocking thread. Kept here so that a cancelled
/// `next_event` picks up the same round rather than doing the work again.
struct Flight {
    full: bool,
    task: tokio::task::JoinHandle<Outcome>,
}

struct Notifier {
    watches: Arc<Mutex<Watches>>,
    events: mpsc::UnboundedReceiver<Notification>,
}

/// Emits a `Snapshot` of the directory's resources, then `Upsert`/`Delete` for what changed.
pub struct DirectorySource {
    dir: PathBuf,
    /// `dir` made absolute, as notify reports paths.
    dir_abs: PathBuf,
    poll_interval: Duration,
    /// `None` when polling.
    notifier: Option<Notifier>,
    files: BTreeMap<PathBuf, FileState>,
    /// The resources as last reported to the consumer.
    reported: BTreeMap<ResourceKey, Resource>,
    snapshot_sent: bool,
    attempted: bool,
    pending: VecDeque<SourceEvent>,
    in_flight: Option<Flight>,
    listing_failure: Option<String>,
    duplicates: BTreeSet<(ResourceKey, PathBuf)>,
    /// The files that define each resource, in name order: the first one wins.
    owners: BTreeMap<ResourceKey, BTreeSet<PathBuf>>,
    /// Resources whose definition may have changed during the current `apply`.
    touched: BTreeSet<ResourceKey>,
    /// Paths named by notifications and not looked at yet.
    dirty: BTreeSet<PathBuf>,
    /// A notification asked for a rescan of the whole tree.
    dirty_all: bool,
    /// When the first notification of the current burst arrived.
    dirty_since: Option<Instant>,
    next_rescan: Instant,
    /// Whether visible entries are symlinks (see `Touched::Hidden`).
    symlinks: bool,
    reads: Reads,
}

impl DirectorySource {
    /// Watches `dir` with file notifications, falling back to polling every `poll_interval`
    /// when they cannot be set up; with notifications, rescans every `RESCAN_POLL_INTERVALS`
    /// poll intervals. Fails when `dir` is not a readable directory: at start that is a
    /// misconfiguration, not a transient condition.
    pub fn new(dir: impl Into<PathBuf>, poll_interval: Duration) -> Result<Self, DirectoryError> {
        Self::with_notifications(dir, poll_interval, true)
    }

    /// Polls every `poll_interval`, without file notifications.
    pub fn polling(dir: impl Into<PathBuf>, poll_interval: Duration) -> Result<Self, DirectoryError> {
        Self::with_notifications(dir, poll_interval, false)
    }

    pub fn with_notifications(dir: impl Into<PathBuf>, poll_interval: Duration, notifications: bool) -> Result<Self, DirectoryError> {
        let dir = dir.into();
        let io_error = |source| DirectoryError::Io { path: dir.display().to_string(), source };
        let meta = std::fs::metadata(&dir).map_err(io_error)?;
        if !meta.is_dir() {
            return Err(DirectoryError::NotADirectory { path: dir.display().to_string() });
        }
        let dir_abs = std::env::current_dir().map_err(io_error)?.join(&dir);
        let notifier = if notifications {
            let (tx, events) = mpsc::unbounded_channel();
            match Watches::start(tx) {
                Ok(watches) => Some(Notifier { watches: Arc::new(Mutex::new(watches)), events }),
                Err(e) => {
                    warn!(dir = %dir.display(), error = %e, poll_interval_ms = poll_interval.as_millis(), "cannot set up file notifications; polling for changes instead");
                    None
                }
            }
        } else {
            None
        };
        Ok(DirectorySource {
            dir,
            dir_abs,
            poll_interval,
            notifier,
            files: BTreeMap::new(),
            reported: BTreeMap::new(),
            snapshot_sent: false,
            attempted: false,
            pending: VecDeque::new(),
            in_flight: None,
            listing_failure: None,
            duplicates: BTreeSet::new(),
            owners: BTreeMap::new(),
            touched: BTreeSet::new(),
            dirty: BTreeSet::new(),
            dirty_all: false,
            dirty_since: None,
            next_rescan: Instant::now(),
            symlinks: false,
            reads: Reads::new(),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Whether changes are seen through file notifications (false: polling).
    pub fn notifications(&self) -> bool {
        self.notifier.is_some()
    }

    /// How many files this source has read so far.
    pub fn files_read(&self) -> u64 {
        self.reads.get()
    }

    /// Rescans the whole tree now (reading only files whose metadata changed, or that failed)
    /// and queues the events for what changed.
    pub async fn rescan(&mut self) {
        if self.in_flight.is_some() {
            self.land().await;
        }
        self.launch(true);
        self.land().await;
    }

    /// Cancel-safe: notifications are recorded as soon as they are received, and a round of
    /// looking at the disk is kept until it completes, so a dropped call loses nothing.
    pub async fn next_event(&mut self) -> Option<SourceEvent> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                return Some(event);
            }
            if self.in_flight.is_none() {
                let full = !self.attempted || self.wait().await;
                self.launch(full);
            }
            self.land().await;
        }
    }

    /// Waits until there is something to look at: true when the whole tree is due for a rescan,
    /// false when notified paths have settled.
    async fn wait(&mut self) -> bool {
        loop {
            let now = Instant::now();
            if now >= self.next_rescan {
                return true;
            }
            let next_rescan = self.next_rescan;
            let burst = self.dirty_all || !self.dirty.is_empty();
            let Some(notifier) = self.notifier.as_mut() else {
                tokio::time::sleep_until(next_rescan).await;
                continue;
            };
            let wake = match self.dirty_since {
                Some(since) if burst => {
                    if now >= since + SETTLE_MAX {
                        return false;
                    }
                    (now + QUIET).min(since + SETTLE_MAX)
                }
                _ => next_rescan,
            };
            let received = tokio::select! {
                received = notifier.events.recv() => Some(received),
                () = tokio::time::sleep_until(wake) => None,
            };
            match received {
                Some(Some(notification)) => self.note(notification),
                Some(None) => self.fall_back("the notification thread stopped".into()),
                None if burst => return false,
                None => {}
            }
        }
    }

    /// Records what a notification names, to be looked at once the burst settles.
    fn note(&mut self, notification: Notification) {
        for touched in watch::touched(notification, &self.dir, &self.dir_abs) {
            match touched {
                Touched::Visible(path) => {
                    self.dirty.insert(path);
                }
                Touched::Hidden if self.symlinks => self.dirty_all = true,
                Touched::Hidden => continue,
                Touched::Rescan => self.dirty_all = true,
                Touched::Broken(reason) => {
                    self.fall_back(reason);
                    return;
                }
            }
            self.dirty_since.get_or_insert_with(Instant::now);
        }
    }

    /// Notifications stopped working: poll from now on, starting with a rescan at once.
    fn fall_back(&mut self, reason: String) {
        if self.notifier.take().is_some() {
            warn!(dir = %self.dir.display(), error = %reason, poll_interval_ms = self.poll_interval.as_millis(), "file notifications unavailable; polling for changes instead");
        }
        self.next_rescan = Instant::now();
    }

    fn rescan_interval(&self) -> Duration {
        if self.notifier.is_some() { self.poll_interval.saturating_mul(RESCAN_POLL_INTERVALS) } else { self.poll_interval }
    }

    /// Starts looking at the whole tree (`full`) or at the notified paths.
    fn launch(&mut self, full: bool) {
        // Until the first complete listing, only a complete listing can make a Snapshot.
        let full = full || self.dirty_all || !self.snapshot_sent;
        // Every notified path is looked at (a full rescan covers them all).
        let dirty = std::mem::take(&mut self.dirty);
        self.dirty_all = false;
        self.dirty_since = None;
        let (targets, seen) = if full {
            let seen = self.files.iter().map(|(path, state)| (path.clone(), known(state))).collect();
            (vec![Target::Scope(self.dir.clone())], seen)
        } else {
            let mut seen = BTreeMap::new();
            for path in &dirty {
                let under = self.files.range(path.clone()..).take_while(|(p, _)| p.starts_with(path));
                seen.extend(under.map(|(p, state)| (p.clone(), known(state))));
            }
            (dirty.into_iter().map(Target::Path).collect(), seen)
        };
        let dir = self.dir.clone();
        let watches = self.notifier.as_ref().map(|n| Arc::clone(&n.watches));
        let reads = self.reads.clone();
        // Reading files is blocking I/O; keep it off the async workers.
        let task = tokio::task::spawn_blocking(move || Scan::new(&dir, &seen, watches.as_deref(), &reads).run(targets));
        self.in_flight = Some(Flight { full, task });
    }

    /// Waits for the round in flight, then queues the events for what it found.
    async fn land(&mut self) {
        let Some(flight) = self.in_flight.as_mut() else { return };
        let outcome = (&mut flight.task).await;
        // No await from here on.
        let full = flight.full;
        self.in_flight = None;
        let outcome = outcome.unwrap_or_else(|e| Outcome {
            items: vec![Item::Listing { scope: self.dir.clone(), result: Err(std::io::Error::other(e.to_string())) }],
            symlinks: false,
        });
        self.attempted = true;
        self.apply(outcome);
        let broken = self.notifier.as_ref().and_then(|n| n.watches.lock().unwrap_or_else(|p| p.into_inner()).failure.clone());
        if let Some(reason) = broken {
            self.fall_back(reason);
            return;
        }
        if full {
            self.next_rescan = Instant::now() + self.rescan_interval();
        }
        if self.listing_failure.is_some() {
            // Something could not be listed: look again soon rather than at the next rescan.
            self.next_rescan = self.next_rescan.min(Instant::now() + self.poll_interval);
        }
    }

    fn apply(&mut self, outcome: Outcome) {
        let mut root_listed = false;
        for item in outcome.items {
            match item {
                Item::Listing { scope, result: Ok(found) } => {
                    if scope == self.dir {
                        root_listed = true;
                        if self.listing_failure.take().is_some() {
                            info!(dir = %self.dir.display(), "spec directory readable again");
                        }
                    }
                    let listed: HashSet<&Path> = found.iter().map(Found::path).collect();
                    let gone: Vec<PathBuf> = self.under(&scope).filter(|p| !listed.contains(p.as_path())).collect();
                    for path in gone {
                        self.remove(&path);
                    }
                    for found in found {
                        self.update(found);
                    }
                }
                Item::Listing { scope, result: Err(e) } => {
                    // Keep every resource: an unreadable directory (being replaced, a permission
                    // glitch) must not look like "everything was deleted".
                    let reason = format!("{}: {e}", scope.display());
                    if self.listing_failure.as_deref() != Some(reason.as_str()) {
                        error!(dir = %self.dir.display(), error = %reason, "cannot list the spec directory; keeping the resources read before");
                    }
                    self.listing_failure = Some(reason);
                }
                Item::Gone(path) => {
                    let gone: Vec<PathBuf> = self.under(&path).collect();
                    for path in gone {
                        self.remove(&path);
                    }
                }
                Item::File(found) => {
                    // A directory replaced by a file: nothing is under it any more.
                    let gone: Vec<PathBuf> = self.under(found.path()).filter(|p| p != found.path()).collect();
                    for path in gone {
                        self.remove(&path);
                    }
                    self.update(found);
                }
            }
        }
        if root_listed {
            self.symlinks = outcome.symlinks;
        } else {
            self.symlinks |= outcome.symlinks;
        }

        if !self.snapshot_sent {
            if !root_listed {
                return;
            }
            self.touched.clear();
            let keys: Vec<ResourceKey> = self.owners.keys().cloned().collect();
            let current: Vec<Resource> = keys.iter().filter_map(|key| self.resolve(key)).collect();
            self.reported = current.iter().map(|r| (r.key(), r.clone())).collect();
            self.snapshot_sent = true;
            self.pending.push_back(SourceEvent::Snapshot(current));
            return;
        }
        // Only the resources of files that changed are looked at again.
        let mut deletes = Vec::new();
        let mut upserts = Vec::new();
        for key in std::mem::take(&mut self.touched) {
            match self.resolve(&key) {
                None => {
                    if self.reported.remove(&key).is_some() {
                        deletes.push(key);
                    }
                }
                Some(resource) => {
                    if self.reported.get(&key) != Some(&resource) {
                        self.reported.insert(key, resource.clone());
                        upserts.push(resource);
                    }
                }
            }
        }
        // Tables before databases on delete, databases before tables on upsert (key order),
        // so the planner never sees a table whose database it does not know.
        deletes.reverse();
        self.pending.extend(deletes.into_iter().map(SourceEvent::Delete));
        self.pending.extend(upserts.into_iter().map(SourceEvent::Upsert));
    }

    /// The known files at or under `path` (paths order by component, so they are contiguous).
    fn under(&self, path: &Path) -> impl Iterator<Item = PathBuf> + '_ {
        let path = path.to_path_buf();
        self.files.range(path.clone()..).map(|(p, _)| p).take_while(move |p| p.starts_with(&path)).cloned()
    }

    /// Forgets a file.
    fn remove(&mut self, path: &Path) {
        if let Some(state) = self.files.remove(path) {
            debug!(file = %path.display(), "file removed");
            self.reown(path, &state.resources, &[]);
        }
    }

    /// Records a file looked at.
    fn update(&mut self, found: Found) {
        let Found::Read { path, meta, content } = found else { return };
        let previous = self.files.remove(&path);
        let before = previous.as_ref().map(|p| p.resources.clone()).unwrap_or_default();
        let state = update_file(&path, meta, content, previous);
        if before != state.resources {
            self.reown(&path, &before, &state.resources);
        }
        self.files.insert(path, state);
    }

    /// Updates `owners` after the resources `path` defines changed from `before` to `after`.
    fn reown(&mut self, path: &Path, before: &[Resource], after: &[Resource]) {
        let after_keys: BTreeSet<ResourceKey> = after.iter().map(Resource::key).collect();
        for key in before.iter().map(Resource::key) {
            if !after_keys.contains(&key)
                && let Some(paths) = self.owners.get_mut(&key)
            {
                paths.remove(path);
                if paths.is_empty() {
                    self.owners.remove(&key);
                }
            }
            self.touched.insert(key);
        }
        for key in after_keys {
            self.owners.entry(key.clone()).or_default().insert(path.to_path_buf());
            self.touched.insert(key);
        }
    }

    /// The resource `key` names now. When several files define it, the first in name order wins
    /// (so the result does not depend on which one was edited last); the others are warned
    /// about once.
    fn resolve(&mut self, key: &ResourceKey) -> Option<Resource> {
        let mut winner: Option<(&Resource, &Path)> = None;
        let mut duplicates = BTreeSet::new();
        for path in self.owners.get(key).into_iter().flatten() {
            let Some(state) = self.files.get(path) else { continue };
            for resource in state.resources.iter().filter(|r| r.key() == *key) {
                match winner {
                    None => winner = Some((resource, path)),
                    Some((_, first)) => {
                        let entry = (key.clone(), path.clone());
                        if !self.duplicates.contains(&entry) {
                            warn!(resource = %key, file = %path.display(), first = %first.display(), "resource defined twice; using the first file");
                        }
                        duplicates.insert(entry);
                    }
                }
            }
        }
        let resolved = winner.map(|(resource, _)| resource.clone());
        let stale: Vec<_> = self.duplicates.iter().filter(|(k, _)| k == key).cloned().collect();
        for entry in stale {
            self.duplicates.remove(&entry);
        }
        self.duplicates.extend(duplicates);
        resolved
    }
}

impl ResourceSource for DirectorySource {
    async fn next(&mut self) -> Option<SourceEvent> {
        self.next_event().await
    }
}

fn known(state: &FileState) -> Known {
    Known { meta: state.meta, failed: state.failure.is_some() }
}

fn hash(text: &str) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut hasher);
    hasher.finish()
}

/// The new state of a file given what was read now and its previous state.
fn update_file(path: &Path, meta: Option<FileMeta>, content: std::io::Result<String>, previous: Option<FileState>) -> FileState {
    let (previous_hash, previous_resources, previous_failure) = match previous {
        Some(p) => (p.hash, p.resources, p.failure),
        None => (None, Vec::new(), None),
    };
    let (hash, result) = match content {
        Ok(text) => {
            let hash = hash(&text);
            if previous_failure.is_none() && previous_hash == Some(hash) {
                return FileState { meta, hash: Some(hash), resources: previous_resources, failure: None };
            }
            (Some(hash), parse_file(path, &text))
        }
        // Keep the old hash so that reading the same content again is still retried (failure
        // is set) rather than mistaken for a change.
        Err(e) => (previous_hash, Err(FileError::Read(e))),
    };
    match result {
        Ok(resources) => {
            if previous_failure.is_some() {
                info!(file = %path.display(), "file reads correctly again");
            }
            FileState { meta, hash, resources, failure: None }
        }
        Err(e) => {
            let reason = e.to_string();
            if previous_failure.as_deref() != Some(reason.as_str()) {
                error!(file = %path.display(), error = %reason, kept = previous_resources.len(), "cannot read manifest; keeping the resources it defined before");
            }
            FileState { meta, hash, resources: previous_resources, failure: Some(reason) }
        }
    }
}

#[cfg(test)]
#[path = "directory_tests.rs"]
mod tests;
