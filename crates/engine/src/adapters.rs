//! [`SchemaEngine`] for each database engine: which spec section it reads, how it splits
//! scripts, and how it reaches its ledger. Planning, diffing and rendering stay in the engine
//! crates; this is the seam between them and their callers.

use crate::generate::{GeneratedFile, GeneratedSchema, generated_files};
use crate::ledger::{self, LEDGER_TABLE, LedgerEntry};
use crate::{Driver, EngineError, PoolLimits, SchemaEngine, mysql_tables, postgres_tables, spread, sqlite_tables};
use schemahero_mysql::{MysqlEngine, MysqlError};
use schemahero_plan::{Plan, PlannedStatement, SplitDialect};
use schemahero_postgres::{PostgresEngine, PostgresError};
use schemahero_schema::extension::ExtensionManifest;
use schemahero_schema::function::FunctionManifest;
use schemahero_schema::view::ViewManifest;
use schemahero_schema::{TableManifest, Warning};
use schemahero_sqlite::{SqliteEngine, SqliteError};

/// Postgres, and CockroachDB through the same engine (its own spec section).
pub(crate) struct Postgres {
    engine: PostgresEngine,
    driver: Driver,
    /// Kept to connect to the scratch database beside this one (never printed: it may hold a
    /// password).
    uri: String,
    /// One validation at a time uses the scratch database.
    scratch_lock: std::sync::Arc<tokio::sync::Mutex<()>>,
}

impl Postgres {
    pub(crate) async fn connect(driver: Driver, uri: &str, limits: PoolLimits) -> Result<Self, EngineError> {
        Ok(Self {
            engine: PostgresEngine::connect_with(uri, limits.max_connections, limits.idle_timeout).await?,
            driver,
            uri: uri.to_string(),
            scratch_lock: Default::default(),
        })
    }
}

#[async_trait::async_trait]
impl SchemaEngine for Postgres {
    fn driver(&self) -> Driver {
        self.driver
    }

    fn split_dialect(&self) -> SplitDialect {
        SplitDialect::Postgres
    }

    async fn plan(&self, tables: &[TableManifest], seed_data: bool, warnings: &mut Vec<Warning>) -> Result<Plan, EngineError> {
        Ok(self.engine.plan(&postgres_tables(self.driver, tables, warnings).0, seed_data).await?)
    }

    async fn plan_each(
        &self,
        tables: &[TableManifest],
        seed_data: bool,
        warnings: &mut Vec<Warning>,
    ) -> Result<Vec<Result<Plan, EngineError>>, EngineError> {
        let (desired, planned) = postgres_tables(self.driver, tables, warnings);
        Ok(spread(tables.len(), planned, self.engine.plan_each(&desired, seed_data).await?))
    }

    async fn plan_extensions(
        &self,
        extensions: &[ExtensionManifest],
        warnings: &mut Vec<Warning>,
    ) -> Result<Vec<PlannedStatement>, EngineError> {
        let mut desired = Vec::new();
        for ext in extensions {
            match (&ext.spec.postgres, self.driver) {
                (Some(pg), Driver::Postgres) => desired.push(pg.clone()),
                (Some(_), _) => warnings.push(Warning {
                    source: ext.source.clone(),
                    message: format!("DatabaseExtension {:?}: CockroachDB has no extensions; skipped", ext.name),
                }),
                (None, _) => warnings.push(Warning {
                    source: ext.source.clone(),
                    message: format!("DatabaseExtension {:?} has no spec.postgres section; skipped", ext.name),
                }),
            }
        }
        Ok(self.engine.plan_extensions(&desired).await?)
    }

    async fn plan_functions(
        &self,
        functions: &[FunctionManifest],
        warnings: &mut Vec<Warning>,
    ) -> Result<Vec<PlannedStatement>, EngineError> {
        let mut desired = Vec::new();
        for f in functions {
            match (f.spec.schema.as_ref().and_then(|s| s.postgres.as_ref()), self.driver) {
                (Some(pg), Driver::Postgres) => desired.push((f.spec.name.as_str(), pg)),
                (Some(_), _) => warnings.push(Warning {
                    source: f.source.clone(),
                    message: format!("Function {:?}: functions are planned on Postgres only; skipped for CockroachDB", f.spec.name),
                }),
                (None, _) => warnings.push(Warning {
                    source: f.source.clone(),
                    message: format!("Function {:?} has no spec.schema.postgres section; skipped", f.spec.name),
                }),
            }
        }
        Ok(self.engine.plan_functions(&desired).await?)
    }

