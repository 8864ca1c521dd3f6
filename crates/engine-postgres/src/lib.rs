//! The Postgres engine (also used for CockroachDB's Postgres dialect): introspect the live
//! schema, normalize specs, diff, and render DDL with hazards.

mod apply;
mod checks;
pub mod diff;
#[cfg(test)]
mod diff_render_tests;
mod enums;
pub mod extensions;
pub mod functions;
pub mod hints;
pub mod introspect;
pub mod normalize;
pub mod online;
pub mod render;
pub mod scratch;
pub mod views;

use render::{TableRef, TableWork, quote_ident};
use schemahero_plan::seed::{SeedTarget, plan_seed};
use schemahero_plan::{Plan, PlannedStatement};
use schemahero_schema::model::postgres::TableDef;
use schemahero_schema::renames::{live_after_renames, table_source};
use schemahero_schema::spec::PostgresTableSchema;
use schemahero_schema::sql_safety::Dialect;
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::collections::{BTreeMap, HashMap};
use std::str::FromStr;

#[derive(Debug, thiserror::Error)]
pub enum PostgresError {
    #[error("invalid postgres URI: {0}")]
    Uri(String),
    #[error("cannot connect to postgres at {target}: {message}")]
    Connect { target: String, message: String },
    #[error("introspecting schema {schema:?}: {source}")]
    Introspect { schema: String, source: sqlx::Error },
    #[error("reading seed data of {table}: {source}")]
    Seed { table: String, source: sqlx::Error },
    #[error("statement {index} failed: {message}\n  statement: {statement}")]
    Apply { index: usize, statement: String, message: String, connection_lost: bool },
    #[error("table {table} has seed data and no schema, and does not exist: its rows are planned once it does")]
    SeedTableMissing { table: String },
    /// A `renamedFrom` the live schema makes ambiguous (both names exist).
    #[error("planning {table}: {message}")]
    Rename { table: String, message: String },
    /// An enum type the spec changes in a way Postgres cannot (removing or reordering values).
    #[error("planning {table}: {message}")]
    Enum { table: String, message: String },
    /// A statement waited too long for a lock (its lock-timeout hint, or the server's
    /// `lock_timeout`): another session held a conflicting lock; nothing is wrong with the
    /// statement, and it can succeed later.
    #[error("statement {index} {message}\n  statement: {statement}")]
    LockTimeout { index: usize, statement: String, timeout_ms: Option<u64>, message: String },
    /// A statement ran longer than its statement-timeout hint and was cancelled.
    #[error("statement {index} {message}\n  statement: {statement}")]
    StatementTimeout { index: usize, statement: String, timeout_ms: Option<u64>, message: String },
    /// The server refused a View's query when it was printed for comparison (see `views`).
    #[error("view {view}: the server refuses its query: {source}")]
    ViewQuery { view: String, source: sqlx::Error },
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

impl PostgresError {
    /// The connection went away (the server restarted, the network broke) rather than a
    /// statement being refused: the transaction did not commit, or its outcome is unknown, and
    /// trying again later is the right answer.
    pub fn is_connection_lost(&self) -> bool {
        match self {
            PostgresError::Connect { .. } => true,
            PostgresError::Apply { connection_lost, .. } => *connection_lost,
            PostgresError::Database(e)
            | PostgresError::Introspect { source: e, .. }
            | PostgresError::Seed { source: e, .. }
            | PostgresError::ViewQuery { source: e, .. } => connection_lost(e),
            PostgresError::Uri(_)
            | PostgresError::SeedTableMissing { .. }
            | PostgresError::Rename { .. }
            | PostgresError::Enum { .. }
            | PostgresError::LockTimeout { .. }
            | PostgresError::StatementTimeout { .. } => false,
        }
    }

    /// A statement gave up waiting for a lock (SQLSTATE 55P03): the plan is fine, a long
    /// transaction was in the way, and trying again later is the right answer.
    pub fn is_lock_timeout(&self) -> bool {
        matches!(self, PostgresError::LockTimeout { .. })
    }
}

/// Whether `e` is the loss of the connection: an I/O or TLS failure, or the server saying it is
/// shutting down (SQLSTATE class 57P: admin/crash shutdown, cannot connect now) or that the
/// connection failed (class 08).
pub fn connection_lost(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(d) => d.code().is_some_and(|c| c.starts_with("08") || c.starts_with("57P")),
        _ => false,
    }
}

