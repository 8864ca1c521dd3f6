//! Views in a plan: which section each engine reads, the order views are created in (after
//! the views they read), and, on Postgres, views dropped and re-created around the table
//! changes the server refuses while a view reads the table.

use crate::{Driver, EngineError, SchemaEngine};
use schemahero_plan::{HazardKind, PlannedStatement};
use schemahero_schema::Warning;
use schemahero_schema::sql_safety::Dialect;
use schemahero_schema::view::{PlainView, ViewManifest};

pub(crate) fn dialect(driver: Driver) -> Dialect {
    match driver {
        Driver::Postgres | Driver::CockroachDb => Dialect::Postgres,
        Driver::Mysql => Dialect::Mysql,
        Driver::Sqlite => Dialect::Sqlite,
    }
}

/// The (name, section) of each view with a section for `driver`; the others become warnings.
pub(crate) fn sections<'a>(driver: Driver, views: &'a [ViewManifest], warnings: &mut Vec<Warning>) -> Vec<(&'a str, &'a PlainView)> {
    let mut out = Vec::new();
    for v in views {
        if driver == Driver::CockroachDb {
            warnings.push(Warning {
                source: v.source.clone(),
                message: format!(
                    "View {:?}: views are planned on Postgres, MySQL/MariaDB and SQLite; skipped for CockroachDB",
                    v.spec.name
                ),
            });
            continue;
        }
        match v.spec.section(driver.schema_key()) {
            Some(section) => out.push((v.spec.name.as_str(), section)),
            None => {
                let timescale = v.spec.schema.as_ref().is_some_and(|s| s.timescaledb.is_some());
                let note =
                    if timescale { " (its timescaledb section is read but not planned: there is no TimescaleDB driver)" } else { "" };
                warnings.push(Warning {
                    source: v.source.clone(),
                    message: format!("View {:?} has no spec.schema.{} section; skipped{note}", v.spec.name, driver.schema_key()),
                });
            }
        }
    }
    out
}

/// The views in an order where each comes after the other views (of these) it reads; a cycle
/// keeps the given order for the views in it (the server then says which one is missing).
pub(crate) fn in_dependency_order(driver: Driver, views: &[ViewManifest]) -> Vec<ViewManifest> {
    let dialect = dialect(driver);
    let reads: Vec<Vec<String>> = views.iter().map(|v| v.spec.reads(driver.schema_key(), dialect)).collect();
    let mut placed = vec![false; views.len()];
    let mut out = Vec::with_capacity(views.len());
    while out.len() < views.len() {
        let ready = (0..views.len()).find(|&i| {
            !placed[i]
                && reads[i]
                    .iter()
                    .all(|r| views.iter().enumerate().all(|(j, other)| placed[j] || j == i || !other.spec.name.eq_ignore_ascii_case(r)))
        });
        // In a cycle, the first view not placed goes next.
        let next = ready.unwrap_or_else(|| placed.iter().position(|p| !p).unwrap_or_default());
        placed[next] = true;
        out.push(views[next].clone());
    }
    out
}

