//! Looking at the spec tree on disk: walking all or part of it, deciding from file metadata
//! which files to read, and reading them. Blocking I/O: runs on a blocking thread.

use super::watch::{DirId, Watches};
use std::collections::{BTreeMap, HashSet};
use std::fs::{FileType, Metadata};
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// What tells one version of a file from another without reading it. For a symlink, the file it
/// points to (a ConfigMap's atomic swap changes the inode behind every visible name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct FileMeta {
    dev: u64,
    ino: u64,
    size: u64,
    mtime: i64,
    mtime_nsec: i64,
    ctime: i64,
    ctime_nsec: i64,
}

impl FileMeta {
    fn of(meta: &Metadata) -> Self {
        FileMeta {
            dev: meta.dev(),
            ino: meta.ino(),
            size: meta.size(),
            mtime: meta.mtime(),
            mtime_nsec: meta.mtime_nsec(),
            ctime: meta.ctime(),
            ctime_nsec: meta.ctime_nsec(),
        }
    }
}

/// What a scan needs to know about a file it has seen before.
#[derive(Debug, Clone, Copy)]
pub(super) struct Known {
    pub(super) meta: Option<FileMeta>,
    /// Failed files are read again on every scan (an environment variable may have appeared).
    pub(super) failed: bool,
}

/// Files actually read: a test hook and `schemahero_watcher_files_read_total`.
#[derive(Clone)]
pub(super) struct Reads {
    count: Arc<AtomicU64>,
    metric: schemahero_telemetry::metrics::Counter,
}

impl Reads {
    pub(super) fn new() -> Self {
        Reads {
            count: Arc::new(AtomicU64::new(0)),
            metric: schemahero_telemetry::metrics::counter("schemahero_watcher_files_read_total", &[]),
        }
    }

    pub(super) fn get(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }

    fn read(&self, path: &Path) -> io::Result<String> {
        self.count.fetch_add(1, Ordering::Relaxed);
        self.metric.inc();
        std::fs::read_to_string(path)
    }
}

/// Something to look at.
#[derive(Debug)]
pub(super) enum Target {
    /// A directory: listed recursively; only files whose metadata changed (or that failed) are
    /// read.
    Scope(PathBuf),
    /// A path a notification named: a file is read (the notification says it changed), a
    /// directory is scanned as a scope, a missing path is gone with everything under it.
    Path(PathBuf),
}

/// A file looked at.
pub(super) enum Found {
    Unchanged(PathBuf),
    Read { path: PathBuf, meta: Option<FileMeta>, content: io::Result<String> },
}

impl Found {
    pub(super) fn path(&self) -> &Path {
        match self {
            Found::Unchanged(path) | Found::Read { path, .. } => path,
        }
    }
}

pub(super) enum Item {
    /// Every visible file under `scope`, in name order; known files under it not listed are gone.
    Listing { scope: PathBuf, result: io::Result<Vec<Found>> },
    /// The path and everything under it no longer exist.
    Gone(PathBuf),
    /// One file a notification named.
    File(Found),
}

pub(super) struct Outcome {
    pub(super) items: Vec<Item>,
    /// Whether a visible entry is a symlink (then hidden paths matter: see `Touched::Hidden`).
    pub(super) symlinks: bool,
}

pub(super) struct Scan<'a> {
    root: &'a Path,
    /// The root with symlinks resolved: symlinked directories are followed when they point
    /// inside it (a ConfigMap's `dir -> ..data/dir`), never outside.
    root_canonical: Option<PathBuf>,
    known: &'a BTreeMap<PathBuf, Known>,
    watches: Option<&'a Mutex<Watches>>,
    reads: &'a Reads,
    symlinks: bool,
}

enum Kind {
    Dir,
    File,
}

impl<'a> Scan<'a> {
    pub(super) fn new(root: &'a Path, known: &'a BTreeMap<PathBuf, Known>, watches: Option<&'a Mutex<Watches>>, reads: &'a Reads) -> Self {
        Scan { root, root_canonical: std::fs::canonicalize(root).ok(), known, watches, reads, symlinks: false }
    }

    pub(super) fn run(mut self, targets: Vec<Target>) -> Outcome {
        let items = targets
            .into_iter()
            .map(|target| match target {
                Target::Scope(scope) => self.scope(scope),
                Target::Path(path) => self.path(path),
            })
            .collect();
        Outcome { items, symlinks: self.symlinks }
    }

