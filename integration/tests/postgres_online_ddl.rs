//! Online DDL on a real Postgres: while a migration adds an index, a foreign key and NOT NULL
//! to a table of 60k rows, a writer on its own connection keeps inserting into it, and no insert
//! fails or waits longer than the (small) lock timeout the test gives the statements; the
//! `SET NOT NULL` after the validated check does not scan the table. A lock
//! held by another transaction makes a statement give up after its lock timeout rather than
//! queue (and queue every later query behind it). A plan that stops half way — a concurrent
//! index build cancelled by its lock timeout, a unique build over duplicates, a validation
//! refused by the data — leaves what it did; planning again starts from that live state
//! (rebuilding the INVALID index, validating what is NOT VALID) and converges.

use schemahero_integration::services::fresh_postgres_database;
use schemahero_plan::{HazardKind, Plan, PlannedStatement};
use schemahero_postgres::{DesiredTable, PostgresEngine};
use sqlx::{Connection, PgConnection};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

fn table(name: &str, spec: &str) -> DesiredTable {
    DesiredTable { name: name.into(), schema: serde_json::from_str(spec).unwrap(), seed_data: None, seed_only: false, renamed_from: None }
}

/// Plans `tables` with every lock timeout hint replaced by `lock_timeout` (the tests' small one).
async fn plan(engine: &PostgresEngine, tables: &[DesiredTable], lock_timeout: Duration) -> Plan {
    let mut plan = engine.plan(tables, false).await.unwrap();
    plan.statements =
        plan.statements.into_iter().map(|s| if s.lock_timeout_ms.is_some() { s.with_lock_timeout(lock_timeout) } else { s }).collect();
    plan
}

fn sql_of(statements: &[PlannedStatement]) -> Vec<String> {
    statements.iter().map(|s| s.sql.clone()).collect()
}

async fn count(conn: &mut PgConnection, sql: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(sql.to_string())).fetch_one(conn).await.unwrap();
    n
}

/// `(name, valid)` of the indexes of `table`, by name.
async fn indexes(conn: &mut PgConnection, table: &str) -> Vec<(String, bool)> {
    sqlx::query_as(
        "SELECT c.relname::text, i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
         WHERE i.indrelid = $1::regclass AND NOT i.indisprimary ORDER BY 1",
    )
    .bind(table)
    .fetch_all(conn)
    .await
    .unwrap()
}

/// What a writer saw: how long each insert took, and the errors.
struct Writes {
    latencies: Vec<Duration>,
    errors: Vec<String>,
}

/// Inserts into `orders` on its own connection, one autocommitted row at a time, timing each,
/// until `stop`.
fn start_writer(uri: String, stop: Arc<AtomicBool>) -> tokio::task::JoinHandle<Writes> {
    tokio::spawn(async move {
        let mut conn = PgConnection::connect(&uri).await.unwrap();
        let mut writes = Writes { latencies: Vec::new(), errors: Vec::new() };
        let mut i: i64 = 0;
        while !stop.load(Ordering::SeqCst) {
            i += 1;
            let started = Instant::now();
            let result =
                sqlx::query("INSERT INTO orders (customer_id, note) VALUES ($1, 'w')").bind((i % 100 + 1) as i32).execute(&mut conn).await;
            writes.latencies.push(started.elapsed());
            if let Err(e) = result {
                writes.errors.push(e.to_string());
            }
        }
        writes
    })
}

const ORDERS: &str = r#"{"primaryKey":["id"],"columns":[{"name":"id","type":"bigserial"},{"name":"customer_id","type":"integer"},
    {"name":"note","type":"text","constraints":{"notNull":true}}],
    "indexes":[{"columns":["customer_id"]}],
    "foreignKeys":[{"columns":["customer_id"],"references":{"table":"customers","columns":["id"]}}]}"#;
