//! Seed data as idempotent upserts. Rows that are already present with the same values are
//! left out of the plan, so a plan with `--seed-data` converges like any other.

use crate::render::TableRef;
use schemahero_plan::{HazardKind, PlannedStatement};
use schemahero_schema::model::postgres::TableDef;
use schemahero_schema::seed::seed_row_sql;
use schemahero_schema::spec::SeedData;
use sqlx::PgPool;

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
        let sql = seed_row_sql(&table.sql(), &key, row);
        if table_exists && row.columns.iter().all(|c| desired.column(&c.column).is_some()) {
            let (present,): (bool,) = sqlx::query_as(sqlx::AssertSqlSafe(sql.probe)).fetch_one(pool).await?;
            if present {
                continue;
            }
        }
        out.push(PlannedStatement::new(table.display(), sql.upsert).with_hazard(HazardKind::UpdatesRows, "inserts or updates a seed row"));
    }
    Ok(out)
}
