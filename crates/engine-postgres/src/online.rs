//! Online DDL: changes to an existing table made so that writes to it go on while they run.
//!
//! - Indexes are built and dropped `CONCURRENTLY` (SHARE UPDATE EXCLUSIVE: reads and writes
//!   continue). Postgres refuses these inside a transaction block, so they run on their own; a
//!   build that fails or is cancelled leaves an INVALID index, which introspection reports and
//!   the next plan drops (concurrently) and builds again.
//! - Constraints that check existing rows (foreign keys; SchemaHero's temporary NOT NULL
//!   checks) are added `NOT VALID`, which only takes a short lock to change the catalog and
//!   checks new rows from then on, and then `VALIDATE CONSTRAINT`, which scans the rows under
//!   SHARE UPDATE EXCLUSIVE (and ROW SHARE on a referenced table): writes continue. The
//!   validation runs on its own, so the short lock of the `ADD` is released (committed) before
//!   the scan starts.
//! - `SET NOT NULL` goes through such a validated `CHECK (column IS NOT NULL)`: Postgres 12+
//!   then sets NOT NULL without scanning the table, and the temporary check is dropped.
//!
//! A plan is then several transactions, so it may stop half way (a lock timeout, duplicates
//! under a new unique index). What it leaves is read back here (`postgres::Table`) and the next
//! plan finishes from there.

use crate::render::{TableRef, quote_ident};
use schemahero_plan::{HazardKind, PlannedStatement};
use schemahero_schema::model::postgres::{NOT_NULL_CHECK_PREFIX, NotNullCheck, TableDef};
use sqlx::PgPool;
use std::collections::BTreeMap;

/// Reads what interrupted online migrations left on the tables in `result` (see
/// `postgres::Table`): invalid indexes, foreign keys not validated yet, temporary NOT NULL
/// checks. One query for the schema, filtered as the other introspection queries are.
pub(crate) async fn introspect(
    pool: &PgPool,
    schema: &str,
    names: &Option<Vec<String>>,
    result: &mut BTreeMap<String, TableDef>,
) -> Result<(), sqlx::Error> {
    // Expression and partial indexes are left alone, invalid or not, as the valid ones are (a
    // spec cannot describe them, so they are not SchemaHero's).
    let rows: Vec<(String, String, String, Option<String>, bool)> = sqlx::query_as(sqlx::AssertSqlSafe(crate::introspect::by_name(
        "SELECT c.relname::text, 'i', i.relname::text, NULL::text, false
         FROM pg_index ix
         JOIN pg_class c ON c.oid = ix.indrelid
         JOIN pg_class i ON i.oid = ix.indexrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = $1 AND NOT ix.indisvalid AND ix.indexprs IS NULL AND ix.indpred IS NULL
           AND ($2::text[] IS NULL OR c.relname = ANY($2))
         UNION ALL
         SELECT c.relname::text, con.contype::text, con.conname::text,
                (SELECT a.attname::text FROM pg_attribute a WHERE a.attrelid = con.conrelid AND a.attnum = con.conkey[1]),
                con.convalidated
         FROM pg_constraint con
         JOIN pg_class c ON c.oid = con.conrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = $1
           AND ((con.contype = 'f' AND NOT con.convalidated)
                OR (con.contype = 'c' AND left(con.conname, length($3)) = $3 AND cardinality(con.conkey) = 1))
           AND ($2::text[] IS NULL OR c.relname = ANY($2))
         ORDER BY 1, 3",
        names.is_some(),
    )))
    .bind(schema)
    .bind(names)
    .bind(NOT_NULL_CHECK_PREFIX)
    .fetch_all(pool)
    .await?;
    for (table, kind, name, column, validated) in rows {
        let Some(def) = result.get_mut(&table) else {
            continue;
        };
        match (kind.as_str(), column) {
            ("i", _) => def.ext.invalid_indexes.push(name),
            ("f", _) => def.ext.unvalidated_foreign_keys.push(name),
            ("c", Some(column)) => def.ext.not_null_checks.push(NotNullCheck { name, column, validated }),
            _ => {}
        }
    }
    Ok(())
}

/// The name of the temporary check `SET NOT NULL` on `column` goes through: the prefix and the
/// column, or, when that would be cut at Postgres' 63 bytes, the column cut short and a hash
/// of all of it (two long columns sharing a beginning get two names).
pub fn not_null_check_name(column: &str) -> String {
    let name = format!("{NOT_NULL_CHECK_PREFIX}{column}");
    if name.len() <= crate::diff::MAX_IDENTIFIER_BYTES {
        return name;
    }
    let hash = &schemahero_plan::fingerprint(column)[..8];
    let room = crate::diff::MAX_IDENTIFIER_BYTES - NOT_NULL_CHECK_PREFIX.len() - hash.len() - 1;
    format!("{NOT_NULL_CHECK_PREFIX}{}_{hash}", schemahero_schema::sql_safety::clip_bytes(column, room))
}