    fn with_watches(&self, f: impl FnOnce(&mut Watches)) {
        if let Some(watches) = self.watches {
            f(&mut watches.lock().unwrap_or_else(|poisoned| poisoned.into_inner()));
        }
    }

    fn scope(&mut self, scope: PathBuf) -> Item {
        let mut found = Vec::new();
        let mut dirs = HashSet::new();
        match self.walk(&scope, &mut Vec::new(), &mut found, &mut dirs) {
            Ok(()) => {
                self.with_watches(|w| w.forget_missing(&scope, &dirs));
                Item::Listing { scope, result: Ok(found) }
            }
            Err(e) if scope != self.root && matches!(std::fs::symlink_metadata(&scope), Err(m) if m.kind() == io::ErrorKind::NotFound) => {
                tracing::trace!(dir = %scope.display(), error = %e, "directory gone");
                self.with_watches(|w| w.forget_under(&scope));
                Item::Gone(scope)
            }
            Err(e) => Item::Listing { scope, result: Err(e) },
        }
    }

    fn path(&mut self, path: PathBuf) -> Item {
        if path == self.root {
            return self.scope(path);
        }
        let file_type = match std::fs::symlink_metadata(&path) {
            Ok(meta) => meta.file_type(),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                self.with_watches(|w| w.forget_under(&path));
                return Item::Gone(path);
            }
            Err(e) => return Item::File(Found::Read { path, meta: None, content: Err(e) }),
        };
        match self.kind(&path, file_type) {
            Kind::Dir => {
                // Moved away and back, or replaced: notify may have dropped its watches.
                self.with_watches(|w| w.forget_under(&path));
                self.scope(path)
            }
            Kind::File => Item::File(match std::fs::metadata(&path) {
                Ok(meta) => self.read(path, &meta),
                Err(e) => Found::Read { path, meta: None, content: Err(e) },
            }),
        }
    }

    /// Every non-hidden file under `dir`, recursively in name order (as `kubectl-schemahero
    /// plan --spec-file` reads a directory). Any error fails the whole listing, so that a
    /// directory being replaced never looks like its files were deleted.
    fn walk(&mut self, dir: &Path, ancestors: &mut Vec<DirId>, found: &mut Vec<Found>, dirs: &mut HashSet<PathBuf>) -> io::Result<()> {
        let meta = std::fs::metadata(dir)?;
        let id = (meta.dev(), meta.ino());
        if ancestors.contains(&id) {
            return Ok(()); // a symlink loop
        }
        // Watch before listing: whatever changes after the listing is notified.
        self.with_watches(|w| w.ensure(dir, id));
        dirs.insert(dir.to_path_buf());
        let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
        entries.sort_by_key(|e| e.file_name());
        ancestors.push(id);
        for entry in entries {
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            let path = entry.path();
            match self.kind(&path, entry.file_type()?) {
                Kind::Dir => self.walk(&path, ancestors, found, dirs)?,
                Kind::File => found.push(self.look(path)),
            }
        }
        ancestors.pop();
        Ok(())
    }

    fn kind(&mut self, path: &Path, file_type: FileType) -> Kind {
        if file_type.is_dir() {
            return Kind::Dir;
        }
        if file_type.is_symlink() {
            self.symlinks = true;
            let is_dir = std::fs::metadata(path).is_ok_and(|m| m.is_dir());
            if is_dir
                && let (Some(root), Ok(target)) = (&self.root_canonical, std::fs::canonicalize(path))
                && target.starts_with(root)
            {
                return Kind::Dir;
            }
        }
        // Anything else, a symlink to a directory outside the tree included, is read as a file
        // (and fails to read).
        Kind::File
    }

    /// A file seen by a listing: read only when its metadata changed or it failed last time.
    fn look(&self, path: PathBuf) -> Found {
        let meta = match std::fs::metadata(&path) {
            Ok(meta) => meta,
            Err(e) => return Found::Read { path, meta: None, content: Err(e) },
        };
        let file_meta = FileMeta::of(&meta);
        if let Some(known) = self.known.get(&path)
            && !known.failed
            && known.meta == Some(file_meta)
        {
            return Found::Unchanged(path);
        }
        self.read(path, &meta)
    }

    fn read(&self, path: PathBuf, meta: &Metadata) -> Found {
        // A FIFO or a device would block or never end.
        let content = if meta.is_file() { self.reads.read(&path) } else { Err(io::Error::other("not a regular file")) };
        Found::Read { path, meta: Some(FileMeta::of(meta)), content }
    }
}