const CUSTOMERS: &str = r#"{"primaryKey":["id"],"columns":[{"name":"id","type":"integer"}]}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_continue_while_an_index_a_foreign_key_and_not_null_are_added_to_a_large_table() {
    const LOCK_TIMEOUT: Duration = Duration::from_millis(1000);
    let uri = fresh_postgres_database("shonline_writer").await;
    let mut setup = PgConnection::connect(&uri).await.unwrap();
    sqlx::raw_sql(
        "CREATE TABLE customers (id integer PRIMARY KEY);
         INSERT INTO customers SELECT generate_series(1, 100);
         CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id integer, note text);
         INSERT INTO orders (customer_id, note) SELECT g % 100 + 1, 'n' || g FROM generate_series(1, 60000) g;
         ANALYZE orders;",
    )
    .execute(&mut setup)
    .await
    .unwrap();
    let engine = PostgresEngine::connect(&uri).await.unwrap();
    let tables = [table("customers", CUSTOMERS), table("orders", ORDERS)];
    let plan = plan(&engine, &tables, LOCK_TIMEOUT).await;
    println!("plan:\n{}", plan.to_sql());

    // The plan takes the online paths, and its hazards say so: no statement holds a lock that
    // blocks writes while it scans the table.
    let sql = sql_of(&plan.statements);
    for expected in [
        "ALTER TABLE \"orders\" ADD CONSTRAINT \"schemahero_not_null_note\" CHECK (\"note\" IS NOT NULL) NOT VALID",
        "ALTER TABLE \"orders\" VALIDATE CONSTRAINT \"schemahero_not_null_note\"",
        "ALTER TABLE \"orders\" ALTER COLUMN \"note\" SET NOT NULL",
        "CREATE INDEX CONCURRENTLY \"idx_orders_customer_id\" ON \"orders\" (\"customer_id\")",
        "ALTER TABLE \"orders\" ADD CONSTRAINT \"orders_customer_id_fkey\" FOREIGN KEY (\"customer_id\") REFERENCES \"customers\" (\"id\") NOT VALID",
        "ALTER TABLE \"orders\" VALIDATE CONSTRAINT \"orders_customer_id_fkey\"",
    ] {
        assert!(sql.iter().any(|s| s == expected), "{expected} missing from the plan:\n{}", plan.to_sql());
    }
    assert!(plan.statements.iter().all(|s| !s.hazards.iter().any(|h| h.kind == HazardKind::LongLock)), "{}", plan.to_sql());
    let concurrent: Vec<&PlannedStatement> = plan.statements.iter().filter(|s| s.sql.contains("CONCURRENTLY")).collect();
    assert!(concurrent.iter().all(|s| s.outside_transaction && s.hazards.iter().any(|h| h.kind == HazardKind::IndexBuild)));
    assert!(
        plan.statements.iter().filter(|s| s.sql.contains("VALIDATE CONSTRAINT")).all(|s| s.outside_transaction),
        "validations run on their own, after the short lock of their ADD is released"
    );

    let stop = Arc::new(AtomicBool::new(false));
    let writer = start_writer(uri.clone(), stop.clone());
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = count(&mut setup, "SELECT count(*) FROM orders").await;
    let started = Instant::now();
    engine.apply(&plan.statements).await.unwrap();
    let migration = started.elapsed();
    let during = count(&mut setup, "SELECT count(*) FROM orders").await - before;
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.store(true, Ordering::SeqCst);
    let writes = writer.await.unwrap();

    let mut sorted = writes.latencies.clone();
    sorted.sort();
    let max = sorted.last().copied().unwrap_or_default();
    let p99 = sorted.get(sorted.len() * 99 / 100).copied().unwrap_or_default();
    println!(
        "migration of 60k rows took {migration:?}; {} inserts in all, {during} during the migration; insert latency p99 {p99:?}, max {max:?} (lock timeout {LOCK_TIMEOUT:?})",
        writes.latencies.len()
    );
    assert!(writes.errors.is_empty(), "inserts failed: {:?}", writes.errors);
    assert!(during >= 10, "the writer kept writing during the migration: {during} rows");
    assert!(max < LOCK_TIMEOUT, "an insert waited {max:?}, longer than the lock timeout {LOCK_TIMEOUT:?}");

    assert_eq!(indexes(&mut setup, "orders").await, [("idx_orders_customer_id".to_string(), true)]);
    let (not_null,): (bool,) =
        sqlx::query_as("SELECT attnotnull FROM pg_attribute WHERE attrelid = 'orders'::regclass AND attname = 'note'")
            .fetch_one(&mut setup)
            .await
            .unwrap();
    assert!(not_null);
    assert_eq!(count(&mut setup, "SELECT count(*) FROM pg_constraint WHERE conrelid = 'orders'::regclass AND NOT convalidated").await, 0);
    assert_eq!(count(&mut setup, "SELECT count(*) FROM pg_constraint WHERE conname LIKE 'schemahero%'").await, 0, "the check is gone");
    assert!(engine.plan(&tables, false).await.unwrap().is_empty(), "converged");
    engine.close().await;

    // For comparison only (printed, not asserted): the same changes the blocking way, in one
    // transaction, as they were planned before, under the same writer.
    sqlx::raw_sql(
        "DROP INDEX idx_orders_customer_id; ALTER TABLE orders DROP CONSTRAINT orders_customer_id_fkey;
         ALTER TABLE orders ALTER COLUMN note DROP NOT NULL;",
    )
    .execute(&mut setup)
    .await
    .unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let writer = start_writer(uri.clone(), stop.clone());
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    sqlx::raw_sql(
        "BEGIN; ALTER TABLE orders ALTER COLUMN note SET NOT NULL; CREATE INDEX idx_orders_customer_id ON orders (customer_id);
         ALTER TABLE orders ADD CONSTRAINT orders_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES customers (id); COMMIT;",
    )
    .execute(&mut setup)
    .await
    .unwrap();
    let blocking = started.elapsed();
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.store(true, Ordering::SeqCst);
    let writes = writer.await.unwrap();
    println!(
        "the blocking way: {blocking:?}; insert latency max {:?} ({} inserts)",
        writes.latencies.iter().max().copied().unwrap_or_default(),
        writes.latencies.len()
    );
}

