//! DatabaseExtensions: the extensions a database should have, planned against `pg_extension`.
//! An extension that is there with the wanted version and schema plans nothing; a missing one
//! is created, a different version updated, a different schema moved.

use schemahero_plan::{HazardKind, PlannedStatement};
use schemahero_schema::extension::PostgresExtension;
use schemahero_schema::seed::quote_ident;
use sqlx::PgPool;
use std::collections::HashMap;

/// An installed extension: its version and schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveExtension {
    pub version: String,
    pub schema: String,
}

pub async fn introspect(pool: &PgPool) -> Result<HashMap<String, LiveExtension>, sqlx::Error> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT e.extname::text, e.extversion, n.nspname::text FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|(name, version, schema)| (name, LiveExtension { version, schema })).collect())
}

/// The statements that bring `live` to `desired` (names, schemas and versions were checked
/// when the spec was read; the version is a plain literal).
pub fn plan(desired: &[PostgresExtension], live: &HashMap<String, LiveExtension>) -> Vec<PlannedStatement> {
    let mut out = Vec::new();
    for ext in desired {
        let name = quote_ident(&ext.name);
        let statement = |sql: String| PlannedStatement::new(ext.name.as_str(), sql);
        match live.get(&ext.name) {
            None => {
                let mut sql = format!("CREATE EXTENSION IF NOT EXISTS {name}");
                if let Some(schema) = &ext.schema {
                    sql.push_str(&format!(" WITH SCHEMA {}", quote_ident(schema)));
                }
                if let Some(version) = &ext.version {
                    sql.push_str(&format!(" VERSION '{version}'"));
                }
                out.push(statement(sql).with_hazard(HazardKind::MayFail, "fails unless the server has the extension's files installed"));
            }
            Some(l) => {
                if let Some(version) = ext.version.as_ref().filter(|v| **v != l.version) {
                    out.push(statement(format!("ALTER EXTENSION {name} UPDATE TO '{version}'")).with_hazard(
                        HazardKind::MayFail,
                        format!("fails unless the server has an update path from {} to {version}", l.version),
                    ));
                }
                if let Some(schema) = ext.schema.as_ref().filter(|s| **s != l.schema) {
                    out.push(statement(format!("ALTER EXTENSION {name} SET SCHEMA {}", quote_ident(schema))));
                }
            }
        }
    }
    out
}

/// Drops the extension when its resource is deleted with `removeOnDeletion`: planned without a
/// connection (the database may be unreachable then), hence `IF EXISTS`; no CASCADE, so it
/// fails rather than drop columns or functions that use the extension.
pub fn removal(ext: &PostgresExtension) -> PlannedStatement {
    PlannedStatement::new(ext.name.as_str(), format!("DROP EXTENSION IF EXISTS {}", quote_ident(&ext.name))).with_hazard(
        HazardKind::MayFail,
        "the DatabaseExtension was deleted with removeOnDeletion; fails if columns, indexes or functions still use it",
    )
}

/// The extension's live version and schema as one text, or `absent`.
pub fn state(name: &str, live: &HashMap<String, LiveExtension>) -> String {
    match live.get(name) {
        Some(l) => format!("{}\n{}", l.version, l.schema),
        None => "absent".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ext(name: &str, version: Option<&str>, schema: Option<&str>) -> PostgresExtension {
        PostgresExtension { name: name.into(), version: version.map(String::from), schema: schema.map(String::from) }
    }

    #[test]
    fn creates_updates_and_moves_only_what_differs() {
        let live = HashMap::from([("citext".to_string(), LiveExtension { version: "1.6".into(), schema: "public".into() })]);
        let sql = |d: &[PostgresExtension]| plan(d, &live).into_iter().map(|s| s.sql).collect::<Vec<_>>();
        assert_eq!(sql(&[ext("citext", None, None)]), Vec::<String>::new());
        assert_eq!(sql(&[ext("citext", Some("1.6"), Some("public"))]), Vec::<String>::new());
        assert_eq!(
            sql(&[ext("citext", Some("1.5"), Some("ext"))]),
            ["ALTER EXTENSION \"citext\" UPDATE TO '1.5'", "ALTER EXTENSION \"citext\" SET SCHEMA \"ext\""]
        );
        assert_eq!(
            sql(&[ext("pg_trgm", Some("1.6"), Some("public"))]),
            ["CREATE EXTENSION IF NOT EXISTS \"pg_trgm\" WITH SCHEMA \"public\" VERSION '1.6'"]
        );
        assert_eq!(plan(&[ext("uuid-ossp", None, None)], &live)[0].kind(), "CREATE EXTENSION");
        let drop = removal(&ext("uuid-ossp", None, None));
        assert_eq!((drop.sql.as_str(), drop.kind().as_str()), ("DROP EXTENSION IF EXISTS \"uuid-ossp\"", "DROP EXTENSION"));
        assert_ne!(state("citext", &live), state("pg_trgm", &live));
    }
}
