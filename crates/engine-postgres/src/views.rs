//! Views, planned against `pg_class`: a missing one is created; one whose query changed is
//! replaced (`CREATE OR REPLACE VIEW` when its columns only grow at the end, which is all that
//! statement can do; otherwise dropped and created); `isDeleted` drops it.
//!
//! Postgres re-prints a view's query (`pg_get_viewdef`: qualified columns, casts, its own
//! layout), so the spec's text cannot be compared with the live one. Instead the spec's query
//! is created as a temporary view in a transaction that is rolled back (a scratch), and the
//! server's printing of it is compared with the live view's: the same query prints the same,
//! so plans converge, and a view changed by hand is seen. When the scratch cannot be created
//! (the query reads a table or column this plan creates), the view is re-created.

use schemahero_plan::{HazardKind, PlannedStatement};
use schemahero_schema::seed::quote_ident;
use schemahero_schema::sql_safety::normalize_view_query;
use schemahero_schema::view::PlainView;
use sqlx::PgPool;

/// One view to plan: its name, the schema it goes in, and its section of the spec.
pub struct DesiredView<'a> {
    pub name: &'a str,
    pub schema: String,
    pub spec: &'a PlainView,
}

impl DesiredView<'_> {
    fn qualified(&self) -> String {
        format!("{}.{}", quote_ident(&self.schema), quote_ident(self.name))
    }

    fn display(&self) -> String {
        format!("{}.{}", self.schema, self.name)
    }

    fn create_sql(&self, or_replace: bool) -> String {
        let or_replace = if or_replace { "OR REPLACE " } else { "" };
        format!("CREATE {or_replace}VIEW {} AS\n{}", self.qualified(), normalize_view_query(&self.spec.query))
    }

    fn statement(&self, sql: String) -> PlannedStatement {
        let kind = schemahero_plan::statement_kind(&sql);
        PlannedStatement { kind, ..PlannedStatement::new(self.display(), sql) }
    }

    fn drop(&self, why: &str) -> PlannedStatement {
        self.statement(format!("DROP VIEW {}", self.qualified()))
            .with_hazard(HazardKind::MayFail, format!("{why}; fails if another view depends on it (Postgres refuses to drop it)"))
    }
}

/// A view as the server prints it: its query and its columns (name and type).
#[derive(Debug, PartialEq)]
struct Printed {
    definition: String,
    columns: Vec<(String, String)>,
}

/// The relation of that name: its kind (`v` for a view) and, for a view, how it prints.
async fn live(pool: &PgPool, schema: &str, name: &str) -> Result<Option<(String, Option<Printed>)>, sqlx::Error> {
    let row: Option<(i64, String, Option<String>)> = sqlx::query_as(
        "SELECT c.oid::int8, c.relkind::text, CASE WHEN c.relkind = 'v' THEN pg_get_viewdef(c.oid) END
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2",
    )
    .bind(schema)
    .bind(name)
    .fetch_optional(pool)
    .await?;
    let Some((oid, kind, definition)) = row else { return Ok(None) };
    let printed = match definition {
        Some(definition) => Some(Printed { definition, columns: columns(pool, oid).await? }),
        None => None,
    };
    Ok(Some((kind, printed)))
}

async fn columns<'e>(executor: impl sqlx::PgExecutor<'e>, oid: i64) -> Result<Vec<(String, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT attname::text, format_type(atttypid, atttypmod) FROM pg_attribute
         WHERE attrelid = $1::oid AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
    )
    .bind(oid)
    .fetch_all(executor)
    .await
}

/// SQLSTATEs that say the query reads something that does not exist (yet): an undefined table,
/// column, function, object or schema. Anything else (a syntax error, no right to create
/// temporary objects) is an error of its own, not a reason to re-create the view every time.
const NOT_THERE_YET: &[&str] = &["42P01", "42703", "42883", "42704", "3F000"];

/// How the server prints the spec's query (see the module); `None` when it cannot be created
/// now because it reads something that does not exist yet.
async fn scratch(pool: &PgPool, query: &str) -> Result<Option<Printed>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    // Checked by `sql_safety::check_view_query` when the spec was read: one query, nothing else.
    let create = format!("CREATE TEMPORARY VIEW schemahero_scratch_view AS\n{}", normalize_view_query(query));
    let created = sqlx::raw_sql(sqlx::AssertSqlSafe(create)).execute(&mut *tx).await;
    if let Err(e) = created {
        let not_yet = e.as_database_error().and_then(|d| d.code()).is_some_and(|c| NOT_THERE_YET.contains(&c.as_ref()));
        return if not_yet { Ok(None) } else { Err(e) };
    }
    let (oid, definition): (i64, String) = sqlx::query_as(
        "SELECT c.oid::int8, pg_get_viewdef(c.oid) FROM pg_class c WHERE c.oid = 'pg_temp.schemahero_scratch_view'::regclass",
    )
    .fetch_one(&mut *tx)
    .await?;
    let columns = columns(&mut *tx, oid).await?;
    tx.rollback().await?;
    Ok(Some(Printed { definition, columns }))
}