/// A transaction holding the table (a report, a forgotten session): the ALTER gives up after
/// its lock timeout instead of queueing, so a reader arriving meanwhile is not stuck behind it
/// for longer than that; nothing of the plan is applied and it applies once the lock is gone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_held_lock_makes_the_statement_time_out_rather_than_queue() {
    const LOCK_TIMEOUT: Duration = Duration::from_millis(300);
    let uri = fresh_postgres_database("shonline_held").await;
    let mut holder = PgConnection::connect(&uri).await.unwrap();
    sqlx::raw_sql("CREATE TABLE items (id integer PRIMARY KEY, label text); INSERT INTO items VALUES (1, 'a'), (2, 'b');")
        .execute(&mut holder)
        .await
        .unwrap();
    let engine = PostgresEngine::connect(&uri).await.unwrap();
    let spec =
        r#"{"primaryKey":["id"],"columns":[{"name":"id","type":"integer"},{"name":"label","type":"text","constraints":{"notNull":true}}]}"#;
    let tables = [table("items", spec)];
    let plan = plan(&engine, &tables, LOCK_TIMEOUT).await;
    sqlx::raw_sql("BEGIN; SELECT * FROM items").execute(&mut holder).await.unwrap();

    let reader_uri = uri.clone();
    let reader = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let mut conn = PgConnection::connect(&reader_uri).await.unwrap();
        let started = Instant::now();
        sqlx::query("SELECT count(*) FROM items").execute(&mut conn).await.unwrap();
        started.elapsed()
    });
    let started = Instant::now();
    let err = engine.apply(&plan.statements).await.expect_err("the holder's lock is in the way");
    let failed_after = started.elapsed();
    let read = reader.await.unwrap();
    println!("gave up after {failed_after:?}; a reader arriving meanwhile waited {read:?}\n{err}");
    assert!(err.is_lock_timeout(), "{err}");
    assert!(
        err.to_string().contains("lock timeout hint of 300 ms") && err.to_string().contains("nothing of the plan was applied"),
        "{err}"
    );
    assert!(failed_after < Duration::from_secs(3), "{failed_after:?}");
    assert!(read < LOCK_TIMEOUT + Duration::from_millis(700), "the reader queued behind the ALTER for {read:?}");
    assert_eq!(count(&mut holder, "SELECT count(*) FROM pg_constraint WHERE conname LIKE 'schemahero%'").await, 0);

    sqlx::raw_sql("ROLLBACK").execute(&mut holder).await.unwrap();
    engine.apply(&plan.statements).await.unwrap();
    assert!(engine.plan(&tables, false).await.unwrap().is_empty());
    engine.close().await;
}

