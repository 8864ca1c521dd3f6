//! Benchmark of the three services as real processes, on Postgres with the default sslmode
//! (TLS on this machine). Prints, for each N (default 1000 and 10000):
//! - cold start: planner and watcher started on N table specs (5% changed) → every table
//!   planned (from the planner's `schemahero_plans_total`), with the number that failed;
//! - a drift pass over the N tables (`schemahero_drift_pass_duration_seconds`);
//! - change → Migration: 100 edits of single spec files, each timed from the moment the file
//!   is written to the moment its Migration is listed (p50, p99);
//! - peak RSS of planner and watcher.
//!
//! Then executor throughput: M independent databases, one small table each (three statements
//! and a ledger row), `immediateDeploy`; planned first, then 1, 2 and 4 executors started and
//! timed until every migration is Executed; with the time the same statements take applied
//! directly, the per-migration overhead of claim → apply → report.
//!
//! Figures only; nothing here asserts a time.

use anyhow::{Context, Result, bail};
use schemahero_integration::bench::*;
use schemahero_proto::v1 as pb;
use schemahero_proto::v1::migration_service_client::MigrationServiceClient;
use std::path::Path;
use std::time::{Duration, Instant};
use tonic::transport::Channel;

const EDITS: usize = 100;
const EXECUTOR_DATABASES: usize = 40;

/// Starts a planner on a fresh SQLite store; returns it, its gRPC URL and its metrics address.
fn start_planner(dir: &Path, drift_secs: u64) -> Result<(Service, String, String)> {
    let metrics = format!("127.0.0.1:{}", free_port()?);
    let store = dir.join("planner.db");
    let mut planner = spawn(
        "schemahero-planner",
        &[
            "--listen",
            "127.0.0.1:0",
            "--store",
            store.to_str().context("utf-8 path")?,
            "--drift-interval-secs",
            &drift_secs.to_string(),
            "--metrics-listen",
            &metrics,
        ],
        &dir.join("planner.log"),
    )?;
    let address = planner_url(&mut planner)?;
    Ok((planner, address, metrics))
}

fn start_watcher(dir: &Path, planner: &str, specs: &Path) -> Result<Service> {
    spawn("schemahero-watcher", &["--planner", planner, "--spec-dir", specs.to_str().context("utf-8 path")?], &dir.join("watcher.log"))
}