/// Adds constraint `name` (`definition`: `FOREIGN KEY (…) REFERENCES …`, `CHECK (…)`) to an
/// existing table: the `ADD … NOT VALID` (a short lock, new rows checked from then on) and the
/// `VALIDATE CONSTRAINT` that checks the existing rows without blocking writes. The caller may
/// put other statements between them; the validation runs on its own. `may_fail` says on what
/// existing rows the validation fails.
pub fn add_constraint(table: &TableRef, name: &str, definition: &str, may_fail: &str) -> (PlannedStatement, PlannedStatement) {
    let add = catalog_only(PlannedStatement::new(
        table.display(),
        format!("ALTER TABLE {} ADD CONSTRAINT {} {definition} NOT VALID", table.sql(), quote_ident(name)),
    ));
    (add, validate_constraint(table, name, may_fail))
}

/// `VALIDATE CONSTRAINT`: scans the table under SHARE UPDATE EXCLUSIVE (writes continue), on
/// its own so that no lock of the statements before it is still held. If it fails, the
/// constraint stays NOT VALID (still checking new rows) and the next plan validates it again.
pub fn validate_constraint(table: &TableRef, name: &str, may_fail: &str) -> PlannedStatement {
    PlannedStatement::new(table.display(), format!("ALTER TABLE {} VALIDATE CONSTRAINT {}", table.sql(), quote_ident(name)))
        .outside_transaction()
        .with_hazard(HazardKind::MayFail, format!("{may_fail}; the constraint then stays NOT VALID and the next plan validates it again"))
}

/// `SET NOT NULL` on a column of an existing table (after any backfill), through a temporary
/// validated check so that the exclusive lock is held only to change the catalog: add the check
/// `NOT VALID`, validate it (no write blocked), `SET NOT NULL` (Postgres 12+ proves it from the
/// check, no scan), drop the check. `existing` is the check an interrupted plan left, whose
/// finished steps are skipped. `may_fail`: why the validation may fail, if it may.
pub fn set_not_null(table: &TableRef, column: &str, existing: Option<&NotNullCheck>, may_fail: Option<String>) -> Vec<PlannedStatement> {
    let t = table.sql();
    let name = existing.map(|c| c.name.clone()).unwrap_or_else(|| not_null_check_name(column));
    let mut out = Vec::new();
    if existing.is_none() {
        out.push(catalog_only(PlannedStatement::new(
            table.display(),
            format!("ALTER TABLE {t} ADD CONSTRAINT {} CHECK ({} IS NOT NULL) NOT VALID", quote_ident(&name), quote_ident(column)),
        )));
    }
    if !existing.is_some_and(|c| c.validated) {
        let mut validate = PlannedStatement::new(table.display(), format!("ALTER TABLE {t} VALIDATE CONSTRAINT {}", quote_ident(&name)))
            .outside_transaction();
        if let Some(why) = may_fail {
            validate = validate
                .with_hazard(HazardKind::MayFail, format!("{why}; the check then stays NOT VALID and the next plan validates it again"));
        }
        out.push(validate);
    }
    out.push(catalog_only(PlannedStatement::new(
        table.display(),
        format!("ALTER TABLE {t} ALTER COLUMN {} SET NOT NULL", quote_ident(column)),
    )));
    out.push(drop_check(table, &name));
    out
}

/// Drops a temporary NOT NULL check (one a plan left behind, or the one just used).
pub fn drop_check(table: &TableRef, name: &str) -> PlannedStatement {
    catalog_only(PlannedStatement::new(table.display(), format!("ALTER TABLE {} DROP CONSTRAINT {}", table.sql(), quote_ident(name))))
}

/// `DROP INDEX CONCURRENTLY`: waits for queries using the index instead of blocking the table.
pub fn drop_index(table: &TableRef, name: &str) -> PlannedStatement {
    PlannedStatement::new(table.display(), format!("DROP INDEX CONCURRENTLY {}", table.other(name))).outside_transaction()
}

/// A `CREATE INDEX CONCURRENTLY` statement (`sql`) on an existing table, with its hazards.
pub fn create_index(table: &TableRef, sql: String, unique: bool) -> PlannedStatement {
    let mut s = PlannedStatement::new(table.display(), sql).outside_transaction().with_hazard(
        HazardKind::IndexBuild,
        "builds the index concurrently: writes continue, takes longer (two scans of the table); \
         a failed build leaves an INVALID index that the next plan drops and builds again",
    );
    if unique {
        s = s.with_hazard(HazardKind::MayFail, "fails if existing rows hold duplicates");
    }
    s
}

