//! The engine-independent entry points the CLI (and later the planner and executor) use:
//! choose a driver, parse its URI, load spec files, plan, apply, generate.

mod generate;
mod ledger;
mod load;
mod uri;

pub use generate::{GeneratedFile, generated_files};
pub use ledger::{LEDGER_TABLE, LedgerEntry};
pub use load::{LoadError, LoadedSpecs, load_specs};
pub use uri::{UriError, check_mysql_uri, sqlite_path};
/// The Postgres URI check, and the redaction every message that names a URI goes through (also
/// exercised by the fuzz targets in `fuzz/`).
pub use uri::{check_postgres_uri, redact as redact_uri};

use schemahero_mysql::{DesiredTable as MyTable, MysqlEngine, MysqlError};
use schemahero_plan::{Plan, SplitDialect};
use schemahero_postgres::{DesiredTable as PgTable, PostgresEngine, PostgresError};
use schemahero_schema::{TableManifest, Warning};
use schemahero_sqlite::{DesiredTable as LiteTable, SqliteEngine, SqliteError};
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
}

pub enum Engine {
    Postgres(PostgresEngine),
    Sqlite(SqliteEngine),
    Mysql(MysqlEngine),
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

impl Engine {
    pub async fn connect(driver: Driver, uri: &str) -> Result<Self, EngineError> {
        Self::connect_with(driver, uri, PoolLimits::COMMAND).await
    }

    pub async fn connect_with(driver: Driver, uri: &str, limits: PoolLimits) -> Result<Self, EngineError> {
        match driver {
            Driver::Postgres | Driver::CockroachDb => {
                uri::check_postgres_uri(uri)?;
                Ok(Engine::Postgres(PostgresEngine::connect_with(uri, limits.max_connections, limits.idle_timeout).await?))
            }
            Driver::Sqlite => Ok(Engine::Sqlite(SqliteEngine::open(&sqlite_path(uri)?).await?)),
            Driver::Mysql => {
                uri::check_mysql_uri(uri)?;
                Ok(Engine::Mysql(MysqlEngine::connect_with(uri, limits.max_connections, limits.idle_timeout).await?))
            }
        }
    }

    /// Plans the tables that have a section for `driver`; the others are reported as warnings.
    pub async fn plan(
        &self,
        driver: Driver,
        tables: &[TableManifest],
        seed_data: bool,
        warnings: &mut Vec<Warning>,
    ) -> Result<Plan, EngineError> {
        Ok(match self {
            Engine::Postgres(pg) => pg.plan(&postgres_tables(driver, tables, warnings).0, seed_data).await?,
            Engine::Sqlite(lite) => lite.plan(&sqlite_tables(driver, tables, warnings).0, seed_data).await?,
            Engine::Mysql(my) => my.plan(&mysql_tables(driver, tables, warnings).0, seed_data).await?,
        })
    }

    /// Plans every table on its own — its own statements and the fingerprint of its own live
    /// definition, exactly as `plan` of that table alone — from one bulk introspection of all of
    /// them (what a planner does for a whole database). The outer error is the introspection's
    /// (the database is unreachable, …); a table's own failure is its entry's. A table without a
    /// section for `driver` gets an empty plan and a warning.
    pub async fn plan_each(
        &self,
        driver: Driver,
        tables: &[TableManifest],
        seed_data: bool,
        warnings: &mut Vec<Warning>,
    ) -> Result<Vec<Result<Plan, EngineError>>, EngineError> {
        fn spread<E: Into<EngineError>>(count: usize, planned: Vec<usize>, plans: Vec<Result<Plan, E>>) -> Vec<Result<Plan, EngineError>> {
            let mut out: Vec<Result<Plan, EngineError>> = (0..count)
                .map(|_| Ok(Plan { statements: Vec::new(), fingerprint: schemahero_plan::canonical::empty_fingerprint() }))
                .collect();
            for (index, plan) in planned.into_iter().zip(plans) {
                out[index] = plan.map_err(Into::into);
            }
            out
        }
        Ok(match self {
            Engine::Postgres(pg) => {
                let (desired, planned) = postgres_tables(driver, tables, warnings);
                spread(tables.len(), planned, pg.plan_each(&desired, seed_data).await?)
            }
            Engine::Sqlite(lite) => {
                let (desired, planned) = sqlite_tables(driver, tables, warnings);
                spread(tables.len(), planned, lite.plan_each(&desired, seed_data).await?)
            }
            Engine::Mysql(my) => {
                let (desired, planned) = mysql_tables(driver, tables, warnings);
                spread(tables.len(), planned, my.plan_each(&desired, seed_data).await?)
            }
        })
    }

