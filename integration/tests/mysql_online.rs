//! Online changes on MariaDB through the CLI, as a user runs it: `plan` gives each ALTER on an
//! existing table `ALGORITHM=INSTANT` or `ALGORITHM=INPLACE, LOCK=NONE` where the server does
//! the change that way (and says so in its hazards), and `apply` runs the plan while another
//! session keeps inserting into the table: no insert fails, and none waits for the migration.
//! A copying change (no clause) run the same way shows what the clauses avoid.

use schemahero_integration::services::cli;
use sqlx::{Connection, MySqlConnection};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

fn server() -> String {
    std::env::var("SCHEMAHERO_TEST_MYSQL").unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".into())
}

async fn fresh_database(name: &str) -> String {
    let name = &schemahero_integration::test_db_name(name);
    let mut admin = MySqlConnection::connect(&server()).await.expect("MariaDB/MySQL must be reachable for this test");
    for sql in [format!("DROP DATABASE IF EXISTS `{name}`"), format!("CREATE DATABASE `{name}` CHARACTER SET utf8mb4")] {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut admin).await.unwrap();
    }
    format!("{}/{name}", server())
}

/// What a writer saw while a migration ran.
#[derive(Debug)]
struct Writes {
    inserted: u64,
    failed: Vec<String>,
    slowest: Duration,
}

