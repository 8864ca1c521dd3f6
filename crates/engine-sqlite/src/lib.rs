//! The SQLite engine: introspect, normalize, diff, render; table rebuilds for what ALTER TABLE
//! cannot do, inside the same transaction as the rest of the plan.

mod apply;
pub mod checks;
pub mod diff;
#[cfg(test)]
mod diff_render_tests;
pub mod introspect;
pub mod normalize;
pub mod render;
pub mod views;

use render::TableWork;
use schemahero_plan::seed::{SeedTarget, plan_seed};
use schemahero_plan::{Plan, PlannedStatement};
use schemahero_schema::model::sqlite::TableDef;
use schemahero_schema::renames::{live_after_renames, table_source};
use schemahero_schema::seed::quote_ident;
use schemahero_schema::spec::{Column, SqliteTableSchema};
use schemahero_schema::sql_safety::Dialect;
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use std::collections::BTreeMap;

#[derive(Debug, thiserror::Error)]
pub enum SqliteError {
    #[error("cannot open SQLite database {path}: {message}")]
    Open { path: String, message: String },
    #[error("statement {index} failed: {message}\n  statement: {statement}")]
    Apply { index: usize, statement: String, message: String },
    /// Another connection held the database locked for longer than the busy timeout (the
    /// statement's lock-timeout hint): nothing is wrong with the statement.
    #[error("statement {index} {message}\n  statement: {statement}")]
    LockTimeout { index: usize, statement: String, message: String },
    #[error("foreign key check failed after applying: {0} row(s) reference missing keys (first in table {1})")]
    ForeignKeys(usize, String),
    #[error("table {table} has seed data and no schema, and does not exist: its rows are planned once it does")]
    SeedTableMissing { table: String },
    /// A `renamedFrom` the live schema makes ambiguous (both names exist).
    #[error("planning {table}: {message}")]
    Rename { table: String, message: String },
    /// A View as its spec says, that no longer compiles (a column or table it reads is gone).
    #[error("view {view} is as its spec says but does not compile: {message} (change its query, or the tables it reads)")]
    BrokenView { view: String, message: String },
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

impl SqliteError {
    /// Another connection held the database too long (see [`SqliteError::LockTimeout`]).
    pub fn is_lock_timeout(&self) -> bool {
        matches!(self, SqliteError::LockTimeout { .. })
    }
}

/// A table the user wants, as the planner receives it.
pub type DesiredTable = schemahero_schema::spec::DesiredTable<SqliteTableSchema>;

pub struct SqliteEngine {
    pool: SqlitePool,
}

impl SqliteEngine {
    /// Opens (creating if missing) the database file. Foreign-key enforcement is switched off
    /// on our connection so that table rebuilds cannot cascade; `apply` checks every foreign
    /// key before committing instead.
    pub async fn open(path: &str) -> Result<Self, SqliteError> {
        let options = SqliteConnectOptions::new().filename(path).create_if_missing(true).foreign_keys(false);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await
            .map_err(|e| SqliteError::Open { path: path.to_string(), message: e.to_string() })?;
        Ok(Self { pool })
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Plans Views (see `views`): (name, section) each.
    pub async fn plan_views(&self, desired: &[(&str, &schemahero_schema::view::PlainView)]) -> Result<Vec<PlannedStatement>, SqliteError> {
        views::plan(&self.pool, desired).await
    }

    /// The live state of one view (see `views::state`), for a plan's fingerprint.
    pub async fn view_state(&self, name: &str) -> Result<String, SqliteError> {
        Ok(views::state(&self.pool, name).await?)
    }

    pub async fn introspect(&self, only: Option<&[String]>) -> Result<std::collections::BTreeMap<String, TableDef>, SqliteError> {
        Ok(introspect::introspect(&self.pool, only).await?)
    }

    pub async fn plan(&self, tables: &[DesiredTable], with_seed_data: bool) -> Result<Plan, SqliteError> {
        let live = self.introspect_traced(tables).await?;
        self.plan_with_live(&live, tables, with_seed_data).await
    }

    /// Plans each table on its own (its own statements and fingerprint, as `plan` of that
    /// table alone would) from one introspection of all of them.
    pub async fn plan_each(&self, tables: &[DesiredTable], with_seed_data: bool) -> Result<Vec<Result<Plan, SqliteError>>, SqliteError> {
        let live = self.introspect_traced(tables).await?;
        let mut plans = Vec::with_capacity(tables.len());
        for table in tables {
            plans.push(self.plan_with_live(&live, std::slice::from_ref(table), with_seed_data).await);
        }
        Ok(plans)
    }

    async fn introspect_traced(&self, tables: &[DesiredTable]) -> Result<BTreeMap<String, TableDef>, SqliteError> {
        // Renamed tables' old names too (`renamedFrom`).
        let names: Vec<String> = tables.iter().flat_map(|t| std::iter::once(t.name.clone()).chain(t.renamed_from.clone())).collect();
        tracing::Instrument::instrument(
            self.introspect(Some(&names)),
            tracing::info_span!("introspect", engine = "sqlite", tables = names.len()),
        )
        .await
    }

    async fn plan_with_live(
        &self,
        live: &BTreeMap<String, TableDef>,
        tables: &[DesiredTable],
        with_seed_data: bool,
    ) -> Result<Plan, SqliteError> {
        let mut work = Vec::new();
        for table in tables {
            let old = table.renamed_from.as_ref().and_then(|from| live.get(from));
            let rename_error = |message| SqliteError::Rename { table: table.name.clone(), message };
            let skip_renames = table.schema.is_deleted || table.seed_only;
            let source =
                table_source(&table.name, table.renamed_from.as_deref(), skip_renames, live.get(&table.name), old).map_err(rename_error)?;
            let live_table = source.live();
            let mut desired = match (table.seed_only, live_table) {
                (false, _) => diff::desired_table(&table.name, &table.schema),
                (true, Some(live_table)) => live_table.clone(),
                (true, None) if !with_seed_data => continue,
                (true, None) => return Err(SqliteError::SeedTableMissing { table: table.name.clone() }),
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
                    let table_sql = quote_ident(&table.name);
                    let target = SeedTarget { dialect: Dialect::Sqlite, table_sql: &table_sql, table_display: &table.name };
                    let probe = |sql: String| sqlx::query_scalar::<_, bool>(sqlx::AssertSqlSafe(sql)).fetch_one(&self.pool);
                    plan_seed(target, &desired, probe_live, seed, probe).await?
                }
                _ => Vec::new(),
            };
            if table_diff.is_empty() && seed.is_empty() {
                continue;
            }
            work.push(TableWork { name: table.name.clone(), desired, diff: table_diff, triggers: &table.schema.triggers, seed });
        }
        // The fingerprint covers exactly the planned tables that exist, in name order.
        // A renamed table's old name too (only tables with `renamedFrom` add one).
        let named: std::collections::BTreeSet<&str> =
            tables.iter().flat_map(|t| std::iter::once(t.name.as_str()).chain(t.renamed_from.as_deref())).collect();
        // What a spec leaves alone (checks) is not part of it either.
        let unmanaged = |name: &str| {
            tables.iter().find(|t| t.name == name || t.renamed_from.as_deref() == Some(name)).map(|t| diff::unmanaged(&t.schema))
        };
        let seen: Vec<TableDef> =
            named.iter().filter_map(|n| live.get(*n).map(|t| unmanaged(n).map(|u| u.strip(t)).unwrap_or_else(|| t.clone()))).collect();
        let fingerprint = schemahero_plan::canonical::fingerprint_tables(&seen);
        let mut statements = tracing::info_span!("diff_render", engine = "sqlite", tables = work.len()).in_scope(|| render::render(&work));
        // What dropping costs, counted only for the tables this plan drops data from.
        for w in work.iter().filter(|w| w.diff.drop || w.diff.rebuild.as_ref().is_some_and(|r| !r.dropped_columns.is_empty())) {
            let rows = introspect::row_count(&self.pool, &w.name).await?;
            schemahero_plan::rows::annotate(&mut statements, &w.name, rows);
        }
        Ok(Plan { statements, fingerprint })
    }

