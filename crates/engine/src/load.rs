//! Reading spec files and directories.

use schemahero_schema::extension::ExtensionManifest;
use schemahero_schema::function::FunctionManifest;
use schemahero_schema::view::ViewManifest;
use schemahero_schema::{Document, OtherDocument, SpecError, TableManifest, Warning, parse_documents};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error(transparent)]
    Spec(#[from] SpecError),
    #[error("{first} and {second} both define table {table:?}")]
    Duplicate { table: String, first: String, second: String },
}

#[derive(Debug, Default)]
pub struct LoadedSpecs {
    pub tables: Vec<TableManifest>,
    /// DatabaseExtensions (also kept in `others`).
    pub extensions: Vec<ExtensionManifest>,
    /// Functions (also kept in `others`).
    pub functions: Vec<FunctionManifest>,
    /// Views (also kept in `others`).
    pub views: Vec<ViewManifest>,
    pub others: Vec<OtherDocument>,
    pub warnings: Vec<Warning>,
}

/// Loads a file, or every file under a directory (recursively, in name order, hidden files and
/// directories skipped).
pub fn load_specs(path: &Path) -> Result<LoadedSpecs, LoadError> {
    let io = |p: &Path, source| LoadError::Io { path: p.display().to_string(), source };
    let meta = std::fs::metadata(path).map_err(|e| io(path, e))?;
    let files = if meta.is_dir() {
        let mut files = Vec::new();
        collect_files(path, &mut files).map_err(|e| io(path, e))?;
        files
    } else {
        vec![path.to_path_buf()]
    };
    let mut loaded = LoadedSpecs::default();
    let mut seen: std::collections::HashMap<(String, String, Option<String>), String> = std::collections::HashMap::new();
    for file in files {
        let text = std::fs::read_to_string(&file).map_err(|e| io(&file, e))?;
        let parsed = parse_documents(&file.display().to_string(), &text)?;
        loaded.warnings.extend(parsed.warnings);
        for document in parsed.documents {
            match document {
                Document::Table(t) => {
                    let key = (t.spec.database.clone(), t.spec.name.clone(), pg_schema(&t));
                    if let Some(first) = seen.insert(key, t.source.clone()) {
                        return Err(LoadError::Duplicate { table: t.spec.name.clone(), first, second: t.source.clone() });
                    }
                    loaded.tables.push(t)
                }
                Document::Other(o) => {
                    if let Some(extension) = ExtensionManifest::from_document(&o) {
                        loaded.extensions.push(extension?);
                    }
                    if let Some(function) = FunctionManifest::from_document(&o) {
                        loaded.functions.push(function?);
                    }
                    if let Some(view) = ViewManifest::from_document(&o) {
                        loaded.views.push(view?);
                    }
                    loaded.others.push(o)
                }
            }
        }
    }
    Ok(loaded)
}

fn pg_schema(t: &TableManifest) -> Option<String> {
    t.spec.schema.as_ref().and_then(|s| s.postgres.as_ref()).and_then(|p| p.schema.clone())
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            collect_files(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use schemahero_schema::SpecError;

    /// A spec whose type would inject SQL is refused when it is loaded, before any engine sees
    /// it: the error names the file, the table, the column and the field.
    #[test]
    fn an_injected_type_is_refused_at_load_naming_file_table_column_and_field() {
        let dir = std::env::temp_dir().join(format!("schemahero-load-inject-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        let file = dir.join("victims.yaml");
        let spec = "database: db\nname: victims\nschema:\n  postgres:\n    columns:\n      - name: ok\n        type: text\n      - name: id\n        type: \"integer); drop table z; --\"\n";
        std::fs::write(&file, spec).unwrap_or_else(|e| panic!("{e}"));
        match load_specs(&dir) {
            Err(LoadError::Spec(SpecError::Field { file: f, table, field, message })) => {
                assert!(f.ends_with("victims.yaml"), "{f}");
                assert_eq!(table, "victims");
                assert_eq!(field, "spec.schema.postgres.columns[1].type");
                assert!(message.contains("column \"id\"") && message.contains("';'"), "{message}");
            }
            other => panic!("expected a spec error, got {other:?}"),
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
