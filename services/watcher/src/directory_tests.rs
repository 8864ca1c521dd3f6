use super::*;
use crate::source::ResourceKind;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A temporary directory removed on drop (the workspace has no tempfile crate).
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let path = std::env::temp_dir().join(format!("schemahero-watcher-test-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    /// Writes atomically (hidden temp file, then rename) so a poll never sees half a file.
    fn write(&self, relative: &str, text: &str) {
        let path = self.0.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let tmp = path.with_file_name(format!(".tmp-{}", path.file_name().unwrap().to_string_lossy()));
        std::fs::write(&tmp, text).unwrap();
        std::fs::rename(&tmp, &path).unwrap();
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.0.join(relative)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const POLL: Duration = Duration::from_millis(10);

fn table(name: &str, column_type: &str) -> String {
    format!(
        "apiVersion: schemas.schemahero.io/v1alpha4\nkind: Table\nmetadata:\n  name: {name}\nspec:\n  database: db\n  name: {name}\n  schema:\n    postgres:\n      primaryKey: [id]\n      columns:\n        - name: id\n          type: {column_type}\n"
    )
}

fn database(name: &str, uri: &str) -> String {
    format!(
        "apiVersion: databases.schemahero.io/v1alpha4\nkind: Database\nmetadata:\n  name: {name}\n  namespace: apps\nspec:\n  immediateDeploy: true\n  connection:\n    postgres:\n      uri:\n        {uri}\n"
    )
}

async fn next(source: &mut DirectorySource) -> SourceEvent {
    tokio::time::timeout(Duration::from_secs(5), source.next_event()).await.expect("no event within 5s").expect("source ended")
}

/// The events that follow a change, once the source has been quiet for several polls.
async fn settle(source: &mut DirectorySource) -> Vec<SourceEvent> {
    let mut events = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while tokio::time::Instant::now() < deadline {
        match tokio::time::timeout(Duration::from_millis(150), source.next_event()).await {
            Ok(Some(event)) => events.push(event),
            Ok(None) => panic!("source ended"),
            Err(_) => break,
        }
    }
    events
}

fn table_key(name: &str) -> ResourceKey {
    ResourceKey::new(ResourceKind::Table, "default", name)
}

fn upserted_table(event: &SourceEvent) -> &Table {
    match event {
        SourceEvent::Upsert(Resource::Table(t)) => t,
        other => panic!("expected a table upsert, got {other:?}"),
    }
}

async fn started(dir: &TempDir) -> (DirectorySource, Vec<Resource>) {
    let mut source = DirectorySource::new(&dir.0, POLL).unwrap();
    match next(&mut source).await {
        SourceEvent::Snapshot(resources) => (source, resources),
        other => panic!("expected a snapshot first, got {other:?}"),
    }
}

#[tokio::test]
async fn initial_snapshot_reads_tables_and_databases_recursively() {
    let dir = TempDir::new();
    dir.write("databases/db.yaml", &database("db", "value: postgres://app:pw@h/main"));
    dir.write("tables/users.yaml", &table("users", "uuid"));
    dir.write("tables/more.yaml", &format!("{}---\n{}", table("a", "integer"), table("b", "integer")));
    dir.write(
        "tables/bare.yaml",
        "database: db\nname: bare\nschema:\n  postgres:\n    columns:\n      - name: id\n        type: integer\n",
    );
    dir.write("tables/.hidden.yaml", &table("hidden", "integer"));
    dir.write(".git/ignored.yaml", &table("ignored", "integer"));
    dir.write("kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [tables/users.yaml]\n");
    dir.write("secret.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  uri: x\n");

    let (_source, resources) = started(&dir).await;
    let keys: Vec<String> = resources.iter().map(|r| r.key().to_string()).collect();
    assert_eq!(keys, ["Database apps/db", "Table default/a", "Table default/b", "Table default/bare", "Table default/users"]);

    let Resource::Database(db) = &resources[0] else { panic!("{:?}", resources[0]) };
    assert_eq!((db.driver.as_str(), db.uri.as_str(), db.immediate_deploy), ("postgres", "postgres://app:pw@h/main", true));

    let Resource::Table(b) = &resources[2] else { panic!("{:?}", resources[2]) };
    assert_eq!(b.source, format!("{}#2", dir.path("tables/more.yaml").display()));
    let Resource::Table(users) = &resources[4] else { panic!("{:?}", resources[4]) };
    assert_eq!(users.source, dir.path("tables/users.yaml").display().to_string());
    let spec: serde_json::Value = serde_json::from_str(&users.spec_json).unwrap();
    assert_eq!(spec["name"], "users");
    assert_eq!(spec["schema"]["postgres"]["columns"][0]["type"], "uuid");
    assert_eq!(spec["schema"]["postgres"]["primaryKey"][0], "id");
}

#[tokio::test]
async fn create_edit_rename_and_delete_are_reported() {
    let dir = TempDir::new();
    dir.write("users.yaml", &table("users", "uuid"));
    let (mut source, resources) = started(&dir).await;
    assert_eq!(resources.len(), 1);

    dir.write("orders.yaml", &table("orders", "integer"));
    let events = settle(&mut source).await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(upserted_table(&events[0]).name, "orders");

    dir.write("orders.yaml", &table("orders", "bigint"));
    let events = settle(&mut source).await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert!(upserted_table(&events[0]).spec_json.contains("bigint"), "{events:?}");

    // A rename keeps the resource: at most an upsert carrying the new file name, never a delete.
    std::fs::rename(dir.path("orders.yaml"), dir.path("renamed.yaml")).unwrap();
    let events = settle(&mut source).await;
    assert!(events.len() <= 1, "{events:?}");
    for event in &events {
        let t = upserted_table(event);
        assert_eq!((t.name.as_str(), t.source.as_str()), ("orders", dir.path("renamed.yaml").to_str().unwrap()));
    }

    std::fs::remove_file(dir.path("renamed.yaml")).unwrap();
    assert_eq!(settle(&mut source).await, [SourceEvent::Delete(table_key("orders"))]);

    // Nothing changes, nothing is reported.
    assert_eq!(settle(&mut source).await, []);
}

#[tokio::test]
async fn a_broken_file_keeps_its_resources_and_does_not_stop_the_source() {
    let dir = TempDir::new();
    dir.write("users.yaml", &table("users", "uuid"));
    dir.write("never-good.yaml", "kind: Table\napiVersion: schemas.schemahero.io/v1alpha4\nspec: [unclosed\n");
    let (mut source, resources) = started(&dir).await;
    assert_eq!(resources.iter().map(Resource::key).collect::<Vec<_>>(), [table_key("users")]);

    dir.write("users.yaml", "apiVersion: schemas.schemahero.io/v1alpha4\nkind: Table\nmetadata: {name: users\n");
    assert_eq!(settle(&mut source).await, [], "a broken file must not delete what it defined");

    // Wrong types are errors too (not just YAML syntax).
    dir.write("users.yaml", &table("users", "uuid").replace("primaryKey: [id]", "primaryKey: 5"));
    assert_eq!(settle(&mut source).await, []);

    dir.write("orders.yaml", &table("orders", "integer"));
    let events = settle(&mut source).await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(upserted_table(&events[0]).name, "orders");

    dir.write("users.yaml", &table("users", "text"));
    let events = settle(&mut source).await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert!(upserted_table(&events[0]).spec_json.contains("\"text\""), "{events:?}");
}

#[tokio::test]
async fn a_database_that_cannot_be_resolved_keeps_the_previous_one() {
    let dir = TempDir::new();
    dir.write("db.yaml", &database("db", "value: postgres://h/one"));
    let (mut source, resources) = started(&dir).await;
    assert_eq!(resources.len(), 1);

    let unset = format!("SCHEMAHERO_WATCHER_TEST_UNSET_{}", std::process::id());
    dir.write("db.yaml", &database("db", &format!("valueFrom: {{env: {unset}}}")));
    assert_eq!(settle(&mut source).await, []);

    dir.write("db.yaml", &database("db", "value: postgres://h/two"));
    match settle(&mut source).await.as_slice() {
        [SourceEvent::Upsert(Resource::Database(db))] => assert_eq!(db.uri, "postgres://h/two"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn database_uri_from_the_environment() {
    let variable = format!("SCHEMAHERO_WATCHER_TEST_URI_{}", std::process::id());
    let late = format!("{variable}_LATE");
    // SAFETY: the variables are unique to this test, and no other thread reads or writes them.
    unsafe { std::env::set_var(&variable, "postgres://u:secret@db.example:5432/app") };
    let dir = TempDir::new();
    dir.write("db.yaml", &database("db", &format!("valueFrom:\n          env: {variable}")));
    dir.write("late.yaml", &database("late", &format!("valueFrom:\n          env: {late}")));

    let (mut source, resources) = started(&dir).await;
    match resources.as_slice() {
        [Resource::Database(db)] => {
            assert_eq!((db.namespace.as_str(), db.name.as_str()), ("apps", "db"));
            assert_eq!((db.driver.as_str(), db.uri.as_str()), ("postgres", "postgres://u:secret@db.example:5432/app"));
        }
        other => panic!("{other:?}"),
    }

    // A file that failed is retried: once its variable exists, the database appears.
    // SAFETY: as above.
    unsafe { std::env::set_var(&late, "sqlite:/tmp/late.db") };
    match settle(&mut source).await.as_slice() {
        [SourceEvent::Upsert(Resource::Database(db))] => assert_eq!((db.name.as_str(), db.uri.as_str()), ("late", "sqlite:/tmp/late.db")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn database_errors_never_carry_the_uri() {
    let text = "apiVersion: databases.schemahero.io/v1alpha4\nkind: Database\nmetadata:\n  name: db\nspec:\n  connection:\n    postgres:\n      uri: postgres://app:hunter2@h/main\n";
    let error = parse_file(Path::new("db.yaml"), text).unwrap_err().to_string();
    assert!(error.contains("spec.connection.postgres.uri"), "{error}");
    assert!(!error.contains("hunter2"), "{error}");
    // The Debug of a resource hides it as well.
    let db = Resource::Database(Database { uri: "postgres://app:hunter2@h/main".into(), ..Default::default() });
    assert!(!format!("{db:?}").contains("hunter2"));
}

#[test]
fn redact_quoted_hides_quoted_values_only() {
    assert_eq!(redact_quoted("invalid type: string \"abc\", expected x"), "invalid type: string \"<redacted>\", expected x");
    assert_eq!(redact_quoted("invalid value: `5` and \"open"), "invalid value: `<redacted>` and \"<redacted>");
    assert_eq!(redact_quoted("plain"), "plain");
}

#[test]
fn a_missing_directory_is_an_error() {
    let dir = TempDir::new();
    assert!(matches!(DirectorySource::new(dir.path("nope"), POLL), Err(DirectoryError::Io { .. })));
    dir.write("file.yaml", "");
    assert!(matches!(DirectorySource::new(dir.path("file.yaml"), POLL), Err(DirectoryError::NotADirectory { .. })));
}
