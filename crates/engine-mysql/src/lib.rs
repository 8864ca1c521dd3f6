//! The MySQL / MariaDB engine: introspect `information_schema`, normalize specs, diff, render
//! DDL with hazards, and apply statement by statement under a per-database lock.
//!
//! Where MySQL 8 and MariaDB differ (how defaults and json are reported, display widths,
//! default parentheses), the code says so; the `Flavor` is read from `VERSION()`.

pub mod apply;
pub mod diff;
#[cfg(test)]
mod diff_render_tests;
pub mod dsn;
pub mod hints;
pub mod introspect;
pub mod model;
pub mod normalize;
pub mod online;
pub mod render;
pub mod scratch;
pub mod views;

pub use apply::{CREATE_LEDGER, LEDGER_TABLE};
use model::{Charsets, TableDef};
use schemahero_plan::seed::{SeedTarget, plan_seed};
use schemahero_plan::{Plan, PlannedStatement};
use schemahero_schema::renames::{live_after_renames, table_source};
use schemahero_schema::spec::MysqlTableSchema;
use schemahero_schema::sql_safety::Dialect;
use sqlx::MySqlPool;
use sqlx::mysql::{MySqlConnectOptions, MySqlPoolOptions, MySqlSslMode};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    Mysql,
    MariaDb,
}