    /// Runs the statements in one transaction, checks foreign keys, then commits; nothing is
    /// applied if any statement or the check fails. A statement marked to run outside the
    /// transaction commits what came before it and runs on its own; a lock-timeout hint is the
    /// busy timeout while its statement runs (see `apply`).
    pub async fn apply(&self, statements: &[PlannedStatement]) -> Result<(), SqliteError> {
        let mut conn = self.pool.acquire().await?;
        // A rebuild drops a table and renames its replacement to the same name; the legacy
        // rename neither rewrites nor re-checks views and triggers of other tables, which still
        // name the table correctly once the rename is done.
        sqlx::query("PRAGMA legacy_alter_table = ON").execute(&mut *conn).await?;
        let result = apply::apply(&mut conn, statements).await;
        sqlx::query("PRAGMA legacy_alter_table = OFF").execute(&mut *conn).await?;
        result
    }

    /// `only`: just these tables; `None`: all.
    pub async fn generate(&self, only: Option<&[String]>) -> Result<Vec<(String, SqliteTableSchema)>, SqliteError> {
        let live = self.introspect(only).await?;
        Ok(live.into_values().map(|t| (t.name.clone(), spec_from_live(&t))).collect())
    }

    pub async fn close(self) {
        self.pool.close().await;
    }
}

pub fn spec_from_live(t: &TableDef) -> SqliteTableSchema {
    SqliteTableSchema {
        primary_key: t.primary_key.as_ref().map(|k| k.columns.clone()).unwrap_or_default(),
        columns: t
            .columns
            .iter()
            .map(|c| Column {
                name: c.name.clone(),
                data_type: c.data_type.clone(),
                constraints: c.spec_constraints(false),
                attributes: c.spec_attributes(),
                default: c.default.clone(),
                renamed_from: None,
                comment: None,
            })
            .collect(),
        foreign_keys: t.foreign_keys.iter().map(|fk| fk.to_spec(None)).collect(),
        indexes: t
            .indexes
            .iter()
            .map(|ix| {
                let mut spec = ix.to_spec(&diff::generated_index_name(&t.name, &ix.columns));
                // The index behind a UNIQUE constraint is named by SQLite, which reserves
                // `sqlite_autoindex_…` names: the spec leaves the name to the engine.
                if spec.name.as_deref().is_some_and(|n| n.starts_with("sqlite_autoindex_")) {
                    spec.name = None;
                }
                spec
            })
            .collect(),
        is_deleted: false,
        strict: t.ext.strict,
        triggers: Vec::new(),
        checks: (!t.checks.is_empty()).then(|| {
            t.checks.iter().map(|c| schemahero_schema::spec::Check { name: c.name.clone(), expression: c.expression.clone() }).collect()
        }),
        comment: None,
    }
}
