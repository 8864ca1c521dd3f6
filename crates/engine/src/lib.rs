//! The engine-independent entry points the CLI, the planner and the executor use: choose a
//! driver, parse its URI, load spec files, and hold one [`Engine`] (a [`SchemaEngine`] trait
//! object that each database engine implements) to plan, apply, keep the ledger and generate.

mod adapters;
mod engine;
mod generate;
mod ledger;
mod load;
mod scratch;
mod uri;
mod views;

pub use engine::{Engine, SchemaEngine, UNCHECKED_FINGERPRINT, object_removal};
pub use scratch::{Validation, references};

pub use generate::{GeneratedFile, generated_files};
pub use ledger::{LEDGER_TABLE, LedgerEntry};
pub use load::{LoadError, LoadedSpecs, load_specs};
pub use uri::{UriError, check_mysql_uri, sqlite_path};
/// The Postgres URI check, and the redaction every message that names a URI goes through (also
/// exercised by the fuzz targets in `fuzz/`).
pub use uri::{check_postgres_uri, redact as redact_uri};

use schemahero_mysql::{DesiredTable as MyTable, MysqlError};
use schemahero_plan::Plan;
use schemahero_postgres::{DesiredTable as PgTable, PostgresError};
use schemahero_schema::spec::DesiredTable;
use schemahero_schema::{TableManifest, Warning};
use schemahero_sqlite::{DesiredTable as LiteTable, SqliteError};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Driver {
    Postgres,
    CockroachDb,
    Sqlite,
    /// MySQL and MariaDB (one engine; the server's flavor is detected on connect).
    Mysql,
}

impl Driver {
    pub fn parse(name: &str) -> Result<Self, EngineError> {
        match name.trim().to_ascii_lowercase().as_str() {
            "postgres" | "postgresql" => Ok(Driver::Postgres),
            "cockroachdb" | "cockroach" => Ok(Driver::CockroachDb),
            "sqlite" | "sqlite3" => Ok(Driver::Sqlite),
            "mysql" | "mariadb" => Ok(Driver::Mysql),
            other => Err(EngineError::UnsupportedDriver(format!(
                "{other:?} (expected postgres, postgresql, cockroachdb, mysql, mariadb or sqlite)"
            ))),
        }
    }

    /// The key of this driver's section under a Table's `spec.schema`.
    pub fn schema_key(self) -> &'static str {
        match self {
            Driver::Postgres => "postgres",
            Driver::CockroachDb => "cockroachdb",
            Driver::Sqlite => "sqlite",
            Driver::Mysql => "mysql",
        }
    }
}

