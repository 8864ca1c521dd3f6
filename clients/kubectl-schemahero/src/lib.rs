//! `kubectl-schemahero` (also installed as `schemahero`): the SchemaHero CLI, with the
//! commands and flags existing SchemaHero users already call.

mod hazard_gate;
mod install;
mod install_tls;
mod kube_mode;
mod legacy;
mod migrations;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use migrations::{Output, PlannerArgs};
use schemahero_engine::{Driver, Engine, load_specs};
use schemahero_proto::v1 as pb;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "kubectl-schemahero",
    version,
    about = "Declarative database schemas: plan, apply and generate DDL from SchemaHero Table specs"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Plan the DDL that brings a database to the Table specs.
    Plan(PlanArgs),
    /// Apply planned DDL to a database.
    Apply(ApplyArgs),
    /// Write a Table spec for every table that exists in a database.
    Generate(GenerateArgs),
    /// List migrations: `get migrations`.
    Get(GetArgs),
    /// Show a migration with its SQL, hazards and timestamps: `describe migration NAME`.
    Describe(TargetArgs),
    /// Approve a planned migration: `approve migration NAME`.
    Approve(TargetArgs),
    /// Reject a planned or approved migration: `reject migration NAME`.
    Reject(TargetArgs),
    /// Plan the migration's table afresh: `recalculate migration NAME`.
    Recalculate(TargetArgs),
    /// Install SchemaHero into the cluster (CRDs, RBAC, the watcher, planner and executors).
    Install(InstallArgs),
    /// Remove SchemaHero from the cluster; database schemas are left untouched.
    Uninstall(InstallArgs),
}

#[derive(Args)]
struct InstallArgs {
    /// The namespace for SchemaHero's own objects.
    #[arg(short = 'n', long, default_value = "schemahero-system")]
    namespace: String,
    /// Print the manifests instead of applying them (without the TLS Secrets: they hold private keys).
    #[arg(long)]
    yaml: bool,
    /// install only: the image the planner, watcher and executor run (build it with
    /// deploy/image/build.sh and push it to your registry). Default: ghcr.io/schemahero/schemahero-rs:0.1.0.
    #[arg(long, env = "SCHEMAHERO_IMAGE")]
    image: Option<String>,
    /// Only create the namespace (when missing) and the TLS Secrets (a CA and the three services'
    /// certificates, when none exists), e.g. before `helm install`.
    #[arg(long)]
    tls_secrets_only: bool,
    /// uninstall only: leave the three CRDs, and so every Database, Table and Migration, in
    /// place. This is what uninstall does anyway; the flag says so explicitly (e.g. before
    /// switching back to SchemaHero (Go), which reads the same objects).
    #[arg(long, conflicts_with = "delete_crds")]
    keep_crds: bool,
    /// uninstall only: also delete the three CRDs, and with them every Database, Table and
    /// Migration in the cluster. Says how many objects go and changes nothing without --yes.
    #[arg(long)]
    delete_crds: bool,
    /// uninstall only: confirms --delete-crds.
    #[arg(long)]
    yes: bool,
    #[command(flatten)]
    kube: kube_mode::KubeArgs,
}

#[derive(Args)]
struct GetArgs {
    /// What to list: migrations, databases, tables, functions, extensions or views (all but
    /// migrations from Kubernetes).
    resource: String,
    #[command(flatten)]
    planner: PlannerArgs,
    #[command(flatten)]
    kube: kube_mode::KubeArgs,
    /// Only this namespace.
    #[arg(short = 'n', long)]
    namespace: Option<String>,
    /// Only this database.
    #[arg(short = 'd', long)]
    database: Option<String>,
    /// Only this Table resource.
    #[arg(long)]
    table: Option<String>,
    /// Only this phase (Planned, Approved, Executing, Executed, Rejected, Failed, Superseded).
    #[arg(long)]
    phase: Option<String>,
    #[arg(short = 'o', long, value_enum, default_value = "table")]
    output: Output,
}

#[derive(Args)]
struct TargetArgs {
    /// The kind of object (migration).
    resource: String,
    /// The migration's name.
    name: String,
    #[command(flatten)]
    planner: PlannerArgs,
    #[command(flatten)]
    kube: kube_mode::KubeArgs,
    /// The Migration's namespace (default: found in any namespace).
    #[arg(short = 'n', long)]
    namespace: Option<String>,
    #[arg(short = 'o', long, value_enum, default_value = "table")]
    output: Output,
    /// approve/reject: why, kept on the migration (shown by `describe migration`).
    #[arg(long, default_value = "")]
    comment: String,
}

