//! One span per applied statement (kind, table, rows affected, duration, database error code)
//! and the per-kind duration metric. Kind and table come with the statement from planning.

use std::time::Instant;

pub struct StatementSpan {
    pub span: tracing::Span,
    kind: String,
    started: Instant,
}

/// Runs statement number `index` (1-based) of `kind` on `table` (as the statement carries
/// them from planning) inside its span, and records its outcome: the rows it affected (`rows`)
/// or the database's error code (`code`).
pub async fn traced<T, E>(
    index: usize,
    kind: &str,
    table: &str,
    run: impl std::future::Future<Output = Result<T, E>>,
    rows: impl Fn(&T) -> u64,
    code: impl Fn(&E) -> Option<String>,
) -> Result<T, E> {
    let statement = start(index, kind, table);
    let result = tracing::Instrument::instrument(run, statement.span.clone()).await;
    statement.finish(result.as_ref().map(rows).map_err(code));
    result
}

/// Opens the span for statement number `index` (1-based).
pub fn start(index: usize, kind: &str, table: &str) -> StatementSpan {
    let span = tracing::info_span!(
        "ddl.statement",
        statement.index = index,
        statement.kind = %kind,
        statement.table = %table,
        rows_affected = tracing::field::Empty,
        duration_ms = tracing::field::Empty,
        db.error_code = tracing::field::Empty,
        otel.status_code = tracing::field::Empty,
    );
    StatementSpan { span, kind: kind.to_string(), started: Instant::now() }
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
