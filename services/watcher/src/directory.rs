//! A directory of YAML manifests as a resource source: scanned at start, then polled.
//!
//! Polling (rather than inotify) is deliberate: it behaves the same on every filesystem,
//! including Kubernetes ConfigMap mounts whose files change by an atomic symlink swap.

use crate::source::{Resource, ResourceKey, ResourceSource, SourceEvent};
use schemahero_proto::v1::{Database, Table};
use schemahero_schema::database::{ConnectionError, DatabaseManifest};
use schemahero_schema::{Document, SpecError, parse_documents};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tracing::{debug, error, info, warn};

#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    #[error("{path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("{path}: not a directory")]
    NotADirectory { path: String },
}

/// Why a file produced no resources this time. Never carries a connection URI.
#[derive(Debug, thiserror::Error)]
enum FileError {
    #[error("cannot read: {0}")]
    Read(std::io::Error),
    #[error("{0}")]
    Spec(SpecError),
    #[error("{0}")]
    Connection(ConnectionError),
    #[error("{document}: table has no name (metadata.name or spec.name)")]
    UnnamedTable { document: String },
    #[error("{document}: cannot encode the spec as JSON: {error}")]
    Json { document: String, error: serde_json::Error },
}

/// What we know about one file.
struct FileState {
    /// The content last read, to skip re-parsing files that did not change.
    text: Option<String>,
    /// The resources of the last successful parse; kept while the file is broken.
    resources: Vec<Resource>,
    /// Why the latest attempt failed. Failed files are retried every poll (an environment
    /// variable may have appeared), but the error is only logged again when it changes.
    failure: Option<String>,
}

/// Emits a `Snapshot` of the directory's resources, then `Upsert`/`Delete` for what changed
/// between polls.
pub struct DirectorySource {
    dir: PathBuf,
    poll_interval: Duration,
    files: BTreeMap<PathBuf, FileState>,
    /// The resources as last reported to the consumer.
    reported: BTreeMap<ResourceKey, Resource>,
    snapshot_sent: bool,
    attempted: bool,
    pending: VecDeque<SourceEvent>,
    listing_failure: Option<String>,
    duplicates: BTreeSet<(ResourceKey, PathBuf)>,
}

impl DirectorySource {
    /// Fails when `dir` is not a readable directory: at start that is a misconfiguration, not a
    /// transient condition.
    pub fn new(dir: impl Into<PathBuf>, poll_interval: Duration) -> Result<Self, DirectoryError> {
        let dir = dir.into();
        let meta = std::fs::metadata(&dir).map_err(|source| DirectoryError::Io { path: dir.display().to_string(), source })?;
        if !meta.is_dir() {
            return Err(DirectoryError::NotADirectory { path: dir.display().to_string() });
        }
        Ok(DirectorySource {
            dir,
            poll_interval,
            files: BTreeMap::new(),
            reported: BTreeMap::new(),
            snapshot_sent: false,
            attempted: false,
            pending: VecDeque::new(),
            listing_failure: None,
            duplicates: BTreeSet::new(),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Cancel-safe: state changes only after the last await point of each round, so a dropped
    /// call loses nothing.
    pub async fn next_event(&mut self) -> Option<SourceEvent> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                return Some(event);
            }
            if self.attempted {
                tokio::time::sleep(self.poll_interval).await;
            }
            let dir = self.dir.clone();
            // Reading files is blocking I/O; keep it off the async workers.
            let listing = match tokio::task::spawn_blocking(move || read_tree(&dir)).await {
                Ok(listing) => listing,
                Err(e) => Err(std::io::Error::other(e.to_string())),
            };
            self.attempted = true;
            self.apply(listing);
        }
    }

    fn apply(&mut self, listing: std::io::Result<Vec<(PathBuf, std::io::Result<String>)>>) {
        let listing = match listing {
            Ok(listing) => listing,
            Err(e) => {
                // Keep every resource: an unreadable directory (being replaced, a permission
                // glitch) must not look like "everything was deleted".
                let reason = e.to_string();
                if self.listing_failure.as_deref() != Some(reason.as_str()) {
                    error!(dir = %self.dir.display(), error = %reason, "cannot list the spec directory; keeping the resources read before");
                }
                self.listing_failure = Some(reason);
                return;
            }
        };
        if self.listing_failure.take().is_some() {
            info!(dir = %self.dir.display(), "spec directory readable again");
        }

        let mut files = BTreeMap::new();
        for (path, content) in listing {
            let previous = self.files.remove(&path);
            files.insert(path.clone(), update_file(&path, content, previous));
        }
        for path in self.files.keys() {
            debug!(file = %path.display(), "file removed");
        }
        self.files = files;

        let current = self.merge();
        if !self.snapshot_sent {
            self.snapshot_sent = true;
            self.pending.push_back(SourceEvent::Snapshot(current.values().cloned().collect()));
        } else {
            // Tables before databases on delete, databases before tables on upsert (key order),
            // so the planner never sees a table whose database it does not know.
            let mut deletes: Vec<ResourceKey> = self.reported.keys().filter(|k| !current.contains_key(*k)).cloned().collect();
            deletes.reverse();
            self.pending.extend(deletes.into_iter().map(SourceEvent::Delete));
            for (key, resource) in &current {
                if self.reported.get(key) != Some(resource) {
                    self.pending.push_back(SourceEvent::Upsert(resource.clone()));
                }
            }
        }
        self.reported = current;
    }