/// `CREATE INDEX CONCURRENTLY` waits for the writers it must outlast; one in a long transaction
/// makes it give up after its lock timeout, and the build it started stays behind INVALID. The
/// plan stopped half way: planning again sees the invalid index (and fingerprints the table
/// differently, so an executor retrying the old plan re-plans), drops and builds it again, and
/// builds the index the first plan never reached.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_concurrent_build_cancelled_by_its_lock_timeout_is_rebuilt_by_the_next_plan() {
    let uri = fresh_postgres_database("shonline_cancelled").await;
    let mut holder = PgConnection::connect(&uri).await.unwrap();
    sqlx::raw_sql("CREATE TABLE items (id integer PRIMARY KEY, a integer, b integer); INSERT INTO items SELECT g, g, g FROM generate_series(1, 1000) g;")
        .execute(&mut holder)
        .await
        .unwrap();
    let engine = PostgresEngine::connect(&uri).await.unwrap();
    let spec = r#"{"primaryKey":["id"],"columns":[{"name":"id","type":"integer"},{"name":"a","type":"integer"},{"name":"b","type":"integer"}],
        "indexes":[{"columns":["a"]},{"columns":["b"]}]}"#;
    let tables = [table("items", spec)];
    let first = plan(&engine, &tables, Duration::from_millis(300)).await;
    assert_eq!(
        sql_of(&first.statements),
        [
            "CREATE INDEX CONCURRENTLY \"idx_items_a\" ON \"items\" (\"a\")",
            "CREATE INDEX CONCURRENTLY \"idx_items_b\" ON \"items\" (\"b\")"
        ]
    );

    // A writer's transaction stays open: the build waits for it, then gives up.
    sqlx::raw_sql("BEGIN; INSERT INTO items VALUES (5000, 1, 1)").execute(&mut holder).await.unwrap();
    let err = engine.apply(&first.statements).await.expect_err("the build waits for the open writer");
    assert!(err.is_lock_timeout(), "{err}");
    sqlx::raw_sql("COMMIT").execute(&mut holder).await.unwrap();
    assert_eq!(indexes(&mut holder, "items").await, [("idx_items_a".to_string(), false)], "left INVALID");

    let second = plan(&engine, &tables, Duration::from_millis(300)).await;
    println!("re-planned from what is live:\n{}", second.to_sql());
    assert_ne!(second.fingerprint, first.fingerprint, "the half-done plan changed the schema's fingerprint");
    assert_eq!(
        sql_of(&second.statements),
        [
            "DROP INDEX CONCURRENTLY \"idx_items_a\"",
            "CREATE INDEX CONCURRENTLY \"idx_items_a\" ON \"items\" (\"a\")",
            "CREATE INDEX CONCURRENTLY \"idx_items_b\" ON \"items\" (\"b\")"
        ]
    );
    engine.apply(&second.statements).await.unwrap();
    assert_eq!(indexes(&mut holder, "items").await, [("idx_items_a".to_string(), true), ("idx_items_b".to_string(), true)]);
    assert!(engine.plan(&tables, false).await.unwrap().is_empty());
    engine.close().await;
}

