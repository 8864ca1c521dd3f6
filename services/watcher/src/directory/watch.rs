//! File notifications (inotify on Linux, through the `notify` crate) for the spec directory.
//!
//! Every visible directory of the tree gets its own non-recursive watch, added by the scan
//! before it lists the directory, so nothing created after the listing goes unnoticed, and
//! hidden directories (`.git`, a ConfigMap's `..2024_…` data directories) cost no watch.

use notify::event::{AccessKind, AccessMode};
use notify::{Event, EventKind, RecommendedWatcher, RecursiveMode, Watcher};
use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};
use tokio::sync::mpsc;

/// A directory's identity: `(dev, inode)`. A path whose identity changed (a symlink now
/// pointing elsewhere, a directory replaced) needs its watch set up again.
pub(super) type DirId = (u64, u64);

pub(super) type Notification = notify::Result<Event>;

/// The watcher and the directories it watches. Shared with the blocking scan task.
pub(super) struct Watches {
    watcher: RecommendedWatcher,
    watched: HashMap<PathBuf, DirId>,
    /// Why a watch could not be added (typically the inotify watch limit); the source then
    /// falls back to polling.
    pub(super) failure: Option<String>,
}

impl Watches {
    pub(super) fn start(events: mpsc::UnboundedSender<Notification>) -> notify::Result<Self> {
        let handler = move |event: Notification| {
            // The receiver is gone only when the source is dropped.
            let _ = events.send(event);
        };
        let watcher = RecommendedWatcher::new(handler, notify::Config::default().with_follow_symlinks(false))?;
        Ok(Watches { watcher, watched: HashMap::new(), failure: None })
    }

    /// Makes sure `dir` is watched. Called before the directory is listed.
    pub(super) fn ensure(&mut self, dir: &Path, id: DirId) {
        if self.failure.is_some() {
            return;
        }
        match self.watched.get(dir) {
            Some(known) if *known == id => return,
            Some(_) => {
                let _ = self.watcher.unwatch(dir);
                self.watched.remove(dir);
            }
            None => {}
        }
        match self.watcher.watch(dir, RecursiveMode::NonRecursive) {
            Ok(()) => {
                self.watched.insert(dir.to_path_buf(), id);
            }
            // Gone since it was listed: its parent's notification brings us back here.
            Err(notify::Error { kind: notify::ErrorKind::PathNotFound, .. }) => {}
            Err(e) => self.failure = Some(format!("cannot watch {}: {e}", dir.display())),
        }
    }

    /// Stops watching `path` and everything under it. A notification named it, so notify may
    /// already have dropped the watch (a directory moved or removed); the scan adds it back if
    /// the directory is still there.
    pub(super) fn forget_under(&mut self, path: &Path) {
        let gone: Vec<PathBuf> = self.watched.keys().filter(|p| p.starts_with(path)).cloned().collect();
        for p in gone {
            let _ = self.watcher.unwatch(&p);
            self.watched.remove(&p);
        }
    }

    /// After a complete scan of `scope`: stops watching directories under it that the scan did
    /// not see.
    pub(super) fn forget_missing(&mut self, scope: &Path, seen: &HashSet<PathBuf>) {
        let gone: Vec<PathBuf> = self.watched.keys().filter(|p| p.starts_with(scope) && !seen.contains(*p)).cloned().collect();
        for p in gone {
            let _ = self.watcher.unwatch(&p);
            self.watched.remove(&p);
        }
    }
}

/// What one notification asks the source to look at.
#[derive(Debug, PartialEq)]
pub(super) enum Touched {
    /// A visible path (file or directory), as the source names it.
    Visible(PathBuf),
    /// A hidden path: only matters when visible files are symlinks (a ConfigMap's `..data`
    /// swap changes what they point to).
    Hidden,
    /// Events may have been lost (queue overflow) or cannot be mapped: look at everything.
    Rescan,
    /// Notifications stopped working (watch limit reached).
    Broken(String),
}

/// The paths a notification names, relative to `root` as the source spells it (notify reports
/// absolute paths; `root_abs` is `root` made absolute the same way).
pub(super) fn touched(notification: Notification, root: &Path, root_abs: &Path) -> Vec<Touched> {
    let event = match notification {
        Ok(event) => event,
        Err(e) if matches!(e.kind, notify::ErrorKind::MaxFilesWatch) => return vec![Touched::Broken(e.to_string())],
        Err(e) => {
            tracing::debug!(error = %e, "file notification error; rescanning");
            return vec![Touched::Rescan];
        }
    };
    if event.need_rescan() {
        return vec![Touched::Rescan];
    }
    match event.kind {
        // Opening and reading (our own reads among them) change nothing; a close after
        // writing ends a write.
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => {}
        EventKind::Access(_) => return Vec::new(),
        _ => {}
    }
    event
        .paths
        .into_iter()
        .map(|path| match path.strip_prefix(root_abs) {
            Ok(relative) if relative.components().any(|c| matches!(c, Component::Normal(n) if n.to_string_lossy().starts_with('.'))) => {
                Touched::Hidden
            }
            Ok(relative) if relative.as_os_str().is_empty() => Touched::Visible(root.to_path_buf()),
            Ok(relative) => Touched::Visible(root.join(relative)),
            Err(_) => Touched::Rescan,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use notify::event::{CreateKind, ModifyKind, RenameMode};

    fn event(kind: EventKind, paths: &[&str]) -> Notification {
        Ok(paths.iter().fold(Event::new(kind), |e, p| e.add_path(PathBuf::from(p))))
    }

    #[test]
    fn maps_paths_back_to_the_configured_root_and_flags_hidden_ones() {
        let root = Path::new("specs");
        let abs = Path::new("/work/specs");
        let rename = EventKind::Modify(ModifyKind::Name(RenameMode::Both));
        assert_eq!(
            touched(event(rename, &["/work/specs/.tmp-a.yaml", "/work/specs/sub/a.yaml"]), root, abs),
            [Touched::Hidden, Touched::Visible(PathBuf::from("specs/sub/a.yaml"))]
        );
        assert_eq!(touched(event(EventKind::Create(CreateKind::Folder), &["/work/specs"]), root, abs), [Touched::Visible(root.into())]);
        assert_eq!(touched(event(EventKind::Create(CreateKind::Folder), &["/elsewhere/x"]), root, abs), [Touched::Rescan]);
        assert_eq!(touched(event(EventKind::Create(CreateKind::Any), &["/work/specs/..data/a.yaml"]), root, abs), [Touched::Hidden]);
    }

    #[test]
    fn reads_and_opens_are_ignored_but_not_a_close_after_writing() {
        let root = Path::new("/r");
        let open = EventKind::Access(AccessKind::Open(AccessMode::Any));
        let close_read = EventKind::Access(AccessKind::Close(AccessMode::Read));
        let close_write = EventKind::Access(AccessKind::Close(AccessMode::Write));
        assert_eq!(touched(event(open, &["/r/a"]), root, root), []);
        assert_eq!(touched(event(close_read, &["/r/a"]), root, root), []);
        assert_eq!(touched(event(close_write, &["/r/a"]), root, root), [Touched::Visible("/r/a".into())]);
        let overflow = Ok(Event::new(EventKind::Other).set_flag(notify::event::Flag::Rescan));
        assert_eq!(touched(overflow, root, root), [Touched::Rescan]);
        let limit = Err(notify::Error::new(notify::ErrorKind::MaxFilesWatch));
        assert!(matches!(touched(limit, root, root).as_slice(), [Touched::Broken(_)]));
    }
}
