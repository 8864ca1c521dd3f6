//! Views, planned against `sqlite_master`. SQLite keeps a view's `CREATE VIEW` statement as
//! it was written, so the statement this engine would write is compared with the stored one:
//! the same spec converges, and a changed query (or a view written differently by hand) is
//! dropped and created again (SQLite has no `CREATE OR REPLACE VIEW`), inside the plan's
//! transaction. A view whose text matches but which no longer compiles (SQLite lets a table
//! lose a column a view reads, and creates a view without checking it) is a planning error
//! naming the view and what is missing. `isDeleted` drops it.

use schemahero_plan::{HazardKind, PlannedStatement};
use schemahero_schema::seed::quote_ident;
use schemahero_schema::sql_safety::normalize_view_query;
use schemahero_schema::view::PlainView;
use sqlx::SqlitePool;

fn create_sql(name: &str, spec: &PlainView) -> String {
    format!("CREATE VIEW {} AS\n{}", quote_ident(name), normalize_view_query(&spec.query))
}

fn statement(name: &str, sql: String) -> PlannedStatement {
    let kind = schemahero_plan::statement_kind(&sql);
    PlannedStatement { kind, ..PlannedStatement::new(name, sql) }
}

/// The object of that name (names are case-insensitive): its type and stored statement.
async fn live(pool: &SqlitePool, name: &str) -> Result<Option<(String, Option<String>)>, sqlx::Error> {
    sqlx::query_as("SELECT type, sql FROM sqlite_master WHERE lower(name) = lower(?) AND type IN ('table', 'view')")
        .bind(name)
        .fetch_optional(pool)
        .await
}

/// Why the view does not compile against the tables as they are now, if it does not.
async fn broken(pool: &SqlitePool, name: &str) -> Result<Option<String>, sqlx::Error> {
    let probe = format!("SELECT * FROM {} LIMIT 0", quote_ident(name));
    match sqlx::query(sqlx::AssertSqlSafe(probe)).fetch_all(pool).await {
        Ok(_) => Ok(None),
        Err(sqlx::Error::Database(e)) => Ok(Some(e.message().to_string())),
        Err(e) => Err(e),
    }
}

/// The view's live state as text (`absent`, or its type and statement), for a fingerprint.
pub async fn state(pool: &SqlitePool, name: &str) -> Result<String, sqlx::Error> {
    Ok(match live(pool, name).await? {
        None => "absent".into(),
        Some((kind, sql)) => format!("{kind}\n{}", sql.unwrap_or_default()),
    })
}

pub async fn plan(pool: &SqlitePool, views: &[(&str, &PlainView)]) -> Result<Vec<PlannedStatement>, crate::SqliteError> {
    let mut out = Vec::new();
    for &(name, spec) in views {
        let live = live(pool, name).await?;
        let is_view = live.as_ref().is_some_and(|(kind, _)| kind == "view");
        let drop = || statement(name, format!("DROP VIEW {}", quote_ident(name)));
        if spec.is_deleted {
            if is_view {
                out.push(drop().with_hazard(HazardKind::MayFail, "isDeleted; views and triggers that read it fail from then on"));
            }
            continue;
        }
        let wanted = create_sql(name, spec);
        match live {
            None => out.push(statement(name, wanted)),
            Some((kind, _)) if kind != "view" => out.push(
                statement(name, wanted)
                    .with_hazard(HazardKind::MayFail, format!("a {kind} named {name} exists: SQLite refuses to create the view")),
            ),
            Some((_, sql)) if sql.as_deref() == Some(wanted.as_str()) => {
                if let Some(why) = broken(pool, name).await? {
                    return Err(crate::SqliteError::BrokenView { view: name.to_string(), message: why });
                }
            }
            Some(_) => {
                out.push(drop());
                out.push(statement(name, wanted));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_statement_is_what_sqlite_stores() {
        let spec = PlainView { query: " SELECT 1 AS one ; ".into(), is_deleted: false };
        assert_eq!(create_sql("a\"b", &spec), "CREATE VIEW \"a\"\"b\" AS\nSELECT 1 AS one");
    }
}
