//! The spec parser: YAML documents (Tables, Databases, anything else) as `load_specs` reads
//! them, then what the planner does with a Database document (read it, resolve its connection).
#![no_main]

use libfuzzer_sys::fuzz_target;
use schemahero_schema::database::DatabaseManifest;
use schemahero_schema::{Document, SpecError, parse_documents};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let parsed = match parse_documents("fuzz.yaml", text) {
        Ok(parsed) => parsed,
        Err(e) => {
            // Every error names the file it came from.
            let file = match &e {
                SpecError::Yaml { file, .. } | SpecError::Document { file, .. } | SpecError::Field { file, .. } => file,
            };
            assert!(file.starts_with("fuzz.yaml"), "{e}");
            return;
        }
    };
    for document in &parsed.documents {
        match document {
            Document::Table(table) => {
                // Validation passed: the table has a name (from the spec or metadata).
                assert!(!table.spec.name.is_empty(), "a validated table without a name: {table:?}");
            }
            Document::Other(other) => {
                if let Some(Ok(db)) = DatabaseManifest::from_document(other) {
                    let env = |name: &str| Some(format!("env-{name}"));
                    let secret = |_: &str, _: &str| None;
                    let _ = db.spec.resolve(&db.name, &env, &secret);
                }
            }
        }
    }
});
