use super::*;
use crate::source::ResourceKind;
use schemahero_proto::v1::{Database, Table};
use std::collections::BTreeSet;
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

/// How a test source sees changes.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Mode {
    /// File notifications, with a poll interval so long that no rescan happens during a test.
    Notify,
    /// Polling every `POLL`, without notifications.
    Poll,
}

async fn started(dir: &TempDir) -> (DirectorySource, Vec<Resource>) {
    started_in(dir, Mode::Notify).await
}

async fn started_in(dir: &TempDir, mode: Mode) -> (DirectorySource, Vec<Resource>) {
    let mut source = match mode {
        Mode::Notify => DirectorySource::new(&dir.0, Duration::from_secs(3600)).unwrap(),
        Mode::Poll => DirectorySource::polling(&dir.0, POLL).unwrap(),
    };
    assert_eq!(source.notifications(), mode == Mode::Notify);
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
async fn create_edit_rename_and_delete_are_seen_without_polling() {
    create_edit_rename_and_delete_are_reported(Mode::Notify).await;
}

#[tokio::test]
async fn create_edit_rename_and_delete_are_seen_by_polling() {
    create_edit_rename_and_delete_are_reported(Mode::Poll).await;
}

async fn create_edit_rename_and_delete_are_reported(mode: Mode) {
    let dir = TempDir::new();
    dir.write("users.yaml", &table("users", "uuid"));
    let (mut source, resources) = started_in(&dir, mode).await;
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

    // Written in place, in several steps, as an editor may: the final content wins.
    std::fs::write(dir.path("users.yaml"), "").unwrap();
    {
        use std::io::Write;
        let mut file = std::fs::OpenOptions::new().append(true).open(dir.path("users.yaml")).unwrap();
        for line in table("users", "text").split_inclusive('\n') {
            file.write_all(line.as_bytes()).unwrap();
        }
    }
    // Usually read once; if a read lands in the middle, the empty file may have deleted it.
    let events = settle(&mut source).await;
    assert!(
        events.iter().all(|e| matches!(e, SourceEvent::Delete(k) if *k == table_key("users")) || upserted_table(e).name == "users"),
        "{events:?}"
    );
    assert!(events.last().is_some_and(|e| upserted_table(e).spec_json.contains("\"text\"")), "{events:?}");

    // A new subdirectory, a file in it, the directory renamed, then removed.
    dir.write("more/deeper/items.yaml", &table("items", "integer"));
    let events = settle(&mut source).await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(upserted_table(&events[0]).source, dir.path("more/deeper/items.yaml").display().to_string());
    std::fs::rename(dir.path("more"), dir.path("most")).unwrap();
    let events = settle(&mut source).await;
    assert!(events.len() <= 1, "{events:?}");
    for event in &events {
        assert_eq!(upserted_table(event).source, dir.path("most/deeper/items.yaml").display().to_string());
    }
    dir.write("most/deeper/items.yaml", &table("items", "bigint"));
    let events = settle(&mut source).await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert!(upserted_table(&events[0]).spec_json.contains("bigint"), "{events:?}");
    std::fs::remove_dir_all(dir.path("most")).unwrap();
    assert_eq!(settle(&mut source).await, [SourceEvent::Delete(table_key("items"))]);

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

    // A file that failed is retried on every rescan: once its variable exists, the database
    // appears.
    // SAFETY: as above.
    unsafe { std::env::set_var(&late, "sqlite:/tmp/late.db") };
    source.rescan().await;
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
fn a_database_hazard_policy_is_sent_and_a_bad_one_names_the_file_and_field() {
    let db = |policy: &str| {
        format!(
            "apiVersion: databases.schemahero.io/v1alpha4\nkind: Database\nmetadata:\n  name: db\nspec:\n  immediateDeploy: true\n  hazardPolicy:\n{policy}  connection:\n    sqlite:\n      uri:\n        value: /tmp/x.db\n"
        )
    };
    match parse_file(Path::new("db.yaml"), &db("    default: review\n    deletesData: deny\n")).unwrap().as_slice() {
        [Resource::Database(d)] => {
            let mut policy: Vec<(&str, &str)> = d.hazard_policy.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            policy.sort();
            assert_eq!(policy, [("default", "review"), ("deletesData", "deny")]);
        }
        other => panic!("{other:?}"),
    }
    let error = parse_file(Path::new("db.yaml"), &db("    dropsEverything: deny\n")).unwrap_err().to_string();
    assert!(error.starts_with("db.yaml: Database db: spec.hazardPolicy: unknown hazard kind \"dropsEverything\""), "{error}");
    let error = parse_file(Path::new("db.yaml"), &db("    MAY_FAIL: maybe\n")).unwrap_err().to_string();
    assert!(error.contains("spec.hazardPolicy.MAY_FAIL: \"maybe\" is not a decision"), "{error}");
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

/// A ConfigMap volume as the kubelet writes it: the data in a hidden timestamped directory,
/// `..data` pointing to it, and every visible name a symlink through `..data`.
struct ConfigMap<'a> {
    dir: &'a TempDir,
    generation: usize,
}

impl<'a> ConfigMap<'a> {
    fn new(dir: &'a TempDir) -> Self {
        ConfigMap { dir, generation: 0 }
    }

    /// Writes a new generation and swaps `..data` to it atomically, then adds and removes the
    /// visible symlinks of keys that appeared or disappeared, as the kubelet's atomic writer does.
    fn publish(&mut self, files: &[(&str, &str)]) {
        use std::os::unix::fs::symlink;
        self.generation += 1;
        let data = format!("..2026_01_01_00_00_0{}.000000000", self.generation);
        for (name, text) in files {
            let path = self.dir.path(&format!("{data}/{name}"));
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let old = std::fs::read_link(self.dir.path("..data")).ok();
        symlink(&data, self.dir.path("..data_tmp")).unwrap();
        std::fs::rename(self.dir.path("..data_tmp"), self.dir.path("..data")).unwrap();
        let visible: BTreeSet<String> = files.iter().map(|(name, _)| name.split('/').next().unwrap().to_string()).collect();
        for name in &visible {
            if std::fs::symlink_metadata(self.dir.path(name)).is_err() {
                symlink(format!("..data/{name}"), self.dir.path(name)).unwrap();
            }
        }
        for entry in std::fs::read_dir(&self.dir.0).unwrap() {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            if !name.starts_with('.') && !visible.contains(&name) {
                std::fs::remove_file(self.dir.path(&name)).unwrap();
            }
        }
        if let Some(old) = old {
            std::fs::remove_dir_all(self.dir.0.join(old)).unwrap();
        }
    }
}

#[tokio::test]
async fn a_configmap_symlink_swap_is_seen_without_polling() {
    let dir = TempDir::new();
    let mut configmap = ConfigMap::new(&dir);
    configmap.publish(&[("users.yaml", &table("users", "uuid")), ("tables/orders.yaml", &table("orders", "integer"))]);
    let (mut source, resources) = started(&dir).await;
    let keys: Vec<ResourceKey> = resources.iter().map(Resource::key).collect();
    assert_eq!(keys, [table_key("orders"), table_key("users")]);
    let read = source.files_read();

    // One key changes, one (in a subdirectory) does not: only the change is reported.
    configmap.publish(&[("users.yaml", &table("users", "text")), ("tables/orders.yaml", &table("orders", "integer"))]);
    let events = settle(&mut source).await;
    assert_eq!(events.len(), 1, "{events:?}");
    let users = upserted_table(&events[0]);
    assert!(users.spec_json.contains("\"text\""), "{events:?}");
    assert_eq!(users.source, dir.path("users.yaml").display().to_string());
    // Every file behind the swapped symlink is new to the filesystem, so both were read (a
    // notification about the old generation's removal may name one of them once more).
    let reads = source.files_read() - read;
    assert!((2..=4).contains(&reads), "{reads} reads");

    // A key added, another removed.
    configmap.publish(&[("users.yaml", &table("users", "text")), ("items.yaml", &table("items", "integer"))]);
    let mut events = settle(&mut source).await;
    events.sort_by_key(|e| format!("{e:?}"));
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(events[0], SourceEvent::Delete(table_key("orders")));
    assert_eq!(upserted_table(&events[1]).name, "items");
}

#[tokio::test]
async fn unchanged_files_are_not_read_again() {
    for mode in [Mode::Notify, Mode::Poll] {
        let dir = TempDir::new();
        for i in 0..200 {
            dir.write(&format!("tables/{:02}/t{i:03}.yaml", i % 10), &table(&format!("t{i:03}"), "integer"));
        }
        let (mut source, resources) = started_in(&dir, mode).await;
        assert_eq!(resources.len(), 200);
        assert_eq!(source.files_read(), 200, "{mode:?}");

        // Polls (or nothing) while nothing changes read nothing.
        assert_eq!(settle(&mut source).await, [], "{mode:?}");
        assert_eq!(source.files_read(), 200, "{mode:?}");

        dir.write("tables/07/t117.yaml", &table("t117", "bigint"));
        let events = settle(&mut source).await;
        assert_eq!(events.len(), 1, "{mode:?}: {events:?}");
        assert!(upserted_table(&events[0]).spec_json.contains("bigint"), "{events:?}");
        assert_eq!(source.files_read(), 201, "{mode:?}: only the changed file is read");

        // A full rescan compares metadata and reads nothing that did not change.
        source.rescan().await;
        assert_eq!(source.files_read(), 201, "{mode:?}");
        assert_eq!(settle(&mut source).await, [], "{mode:?}");
    }
}

#[tokio::test]
async fn failed_files_are_read_again_on_every_rescan_only() {
    let dir = TempDir::new();
    dir.write("users.yaml", &table("users", "uuid"));
    dir.write("broken.yaml", "kind: Table\nspec: [unclosed\n");
    let (mut source, _) = started(&dir).await;
    assert_eq!(source.files_read(), 2);
    source.rescan().await;
    assert_eq!(source.files_read(), 3, "the broken file is retried, the good one is not");
    assert_eq!(settle(&mut source).await, []);
}

#[tokio::test]
async fn hidden_files_and_directories_do_not_trigger_reads() {
    let dir = TempDir::new();
    dir.write("users.yaml", &table("users", "uuid"));
    let (mut source, _) = started(&dir).await;
    dir.write(".swp", "editor state");
    std::fs::create_dir_all(dir.path(".git/objects")).unwrap();
    std::fs::write(dir.path(".git/objects/x"), "x").unwrap();
    assert_eq!(settle(&mut source).await, []);
    assert_eq!(source.files_read(), 1);
}

#[tokio::test]
async fn a_broken_watcher_falls_back_to_polling() {
    let dir = TempDir::new();
    dir.write("users.yaml", &table("users", "uuid"));
    let mut source = DirectorySource::new(&dir.0, POLL).unwrap();
    assert!(matches!(next(&mut source).await, SourceEvent::Snapshot(_)));
    assert!(source.notifications());
    // What notify reports when the inotify watch limit is reached.
    source.note(Err(notify::Error::new(notify::ErrorKind::MaxFilesWatch)));
    assert!(!source.notifications());

    dir.write("orders.yaml", &table("orders", "integer"));
    let events = settle(&mut source).await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(upserted_table(&events[0]).name, "orders");
}

#[tokio::test]
async fn a_resource_defined_twice_comes_from_the_first_file() {
    let dir = TempDir::new();
    dir.write("a.yaml", &table("users", "uuid"));
    dir.write("b.yaml", &table("users", "text"));
    let (mut source, resources) = started(&dir).await;
    match resources.as_slice() {
        [Resource::Table(t)] => assert_eq!(t.source, dir.path("a.yaml").display().to_string()),
        other => panic!("{other:?}"),
    }

    // Editing the second definition changes nothing; removing the first makes the second win.
    dir.write("b.yaml", &table("users", "bigint"));
    assert_eq!(settle(&mut source).await, []);
    std::fs::remove_file(dir.path("a.yaml")).unwrap();
    let events = settle(&mut source).await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert!(upserted_table(&events[0]).spec_json.contains("bigint"), "{events:?}");
    std::fs::remove_file(dir.path("b.yaml")).unwrap();
    assert_eq!(settle(&mut source).await, [SourceEvent::Delete(table_key("users"))]);
}

/// Not a test: prints how long a change takes to arrive with 10,000 files.
/// `cargo test -p schemahero-watcher --lib -- --ignored --nocapture latency`
#[tokio::test]
#[ignore]
async fn latency_probe_with_10000_files() {
    let dir = TempDir::new();
    for i in 0..10_000 {
        dir.write(&format!("tables/{:02}/t{i:05}.yaml", i % 100), &table(&format!("t{i:05}"), "integer"));
    }
    let t = std::time::Instant::now();
    let (mut source, resources) = started(&dir).await;
    eprintln!("initial: {} resources in {:?}", resources.len(), t.elapsed());
    for round in 0..5 {
        let t = std::time::Instant::now();
        dir.write("tables/07/t00107.yaml", &table("t00107", if round % 2 == 0 { "bigint" } else { "integer" }));
        let e = next(&mut source).await;
        eprintln!("change -> event: {:?} ({})", t.elapsed(), upserted_table(&e).name);
    }
    let t = std::time::Instant::now();
    dir.write("newdir/x.yaml", &table("x", "integer"));
    let e = next(&mut source).await;
    eprintln!("new dir -> event: {:?} ({})", t.elapsed(), upserted_table(&e).name);
    let t = std::time::Instant::now();
    let before = source.files_read();
    source.rescan().await;
    eprintln!("rescan: {:?}, reads {}", t.elapsed(), source.files_read() - before);
}

/// Functions and DatabaseExtensions (either group SchemaHero manifests use) become objects with
/// their spec as JSON; a bad one names its field; deleting the file deletes the object.
#[tokio::test]
async fn functions_and_extensions_are_objects() {
    let dir = TempDir::new();
    dir.write(
        "fn.yaml",
        "apiVersion: schemas.schemahero.io/v1alpha4\nkind: Function\nmetadata:\n  name: count-users\nspec:\n  database: db\n  name: count_users\n  removeOnDeletion: true\n  schema:\n    postgres:\n      return: bigint\n      as: SELECT 1\n",
    );
    dir.write(
        "ext.yaml",
        "apiVersion: databases.schemahero.io/v1alpha4\nkind: DatabaseExtension\nmetadata:\n  name: trgm\n  namespace: apps\nspec:\n  database: db\n  postgres:\n    name: pg_trgm\n",
    );
    dir.write(
        "bad.yaml",
        "apiVersion: schemas.schemahero.io/v1alpha4\nkind: Function\nmetadata:\n  name: bad\nspec:\n  database: db\n  schema:\n    postgres:\n      return: \"int; drop table t\"\n      as: SELECT 1\n",
    );
    let (mut source, resources) = started(&dir).await;
    let keys: Vec<String> = resources.iter().map(|r| r.key().to_string()).collect();
    assert_eq!(keys, ["Function default/count-users", "DatabaseExtension apps/trgm"], "the bad one is left out");
    let Resource::Object(function) = &resources[0] else { panic!("{:?}", resources[0]) };
    let spec: serde_json::Value = serde_json::from_str(&function.spec_json).unwrap();
    assert_eq!((spec["name"].as_str(), spec["removeOnDeletion"].as_bool()), (Some("count_users"), Some(true)));
    assert!(!function.deleting);
    let Resource::Object(extension) = &resources[1] else { panic!("{:?}", resources[1]) };
    assert_eq!(extension.kind, "DatabaseExtension");

    std::fs::remove_file(dir.path("fn.yaml")).unwrap();
    let deleted = ResourceKey::new(ResourceKind::Function, "default", "count-users");
    assert_eq!(settle(&mut source).await, [SourceEvent::Delete(deleted.clone())]);
    match deleted.delete_event() {
        schemahero_proto::v1::stream_resources_request::Event::DeleteObject(r) => {
            assert_eq!((r.kind.as_str(), r.namespace.as_str(), r.name.as_str()), ("Function", "default", "count-users"))
        }
        other => panic!("{other:?}"),
    }
}

/// Views become objects with their spec as JSON (SchemaHero's fields); one whose query would
/// inject SQL names its field and is left out; deleting the file deletes the object.
#[tokio::test]
async fn views_are_objects() {
    let dir = TempDir::new();
    dir.write(
        "view.yaml",
        "apiVersion: schemas.schemahero.io/v1alpha4\nkind: View\nmetadata:\n  name: active-users\nspec:\n  database: db\n  name: active_users\n  requires: [users]\n  schema:\n    mysql:\n      query: SELECT id FROM users WHERE active = 1\n",
    );
    dir.write(
        "bad.yaml",
        "apiVersion: schemas.schemahero.io/v1alpha4\nkind: View\nmetadata:\n  name: bad\nspec:\n  database: db\n  schema:\n    postgres:\n      query: \"SELECT 1; DROP TABLE users\"\n",
    );
    let (mut source, resources) = started(&dir).await;
    let keys: Vec<String> = resources.iter().map(|r| r.key().to_string()).collect();
    assert_eq!(keys, ["View default/active-users"], "the bad one is left out");
    let Resource::Object(view) = &resources[0] else { panic!("{:?}", resources[0]) };
    assert_eq!(view.kind, "View");
    let spec: serde_json::Value = serde_json::from_str(&view.spec_json).unwrap();
    assert_eq!((spec["name"].as_str(), spec["requires"][0].as_str()), (Some("active_users"), Some("users")));
    assert_eq!(spec["schema"]["mysql"]["query"].as_str(), Some("SELECT id FROM users WHERE active = 1"));

    std::fs::remove_file(dir.path("view.yaml")).unwrap();
    let deleted = ResourceKey::new(ResourceKind::View, "default", "active-users");
    assert_eq!(settle(&mut source).await, [SourceEvent::Delete(deleted.clone())]);
    match deleted.delete_event() {
        schemahero_proto::v1::stream_resources_request::Event::DeleteObject(r) => {
            assert_eq!((r.kind.as_str(), r.name.as_str()), ("View", "active-users"))
        }
        other => panic!("{other:?}"),
    }
}
