//! One span per applied statement (kind, table, rows affected, duration, database error code)
//! and the per-kind duration metric.

use std::time::Instant;

/// The statement's kind: its leading keywords (`CREATE TABLE`, `ALTER TABLE`, `INSERT`, …).
pub fn kind(sql: &str) -> String {
    let words: Vec<String> = sql
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with("--"))
        .flat_map(str::split_whitespace)
        .take(3)
        .map(|w| w.to_ascii_uppercase())
        .collect();
    match words.first().map(String::as_str) {
        Some("CREATE") if words.get(1).is_some_and(|w| w == "UNIQUE") => "CREATE INDEX".into(),
        Some("CREATE" | "ALTER" | "DROP") => words.iter().take(2).cloned().collect::<Vec<_>>().join(" "),
        Some(first) => first.to_string(),
        None => String::new(),
    }
}

/// The first quoted or plain identifier after TABLE / ON / INTO / UPDATE, for display.
pub fn table(sql: &str) -> String {
    let upper = sql.to_ascii_uppercase();
    for keyword in [" TABLE ", " ON ", "INTO ", "UPDATE "] {
        if let Some(pos) = upper.find(keyword) {
            let rest = sql[pos + keyword.len()..].trim_start();
            let rest = rest.strip_prefix("IF EXISTS ").or_else(|| rest.strip_prefix("IF NOT EXISTS ")).unwrap_or(rest);
            let end = rest.find(|c: char| c == '(' || c.is_whitespace()).unwrap_or(rest.len());
            return rest[..end].to_string();
        }
    }
    String::new()
}

pub struct StatementSpan {
    pub span: tracing::Span,
    kind: String,
    started: Instant,
}

/// Runs statement number `index` (1-based) inside its span and records its outcome: the rows
/// it affected (`rows`) or the database's error code (`code`).
pub async fn traced<T, E>(
    index: usize,
    sql: &str,
    run: impl std::future::Future<Output = Result<T, E>>,
    rows: impl Fn(&T) -> u64,
    code: impl Fn(&E) -> Option<String>,
) -> Result<T, E> {
    let statement = start(index, sql);
    let result = tracing::Instrument::instrument(run, statement.span.clone()).await;
    statement.finish(result.as_ref().map(rows).map_err(code));
    result
}

/// Opens the span for statement number `index` (1-based).
pub fn start(index: usize, sql: &str) -> StatementSpan {
    let kind = kind(sql);
    let span = tracing::info_span!(
        "ddl.statement",
        statement.index = index,
        statement.kind = %kind,
        statement.table = %table(sql),
        rows_affected = tracing::field::Empty,
        duration_ms = tracing::field::Empty,
        db.error_code = tracing::field::Empty,
        otel.status_code = tracing::field::Empty,
    );
    StatementSpan { span, kind, started: Instant::now() }
}

impl StatementSpan {
    /// Records the outcome: rows affected, or the database's error code.
    pub fn finish(self, outcome: Result<u64, Option<String>>) {
        let elapsed = self.started.elapsed();
        self.span.record("duration_ms", elapsed.as_secs_f64() * 1000.0);
        match outcome {
            Ok(rows) => {
                self.span.record("rows_affected", rows);
            }
            Err(code) => {
                self.span.record("db.error_code", code.unwrap_or_default().as_str());
                self.span.record("otel.status_code", "ERROR");
            }
        }
        crate::metrics::histogram("schemahero_statement_duration_seconds", &[("kind", &self.kind)]).observe(elapsed.as_secs_f64());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_tables() {
        assert_eq!(kind("CREATE TABLE \"users\" (\n a int)"), "CREATE TABLE");
        assert_eq!(kind("create unique index \"i\" on \"t\" (a)"), "CREATE INDEX");
        assert_eq!(kind("-- hazard X\nALTER TABLE \"t\" ADD COLUMN x int"), "ALTER TABLE");
        assert_eq!(kind("INSERT INTO t VALUES (1)"), "INSERT");
        assert_eq!(table("ALTER TABLE \"app\".\"t\" ADD COLUMN x int"), "\"app\".\"t\"");
        assert_eq!(table("CREATE INDEX \"i\" ON \"t\" (\"a\")"), "\"t\"");
        assert_eq!(table("INSERT INTO \"t\" (\"a\") VALUES (1)"), "\"t\"");
        assert_eq!(table("CREATE TABLE IF NOT EXISTS ledger (a int)"), "ledger");
    }
}