    async fn object_state(&self, object: &schemahero_schema::object::SchemaObject) -> Result<String, EngineError> {
        use schemahero_schema::object::SchemaObject;
        if self.driver != Driver::Postgres {
            return Ok(String::new());
        }
        match object {
            SchemaObject::Function(f) => match f.spec.schema.as_ref().and_then(|s| s.postgres.as_ref()) {
                Some(pg) => Ok(self.engine.function_state(&f.spec.name, pg).await?),
                None => Ok(String::new()),
            },
            SchemaObject::Extension(e) => match &e.spec.postgres {
                Some(pg) => Ok(self.engine.extension_state(&pg.name).await?),
                None => Ok(String::new()),
            },
            SchemaObject::View(v) => match v.spec.section("postgres") {
                Some(section) => Ok(self.engine.view_state(&v.spec.name, section).await?),
                None => Ok(String::new()),
            },
        }
    }

    async fn plan_views(&self, views: &[ViewManifest], warnings: &mut Vec<Warning>) -> Result<Vec<PlannedStatement>, EngineError> {
        let desired = crate::views::sections(self.driver, views, warnings);
        if desired.is_empty() {
            return Ok(Vec::new());
        }
        Ok(self.engine.plan_views(&desired).await?)
    }

    async fn views_reading(&self, table: &str) -> Result<Vec<String>, EngineError> {
        if self.driver != Driver::Postgres {
            return Ok(Vec::new());
        }
        Ok(self.engine.views_reading(table).await?)
    }

    async fn apply(&self, statements: &[PlannedStatement]) -> Result<(), EngineError> {
        Ok(self.engine.apply(statements).await?)
    }

    async fn copy_fixups(&self, tables: &[String]) -> Result<Vec<String>, EngineError> {
        Ok(self.engine.copy_fixups(tables).await?)
    }

    async fn scratch(&self) -> Result<Option<(Box<dyn SchemaEngine>, Vec<String>)>, EngineError> {
        if self.driver != Driver::Postgres {
            return Ok(None); // CockroachDB: no scratch database (not tested there)
        }
        let guard = self.scratch_lock.clone().lock_owned().await;
        let (engine, notes) = self.engine.scratch(&self.uri).await?;
        let scratch = Postgres { engine, driver: self.driver, uri: String::new(), scratch_lock: Default::default() };
        Ok(Some((Box::new(Held { inner: scratch, _guard: guard }), notes)))
    }

    async fn ledger_entries(&self) -> Result<Vec<LedgerEntry>, EngineError> {
        Ok(ledger::read_entries(self.engine.pool(), ledger::SELECT_ENTRIES).await.map_err(PostgresError::from)?)
    }

    async fn ledger_contains(&self, migration_id: &str) -> Result<bool, EngineError> {
        Ok(ledger::contains(self.engine.pool(), migration_id).await.map_err(PostgresError::from)?)
    }

    async fn generate(&self, database: &str, schemas: &[String]) -> Result<Vec<GeneratedFile>, EngineError> {
        self.generate_only(database, schemas, None).await
    }

    async fn generate_only(&self, database: &str, schemas: &[String], only: Option<&[String]>) -> Result<Vec<GeneratedFile>, EngineError> {
        let default_schema = self.engine.default_schema().to_string();
        let cockroach = self.driver == Driver::CockroachDb;
        let tables = self
            .engine
            .generate(schemas, only)
            .await?
            .into_iter()
            .map(|(schema, name, spec)| {
                let qualifier = (schema != default_schema).then_some(schema);
                (qualifier, name, GeneratedSchema::Postgres { cockroach, schema: spec })
            })
            .collect();
        generated_files(database, tables).map_err(EngineError::Split)
    }

    async fn close(self: Box<Self>) {
        self.engine.close().await
    }
}

pub(crate) struct Sqlite {
    engine: SqliteEngine,
}

impl Sqlite {
    pub(crate) async fn open(path: &str) -> Result<Self, EngineError> {
        Ok(Self { engine: SqliteEngine::open(path).await? })
    }
}

#[async_trait::async_trait]
impl SchemaEngine for Sqlite {
    fn driver(&self) -> Driver {
        Driver::Sqlite
    }

    fn split_dialect(&self) -> SplitDialect {
        SplitDialect::Sqlite
    }

    async fn plan(&self, tables: &[TableManifest], seed_data: bool, warnings: &mut Vec<Warning>) -> Result<Plan, EngineError> {
        Ok(self.engine.plan(&sqlite_tables(Driver::Sqlite, tables, warnings).0, seed_data).await?)
    }

    async fn plan_each(
        &self,
        tables: &[TableManifest],
        seed_data: bool,
        warnings: &mut Vec<Warning>,
    ) -> Result<Vec<Result<Plan, EngineError>>, EngineError> {
        let (desired, planned) = sqlite_tables(Driver::Sqlite, tables, warnings);
        Ok(spread(tables.len(), planned, self.engine.plan_each(&desired, seed_data).await?))
    }

