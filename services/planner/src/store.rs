//! Where migrations live: a store trait, and the SQL store (SQLite file by default, Postgres for
//! several planner replicas) through sqlx's Any driver. Updates are compare-and-set on a version
//! column, so two replicas can never both move the same migration.

use crate::model::{Key, MigrationRecord, Phase, PlannedStatement, Reason};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row};
use std::collections::{BTreeSet, HashMap};
use std::future::Future;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("migration store {target}: {message}")]
    Open { target: String, message: String },
    #[error("migration store: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration store: corrupt row {id}: {message}")]
    Corrupt { id: String, message: String },
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub namespace: Option<String>,
    pub database: Option<String>,
    pub table: Option<String>,
    pub phase: Option<Phase>,
}

/// A resource a condition is reported on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConditionTarget<'a> {
    Table { namespace: &'a str, name: &'a str },
    Database { namespace: &'a str, name: &'a str },
}

/// The conditions the planner shows on Tables and Databases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConditionKind {
    /// Database: the planner can reach it.
    Connected,
    /// Table: planned against the live schema (a migration, or nothing to do).
    Planned,
    /// Table: the live table changed outside SchemaHero.
    Drifted,
    /// Table: planning failed (and when it is retried).
    Error,
}

impl ConditionKind {
    /// The condition's `type` on the resource.
    pub fn as_str(self) -> &'static str {
        match self {
            ConditionKind::Connected => "Connected",
            ConditionKind::Planned => "Planned",
            ConditionKind::Drifted => "Drifted",
            ConditionKind::Error => "Error",
        }
    }
}

/// Why a condition has its status: the closed set of `reason`s the planner writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConditionReason {
    /// Connected: the database answered.
    Connected,
    /// Connected: it did not.
    ConnectFailed,
    /// Planned: the table matches its spec.
    InSync,
    /// Planned: a migration records the difference.
    MigrationPlanned,
    /// Planned (false): the Database is not known yet.
    WaitingForDatabase,
    /// Drifted: the live table changed outside SchemaHero.
    LiveSchemaChanged,
    NoDrift,
    /// Error (false): the last planning succeeded.
    Planned,
    /// Error: planning failed.
    PlanFailed,
    /// Error: the database could not be reached to plan.
    DatabaseUnreachable,
    /// Error: the migration store could not be reached.
    StoreUnavailable,
}

impl ConditionReason {
    /// The condition's `reason` on the resource.
    pub fn as_str(self) -> &'static str {
        match self {
            ConditionReason::Connected => "Connected",
            ConditionReason::ConnectFailed => "ConnectFailed",
            ConditionReason::InSync => "InSync",
            ConditionReason::MigrationPlanned => "MigrationPlanned",
            ConditionReason::WaitingForDatabase => "WaitingForDatabase",
            ConditionReason::LiveSchemaChanged => "LiveSchemaChanged",
            ConditionReason::NoDrift => "NoDrift",
            ConditionReason::Planned => "Planned",
            ConditionReason::PlanFailed => "PlanFailed",
            ConditionReason::DatabaseUnreachable => "DatabaseUnreachable",
            ConditionReason::StoreUnavailable => "StoreUnavailable",
        }
    }
}

/// A condition with why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConditionReport {
    pub kind: ConditionKind,
    pub status: bool,
    pub reason: ConditionReason,
    pub message: String,
}

impl ConditionReport {
    pub fn new(kind: ConditionKind, status: bool, reason: ConditionReason, message: impl Into<String>) -> Self {
        ConditionReport { kind, status, reason, message: message.into() }
    }
}

