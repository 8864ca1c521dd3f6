//! Shared by the benchmarks (`bench-plan`, `bench-services`): databases of N generated tables,
//! their specs, and measuring processes. Figures only; nothing here asserts a time.

use anyhow::{Context, Result, bail};
use sqlx::{Connection, PgConnection};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

/// The Postgres server (`SCHEMAHERO_TEST_POSTGRES`), default sslmode: TLS on this machine.
pub fn server() -> String {
    std::env::var("SCHEMAHERO_TEST_POSTGRES").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

/// A binary built next to the running benchmark (same profile).
pub fn sibling_binary(name: &str) -> Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let path = exe.parent().context("binary directory")?.join(name);
    if !path.exists() {
        bail!("{} not found: build it first (cargo build --release --workspace --bins)", path.display());
    }
    Ok(path)
}

/// Drops and re-creates database `name`; returns its URI.
pub async fn fresh_database(name: &str) -> Result<String> {
    let mut admin = PgConnection::connect(&format!("{}/postgres", server())).await.context("connect to postgres")?;
    for sql in [format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"), format!("CREATE DATABASE \"{name}\"")] {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut admin).await?;
    }
    admin.close().await?;
    Ok(format!("{}/{name}", server()))
}

/// Creates `n` tables t0…t(n-1) (bigserial key, text, numeric with a default, timestamptz, an
/// index, and a foreign key to the previous table) in a fresh database `name`.
pub async fn database_of_tables(name: &str, n: usize) -> Result<String> {
    let uri = fresh_database(name).await?;
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

/// The spec of table `i` as `database_of_tables` made it, plus the `extra` columns.
pub fn table_spec(i: usize, database: &str, extra: &[&str]) -> String {
    let mut spec = format!(
        "apiVersion: schemas.schemahero.io/v1alpha4\nkind: Table\nmetadata:\n  name: t{i}\nspec:\n  database: {database}\n  name: t{i}\n  schema:\n    postgres:\n      primaryKey: [id]\n"
    );
    if i > 0 {
        spec.push_str(&format!(
            "      foreignKeys:\n        - columns: [ref_id]\n          references: {{table: t{}, columns: [id]}}\n",
            i - 1
        ));
    }
    spec.push_str("      indexes:\n        - columns: [name]\n      columns:\n");
    for (name, ty, more) in [
        ("id", "bigserial", ""),
        ("name", "text", "          constraints: {notNull: true}\n"),
        ("ref_id", "bigint", ""),
        ("amount", "decimal(10,2)", "          default: 0\n"),
        ("created_at", "timestamptz", "          default: now()\n"),
    ] {
        spec.push_str(&format!("        - name: {name}\n          type: {ty}\n{more}"));
    }
    for column in extra {
        spec.push_str(&format!("        - name: {column}\n          type: text\n"));
    }
    spec
}

/// The file table `i`'s spec lives in.
pub fn table_file(dir: &Path, i: usize) -> PathBuf {
    dir.join(format!("t{i:05}.yaml"))
}

/// Writes one spec file per table into `dir`, every 20th table gaining a column (5% changed).
pub fn write_table_specs(dir: &Path, n: usize, database: &str) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    for i in 0..n {
        let extra: &[&str] = if i.is_multiple_of(20) { &["extra"] } else { &[] };
        std::fs::write(table_file(dir, i), table_spec(i, database, extra))?;
    }
    Ok(())
}

/// A fresh scratch directory.
pub fn scratch(name: &str) -> Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("schemahero-bench-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// Runs a command to completion; returns wall seconds and peak RSS in KiB (from wait4).
pub fn run_measured(command: &mut Command) -> Result<(f64, i64)> {
    let started = Instant::now();
    let child = command.stdin(Stdio::null()).spawn()?;
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: rusage is plain old data; wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let secs = started.elapsed().as_secs_f64();
    if waited != pid || !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) != 0 {
        bail!("{command:?} failed (status {status})");
    }
    Ok((secs, usage.ru_maxrss))
}

/// Peak resident memory of a running process, in MiB (VmHWM).
pub fn peak_rss_mb(child: &Child) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// (min, median, max) of some figures.
pub fn spread(values: &mut [f64]) -> (f64, f64, f64) {
    values.sort_by(|a, b| a.total_cmp(b));
    match values.len() {
        0 => (0.0, 0.0, 0.0),
        n => (values[0], values[n / 2], values[n - 1]),
    }
}

/// The value at quantile `q` (0…1) of sorted figures (nearest rank).
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// `GET /metrics` (HTTP/1.1, one request per connection).
pub async fn scrape(address: &str) -> String {
    let Ok(mut stream) = tokio::net::TcpStream::connect(address).await else { return String::new() };
    let request = format!("GET /metrics HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    if tokio::io::AsyncWriteExt::write_all(&mut stream, request.as_bytes()).await.is_err() {
        return String::new();
    }
    let mut body = String::new();
    let _ = tokio::io::AsyncReadExt::read_to_string(&mut stream, &mut body).await;
    body
}

/// Sum of the samples of metric `name` whose labels include every `label="value"` given.
pub fn metric(text: &str, name: &str, labels: &[&str]) -> f64 {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter(|l| l.split(['{', ' ']).next() == Some(name))
        .filter(|l| labels.iter().all(|want| l.contains(want)))
        .filter_map(|l| l.rsplit(' ').next().and_then(|v| v.parse::<f64>().ok()))
        .fold(0.0, |sum, v| sum + v)
}

/// A service process started by a benchmark, killed when dropped.
pub struct Service {
    pub child: Child,
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A free port on loopback.
pub fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Starts a binary built next to the benchmark, its stderr in `log`, its stdout piped;
/// `SCHEMAHERO_BENCH_LOG` sets its RUST_LOG (default warn).
pub fn spawn(binary: &str, args: &[&str], log: &Path) -> Result<Service> {
    let child = Command::new(sibling_binary(binary)?)
        .args(args)
        .env("RUST_LOG", std::env::var("SCHEMAHERO_BENCH_LOG").unwrap_or_else(|_| "warn".into()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(log)?)
        .spawn()
        .with_context(|| format!("start {binary}"))?;
    Ok(Service { child })
}

/// Reads the address a planner prints on its first line of stdout, as an `http://` URL.
pub fn planner_url(planner: &mut Service) -> Result<String> {
    use std::io::BufRead;
    let stdout = planner.child.stdout.take().context("planner stdout")?;
    let mut line = String::new();
    std::io::BufReader::new(stdout).read_line(&mut line)?;
    let address = line.trim().strip_prefix("planner listening on ").context("the planner prints its address")?;
    Ok(format!("http://{address}"))
}