impl fmt::Display for Driver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.schema_key())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("unknown driver {0}")]
    UnsupportedDriver(String),
    #[error(transparent)]
    Uri(#[from] UriError),
    #[error(transparent)]
    Postgres(#[from] PostgresError),
    #[error(transparent)]
    Sqlite(#[from] SqliteError),
    #[error(transparent)]
    Mysql(#[from] MysqlError),
    #[error("{0}")]
    Split(String),
}

impl EngineError {
    /// The database connection was lost (not a statement refused): worth retrying later. A
    /// retry is safe: the ledger, written in the applying transaction, tells whether it committed.
    pub fn is_connection_lost(&self) -> bool {
        match self {
            EngineError::Postgres(e) => e.is_connection_lost(),
            EngineError::Mysql(e) => e.is_connection_lost(),
            _ => false,
        }
    }

    /// A statement gave up waiting for a lock (its lock-timeout hint fired): a long transaction
    /// was in the way, not a fault of the plan, so trying again later is the right answer. On
    /// Postgres and SQLite the transaction rolled back; on MySQL the statement did not run (and
    /// the error says which did).
    pub fn is_lock_timeout(&self) -> bool {
        match self {
            EngineError::Postgres(e) => e.is_lock_timeout(),
            EngineError::Mysql(e) => e.is_lock_timeout(),
            EngineError::Sqlite(e) => e.is_lock_timeout(),
            _ => false,
        }
    }
}

/// How many connections an engine may hold, and how long idle ones stay open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolLimits {
    pub max_connections: u32,
    pub idle_timeout: Option<std::time::Duration>,
}

impl PoolLimits {
    /// A one-shot command (the CLI): a few connections, kept until it exits.
    pub const COMMAND: PoolLimits = PoolLimits { max_connections: 4, idle_timeout: None };
    /// A service holding engines for many databases at once (planner, executor): one
    /// connection each (every engine operation runs its queries one after another), closed
    /// after 30 s idle, so a hundred databases on one server do not pin its connections.
    pub const SERVICE: PoolLimits = PoolLimits { max_connections: 1, idle_timeout: Some(std::time::Duration::from_secs(30)) };
}

/// The tables with a section for `driver`, and the index of each in `tables`.
pub(crate) fn postgres_tables(driver: Driver, tables: &[TableManifest], warnings: &mut Vec<Warning>) -> (Vec<PgTable>, Vec<usize>) {
    select(driver, tables, warnings, |s| if driver == Driver::CockroachDb { s.cockroachdb.clone() } else { s.postgres.clone() })
}

pub(crate) fn sqlite_tables(driver: Driver, tables: &[TableManifest], warnings: &mut Vec<Warning>) -> (Vec<LiteTable>, Vec<usize>) {
    select(driver, tables, warnings, |s| s.sqlite.clone().or_else(|| s.rqlite.clone()))
}

pub(crate) fn mysql_tables(driver: Driver, tables: &[TableManifest], warnings: &mut Vec<Warning>) -> (Vec<MyTable>, Vec<usize>) {
    select(driver, tables, warnings, |s| s.mysql.clone())
}

fn select<S: Default>(
    driver: Driver,
    tables: &[TableManifest],
    warnings: &mut Vec<Warning>,
    section: impl Fn(&schemahero_schema::spec::TableSchema) -> Option<S>,
) -> (Vec<DesiredTable<S>>, Vec<usize>) {
    let mut desired = Vec::new();
    let mut indexes = Vec::new();
    for (index, t) in tables.iter().enumerate() {
        let seed_data = t.spec.seed_data.clone();
        let (schema, seed_only) = match (&t.spec.schema, &seed_data) {
            (Some(schema), _) => (section(schema), false),
            // Seed data for a table managed elsewhere: SchemaHero seeds it all the same.
            (None, Some(_)) => (Some(S::default()), true),
            (None, None) => (None, false),
        };
        match schema {
            Some(schema) => {
                desired.push(DesiredTable {
                    name: t.spec.name.clone(),
                    renamed_from: t.spec.renamed_from.clone(),
                    schema,
                    seed_data,
                    seed_only,
                });
                indexes.push(index);
            }
            None => warnings.push(missing_section(t, driver)),
        }
    }
    (desired, indexes)
}

fn missing_section(t: &TableManifest, driver: Driver) -> Warning {
    Warning {
        source: t.source.clone(),
        message: format!("table {:?} has no spec.schema.{} section; skipped", t.spec.name, driver.schema_key()),
    }
}

/// Plans for `count` tables from the plans of those that had a section (`planned` holds their
/// indexes); the others get an empty plan.
pub(crate) fn spread<E: Into<EngineError>>(
    count: usize,
    planned: Vec<usize>,
    plans: Vec<Result<Plan, E>>,
) -> Vec<Result<Plan, EngineError>> {
    let empty = Plan { statements: Vec::new(), fingerprint: schemahero_plan::canonical::empty_fingerprint() };
    let mut out: Vec<Result<Plan, EngineError>> = (0..count).map(|_| Ok(empty.clone())).collect();
    for (index, plan) in planned.into_iter().zip(plans) {
        out[index] = plan.map_err(Into::into);
    }
    out
}