/// Inserts rows one by one until `stop`, timing each.
fn writer(uri: String, stop: Arc<AtomicBool>, first_id: i64) -> tokio::task::JoinHandle<Writes> {
    tokio::spawn(async move {
        let mut conn = MySqlConnection::connect(&uri).await.unwrap();
        let mut writes = Writes { inserted: 0, failed: Vec::new(), slowest: Duration::ZERO };
        let mut id = first_id;
        while !stop.load(Ordering::Relaxed) {
            id += 1;
            let started = Instant::now();
            let result = sqlx::query("INSERT INTO events (id, kind, payload, n) VALUES (?, 'w', 'written meanwhile', 1)")
                .bind(id)
                .execute(&mut conn)
                .await;
            writes.slowest = writes.slowest.max(started.elapsed());
            match result {
                Ok(_) => writes.inserted += 1,
                Err(e) => writes.failed.push(e.to_string()),
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        writes
    })
}

/// Applies `plan` with the CLI while a writer inserts; returns how long the apply took and what
/// the writer saw.
async fn apply_under_writes(uri: &str, dir: &std::path::Path, plan: &str, first_id: i64) -> (Duration, Writes) {
    let ddl = dir.join(format!("plan-{first_id}.sql"));
    std::fs::write(&ddl, plan).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let handle = writer(uri.to_string(), stop.clone(), first_id);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    let (uri_owned, ddl_path) = (uri.to_string(), ddl.display().to_string());
    let out =
        tokio::task::spawn_blocking(move || cli(&["apply", "--driver", "mysql", "--uri", &uri_owned, "--ddl", &ddl_path])).await.unwrap();
    let took = started.elapsed();
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.store(true, Ordering::Relaxed);
    let writes = handle.await.unwrap();
    assert!(out.status.success(), "apply failed:\n{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (took, writes)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn online_alters_keep_writes_flowing_through_the_cli() {
    let uri = fresh_database("shonline_cli").await;
    let mut conn = MySqlConnection::connect(&uri).await.unwrap();
    // 200,000 rows, enough that a rebuild takes visible time.
    let setup = "CREATE TABLE d (n int);
                 INSERT INTO d VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9);
                 CREATE TABLE events (id int PRIMARY KEY, kind varchar(20), payload varchar(50), n int, obsolete int, KEY kind_idx (kind));
                 INSERT INTO events SELECT a.n + 10*b.n + 100*c.n + 1000*e.n + 10000*f.n + 100000*g.n, 'k', 'some payload', 1, 0
                   FROM d a, d b, d c, d e, d f, d g WHERE g.n < 2;
                 DROP TABLE d;";
    sqlx::raw_sql(setup).execute(&mut conn).await.unwrap();
    let dir = std::env::temp_dir().join(format!("schemahero-mysql-online-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();

    // Every online kind at once: widen a varchar (instant), make a column NOT NULL (in place,
    // rebuilding), add a column (instant), add an index (in place), set a default (instant),
    // drop a column (instant).
    let spec = r#"database: db
name: events
schema:
  mysql:
    primaryKey: [id]
    columns:
      - name: id
        type: int
      - name: kind
        type: varchar(30)
        default: k
      - name: payload
        type: varchar(50)
      - name: n
        type: int
        constraints:
          notNull: true
      - name: obsolete
        type: int
      - name: added
        type: varchar(10)
    indexes:
      - name: kind_idx
        columns: [kind]
      - name: payload_idx
        columns: [payload]
"#;
    let spec_file = dir.join("events.yaml");
    std::fs::write(&spec_file, spec).unwrap();
    let out = cli(&["plan", "--driver", "mysql", "--uri", &uri, "--spec-file", spec_file.to_str().unwrap()]);
    let plan = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "plan failed: {}\n{plan}", String::from_utf8_lossy(&out.stderr));
    println!("{plan}");
    for expected in [
        "ALTER TABLE `events` ADD COLUMN `added` varchar(10), ALGORITHM=INSTANT;",
        "ALTER TABLE `events` MODIFY COLUMN `kind` varchar(30) DEFAULT 'k', ALGORITHM=INSTANT;",
        "-- hazard TABLE_REWRITE: makes n NOT NULL, rebuilding the table in place (ALGORITHM=INPLACE, LOCK=NONE); writes continue\n",
        "ALTER TABLE `events` MODIFY COLUMN `n` int NOT NULL, ALGORITHM=INPLACE, LOCK=NONE;",
        "CREATE INDEX `payload_idx` ON `events` (`payload`) ALGORITHM=INPLACE LOCK=NONE;",
    ] {
        assert!(plan.contains(expected), "{expected:?} missing from the plan:\n{plan}");
    }
    // The spec keeps `obsolete`; a second spec drops it below, instantly.
    let (took, writes) = apply_under_writes(&uri, &dir, &plan, 1_000_000).await;
    println!("online plan: applied in {took:?} while {} rows were inserted, slowest insert {:?}", writes.inserted, writes.slowest);
    assert!(writes.failed.is_empty(), "inserts failed during the online migration: {:?}", writes.failed);
    assert!(writes.inserted >= 10, "the writer kept writing during the migration: {writes:?}");
    assert!(writes.slowest < Duration::from_secs(2), "an insert waited {:?} for the online migration", writes.slowest);

    let again = cli(&["plan", "--driver", "mysql", "--uri", &uri, "--spec-file", spec_file.to_str().unwrap()]);
    assert!(again.status.success() && again.stdout.is_empty(), "re-plan: {}", String::from_utf8_lossy(&again.stdout));

    // Dropping a column is instant too; narrowing a type has no online path: it gets no
    // clause, and its hazard says the table is copied while writes block.
    let narrowed = spec.replace("      - name: obsolete\n        type: int\n", "").replace("type: varchar(50)", "type: varchar(40)");
    std::fs::write(&spec_file, &narrowed).unwrap();
    let out = cli(&["plan", "--driver", "mysql", "--uri", &uri, "--spec-file", spec_file.to_str().unwrap()]);
    let plan = String::from_utf8_lossy(&out.stdout).to_string();
    println!("{plan}");
    assert!(plan.contains("ALTER TABLE `events` DROP COLUMN `obsolete`, ALGORITHM=INSTANT;"), "{plan}");
    assert!(plan.contains("hazard DELETES_DATA: drops column obsolete and its data (about "), "a 200,000-row table is estimated: {plan}");
    assert!(
        plan.contains("-- hazard TABLE_REWRITE: changes payload from varchar(50) to varchar(40), copying the table (ALGORITHM=COPY); writes block meanwhile\n-- hazard MAY_FAIL: fails (strict mode) if an existing value does not convert\nALTER TABLE `events` MODIFY COLUMN `payload` varchar(40);"),
        "{plan}"
    );
    let (took, writes) = apply_under_writes(&uri, &dir, &plan, 2_000_000).await;
    println!("copying plan: applied in {took:?} while {} rows were inserted, slowest insert {:?}", writes.inserted, writes.slowest);
    assert!(writes.failed.is_empty(), "{:?}", writes.failed);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A clause the server cannot honour is refused, not run as a copy, and the error says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_algorithm_says_the_statement_did_not_run() {
    let uri = fresh_database("shonline_refused").await;
    let engine = schemahero_engine::Engine::connect(schemahero_engine::Driver::Mysql, &uri).await.unwrap();
    engine.apply(&["CREATE TABLE t (id int PRIMARY KEY, n int)".to_string()]).await.unwrap();
    let err = engine
        .apply(&["ALTER TABLE t MODIFY COLUMN n bigint, ALGORITHM=INSTANT".to_string()])
        .await
        .expect_err("int to bigint is no instant change");
    let message = err.to_string();
    assert!(message.contains("ALGORITHM=INSTANT is not supported"), "{message}");
    assert!(message.contains("so it refused rather than copy the table while writes block; the statement did not run"), "{message}");
    let mut conn = MySqlConnection::connect(&uri).await.unwrap();
    let (data_type,): (String,) = sqlx::query_as(
        "SELECT CONVERT(DATA_TYPE USING utf8mb4) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 't' AND COLUMN_NAME = 'n'",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(data_type, "int", "the column is unchanged");
    engine.close().await;
}