/// A unique index built concurrently over duplicates fails and leaves an INVALID index, which
/// the live schema must not count as the spec's index; once the data is fixed the next plan
/// drops it and builds it again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_unique_build_over_duplicates_leaves_an_invalid_index_the_next_plan_rebuilds() {
    let uri = fresh_postgres_database("shonline_dupes").await;
    let mut conn = PgConnection::connect(&uri).await.unwrap();
    sqlx::raw_sql("CREATE TABLE users (id integer PRIMARY KEY, email text); INSERT INTO users VALUES (1, 'a'), (2, 'a'), (3, 'b');")
        .execute(&mut conn)
        .await
        .unwrap();
    let engine = PostgresEngine::connect(&uri).await.unwrap();
    let spec = r#"{"primaryKey":["id"],"columns":[{"name":"id","type":"integer"},{"name":"email","type":"text"}],"indexes":[{"columns":["email"],"isUnique":true}]}"#;
    let tables = [table("users", spec)];
    let first = engine.plan(&tables, false).await.unwrap();
    let err = engine.apply(&first.statements).await.expect_err("duplicates");
    assert!(!err.is_lock_timeout() && err.to_string().contains("could not create unique index"), "{err}");
    assert_eq!(indexes(&mut conn, "users").await, [("idx_users_email".to_string(), false)]);

    let live = engine.introspect(&[("public".into(), "users".into())]).await.unwrap();
    let users = &live[&("public".to_string(), "users".to_string())];
    assert!(users.indexes.is_empty(), "an invalid index is not the spec's index: {:?}", users.indexes);
    assert_eq!(users.ext.invalid_indexes, ["idx_users_email"]);

    sqlx::raw_sql("UPDATE users SET email = 'c' WHERE id = 2").execute(&mut conn).await.unwrap();
    let second = engine.plan(&tables, false).await.unwrap();
    assert_eq!(
        sql_of(&second.statements),
        ["DROP INDEX CONCURRENTLY \"idx_users_email\"", "CREATE UNIQUE INDEX CONCURRENTLY \"idx_users_email\" ON \"users\" (\"email\")"]
    );
    engine.apply(&second.statements).await.unwrap();
    assert_eq!(indexes(&mut conn, "users").await, [("idx_users_email".to_string(), true)]);
    assert!(engine.plan(&tables, false).await.unwrap().is_empty());
    engine.close().await;
}

