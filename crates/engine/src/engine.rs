//! The one interface every database engine implements ([`SchemaEngine`]), and the [`Engine`]
//! the CLI, the planner and the executor hold: a connected engine behind that interface, so no
//! caller matches on the driver.

use crate::generate::GeneratedFile;
use crate::ledger::{self, LedgerEntry};
use crate::{Driver, EngineError, PoolLimits, adapters, sqlite_path, uri};
use schemahero_plan::{Plan, PlannedStatement, SplitDialect};
use schemahero_schema::extension::ExtensionManifest;
use schemahero_schema::function::FunctionManifest;
use schemahero_schema::object::SchemaObject;
use schemahero_schema::view::ViewManifest;
use schemahero_schema::{TableManifest, Warning};

/// What a database engine does: plan specs against the live schema, apply statements, keep the
/// ledger of applied migrations, and generate specs from a live database.
#[async_trait::async_trait]
pub trait SchemaEngine: Send + Sync {
    /// The driver this engine was connected for (Postgres and CockroachDB share one engine but
    /// read different spec sections).
    fn driver(&self) -> Driver;

    /// How `apply_script` splits a script into statements.
    fn split_dialect(&self) -> SplitDialect;

    /// Plans the tables that have a section for this driver; the others become warnings.
    async fn plan(&self, tables: &[TableManifest], seed_data: bool, warnings: &mut Vec<Warning>) -> Result<Plan, EngineError>;

    /// Plans every table on its own (its own statements and fingerprint, exactly as `plan` of it
    /// alone) from one bulk introspection. The outer error is the introspection's; a table's own
    /// failure is its entry's. A table without a section gets an empty plan and a warning.
    async fn plan_each(
        &self,
        tables: &[TableManifest],
        seed_data: bool,
        warnings: &mut Vec<Warning>,
    ) -> Result<Vec<Result<Plan, EngineError>>, EngineError>;

    /// Plans the DatabaseExtensions that have a section for this driver (Postgres); the others
    /// become warnings.
    async fn plan_extensions(
        &self,
        extensions: &[ExtensionManifest],
        warnings: &mut Vec<Warning>,
    ) -> Result<Vec<PlannedStatement>, EngineError> {
        for ext in extensions {
            warnings.push(Warning {
                source: ext.source.clone(),
                message: format!(
                    "DatabaseExtension {:?}: extensions are a Postgres feature; skipped for {}",
                    ext.name,
                    self.driver().schema_key()
                ),
            });
        }
        Ok(Vec::new())
    }

    /// Plans the Functions that have a section for this driver (Postgres); the others become
    /// warnings.
    async fn plan_functions(
        &self,
        functions: &[FunctionManifest],
        warnings: &mut Vec<Warning>,
    ) -> Result<Vec<PlannedStatement>, EngineError> {
        for f in functions {
            warnings.push(Warning {
                source: f.source.clone(),
                message: format!(
                    "Function {:?}: functions are planned on Postgres only; skipped for {}",
                    f.spec.name,
                    self.driver().schema_key()
                ),
            });
        }
        Ok(Vec::new())
    }

    /// Plans the Views that have a section for this driver, in the order given; the others
    /// become warnings.
    async fn plan_views(&self, views: &[ViewManifest], warnings: &mut Vec<Warning>) -> Result<Vec<PlannedStatement>, EngineError>;

    /// The views (`schema.name`) that read the table `schema.name` (as a planned statement names
    /// it) and make the server refuse some changes to it (Postgres only; elsewhere none).
    async fn views_reading(&self, _table: &str) -> Result<Vec<String>, EngineError> {
        Ok(Vec::new())
    }

    /// The live state of a Function, DatabaseExtension or View as text (engines without them: "").
    async fn object_state(&self, _object: &SchemaObject) -> Result<String, EngineError> {
        Ok(String::new())
    }

    /// Applies statements (one transaction where the database's DDL is transactional).
    async fn apply(&self, statements: &[PlannedStatement]) -> Result<(), EngineError>;

    /// Creates the ledger table if it is missing (the shared definition; MySQL has its own).
    async fn ensure_ledger(&self) -> Result<(), EngineError> {
        self.apply(&[PlannedStatement::new(ledger::LEDGER_TABLE, ledger::CREATE_LEDGER)]).await
    }

    async fn ledger_entries(&self) -> Result<Vec<LedgerEntry>, EngineError>;

    /// Whether the ledger (created by `ensure_ledger`) holds the migration: one indexed lookup.
    async fn ledger_contains(&self, migration_id: &str) -> Result<bool, EngineError>;

    /// Applies `statements` and records the migration in the ledger, at most once whoever runs
    /// it (see `ledger`). Where DDL is transactional, the ledger row is the plan's last
    /// statement: it commits with the DDL, and its primary key refuses a second application.
    async fn apply_recorded(
        &self,
        statements: &[PlannedStatement],
        migration_id: &str,
        fencing_token: u64,
        executor: &str,
    ) -> Result<(), EngineError> {
        self.apply(&ledger::with_ledger_row(statements, migration_id, fencing_token, executor)).await
    }