/// Storage for migrations and for the spec hash last planned per table.
pub trait MigrationStore: Send + Sync + 'static {
    /// Held while the planner decides a transition (a new plan, a claim, an approval), so that
    /// planner replicas sharing the store decide one at a time.
    type TransitionLock: Send;

    fn lock_transitions(&self) -> impl Future<Output = Result<Self::TransitionLock, StoreError>> + Send;

    /// Shows a condition on a Table or Database resource. Stores without such resources (the
    /// SQL store) have nowhere to show it and ignore it.
    fn report_condition(&self, _target: ConditionTarget<'_>, _condition: ConditionReport) -> impl Future<Output = ()> + Send {
        async {}
    }

    /// Shows several conditions on one resource (one write where the store can).
    fn report_conditions(&self, target: ConditionTarget<'_>, conditions: Vec<ConditionReport>) -> impl Future<Output = ()> + Send {
        async move {
            for condition in conditions {
                self.report_condition(target, condition).await;
            }
        }
    }

    /// Holds a Function or DatabaseExtension with `removeOnDeletion` so that its deletion waits
    /// until the planner has recorded its removal (Kubernetes: a finalizer). Stores without
    /// such resources (the SQL store) ignore it.
    fn hold_object(&self, _kind: &str, _namespace: &str, _name: &str) -> impl Future<Output = ()> + Send {
        async {}
    }

    /// Lets a held Function or DatabaseExtension go (its removal is recorded, or it no longer
    /// asks for one).
    fn release_object(&self, _kind: &str, _namespace: &str, _name: &str) -> impl Future<Output = ()> + Send {
        async {}
    }

    /// Whether the Database resource `namespace/name` still exists, for a deleted object with
    /// `removeOnDeletion` whose Database the planner does not know (Kubernetes: its Secret does
    /// not resolve yet): held while it exists. Stores without such resources (the SQL store)
    /// know no more than the planner: `false`.
    fn database_exists(&self, _namespace: &str, _name: &str) -> impl Future<Output = bool> + Send {
        async { false }
    }

    /// Shows a Function's or DatabaseExtension's phase (`Applied`: it is as its spec says;
    /// `Planned`: a migration for it is open) on the resource.
    fn report_object_phase(
        &self,
        _kind: &str,
        _namespace: &str,
        _name: &str,
        _phase: &str,
        _message: &str,
    ) -> impl Future<Output = ()> + Send {
        async {}
    }

    /// Records that a table was planned: the spec hash planned (when it changed) and the
    /// table's conditions, in one write where the store can.
    fn record_planned(
        &self,
        namespace: &str,
        table_resource: &str,
        spec_hash: Option<&str>,
        conditions: Vec<ConditionReport>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        async move {
            if let Some(hash) = spec_hash {
                self.set_planned_spec_hash(namespace, table_resource, Some(hash)).await?;
            }
            if !conditions.is_empty() {
                self.report_conditions(ConditionTarget::Table { namespace, name: table_resource }, conditions).await;
            }
            Ok(())
        }
    }

    /// The migrations of one database, read once for a whole planning batch, for stores where
    /// one listing per table would be a storm of requests (Kubernetes: one planner replica
    /// writes them). `None`: the planner lists each table's migrations under the transition
    /// lock instead (the SQL store, which several replicas may share).
    fn preload_migrations(
        &self,
        _namespace: &str,
        _database: &str,
        _tables: usize,
    ) -> impl Future<Output = Result<Option<Vec<MigrationRecord>>, StoreError>> + Send {
        async { Ok(None) }
    }

    /// One page of [`MigrationStore::list`]: at most `limit` migrations after `after` (the
    /// `(planned_at, id)` of the previous page's last one) in the listing order.
    fn list_page(
        &self,
        filter: &Filter,
        after: Option<(i64, String)>,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<MigrationRecord>, StoreError>> + Send {
        async move {
            let all = self.list(filter).await?;
            Ok(all
                .into_iter()
                .filter(|m| after.as_ref().is_none_or(|(planned_at, id)| (m.planned_at, &m.id) > (*planned_at, id)))
                .take(limit.max(1))
                .collect())
        }
    }

    /// How many migrations are in each phase (phases with none are left out).
    fn count_by_phase(&self) -> impl Future<Output = Result<HashMap<Phase, i64>, StoreError>> + Send {
        async move {
            let mut counts = HashMap::new();
            for m in self.list(&Filter::default()).await? {
                *counts.entry(m.phase).or_insert(0) += 1;
            }
            Ok(counts)
        }
    }

    /// The last revision of the store's change sequence; `None` for stores without one.
    fn current_revision(&self) -> impl Future<Output = Result<Option<i64>, StoreError>> + Send {
        async { Ok(None) }
    }

    /// The lowest revision a watch can resume from: a token below it is too old (the
    /// Kubernetes store's sequence starts anew with each planner process).
    fn oldest_revision(&self) -> i64 {
        0
    }

    /// The migrations written after `revision`, as they are now, in revision order, at most
    /// `limit`; `None` for stores without a change sequence.
    fn changes_since(
        &self,
        _revision: i64,
        _limit: usize,
    ) -> impl Future<Output = Result<Option<Vec<MigrationRecord>>, StoreError>> + Send {
        async { Ok(None) }
    }

    fn insert(&self, m: &MigrationRecord) -> impl Future<Output = Result<(), StoreError>> + Send;
    fn get(&self, id: &str) -> impl Future<Output = Result<Option<MigrationRecord>, StoreError>> + Send;
    fn list(&self, filter: &Filter) -> impl Future<Output = Result<Vec<MigrationRecord>, StoreError>> + Send;
    /// Writes `m` if the stored version is `m.version - 1`; returns whether it did.
    fn update(&self, m: &MigrationRecord) -> impl Future<Output = Result<bool, StoreError>> + Send;
    fn next_fencing_token(&self) -> impl Future<Output = Result<i64, StoreError>> + Send;
    fn planned_spec_hash(&self, namespace: &str, table_resource: &str) -> impl Future<Output = Result<Option<String>, StoreError>> + Send;
    /// The spec hashes last planned for `keys` (namespace, table resource), those that have one.
    fn planned_spec_hashes(&self, keys: &[Key]) -> impl Future<Output = Result<HashMap<Key, String>, StoreError>> + Send {
        async move {
            let mut out = HashMap::new();
            for key in keys {
                if let Some(hash) = self.planned_spec_hash(&key.namespace, &key.name).await? {
                    out.insert(key.clone(), hash);
                }
            }
            Ok(out)
        }
    }
    fn set_planned_spec_hash(
        &self,
        namespace: &str,
        table_resource: &str,
        hash: Option<&str>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

pub struct SqlStore {
    pool: AnyPool,
    /// Postgres serves several planner replicas: their transitions take an advisory lock.
    postgres: bool,
}

/// The cross-replica lock: a transaction holding a Postgres advisory lock, released when the
/// transaction ends (dropped). SQLite stores serve one planner and need none.
pub struct SqlTransitionLock(#[allow(dead_code)] Option<sqlx::Transaction<'static, sqlx::Any>>);

/// An arbitrary, fixed advisory-lock key for planner transitions.
const TRANSITION_LOCK_KEY: i64 = 0x0053_485f_504c_414e; // "SH_PLAN"

const COLUMNS: &str = "id, namespace, database_name, table_resource, table_name, phase, statements_json, fingerprint, spec_hash, \
spec_json, planned_at, approved_at, executed_at, trace_id, error, waiting_reason, attempts, executor, reason, fencing_token, \
lease_expires_at, not_before, version, traceparent, approved_by, rejected_by, recalculated_by, resource_kind, approval_comment, \
rejection_comment, revision, conditions_json";

const SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS schemahero_migrations (
      id TEXT PRIMARY KEY, namespace TEXT NOT NULL, database_name TEXT NOT NULL, table_resource TEXT NOT NULL,
      table_name TEXT NOT NULL, phase TEXT NOT NULL, statements_json TEXT NOT NULL, fingerprint TEXT NOT NULL,
      spec_hash TEXT NOT NULL, spec_json TEXT NOT NULL, planned_at BIGINT NOT NULL, approved_at BIGINT NOT NULL,
      executed_at BIGINT NOT NULL, trace_id TEXT NOT NULL, error TEXT NOT NULL, waiting_reason TEXT NOT NULL,
      attempts BIGINT NOT NULL, executor TEXT NOT NULL, reason TEXT NOT NULL, fencing_token BIGINT NOT NULL,
      lease_expires_at BIGINT NOT NULL, not_before BIGINT NOT NULL, version BIGINT NOT NULL, traceparent TEXT NOT NULL,
      approved_by TEXT NOT NULL DEFAULT '', rejected_by TEXT NOT NULL DEFAULT '', recalculated_by TEXT NOT NULL DEFAULT '',
      resource_kind TEXT NOT NULL DEFAULT '')",
    "CREATE INDEX IF NOT EXISTS schemahero_migrations_table ON schemahero_migrations (namespace, table_resource)",
    "CREATE INDEX IF NOT EXISTS schemahero_migrations_phase ON schemahero_migrations (phase)",
    "CREATE TABLE IF NOT EXISTS schemahero_table_state (
      namespace TEXT NOT NULL, table_resource TEXT NOT NULL, spec_hash TEXT NOT NULL, PRIMARY KEY (namespace, table_resource))",
    "CREATE TABLE IF NOT EXISTS schemahero_counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL)",
];

/// Columns added after the first release: (name, definition), added to older stores on open.
const ADDED_COLUMNS: &[(&str, &str)] = &[
    ("approved_by", "TEXT NOT NULL DEFAULT ''"),
    ("rejected_by", "TEXT NOT NULL DEFAULT ''"),
    ("recalculated_by", "TEXT NOT NULL DEFAULT ''"),
    ("resource_kind", "TEXT NOT NULL DEFAULT ''"),
    ("approval_comment", "TEXT NOT NULL DEFAULT ''"),
    ("rejection_comment", "TEXT NOT NULL DEFAULT ''"),
    // The change sequence WatchMigrations resumes from; rows written before it existed are 0
    // (sent by a watch without a resume token, like every row).
    ("revision", "BIGINT NOT NULL DEFAULT 0"),
    ("conditions_json", "TEXT NOT NULL DEFAULT '[]'"),
];

/// Run after the columns are added (an older store gets the index on its new column).
const INDEXES_ON_ADDED_COLUMNS: &[&str] =
    &["CREATE INDEX IF NOT EXISTS schemahero_migrations_revision ON schemahero_migrations (revision)"];

/// `sqlite:…` / `postgres://…` URLs, or a plain file path (SQLite, created if missing).
pub fn store_url(raw: &str) -> String {
    if raw.starts_with("postgres://") || raw.starts_with("postgresql://") || raw.starts_with("sqlite:") {
        raw.to_string()
    } else {
        format!("sqlite://{raw}?mode=rwc")
    }
}

impl SqlStore {
    pub async fn open(raw: &str) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let url = store_url(raw);
        let sqlite = url.starts_with("sqlite:");
        let target = if sqlite { url.clone() } else { redact(&url) };
        let pool = AnyPoolOptions::new()
            .max_connections(if sqlite { 1 } else { 5 })
            .acquire_timeout(std::time::Duration::from_secs(10))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if sqlite {
                        // A write-ahead log synced at checkpoints: one claim or report is one
                        // append instead of several fsyncs of a rollback journal. A power loss
                        // may lose the last transitions, never the file's consistency (and the
                        // ledger in each target database still prevents a second application).
                        sqlx::query("PRAGMA journal_mode = WAL").execute(&mut *conn).await?;
                        sqlx::query("PRAGMA synchronous = NORMAL").execute(&mut *conn).await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await
            .map_err(|e| StoreError::Open { target: target.clone(), message: e.to_string() })?;
        let open_err = |e: sqlx::Error| StoreError::Open { target: target.clone(), message: e.to_string() };
        // Replicas starting together would race on CREATE … IF NOT EXISTS (Postgres checks the
        // catalog before it locks): create the schema under the transition lock.
        let mut tx = pool.begin().await.map_err(open_err)?;
        if !sqlite {
            sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(TRANSITION_LOCK_KEY).execute(&mut *tx).await.map_err(open_err)?;
        }
        for statement in SCHEMA {
            sqlx::query(*statement).execute(&mut *tx).await.map_err(open_err)?;
        }
        // Stores made before a column existed get it (with its default).
        for (column, definition) in ADDED_COLUMNS {
            let exists = if sqlite {
                sqlx::query("SELECT 1 FROM pragma_table_info('schemahero_migrations') WHERE name = $1")
            } else {
                sqlx::query("SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'schemahero_migrations' AND column_name = $1")
            }
            .bind(*column)
            .fetch_optional(&mut *tx)
            .await
            .map_err(open_err)?
            .is_some();
            if !exists {
                let sql = format!("ALTER TABLE schemahero_migrations ADD COLUMN {column} {definition}");
                sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut *tx).await.map_err(open_err)?;
            }
        }
        for statement in INDEXES_ON_ADDED_COLUMNS {
            sqlx::query(*statement).execute(&mut *tx).await.map_err(open_err)?;
        }
        sqlx::query("INSERT INTO schemahero_counters (name, value) VALUES ('revision', 0) ON CONFLICT (name) DO NOTHING")
            .execute(&mut *tx)
            .await
            .map_err(open_err)?;
        tx.commit().await.map_err(open_err)?;
        Ok(Self { pool, postgres: !sqlite })
    }
}

