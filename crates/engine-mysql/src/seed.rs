//! Seed data as idempotent upserts (`INSERT … ON DUPLICATE KEY UPDATE`). Rows already present
//! with the same values are left out of the plan, so a plan with `--seed-data` converges.

use crate::model::TableDef;
use crate::normalize::quote_literal;
use crate::render::quote_ident;
use schemahero_plan::{HazardKind, PlannedStatement};
use schemahero_schema::spec::{SeedData, SeedRow, SeedValue};
use sqlx::MySqlPool;

fn value_sql(v: &SeedValue) -> String {
    match (&v.int, &v.str) {
        (Some(i), _) => i.to_string(),
        (None, Some(s)) => quote_literal(s),
        (None, None) => "NULL".to_string(),
    }
}

/// (probe, upsert) for one row. The probe uses `<=>`, MySQL's NULL-safe equality.
/// `VALUES(col)` in the update list is deprecated since MySQL 8.0.20 in favour of a row alias,
/// which MariaDB does not have; both servers still accept `VALUES()`.
/// ON DUPLICATE KEY fires on any unique key, not only the primary key (MySQL semantics).
pub fn seed_row_sql(table: &str, key: &[String], row: &SeedRow) -> (String, String) {
    let columns: Vec<&str> = row.columns.iter().map(|c| c.column.as_str()).collect();
    let values: Vec<String> = row.columns.iter().map(|c| value_sql(&c.value)).collect();
    let conditions: Vec<String> = columns.iter().zip(&values).map(|(c, v)| format!("{} <=> {v}", quote_ident(c))).collect();
    let t = quote_ident(table);
    let probe = format!("SELECT EXISTS (SELECT 1 FROM {t} WHERE {})", conditions.join(" AND "));
    let quoted: Vec<String> = columns.iter().map(|c| quote_ident(c)).collect();
    let insert = format!("INTO {t} ({}) VALUES ({})", quoted.join(", "), values.join(", "));
    let has_key = !key.is_empty() && key.iter().all(|k| columns.contains(&k.as_str()));
    let updates: Vec<String> =
        columns.iter().filter(|c| !key.iter().any(|k| k == *c)).map(|c| format!("{q} = VALUES({q})", q = quote_ident(c))).collect();
    let upsert = if has_key && !updates.is_empty() {
        format!("INSERT {insert} ON DUPLICATE KEY UPDATE {}", updates.join(", "))
    } else {
        // Without the whole key nothing may be overwritten.
        format!("INSERT IGNORE {insert}")
    };
    (probe, upsert)
}

pub async fn plan_seed(pool: &MySqlPool, desired: &TableDef, exists: bool, seed: &SeedData) -> Result<Vec<PlannedStatement>, sqlx::Error> {
    let key = desired.primary_key_columns();
    let mut out = Vec::new();
    for row in &seed.rows {
        let (probe, upsert) = seed_row_sql(&desired.name, key, row);
        if exists && row.columns.iter().all(|c| desired.column(&c.column).is_some()) {
            let (present,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(probe)).fetch_one(pool).await?;
            if present != 0 {
                continue;
            }
        }
        out.push(PlannedStatement::new(&desired.name, upsert).with_hazard(HazardKind::UpdatesRows, "inserts or updates a seed row"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use schemahero_schema::spec::SeedColumn;

    fn row(cols: &[(&str, SeedValue)]) -> SeedRow {
        SeedRow { columns: cols.iter().map(|(c, v)| SeedColumn { column: c.to_string(), value: v.clone() }).collect() }
    }

    #[test]
    fn upserts_on_the_key_and_escapes_values() {
        let r = row(&[("id", SeedValue { int: Some(1), str: None }), ("name", SeedValue { int: None, str: Some("it's \\".into()) })]);
        let (probe, upsert) = seed_row_sql("t", &["id".into()], &r);
        assert_eq!(upsert, "INSERT INTO `t` (`id`, `name`) VALUES (1, 'it''s \\\\') ON DUPLICATE KEY UPDATE `name` = VALUES(`name`)");
        assert_eq!(probe, "SELECT EXISTS (SELECT 1 FROM `t` WHERE `id` <=> 1 AND `name` <=> 'it''s \\\\')");
    }

    #[test]
    fn hostile_values_stay_inside_their_quotes_with_or_without_backslash_escapes() {
        let r = row(&[("a`b", SeedValue { int: None, str: Some("\\'); drop table z; -- ".into()) })]);
        let (_, upsert) = seed_row_sql("t", &[], &r);
        // `\\` is one backslash (two with NO_BACKSLASH_ESCAPES) and `''` one quote either way.
        assert_eq!(upsert, "INSERT IGNORE INTO `t` (`a``b`) VALUES ('\\\\''); drop table z; -- ')");
    }

    #[test]
    fn without_the_key_nothing_is_overwritten() {
        let r = row(&[("name", SeedValue { int: None, str: None })]);
        assert_eq!(seed_row_sql("t", &["id".into()], &r).1, "INSERT IGNORE INTO `t` (`name`) VALUES (NULL)");
    }
}