    /// An empty scratch database beside this one for validating plans (see `scratch`), with
    /// notes on what of the live database's other objects could not be copied into it; `None`
    /// when the engine has none.
    async fn scratch(&self) -> Result<Option<(Box<dyn SchemaEngine>, Vec<String>)>, EngineError> {
        Ok(None)
    }

    /// Statements that give a scratch copy of `tables` (made from their generated specs) what
    /// the specs cannot carry (Postgres: triggers, UNIQUE and CHECK constraints); run one by
    /// one, each allowed to fail.
    async fn copy_fixups(&self, _tables: &[String]) -> Result<Vec<String>, EngineError> {
        Ok(Vec::new())
    }

    /// As `generate`, for just the tables `only` names (`None`: all); engines that cannot
    /// filter generate all.
    async fn generate_only(&self, database: &str, schemas: &[String], _only: Option<&[String]>) -> Result<Vec<GeneratedFile>, EngineError> {
        self.generate(database, schemas).await
    }

    /// One Table manifest per live table (plus a kustomization.yaml).
    async fn generate(&self, database: &str, schemas: &[String]) -> Result<Vec<GeneratedFile>, EngineError>;

    async fn close(self: Box<Self>);
}

/// A connected engine.
pub struct Engine {
    pub(crate) inner: Box<dyn SchemaEngine>,
}

impl Engine {
    pub async fn connect(driver: Driver, uri: &str) -> Result<Self, EngineError> {
        Self::connect_with(driver, uri, PoolLimits::COMMAND).await
    }

    pub async fn connect_with(driver: Driver, uri: &str, limits: PoolLimits) -> Result<Self, EngineError> {
        let inner: Box<dyn SchemaEngine> = match driver {
            Driver::Postgres | Driver::CockroachDb => {
                uri::check_postgres_uri(uri)?;
                Box::new(adapters::Postgres::connect(driver, uri, limits).await?)
            }
            Driver::Sqlite => Box::new(adapters::Sqlite::open(&sqlite_path(uri)?).await?),
            Driver::Mysql => {
                uri::check_mysql_uri(uri)?;
                Box::new(adapters::Mysql::connect(uri, limits).await?)
            }
        };
        Ok(Self { inner })
    }

    pub fn driver(&self) -> Driver {
        self.inner.driver()
    }

    pub async fn plan(&self, tables: &[TableManifest], seed_data: bool, warnings: &mut Vec<Warning>) -> Result<Plan, EngineError> {
        self.inner.plan(tables, seed_data, warnings).await
    }

    /// Plans the DatabaseExtensions and then the tables (which may use the extensions' types),
    /// as one plan; its fingerprint is the tables'.
    pub async fn plan_with_extensions(
        &self,
        extensions: &[ExtensionManifest],
        tables: &[TableManifest],
        seed_data: bool,
        warnings: &mut Vec<Warning>,
    ) -> Result<Plan, EngineError> {
        let mut statements = self.inner.plan_extensions(extensions, warnings).await?;
        let plan = self.inner.plan(tables, seed_data, warnings).await?;
        statements.extend(plan.statements);
        Ok(Plan { statements, ..plan })
    }

    /// Plans Functions (`plan --spec-type function`).
    pub async fn plan_functions(&self, functions: &[FunctionManifest], warnings: &mut Vec<Warning>) -> Result<Plan, EngineError> {
        let statements = self.inner.plan_functions(functions, warnings).await?;
        Ok(Plan { statements, fingerprint: schemahero_plan::canonical::empty_fingerprint() })
    }

    /// Plans Views (`plan --spec-type view`), each after the views it reads.
    pub async fn plan_views(&self, views: &[ViewManifest], warnings: &mut Vec<Warning>) -> Result<Plan, EngineError> {
        let ordered = crate::views::in_dependency_order(self.driver(), views);
        let statements = self.inner.plan_views(&ordered, warnings).await?;
        Ok(Plan { statements, fingerprint: schemahero_plan::canonical::empty_fingerprint() })
    }

    /// Everything a set of specs holds, in the order it must be applied (`plan --spec-type
    /// all`): Functions, DatabaseExtensions, Tables, then Views (so a view comes after the tables
    /// it reads). On Postgres a managed View that reads a table this plan drops, or drops or
    /// retypes a column of (which Postgres refuses while the view exists), is dropped before the
    /// table statements and created again after them (see `views::around_table_changes`).
    pub async fn plan_all(&self, specs: &crate::LoadedSpecs, seed_data: bool, warnings: &mut Vec<Warning>) -> Result<Plan, EngineError> {
        let functions = self.inner.plan_functions(&specs.functions, warnings).await?;
        let tables = self.plan_with_extensions(&specs.extensions, &specs.tables, seed_data, warnings).await?;
        let ordered = crate::views::in_dependency_order(self.driver(), &specs.views);
        let views = self.inner.plan_views(&ordered, warnings).await?;
        let (before, table_statements, views) =
            crate::views::around_table_changes(self.inner.as_ref(), &ordered, tables.statements, views).await?;
        let statements = functions.into_iter().chain(before).chain(table_statements).chain(views).collect();
        Ok(Plan { statements, fingerprint: tables.fingerprint })
    }