    async fn plan_views(&self, views: &[ViewManifest], warnings: &mut Vec<Warning>) -> Result<Vec<PlannedStatement>, EngineError> {
        let desired = crate::views::sections(Driver::Sqlite, views, warnings);
        if desired.is_empty() {
            return Ok(Vec::new());
        }
        Ok(self.engine.plan_views(&desired).await?)
    }

    async fn object_state(&self, object: &schemahero_schema::object::SchemaObject) -> Result<String, EngineError> {
        match object {
            schemahero_schema::object::SchemaObject::View(v) => Ok(self.engine.view_state(&v.spec.name).await?),
            _ => Ok(String::new()),
        }
    }

    async fn apply(&self, statements: &[PlannedStatement]) -> Result<(), EngineError> {
        Ok(self.engine.apply(statements).await?)
    }

    /// In memory: nothing to create, nothing left behind.
    async fn scratch(&self) -> Result<Option<(Box<dyn SchemaEngine>, Vec<String>)>, EngineError> {
        Ok(Some((Box::new(Sqlite { engine: SqliteEngine::open(":memory:").await? }), Vec::new())))
    }

    async fn ledger_entries(&self) -> Result<Vec<LedgerEntry>, EngineError> {
        Ok(ledger::read_entries(self.engine.pool(), ledger::SELECT_ENTRIES).await.map_err(SqliteError::from)?)
    }

    async fn ledger_contains(&self, migration_id: &str) -> Result<bool, EngineError> {
        Ok(ledger::contains(self.engine.pool(), migration_id).await.map_err(SqliteError::from)?)
    }

    async fn generate(&self, database: &str, schemas: &[String]) -> Result<Vec<GeneratedFile>, EngineError> {
        self.generate_only(database, schemas, None).await
    }

    async fn generate_only(&self, database: &str, _schemas: &[String], only: Option<&[String]>) -> Result<Vec<GeneratedFile>, EngineError> {
        let tables =
            self.engine.generate(only).await?.into_iter().map(|(name, spec)| (None, name, GeneratedSchema::Sqlite(spec))).collect();
        generated_files(database, tables).map_err(EngineError::Split)
    }

    async fn close(self: Box<Self>) {
        self.engine.close().await
    }
}

/// MySQL and MariaDB (the flavor is detected on connect).
pub(crate) struct Mysql {
    engine: MysqlEngine,
    /// Kept to connect to the scratch database beside this one (never printed).
    uri: String,
    /// One validation at a time uses the scratch database.
    scratch_lock: std::sync::Arc<tokio::sync::Mutex<()>>,
}

impl Mysql {
    pub(crate) async fn connect(uri: &str, limits: PoolLimits) -> Result<Self, EngineError> {
        Ok(Self {
            engine: MysqlEngine::connect_with(uri, limits.max_connections, limits.idle_timeout).await?,
            uri: uri.to_string(),
            scratch_lock: Default::default(),
        })
    }
}

#[async_trait::async_trait]
impl SchemaEngine for Mysql {
    fn driver(&self) -> Driver {
        Driver::Mysql
    }

    fn split_dialect(&self) -> SplitDialect {
        SplitDialect::Mysql
    }

    async fn plan(&self, tables: &[TableManifest], seed_data: bool, warnings: &mut Vec<Warning>) -> Result<Plan, EngineError> {
        Ok(self.engine.plan(&mysql_tables(Driver::Mysql, tables, warnings).0, seed_data).await?)
    }

    async fn plan_each(
        &self,
        tables: &[TableManifest],
        seed_data: bool,
        warnings: &mut Vec<Warning>,
    ) -> Result<Vec<Result<Plan, EngineError>>, EngineError> {
        let (desired, planned) = mysql_tables(Driver::Mysql, tables, warnings);
        Ok(spread(tables.len(), planned, self.engine.plan_each(&desired, seed_data).await?))
    }

    async fn plan_views(&self, views: &[ViewManifest], warnings: &mut Vec<Warning>) -> Result<Vec<PlannedStatement>, EngineError> {
        let desired = crate::views::sections(Driver::Mysql, views, warnings);
        if desired.is_empty() {
            return Ok(Vec::new());
        }
        Ok(self.engine.plan_views(&desired).await?)
    }

    async fn object_state(&self, object: &schemahero_schema::object::SchemaObject) -> Result<String, EngineError> {
        match object {
            schemahero_schema::object::SchemaObject::View(v) => Ok(self.engine.view_state(&v.spec.name).await?),
            _ => Ok(String::new()),
        }
    }

    async fn apply(&self, statements: &[PlannedStatement]) -> Result<(), EngineError> {
        Ok(self.engine.apply(statements).await?)
    }