#[derive(Args)]
struct Connection {
    /// postgres, postgresql, cockroachdb, mysql, mariadb or sqlite.
    #[arg(long, env = "SCHEMAHERO_DRIVER")]
    driver: String,
    /// Connection URI (postgres://user:pass@host:5432/db; for mysql/mariadb mysql://user:pass@host:3306/db or
    /// user:pass@tcp(host:3306)/db) or, for sqlite, a file path or sqlite: URL.
    #[arg(long, env = "SCHEMAHERO_URI", hide_env_values = true)]
    uri: String,
}

#[derive(Args)]
struct PlanArgs {
    #[command(flatten)]
    connection: Connection,
    /// A Table manifest file, or a directory of them.
    #[arg(long)]
    spec_file: PathBuf,
    /// Kind of spec to plan: `table` (Tables, and the DatabaseExtensions they may need),
    /// `function` (Functions, Postgres), `view` (Views) or `all` (all of them, in the order they
    /// must be applied: functions, extensions, tables, then views).
    #[arg(long, default_value = "table")]
    spec_type: String,
    /// Write the plan here instead of stdout.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Overwrite --out if it exists.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    overwrite: bool,
    /// Include seed data (idempotent upserts).
    #[arg(long)]
    seed_data: bool,
    #[command(flatten)]
    hazards: hazard_gate::HazardFlags,
}

#[derive(Args)]
struct ApplyArgs {
    #[command(flatten)]
    connection: Connection,
    /// A file of DDL, or a directory of such files (applied in name order).
    #[arg(long)]
    ddl: PathBuf,
    #[command(flatten)]
    hazards: hazard_gate::HazardFlags,
}

#[derive(Args)]
struct GenerateArgs {
    #[command(flatten)]
    connection: Connection,
    /// Database name written into each spec's `database` field.
    #[arg(long, default_value = "")]
    dbname: String,
    /// Postgres schema(s) to read (repeatable or comma-separated; default: the connection's current schema).
    #[arg(long, value_delimiter = ',')]
    schema: Vec<String>,
    /// Where to write the manifests.
    #[arg(long, default_value = ".")]
    output_dir: PathBuf,
}

