//! Views, planned against `information_schema.VIEWS`: a missing one is created; one whose query
//! changed is `CREATE OR REPLACE`d; `isDeleted` drops it.
//!
//! MySQL and MariaDB keep only their own printing of a view's query (qualified, back-quoted,
//! every column aliased), and views take no comment to keep anything else in. So the spec's
//! query is created under a scratch name, its printing read and the scratch dropped at once,
//! and that printing is compared with the live view's: the same query prints the same, so
//! plans converge, and a view changed by hand is seen. When the scratch cannot be created (the
//! query reads a table or column this plan creates), the view is replaced.

use schemahero_plan::{HazardKind, PlannedStatement};
use schemahero_schema::seed::quote_mysql_ident;
use schemahero_schema::sql_safety::normalize_view_query;
use schemahero_schema::view::PlainView;
use sqlx::MySqlPool;
use std::sync::atomic::{AtomicU64, Ordering};

fn create_sql(name: &str, spec: &PlainView, or_replace: bool) -> String {
    let or_replace = if or_replace { "OR REPLACE " } else { "" };
    format!("CREATE {or_replace}VIEW {} AS\n{}", quote_mysql_ident(name), normalize_view_query(&spec.query))
}

fn statement(name: &str, sql: String) -> PlannedStatement {
    let kind = schemahero_plan::statement_kind(&sql);
    PlannedStatement { kind, ..PlannedStatement::new(name, sql) }
}

/// The relation of that name in the connection's database: its type (`VIEW`, `BASE TABLE`) and,
/// for a view, its printed query.
async fn live(pool: &MySqlPool, name: &str) -> Result<Option<(String, Option<String>)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT CONVERT(t.TABLE_TYPE USING utf8mb4), CONVERT(v.VIEW_DEFINITION USING utf8mb4)
         FROM information_schema.TABLES t
         LEFT JOIN information_schema.VIEWS v ON v.TABLE_SCHEMA = t.TABLE_SCHEMA AND v.TABLE_NAME = t.TABLE_NAME
         WHERE t.TABLE_SCHEMA = DATABASE() AND t.TABLE_NAME = ?",
    )
    .bind(name)
    .fetch_optional(pool)
    .await
}

/// Server errors that say the query reads something that does not exist (yet): no such table,
/// unknown column, no such function, unknown database. Anything else (a syntax error, no right
/// to create views) is an error of its own, not a reason to replace the view every time.
const NOT_THERE_YET: &[&str] = &["42S02", "42S22"];
const NOT_THERE_YET_CODES: &[u16] = &[1146, 1054, 1305, 1049];

/// How the server prints the spec's query (see the module); `None` when it cannot be created now
/// because it reads something that does not exist yet.
async fn scratch(pool: &MySqlPool, query: &str) -> Result<Option<String>, sqlx::Error> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or_default();
    let name = format!("schemahero_scratch_{}_{nanos}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed));
    // Checked by `sql_safety::check_view_query` when the spec was read: one query, nothing else.
    let create = format!("CREATE VIEW {} AS\n{}", quote_mysql_ident(&name), normalize_view_query(query));
    let mut conn = pool.acquire().await?;
    match sqlx::raw_sql(sqlx::AssertSqlSafe(create)).execute(&mut *conn).await {
        Ok(_) => {}
        Err(sqlx::Error::Database(d)) if not_there_yet(d.as_ref()) => return Ok(None),
        Err(e) => return Err(e),
    }
    let printed: Result<Option<String>, sqlx::Error> = sqlx::query_scalar(
        "SELECT CONVERT(VIEW_DEFINITION USING utf8mb4) FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?",
    )
    .bind(&name)
    .fetch_optional(&mut *conn)
    .await;
    let dropped = sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP VIEW IF EXISTS {}", quote_mysql_ident(&name)))).execute(&mut *conn).await;
    let printed = printed?;
    dropped?;
    Ok(printed)
}

fn not_there_yet(e: &dyn sqlx::error::DatabaseError) -> bool {
    let number = e.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>().map(|m| m.number());
    number.is_some_and(|n| NOT_THERE_YET_CODES.contains(&n)) || e.code().is_some_and(|c| NOT_THERE_YET.contains(&c.as_ref()))
}

/// The view's live state as text (`absent`, or its type and printed query), for a fingerprint.
pub async fn state(pool: &MySqlPool, name: &str) -> Result<String, sqlx::Error> {
    Ok(match live(pool, name).await? {
        None => "absent".into(),
        Some((kind, definition)) => format!("{kind}\n{}", definition.unwrap_or_default()),
    })
}

pub async fn plan(pool: &MySqlPool, views: &[(&str, &PlainView)]) -> Result<Vec<PlannedStatement>, crate::MysqlError> {
    let mut out = Vec::new();
    for &(name, spec) in views {
        let live = live(pool, name).await?;
        if spec.is_deleted {
            if live.as_ref().is_some_and(|(kind, _)| kind == "VIEW") {
                out.push(
                    statement(name, format!("DROP VIEW {}", quote_mysql_ident(name)))
                        .with_hazard(HazardKind::MayFail, "isDeleted; views that read it fail from then on"),
                );
            }
            continue;
        }
        match live {
            None => out.push(statement(name, create_sql(name, spec, false))),
            Some((kind, _)) if kind != "VIEW" => out.push(
                statement(name, create_sql(name, spec, false))
                    .with_hazard(HazardKind::MayFail, format!("a {kind} named {name} exists: the server refuses to create the view")),
            ),
            Some((_, definition)) => {
                let wanted = scratch(pool, &spec.query).await;
                let wanted = wanted.map_err(|source| crate::MysqlError::ViewQuery { view: name.to_string(), source })?;
                if wanted.is_none() || wanted != definition {
                    out.push(statement(name, create_sql(name, spec, true)));
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_name_is_back_quoted() {
        let spec = PlainView { query: "SELECT 1 AS one;".into(), is_deleted: false };
        assert_eq!(create_sql("a`b", &spec, true), "CREATE OR REPLACE VIEW `a``b` AS\nSELECT 1 AS one");
    }
}
