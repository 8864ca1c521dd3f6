//! The SQL migration store on both backends: SQLite (the default) and Postgres (for several
//! planner replicas). Same behaviour, including compare-and-set updates.

use schemahero_planner::model::{MigrationCondition, MigrationRecord, Phase, PlannedStatement};
use schemahero_planner::store::{Filter, MigrationStore, SqlStore};

fn record(id: &str, table: &str, planned_at: i64) -> MigrationRecord {
    MigrationRecord {
        id: id.into(),
        namespace: "default".into(),
        database: "db".into(),
        table_resource: table.into(),
        table: table.into(),
        phase: Phase::Planned,
        statements: vec![PlannedStatement {
            table: table.into(),
            sql: "CREATE TABLE \"x\" (a int)".into(),
            hazards: vec![schemahero_plan::Hazard { kind: schemahero_plan::HazardKind::MayFail, message: "why".into() }],
            kind: "CREATE TABLE".into(),
            // Execution hints are stored with the statement (as JSON) and come back unchanged.
            outside_transaction: true,
            lock_timeout_ms: Some(10_000),
            statement_timeout_ms: Some(250),
        }],
        fingerprint: "fp".into(),
        spec_hash: "hash".into(),
        spec_json: "{}".into(),
        planned_at,
        approved_at: 0,
        executed_at: 0,
        trace_id: "0af7651916cd43dd8448eb211c80319c".into(),
        traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".into(),
        error: String::new(),
        waiting_reason: String::new(),
        attempts: 0,
        executor: String::new(),
        reason: schemahero_planner::model::Reason::Spec,
        fencing_token: 0,
        lease_expires_at: 0,
        not_before: 0,
        version: 1,
        approved_by: String::new(),
        rejected_by: "bob".into(),
        recalculated_by: String::new(),
        resource_kind: String::new(),
        approval_comment: String::new(),
        rejection_comment: String::new(),
        revision: 0,
        conditions: Vec::new(),
    }
}