/// The data refuses a validation half way through the plan: the check added NOT VALID stays
/// (committed before the validation ran on its own) and so does nothing after it. Planning
/// again continues from there, not adding the check twice; once the data is fixed it
/// converges. The same for a foreign key whose validation fails.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_validation_refused_half_way_is_resumed_from_what_is_live() {
    let uri = fresh_postgres_database("shonline_validate").await;
    let mut conn = PgConnection::connect(&uri).await.unwrap();
    sqlx::raw_sql(
        "CREATE TABLE customers (id integer PRIMARY KEY); INSERT INTO customers VALUES (1);
         CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id integer, note text);
         INSERT INTO orders (customer_id, note) VALUES (1, 'a'), (1, NULL), (7, 'c');",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    let engine = PostgresEngine::connect(&uri).await.unwrap();
    let orders = r#"{"primaryKey":["id"],"columns":[{"name":"id","type":"bigserial"},{"name":"customer_id","type":"integer"},
        {"name":"note","type":"text","constraints":{"notNull":true}}],
        "foreignKeys":[{"columns":["customer_id"],"references":{"table":"customers","columns":["id"]}}]}"#;
    let tables = [table("customers", CUSTOMERS), table("orders", orders)];
    let first = engine.plan(&tables, false).await.unwrap();
    let err = engine.apply(&first.statements).await.expect_err("a NULL note");
    assert!(err.to_string().contains("statement 1 was committed before it and stays applied"), "{err}");
    let unvalidated = "SELECT count(*) FROM pg_constraint WHERE conrelid = 'orders'::regclass AND NOT convalidated";
    assert_eq!(count(&mut conn, unvalidated).await, 1, "the check stays NOT VALID");

    // Planning again goes on from the check; the NULL is fixed, the missing customer not yet.
    sqlx::raw_sql("UPDATE orders SET note = 'b' WHERE note IS NULL").execute(&mut conn).await.unwrap();
    let second = engine.plan(&tables, false).await.unwrap();
    assert_ne!(second.fingerprint, first.fingerprint);
    assert_eq!(
        sql_of(&second.statements)[0],
        "ALTER TABLE \"orders\" VALIDATE CONSTRAINT \"schemahero_not_null_note\"",
        "{}",
        second.to_sql()
    );
    assert!(!second.to_sql().contains("CHECK (\"note\" IS NOT NULL)"), "not added twice:\n{}", second.to_sql());
    let err = engine.apply(&second.statements).await.expect_err("order 3 references a missing customer");
    assert!(err.to_string().contains("orders_customer_id_fkey"), "{err}");
    assert_eq!(count(&mut conn, unvalidated).await, 1, "the key stays NOT VALID, the check is gone");

    sqlx::raw_sql("INSERT INTO customers VALUES (7)").execute(&mut conn).await.unwrap();
    let third = engine.plan(&tables, false).await.unwrap();
    assert_eq!(sql_of(&third.statements), ["ALTER TABLE \"orders\" VALIDATE CONSTRAINT \"orders_customer_id_fkey\""]);
    engine.apply(&third.statements).await.unwrap();
    assert_eq!(count(&mut conn, unvalidated).await, 0);
    assert!(engine.plan(&tables, false).await.unwrap().is_empty());
    engine.close().await;
}