async fn client(planner: &str) -> Result<MigrationServiceClient<Channel>> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match Channel::from_shared(planner.to_string())?.connect().await {
            Ok(channel) => return Ok(MigrationServiceClient::new(channel)),
            Err(e) if Instant::now() > deadline => bail!("cannot reach the planner at {planner}: {e}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
}

/// Polls the metrics every 10 ms until `done` holds; returns the last scrape.
async fn wait_metrics(address: &str, timeout: Duration, what: &str, done: impl Fn(&str) -> bool) -> Result<String> {
    let deadline = Instant::now() + timeout;
    loop {
        let text = scrape(address).await;
        if done(&text) {
            return Ok(text);
        }
        if Instant::now() > deadline {
            bail!("timed out after {timeout:?} waiting for {what}");
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    // `bench-services 1000 10000`, `bench-services 1000 executors` or `bench-services executors`.
    let args: Vec<String> = std::env::args().skip(1).collect();
    let executors = args.is_empty() || args.iter().any(|a| a == "executors");
    let sizes: Vec<usize> =
        args.iter().filter(|a| *a != "executors").map(|a| a.parse().context("sizes are numbers")).collect::<Result<_>>()?;
    let sizes = if args.is_empty() { vec![1000, 10000] } else { sizes };
    println!(
        "{:>7} {:>12} {:>7} {:>9} {:>11} {:>10} {:>10} {:>14} {:>14}",
        "tables", "cold_start_s", "failed", "drift_s", "migrations", "edit_p50", "edit_p99", "planner_rss_mb", "watcher_rss_mb"
    );
    for n in sizes {
        tables_benchmark(n).await?;
    }
    if executors {
        executors_benchmark().await?;
    }
    Ok(())
}

async fn tables_benchmark(n: usize) -> Result<()> {
    let uri = database_of_tables(&format!("shbench_svc_{n}"), n).await?;
    let dir = scratch(&format!("services-{n}"))?;
    let specs = dir.join("specs");
    write_table_specs(&specs, n, "bench")?;
    std::fs::write(
        specs.join("database.yaml"),
        format!(
            "apiVersion: databases.schemahero.io/v1alpha4\nkind: Database\nmetadata:\n  name: bench\nspec:\n  connection:\n    postgres:\n      uri:\n        value: {uri}\n"
        ),
    )?;
    let drift_secs = 10 + n as u64 / 500;
    let started = Instant::now();
    let (planner, address, metrics) = start_planner(&dir, drift_secs)?;
    let watcher = start_watcher(&dir, &address, &specs)?;
    let planned = wait_metrics(&metrics, Duration::from_secs(600), "every table planned", |m| {
        metric(m, "schemahero_plans_total", &["reason=\"spec\""]) >= n as f64
    })
    .await?;
    let cold = started.elapsed().as_secs_f64();
    let failed = metric(&planned, "schemahero_plans_total", &["outcome=\"error\""]);
    let migrations = metric(&planned, "schemahero_plans_total", &["reason=\"spec\"", "outcome=\"migration\""]);

    let drift = wait_metrics(&metrics, Duration::from_secs(drift_secs * 3 + 60), "a drift pass", |m| {
        metric(m, "schemahero_drift_pass_duration_seconds_count", &[]) >= 1.0
    })
    .await?;
    let drift_s = metric(&drift, "schemahero_drift_pass_duration_seconds_sum", &[]);

    let mut client = client(&address).await?;
    let mut latencies = Vec::with_capacity(EDITS);
    for k in 0..EDITS {
        // Tables not changed by the specs (i % 20 != 0), each edited once.
        let i = (k * 7 + 1) % n;
        let i = if i.is_multiple_of(20) { i + 1 } else { i };
        let table = format!("t{i}");
        let column = format!("edit{k}");
        std::fs::write(table_file(&specs, i), table_spec(i, "bench", &[&column]))?;
        let written = Instant::now();
        loop {
            let request = pb::ListMigrationsRequest { namespace: "default".into(), table: table.clone(), ..Default::default() };
            let listed = client.list_migrations(request).await?;
            if listed.into_inner().migrations.iter().any(|m| m.statements.iter().any(|s| s.sql.contains(&column))) {
                break;
            }
            if written.elapsed() > Duration::from_secs(60) {
                bail!("no migration for the edit of {table} after 60 s");
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        latencies.push(written.elapsed().as_secs_f64() * 1000.0);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    latencies.sort_by(|a, b| a.total_cmp(b));
    println!(
        "{n:>7} {cold:>12.2} {failed:>7} {drift_s:>9.2} {migrations:>11} {:>8.1}ms {:>8.1}ms {:>14.1} {:>14.1}",
        quantile(&latencies, 0.5),
        quantile(&latencies, 0.99),
        peak_rss_mb(&planner.child),
        peak_rss_mb(&watcher.child)
    );
    drop(watcher);
    drop(planner);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

const SMALL_TABLE: &str = "      primaryKey: [id]\n      indexes:\n        - columns: [name]\n        - columns: [email]\n          isUnique: true\n      columns:\n        - name: id\n          type: bigint\n        - name: name\n          type: text\n          constraints: {notNull: true}\n        - name: email\n          type: varchar(255)\n        - name: created_at\n          type: timestamptz\n          default: now()\n";

async fn executors_benchmark() -> Result<()> {
    println!(
        "\nexecutors: {EXECUTOR_DATABASES} independent databases, one migration each (3 statements + ledger row), TLS\n{:>9} {:>9} {:>14} {:>15} {:>16}",
        "executors", "total_s", "migrations/s", "per_migration", "executor_rss_mb"
    );
    let mut per_migration_one = 0.0;
    let mut statements: Vec<Vec<schemahero_plan::PlannedStatement>> = Vec::new();
    let mut baseline_throughput = 0.0;
    for executors in [1usize, 2, 4] {
        let dir = scratch(&format!("executors-{executors}"))?;
        let specs = dir.join("specs");
        std::fs::create_dir_all(&specs)?;
        for j in 0..EXECUTOR_DATABASES {
            let uri = fresh_database(&format!("shbench_ex_{j}")).await?;
            std::fs::write(
                specs.join(format!("db{j:02}.yaml")),
                format!(
                    "apiVersion: databases.schemahero.io/v1alpha4\nkind: Database\nmetadata:\n  name: db{j}\nspec:\n  immediateDeploy: true\n  connection:\n    postgres:\n      uri:\n        value: {uri}\n"
                ),
            )?;
            std::fs::write(
                specs.join(format!("small{j:02}.yaml")),
                format!(
                    "apiVersion: schemas.schemahero.io/v1alpha4\nkind: Table\nmetadata:\n  name: small{j}\nspec:\n  database: db{j}\n  name: small{j}\n  schema:\n    postgres:\n{SMALL_TABLE}"
                ),
            )?;
        }
        let (planner, address, metrics) = start_planner(&dir, 3600)?;
        let _watcher = start_watcher(&dir, &address, &specs)?;
        wait_metrics(&metrics, Duration::from_secs(120), "every migration approved", |m| {
            metric(m, "schemahero_migrations_total", &["phase=\"Approved\""]) >= EXECUTOR_DATABASES as f64
        })
        .await?;
        let started = Instant::now();
        let mut running = Vec::new();
        for e in 0..executors {
            running.push(spawn(
                "schemahero-executor",
                &["--planner", &address, "--id", &format!("bench-{e}"), "--poll-interval-ms", "100"],
                &dir.join(format!("executor-{e}.log")),
            )?);
        }
        wait_metrics(&metrics, Duration::from_secs(300), "every migration executed", |m| {
            metric(m, "schemahero_migrations_total", &["phase=\"Executed\""]) >= EXECUTOR_DATABASES as f64
        })
        .await?;
        let total = started.elapsed().as_secs_f64();
        let rss = running.iter().map(|s| peak_rss_mb(&s.child)).fold(0.0, f64::max);
        let throughput = EXECUTOR_DATABASES as f64 / total;
        if executors == 1 {
            per_migration_one = total / EXECUTOR_DATABASES as f64;
            baseline_throughput = throughput;
            let mut client = client(&address).await?;
            let all = client.list_migrations(pb::ListMigrationsRequest::default()).await?.into_inner().migrations;
            statements = all.iter().map(|m| m.statements.iter().map(Into::into).collect()).collect();
        }
        let speedup = if baseline_throughput > 0.0 { throughput / baseline_throughput } else { 0.0 };
        println!(
            "{executors:>9} {total:>9.2} {throughput:>10.1} ({speedup:.2}x) {:>12.1}ms {rss:>16.1}",
            total * 1000.0 / EXECUTOR_DATABASES as f64
        );
        drop(running);
        drop(planner);
        let _ = std::fs::remove_dir_all(&dir);
    }
    // The same statements (and ledger row) applied directly on an open connection.
    let uri = fresh_database("shbench_ex_direct").await?;
    let engine = schemahero_engine::Engine::connect(schemahero_engine::Driver::Postgres, &uri).await?;
    engine.ensure_ledger().await?;
    let mut direct = Vec::new();
    for (k, migration) in statements.iter().enumerate() {
        let started = Instant::now();
        engine.apply_recorded(migration, &format!("direct-{k}"), 1, "bench").await?;
        direct.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    engine.close().await;
    let (_, ddl_ms, _) = spread(&mut direct);
    println!(
        "one executor: {:.1} ms per migration; the DDL and ledger row alone: {ddl_ms:.1} ms (median); claim → apply → report overhead: {:.1} ms",
        per_migration_one * 1000.0,
        per_migration_one * 1000.0 - ddl_ms
    );
    Ok(())
}