async fn exercise(store: SqlStore) {
    let start = store.current_revision().await.unwrap().expect("the SQL store keeps a change sequence");
    let mut a = record("a-1", "a", 10);
    a.approval_comment = "looks right".into();
    a.rejection_comment = "ünïcode, 'quotes' and \"double\" quotes".into();
    a.conditions = vec![
        MigrationCondition::new("Blocked", true, "HazardDenied", "statement 1 (CREATE TABLE on a) has hazard MAY_FAIL: why"),
        MigrationCondition::unknown("Validated", "NoScratch", "ünïcode 'quoted'"),
    ];
    store.insert(&a).await.unwrap();
    store.insert(&record("b-1", "b", 5)).await.unwrap();
    assert!(store.insert(&record("a-1", "a", 11)).await.is_err(), "ids are unique");
    assert_eq!(store.current_revision().await.unwrap(), Some(start + 2), "a failed insert leaves no committed revision");
    let got = store.get("a-1").await.unwrap().unwrap();
    assert_eq!(got.revision, start + 1, "each write takes the next revision");
    assert_eq!(got, MigrationRecord { revision: start + 1, ..a.clone() }, "round trip keeps every field");
    assert!(store.get("nope").await.unwrap().is_none());
    let function = MigrationRecord { resource_kind: "Function".into(), ..record("f-1", "count-users", 1) };
    store.insert(&function).await.unwrap();
    assert_eq!(store.get("f-1").await.unwrap().unwrap().resource_kind, "Function", "the kind of resource is kept");
    let all = store.list(&Filter::default()).await.unwrap();
    assert_eq!(all.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(), vec!["f-1", "b-1", "a-1"], "ordered by planning time");

    let mut approved = got.clone();
    approved.phase = Phase::Approved;
    approved.approved_by = "alice".into();
    approved.version = 2;
    approved.conditions.truncate(1);
    assert!(store.update(&approved).await.unwrap());
    assert_eq!(store.get("a-1").await.unwrap().unwrap().approved_by, "alice", "who approved is stored");
    assert_eq!(store.get("a-1").await.unwrap().unwrap().conditions, approved.conditions, "an update writes the conditions");
    let mut stale = got.clone();
    stale.phase = Phase::Rejected;
    stale.version = 2; // based on version 1, which is gone
    assert!(!store.update(&stale).await.unwrap(), "compare-and-set refuses a stale write");
    assert_eq!(store.get("a-1").await.unwrap().unwrap().phase, Phase::Approved);

    // The change sequence: the approval moved a-1 after b-1 and f-1; the refused write took
    // nothing visible.
    let changes = store.changes_since(start, 100).await.unwrap().unwrap();
    assert_eq!(
        changes.iter().map(|m| (m.id.as_str(), m.revision)).collect::<Vec<_>>(),
        vec![("b-1", start + 2), ("f-1", start + 3), ("a-1", start + 4)]
    );
    assert_eq!(changes[2].phase, Phase::Approved, "a change is read as the migration is now");
    let after_b = store.changes_since(start + 2, 100).await.unwrap().unwrap();
    assert_eq!(after_b.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(), vec!["f-1", "a-1"]);
    assert_eq!(store.changes_since(start, 1).await.unwrap().unwrap().len(), 1, "at most the limit");
    assert!(store.current_revision().await.unwrap() >= Some(start + 4));

    // Pages in listing order (planned_at, id), continuing after a given migration.
    store.insert(&record("c-1", "c", 5)).await.unwrap(); // same planned_at as b-1: the id decides
    let page = store.list_page(&Filter::default(), None, 3).await.unwrap();
    assert_eq!(page.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(), vec!["f-1", "b-1", "c-1"]);
    let next = store.list_page(&Filter::default(), Some((5, "c-1".into())), 2).await.unwrap();
    assert_eq!(next.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(), vec!["a-1"]);
    let filtered = store.list_page(&Filter { table: Some("c".into()), ..Filter::default() }, Some((5, "b-1".into())), 10).await.unwrap();
    assert_eq!(filtered.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(), vec!["c-1"]);
    let counts = store.count_by_phase().await.unwrap();
    assert_eq!((counts.get(&Phase::Approved), counts.get(&Phase::Planned), counts.get(&Phase::Failed)), (Some(&1), Some(&3), None));
    let approved_only = store.list(&Filter { phase: Some(Phase::Approved), ..Filter::default() }).await.unwrap();
    assert_eq!(approved_only.len(), 1);
    let by_table = store.list(&Filter { table: Some("b".into()), namespace: Some("default".into()), ..Filter::default() }).await.unwrap();
    assert_eq!(by_table.len(), 1);

    let t1 = store.next_fencing_token().await.unwrap();
    let t2 = store.next_fencing_token().await.unwrap();
    assert_eq!(t2, t1 + 1);

    assert_eq!(store.planned_spec_hash("default", "a").await.unwrap(), None);
    store.set_planned_spec_hash("default", "a", Some("h1")).await.unwrap();
    store.set_planned_spec_hash("default", "a", Some("h2")).await.unwrap();
    assert_eq!(store.planned_spec_hash("default", "a").await.unwrap().as_deref(), Some("h2"));
    store.set_planned_spec_hash("default", "a", None).await.unwrap();
    assert_eq!(store.planned_spec_hash("default", "a").await.unwrap(), None);
}