    /// Plans one Function, DatabaseExtension or View on its own (the services plan them one at
    /// a time); the fingerprint is of the object's live state, compared again before applying.
    pub async fn plan_object(&self, object: &SchemaObject, warnings: &mut Vec<Warning>) -> Result<Plan, EngineError> {
        let fingerprint = self.object_fingerprint(object).await?;
        let statements = match object {
            SchemaObject::Function(f) => self.inner.plan_functions(std::slice::from_ref(f), warnings).await?,
            SchemaObject::Extension(e) => self.inner.plan_extensions(std::slice::from_ref(e), warnings).await?,
            SchemaObject::View(v) => self.inner.plan_views(std::slice::from_ref(v), warnings).await?,
        };
        Ok(Plan { statements, fingerprint })
    }

    /// The fingerprint of a Function's or DatabaseExtension's live state.
    pub async fn object_fingerprint(&self, object: &SchemaObject) -> Result<String, EngineError> {
        let state = self.inner.object_state(object).await?;
        Ok(schemahero_plan::fingerprint(&format!("{}\n{}\n{state}", object.kind(), object.object_name())))
    }

    pub async fn plan_each(
        &self,
        tables: &[TableManifest],
        seed_data: bool,
        warnings: &mut Vec<Warning>,
    ) -> Result<Vec<Result<Plan, EngineError>>, EngineError> {
        self.inner.plan_each(tables, seed_data, warnings).await
    }

    /// Splits a script into statements (by this engine's dialect) and applies them.
    pub async fn apply_script(&self, script: &str) -> Result<usize, EngineError> {
        let statements =
            schemahero_plan::split_statements_for(script, self.inner.split_dialect()).map_err(|e| EngineError::Split(e.to_string()))?;
        self.apply(&statements).await?;
        Ok(statements.len())
    }

    /// Applies SQL that did not come from a plan (a script, a test): each statement's kind and
    /// table are read from its text once, here.
    pub async fn apply(&self, statements: &[String]) -> Result<(), EngineError> {
        let statements: Vec<PlannedStatement> = statements.iter().map(|sql| PlannedStatement::new("", sql.as_str())).collect();
        self.inner.apply(&statements).await
    }

    /// Applies planned statements as they are (their kind and table go to the traces).
    pub async fn apply_statements(&self, statements: &[PlannedStatement]) -> Result<(), EngineError> {
        self.inner.apply(statements).await
    }

    pub async fn ensure_ledger(&self) -> Result<(), EngineError> {
        self.inner.ensure_ledger().await
    }

    pub async fn ledger_entries(&self) -> Result<Vec<LedgerEntry>, EngineError> {
        self.inner.ledger_entries().await
    }

    pub async fn ledger_contains(&self, migration_id: &str) -> Result<bool, EngineError> {
        self.inner.ledger_contains(migration_id).await
    }

    pub async fn apply_recorded(
        &self,
        statements: &[PlannedStatement],
        migration_id: &str,
        fencing_token: u64,
        executor: &str,
    ) -> Result<(), EngineError> {
        self.inner.apply_recorded(statements, migration_id, fencing_token, executor).await
    }

    pub async fn generate(&self, database: &str, schemas: &[String]) -> Result<Vec<GeneratedFile>, EngineError> {
        self.inner.generate(database, schemas).await
    }

    pub async fn close(self) {
        self.inner.close().await
    }
}

/// The fingerprint of a plan that is right whatever the live state is by the time it runs (the
/// removal of a deleted object, `DROP … IF EXISTS`): the executor does not compare it. Not
/// empty, because Kubernetes 1.20 validates an empty string in a CR as null.
pub const UNCHECKED_FINGERPRINT: &str = "unchecked";

/// The statements that remove a Function or DatabaseExtension whose resource was deleted with
/// `removeOnDeletion`. Planned without a connection (the resource may go while its database is
/// unreachable): they use `IF EXISTS`. Engines without such objects plan nothing (a warning).
pub fn object_removal(driver: Driver, object: &SchemaObject, warnings: &mut Vec<Warning>) -> Vec<PlannedStatement> {
    let statement = match (driver, object) {
        (Driver::Postgres, SchemaObject::Function(f)) => {
            f.spec.schema.as_ref().and_then(|s| s.postgres.as_ref()).map(|pg| schemahero_postgres::functions::removal(&f.spec.name, pg))
        }
        (Driver::Postgres, SchemaObject::Extension(e)) => e.spec.postgres.as_ref().map(schemahero_postgres::extensions::removal),
        _ => None,
    };
    if statement.is_none() {
        warnings.push(Warning {
            source: object.source().to_string(),
            message: format!("{} {:?}: nothing to remove on {}", object.kind(), object.object_name(), driver.schema_key()),
        });
    }
    statement.into_iter().collect()
}
