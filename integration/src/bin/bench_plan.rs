//! Benchmark of the CLI: `plan` over N tables in Postgres with 5% of them changed, next to
//! `pg_dump --schema-only` of the same database, and `apply` of a 53-statement plan; both over
//! TLS (the default sslmode here) and over plaintext (`sslmode=disable`).
//!
//! For each N given (default 1000 and 10000): creates N tables (bigserial key, text, numeric
//! with a default, timestamptz, an index, and a foreign key to the previous table) in a fresh
//! database, writes one spec file per table with every 20th table gaining a column, then runs
//! the real CLI binary several times and prints wall times and peak resident memory. Figures
//! only; nothing here asserts a time.

use anyhow::{Context, Result, bail};
use schemahero_integration::bench::*;
use std::path::Path;
use std::process::Command;

const RUNS: usize = 3;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<()> {
    let sizes: Vec<usize> = std::env::args().skip(1).map(|a| a.parse().context("sizes are numbers")).collect::<Result<_>>()?;
    let sizes = if sizes.is_empty() { vec![1000, 10000] } else { sizes };
    let cli = sibling_binary("kubectl-schemahero")?;
    println!("plan (kubectl-schemahero plan, real process; seconds over {RUNS} runs)");
    println!(
        "{:>7} {:>9} {:>10} {:>10} {:>10} {:>12} {:>14} {:>15}",
        "tables", "changed", "min_s", "median_s", "max_s", "peak_rss_mb", "plaintext_s", "pg_dump_tls_s"
    );
    for n in sizes {
        let name = format!("shbench_{n}");
        let uri = database_of_tables(&name, n).await?;
        let specs = scratch(&format!("plan-{n}"))?;
        write_table_specs(&specs, n, "bench")?;
        let out_file = specs.with_extension("plan.sql");
        let mut times = Vec::new();
        let mut plaintext = Vec::new();
        let mut peak_kb = 0;
        for _ in 0..RUNS {
            let (secs, rss_kb) = run_measured(&mut plan_command(&cli, &uri, &specs, &out_file))?;
            times.push(secs);
            peak_kb = peak_kb.max(rss_kb);
            plaintext.push(run_measured(&mut plan_command(&cli, &format!("{uri}?sslmode=disable"), &specs, &out_file))?.0);
        }
        let statements = std::fs::read_to_string(&out_file)?.lines().filter(|l| l.ends_with(';')).count();
        let mut dumps = Vec::new();
        for _ in 0..RUNS {
            let mut dump = Command::new("pg_dump");
            dump.args(["--schema-only", "-h", "127.0.0.1", "-U", "postgres", "-d", &name, "-f", "/dev/null"]);
            dumps.push(run_measured(&mut dump)?.0);
        }
        let (min, median, max) = spread(&mut times);
        println!(
            "{n:>7} {statements:>9} {min:>10.3} {median:>10.3} {max:>10.3} {:>12.1} {:>14.3} {:>15.3}",
            peak_kb as f64 / 1024.0,
            spread(&mut plaintext).1,
            spread(&mut dumps).1
        );
        if statements != n.div_ceil(20) {
            bail!("expected {} planned statements for {n} tables, got {statements}", n.div_ceil(20));
        }
        let _ = std::fs::remove_dir_all(&specs);
        let _ = std::fs::remove_file(&out_file);
    }
    apply_benchmark(&cli).await
}

fn plan_command(cli: &Path, uri: &str, specs: &Path, out: &Path) -> Command {
    let mut command = Command::new(cli);
    command.args(["plan", "--driver", "postgres", "--uri", uri, "--spec-file"]).arg(specs).arg("--out").arg(out);
    command
}

/// `apply` of a 53-statement plan (50 tables, 3 indexes) into a fresh database, TLS and plaintext.
async fn apply_benchmark(cli: &Path) -> Result<()> {
    let dir = scratch("apply")?;
    let script = dir.join("plan.sql");
    let mut sql = String::new();
    for i in 0..50 {
        sql.push_str(&format!("CREATE TABLE a{i} (id bigint PRIMARY KEY, name text NOT NULL, created_at timestamptz DEFAULT now());\n"));
    }
    for i in 0..3 {
        sql.push_str(&format!("CREATE INDEX idx_a{i}_name ON a{i} (name);\n"));
    }
    std::fs::write(&script, sql)?;
    println!("\napply (kubectl-schemahero apply of 53 statements into a fresh database; seconds over {RUNS} runs)");
    println!("{:>10} {:>10} {:>10} {:>10}", "mode", "min_s", "median_s", "max_s");
    for (mode, suffix) in [("tls", ""), ("plaintext", "?sslmode=disable")] {
        let mut times = Vec::new();
        for _ in 0..RUNS {
            let uri = fresh_database("shbench_apply").await?;
            let mut apply = Command::new(cli);
            apply.args(["apply", "--driver", "postgres", "--uri", &format!("{uri}{suffix}"), "--ddl"]).arg(&script);
            times.push(run_measured(&mut apply)?.0);
        }
        let (min, median, max) = spread(&mut times);
        println!("{mode:>10} {min:>10.3} {median:>10.3} {max:>10.3}");
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
