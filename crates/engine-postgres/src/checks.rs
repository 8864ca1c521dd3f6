//! CHECK constraints on Postgres: added to an existing table `NOT VALID` and then validated (the
//! validation scans the table without blocking writes), and given SchemaHero's comment holding
//! the spec's text, which is how the next plan recognises the check the server re-printed (see
//! `schemahero_schema::checks`).

use crate::normalize::quote_literal;
use crate::render::{TableRef, quote_ident};
use schemahero_plan::{HazardKind, PlannedStatement};
use schemahero_schema::checks::CHECK_SOURCE_PREFIX;
use schemahero_schema::model::CheckDef;

/// `CONSTRAINT "name" CHECK (expression)`, for CREATE TABLE.
pub(crate) fn check_clause(check: &CheckDef) -> String {
    format!("CONSTRAINT {} CHECK ({})", quote_ident(&check.name), check.expression)
}

/// The comment that records the spec's text.
pub(crate) fn source_comment(table: &TableRef, check: &CheckDef) -> PlannedStatement {
    PlannedStatement::new(
        table.display(),
        format!(
            "COMMENT ON CONSTRAINT {} ON {} IS {}",
            quote_ident(&check.name),
            table.sql(),
            quote_literal(&format!("{CHECK_SOURCE_PREFIX}{}", check.expression))
        ),
    )
}

/// Adding a check to an existing table: `NOT VALID` takes only a brief lock; `VALIDATE
/// CONSTRAINT` then checks the rows under a lock that lets writes through.
pub(crate) fn add_to_existing(table: &TableRef, check: &CheckDef) -> Vec<PlannedStatement> {
    let t = table.sql();
    let name = quote_ident(&check.name);
    vec![
        PlannedStatement::new(table.display(), format!("ALTER TABLE {t} ADD {} NOT VALID", check_clause(check))),
        PlannedStatement::new(table.display(), format!("ALTER TABLE {t} VALIDATE CONSTRAINT {name}"))
            .with_hazard(HazardKind::MayFail, format!("fails if existing rows violate check {}", check.name)),
        source_comment(table, check),
    ]
}

pub(crate) fn drop(table: &TableRef, name: &str) -> PlannedStatement {
    PlannedStatement::new(table.display(), format!("ALTER TABLE {} DROP CONSTRAINT {}", table.sql(), quote_ident(name)))
}

/// `COMMENT ON TABLE` (`None`: remove it).
pub(crate) fn table_comment(table: &TableRef, comment: Option<&str>) -> PlannedStatement {
    PlannedStatement::new(table.display(), format!("COMMENT ON TABLE {} IS {}", table.sql(), comment_literal(comment)))
}

/// `COMMENT ON COLUMN` (`None`: remove it).
pub(crate) fn column_comment(table: &TableRef, column: &str, comment: Option<&str>) -> PlannedStatement {
    PlannedStatement::new(
        table.display(),
        format!("COMMENT ON COLUMN {}.{} IS {}", table.sql(), quote_ident(column), comment_literal(comment)),
    )
}

fn comment_literal(comment: Option<&str>) -> String {
    comment.filter(|c| !c.is_empty()).map(quote_literal).unwrap_or_else(|| "NULL".into())
}

/// The comments of a table being created.
pub(crate) fn create_comments(table: &TableRef, def: &schemahero_schema::model::postgres::TableDef) -> Vec<PlannedStatement> {
    let mut out: Vec<PlannedStatement> = def.checks.iter().map(|c| source_comment(table, c)).collect();
    if let Some(comment) = def.comment.as_deref().filter(|c| !c.is_empty()) {
        out.push(table_comment(table, Some(comment)));
    }
    for c in &def.columns {
        if let Some(comment) = c.comment.as_deref().filter(|c| !c.is_empty()) {
            out.push(column_comment(table, &c.name, Some(comment)));
        }
    }
    out
}