/// The store URL with its password replaced by `***` (the engines' redaction, which the fuzz
/// targets check: the password ends at the last `@`, as the URL parser reads it).
fn redact(url: &str) -> String {
    schemahero_engine::redact_uri(url)
}

/// Statements as stored. Stores from earlier releases hold hazards as `[kind, message]` pairs,
/// which serde reads as the same `Hazard` (a struct also reads from a sequence of its fields),
/// and no kinds, which are read from the SQL.
fn statements_from_json(json: &str) -> Result<Vec<PlannedStatement>, String> {
    let statements: Vec<PlannedStatement> = serde_json::from_str(json).map_err(|e| e.to_string())?;
    Ok(statements.into_iter().map(PlannedStatement::with_kind).collect())
}

fn from_row(row: &AnyRow) -> Result<MigrationRecord, StoreError> {
    let id: String = row.try_get("id")?;
    let corrupt = |message: String| StoreError::Corrupt { id: id.clone(), message };
    let phase: String = row.try_get("phase")?;
    let statements_json: String = row.try_get("statements_json")?;
    let statements = statements_from_json(&statements_json).map_err(corrupt)?;
    Ok(MigrationRecord {
        phase: Phase::parse(&phase).ok_or_else(|| corrupt(format!("unknown phase {phase:?}")))?,
        statements,
        namespace: row.try_get("namespace")?,
        database: row.try_get("database_name")?,
        table_resource: row.try_get("table_resource")?,
        table: row.try_get("table_name")?,
        fingerprint: row.try_get("fingerprint")?,
        spec_hash: row.try_get("spec_hash")?,
        spec_json: row.try_get("spec_json")?,
        planned_at: row.try_get("planned_at")?,
        approved_at: row.try_get("approved_at")?,
        executed_at: row.try_get("executed_at")?,
        trace_id: row.try_get("trace_id")?,
        traceparent: row.try_get("traceparent")?,
        error: row.try_get("error")?,
        waiting_reason: row.try_get("waiting_reason")?,
        attempts: row.try_get("attempts")?,
        executor: row.try_get("executor")?,
        reason: {
            let reason: String = row.try_get("reason")?;
            Reason::parse(&reason).ok_or_else(|| corrupt(format!("unknown reason {reason:?}")))?
        },
        fencing_token: row.try_get("fencing_token")?,
        lease_expires_at: row.try_get("lease_expires_at")?,
        not_before: row.try_get("not_before")?,
        version: row.try_get("version")?,
        approved_by: row.try_get("approved_by")?,
        rejected_by: row.try_get("rejected_by")?,
        recalculated_by: row.try_get("recalculated_by")?,
        resource_kind: row.try_get("resource_kind")?,
        approval_comment: row.try_get("approval_comment")?,
        rejection_comment: row.try_get("rejection_comment")?,
        revision: row.try_get("revision")?,
        conditions: {
            let json: String = row.try_get("conditions_json")?;
            serde_json::from_str(&json).map_err(|e| corrupt(format!("conditions: {e}")))?
        },
        id,
    })
}