/// The view's live state as one text (`absent`, or its kind, printing and columns): what a plan
/// was made against, compared again before it is applied.
pub async fn state(pool: &PgPool, view: &DesiredView<'_>) -> Result<String, sqlx::Error> {
    Ok(match live(pool, &view.schema, view.name).await? {
        None => "absent".into(),
        Some((kind, None)) => format!("relkind {kind}"),
        Some((kind, Some(p))) => {
            let columns: Vec<String> = p.columns.iter().map(|(n, t)| format!("{n} {t}")).collect();
            format!("relkind {kind}\n{}\n{}", p.definition, columns.join(","))
        }
    })
}

pub async fn plan(pool: &PgPool, views: &[DesiredView<'_>]) -> Result<Vec<PlannedStatement>, crate::PostgresError> {
    let mut out = Vec::new();
    for v in views {
        let live = live(pool, &v.schema, v.name).await?;
        if v.spec.is_deleted {
            if let Some((_, Some(_))) = live {
                out.push(v.drop("isDeleted"));
            }
            continue;
        }
        let current = match live {
            None => {
                out.push(v.statement(v.create_sql(false)));
                continue;
            }
            Some((kind, None)) => {
                out.push(v.statement(v.create_sql(false)).with_hazard(
                    HazardKind::MayFail,
                    format!(
                        "a relation named {} that is not a view exists (relkind {kind}): Postgres refuses to create the view",
                        v.display()
                    ),
                ));
                continue;
            }
            Some((_, Some(printed))) => printed,
        };
        let printed = scratch(pool, &v.spec.query).await;
        let printed = printed.map_err(|source| crate::PostgresError::ViewQuery { view: v.display(), source })?;
        match printed {
            Some(wanted) if wanted == current => {}
            Some(wanted) if wanted.columns.starts_with(&current.columns) => out.push(v.statement(v.create_sql(true))),
            Some(_) => {
                out.push(v.drop("its columns change, which CREATE OR REPLACE VIEW cannot do: dropped and created again"));
                out.push(v.statement(v.create_sql(false)));
            }
            None => {
                out.push(v.drop("its query reads what does not exist yet (created by this plan?): dropped and created again"));
                out.push(v.statement(v.create_sql(false)));
            }
        }
    }
    Ok(out)
}

/// Views (any schema) that depend on the table `schema.table`: a change of a column's type, a
/// dropped column or a dropped table is refused by Postgres while they exist.
pub async fn dependent_views(pool: &PgPool, schema: &str, table: &str) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT DISTINCT vn.nspname || '.' || v.relname
         FROM pg_depend d
         JOIN pg_rewrite r ON r.oid = d.objid
         JOIN pg_class v ON v.oid = r.ev_class AND v.relkind IN ('v', 'm')
         JOIN pg_namespace vn ON vn.oid = v.relnamespace
         JOIN pg_class t ON t.oid = d.refobjid
         JOIN pg_namespace tn ON tn.oid = t.relnamespace
         WHERE d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_class'::regclass
           AND tn.nspname = $1 AND t.relname = $2 AND v.oid <> t.oid
         ORDER BY 1",
    )
    .bind(schema)
    .bind(table)
    .fetch_all(pool)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_quote_the_name_and_keep_the_query() {
        let spec = PlainView { query: "SELECT 1 AS one;".into(), is_deleted: false };
        let v = DesiredView { name: "we\"ird", schema: "app".into(), spec: &spec };
        assert_eq!(v.create_sql(true), "CREATE OR REPLACE VIEW \"app\".\"we\"\"ird\" AS\nSELECT 1 AS one");
        let drop = v.drop("isDeleted");
        assert_eq!((drop.sql.as_str(), drop.kind().as_str()), ("DROP VIEW \"app\".\"we\"\"ird\"", "DROP VIEW"));
        assert_eq!(drop.hazards.len(), 1);
    }
}