/// Runs the CLI; errors print as one `Error:` line and exit 1.
pub fn main_entry() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("Error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    // Traces go to OTEL_EXPORTER_OTLP_ENDPOINT when it is set (the exporter needs the runtime).
    let telemetry = runtime.block_on(async { schemahero_telemetry::init("kubectl-schemahero", false, "warn,kube_client=off") });
    let mut telemetry = match telemetry {
        Ok(t) => t,
        Err(e) => {
            eprintln!("Error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let command = std::env::args().skip(1).take(2).collect::<Vec<_>>().join(" ");
    let span = tracing::info_span!("cli", command = %command);
    let result = runtime.block_on(tracing::Instrument::instrument(run(cli), span));
    runtime.block_on(async { telemetry.shutdown() });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {}", format!("{e:#}").replace('\n', " "));
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Plan(args) => plan(args).await,
        Command::Apply(args) => apply(args).await,
        Command::Generate(args) => generate(args).await,
        Command::Get(args) => get(args).await,
        Command::Describe(args) => target(args, Verb::Describe).await,
        Command::Approve(args) => target(args, Verb::Approve).await,
        Command::Reject(args) => target(args, Verb::Reject).await,
        Command::Recalculate(args) => target(args, Verb::Recalculate).await,
        Command::Install(args) => {
            if args.keep_crds || args.delete_crds || args.yes {
                bail!("--keep-crds, --delete-crds and --yes are only for uninstall");
            }
            let image = args.image.as_deref().unwrap_or(install::DEFAULT_IMAGE);
            print!("{}", install::install(&args.kube, &args.namespace, image, args.yaml, args.tls_secrets_only).await?);
            Ok(())
        }
        Command::Uninstall(args) => {
            if args.yaml || args.tls_secrets_only || args.image.is_some() {
                bail!("--yaml, --tls-secrets-only and --image are only for install");
            }
            let crds = if args.delete_crds { install::Crds::Delete { confirmed: args.yes } } else { install::Crds::Keep };
            print!("{}", install::uninstall(&args.kube, &args.namespace, crds).await?);
            Ok(())
        }
    }
}

fn check_migration_kind(resource: &str) -> Result<()> {
    match resource {
        "migration" | "migrations" | "m" => Ok(()),
        other => bail!("unknown resource {other:?} (expected migration)"),
    }
}

async fn get(args: GetArgs) -> Result<()> {
    let phase = args.phase.as_deref().map(migrations::parse_phase).transpose()?;
    let Some(planner) = &args.planner.planner else {
        let filter = kube_mode::ListFilter { namespace: args.namespace, database: args.database, table: args.table, phase };
        print!("{}", kube_mode::get(&args.kube, &args.resource, &filter, args.output).await?);
        return Ok(());
    };
    check_migration_kind(&args.resource)?;
    let mut client = migrations::client(planner, &args.planner.tls).await?;
    let mut request = pb::ListMigrationsRequest {
        namespace: args.namespace.unwrap_or_default(),
        database: args.database.unwrap_or_default(),
        table: args.table.unwrap_or_default(),
        phase: phase.map(|p| p as i32).unwrap_or_default(),
        page_size: migrations::PAGE_SIZE,
        page_token: String::new(),
    };
    // Every page, in order (a planner from before pagination sends everything at once).
    let mut all = Vec::new();
    loop {
        let page = client.list_migrations(request.clone()).await.map_err(migrations::rpc_error)?.into_inner();
        all.extend(page.migrations);
        if page.next_page_token.is_empty() {
            break;
        }
        request.page_token = page.next_page_token;
    }
    if all.is_empty() && args.output == Output::Table {
        eprintln!("No migrations found.");
        return Ok(());
    }
    print!("{}", migrations::print_list(&all, args.output)?);
    Ok(())
}

#[derive(Clone, Copy)]
enum Verb {
    Describe,
    Approve,
    Reject,
    Recalculate,
}

async fn target(args: TargetArgs, verb: Verb) -> Result<()> {
    check_migration_kind(&args.resource)?;
    let Some(planner) = &args.planner.planner else {
        let action = match verb {
            Verb::Describe => kube_mode::Action::Describe,
            Verb::Approve => kube_mode::Action::Approve,
            Verb::Reject => kube_mode::Action::Reject,
            Verb::Recalculate => kube_mode::Action::Recalculate,
        };
        if !args.comment.is_empty() && !matches!(verb, Verb::Approve | Verb::Reject) {
            bail!("--comment is kept only by approve and reject");
        }
        print!("{}", kube_mode::act(&args.kube, args.namespace.as_deref(), &args.name, action, &args.comment, args.output).await?);
        return Ok(());
    };
    if !args.comment.is_empty() && !matches!(verb, Verb::Approve | Verb::Reject) {
        bail!("--comment is kept only by approve and reject");
    }
    let mut client = migrations::client(planner, &args.planner.tls).await?;
    let id = args.name.clone();
    let comment = args.comment.clone();
    let returned = match verb {
        Verb::Describe => client.get_migration(pb::GetMigrationRequest { id }).await.map(|r| r.into_inner().migration),
        Verb::Approve => client.approve_migration(pb::ApproveMigrationRequest { id, comment }).await.map(|r| r.into_inner().migration),
        Verb::Reject => client.reject_migration(pb::RejectMigrationRequest { id, comment }).await.map(|r| r.into_inner().migration),
        Verb::Recalculate => client.recalculate_migration(pb::RecalculateMigrationRequest { id }).await.map(|r| r.into_inner().migration),
    };
    let m = migrations::returned(returned.map_err(migrations::rpc_error)?)?;
    match verb {
        Verb::Describe => print!("{}", migrations::describe(&m, args.output)?),
        _ if args.output != Output::Table => print!("{}", migrations::describe(&m, args.output)?),
        Verb::Approve => println!("Migration {} approved", m.id),
        Verb::Reject => println!("Migration {} rejected", m.id),
        Verb::Recalculate if m.id == args.name => {
            println!("Migration {} recalculated: unchanged ({})", m.id, migrations::describe_phase(&m))
        }
        Verb::Recalculate => println!("Migration {} recalculated: now {} ({})", args.name, m.id, migrations::describe_phase(&m)),
    }
    Ok(())
}

async fn plan(args: PlanArgs) -> Result<()> {
    // The kinds each --spec-type plans (a Database is read for its connection elsewhere).
    let (kinds, what): (&[&str], &str) = match args.spec_type.as_str() {
        "table" => (&["Table", "DatabaseExtension"], "Table"),
        "function" => (&["Function"], "Function"),
        "view" => (&["View"], "View"),
        "all" => (&["Table", "DatabaseExtension", "Function", "View"], "Table, DatabaseExtension, Function or View"),
        other => bail!("--spec-type {other:?} is not supported (table, function, view or all)"),
    };
    let policy = args.hazards.policy()?;
    let driver = Driver::parse(&args.connection.driver)?;
    let loaded = load_specs(&args.spec_file)?;
    let mut warnings = loaded.warnings.clone();
    if !kinds.contains(&"Table") {
        for t in &loaded.tables {
            warnings.push(schemahero_schema::Warning {
                source: t.source.clone(),
                message: format!("skipping Table {:?} (not a {what})", t.spec.name),
            });
        }
    }
    for other in &loaded.others {
        if other.kind != "Database" && !kinds.contains(&other.kind.as_str()) {
            warnings.push(schemahero_schema::Warning {
                source: other.source.clone(),
                message: format!(
                    "skipping {} {:?} (not a {what})",
                    if other.kind.is_empty() { "document" } else { &other.kind },
                    other.name.as_deref().unwrap_or("")
                ),
            });
        }
    }
    let engine = Engine::connect(driver, &args.connection.uri).await?;
    let plan = match args.spec_type.as_str() {
        "function" => engine.plan_functions(&loaded.functions, &mut warnings).await,
        "view" => engine.plan_views(&loaded.views, &mut warnings).await,
        "all" => engine.plan_all(&loaded, args.seed_data, &mut warnings).await,
        _ => engine.plan_with_extensions(&loaded.extensions, &loaded.tables, args.seed_data, &mut warnings).await,
    };
    engine.close().await;
    let plan = plan?;
    for w in &warnings {
        eprintln!("warning: {w}");
    }
    hazard_gate::check_plan(&policy, &plan)?;
    let sql = plan.to_sql();
    match &args.out {
        Some(path) => {
            if path.exists() && !args.overwrite {
                bail!("{} exists and --overwrite=false", path.display());
            }
            std::fs::write(path, &sql).with_context(|| format!("writing {}", path.display()))?;
        }
        None => {
            std::io::stdout().write_all(sql.as_bytes()).context("writing the plan to stdout")?;
        }
    }
    Ok(())
}

async fn apply(args: ApplyArgs) -> Result<()> {
    let driver = Driver::parse(&args.connection.driver)?;
    let policy = args.hazards.policy()?;
    let script = read_ddl(&args.ddl)?;
    hazard_gate::check_script(&policy, &script)?;
    let engine = Engine::connect(driver, &args.connection.uri).await?;
    let result = engine.apply_script(&script).await;
    engine.close().await;
    let count = result?;
    eprintln!("applied {count} statement(s)");
    Ok(())
}

fn read_ddl(path: &Path) -> Result<String> {
    let meta = std::fs::metadata(path).with_context(|| format!("reading {}", path.display()))?;
    if !meta.is_dir() {
        return std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()));
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(path)
        .with_context(|| format!("reading {}", path.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')))
        .collect();
    files.sort();
    let mut script = String::new();
    for f in files {
        let text = std::fs::read_to_string(&f).with_context(|| format!("reading {}", f.display()))?;
        script.push_str(&text);
        if !text.trim_end().ends_with(';') {
            script.push(';');
        }
        script.push('\n');
    }
    Ok(script)
}

async fn generate(args: GenerateArgs) -> Result<()> {
    let driver = Driver::parse(&args.connection.driver)?;
    let engine = Engine::connect(driver, &args.connection.uri).await?;
    let files = engine.generate(&args.dbname, &args.schema).await;
    engine.close().await;
    let files = files?;
    std::fs::create_dir_all(&args.output_dir).with_context(|| format!("creating {}", args.output_dir.display()))?;
    for f in &files {
        let path = args.output_dir.join(&f.file_name);
        std::fs::write(&path, &f.contents).with_context(|| format!("writing {}", path.display()))?;
    }
    eprintln!("wrote {} table manifest(s) to {}", files.len().saturating_sub(1), args.output_dir.display());
    Ok(())
}