/// Through the services as real processes: the planner plans the concurrent builds (outside
/// the transaction, on the wire and in the store), an executor's build waits for a writer's
/// open transaction until its 10 s lock timeout fires, leaving the index INVALID. The retry
/// finds the live schema changed (its fingerprint), so the migration is superseded and the
/// planner re-plans from what is live: drop the invalid index and build both. Approved, that
/// migration applies, and nothing is left to plan.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn through_the_services_a_half_applied_migration_is_re_planned_from_what_is_live() {
    use schemahero_integration::services::*;
    use schemahero_proto::v1 as pb;
    const WAIT: Duration = Duration::from_secs(90);
    let uri = fresh_postgres_database("shonline_services").await;
    let mut holder = PgConnection::connect(&uri).await.unwrap();
    sqlx::raw_sql("CREATE TABLE items (id integer PRIMARY KEY, a integer, b integer); INSERT INTO items SELECT g, g, g FROM generate_series(1, 1000) g;")
        .execute(&mut holder)
        .await
        .unwrap();
    let dir = scratch("online-ddl");
    let specs = dir.join("specs");
    std::fs::create_dir_all(&specs).unwrap();
    std::fs::write(specs.join("db.yaml"), postgres_database_yaml("pg", &uri, false)).unwrap();
    std::fs::write(
        specs.join("items.yaml"),
        "database: pg\nname: items\nschema:\n  postgres:\n    primaryKey: [id]\n    columns:\n      - name: id\n        type: integer\n      - name: a\n        type: integer\n      - name: b\n        type: integer\n    indexes:\n      - columns: [a]\n      - columns: [b]\n",
    )
    .unwrap();
    let (_planner, address) = start_planner(&dir, "127.0.0.1:0", &dir.join("planner.db"), 300);
    let _watcher = start_watcher(&dir, &address, &specs);
    let mut client = client(&address).await;
    let planned = |client: &Client, not: Option<String>| {
        let mut c = client.clone();
        async move { migrations(&mut c, "items").await.into_iter().find(|m| phase(m) == pb::Phase::Planned && Some(&m.id) != not.as_ref()) }
    };
    let first = wait_for("the plan", WAIT, || planned(&client, None)).await;
    let builds: Vec<(&str, bool)> = first.statements.iter().map(|s| (s.sql.as_str(), s.outside_transaction)).collect();
    assert_eq!(
        builds,
        [
            ("CREATE INDEX CONCURRENTLY \"idx_items_a\" ON \"items\" (\"a\")", true),
            ("CREATE INDEX CONCURRENTLY \"idx_items_b\" ON \"items\" (\"b\")", true)
        ]
    );

    // A writer's transaction stays open: the first build waits for it, then gives up.
    sqlx::raw_sql("BEGIN; INSERT INTO items VALUES (5000, 1, 1)").execute(&mut holder).await.unwrap();
    approve_migration(&mut client, &first.id).await;
    let _executor = start_executor(&dir, &address, "exec-online", 30);
    wait_for("the lock timeout to be reported as a retry", WAIT, || {
        let mut c = client.clone();
        let id = first.id.clone();
        async move { migrations(&mut c, "items").await.into_iter().find(|m| m.id == id && m.waiting_reason.contains("lock timeout")) }
    })
    .await;
    sqlx::raw_sql("COMMIT").execute(&mut holder).await.unwrap();

    let superseded = wait_for("the half-applied migration to be superseded", WAIT, || {
        let mut c = client.clone();
        let id = first.id.clone();
        async move { migrations(&mut c, "items").await.into_iter().find(|m| m.id == id && phase(m) == pb::Phase::Superseded) }
    })
    .await;
    assert!(superseded.error.contains("live schema changed"), "{}", superseded.error);
    let second = wait_for("the re-plan", WAIT, || planned(&client, Some(first.id.clone()))).await;
    let sql: Vec<&str> = second.statements.iter().map(|s| s.sql.as_str()).collect();
    assert_eq!(
        sql,
        [
            "DROP INDEX CONCURRENTLY \"idx_items_a\"",
            "CREATE INDEX CONCURRENTLY \"idx_items_a\" ON \"items\" (\"a\")",
            "CREATE INDEX CONCURRENTLY \"idx_items_b\" ON \"items\" (\"b\")"
        ]
    );
    approve_migration(&mut client, &second.id).await;
    wait_for("the re-planned migration to be executed", WAIT, || {
        let mut c = client.clone();
        let id = second.id.clone();
        async move { migrations(&mut c, "items").await.into_iter().find(|m| m.id == id && phase(m) == pb::Phase::Executed) }
    })
    .await;
    assert_eq!(indexes(&mut holder, "items").await, [("idx_items_a".to_string(), true), ("idx_items_b".to_string(), true)]);
    let engine = PostgresEngine::connect(&uri).await.unwrap();
    let spec = r#"{"primaryKey":["id"],"columns":[{"name":"id","type":"integer"},{"name":"a","type":"integer"},{"name":"b","type":"integer"}],
        "indexes":[{"columns":["a"]},{"columns":["b"]}]}"#;
    assert!(engine.plan(&[table("items", spec)], false).await.unwrap().is_empty());
    engine.close().await;
}

