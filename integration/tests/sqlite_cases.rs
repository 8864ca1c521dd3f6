//! Runs every case under `integration/cases/sqlite` against a fresh SQLite file each.

use schemahero_engine::Driver;
use schemahero_integration::{all_cases, dump, list_cases, run_case};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_acceptance_cases() {
    let cases = list_cases("sqlite");
    let dir = std::env::temp_dir().join(format!("schemahero-sqlite-cases-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut failures = Vec::new();
    for case in &cases {
        let name = case.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
        let path = dir.join(format!("{name}.db"));
        let _ = std::fs::remove_file(&path);
        let uri = path.display().to_string();
        match run_case(case, Driver::Sqlite, &uri, |u| async move { dump::sqlite(&u).await }).await {
            Ok(()) => println!("case {name}: ok"),
            Err(e) => {
                println!("case {name}: FAILED\n{e}");
                failures.push(name);
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{} of {} sqlite cases failed: {failures:?}", failures.len(), cases.len());
    assert!(!all_cases() || cases.len() >= 30, "expected at least 30 sqlite cases, found {}", cases.len());
}
