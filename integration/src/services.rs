//! Running the real binaries (planner, watcher, executors, CLI) as processes for tests.

use schemahero_proto::v1 as pb;
use schemahero_proto::v1::executor_service_client::ExecutorServiceClient;
use schemahero_proto::v1::migration_service_client::MigrationServiceClient;
use schemahero_proto::v1::resource_service_client::ResourceServiceClient;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use tonic::transport::Channel;

/// The directory holding the workspace's binaries, built once per test process.
pub fn bin_dir() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let status = Command::new(cargo)
                .args([
                    "build",
                    "--quiet",
                    "-p",
                    "schemahero-planner",
                    "-p",
                    "schemahero-watcher",
                    "-p",
                    "schemahero-executor",
                    "-p",
                    "kubectl-schemahero",
                ])
                .status()
                .expect("run cargo build for the service binaries");
            assert!(status.success(), "building the service binaries failed");
            // target/debug/deps/<test> → target/debug
            let exe = std::env::current_exe().expect("test executable path");
            exe.parent().and_then(Path::parent).expect("target directory").to_path_buf()
        })
        .clone()
}

/// A child process killed when dropped; its stderr goes to `log`.
pub struct Proc {
    pub child: Child,
    pub log: PathBuf,
    pub name: String,
}

impl Proc {
    pub fn kill9(&mut self) {
        let _ = self.child.kill(); // SIGKILL
        let _ = self.child.wait();
    }

    pub fn terminate(&mut self) -> Option<std::process::ExitStatus> {
        // SIGTERM, then wait.
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.kill9();
        None
    }

    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill9();
    }
}

pub fn spawn(name: &str, binary: &str, args: &[&str], dir: &Path) -> Proc {
    spawn_with_env(name, binary, args, &[], dir)
}

pub fn spawn_with_env(name: &str, binary: &str, args: &[&str], env: &[(&str, &str)], dir: &Path) -> Proc {
    let log = dir.join(format!("{name}.log"));
    let stderr = std::fs::File::create(&log).expect("log file");
    let child = Command::new(bin_dir().join(binary))
        .args(args)
        .envs(env.iter().copied())
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .unwrap_or_else(|e| panic!("start {binary}: {e}"));
    Proc { child, log, name: name.to_string() }
}

/// Starts a planner with exactly `args`; returns it and the `host:port` it printed.
pub fn spawn_planner(dir: &Path, args: &[&str]) -> (Proc, String) {
    let mut p = spawn("planner", "schemahero-planner", args, dir);
    let address = planner_address(&mut p);
    (p, address)
}

/// Reads the `host:port` a planner prints on its first line of stdout.
fn planner_address(p: &mut Proc) -> String {
    let stdout = p.child.stdout.take().expect("planner stdout");
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).expect("planner prints its address");
    let address =
        line.trim().strip_prefix("planner listening on ").unwrap_or_else(|| panic!("unexpected planner output {line:?}: {}", p.log_text()));
    address.to_string()
}

/// Starts a planner on `listen` (use 127.0.0.1:0 for a free port); returns it and its address.
pub fn start_planner(dir: &Path, listen: &str, store: &Path, drift_secs: u64) -> (Proc, String) {
    let mut p = spawn(
        "planner",
        "schemahero-planner",
        &[
            "--listen",
            listen,
            "--store",
            store.to_str().expect("utf-8 path"),
            "--drift-interval-secs",
            &drift_secs.to_string(),
            "--debounce-ms",
            "100",
        ],
        dir,
    );
    let address = planner_address(&mut p);
    (p, format!("http://{address}"))
}

/// A planner in Kubernetes mode serving `namespace` (its fencing ConfigMap lives there too).
pub fn start_planner_k8s(dir: &Path, namespace: &str, drift_secs: u64) -> (Proc, String) {
    let mut p = spawn(
        "planner",
        "schemahero-planner",
        &[
            "--kubernetes",
            "--namespace",
            namespace,
            "--watch-namespace",
            namespace,
            "--listen",
            "127.0.0.1:0",
            "--drift-interval-secs",
            &drift_secs.to_string(),
            "--debounce-ms",
            "100",
            // Leader election stays on, as in a cluster; a long Lease lets the leader ride out
            // kubernetes_restart.rs's API server restart (it retries renewals for 19 s).
            "--lease-duration-secs",
            "60",
        ],
        dir,
    );
    let address = planner_address(&mut p);
    (p, format!("http://{address}"))
}

pub fn start_watcher_k8s(dir: &Path, planner: &str, namespace: &str) -> Proc {
    spawn("watcher", "schemahero-watcher", &["--kubernetes", "--namespace", namespace, "--planner", planner], dir)
}

pub fn start_watcher(dir: &Path, planner: &str, specs: &Path) -> Proc {
    spawn(
        "watcher",
        "schemahero-watcher",
        &["--planner", planner, "--spec-dir", specs.to_str().expect("utf-8 path"), "--poll-interval-ms", "100"],
        dir,
    )
}

pub fn start_executor(dir: &Path, planner: &str, id: &str, lease_seconds: u32) -> Proc {
    spawn(
        id,
        "schemahero-executor",
        &["--planner", planner, "--id", id, "--lease-seconds", &lease_seconds.to_string(), "--poll-interval-ms", "100"],
        dir,
    )
}

/// Runs the CLI to completion.
pub fn cli(args: &[&str]) -> Output {
    Command::new(bin_dir().join("kubectl-schemahero")).args(args).output().expect("run the CLI")
}

