//! MigrationService for tools (in process, on 127.0.0.1:0, SQLite store and a SQLite target):
//! WatchMigrations from the start and resumed with a token, pagination of ListMigrations,
//! PlanPreview (nothing stored; a preview converges once applied), comments on approve and
//! reject, and google.protobuf.Timestamp fields next to the unix-millisecond ones.

use schemahero_planner::core::{Config, Key, PlannerCore};
use schemahero_planner::store::{MigrationStore, SqlStore};
use schemahero_proto::v1 as pb;
use schemahero_proto::v1::migration_service_client::MigrationServiceClient;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tonic::transport::Channel;

const WAIT: Duration = Duration::from_secs(20);

fn users_spec(extra: &str) -> String {
    format!(
        r#"{{"database":"app","name":"users","schema":{{"sqlite":{{"primaryKey":["id"],"columns":[{{"name":"id","type":"integer"}},{{"name":"email","type":"text"}}{extra}]}}}}}}"#
    )
}

fn table_spec(name: &str) -> String {
    format!(
        r#"{{"database":"app","name":"{name}","schema":{{"sqlite":{{"primaryKey":["id"],"columns":[{{"name":"id","type":"integer"}}]}}}}}}"#
    )
}

struct Planner {
    dir: PathBuf,
    core: Arc<PlannerCore<SqlStore>>,
    client: MigrationServiceClient<Channel>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Planner {
    async fn start(name: &str) -> Planner {
        let dir = std::env::temp_dir().join(format!("schemahero-api-review-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch dir");
        let store = SqlStore::open(dir.join("planner.db").to_str().expect("utf-8 path")).await.expect("SQLite store");
        let core = PlannerCore::new(
            store,
            Config { debounce: Duration::from_millis(20), drift_interval: Duration::from_secs(3600), validate_plans: true },
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("address").port();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(schemahero_planner::serve_core(listener, Arc::clone(&core), Default::default(), async {
            let _ = stopped.await;
        }));
        let channel = Channel::from_shared(format!("http://127.0.0.1:{port}")).expect("URL").connect().await.expect("connect");
        Planner { dir, core, client: MigrationServiceClient::new(channel), stop: Some(stop) }
    }

    fn target(&self) -> PathBuf {
        self.dir.join("app.db")
    }

    fn add_database(&self) {
        let target = self.target();
        self.core
            .upsert_database(Key::new("default", "app"), "sqlite", target.to_str().expect("utf-8"), false, false, Default::default())
            .expect("Database");
    }
}

impl Drop for Planner {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

type Watch = tonic::Streaming<pb::WatchMigrationsResponse>;

async fn next(watch: &mut Watch) -> pb::WatchMigrationsResponse {
    tokio::time::timeout(WAIT, watch.message()).await.expect("a watch message in time").expect("the stream is ok").expect("not ended")
}

/// Messages until one with a migration for which `done` holds; returns it and the bookmarks
/// and changes seen before.
async fn until(
    watch: &mut Watch,
    done: impl Fn(&pb::Migration) -> bool,
) -> (pb::WatchMigrationsResponse, Vec<pb::WatchMigrationsResponse>) {
    let mut before = Vec::new();
    loop {
        let message = next(watch).await;
        if message.migration.as_ref().is_some_and(&done) {
            return (message, before);
        }
        before.push(message);
    }
}

fn phase(m: &pb::Migration) -> pb::Phase {
    pb::Phase::try_from(m.phase).expect("a known phase")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_resume_comments_and_timestamps() {
    let mut p = Planner::start("watch").await;
    let mut watch = p.client.watch_migrations(pb::WatchMigrationsRequest::default()).await.expect("WatchMigrations").into_inner();
    // An empty store: the replay is empty, and the bookmark says so.
    let bookmark = next(&mut watch).await;
    assert!(bookmark.migration.is_none() && bookmark.resume_token.starts_with("w1."), "{bookmark:?}");

    p.add_database();
    p.core.upsert_table(Key::new("default", "users"), "users.yaml", &users_spec(""), "").expect("Table");
    let (planned, _) = until(&mut watch, |m| m.table_resource == "users").await;
    let users = planned.migration.expect("a migration");
    assert_eq!(phase(&users), pb::Phase::Planned);
    // The Timestamp is the same instant as the deprecated milliseconds.
    let time = users.planned_time.expect("planned_time is set");
    assert_eq!(time.seconds * 1000 + i64::from(time.nanos) / 1_000_000, users.planned_at);
    assert!(users.approved_time.is_none() && users.executed_time.is_none(), "not reached: unset");

    // Approve with a comment: the stream sends the change; the comment is kept.
    let approved = p
        .client
        .approve_migration(pb::ApproveMigrationRequest { id: users.id.clone(), comment: "reviewed in PR #12".into() })
        .await
        .expect("approve")
        .into_inner()
        .migration
        .expect("the migration");
    assert_eq!((approved.approval_comment.as_str(), approved.approved_by.as_str()), ("reviewed in PR #12", "anonymous"));
    let (change, _) = until(&mut watch, |m| m.id == users.id && m.phase == pb::Phase::Approved as i32).await;
    let seen = change.migration.expect("a migration");
    assert_eq!(seen.approval_comment, "reviewed in PR #12");
    assert!(seen.approved_time.is_some());
    let token_after_approval = change.resume_token.clone();

    // A comment over the limit is refused, naming the field; nothing changes.
    p.core.upsert_table(Key::new("default", "orders"), "orders.yaml", &table_spec("orders"), "").expect("Table");
    let (orders, _) = until(&mut watch, |m| m.table_resource == "orders").await;
    let orders = orders.migration.expect("a migration");
    let long = "x".repeat(schemahero_planner::core::MAX_COMMENT_BYTES + 1);
    let refused = p.client.reject_migration(pb::RejectMigrationRequest { id: orders.id.clone(), comment: long }).await.unwrap_err();
    assert_eq!(refused.code(), tonic::Code::InvalidArgument);
    assert!(refused.message().starts_with("comment: 4097 bytes"), "{}", refused.message());
    let rejected = p
        .client
        .reject_migration(pb::RejectMigrationRequest { id: orders.id.clone(), comment: "orders live in the billing DB".into() })
        .await
        .expect("reject")
        .into_inner()
        .migration
        .expect("the migration");
    assert_eq!((phase(&rejected), rejected.rejection_comment.as_str()), (pb::Phase::Rejected, "orders live in the billing DB"));
    let got = p.client.get_migration(pb::GetMigrationRequest { id: orders.id.clone() }).await.expect("get").into_inner();
    assert_eq!(got.migration.expect("the migration").rejection_comment, "orders live in the billing DB", "kept in the store");

    // The client goes away; changes happen; it comes back with its last token and gets exactly
    // what changed since (orders: planned then rejected, sent once as it is now; then items).
    drop(watch);
    p.core.upsert_table(Key::new("default", "items"), "items.yaml", &table_spec("items"), "").expect("Table");
    tokio::time::timeout(WAIT, async {
        while p.core.store().list(&Default::default()).await.expect("list").iter().all(|m| m.table_resource != "items") {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("items planned");
    let mut resumed = p
        .client
        .watch_migrations(pb::WatchMigrationsRequest { resume_token: token_after_approval.clone(), ..Default::default() })
        .await
        .expect("resume")
        .into_inner();
    let mut replayed = Vec::new();
    loop {
        let message = next(&mut resumed).await;
        match message.migration {
            Some(m) => replayed.push((m.table_resource, phase_name(m.phase))),
            None => break, // the bookmark: replay done
        }
    }
    assert_eq!(
        replayed,
        vec![("orders".to_string(), "Rejected".to_string()), ("items".to_string(), "Planned".to_string())],
        "after the token: each changed migration once, as it is now, in the order of their last change"
    );

    // Filters: one migration by id, from the start: its state, then the bookmark.
    let mut one = p
        .client
        .watch_migrations(pb::WatchMigrationsRequest { id: users.id.clone(), ..Default::default() })
        .await
        .expect("watch one")
        .into_inner();
    let first = next(&mut one).await;
    assert_eq!(first.migration.map(|m| (m.id, m.phase)), Some((users.id.clone(), pb::Phase::Approved as i32)));
    assert!(next(&mut one).await.migration.is_none(), "then the bookmark");
    let mut planned_only = p
        .client
        .watch_migrations(pb::WatchMigrationsRequest { phase: pb::Phase::Planned as i32, ..Default::default() })
        .await
        .expect("watch Planned")
        .into_inner();
    let first = next(&mut planned_only).await.migration.expect("items is Planned");
    assert_eq!(first.table_resource, "items");
    assert!(next(&mut planned_only).await.migration.is_none(), "nothing else is Planned");

    // Tokens: malformed is INVALID_ARGUMENT; one ahead of the store (another store's) is
    // OUT_OF_RANGE, telling the client to list again.
    for (token, code) in [("garbage", tonic::Code::InvalidArgument), ("w1.999999", tonic::Code::OutOfRange)] {
        let status = p
            .client
            .watch_migrations(pb::WatchMigrationsRequest { resume_token: token.into(), ..Default::default() })
            .await
            .expect_err(token);
        assert_eq!(status.code(), code, "{token}: {}", status.message());
        assert!(status.message().contains("list again"), "{}", status.message());
    }

    // A list's watch_token: a watch from it sends only what changes after the list.
    let listed = p.client.list_migrations(pb::ListMigrationsRequest::default()).await.expect("list").into_inner();
    assert_eq!(listed.migrations.len(), 3);
    let mut from_list = p
        .client
        .watch_migrations(pb::WatchMigrationsRequest { resume_token: listed.watch_token.clone(), ..Default::default() })
        .await
        .expect("watch from the list")
        .into_inner();
    assert!(next(&mut from_list).await.migration.is_none(), "nothing changed since the list: the bookmark comes first");
    let items = listed.migrations.iter().find(|m| m.table_resource == "items").expect("items listed");
    p.client.approve_migration(pb::ApproveMigrationRequest { id: items.id.clone(), ..Default::default() }).await.expect("approve items");
    let live = next(&mut from_list).await.migration.expect("the live change");
    assert_eq!((live.id.as_str(), phase(&live)), (items.id.as_str(), pb::Phase::Approved));
    assert_eq!(live.approval_comment, "", "no comment given: none kept");
}

fn phase_name(phase: i32) -> String {
    format!("{:?}", pb::Phase::try_from(phase).expect("known"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_are_stable_bounded_and_tokens_are_checked() {
    let mut p = Planner::start("pages").await;
    let store = p.core.store();
    // 1005 migrations, several per planned_at (the id breaks ties), in two tables.
    for i in 0..1005 {
        let table = if i % 2 == 0 { "even" } else { "odd" };
        store.insert(&record(&format!("{table}-{i:04}"), table, 1_000 + i64::from(i / 3))).await.expect("insert");
    }
    let all = store.list(&Default::default()).await.expect("list");
    let mut seen = Vec::new();
    let mut request = pb::ListMigrationsRequest { page_size: 300, ..Default::default() };
    let mut pages = 0;
    loop {
        let page = p.client.list_migrations(request.clone()).await.expect("page").into_inner();
        pages += 1;
        assert!(page.migrations.len() <= 300);
        seen.extend(page.migrations.into_iter().map(|m| m.id));
        if page.next_page_token.is_empty() {
            break;
        }
        // A migration planned while paging (later than all) shows up on a later page, once.
        if pages == 1 {
            store.insert(&record("late-1", "odd", 9_999_999)).await.expect("insert");
        }
        request.page_token = page.next_page_token;
    }
    let expected: Vec<String> = all.iter().map(|m| m.id.clone()).chain(["late-1".to_string()]).collect();
    assert_eq!(seen, expected, "every migration once, in listing order");
    assert_eq!(pages, 4);

    // page_size 0 is the default (500); more than the maximum is capped at 1000.
    let default = p.client.list_migrations(pb::ListMigrationsRequest::default()).await.expect("list").into_inner();
    assert_eq!(default.migrations.len(), schemahero_planner::service::DEFAULT_PAGE_SIZE);
    let capped = p.client.list_migrations(pb::ListMigrationsRequest { page_size: 100_000, ..Default::default() }).await.expect("list");
    assert_eq!(capped.into_inner().migrations.len(), schemahero_planner::service::MAX_PAGE_SIZE);

    // Filters page too; a token used with other filters, a tampered one, a negative size: INVALID_ARGUMENT.
    let odd = pb::ListMigrationsRequest { table: "odd".into(), page_size: 10, ..Default::default() };
    let first = p.client.list_migrations(odd.clone()).await.expect("odd").into_inner();
    assert!(first.migrations.iter().all(|m| m.table_resource == "odd") && first.migrations.len() == 10);
    let second = p
        .client
        .list_migrations(pb::ListMigrationsRequest { page_token: first.next_page_token.clone(), ..odd.clone() })
        .await
        .expect("odd page 2")
        .into_inner();
    assert_eq!(second.migrations.first().map(|m| m.id.as_str()), Some("odd-0021"));
    for bad in [
        pb::ListMigrationsRequest { page_token: first.next_page_token.clone(), table: "even".into(), ..Default::default() },
        pb::ListMigrationsRequest { page_token: "p1.zz".into(), ..odd.clone() },
        pb::ListMigrationsRequest { page_size: -1, ..Default::default() },
    ] {
        let status = p.client.list_migrations(bad.clone()).await.expect_err("refused");
        assert_eq!(status.code(), tonic::Code::InvalidArgument, "{bad:?}: {}", status.message());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_preview_plans_without_storing_and_converges() {
    let mut p = Planner::start("preview").await;
    p.add_database();
    let preview =
        |spec: String, database: &str| pb::PlanPreviewRequest { namespace: "default".into(), database: database.into(), table_spec: spec };
    let planned = p.client.plan_preview(preview(users_spec(""), "app")).await.expect("PlanPreview").into_inner();
    assert_eq!(planned.statements.len(), 1, "{planned:?}");
    assert!(planned.statements[0].sql.starts_with("CREATE TABLE \"users\""), "{}", planned.statements[0].sql);
    assert!(p.core.store().list(&Default::default()).await.expect("list").is_empty(), "a preview stores nothing");

    // The same spec as a whole Table resource in YAML, with a field this build does not know.
    let yaml = "apiVersion: schemas.schemahero.io/v1alpha4\nkind: Table\nmetadata:\n  name: users\nspec:\n  name: users\n  shiny: true\n  schema:\n    sqlite:\n      primaryKey: [id]\n      columns:\n        - name: id\n          type: integer\n        - name: email\n          type: text\n";
    let from_yaml = p.client.plan_preview(preview(yaml.into(), "app")).await.expect("YAML").into_inner();
    assert_eq!(from_yaml.statements, planned.statements);
    assert!(from_yaml.warnings.iter().any(|w| w.contains("shiny")), "{:?}", from_yaml.warnings);

    // Applied, the same preview is empty; a column more is one ALTER, hazards included.
    let engine =
        schemahero_engine::Engine::connect(schemahero_engine::Driver::Sqlite, p.target().to_str().expect("utf-8")).await.expect("target");
    let statements: Vec<schemahero_plan::PlannedStatement> = planned.statements.iter().map(Into::into).collect();
    engine.apply_statements(&statements).await.expect("apply");
    let again = p.client.plan_preview(preview(users_spec(""), "app")).await.expect("again").into_inner();
    assert!(again.statements.is_empty(), "converged: {again:?}");
    let dropping = p
        .client
        .plan_preview(preview(
            r#"{"name":"users","schema":{"sqlite":{"primaryKey":["id"],"columns":[{"name":"id","type":"integer"}]}}}"#.into(),
            "app",
        ))
        .await
        .expect("drop a column")
        .into_inner();
    assert!(
        dropping.statements.iter().any(|s| s.hazards.iter().any(|h| h.kind == pb::HazardKind::DeletesData as i32)),
        "dropping email deletes data: {dropping:?}"
    );

    // Refusals name what is wrong; nothing about the database's URI leaks.
    let cases = [
        (
            preview(users_spec("").replace(r#""database":"app","#, ""), "nope"),
            tonic::Code::FailedPrecondition,
            "the Database default/nope is not known",
        ),
        (preview(table_spec("t").replace("\"app\"", "\"other\""), "app"), tonic::Code::InvalidArgument, "spec.database is \"other\""),
        (preview("{not json".into(), "app"), tonic::Code::InvalidArgument, "table_spec"),
        (preview(users_spec(r#",{"name":"x","type":"text; DROP TABLE users"}"#), "app"), tonic::Code::InvalidArgument, "type"),
        (preview(" ".repeat(schemahero_planner::core::MAX_SPEC_BYTES + 1), "app"), tonic::Code::InvalidArgument, "at most 1048576"),
        (preview(users_spec(""), ""), tonic::Code::InvalidArgument, "database: must name a Database"),
    ];
    for (request, code, needle) in cases {
        let status = p.client.plan_preview(request.clone()).await.expect_err("refused");
        assert_eq!(status.code(), code, "{}: {}", needle, status.message());
        assert!(status.message().contains(needle), "{needle:?} in {:?}", status.message());
        assert!(!status.message().contains(p.dir.to_str().expect("utf-8")), "no URI in {:?}", status.message());
    }
    assert!(p.core.store().list(&Default::default()).await.expect("list").is_empty(), "still nothing stored");
}

fn record(id: &str, table: &str, planned_at: i64) -> schemahero_planner::model::MigrationRecord {
    use schemahero_planner::model::MigrationRecord;
    MigrationRecord {
        id: id.into(),
        namespace: "default".into(),
        database: "app".into(),
        table_resource: table.into(),
        table: table.into(),
        spec_json: "{}".into(),
        planned_at,
        version: 1,
        ..MigrationRecord::default()
    }
}