/// Takes the next revision inside `tx`. On Postgres the counter row stays locked until `tx`
/// ends, so revisions commit in the order they are taken: a watcher that has seen revision n
/// will never later find a committed n-1 it skipped.
async fn next_revision(tx: &mut sqlx::Transaction<'static, sqlx::Any>) -> Result<i64, StoreError> {
    let (next,): (i64,) = sqlx::query_as("UPDATE schemahero_counters SET value = value + 1 WHERE name = 'revision' RETURNING value")
        .fetch_one(&mut **tx)
        .await?;
    Ok(next)
}

/// The WHERE clause (from ` WHERE`, or empty) and its bound values for `filter`.
fn filter_sql(filter: &Filter) -> (String, Vec<String>) {
    let mut conditions = Vec::new();
    let mut binds: Vec<String> = Vec::new();
    for (column, value) in [
        ("namespace", filter.namespace.clone()),
        ("database_name", filter.database.clone()),
        ("table_resource", filter.table.clone()),
        ("phase", filter.phase.map(|p| p.as_str().to_string())),
    ] {
        if let Some(v) = value {
            binds.push(v);
            conditions.push(format!("{column} = ${}", binds.len()));
        }
    }
    let sql = if conditions.is_empty() { String::new() } else { format!(" WHERE {}", conditions.join(" AND ")) };
    (sql, binds)
}

