//! Connections to target databases, kept between migrations.
//!
//! Connecting costs several round trips (TCP, TLS, authentication) and creating the ledger
//! table another: paid once per database rather than once per migration. A database that
//! fails is dropped from the cache, so the next migration connects afresh. The cache is
//! bounded; the least recently used connection is closed first.

use schemahero_engine::{Driver, Engine, EngineError, PoolLimits};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// At most this many databases keep an open pool.
const CAPACITY: usize = 16;

/// (driver, uri) → (last use, engine with its ledger ensured). The URI never leaves here.
type Open = HashMap<(String, String), (u64, Arc<Engine>)>;

#[derive(Default)]
pub struct Engines {
    open: Mutex<Open>,
    clock: std::sync::atomic::AtomicU64,
}

impl Engines {
    /// The engine for the database, connected and with its ledger table, reusing an open one.
    pub async fn get(&self, driver: Driver, uri: &str) -> Result<Arc<Engine>, EngineError> {
        let key = (driver.to_string(), uri.to_string());
        let tick = self.clock.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if let Some((used, engine)) = self.lock().get_mut(&key) {
            *used = tick;
            return Ok(Arc::clone(engine));
        }
        let engine = Arc::new(Engine::connect_with(driver, uri, PoolLimits::SERVICE).await?);
        engine.ensure_ledger().await?;
        let evicted = {
            let mut open = self.lock();
            let evicted = if open.len() >= CAPACITY {
                let oldest = open.iter().min_by_key(|(_, (used, _))| *used).map(|(k, _)| k.clone());
                oldest.and_then(|k| open.remove(&k)).map(|(_, e)| e)
            } else {
                None
            };
            open.insert(key, (tick, Arc::clone(&engine)));
            evicted
        };
        if let Some(old) = evicted.and_then(|e| Arc::try_unwrap(e).ok()) {
            old.close().await;
        }
        Ok(engine)
    }

    /// Forgets the database's engine (after an error that may have come from its connection).
    pub fn forget(&self, driver: Driver, uri: &str) {
        self.lock().remove(&(driver.to_string(), uri.to_string()));
    }

    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Open> {
        // A poisoned lock only means a panic elsewhere mid-insert of a plain map; keep going.
        self.open.lock().unwrap_or_else(|p| p.into_inner())
    }
}