/// What the plan runs before its table statements, the table statements, and the view
/// statements, with the managed views that read a table Postgres refuses to change under them
/// dropped first and created again last (inside the same transaction), and the table
/// statements' hazard about them dropped when every view it names is handled so.
pub(crate) async fn around_table_changes(
    engine: &dyn SchemaEngine,
    views: &[ViewManifest],
    tables: Vec<PlannedStatement>,
    view_statements: Vec<PlannedStatement>,
) -> Result<(Vec<PlannedStatement>, Vec<PlannedStatement>, Vec<PlannedStatement>), EngineError> {
    if engine.driver() != Driver::Postgres || views.is_empty() {
        return Ok((Vec::new(), tables, view_statements));
    }
    let refused: Vec<String> = tables.iter().filter(|s| s.hazards.iter().any(is_view_hazard)).map(|s| s.table.clone()).collect();
    if refused.is_empty() {
        return Ok((Vec::new(), tables, view_statements));
    }
    // The managed views (as `schema.name`) that read those tables.
    let mut readers: Vec<(String, Vec<String>)> = Vec::new();
    for table in refused {
        if readers.iter().any(|(t, _)| *t == table) {
            continue;
        }
        readers.push((table.clone(), engine.views_reading(&table).await?));
    }
    let managed = |qualified: &str| {
        views.iter().find(|v| {
            let live = v.spec.section("postgres").is_some_and(|s| !s.is_deleted);
            live && qualified.split_once('.').map(|(_, n)| n) == Some(v.spec.name.as_str())
        })
    };
    let recreate: Vec<&ViewManifest> = views
        .iter()
        .filter(|v| readers.iter().flat_map(|(_, r)| r).any(|q| managed(q).is_some_and(|m| m.spec.name == v.spec.name)))
        .collect();
    if recreate.is_empty() {
        return Ok((Vec::new(), tables, view_statements));
    }
    let schema_of = |v: &ViewManifest| {
        readers.iter().flat_map(|(_, r)| r).find(|q| q.split_once('.').map(|(_, n)| n) == Some(v.spec.name.as_str())).cloned()
    };
    let quoted = |qualified: &str| match qualified.split_once('.') {
        Some((s, n)) => format!("{}.{}", schemahero_schema::seed::quote_ident(s), schemahero_schema::seed::quote_ident(n)),
        None => schemahero_schema::seed::quote_ident(qualified),
    };
    let mut before = Vec::new();
    // Dropped in the reverse of creation order (a view reading another goes first).
    for v in recreate.iter().rev() {
        let qualified = schema_of(v).unwrap_or_else(|| v.spec.name.clone());
        before.push(
            PlannedStatement {
                kind: "DROP VIEW".into(),
                ..PlannedStatement::new(qualified.as_str(), format!("DROP VIEW {}", quoted(&qualified)))
            }
            .with_hazard(
                HazardKind::MayFail,
                "dropped so that the table change after it is allowed, and created again at the end of this plan; fails if a view not managed here reads it",
            ),
        );
    }
    let handled = |table: &str| readers.iter().filter(|(t, _)| t == table).flat_map(|(_, r)| r).all(|q| managed(q).is_some());
    let tables = tables
        .into_iter()
        .map(|mut s| {
            if handled(&s.table) {
                s.hazards.retain(|h| !is_view_hazard(h));
            }
            s
        })
        .collect();
    // Each re-created view: its own statements replaced by a plain CREATE, in view order.
    let mut after = Vec::new();
    for v in views {
        let rebuilt = recreate.iter().any(|r| r.spec.name == v.spec.name);
        let own: Vec<PlannedStatement> = view_statements.iter().filter(|s| statement_of(s, &v.spec.name)).cloned().collect();
        if !rebuilt {
            after.extend(own);
            continue;
        }
        let qualified = schema_of(v).unwrap_or_else(|| v.spec.name.clone());
        let query = v.spec.section("postgres").map(|s| schemahero_schema::sql_safety::normalize_view_query(&s.query)).unwrap_or_default();
        after.push(PlannedStatement {
            kind: "CREATE VIEW".into(),
            ..PlannedStatement::new(qualified.as_str(), format!("CREATE VIEW {} AS\n{query}", quoted(&qualified)))
        });
    }
    Ok((before, tables, after))
}

fn is_view_hazard(h: &schemahero_plan::Hazard) -> bool {
    h.kind == HazardKind::MayFail && h.message.starts_with("view(s) ")
}

/// Whether a view statement is the view `name`'s (its table is `schema.name` on Postgres).
fn statement_of(s: &PlannedStatement, name: &str) -> bool {
    s.table == name || s.table.split_once('.').map(|(_, n)| n) == Some(name)
}