/// A statement that takes a strong lock only to change the catalog, with its statement timeout
/// (see `hints::CATALOG_ONLY_STATEMENT_TIMEOUT`).
fn catalog_only(s: PlannedStatement) -> PlannedStatement {
    s.with_statement_timeout(crate::hints::CATALOG_ONLY_STATEMENT_TIMEOUT)
}

/// Whether Postgres runs `sql` only outside a transaction block (`CREATE INDEX CONCURRENTLY`,
/// `DROP INDEX CONCURRENTLY`, `REINDEX … CONCURRENTLY`), or it should run on its own to hold no
/// lock of earlier statements (`VALIDATE CONSTRAINT`). Statements of a script (`apply --ddl`, a
/// plan saved as SQL) carry no hints: this is how they still run as planned.
pub fn runs_alone(sql: &str) -> bool {
    let words: Vec<String> = sql
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with("--"))
        .flat_map(str::split_whitespace)
        .take(6)
        .map(|w| w.to_ascii_uppercase())
        .collect();
    let starts = |prefix: &[&str]| words.len() >= prefix.len() && words.iter().zip(prefix).all(|(w, p)| w == p);
    let concurrently = words.iter().any(|w| w == "CONCURRENTLY");
    ((starts(&["CREATE", "INDEX"]) || starts(&["CREATE", "UNIQUE", "INDEX"]) || starts(&["DROP", "INDEX"]) || starts(&["REINDEX"]))
        && concurrently)
        || (starts(&["ALTER", "TABLE"]) && sql.to_ascii_uppercase().contains(" VALIDATE CONSTRAINT "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn users() -> TableRef {
        TableRef { schema: "public".into(), name: "users".into(), qualify: false }
    }

    #[test]
    fn check_names_fit_and_stay_apart() {
        assert_eq!(not_null_check_name("email"), "schemahero_not_null_email");
        let (a, b) = (format!("{}_a", "c".repeat(60)), format!("{}_b", "c".repeat(60)));
        let (na, nb) = (not_null_check_name(&a), not_null_check_name(&b));
        assert!(na.len() <= 63 && nb.len() <= 63, "{na} {nb}");
        assert_ne!(na, nb);
        assert!(na.starts_with(NOT_NULL_CHECK_PREFIX));
    }

    #[test]
    fn set_not_null_skips_the_steps_an_interrupted_plan_finished() {
        let sql = |s: Vec<PlannedStatement>| s.into_iter().map(|s| s.sql).collect::<Vec<_>>();
        assert_eq!(
            sql(set_not_null(&users(), "email", None, None)),
            [
                "ALTER TABLE \"users\" ADD CONSTRAINT \"schemahero_not_null_email\" CHECK (\"email\" IS NOT NULL) NOT VALID",
                "ALTER TABLE \"users\" VALIDATE CONSTRAINT \"schemahero_not_null_email\"",
                "ALTER TABLE \"users\" ALTER COLUMN \"email\" SET NOT NULL",
                "ALTER TABLE \"users\" DROP CONSTRAINT \"schemahero_not_null_email\"",
            ]
        );
        let mut left = NotNullCheck { name: "schemahero_not_null_email".into(), column: "email".into(), validated: false };
        assert_eq!(sql(set_not_null(&users(), "email", Some(&left), None)).len(), 3, "no second ADD");
        left.validated = true;
        let rest = set_not_null(&users(), "email", Some(&left), None);
        assert_eq!(rest.len(), 2, "neither ADD nor VALIDATE");
        assert!(rest.iter().all(|s| !s.outside_transaction && s.statement_timeout_ms.is_some()));
    }

    #[test]
    fn statements_that_must_run_alone_are_recognised_in_scripts() {
        for sql in [
            "CREATE INDEX CONCURRENTLY \"i\" ON \"t\" (\"a\")",
            "create unique index concurrently i on t (a)",
            "-- hazard INDEX_BUILD: x\nDROP INDEX CONCURRENTLY \"i\"",
            "REINDEX INDEX CONCURRENTLY i",
            "ALTER TABLE \"t\" VALIDATE CONSTRAINT \"c\"",
        ] {
            assert!(runs_alone(sql), "{sql}");
        }
        for sql in ["CREATE INDEX \"concurrently\" ON t (a)", "DROP INDEX i", "ALTER TABLE t ADD COLUMN a int", "CREATE TABLE t (a int)"] {
            assert!(!runs_alone(sql), "{sql}");
        }
    }
}
