//! A Database's `hazardPolicy` through the real watcher, planner and executor on Postgres (over
//! TLS, as users run it): under `immediateDeploy`, safe changes deploy themselves, a hazard the
//! policy sends to review waits for a reviewer, a denied one blocks the Migration (approval
//! refused, nothing runs) until the policy changes. And the CLI's `--deny-hazard`.

use schemahero_integration::services::*;
use schemahero_proto::v1 as pb;
use std::path::Path;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

fn database_yaml(uri: &str, policy: &str) -> String {
    format!(
        "apiVersion: databases.schemahero.io/v1alpha4\nkind: Database\nmetadata:\n  name: app\nspec:\n  immediateDeploy: true\n  hazardPolicy:\n{policy}  connection:\n    postgres:\n      uri:\n        value: {uri}\n"
    )
}

/// The users Table with `columns` (name: type pairs).
fn users_yaml(columns: &[(&str, &str)]) -> String {
    let columns: String = columns.iter().map(|(n, t)| format!("        - name: {n}\n          type: {t}\n")).collect();
    format!(
        "apiVersion: schemas.schemahero.io/v1alpha4\nkind: Table\nmetadata:\n  name: users\nspec:\n  database: app\n  name: users\n  schema:\n    postgres:\n      primaryKey: [id]\n      columns:\n{columns}"
    )
}

fn condition<'a>(m: &'a pb::Migration, kind: &str) -> Option<&'a pb::MigrationCondition> {
    m.conditions.iter().find(|c| c.r#type == kind)
}

/// The newest migration of `users` whose statements include `sql_part`, once `ready` says so.
async fn migration_with(client: &Client, sql_part: &str, what: &str, ready: fn(&pb::Migration) -> bool) -> pb::Migration {
    let sql_part = sql_part.to_string();
    wait_for(what, WAIT, || {
        let (mut c, sql_part) = (client.clone(), sql_part.clone());
        async move {
            migrations(&mut c, "users").await.into_iter().rev().find(|m| m.statements.iter().any(|s| s.sql.contains(&sql_part)) && ready(m))
        }
    })
    .await
}