#[tokio::test]
async fn sqlite_store() {
    let path = std::env::temp_dir().join(format!("schemahero-store-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    exercise(SqlStore::open(path.to_str().unwrap()).await.unwrap()).await;
    // Reopening finds what was stored (survives a planner restart).
    let reopened = SqlStore::open(path.to_str().unwrap()).await.unwrap();
    assert_eq!(reopened.get("a-1").await.unwrap().map(|m| m.phase), Some(Phase::Approved));
    let _ = std::fs::remove_file(&path);
}

/// A store made before `approved_by` & co. existed gains them on open and keeps its rows.
#[tokio::test]
async fn old_sqlite_store_gains_the_review_columns() {
    use sqlx::Connection;
    let path = std::env::temp_dir().join(format!("schemahero-old-store-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    {
        let mut old = sqlx::SqliteConnection::connect(&format!("sqlite://{}?mode=rwc", path.display())).await.unwrap();
        sqlx::raw_sql(
            "CREATE TABLE schemahero_migrations (
              id TEXT PRIMARY KEY, namespace TEXT NOT NULL, database_name TEXT NOT NULL, table_resource TEXT NOT NULL,
              table_name TEXT NOT NULL, phase TEXT NOT NULL, statements_json TEXT NOT NULL, fingerprint TEXT NOT NULL,
              spec_hash TEXT NOT NULL, spec_json TEXT NOT NULL, planned_at BIGINT NOT NULL, approved_at BIGINT NOT NULL,
              executed_at BIGINT NOT NULL, trace_id TEXT NOT NULL, error TEXT NOT NULL, waiting_reason TEXT NOT NULL,
              attempts BIGINT NOT NULL, executor TEXT NOT NULL, reason TEXT NOT NULL, fencing_token BIGINT NOT NULL,
              lease_expires_at BIGINT NOT NULL, not_before BIGINT NOT NULL, version BIGINT NOT NULL, traceparent TEXT NOT NULL);
             INSERT INTO schemahero_migrations VALUES ('old-1', 'default', 'db', 't', 't', 'Approved',
               '[{\"table\":\"t\",\"sql\":\"DROP TABLE t\",\"hazards\":[[\"DELETES_DATA\",\"drops t\"]]}]', 'fp', 'h', '{}',
               1, 2, 0, '', '', '', 0, '', 'spec', 0, 0, 0, 3, '');",
        )
        .execute(&mut old)
        .await
        .unwrap();
    }
    let store = SqlStore::open(path.to_str().unwrap()).await.unwrap();
    let old = store.get("old-1").await.unwrap().expect("the old row is still there");
    assert_eq!((old.phase, old.version, old.approved_by.as_str()), (Phase::Approved, 3, ""));
    assert!(old.is_table(), "rows from before Functions and DatabaseExtensions are Tables'");
    assert_eq!((old.revision, old.approval_comment.as_str()), (0, ""), "rows from before revisions are at 0");
    assert!(old.conditions.is_empty(), "rows from before conditions have none");
    assert_eq!(store.changes_since(-1, 10).await.unwrap().unwrap().len(), 1, "a watch from the start sends them");
    // Statements in the layout before hazards were typed (`[kind, message]` pairs) still read.
    assert_eq!(old.statements[0].hazards[0].kind, schemahero_plan::HazardKind::DeletesData);
    assert_eq!(old.statements[0].hazards[0].message, "drops t");
    assert_eq!(old.statements[0].kind, "DROP TABLE", "the kind, not stored then, is read from the SQL");
    assert!(!old.statements[0].has_hints(), "statements stored before hints existed have none");
    drop(store);
    // Opening again finds the columns in place.
    let store = SqlStore::open(path.to_str().unwrap()).await.unwrap();
    assert!(store.get("old-1").await.unwrap().is_some());
    let _ = std::fs::remove_file(&path);
}

#[tokio::test]
async fn postgres_store() {
    use sqlx::Connection;
    let server = std::env::var("SCHEMAHERO_TEST_POSTGRES").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
    let mut admin = sqlx::PgConnection::connect(&format!("{server}/postgres")).await.expect("PostgreSQL must be reachable");
    for sql in ["DROP DATABASE IF EXISTS shstore WITH (FORCE)", "CREATE DATABASE shstore"] {
        sqlx::raw_sql(sql).execute(&mut admin).await.unwrap();
    }
    exercise(SqlStore::open(&format!("{server}/shstore")).await.unwrap()).await;
}

#[tokio::test]
async fn postgres_replicas_take_transitions_one_at_a_time() {
    use sqlx::Connection;
    use std::time::Duration;
    let server = std::env::var("SCHEMAHERO_TEST_POSTGRES").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
    let mut admin = sqlx::PgConnection::connect(&format!("{server}/postgres")).await.expect("PostgreSQL must be reachable");
    for sql in ["DROP DATABASE IF EXISTS shstore_lock WITH (FORCE)", "CREATE DATABASE shstore_lock"] {
        sqlx::raw_sql(sql).execute(&mut admin).await.unwrap();
    }
    let url = format!("{server}/shstore_lock");
    let (a, b) = (SqlStore::open(&url).await.unwrap(), SqlStore::open(&url).await.unwrap());
    let held = a.lock_transitions().await.unwrap();
    let waiting = tokio::time::timeout(Duration::from_millis(300), b.lock_transitions()).await;
    assert!(waiting.is_err(), "a second replica must wait while the first holds the transition lock");
    drop(held);
    let second = tokio::time::timeout(Duration::from_secs(5), b.lock_transitions()).await;
    assert!(second.is_ok_and(|r| r.is_ok()), "released when the first replica is done");

    // SQLite serves one planner: no lock to wait for.
    let path = std::env::temp_dir().join(format!("schemahero-lock-{}.db", std::process::id()));
    let lite = SqlStore::open(path.to_str().unwrap()).await.unwrap();
    let _one = lite.lock_transitions().await.unwrap();
    assert!(tokio::time::timeout(Duration::from_millis(300), lite.lock_transitions()).await.is_ok());
    let _ = std::fs::remove_file(&path);
}