#[derive(Debug, thiserror::Error)]
pub enum MysqlError {
    #[error(transparent)]
    Uri(#[from] dsn::DsnError),
    #[error("cannot connect to MySQL at {target}: {message}")]
    Connect { target: String, message: String },
    #[error("introspecting database {database:?}: {source}")]
    Introspect { database: String, source: sqlx::Error },
    #[error("reading seed data of {table}: {source}")]
    Seed { table: String, source: sqlx::Error },
    #[error("statement {index} of {total} failed: {message}\n  statement: {statement}\n  {progress}")]
    Apply { index: usize, total: usize, statement: String, message: String, progress: String, connection_lost: bool },
    /// A statement waited too long for a lock (its lock-timeout hint, or the server's): it did
    /// not run, and can succeed once the lock is released.
    #[error("statement {index} of {total} {message}\n  statement: {statement}\n  {progress}")]
    LockTimeout { index: usize, total: usize, statement: String, timeout_ms: Option<u64>, message: String, progress: String },
    /// A statement ran longer than its statement-timeout hint (MariaDB) and was stopped.
    #[error("statement {index} of {total} {message}\n  statement: {statement}\n  {progress}")]
    StatementTimeout { index: usize, total: usize, statement: String, timeout_ms: Option<u64>, message: String, progress: String },
    #[error("scratch database: {0}")]
    Scratch(String),
    #[error("another apply holds the lock on database {database:?}; gave up after {seconds}s")]
    Lock { database: String, seconds: u32 },
    #[error("migration {migration_id} is already in the ledger; nothing was applied")]
    AlreadyApplied { migration_id: String },
    #[error("every statement of migration {migration_id} ran, but recording it in the ledger failed: {message}")]
    Ledger { migration_id: String, message: String },
    #[error("table {table} has seed data and no schema, and does not exist: its rows are planned once it does")]
    SeedTableMissing { table: String },
    /// A `renamedFrom` the live schema makes ambiguous (both names exist).
    #[error("planning {table}: {message}")]
    Rename { table: String, message: String },
    /// The server refused a View's query when it was printed for comparison (see `views`).
    #[error("view {view}: the server refuses its query: {source}")]
    ViewQuery { view: String, source: sqlx::Error },
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

impl MysqlError {
    /// The connection went away rather than a statement being refused (see the Postgres engine).
    pub fn is_connection_lost(&self) -> bool {
        let lost = |e: &sqlx::Error| {
            matches!(
                e,
                sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::Protocol(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed
            )
        };
        match self {
            MysqlError::Connect { .. } => true,
            MysqlError::Apply { connection_lost, .. } => *connection_lost,
            MysqlError::Database(e)
            | MysqlError::Introspect { source: e, .. }
            | MysqlError::Seed { source: e, .. }
            | MysqlError::ViewQuery { source: e, .. } => lost(e),
            _ => false,
        }
    }

    /// A statement gave up waiting for a lock (see [`MysqlError::LockTimeout`]).
    pub fn is_lock_timeout(&self) -> bool {
        matches!(self, MysqlError::LockTimeout { .. })
    }
}

/// A table the user wants, as the planner receives it.
pub type DesiredTable = schemahero_schema::spec::DesiredTable<MysqlTableSchema>;

pub struct MysqlEngine {
    pool: MySqlPool,
    database: String,
    flavor: Flavor,
    /// Flavor and version: which online-DDL clauses the server takes (see `online`).
    server: online::Server,
    charsets: Charsets,
    /// (charset, collation) tables without their own are compared against: the connection's
    /// `defaultCharset` / `defaultCollation` when given, else the database's live default.
    database_default: (String, String),
    /// The database default was set by the connection (so CREATE TABLE names it).
    explicit_default: bool,
}

impl MysqlEngine {
    /// Connects with a `mysql://` URL or a Go-driver DSN. Errors never echo the password.
    pub async fn connect(uri: &str) -> Result<Self, MysqlError> {
        Self::connect_with(uri, 4, None).await
    }

    /// As `connect`, with at most `max_connections` connections, idle ones closed after
    /// `idle_timeout` (long-running services talk to many databases).
    pub async fn connect_with(uri: &str, max_connections: u32, idle_timeout: Option<std::time::Duration>) -> Result<Self, MysqlError> {
        Self::connect_target(dsn::parse(uri)?, max_connections, idle_timeout).await
    }

    /// As `connect_with`, from a parsed target.
    pub async fn connect_target(
        target: dsn::Target,
        max_connections: u32,
        idle_timeout: Option<std::time::Duration>,
    ) -> Result<Self, MysqlError> {
        let mut options = MySqlConnectOptions::new().username(&target.user).database(&target.database);
        options = match &target.socket {
            Some(socket) => options.socket(socket),
            None => options.host(&target.host).port(target.port),
        };
        if let Some(p) = &target.password {
            options = options.password(p);
        }
        options = match target.tls {
            Some(false) => options.ssl_mode(MySqlSslMode::Disabled),
            Some(true) => options.ssl_mode(MySqlSslMode::Required),
            None => options,
        };
        let pool = MySqlPoolOptions::new()
            .max_connections(max_connections.max(1))
            .idle_timeout(idle_timeout)
            .acquire_timeout(std::time::Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(|e| MysqlError::Connect { target: target.display(), message: dsn::scrub(&e.to_string(), &target) })?;
        let (version,): (String,) = sqlx::query_as("SELECT CONVERT(VERSION() USING utf8mb4)").fetch_one(&pool).await?;
        let flavor = if version.to_ascii_lowercase().contains("mariadb") { Flavor::MariaDb } else { Flavor::Mysql };
        let mut server = online::Server::parse(flavor, &version);
        if flavor == Flavor::MariaDb {
            // Absent before MariaDB 10.3.23: instant changes are then allowed.
            let setting: Option<String> =
                sqlx::query_scalar("SELECT CONVERT(@@innodb_instant_alter_column_allowed USING utf8mb4)").fetch_one(&pool).await.ok();
            server = server.with_instant_alter_column_allowed(setting.as_deref());
        }
        let charsets = introspect::charsets(&pool, flavor).await?;
        let live_default = introspect::database_defaults(&pool, &target.database).await?;
        let explicit_default = target.default_charset.is_some() || target.default_collation.is_some();
        let database_default =
            charsets.resolve(target.default_charset.as_deref(), target.default_collation.as_deref(), (&live_default.0, &live_default.1));
        Ok(Self { pool, database: target.database, flavor, server, charsets, database_default, explicit_default })
    }

    pub fn pool(&self) -> &MySqlPool {
        &self.pool
    }

    /// Plans Views (see `views`): (name, section) each.
    pub async fn plan_views(&self, desired: &[(&str, &schemahero_schema::view::PlainView)]) -> Result<Vec<PlannedStatement>, MysqlError> {
        views::plan(&self.pool, desired).await
    }

    /// The live state of one view (see `views::state`), for a plan's fingerprint.
    pub async fn view_state(&self, name: &str) -> Result<String, MysqlError> {
        Ok(views::state(&self.pool, name).await?)
    }

    pub fn database(&self) -> &str {
        &self.database
    }

    pub fn flavor(&self) -> Flavor {
        self.flavor
    }

    /// The server's flavor and version.
    pub fn server(&self) -> online::Server {
        self.server
    }

    pub async fn introspect(&self, tables: Option<&[String]>) -> Result<std::collections::BTreeMap<String, TableDef>, MysqlError> {
        introspect::introspect(&self.pool, self.flavor, &self.database, tables, &self.charsets)
            .await
            .map_err(|source| MysqlError::Introspect { database: self.database.clone(), source })
    }

    fn desired(&self, table: &DesiredTable) -> TableDef {
        let default = (self.database_default.0.as_str(), self.database_default.1.as_str());
        let mut desired = diff::desired_table(&table.name, &table.schema, &self.charsets, default);
        desired.ext.explicit_charset |= self.explicit_default;
        desired
    }

    /// Plans the given tables against the live database. Tables not named are never touched.
    pub async fn plan(&self, tables: &[DesiredTable], with_seed_data: bool) -> Result<Plan, MysqlError> {
        let names = names_with_old(tables);
        let live = self.introspect(Some(&names)).await?;
        self.plan_with_live(&live, tables, with_seed_data).await
    }

    /// Plans each table on its own (its own statements and fingerprint, as `plan` of that
    /// table alone would) from one introspection of all of them.
    pub async fn plan_each(&self, tables: &[DesiredTable], with_seed_data: bool) -> Result<Vec<Result<Plan, MysqlError>>, MysqlError> {
        let names = names_with_old(tables);
        let live = self.introspect(Some(&names)).await?;
        let mut plans = Vec::with_capacity(tables.len());
        for table in tables {
            plans.push(self.plan_with_live(&live, std::slice::from_ref(table), with_seed_data).await);
        }
        Ok(plans)
    }

    async fn plan_with_live(
        &self,
        live: &std::collections::BTreeMap<String, TableDef>,
        tables: &[DesiredTable],
        with_seed_data: bool,
    ) -> Result<Plan, MysqlError> {
        let mut work = Vec::with_capacity(tables.len());
        for table in tables {
            let old = table.renamed_from.as_ref().and_then(|from| live.get(from));
            let rename_error = |message| MysqlError::Rename { table: table.name.clone(), message };
            let skip_renames = table.schema.is_deleted || table.seed_only;
            let source =
                table_source(&table.name, table.renamed_from.as_deref(), skip_renames, live.get(&table.name), old).map_err(rename_error)?;
            let live_table = source.live();
            let mut desired = match (table.seed_only, live_table) {
                (false, _) => self.desired(table),
                (true, Some(live_table)) => live_table.clone(),
                (true, None) if !with_seed_data => continue,
                (true, None) => return Err(MysqlError::SeedTableMissing { table: table.name.clone() }),
            };
            // The live table as the renames leave it, under its new name.
            let renamed = live_after_renames(&table.name, &desired, live_table, skip_renames).map_err(rename_error)?;
            let (live_table, rename_columns) = match &renamed {
                Some((after, columns)) => (Some(after), columns.clone()),
                None => (live_table, Vec::new()),
            };
            if let Some(l) = live_table {
                diff::unmanaged(&table.schema).adopt(&mut desired, l);
            }
            let mut table_diff = diff::diff_table(&desired, live_table, table.schema.is_deleted);
            table_diff.rename_from = source.renamed_from().map(String::from);
            table_diff.rename_columns = rename_columns;
            // A table or columns renamed by this plan cannot be probed under their new names
            // yet: their rows are upserted (which converges once the renames are done).
            let probe_live = live_table.is_some() && table_diff.rename_from.is_none() && table_diff.rename_columns.is_empty();
            let seed = match (&table.seed_data, with_seed_data && !table.schema.is_deleted) {
                (Some(seed), true) => {
                    let table_sql = render::quote_ident(&table.name);
                    let target = SeedTarget { dialect: Dialect::Mysql, table_sql: &table_sql, table_display: &table.name };
                    let probe = |sql: String| async move {
                        sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql)).fetch_one(&self.pool).await.map(|found| found != 0)
                    };
                    plan_seed(target, &desired, probe_live, seed, probe)
                        .await
                        .map_err(|source| MysqlError::Seed { table: table.name.clone(), source })?
                }
                _ => Vec::new(),
            };
            if table_diff.is_empty() && seed.is_empty() {
                continue;
            }
            // Only tables the plan changes are looked at further; rows are counted only where
            // the plan drops data.
            let mut facts = online::TableFacts::default();
            let mut rows = None;
            if live_table.is_some() && !table_diff.is_empty() {
                let introspect_error = |source| MysqlError::Introspect { database: self.database.clone(), source };
                facts = introspect::table_facts(&self.pool, self.server, &self.database, &table.name).await.map_err(introspect_error)?;
                if table_diff.drop || !table_diff.drop_columns.is_empty() {
                    rows = Some(introspect::row_count(&self.pool, &table.name, facts.rows_estimate).await.map_err(introspect_error)?);
                }
            }
            work.push(render::TableWork { name: table.name.clone(), diff: table_diff, seed, live: live_table.cloned(), facts, rows });
        }
        // The fingerprint covers exactly the planned tables that exist.
        // A renamed table's old name too (only tables with `renamedFrom` add one).
        let named: std::collections::BTreeSet<&str> =
            tables.iter().flat_map(|t| std::iter::once(t.name.as_str()).chain(t.renamed_from.as_deref())).collect();
        // What a spec leaves alone (checks, comments) is not part of it either.
        let unmanaged = |name: &str| {
            tables.iter().find(|t| t.name == name || t.renamed_from.as_deref() == Some(name)).map(|t| diff::unmanaged(&t.schema))
        };
        let mut subset: Vec<TableDef> = live
            .iter()
            .filter(|(name, _)| named.contains(name.as_str()))
            .map(|(name, t)| unmanaged(name).map(|u| u.strip(t)).unwrap_or_else(|| t.clone()))
            .collect();
        subset.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Plan { statements: render::render(work, self.server), fingerprint: schemahero_plan::canonical::fingerprint_tables(&subset) })
    }

    /// Every base table of the database, as specs.
    /// `only`: just these tables; `None`: all.
    pub async fn generate(&self, only: Option<&[String]>) -> Result<Vec<(String, MysqlTableSchema)>, MysqlError> {
        let tables = self.introspect(only).await?;
        Ok(tables
            .into_iter()
            .filter(|(name, _)| name != LEDGER_TABLE)
            .map(|(name, def)| {
                let spec = spec_from_live(&def, (&self.database_default.0, &self.database_default.1));
                (name, spec)
            })
            .collect())
    }

    pub async fn close(self) {
        self.pool.close().await;
    }
}

/// The tables' names and, for those renamed from another, the old names (`renamedFrom`).
fn names_with_old(tables: &[DesiredTable]) -> Vec<String> {
    tables.iter().flat_map(|t| std::iter::once(t.name.clone()).chain(t.renamed_from.clone())).collect()
}

/// The spec that reproduces a live table (for `generate`): charsets and collations only where
/// they differ from what the table (or the database) would give anyway.
pub fn spec_from_live(def: &TableDef, database_default: (&str, &str)) -> MysqlTableSchema {
    use schemahero_schema::spec::MysqlColumn;
    let pk = def.primary_key_columns();
    let table_differs = (def.ext.charset.as_str(), def.ext.collation.as_str()) != database_default;
    MysqlTableSchema {
        primary_key: pk.to_vec(),
        columns: def
            .columns
            .iter()
            .map(|c| {
                let implied = pk.contains(&c.name) || c.auto_increment;
                let default = c.default.as_deref().and_then(normalize::canonical_default).map(|d| normalize::default_for_spec(&d));
                let default = match (default, &c.ext.on_update) {
                    (Some(d), Some(u)) => Some(format!("{d} ON UPDATE {u}")),
                    (None, Some(u)) => Some(format!("NULL ON UPDATE {u}")),
                    (d, None) => d,
                };
                let differs = c.ext.collation.as_deref().is_some_and(|co| co != def.ext.collation);
                MysqlColumn {
                    name: c.name.clone(),
                    data_type: c.data_type.clone(),
                    constraints: c.spec_constraints(implied),
                    attributes: c.spec_attributes(),
                    default,
                    charset: if differs { c.ext.charset.clone() } else { None },
                    collation: if differs { c.ext.collation.clone() } else { None },
                    renamed_from: None,
                    comment: c.comment.clone(),
                }
            })
            .collect(),
        foreign_keys: def.foreign_keys.iter().map(|fk| fk.to_spec(Some(&diff::generated_fk_name(&def.name, &fk.columns)))).collect(),
        indexes: def
            .indexes
            .iter()
            // The index MySQL made for a foreign key comes back with the key.
            .filter(|ix| ix.unique || !def.foreign_keys.iter().any(|f| f.name == ix.name))
            .map(|ix| ix.to_spec(&diff::generated_index_name(&def.name, &ix.columns)))
            .collect(),
        is_deleted: false,
        default_charset: table_differs.then(|| def.ext.charset.clone()),
        collation: table_differs.then(|| def.ext.collation.clone()),
        checks: (!def.checks.is_empty()).then(|| {
            def.checks.iter().map(|c| schemahero_schema::spec::Check { name: c.name.clone(), expression: c.expression.clone() }).collect()
        }),
        comment: def.comment.clone(),
    }
}
