//! Seed data as idempotent upserts. Rows that are already present with the same values are
//! left out of the plan, so a plan with `--seed-data` converges like any other.

use crate::normalize::quote_literal;
use crate::render::{TableRef, quote_ident};
use schemahero_plan::{HazardKind, PlannedStatement};
use schemahero_schema::model::TableDef;
use schemahero_schema::spec::{SeedData, SeedValue};
use sqlx::PgPool;

fn value_sql(v: &SeedValue) -> String {
    match (&v.int, &v.str) {
        (Some(i), _) => i.to_string(),
        (None, Some(s)) => quote_literal(s),
        (None, None) => "NULL".to_string(),
    }
}

pub async fn plan_seed(
    pool: &PgPool,
    table: &TableRef,
    desired: &TableDef,
    table_exists: bool,
    seed: &SeedData,
) -> Result<Vec<PlannedStatement>, sqlx::Error> {
    let key: Vec<String> = desired.primary_key.as_ref().map(|k| k.columns.clone()).unwrap_or_default();
    let mut out = Vec::new();
    for row in &seed.rows {
        let columns: Vec<&str> = row.columns.iter().map(|c| c.column.as_str()).collect();
        let values: Vec<String> = row.columns.iter().map(|c| value_sql(&c.value)).collect();
        if table_exists && columns.iter().all(|c| desired.column(c).is_some()) {
            let conditions: Vec<String> =
                columns.iter().zip(&values).map(|(c, v)| format!("{} IS NOT DISTINCT FROM {v}", quote_ident(c))).collect();
            let probe = format!("SELECT EXISTS (SELECT 1 FROM {} WHERE {})", table.sql(), conditions.join(" AND "));
            let (present,): (bool,) = sqlx::query_as(sqlx::AssertSqlSafe(probe)).fetch_one(pool).await?;
            if present {
                continue;
            }
        }
        let quoted: Vec<String> = columns.iter().map(|c| quote_ident(c)).collect();
        let mut sql = format!("INSERT INTO {} ({}) VALUES ({})", table.sql(), quoted.join(", "), values.join(", "));
        let key_given = !key.is_empty() && key.iter().all(|k| columns.contains(&k.as_str()));
        if key_given {
            let updates: Vec<String> = columns
                .iter()
                .filter(|c| !key.iter().any(|k| k == *c))
                .map(|c| format!("{q} = excluded.{q}", q = quote_ident(c)))
                .collect();
            let key_list: Vec<String> = key.iter().map(|k| quote_ident(k)).collect();
            if updates.is_empty() {
                sql.push_str(&format!(" ON CONFLICT ({}) DO NOTHING", key_list.join(", ")));
            } else {
                sql.push_str(&format!(" ON CONFLICT ({}) DO UPDATE SET {}", key_list.join(", "), updates.join(", ")));
            }
        } else {
            sql.push_str(" ON CONFLICT DO NOTHING");
        }
        out.push(PlannedStatement::new(table.display(), sql).with_hazard(HazardKind::UpdatesRows, "inserts or updates a seed row"));
    }
    Ok(out)
}
