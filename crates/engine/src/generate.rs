//! `generate`: one Table manifest per live table, as SchemaHero writes them.

use schemahero_schema::spec::{MysqlTableSchema, PostgresTableSchema, SqliteTableSchema, TableSchema, TableSpec};
use serde::Serialize;

pub struct GeneratedFile {
    pub file_name: String,
    pub contents: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Manifest<'a> {
    api_version: &'static str,
    kind: &'static str,
    metadata: Metadata,
    spec: &'a TableSpec,
}

#[derive(Serialize)]
struct Metadata {
    name: String,
}

/// A Kubernetes object name for a table: lower case, `_` and other characters as `-`.
pub fn object_name(table: &str, schema: Option<&str>) -> String {
    let raw = match schema {
        Some(s) => format!("{s}-{table}"),
        None => table.to_string(),
    };
    let mut name: String = raw.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
    name = name.trim_matches('-').to_string();
    if name.is_empty() {
        name = "table".into();
    }
    name.truncate(253);
    name
}

pub enum GeneratedSchema {
    Postgres { cockroach: bool, schema: PostgresTableSchema },
    Sqlite(SqliteTableSchema),
    Mysql(MysqlTableSchema),
}

/// Renders the manifests plus a `kustomization.yaml` listing them.
pub fn generated_files(database: &str, tables: Vec<(Option<String>, String, GeneratedSchema)>) -> Result<Vec<GeneratedFile>, String> {
    let mut files = Vec::new();
    let mut used = std::collections::HashSet::new();
    for (schema_name, table, schema) in tables {
        let mut name = object_name(&table, schema_name.as_deref());
        let mut n = 2;
        while !used.insert(name.clone()) {
            name = format!("{}-{n}", object_name(&table, schema_name.as_deref()));
            n += 1;
        }
        let schema = match schema {
            GeneratedSchema::Postgres { cockroach: false, schema } => TableSchema { postgres: Some(schema), ..TableSchema::default() },
            GeneratedSchema::Postgres { cockroach: true, schema } => TableSchema { cockroachdb: Some(schema), ..TableSchema::default() },
            GeneratedSchema::Sqlite(schema) => TableSchema { sqlite: Some(schema), ..TableSchema::default() },
            GeneratedSchema::Mysql(schema) => TableSchema { mysql: Some(schema), ..TableSchema::default() },
        };
        let spec = TableSpec {
            database: database.to_string(),
            name: table,
            renamed_from: None,
            requires: Vec::new(),
            schema: Some(schema),
            seed_data: None,
        };
        let manifest = Manifest {
            api_version: "schemas.schemahero.io/v1alpha4",
            kind: "Table",
            metadata: Metadata { name: name.clone() },
            spec: &spec,
        };
        let contents = serde_saphyr::to_string(&manifest).map_err(|e| e.to_string())?;
        files.push(GeneratedFile { file_name: format!("{name}.yaml"), contents });
    }
    let mut kustomization = String::from("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n");
    for f in &files {
        kustomization.push_str(&format!("  - ./{}\n", f.file_name));
    }
    files.push(GeneratedFile { file_name: "kustomization.yaml".into(), contents: kustomization });
    Ok(files)
}
