//! A value built from files, rebuilt when any of the files changes.
//!
//! Checked on use (each new connection), by comparing each file's modification time, length and
//! inode: a Kubernetes Secret volume swaps a symlink on update, which changes all three. A rebuild
//! that fails (a half-written file, a key that does not match) keeps the previous value and logs
//! why, once per change, so a bad rotation never takes the service down.

use crate::TlsError;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

type Stamp = Vec<Option<(SystemTime, u64, u64)>>;

pub struct Reloading<T> {
    paths: Vec<PathBuf>,
    build: Box<dyn Fn() -> Result<T, TlsError> + Send + Sync>,
    state: Mutex<(Stamp, Arc<T>)>,
}

impl<T> Reloading<T> {
    /// Builds the first value now: an error here is a startup error.
    pub fn new(paths: Vec<PathBuf>, build: impl Fn() -> Result<T, TlsError> + Send + Sync + 'static) -> Result<Self, TlsError> {
        let stamp = stamp(&paths);
        let value = Arc::new(build()?);
        Ok(Self { paths, build: Box::new(build), state: Mutex::new((stamp, value)) })
    }

    /// The current value, rebuilt first if a file changed since it was built.
    pub fn current(&self) -> Arc<T> {
        let now = stamp(&self.paths);
        let mut state = match self.state.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        if state.0 != now {
            // Remember the stamp even when the rebuild fails: the error is logged once, and the
            // next change to the files is tried again.
            state.0 = now;
            match (self.build)() {
                Ok(value) => {
                    tracing::info!(files = ?self.paths, "TLS certificates reloaded");
                    state.1 = Arc::new(value);
                }
                Err(e) => tracing::error!(error = %e, "TLS certificates changed but cannot be loaded; keeping the previous ones"),
            }
        }
        Arc::clone(&state.1)
    }
}

fn stamp(paths: &[PathBuf]) -> Stamp {
    use std::os::unix::fs::MetadataExt;
    paths.iter().map(|p| std::fs::metadata(p).ok().map(|m| (m.modified().unwrap_or(SystemTime::UNIX_EPOCH), m.len(), m.ino()))).collect()
}
