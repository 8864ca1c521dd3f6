//! Every spec in the repository — the acceptance cases (real-world specs), the pending cases
//! and the examples — passes validation, including the checks that keep SQL out of specs: if
//! one of them is refused, the validator is wrong.

use std::path::{Path, PathBuf};

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
}

#[test]
fn every_spec_in_the_repository_validates() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    for dir in ["integration/cases", "integration/cases-pending", "examples"] {
        yaml_files(&root.join(dir), &mut files);
    }
    assert!(files.len() > 100, "found only {} spec files under {}", files.len(), root.display());
    let mut failures = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        if let Err(e) = schemahero_schema::parse_documents(&file.display().to_string(), &text) {
            failures.push(e.to_string());
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
