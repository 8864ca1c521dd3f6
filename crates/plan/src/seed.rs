//! Seed data planned the same way on every engine: one upsert per row that is not already
//! present with the same values (the engine runs the probe), so a plan with seed data
//! converges like any other.

use crate::{HazardKind, PlannedStatement};
use schemahero_schema::model::TableDef;
use schemahero_schema::seed::seed_row_sql;
use schemahero_schema::spec::SeedData;
use schemahero_schema::sql_safety::Dialect;
use std::future::Future;

/// Where the seed rows go: the table as SQL (quoted) and as shown.
pub struct SeedTarget<'a> {
    pub dialect: Dialect,
    pub table_sql: &'a str,
    pub table_display: &'a str,
}

/// The upserts for the rows of `seed` that `probe` (run against the live table, when it
/// exists) does not find already present. A row naming a column the table does not have yet
/// is not probed.
pub async fn plan_seed<T, C, E, F, Fut>(
    target: SeedTarget<'_>,
    desired: &TableDef<T, C>,
    table_exists: bool,
    seed: &SeedData,
    mut probe: F,
) -> Result<Vec<PlannedStatement>, E>
where
    F: FnMut(String) -> Fut,
    Fut: Future<Output = Result<bool, E>>,
{
    let key = desired.primary_key_columns();
    let mut out = Vec::new();
    for row in &seed.rows {
        let sql = seed_row_sql(target.dialect, target.table_sql, key, row);
        if table_exists && row.columns.iter().all(|c| desired.column(&c.column).is_some()) && probe(sql.probe).await? {
            continue;
        }
        out.push(
            PlannedStatement::new(target.table_display, sql.upsert).with_hazard(HazardKind::UpdatesRows, "inserts or updates a seed row"),
        );
    }
    Ok(out)
}