fn statements_json(m: &MigrationRecord) -> String {
    // Serializing plain strings and tuples cannot fail.
    serde_json::to_string(&m.statements).unwrap_or_else(|_| "[]".into())
}

fn conditions_json(m: &MigrationRecord) -> String {
    serde_json::to_string(&m.conditions).unwrap_or_else(|_| "[]".into())
}

impl MigrationStore for SqlStore {
    type TransitionLock = SqlTransitionLock;

    async fn lock_transitions(&self) -> Result<SqlTransitionLock, StoreError> {
        if !self.postgres {
            return Ok(SqlTransitionLock(None));
        }
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(TRANSITION_LOCK_KEY).execute(&mut *tx).await?;
        Ok(SqlTransitionLock(Some(tx)))
    }

    async fn insert(&self, m: &MigrationRecord) -> Result<(), StoreError> {
        let placeholders: Vec<String> = (1..=32).map(|i| format!("${i}")).collect();
        let sql = format!("INSERT INTO schemahero_migrations ({COLUMNS}) VALUES ({})", placeholders.join(", "));
        let mut tx = self.pool.begin().await?;
        let revision = next_revision(&mut tx).await?;
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(&m.id)
            .bind(&m.namespace)
            .bind(&m.database)
            .bind(&m.table_resource)
            .bind(&m.table)
            .bind(m.phase.as_str())
            .bind(statements_json(m))
            .bind(&m.fingerprint)
            .bind(&m.spec_hash)
            .bind(&m.spec_json)
            .bind(m.planned_at)
            .bind(m.approved_at)
            .bind(m.executed_at)
            .bind(&m.trace_id)
            .bind(&m.error)
            .bind(&m.waiting_reason)
            .bind(m.attempts)
            .bind(&m.executor)
            .bind(m.reason.as_str())
            .bind(m.fencing_token)
            .bind(m.lease_expires_at)
            .bind(m.not_before)
            .bind(m.version)
            .bind(&m.traceparent)
            .bind(&m.approved_by)
            .bind(&m.rejected_by)
            .bind(&m.recalculated_by)
            .bind(&m.resource_kind)
            .bind(&m.approval_comment)
            .bind(&m.rejection_comment)
            .bind(revision)
            .bind(conditions_json(m))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn get(&self, id: &str) -> Result<Option<MigrationRecord>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM schemahero_migrations WHERE id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(from_row).transpose()
    }

