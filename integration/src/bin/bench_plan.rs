//! Benchmark: `plan` over N tables in Postgres with 5% of them changed.
//!
//! For each N given (default 1000 and 10000): creates N tables (bigserial key, text, numeric with
//! a default, timestamptz, an index, and a foreign key to the previous table) in a fresh
//! database, writes one spec file per table with every 20th table gaining a column, then runs
//! the real CLI binary (`kubectl-schemahero plan`) several times and prints the wall time and
//! the peak resident memory of each run. Figures only; nothing here asserts a time.

use anyhow::{Context, Result, bail};
use sqlx::{Connection, PgConnection};
use std::path::{Path, PathBuf};
use std::time::Instant;

const RUNS: usize = 3;

fn server() -> String {
    std::env::var("SCHEMAHERO_TEST_POSTGRES").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<()> {
    let sizes: Vec<usize> = std::env::args().skip(1).map(|a| a.parse().context("sizes are numbers")).collect::<Result<_>>()?;
    let sizes = if sizes.is_empty() { vec![1000, 10000] } else { sizes };
    let cli = cli_path()?;
    println!("{:>7} {:>9} {:>11} {:>11} {:>11} {:>12}", "tables", "changed", "min_s", "median_s", "max_s", "peak_rss_mb");
    for n in sizes {
        let uri = setup_database(n).await?;
        let specs = write_specs(n)?;
        let mut times = Vec::new();
        let mut peak_kb = 0;
        let mut statements = 0;
        for _ in 0..RUNS {
            let (secs, rss_kb, out) = run_plan(&cli, &uri, &specs)?;
            times.push(secs);
            peak_kb = peak_kb.max(rss_kb);
            statements = out.lines().filter(|l| l.ends_with(';')).count();
        }
        times.sort_by(|a, b| a.total_cmp(b));
        println!(
            "{n:>7} {statements:>9} {:>11.3} {:>11.3} {:>11.3} {:>12.1}",
            times[0],
            times[times.len() / 2],
            times[times.len() - 1],
            peak_kb as f64 / 1024.0
        );
        if statements != n.div_ceil(20) {
            bail!("expected {} planned statements for {n} tables, got {statements}", n.div_ceil(20));
        }
        let _ = std::fs::remove_dir_all(&specs);
    }
    Ok(())
}

fn cli_path() -> Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let dir = exe.parent().context("binary directory")?;
    let cli = dir.join("kubectl-schemahero");
    if !cli.exists() {
        bail!("{} not found: build it first (cargo build --release -p kubectl-schemahero)", cli.display());
    }
    Ok(cli)
}

async fn setup_database(n: usize) -> Result<String> {
    let name = format!("shbench_{n}");
    let mut admin = PgConnection::connect(&format!("{}/postgres", server())).await.context("connect to postgres")?;
    for sql in [format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"), format!("CREATE DATABASE \"{name}\"")] {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut admin).await?;
    }
    admin.close().await?;
    let uri = format!("{}/{name}", server());
    let mut conn = PgConnection::connect(&uri).await?;
    let started = Instant::now();
    for chunk in (0..n).collect::<Vec<_>>().chunks(500) {
        let mut sql = String::from("BEGIN;\n");
        for &i in chunk {
            sql.push_str(&format!(
                "CREATE TABLE t{i} (id bigserial PRIMARY KEY, name text NOT NULL, ref_id bigint, amount numeric(10,2) DEFAULT 0, created_at timestamptz DEFAULT now());\n\
                 CREATE INDEX idx_t{i}_name ON t{i} (name);\n"
            ));
            if i > 0 {
                sql.push_str(&format!(
                    "ALTER TABLE t{i} ADD CONSTRAINT t{i}_ref_id_fkey FOREIGN KEY (ref_id) REFERENCES t{} (id);\n",
                    i - 1
                ));
            }
        }
        sql.push_str("COMMIT;\n");
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut conn).await?;
    }
    conn.close().await?;
    eprintln!("created {n} tables in {:.1}s", started.elapsed().as_secs_f64());
    Ok(uri)
}

fn write_specs(n: usize) -> Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("schemahero-bench-{n}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    for i in 0..n {
        let mut spec = format!(
            "apiVersion: schemas.schemahero.io/v1alpha4\nkind: Table\nmetadata:\n  name: t{i}\nspec:\n  database: bench\n  name: t{i}\n  schema:\n    postgres:\n      primaryKey: [id]\n"
        );
        if i > 0 {
            spec.push_str(&format!(
                "      foreignKeys:\n        - columns: [ref_id]\n          references: {{table: t{}, columns: [id]}}\n",
                i - 1
            ));
        }
        spec.push_str("      indexes:\n        - columns: [name]\n      columns:\n");
        for (name, ty, extra) in [
            ("id", "bigserial", ""),
            ("name", "text", "          constraints: {notNull: true}\n"),
            ("ref_id", "bigint", ""),
            ("amount", "decimal(10,2)", "          default: 0\n"),
            ("created_at", "timestamptz", "          default: now()\n"),
        ] {
            spec.push_str(&format!("        - name: {name}\n          type: {ty}\n{extra}"));
        }
        if i % 20 == 0 {
            spec.push_str("        - name: extra\n          type: text\n");
        }
        std::fs::write(dir.join(format!("t{i:05}.yaml")), spec)?;
    }
    Ok(dir)
}

/// Runs the CLI once; returns wall seconds, peak RSS in KiB (from wait4) and stdout.
fn run_plan(cli: &Path, uri: &str, specs: &Path) -> Result<(f64, i64, String)> {
    let out_file = specs.with_extension("plan.sql");
    let started = Instant::now();
    let child = std::process::Command::new(cli)
        .args(["plan", "--driver", "postgres", "--uri", uri, "--spec-file"])
        .arg(specs)
        .arg("--out")
        .arg(&out_file)
        .spawn()?;
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: rusage is plain old data; wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let secs = started.elapsed().as_secs_f64();
    if waited != pid || !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) != 0 {
        bail!("plan failed (status {status})");
    }
    let out = std::fs::read_to_string(&out_file)?;
    let _ = std::fs::remove_file(&out_file);
    Ok((secs, usage.ru_maxrss, out))
}
