//! Postgres enum types a Table declares (`schema.postgres.enums`): created before the table
//! that uses them, in the table's schema, and given the values the spec adds, each where the
//! spec puts it (`ADD VALUE … BEFORE/AFTER`). Postgres cannot remove or reorder enum values, so a
//! spec that does either is an error naming the type and the value, never a plan that fails.
//!
//! `ALTER TYPE … ADD VALUE` runs outside the plan's transaction: before Postgres 12 it cannot
//! run inside one, and from 12 on a value added in a transaction cannot be used (in a default
//! or a row) until that transaction commits. `IF NOT EXISTS` makes it safe to run again when a
//! plan is resumed after a failure.

use crate::normalize::quote_literal;
use crate::render::quote_ident;
use schemahero_plan::PlannedStatement;
use schemahero_schema::spec::EnumType;
use sqlx::PgPool;
use std::collections::HashMap;

/// What exists under each name asked about: the enum's values in order, or `None` for a type
/// that is not an enum. Names that are not types are absent.
pub(crate) async fn introspect(pool: &PgPool, schema: &str, names: &[String]) -> Result<HashMap<String, Option<Vec<String>>>, sqlx::Error> {
    let rows: Vec<(String, String, Vec<String>)> = sqlx::query_as(
        "SELECT t.typname::text, t.typtype::text,
                ARRAY(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder)
         FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
         WHERE n.nspname = $1 AND t.typname = ANY($2)",
    )
    .bind(schema)
    .bind(names)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|(name, kind, values)| (name, (kind == "e").then_some(values))).collect())
}

/// The statements that bring the live type (`live`: see `introspect`) to the spec's; `sql_name`
/// is the type's name as statements write it, `table` the Table's display name.
pub(crate) fn plan(
    table: &str,
    sql_name: &str,
    desired: &EnumType,
    live: Option<&Option<Vec<String>>>,
) -> Result<Vec<PlannedStatement>, String> {
    let values = |v: &[String]| v.iter().map(|x| quote_literal(x)).collect::<Vec<_>>().join(", ");
    let live = match live {
        None => return Ok(vec![PlannedStatement::new(table, format!("CREATE TYPE {sql_name} AS ENUM ({})", values(&desired.values)))]),
        Some(None) => return Err(format!("type {:?} exists and is not an enum type", desired.name)),
        Some(Some(live)) => live,
    };
    // Every live value must stay, in the same order; new ones may come anywhere.
    let mut position = 0;
    for value in live {
        match desired.values[position..].iter().position(|d| d == value) {
            Some(found) => position += found + 1,
            None if desired.values.contains(value) => {
                return Err(format!(
                    "enum type {:?}: the spec reorders its values ({:?} is now out of its place); Postgres cannot reorder enum \
                     values (live order: {})",
                    desired.name,
                    value,
                    values(live)
                ));
            }
            None => {
                return Err(format!(
                    "enum type {:?}: the spec removes value {value:?}; Postgres cannot remove enum values (drop and re-create the \
                     type by hand once nothing uses the value)",
                    desired.name
                ));
            }
        }
    }
    let mut out = Vec::new();
    for (i, value) in desired.values.iter().enumerate() {
        if live.contains(value) {
            continue;
        }
        let place = match i {
            0 => format!(" BEFORE {}", quote_literal(&live[0])),
            _ => format!(" AFTER {}", quote_literal(&desired.values[i - 1])),
        };
        out.push(
            PlannedStatement::new(table, format!("ALTER TYPE {sql_name} ADD VALUE IF NOT EXISTS {}{place}", quote_literal(value)))
                .outside_transaction(),
        );
    }
    Ok(out)
}

/// The type's name in statements: schema-qualified when the Table names its schema.
pub(crate) fn sql_name(schema: &str, name: &str, qualify: bool) -> String {
    if qualify { format!("{}.{}", quote_ident(schema), quote_ident(name)) } else { quote_ident(name) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(values: &[&str]) -> EnumType {
        EnumType { name: "mood".into(), values: values.iter().map(|v| v.to_string()).collect() }
    }

    fn sql(statements: &[PlannedStatement]) -> Vec<String> {
        statements.iter().map(|s| s.sql.clone()).collect()
    }

    #[test]
    fn new_types_are_created_and_new_values_placed_where_the_spec_puts_them() {
        assert_eq!(sql(&plan("t", "\"mood\"", &spec(&["a", "b"]), None).unwrap()), ["CREATE TYPE \"mood\" AS ENUM ('a', 'b')"]);
        let live = Some(vec!["b".to_string(), "d".to_string()]);
        let planned = plan("t", "\"mood\"", &spec(&["a", "b", "c", "d", "e"]), Some(&live)).unwrap();
        assert_eq!(
            sql(&planned),
            [
                "ALTER TYPE \"mood\" ADD VALUE IF NOT EXISTS 'a' BEFORE 'b'",
                "ALTER TYPE \"mood\" ADD VALUE IF NOT EXISTS 'c' AFTER 'b'",
                "ALTER TYPE \"mood\" ADD VALUE IF NOT EXISTS 'e' AFTER 'd'",
            ]
        );
        assert!(planned.iter().all(|s| s.outside_transaction), "ADD VALUE runs outside the transaction");
        assert!(plan("t", "\"mood\"", &spec(&["b", "d"]), Some(&live)).unwrap().is_empty(), "converged");
    }

    #[test]
    fn removing_or_reordering_values_or_a_non_enum_type_is_an_error_naming_them() {
        let live = Some(vec!["a".to_string(), "b".to_string()]);
        let err = plan("t", "\"mood\"", &spec(&["a"]), Some(&live)).unwrap_err();
        assert!(err.contains("\"mood\"") && err.contains("removes value \"b\""), "{err}");
        let err = plan("t", "\"mood\"", &spec(&["b", "a"]), Some(&live)).unwrap_err();
        assert!(err.contains("\"mood\"") && err.contains("reorders"), "{err}");
        let err = plan("t", "\"mood\"", &spec(&["a"]), Some(&None)).unwrap_err();
        assert!(err.contains("not an enum"), "{err}");
    }
}