    async fn copy_fixups(&self, tables: &[String]) -> Result<Vec<String>, EngineError> {
        Ok(self.engine.copy_fixups(tables).await?)
    }

    async fn scratch(&self) -> Result<Option<(Box<dyn SchemaEngine>, Vec<String>)>, EngineError> {
        let guard = self.scratch_lock.clone().lock_owned().await;
        let engine = self.engine.scratch(&self.uri).await?;
        let scratch = Mysql { engine, uri: String::new(), scratch_lock: Default::default() };
        Ok(Some((Box::new(Held { inner: scratch, _guard: guard }), Vec::new())))
    }

    async fn ensure_ledger(&self) -> Result<(), EngineError> {
        // TEXT cannot be a MySQL primary key, and TEXT columns take no literal default.
        self.apply(&[PlannedStatement::new(LEDGER_TABLE, schemahero_mysql::CREATE_LEDGER)]).await
    }

    async fn ledger_entries(&self) -> Result<Vec<LedgerEntry>, EngineError> {
        let exists: Option<(i64,)> = sqlx::query_as(
            "SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'schemahero_migrations_ledger'",
        )
        .fetch_optional(self.engine.pool())
        .await
        .map_err(MysqlError::from)?;
        if exists.is_none() {
            return Ok(Vec::new());
        }
        Ok(ledger::read_entries(self.engine.pool(), ledger::SELECT_ENTRIES_MYSQL).await.map_err(MysqlError::from)?)
    }

    async fn ledger_contains(&self, migration_id: &str) -> Result<bool, EngineError> {
        Ok(ledger::contains(self.engine.pool(), migration_id).await.map_err(MysqlError::from)?)
    }

    async fn apply_recorded(
        &self,
        statements: &[PlannedStatement],
        migration_id: &str,
        fencing_token: u64,
        executor: &str,
    ) -> Result<(), EngineError> {
        // DDL is not transactional here: the engine locks the database, checks the ledger and
        // writes its row after the last statement.
        Ok(self.engine.apply_recorded(statements, migration_id, fencing_token, executor).await?)
    }

    async fn generate(&self, database: &str, schemas: &[String]) -> Result<Vec<GeneratedFile>, EngineError> {
        self.generate_only(database, schemas, None).await
    }

    async fn generate_only(&self, database: &str, _schemas: &[String], only: Option<&[String]>) -> Result<Vec<GeneratedFile>, EngineError> {
        let tables = self.engine.generate(only).await?.into_iter().map(|(name, spec)| (None, name, GeneratedSchema::Mysql(spec))).collect();
        generated_files(database, tables).map_err(EngineError::Split)
    }

    async fn close(self: Box<Self>) {
        self.engine.close().await
    }
}

/// A scratch engine holding its database's lock until it is closed or dropped.
struct Held<E> {
    inner: E,
    _guard: tokio::sync::OwnedMutexGuard<()>,
}

#[async_trait::async_trait]
impl<E: SchemaEngine> SchemaEngine for Held<E> {
    fn driver(&self) -> Driver {
        self.inner.driver()
    }

    fn split_dialect(&self) -> SplitDialect {
        self.inner.split_dialect()
    }

    async fn plan(&self, tables: &[TableManifest], seed_data: bool, warnings: &mut Vec<Warning>) -> Result<Plan, EngineError> {
        self.inner.plan(tables, seed_data, warnings).await
    }

    async fn plan_each(
        &self,
        tables: &[TableManifest],
        seed_data: bool,
        warnings: &mut Vec<Warning>,
    ) -> Result<Vec<Result<Plan, EngineError>>, EngineError> {
        self.inner.plan_each(tables, seed_data, warnings).await
    }

    async fn plan_views(
        &self,
        views: &[schemahero_schema::view::ViewManifest],
        warnings: &mut Vec<Warning>,
    ) -> Result<Vec<PlannedStatement>, EngineError> {
        self.inner.plan_views(views, warnings).await
    }

    async fn apply(&self, statements: &[PlannedStatement]) -> Result<(), EngineError> {
        self.inner.apply(statements).await
    }

    async fn ledger_entries(&self) -> Result<Vec<LedgerEntry>, EngineError> {
        self.inner.ledger_entries().await
    }

    async fn ledger_contains(&self, migration_id: &str) -> Result<bool, EngineError> {
        self.inner.ledger_contains(migration_id).await
    }

    async fn generate(&self, database: &str, schemas: &[String]) -> Result<Vec<GeneratedFile>, EngineError> {
        self.inner.generate(database, schemas).await
    }

    async fn close(self: Box<Self>) {
        let Held { inner, _guard } = *self;
        Box::new(inner).close().await
    }
}