    async fn list(&self, filter: &Filter) -> Result<Vec<MigrationRecord>, StoreError> {
        let (filter_sql, binds) = filter_sql(filter);
        let sql = format!("SELECT {COLUMNS} FROM schemahero_migrations{filter_sql} ORDER BY planned_at, id");
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for b in &binds {
            query = query.bind(b);
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter().map(from_row).collect()
    }

    /// Keyset pagination on the listing order (planned_at, id): stable while rows are added.
    async fn list_page(&self, filter: &Filter, after: Option<(i64, String)>, limit: usize) -> Result<Vec<MigrationRecord>, StoreError> {
        let (mut where_sql, binds) = filter_sql(filter);
        if after.is_some() {
            let (a, b) = (binds.len() + 1, binds.len() + 2);
            let keyset = format!("(planned_at > ${a} OR (planned_at = ${a} AND id > ${b}))");
            where_sql = if where_sql.is_empty() { format!(" WHERE {keyset}") } else { format!("{where_sql} AND {keyset}") };
        }
        let sql = format!("SELECT {COLUMNS} FROM schemahero_migrations{where_sql} ORDER BY planned_at, id LIMIT {}", limit.max(1));
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for b in &binds {
            query = query.bind(b);
        }
        if let Some((planned_at, id)) = after {
            query = query.bind(planned_at).bind(id);
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter().map(from_row).collect()
    }

    async fn count_by_phase(&self) -> Result<HashMap<Phase, i64>, StoreError> {
        let rows: Vec<(String, i64)> =
            sqlx::query_as("SELECT phase, COUNT(*) FROM schemahero_migrations GROUP BY phase").fetch_all(&self.pool).await?;
        let mut counts = HashMap::new();
        for (phase, count) in rows {
            let parsed = Phase::parse(&phase)
                .ok_or_else(|| StoreError::Corrupt { id: "(count)".into(), message: format!("unknown phase {phase:?}") })?;
            counts.insert(parsed, count);
        }
        Ok(counts)
    }

    async fn current_revision(&self) -> Result<Option<i64>, StoreError> {
        let (value,): (i64,) =
            sqlx::query_as("SELECT value FROM schemahero_counters WHERE name = 'revision'").fetch_one(&self.pool).await?;
        Ok(Some(value))
    }

    async fn changes_since(&self, revision: i64, limit: usize) -> Result<Option<Vec<MigrationRecord>>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM schemahero_migrations WHERE revision > $1 ORDER BY revision, id LIMIT {}", limit.max(1));
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(revision).fetch_all(&self.pool).await?;
        Ok(Some(rows.iter().map(from_row).collect::<Result<_, _>>()?))
    }

    async fn update(&self, m: &MigrationRecord) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let revision = next_revision(&mut tx).await?;
        let result = sqlx::query(
            "UPDATE schemahero_migrations SET phase = $1, statements_json = $2, approved_at = $3, executed_at = $4, error = $5,
               waiting_reason = $6, attempts = $7, executor = $8, fencing_token = $9, lease_expires_at = $10, not_before = $11,
               trace_id = $12, version = $13, approved_by = $14, rejected_by = $15, recalculated_by = $16,
               approval_comment = $17, rejection_comment = $18, revision = $19, conditions_json = $20
             WHERE id = $21 AND version = $22",
        )
        .bind(m.phase.as_str())
        .bind(statements_json(m))
        .bind(m.approved_at)
        .bind(m.executed_at)
        .bind(&m.error)
        .bind(&m.waiting_reason)
        .bind(m.attempts)
        .bind(&m.executor)
        .bind(m.fencing_token)
        .bind(m.lease_expires_at)
        .bind(m.not_before)
        .bind(&m.trace_id)
        .bind(m.version)
        .bind(&m.approved_by)
        .bind(&m.rejected_by)
        .bind(&m.recalculated_by)
        .bind(&m.approval_comment)
        .bind(&m.rejection_comment)
        .bind(revision)
        .bind(conditions_json(m))
        .bind(&m.id)
        .bind(m.version - 1)
        .execute(&mut *tx)
        .await?;
        if result.rows_affected() != 1 {
            // Lost the compare-and-set: the revision taken is left unused (a gap is harmless).
            tx.rollback().await?;
            return Ok(false);
        }
        tx.commit().await?;
        Ok(true)
    }