/// `plan` prints plain SQL, without hints, and `apply --ddl` runs such a script: the statements
/// Postgres runs only outside a transaction block (the concurrent builds and drops) and the
/// validations still run on their own, so the saved plan applies and converges.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_saved_as_sql_applies_as_a_script() {
    use schemahero_engine::{Driver, Engine};
    let uri = fresh_postgres_database("shonline_script").await;
    let mut conn = PgConnection::connect(&uri).await.unwrap();
    sqlx::raw_sql(
        "CREATE TABLE customers (id integer PRIMARY KEY); INSERT INTO customers VALUES (1);
         CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id integer, note text);
         CREATE INDEX orders_old ON orders (note);
         INSERT INTO orders (customer_id, note) VALUES (1, 'a'), (NULL, 'b');",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    let planner = PostgresEngine::connect(&uri).await.unwrap();
    let tables = [table("customers", CUSTOMERS), table("orders", ORDERS)];
    let script = planner.plan(&tables, false).await.unwrap().to_sql();
    assert!(script.contains("DROP INDEX CONCURRENTLY \"orders_old\";") && script.contains("CREATE INDEX CONCURRENTLY"), "{script}");

    let engine = Engine::connect(Driver::Postgres, &uri).await.unwrap();
    let applied = engine.apply_script(&script).await.unwrap_or_else(|e| panic!("{e}\n{script}"));
    engine.close().await;
    assert_eq!(applied, script.matches(";\n").count());
    assert_eq!(indexes(&mut conn, "orders").await, [("idx_orders_customer_id".to_string(), true)]);
    assert_eq!(count(&mut conn, "SELECT count(*) FROM pg_constraint WHERE conrelid = 'orders'::regclass AND NOT convalidated").await, 0);
    assert!(planner.plan(&tables, false).await.unwrap().is_empty());
    planner.close().await;
}

/// The table's sequential scans (its statistics, flushed first), to tell which statement
/// scanned it.
async fn seq_scans(conn: &mut PgConnection, table: &str) -> i64 {
    sqlx::raw_sql("SELECT pg_stat_force_next_flush()").execute(&mut *conn).await.unwrap();
    let (n,): (i64,) =
        sqlx::query_as("SELECT seq_scan FROM pg_stat_user_tables WHERE relname = $1").bind(table).fetch_one(conn).await.unwrap();
    n
}

/// The point of the temporary check: the validation scans the table (writes continuing), and
/// the `SET NOT NULL` that needs ACCESS EXCLUSIVE does not scan it again. Each planned statement
/// runs on the test's connection, which counts the table's scans after each; a plain `SET NOT
/// NULL` shows that the count sees a scan.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_not_null_after_the_validated_check_does_not_scan_the_table() {
    let uri = fresh_postgres_database("shonline_noscan").await;
    let mut conn = PgConnection::connect(&uri).await.unwrap();
    sqlx::raw_sql("CREATE TABLE items (id integer PRIMARY KEY, label text, other text); INSERT INTO items SELECT g, 'l', 'o' FROM generate_series(1, 10000) g;")
        .execute(&mut conn)
        .await
        .unwrap();
    let engine = PostgresEngine::connect(&uri).await.unwrap();
    let spec = r#"{"primaryKey":["id"],"columns":[{"name":"id","type":"integer"},{"name":"label","type":"text","constraints":{"notNull":true}},{"name":"other","type":"text"}]}"#;
    let plan = engine.plan(&[table("items", spec)], false).await.unwrap();
    engine.close().await;
    let mut scans = Vec::new();
    for s in &plan.statements {
        let before = seq_scans(&mut conn, "items").await;
        sqlx::raw_sql(sqlx::AssertSqlSafe(s.sql.clone())).execute(&mut conn).await.unwrap();
        scans.push((s.sql.split(" \"items\" ").nth(1).unwrap_or_default().to_string(), seq_scans(&mut conn, "items").await - before));
    }
    println!("{scans:?}");
    let scanned = |prefix: &str| scans.iter().find(|(sql, _)| sql.starts_with(prefix)).map(|(_, n)| *n);
    assert_eq!(scanned("VALIDATE CONSTRAINT"), Some(1), "{scans:?}");
    assert_eq!(scanned("ALTER COLUMN \"label\" SET NOT NULL"), Some(0), "{scans:?}");
    assert_eq!(scans.iter().map(|(_, n)| n).sum::<i64>(), 1, "one scan in all: {scans:?}");

    let before = seq_scans(&mut conn, "items").await;
    sqlx::raw_sql("ALTER TABLE items ALTER COLUMN other SET NOT NULL").execute(&mut conn).await.unwrap();
    assert_eq!(seq_scans(&mut conn, "items").await - before, 1, "a plain SET NOT NULL scans, and the count sees it");
}