/// A channel to the planner, waiting up to 10 s for it to listen.
pub async fn channel(planner: &str) -> Channel {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match Channel::from_shared(planner.to_string()).expect("planner URL").connect().await {
            Ok(channel) => return channel,
            Err(e) if Instant::now() > deadline => panic!("cannot reach the planner at {planner}: {e}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

/// The planner's `MigrationService`: what a reviewer (the CLI) uses, and what most tests need.
pub type Client = MigrationServiceClient<Channel>;

/// A `MigrationService` client, as a reviewer has.
pub async fn client(planner: &str) -> Client {
    MigrationServiceClient::new(channel(planner).await)
}

/// An `ExecutorService` client, as an executor has.
pub async fn executor_client(planner: &str) -> ExecutorServiceClient<Channel> {
    ExecutorServiceClient::new(channel(planner).await)
}

/// A `ResourceService` client, as a watcher has.
pub async fn resource_client(planner: &str) -> ResourceServiceClient<Channel> {
    ResourceServiceClient::new(channel(planner).await)
}

/// Approves migration `id`; panics when the planner refuses.
pub async fn approve_migration(client: &mut Client, id: &str) -> pb::Migration {
    match client.approve_migration(pb::ApproveMigrationRequest { id: id.to_string(), ..Default::default() }).await {
        Ok(r) => r.into_inner().migration.expect("the approved migration"),
        Err(status) => panic!("approve {id}: {status}"),
    }
}

/// Migration `id`; panics when the planner does not return it.
pub async fn get_migration(client: &mut Client, id: &str) -> pb::Migration {
    match client.get_migration(pb::GetMigrationRequest { id: id.to_string() }).await {
        Ok(r) => r.into_inner().migration.expect("the migration"),
        Err(status) => panic!("get {id}: {status}"),
    }
}

/// The migrations of `table` (all of them when empty); none while the planner is unreachable.
pub async fn migrations(client: &mut Client, table: &str) -> Vec<pb::Migration> {
    match client.list_migrations(pb::ListMigrationsRequest { table: table.to_string(), ..Default::default() }).await {
        Ok(r) => r.into_inner().migrations,
        Err(_) => Vec::new(), // a restarting planner: callers poll
    }
}

/// Polls `check` until it returns Some, or panics with `what` after `timeout`.
pub async fn wait_for<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        if Instant::now() > deadline {
            panic!("timed out after {timeout:?} waiting for {what}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub fn phase(m: &pb::Migration) -> pb::Phase {
    pb::Phase::try_from(m.phase).unwrap_or_default()
}

/// A fresh scratch directory for one test.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("schemahero-svc-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// The Postgres server the tests use (`SCHEMAHERO_TEST_POSTGRES`), without a database.
pub fn postgres_server() -> String {
    std::env::var("SCHEMAHERO_TEST_POSTGRES").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

/// Drops and re-creates database `name`; returns its URI (default sslmode: TLS here).
pub async fn fresh_postgres_database(name: &str) -> String {
    use sqlx::{Connection, PgConnection};
    let name = &crate::test_db_name(name);
    let server = postgres_server();
    let mut admin = PgConnection::connect(&format!("{server}/postgres")).await.expect("PostgreSQL must be reachable");
    // The scratch database plans are validated in (`<name>_shscratch`) goes too.
    for sql in [
        format!("DROP DATABASE IF EXISTS \"{name}_shscratch\" WITH (FORCE)"),
        format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
        format!("CREATE DATABASE \"{name}\""),
    ] {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut admin).await.expect("re-create the test database");
    }
    format!("{server}/{name}")
}

/// A Database manifest for the watcher, with its URI as a plain value.
pub fn postgres_database_yaml(name: &str, uri: &str, immediate: bool) -> String {
    format!(
        "apiVersion: databases.schemahero.io/v1alpha4\nkind: Database\nmetadata:\n  name: {name}\nspec:\n  immediateDeploy: {immediate}\n  connection:\n    postgres:\n      uri:\n        value: {uri}\n"
    )
}

/// The lines a process prints on stdout, read by a thread as they come.
pub struct StdoutLines {
    lines: std::sync::mpsc::Receiver<String>,
}

impl StdoutLines {
    /// Takes `p`'s stdout (so nothing else may read it).
    pub fn of(p: &mut Proc) -> Self {
        let stdout = p.child.stdout.take().expect("stdout not taken yet");
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { return };
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        Self { lines }
    }

    /// The rest of the first line starting with `prefix` printed within `timeout`, or None.
    pub fn wait_for(&self, prefix: &str, timeout: Duration) -> Option<String> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.checked_duration_since(Instant::now())?;
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    if let Some(rest) = line.strip_prefix(prefix) {
                        return Some(rest.trim().to_string());
                    }
                }
                Err(_) => return None,
            }
        }
    }
}

/// What a gRPC health endpoint at `host:port` says of `service` (`Serving`, `NotServing`, …).
pub async fn health_of(address: &str, service: &str) -> Result<tonic_health::pb::health_check_response::ServingStatus, tonic::Status> {
    use tonic_health::pb::health_check_response::ServingStatus;
    let channel = Channel::from_shared(format!("http://{address}"))
        .map_err(|e| tonic::Status::invalid_argument(e.to_string()))?
        .connect_timeout(Duration::from_secs(5))
        .connect()
        .await
        .map_err(|e| tonic::Status::unavailable(e.to_string()))?;
    let response = tonic_health::pb::health_client::HealthClient::new(channel)
        .check(tonic_health::pb::HealthCheckRequest { service: service.to_string() })
        .await?
        .into_inner();
    Ok(ServingStatus::try_from(response.status).unwrap_or(ServingStatus::Unknown))
}