    async fn next_fencing_token(&self) -> Result<i64, StoreError> {
        // One atomic increment (no read-then-write), so concurrent planner replicas on
        // Postgres never hand out the same token.
        sqlx::query("INSERT INTO schemahero_counters (name, value) VALUES ('fencing', 0) ON CONFLICT (name) DO NOTHING")
            .execute(&self.pool)
            .await?;
        let (next,): (i64,) = sqlx::query_as("UPDATE schemahero_counters SET value = value + 1 WHERE name = 'fencing' RETURNING value")
            .fetch_one(&self.pool)
            .await?;
        Ok(next)
    }

    async fn planned_spec_hash(&self, namespace: &str, table_resource: &str) -> Result<Option<String>, StoreError> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT spec_hash FROM schemahero_table_state WHERE namespace = $1 AND table_resource = $2")
                .bind(namespace)
                .bind(table_resource)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|(h,)| h))
    }

    /// One query per namespace, whatever the number of tables (by key for a few).
    async fn planned_spec_hashes(&self, keys: &[Key]) -> Result<HashMap<Key, String>, StoreError> {
        let mut out = HashMap::new();
        if keys.len() <= 16 {
            // A change to a table or two (the common case): look them up by key.
            for key in keys {
                if let Some(hash) = self.planned_spec_hash(&key.namespace, &key.name).await? {
                    out.insert(key.clone(), hash);
                }
            }
            return Ok(out);
        }
        let wanted: BTreeSet<&Key> = keys.iter().collect();
        let namespaces: BTreeSet<&str> = keys.iter().map(|k| k.namespace.as_str()).collect();
        for namespace in namespaces {
            let rows: Vec<(String, String)> =
                sqlx::query_as("SELECT table_resource, spec_hash FROM schemahero_table_state WHERE namespace = $1")
                    .bind(namespace)
                    .fetch_all(&self.pool)
                    .await?;
            for (table, hash) in rows {
                let key = Key::new(namespace, table);
                if wanted.contains(&key) {
                    out.insert(key, hash);
                }
            }
        }
        Ok(out)
    }

    async fn set_planned_spec_hash(&self, namespace: &str, table_resource: &str, hash: Option<&str>) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM schemahero_table_state WHERE namespace = $1 AND table_resource = $2")
            .bind(namespace)
            .bind(table_resource)
            .execute(&self.pool)
            .await?;
        if let Some(hash) = hash {
            sqlx::query("INSERT INTO schemahero_table_state (namespace, table_resource, spec_hash) VALUES ($1, $2, $3)")
                .bind(namespace)
                .bind(table_resource)
                .bind(hash)
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn store_urls_are_redacted_up_to_the_last_at() {
        assert_eq!(super::redact("postgres://app:s3cr@t@db:5432/store"), "postgres://app:***@db:5432/store");
        assert_eq!(super::redact("postgres://app@server:pw@db/store"), "postgres://app@server:***@db/store");
        assert_eq!(super::redact("sqlite://planner.db"), "sqlite://planner.db");
    }
}