async fn columns(uri: &str) -> Vec<(String, String)> {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(uri).await.expect("connect to the target database");
    sqlx::query_as(
        "SELECT column_name::text, data_type::text FROM information_schema.columns WHERE table_name = 'users' ORDER BY ordinal_position",
    )
    .fetch_all(&mut conn)
    .await
    .expect("columns")
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).expect("write a spec");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn immediate_deploy_applies_only_what_the_policy_allows() {
    let uri = fresh_postgres_database("shsvc_hazard_policy").await;
    let dir = scratch("hazard-policy");
    let specs = dir.join("specs");
    std::fs::create_dir_all(&specs).unwrap();
    let (db_file, users_file) = (specs.join("db.yaml"), specs.join("users.yaml"));
    write(&db_file, &database_yaml(&uri, "    default: allow\n    deletesData: review\n    TABLE_REWRITE: deny\n"));
    write(&users_file, &users_yaml(&[("id", "integer"), ("name", "text"), ("age", "integer")]));

    let (mut planner, address) = start_planner(&dir, "127.0.0.1:0", &dir.join("planner.db"), 1);
    let mut watcher = start_watcher(&dir, &address, &specs);
    let mut executor = start_executor(&dir, &address, "exec-1", 5);
    let client = client(&address).await;

    // A new table has no hazard: it deploys by itself.
    let create = migration_with(&client, "CREATE TABLE", "the CREATE TABLE to run by itself", |m| phase(m) == pb::Phase::Executed).await;
    assert_eq!(create.approved_by, "immediateDeploy");
    let validated = condition(&create, "Validated").expect("a Validated condition");
    assert_eq!((validated.status.as_str(), validated.reason.as_str()), ("True", "Converged"));
    assert_eq!(create.conditions.len(), 1, "no policy condition: {:?}", create.conditions);

    // Dropping a column carries DELETES_DATA, which the policy sends to review.
    write(&users_file, &users_yaml(&[("id", "integer"), ("name", "text")]));
    let held = migration_with(&client, "DROP COLUMN", "the DROP COLUMN to be held for review", |m| phase(m) == pb::Phase::Planned).await;
    let review = condition(&held, "ReviewRequired").expect("a ReviewRequired condition");
    assert_eq!((review.status.as_str(), review.reason.as_str()), ("True", "HazardNeedsReview"));
    assert!(review.message.contains("statement 1 (ALTER TABLE on public.users) has hazard DELETES_DATA"), "{}", review.message);
    // Drift passes keep it Planned: nothing runs without a reviewer.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(phase(&get_migration(&mut client.clone(), &held.id).await), pb::Phase::Planned);
    assert!(columns(&uri).await.iter().any(|(c, _)| c == "age"), "the column is still there");
    approve_migration(&mut client.clone(), &held.id).await;
    migration_with(&client, "DROP COLUMN", "the reviewed DROP COLUMN to run", |m| phase(m) == pb::Phase::Executed).await;
    assert!(!columns(&uri).await.iter().any(|(c, _)| c == "age"));

    // Changing a type rewrites the table, which the policy denies: blocked, approval refused.
    write(&users_file, &users_yaml(&[("id", "integer"), ("name", "integer")]));
    let blocked = migration_with(&client, "TYPE integer", "the type change to be blocked", |m| phase(m) == pb::Phase::Planned).await;
    let b = condition(&blocked, "Blocked").expect("a Blocked condition");
    assert_eq!((b.status.as_str(), b.reason.as_str()), ("True", "HazardDenied"));
    assert!(b.message.contains("hazard TABLE_REWRITE"), "{}", b.message);
    let refused = client
        .clone()
        .approve_migration(pb::ApproveMigrationRequest { id: blocked.id.clone(), comment: String::new() })
        .await
        .expect_err("a blocked migration cannot be approved");
    assert_eq!(refused.code(), tonic::Code::FailedPrecondition);
    assert!(refused.message().contains("blocked by the Database's hazard policy"), "{}", refused.message());
    // The CLI shows why.
    let described = cli(&["describe", "migration", &blocked.id, "--planner", &address]);
    let text = String::from_utf8_lossy(&described.stdout);
    assert!(text.contains("Phase:           Planned (blocked)") && text.contains("Blocked=True (HazardDenied)"), "{text}");
    assert_eq!(columns(&uri).await[1], ("name".to_string(), "text".to_string()), "nothing ran");

    // The policy changes: the same migration is judged again and deploys by itself.
    write(&db_file, &database_yaml(&uri, "    deletesData: review\n"));
    let now = migration_with(&client, "TYPE integer", "the unblocked type change to run", |m| phase(m) == pb::Phase::Executed).await;
    assert_eq!(now.id, blocked.id, "the same migration, not a new plan");
    assert!(condition(&now, "Blocked").is_none(), "{:?}", now.conditions);
    assert_eq!(columns(&uri).await[1], ("name".to_string(), "integer".to_string()));

    // Converged: nothing more is planned.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let all = migrations(&mut client.clone(), "users").await;
    assert!(all.iter().all(|m| matches!(phase(m), pb::Phase::Executed | pb::Phase::Superseded)), "{all:?}");

    for p in [&mut watcher, &mut executor, &mut planner] {
        p.terminate();
    }
}

