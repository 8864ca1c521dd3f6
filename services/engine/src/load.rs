//! Reading spec files and directories.

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
                Document::Other(o) => loaded.others.push(o),
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