/// The database's error code (SQLSTATE), for the statement's span.
pub(crate) fn error_code(e: &sqlx::Error) -> Option<String> {
    e.as_database_error().and_then(|d| d.code()).map(|c| c.into_owned())
}

/// A table the user wants, as the planner receives it.
pub type DesiredTable = schemahero_schema::spec::DesiredTable<PostgresTableSchema>;

pub struct PostgresEngine {
    pool: PgPool,
    default_schema: String,
}

impl PostgresEngine {
    /// Connects with a `postgres://` / `postgresql://` URI. Errors never echo the password.
    pub async fn connect(uri: &str) -> Result<Self, PostgresError> {
        Self::connect_with(uri, 4, None).await
    }

    /// As `connect`, with at most `max_connections` connections, idle ones closed after
    /// `idle_timeout` (long-running services talk to many databases).
    pub async fn connect_with(uri: &str, max_connections: u32, idle_timeout: Option<std::time::Duration>) -> Result<Self, PostgresError> {
        let options = PgConnectOptions::from_str(uri).map_err(|e| PostgresError::Uri(redact_error(&e.to_string(), uri)))?;
        Self::connect_options(options, uri, max_connections, idle_timeout).await
    }

    /// As `connect_with`, from options parsed from `uri` (whose password errors never carry).
    pub async fn connect_options(
        options: PgConnectOptions,
        uri: &str,
        max_connections: u32,
        idle_timeout: Option<std::time::Duration>,
    ) -> Result<Self, PostgresError> {
        let target = format!("{}:{}/{}", options.get_host(), options.get_port(), options.get_database().unwrap_or("(default)"));
        let pool = PgPoolOptions::new()
            .max_connections(max_connections.max(1))
            .idle_timeout(idle_timeout)
            .acquire_timeout(std::time::Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(|e| PostgresError::Connect { target: target.clone(), message: redact_error(&e.to_string(), uri) })?;
        let (default_schema,): (String,) = sqlx::query_as("SELECT coalesce(current_schema(), 'public')::text").fetch_one(&pool).await?;
        Ok(Self { pool, default_schema })
    }

    /// Plans the DatabaseExtensions (see `extensions`).
    pub async fn plan_extensions(
        &self,
        desired: &[schemahero_schema::extension::PostgresExtension],
    ) -> Result<Vec<PlannedStatement>, PostgresError> {
        if desired.is_empty() {
            return Ok(Vec::new());
        }
        Ok(extensions::plan(desired, &extensions::introspect(&self.pool).await?))
    }

    /// Plans Functions (see `functions`): (name, spec) each, in the default schema unless the
    /// spec names one.
    pub async fn plan_functions(
        &self,
        desired: &[(&str, &schemahero_schema::function::PostgresFunction)],
    ) -> Result<Vec<PlannedStatement>, PostgresError> {
        let functions: Vec<functions::DesiredFunction> = desired
            .iter()
            .map(|(name, spec)| functions::DesiredFunction {
                name,
                schema: spec.schema.clone().unwrap_or_else(|| self.default_schema.clone()),
                spec,
            })
            .collect();
        Ok(functions::plan(&self.pool, &functions).await?)
    }

    /// The live state of one function (see `functions::state`), for a plan's fingerprint.
    pub async fn function_state(&self, name: &str, spec: &schemahero_schema::function::PostgresFunction) -> Result<String, PostgresError> {
        let function =
            functions::DesiredFunction { name, schema: spec.schema.clone().unwrap_or_else(|| self.default_schema.clone()), spec };
        Ok(functions::state(&self.pool, &function).await?)
    }

    /// Plans Views (see `views`): (name, section) each, in the default schema.
    pub async fn plan_views(
        &self,
        desired: &[(&str, &schemahero_schema::view::PlainView)],
    ) -> Result<Vec<PlannedStatement>, PostgresError> {
        let views: Vec<views::DesiredView> =
            desired.iter().map(|(name, spec)| views::DesiredView { name, schema: self.default_schema.clone(), spec }).collect();
        views::plan(&self.pool, &views).await
    }

    /// The live state of one view (see `views::state`), for a plan's fingerprint.
    pub async fn view_state(&self, name: &str, spec: &schemahero_schema::view::PlainView) -> Result<String, PostgresError> {
        let view = views::DesiredView { name, schema: self.default_schema.clone(), spec };
        Ok(views::state(&self.pool, &view).await?)
    }

    /// The views (schema.name) that read the table `schema.name` (or `name` of the default
    /// schema).
    pub async fn views_reading(&self, table: &str) -> Result<Vec<String>, PostgresError> {
        let (schema, name) = table.split_once('.').unwrap_or((self.default_schema.as_str(), table));
        Ok(views::dependent_views(&self.pool, schema, name).await?)
    }

    /// The live state of one extension (see `extensions::state`), for a plan's fingerprint.
    pub async fn extension_state(&self, name: &str) -> Result<String, PostgresError> {
        Ok(extensions::state(name, &extensions::introspect(&self.pool).await?))
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    pub fn default_schema(&self) -> &str {
        &self.default_schema
    }

    fn schema_of(&self, table: &DesiredTable) -> String {
        table.schema.schema.clone().unwrap_or_else(|| self.default_schema.clone())
    }

    /// Reads the live definition of the named tables, keyed by (schema, table).
    pub async fn introspect(&self, tables: &[(String, String)]) -> Result<HashMap<(String, String), TableDef>, PostgresError> {
        let mut by_schema: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for (schema, name) in tables {
            by_schema.entry(schema.as_str()).or_default().push(name.clone());
        }
        let mut live = HashMap::new();
        for (schema, names) in by_schema {
            let found = introspect::introspect_schema(&self.pool, schema, Some(&names))
                .await
                .map_err(|source| PostgresError::Introspect { schema: schema.to_string(), source })?;
            for (name, def) in found {
                live.insert((schema.to_string(), name), def);
            }
        }
        Ok(live)
    }

    /// Plans the given tables against the live database. Tables not named are never touched.
    pub async fn plan(&self, tables: &[DesiredTable], with_seed_data: bool) -> Result<Plan, PostgresError> {
        let keys: Vec<(String, String)> = tables.iter().map(|t| (self.schema_of(t), t.name.clone())).collect();
        let live = self.introspect_traced(&self.with_old_names(tables, &keys)).await?;
        self.plan_with_live(&live, tables, &keys, with_seed_data).await
    }

    /// Plans each table on its own (its own statements and its own fingerprint, as `plan` of
    /// that table alone would) from one bulk introspection of all of them. The outer error is
    /// the introspection's; a table's own failure (reading its seed rows) is its entry's.
    pub async fn plan_each(
        &self,
        tables: &[DesiredTable],
        with_seed_data: bool,
    ) -> Result<Vec<Result<Plan, PostgresError>>, PostgresError> {
        let keys: Vec<(String, String)> = tables.iter().map(|t| (self.schema_of(t), t.name.clone())).collect();
        let live = self.introspect_traced(&self.with_old_names(tables, &keys)).await?;
        let mut plans = Vec::with_capacity(tables.len());
        for (table, key) in tables.iter().zip(&keys) {
            plans.push(self.plan_with_live(&live, std::slice::from_ref(table), std::slice::from_ref(key), with_seed_data).await);
        }
        Ok(plans)
    }

    /// `keys` and, for each table renamed from another, the old name's key (`renamedFrom`).
    fn with_old_names(&self, tables: &[DesiredTable], keys: &[(String, String)]) -> Vec<(String, String)> {
        let old = tables.iter().filter_map(|t| t.renamed_from.as_ref().map(|from| (self.schema_of(t), from.clone())));
        keys.iter().cloned().chain(old).collect()
    }

    async fn introspect_traced(&self, keys: &[(String, String)]) -> Result<HashMap<(String, String), TableDef>, PostgresError> {
        tracing::Instrument::instrument(self.introspect(keys), tracing::info_span!("introspect", engine = "postgres", tables = keys.len()))
            .await
    }

    async fn plan_with_live(
        &self,
        live: &HashMap<(String, String), TableDef>,
        tables: &[DesiredTable],
        keys: &[(String, String)],
        with_seed_data: bool,
    ) -> Result<Plan, PostgresError> {
        let mut work = Vec::with_capacity(tables.len());
        // Enum types declared by more than one table of the batch are planned once.
        let mut types_planned = std::collections::HashSet::new();
        for (table, key) in tables.iter().zip(keys) {
            let old = table.renamed_from.as_ref().and_then(|from| live.get(&(key.0.clone(), from.clone())));
            let display = format!("{}.{}", key.0, table.name);
            let rename_error = |message| PostgresError::Rename { table: display.clone(), message };
            let source =
                table_source(&table.name, table.renamed_from.as_deref(), table.schema.is_deleted || table.seed_only, live.get(key), old)
                    .map_err(rename_error)?;
            let live_table = source.live();
            let mut desired = match (table.seed_only, live_table) {
                (false, _) => diff::desired_table(&table.name, &key.0, &table.schema),
                (true, Some(live_table)) => live_table.clone(),
                (true, None) if !with_seed_data => continue,
                (true, None) => return Err(PostgresError::SeedTableMissing { table: display }),
            };
            // The live table as the renames leave it, under its new name: the rest of the diff
            // compares with that.
            let renamed =
                live_after_renames(&table.name, &desired, live_table, table.seed_only || table.schema.is_deleted).map_err(rename_error)?;
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
            let table_ref = TableRef { schema: key.0.clone(), name: table.name.clone(), qualify: table.schema.schema.is_some() };
            // A table or columns renamed by this plan cannot be probed under their new names
            // yet: their rows are upserted (which converges once the renames are done).
            let probe_live = live_table.is_some() && table_diff.rename_from.is_none() && table_diff.rename_columns.is_empty();
            let seed = match (&table.seed_data, with_seed_data && !table.schema.is_deleted) {
                (Some(seed), true) => {
                    let (table_sql, table_display) = (table_ref.sql(), table_ref.display());
                    let target = SeedTarget { dialect: Dialect::Postgres, table_sql: &table_sql, table_display: &table_display };
                    let probe = |sql: String| sqlx::query_scalar::<_, bool>(sqlx::AssertSqlSafe(sql)).fetch_one(&self.pool);
                    plan_seed(target, &desired, probe_live, seed, probe)
                        .await
                        .map_err(|source| PostgresError::Seed { table: table_display.clone(), source })?
                }
                _ => Vec::new(),
            };
            let types = if table.schema.is_deleted || table.seed_only {
                Vec::new()
            } else {
                self.plan_enums(table, &key.0, &mut types_planned).await?
            };
            if table_diff.is_empty() && seed.is_empty() && types.is_empty() {
                continue;
            }
            let partitioned = live_table.is_some_and(|l| l.ext.partitioned);
            work.push(TableWork { table: table_ref, diff: table_diff, triggers: &table.schema.triggers, types, seed, partitioned });
        }
        // What dropping costs, counted only for the tables this plan drops data from.
        let mut costs = Vec::new();
        for w in work.iter().filter(|w| w.diff.drop || w.diff.columns.iter().any(|c| matches!(c, diff::ColumnChange::Drop(_)))) {
            let rows = introspect::row_count(&self.pool, &w.table.schema, &w.table.name)
                .await
                .map_err(|source| PostgresError::Introspect { schema: w.table.schema.clone(), source })?;
            costs.push((w.table.display(), rows));
        }
        let mut statements = tracing::info_span!("diff_render", engine = "postgres", tables = work.len()).in_scope(|| render::render(work));
        for (table, rows) in costs {
            schemahero_plan::rows::annotate(&mut statements, &table, rows);
        }
        let statements = self.note_dependent_views(statements, keys).await?;
        // A renamed table's old name is part of what the plan depends on (only tables with
        // `renamedFrom` add a key, so the fingerprint of any other plan is as before).
        // What a spec leaves alone (checks, comments) is not part of it either.
        let fingerprint_keys = self.with_old_names(tables, keys);
        let mut seen = HashMap::new();
        for (table, key) in tables.iter().zip(keys) {
            let unmanaged = diff::unmanaged(&table.schema);
            let old = table.renamed_from.as_ref().map(|from| (key.0.clone(), from.clone()));
            for k in std::iter::once(key).chain(old.as_ref()) {
                if let Some(l) = live.get(k) {
                    seen.insert(k.clone(), unmanaged.strip(l));
                }
            }
        }
        Ok(Plan { statements, fingerprint: introspect::fingerprint_of(&seen, &fingerprint_keys) })
    }

    /// The statements for the enum types `table` declares, in `schema` (see `enums`); those in
    /// `planned` already have theirs.
    async fn plan_enums(
        &self,
        table: &DesiredTable,
        schema: &str,
        planned: &mut std::collections::HashSet<(String, String)>,
    ) -> Result<Vec<PlannedStatement>, PostgresError> {
        let enums = &table.schema.enums;
        if enums.is_empty() {
            return Ok(Vec::new());
        }
        let display = format!("{schema}.{}", table.name);
        let names: Vec<String> = enums.iter().map(|e| e.name.clone()).collect();
        let live = enums::introspect(&self.pool, schema, &names)
            .await
            .map_err(|source| PostgresError::Introspect { schema: schema.to_string(), source })?;
        let mut out = Vec::new();
        for e in enums {
            if !planned.insert((schema.to_string(), e.name.clone())) {
                continue;
            }
            let sql_name = enums::sql_name(schema, &e.name, table.schema.schema.is_some());
            let statements = enums::plan(&display, &sql_name, e, live.get(&e.name))
                .map_err(|message| PostgresError::Enum { table: display.clone(), message })?;
            out.extend(statements);
        }
        Ok(out)
    }

    /// Postgres refuses to drop a table, drop a column or change a column's type while a view
    /// reads it. Such a statement names the views that depend on its table in a `MAY_FAIL`
    /// hazard, so the plan says why it would fail and what to do. Only tables with such
    /// statements are looked up, so other plans cost nothing more.
    async fn note_dependent_views(
        &self,
        statements: Vec<PlannedStatement>,
        keys: &[(String, String)],
    ) -> Result<Vec<PlannedStatement>, PostgresError> {
        let mut by_display: HashMap<String, Option<Vec<String>>> = HashMap::new();
        let mut out = Vec::with_capacity(statements.len());
        for statement in statements {
            let sql = statement.sql.as_str();
            let refused_under_a_view = sql.starts_with("DROP TABLE ")
                || (sql.starts_with("ALTER TABLE ")
                    && (sql.contains(" DROP COLUMN ") || (sql.contains(" ALTER COLUMN ") && sql.contains(" TYPE "))));
            let Some((schema, table)) = keys.iter().find(|(s, t)| format!("{s}.{t}") == statement.table).filter(|_| refused_under_a_view)
            else {
                out.push(statement);
                continue;
            };
            if !by_display.contains_key(&statement.table) {
                let found = views::dependent_views(&self.pool, schema, table).await?;
                by_display.insert(statement.table.clone(), (!found.is_empty()).then_some(found));
            }
            match by_display.get(&statement.table).cloned().flatten() {
                Some(dependents) => out.push(statement.with_hazard(
                    schemahero_plan::HazardKind::MayFail,
                    format!(
                        "view(s) {} read table {schema}.{table}: Postgres refuses to drop the table, or drop or retype a column a view \
                         uses, while they exist; drop them first (a View resource: isDeleted, restored after this change), \
                         or plan the tables and views together (plan --spec-type all drops and re-creates them around it)",
                        dependents.join(", ")
                    ),
                )),
                None => out.push(statement),
            }
        }
        Ok(out)
    }

    /// Runs statements in order inside one transaction (Postgres DDL is transactional): either
    /// all apply or none, unless a statement is marked to run outside the transaction (see
    /// `apply`). Honors each statement's lock and statement timeout hints. Names the failing
    /// statement and what of the plan stays applied.
    pub async fn apply(&self, statements: &[PlannedStatement]) -> Result<(), PostgresError> {
        apply::apply(&self.pool, statements).await
    }

    /// Every table of the given schemas (all user schemas when empty), as specs.
    /// `only`: just these tables (by name, in every schema read); `None`: all.
    pub async fn generate(
        &self,
        schemas: &[String],
        only: Option<&[String]>,
    ) -> Result<Vec<(String, String, PostgresTableSchema)>, PostgresError> {
        let schemas = if schemas.is_empty() { introspect::user_schemas(&self.pool).await? } else { schemas.to_vec() };
        let mut out = Vec::new();
        for schema in schemas {
            let tables = introspect::introspect_schema(&self.pool, &schema, only)
                .await
                .map_err(|source| PostgresError::Introspect { schema: schema.clone(), source })?;
            for (name, def) in tables {
                let spec = spec_from_live(&def, schema != self.default_schema);
                out.push((schema.clone(), name, spec));
            }
        }
        Ok(out)
    }

    pub async fn close(self) {
        self.pool.close().await;
    }
}

/// The spec that reproduces a live table (for `generate`).
pub fn spec_from_live(def: &TableDef, qualify: bool) -> PostgresTableSchema {
    use schemahero_schema::spec::{Check, Column};
    let pk_columns: Vec<String> = def.primary_key.as_ref().map(|k| k.columns.clone()).unwrap_or_default();
    PostgresTableSchema {
        schema: if qualify { def.schema.clone() } else { None },
        primary_key: pk_columns.clone(),
        columns: def
            .columns
            .iter()
            .map(|c| {
                let serial = c.ext.serial;
                let data_type = if serial {
                    match c.data_type.as_str() {
                        "bigint" => "bigserial".to_string(),
                        "smallint" => "smallserial".to_string(),
                        _ => "serial".to_string(),
                    }
                } else {
                    c.data_type.clone()
                };
                let implied_not_null = pk_columns.contains(&c.name) || serial || c.auto_increment;
                Column {
                    name: c.name.clone(),
                    data_type,
                    constraints: c.spec_constraints(implied_not_null),
                    attributes: c.spec_attributes(),
                    default: if serial || c.auto_increment { None } else { c.default.clone() },
                    renamed_from: None,
                    comment: c.comment.clone(),
                }
            })
            .collect(),
        foreign_keys: def.foreign_keys.iter().map(|fk| fk.to_spec(Some(&diff::generated_fk_name(&def.name, &fk.columns)))).collect(),
        indexes: def.indexes.iter().map(|ix| ix.to_spec(&diff::generated_index_name(&def.name, &ix.columns))).collect(),
        is_deleted: false,
        triggers: Vec::new(),
        checks: (!def.checks.is_empty()).then(|| {
            def.checks
                .iter()
                .map(|c| Check { name: c.name.clone(), expression: c.source.clone().unwrap_or_else(|| c.expression.clone()) })
                .collect()
        }),
        comment: def.comment.clone(),
        enums: Vec::new(),
    }
}

/// Removes the password of `uri` from an error message, should a driver ever echo it.
pub fn redact_error(message: &str, uri: &str) -> String {
    let mut out = message.to_string();
    if let Some(password) = password_of(uri)
        && !password.is_empty()
    {
        out = out.replace(&password, "***");
    }
    out
}

/// The password as the URL parser behind `PgConnectOptions` reads it: the authority ends at the
/// first '/', '?' or '#', the user info at the last '@' in it (a user name may hold a raw '@',
/// as `user@server` names do), and the password starts after the first ':'.
fn password_of(uri: &str) -> Option<String> {
    let rest = uri.split_once("://")?.1;
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let userinfo = &authority[..authority.rfind('@')?];
    let (_, password) = userinfo.split_once(':')?;
    Some(password.to_string())
}

/// Schema-qualified, quoted name (for callers outside the renderer).
pub fn qualified_name(schema: &str, table: &str) -> String {
    format!("{}.{}", quote_ident(schema), quote_ident(table))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_error_finds_the_password_after_an_at_sign_in_the_user_name() {
        // Found by fuzzing (fuzz/, target uri_dsn): the user info was cut at the first '@', so
        // with a user such as `app@server` nothing was scrubbed.
        let uri = "postgres://app@server:s3cret%23@db.example:5432/app";
        assert_eq!(redact_error("password authentication failed (s3cret%23)", uri), "password authentication failed (***)");
        assert_eq!(redact_error("x s3cret y", "postgres://u:s3cret@h/db?options=a@b"), "x *** y");
        assert_eq!(redact_error("no password here", "postgres://u@h/db"), "no password here");
    }
}