/// A plan that cannot run (a column type the server does not have) fails on the scratch copy:
/// immediateDeploy does not approve it, a reviewer cannot, and fixing the spec plans anew.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_that_fails_validation_is_never_deployed() {
    let uri = fresh_postgres_database("shsvc_validation").await;
    let dir = scratch("validation");
    let specs = dir.join("specs");
    std::fs::create_dir_all(&specs).unwrap();
    let users_file = specs.join("users.yaml");
    write(&specs.join("db.yaml"), &database_yaml(&uri, "    default: allow\n"));
    write(&users_file, &users_yaml(&[("id", "integer"), ("name", "nosuchtype")]));
    let (mut planner, address) = start_planner(&dir, "127.0.0.1:0", &dir.join("planner.db"), 1);
    let mut watcher = start_watcher(&dir, &address, &specs);
    let mut executor = start_executor(&dir, &address, "exec-1", 5);
    let client = client(&address).await;

    let invalid = migration_with(&client, "nosuchtype", "the plan to fail validation", |m| phase(m) == pb::Phase::Planned).await;
    let v = condition(&invalid, "Validated").expect("a Validated condition");
    assert_eq!((v.status.as_str(), v.reason.as_str()), ("False", "StatementFailed"), "{}", v.message);
    assert!(v.message.contains("type \"nosuchtype\" does not exist"), "{}", v.message);
    assert!(invalid.approved_by.is_empty(), "immediateDeploy did not approve it");
    let refused = client
        .clone()
        .approve_migration(pb::ApproveMigrationRequest { id: invalid.id.clone(), comment: String::new() })
        .await
        .expect_err("an invalid plan cannot be approved");
    assert_eq!(refused.code(), tonic::Code::FailedPrecondition);
    assert!(refused.message().contains("failed validation on a scratch copy"), "{}", refused.message());
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(phase(&get_migration(&mut client.clone(), &invalid.id).await), pb::Phase::Planned, "drift passes leave it alone");
    assert!(columns(&uri).await.is_empty(), "nothing ran on the live database");

    write(&users_file, &users_yaml(&[("id", "integer"), ("name", "text")]));
    let fixed = migration_with(&client, "\"name\" text", "the fixed plan to run by itself", |m| phase(m) == pb::Phase::Executed).await;
    assert_eq!(condition(&fixed, "Validated").map(|c| c.status.as_str()), Some("True"));
    assert_eq!(phase(&get_migration(&mut client.clone(), &invalid.id).await), pb::Phase::Superseded);
    for p in [&mut watcher, &mut executor, &mut planner] {
        p.terminate();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_refuses_denied_hazards_in_plan_and_apply() {
    let dir = scratch("hazard-cli");
    let db = dir.join("app.db");
    let db_arg = db.to_str().unwrap();
    let spec = dir.join("users.yaml");
    let sqlite_users = |columns: &str| {
        format!(
            "apiVersion: schemas.schemahero.io/v1alpha4\nkind: Table\nmetadata:\n  name: users\nspec:\n  database: app\n  name: users\n  schema:\n    sqlite:\n      primaryKey: [id]\n      columns:\n{columns}"
        )
    };
    write(&spec, &sqlite_users("        - name: id\n          type: integer\n        - name: age\n          type: integer\n"));
    let plan_sql = dir.join("plan.sql");
    let base = ["--driver", "sqlite", "--uri", db_arg];
    let run = |extra: &[&str]| {
        let mut args = vec!["plan"];
        args.extend(base);
        args.extend(["--spec-file", spec.to_str().unwrap(), "--out", plan_sql.to_str().unwrap()]);
        args.extend(extra);
        cli(&args)
    };
    // A plan without the denied hazard is written and applies.
    assert!(run(&["--deny-hazard", "DELETES_DATA"]).status.success());
    let apply = |extra: &[&str]| {
        let mut args = vec!["apply"];
        args.extend(base);
        args.extend(["--ddl", plan_sql.to_str().unwrap()]);
        args.extend(extra);
        cli(&args)
    };
    assert!(apply(&[]).status.success());

    // Dropping `age` deletes data: refused, naming the statement and hazard, nothing written.
    write(&spec, &sqlite_users("        - name: id\n          type: integer\n"));
    std::fs::remove_file(&plan_sql).unwrap();
    let refused = run(&["--deny-hazard", "deletesData"]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "{stderr}");
    // SQLite rebuilds the table; its third statement drops the old one with the column's data.
    assert!(stderr.contains("--deny-hazard refuses statement 3 (DROP TABLE on ") && stderr.contains("has hazard DELETES_DATA"), "{stderr}");
    assert!(!plan_sql.exists(), "a refused plan is not written");
    // `--deny-hazard all` with the kind allowed writes it; `apply` judges the script's hazard
    // comments and refuses before running anything.
    assert!(run(&["--deny-hazard", "all", "--allow-hazard", "DELETES_DATA,TABLE_REWRITE,MAY_FAIL"]).status.success());
    let refused = run(&["--deny-hazard", "all", "--allow-hazard", "DELETES_DATA,TABLE_REWRITE"]);
    assert!(String::from_utf8_lossy(&refused.stderr).contains("has hazard MAY_FAIL"), "every kind not allowed is denied");
    let refused = apply(&["--deny-hazard", "DELETES_DATA"]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("nothing was applied: --deny-hazard refuses") && stderr.contains("DELETES_DATA"), "{stderr}");
    let bad = run(&["--deny-hazard", "DROP_EVERYTHING"]);
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--deny-hazard: unknown hazard kind \"DROP_EVERYTHING\""));
    assert!(apply(&["--allow-hazard", "DELETES_DATA"]).status.success(), "allowed: applies");
}