    /// Splits a script into statements and applies them (one transaction; on MySQL one by one
    /// under a per-database lock, naming the statements that ran if one fails).
    pub async fn apply_script(&self, script: &str) -> Result<usize, EngineError> {
        let dialect = match self {
            Engine::Postgres(_) => SplitDialect::Postgres,
            Engine::Sqlite(_) => SplitDialect::Sqlite,
            Engine::Mysql(_) => SplitDialect::Mysql,
        };
        let statements = schemahero_plan::split_statements_for(script, dialect).map_err(|e| EngineError::Split(e.to_string()))?;
        self.apply(&statements).await?;
        Ok(statements.len())
    }

    pub async fn apply(&self, statements: &[String]) -> Result<(), EngineError> {
        match self {
            Engine::Postgres(pg) => Ok(pg.apply(statements).await?),
            Engine::Sqlite(lite) => Ok(lite.apply(statements).await?),
            Engine::Mysql(my) => Ok(my.apply(statements).await?),
        }
    }

    pub async fn close(self) {
        match self {
            Engine::Postgres(pg) => pg.close().await,
            Engine::Sqlite(lite) => lite.close().await,
            Engine::Mysql(my) => my.close().await,
        }
    }
}

/// The tables with a section for `driver`, and the index of each in `tables`.
fn postgres_tables(driver: Driver, tables: &[TableManifest], warnings: &mut Vec<Warning>) -> (Vec<PgTable>, Vec<usize>) {
    select(driver, tables, warnings, |t| {
        let schema = t.spec.schema.as_ref()?;
        let section = if driver == Driver::CockroachDb { schema.cockroachdb.clone() } else { schema.postgres.clone() }?;
        Some(PgTable { name: t.spec.name.clone(), schema: section, seed_data: t.spec.seed_data.clone() })
    })
}

fn sqlite_tables(driver: Driver, tables: &[TableManifest], warnings: &mut Vec<Warning>) -> (Vec<LiteTable>, Vec<usize>) {
    select(driver, tables, warnings, |t| {
        let section = t.spec.schema.as_ref().and_then(|s| s.sqlite.clone().or_else(|| s.rqlite.clone()))?;
        Some(LiteTable { name: t.spec.name.clone(), schema: section, seed_data: t.spec.seed_data.clone() })
    })
}

fn mysql_tables(driver: Driver, tables: &[TableManifest], warnings: &mut Vec<Warning>) -> (Vec<MyTable>, Vec<usize>) {
    select(driver, tables, warnings, |t| {
        let section = t.spec.schema.as_ref().and_then(|s| s.mysql.clone())?;
        Some(MyTable { name: t.spec.name.clone(), schema: section, seed_data: t.spec.seed_data.clone() })
    })
}

fn select<T>(
    driver: Driver,
    tables: &[TableManifest],
    warnings: &mut Vec<Warning>,
    section: impl Fn(&TableManifest) -> Option<T>,
) -> (Vec<T>, Vec<usize>) {
    let mut desired = Vec::new();
    let mut indexes = Vec::new();
    for (index, t) in tables.iter().enumerate() {
        match section(t) {
            Some(d) => {
                desired.push(d);
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

impl Engine {
    /// One Table manifest per live table (plus a kustomization.yaml).
    pub async fn generate(&self, driver: Driver, database: &str, schemas: &[String]) -> Result<Vec<GeneratedFile>, EngineError> {
        use generate::GeneratedSchema;
        let tables = match self {
            Engine::Postgres(pg) => {
                let default_schema = pg.default_schema().to_string();
                pg.generate(schemas)
                    .await?
                    .into_iter()
                    .map(|(schema, name, spec)| {
                        let qualifier = (schema != default_schema).then_some(schema);
                        (qualifier, name, GeneratedSchema::Postgres { cockroach: driver == Driver::CockroachDb, schema: spec })
                    })
                    .collect()
            }
            Engine::Sqlite(lite) => {
                lite.generate().await?.into_iter().map(|(name, spec)| (None, name, GeneratedSchema::Sqlite(spec))).collect()
            }
            Engine::Mysql(my) => my.generate().await?.into_iter().map(|(name, spec)| (None, name, GeneratedSchema::Mysql(spec))).collect(),
        };
        generated_files(database, tables).map_err(EngineError::Split)
    }
}