    /// All files' resources by key. When two files define the same resource, the first in name
    /// order wins, so the result does not depend on which one was edited last.
    fn merge(&mut self) -> BTreeMap<ResourceKey, Resource> {
        let mut merged: BTreeMap<ResourceKey, (Resource, &Path)> = BTreeMap::new();
        let mut duplicates = BTreeSet::new();
        for (path, state) in &self.files {
            for resource in &state.resources {
                let key = resource.key();
                if let Some((_, first)) = merged.get(&key) {
                    let entry = (key.clone(), path.clone());
                    if !self.duplicates.contains(&entry) {
                        warn!(resource = %key, file = %path.display(), first = %first.display(), "resource defined twice; using the first file");
                    }
                    duplicates.insert(entry);
                    continue;
                }
                merged.insert(key, (resource.clone(), path));
            }
        }
        self.duplicates = duplicates;
        merged.into_iter().map(|(k, (r, _))| (k, r)).collect()
    }
}

impl ResourceSource for DirectorySource {
    async fn next(&mut self) -> Option<SourceEvent> {
        self.next_event().await
    }
}

/// The new state of a file given its content now and its previous state.
fn update_file(path: &Path, content: std::io::Result<String>, previous: Option<FileState>) -> FileState {
    let (previous_text, previous_resources, previous_failure) = match previous {
        Some(p) => (p.text, p.resources, p.failure),
        None => (None, Vec::new(), None),
    };
    let (text, result) = match content {
        Ok(text) => {
            if previous_failure.is_none() && previous_text.as_deref() == Some(text.as_str()) {
                return FileState { text: Some(text), resources: previous_resources, failure: None };
            }
            let result = parse_file(path, &text);
            (Some(text), result)
        }
        // Keep the old text so that reading the same content again is still retried (failure
        // is set) rather than mistaken for a change.
        Err(e) => (previous_text, Err(FileError::Read(e))),
    };
    match result {
        Ok(resources) => {
            if previous_failure.is_some() {
                info!(file = %path.display(), "file reads correctly again");
            }
            FileState { text, resources, failure: None }
        }
        Err(e) => {
            let reason = e.to_string();
            if previous_failure.as_deref() != Some(reason.as_str()) {
                error!(file = %path.display(), error = %reason, kept = previous_resources.len(), "cannot read manifest; keeping the resources it defined before");
            }
            FileState { text, resources: previous_resources, failure: Some(reason) }
        }
    }
}

/// The resources one file defines. Any error rejects the whole file: applying half of an edit
/// could hand the planner a table without the database change made alongside it.
fn parse_file(path: &Path, text: &str) -> Result<Vec<Resource>, FileError> {
    let parsed = parse_documents(&path.display().to_string(), text).map_err(FileError::Spec)?;
    for warning in &parsed.warnings {
        warn!(file = %warning.source, "{}", warning.message);
    }
    let mut resources = Vec::new();
    for document in parsed.documents {
        match document {
            Document::Table(manifest) => {
                let name = manifest.metadata_name.clone().filter(|n| !n.is_empty()).unwrap_or_else(|| manifest.spec.name.clone());
                if name.is_empty() {
                    return Err(FileError::UnnamedTable { document: manifest.source });
                }
                let spec_json =
                    serde_json::to_string(&manifest.spec).map_err(|error| FileError::Json { document: manifest.source.clone(), error })?;
                resources.push(Resource::Table(Table {
                    namespace: namespace(manifest.namespace),
                    name,
                    source: manifest.source,
                    spec_json,
                }));
            }
            Document::Other(other) => match DatabaseManifest::from_document(&other) {
                None => debug!(file = %other.source, kind = %other.kind, "skipping a document that is neither a Table nor a Database"),
                Some(Err(e)) => return Err(FileError::Spec(redact_spec_error(e))),
                Some(Ok(manifest)) => {
                    let (driver, uri) = manifest
                        .spec
                        .resolve(&manifest.name, &|variable| std::env::var(variable).ok(), &|_, _| None)
                        .map_err(FileError::Connection)?;
                    resources.push(Resource::Database(Database {
                        namespace: namespace(manifest.namespace),
                        name: manifest.name,
                        driver,
                        uri,
                        immediate_deploy: manifest.spec.immediate_deploy,
                    }));
                }
            },
        }
    }
    Ok(resources)
}

fn namespace(namespace: Option<String>) -> String {
    namespace.filter(|n| !n.is_empty()).unwrap_or_else(|| "default".to_string())
}

/// serde quotes the offending value in type errors (`invalid type: string "postgres://u:pw@…"`),
/// and in a Database document that value may well be a connection URI.
fn redact_spec_error(error: SpecError) -> SpecError {
    match error {
        SpecError::Field { file, table, field, message } => SpecError::Field { file, table, field, message: redact_quoted(&message) },
        other => other,
    }
}

fn redact_quoted(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut open: Option<char> = None;
    for c in message.chars() {
        match open {
            Some(q) if c == q => {
                out.push_str("<redacted>");
                out.push(c);
                open = None;
            }
            Some(_) => {}
            None => {
                out.push(c);
                if c == '"' || c == '`' {
                    open = Some(c);
                }
            }
        }
    }
    if open.is_some() {
        out.push_str("<redacted>");
    }
    out
}

/// Every non-hidden file under `dir`, recursively in name order (as `kubectl-schemahero plan
/// --spec-file` reads a directory), with its content or why it could not be read.
fn read_tree(dir: &Path) -> std::io::Result<Vec<(PathBuf, std::io::Result<String>)>> {
    let mut paths = Vec::new();
    collect_files(dir, &mut paths)?;
    Ok(paths
        .into_iter()
        .map(|path| {
            let content = std::fs::read_to_string(&path);
            (path, content)
        })
        .collect())
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            collect_files(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
#[path = "directory_tests.rs"]
mod tests;
