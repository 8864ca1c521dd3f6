//! Plans validated on a scratch copy of the schema (`Engine::validate_plans`), on the real
//! servers: a good plan converges there (with what its tables depend on copied: referenced
//! tables, enum types, functions, triggers), a statement that cannot run fails there, a plan
//! that leaves work undone does not converge, and the live database is never touched.

use schemahero_engine::{Driver, Engine, Validation, load_specs};
use schemahero_integration::services::{fresh_postgres_database, scratch};
use schemahero_plan::{Plan, PlannedStatement};
use schemahero_schema::TableManifest;

fn specs(name: &str, yaml: &str) -> Vec<TableManifest> {
    let dir = scratch(name);
    let file = dir.join("spec.yaml");
    std::fs::write(&file, yaml).expect("write the spec");
    load_specs(&file).expect("load the spec").tables
}

fn table(name: &str, engine: &str, columns: &str, extra: &str) -> String {
    format!(
        "apiVersion: schemas.schemahero.io/v1alpha4\nkind: Table\nmetadata:\n  name: {name}\nspec:\n  database: db\n  name: {name}\n  schema:\n    {engine}:\n      primaryKey: [id]\n{extra}      columns:\n        - name: id\n          type: integer\n{columns}---\n"
    )
}

fn column(name: &str, ty: &str) -> String {
    format!("        - name: {name}\n          type: {ty}\n")
}

async fn plan(engine: &Engine, tables: &[TableManifest]) -> Plan {
    engine.plan(tables, false, &mut Vec::new()).await.expect("plan")
}

/// Validation results the test can compare without the servers' exact error texts.
fn kind(v: &Validation) -> &'static str {
    match v {
        Validation::Converged => "converged",
        Validation::Failed(_) => "failed",
        Validation::DidNotConverge(_) => "did not converge",
        Validation::Unavailable(_) => "unavailable",
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_plans_are_tried_on_a_scratch_copy_with_what_they_depend_on() {
    let uri = fresh_postgres_database("shvalidate_pg").await;
    let engine = Engine::connect(Driver::Postgres, &uri).await.expect("connect");
    engine
        .apply_script(
            "CREATE TYPE mood AS ENUM ('sad', 'ok');
             CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
             CREATE TABLE teams (id integer PRIMARY KEY, code text CONSTRAINT teams_code_key UNIQUE);
             CREATE TABLE people (id integer PRIMARY KEY, team_id integer REFERENCES teams (id), feeling mood);
             CREATE TRIGGER people_touch BEFORE UPDATE ON people FOR EACH ROW EXECUTE FUNCTION touch();
             INSERT INTO teams VALUES (1, 'core');",
        )
        .await
        .expect("the live schema");
    let people = |extra_columns: &str| {
        specs(
            "validate-pg",
            &table(
                "people",
                "postgres",
                &format!("{}{}{extra_columns}", column("team_id", "integer"), column("feeling", "mood")),
                "      foreignKeys:\n        - columns: [team_id]\n          references:\n            table: teams\n            columns: [id]\n          name: people_team_id_fkey\n      triggers:\n        - name: people_touch\n          events: [before update]\n          forEachRow: true\n          execute:\n            type: Function\n            name: touch\n",
            ),
        )
    };
    // A real plan: a column of the enum type, on a table with a foreign key and a trigger.
    let wanted = people(&column("mood_before", "mood"));
    let good = plan(&engine, &wanted).await;
    assert_eq!(good.statements.len(), 1, "{}", good.to_sql());
    // A statement Postgres refuses (a type that does not exist), and a plan that does half.
    let failing = Plan {
        statements: vec![PlannedStatement::new("public.people", "ALTER TABLE \"people\" ADD COLUMN \"x\" nosuchtype")],
        ..good.clone()
    };
    let wanted_two = people(&format!("{}{}", column("mood_before", "mood"), column("note", "text")));
    let half = Plan { statements: good.statements.clone(), ..good.clone() };
    let results = engine.validate_plans(&wanted, &[Some(&good)], &[]).await;
    assert_eq!(results, [Validation::Converged]);
    let failed = engine.validate_plans(&wanted, &[Some(&failing)], &[]).await;
    match &failed[0] {
        Validation::Failed(e) => assert!(e.contains("type \"nosuchtype\" does not exist"), "{e}"),
        other => panic!("{other:?}"),
    }
    match &engine.validate_plans(&wanted_two, &[Some(&half)], &[]).await[0] {
        Validation::DidNotConverge(rest) => assert_eq!(rest, &["ALTER TABLE \"people\" ADD COLUMN \"note\" text"]),
        other => panic!("{other:?}"),
    }
    // A batch in order: a new table, then one referencing it.
    let batch = specs(
        "validate-pg-batch",
        &format!(
            "{}{}",
            table("projects", "postgres", &column("name", "text"), ""),
            table(
                "tasks",
                "postgres",
                &column("project_id", "integer"),
                "      foreignKeys:\n        - columns: [project_id]\n          references:\n            table: projects\n            columns: [id]\n"
            )
        ),
    );
    let each: Vec<Plan> = engine.plan_each(&batch, false, &mut Vec::new()).await.unwrap().into_iter().map(Result::unwrap).collect();
    let results = engine.validate_plans(&batch, &[Some(&each[0]), Some(&each[1])], &[]).await;
    assert_eq!(results.iter().map(kind).collect::<Vec<_>>(), ["converged", "converged"]);
    // The referencing table first in the batch: its plan still runs after the one it references.
    let reversed = [batch[1].clone(), batch[0].clone()];
    let results = engine.validate_plans(&reversed, &[Some(&each[1]), Some(&each[0])], &[]).await;
    assert_eq!(results.iter().map(kind).collect::<Vec<_>>(), ["converged", "converged"]);
    // Planned alone, the referencing table needs the other: from the database's other Tables
    // (`context`) it is made first, as its own migration runs first; without them the foreign
    // key has nothing to reference.
    let tasks = &batch[1..];
    let alone = engine.validate_plans(tasks, &[Some(&each[1])], &batch[..1]).await;
    assert_eq!(alone, [Validation::Converged]);
    let unknown = engine.validate_plans(tasks, &[Some(&each[1])], &[]).await;
    assert_eq!(kind(&unknown[0]), "failed", "{unknown:?}");

    // Nothing of it reached the live database; the scratch database is beside it.
    use sqlx::Connection;
    let mut live = sqlx::PgConnection::connect(&uri).await.unwrap();
    let (columns,): (i64,) =
        sqlx::query_as("SELECT count(*) FROM information_schema.columns WHERE table_name = 'people'").fetch_one(&mut live).await.unwrap();
    assert_eq!(columns, 3, "the live table is unchanged");
    let (tables,): (i64,) =
        sqlx::query_as("SELECT count(*) FROM pg_tables WHERE tablename IN ('projects', 'tasks')").fetch_one(&mut live).await.unwrap();
    assert_eq!(tables, 0);
    let (scratch_db,): (i64,) = sqlx::query_as("SELECT count(*) FROM pg_database WHERE datname = $1")
        .bind(format!("{}_shscratch", schemahero_integration::test_db_name("shvalidate_pg")))
        .fetch_one(&mut live)
        .await
        .unwrap();
    assert_eq!(scratch_db, 1);
    engine.close().await;
}

#[tokio::test]
async fn sqlite_plans_are_tried_in_memory() {
    let dir = scratch("validate-sqlite");
    let db = dir.join("live.db");
    let engine = Engine::connect(Driver::Sqlite, db.to_str().unwrap()).await.expect("open");
    engine.apply_script("CREATE TABLE notes (id integer PRIMARY KEY, body text);").await.unwrap();
    let wanted =
        specs("validate-sqlite-spec", &table("notes", "sqlite", &format!("{}{}", column("body", "text"), column("tag", "text")), ""));
    let good = plan(&engine, &wanted).await;
    assert_eq!(engine.validate_plans(&wanted, &[Some(&good)], &[]).await, [Validation::Converged]);
    let broken = Plan { statements: vec![PlannedStatement::new("notes", "ALTER TABLE \"nope\" ADD COLUMN \"tag\" text")], ..good.clone() };
    assert_eq!(kind(&engine.validate_plans(&wanted, &[Some(&broken)], &[]).await[0]), "failed");
    let nothing = Plan { statements: vec![PlannedStatement::new("notes", "SELECT 1")], ..good.clone() };
    assert_eq!(kind(&engine.validate_plans(&wanted, &[Some(&nothing)], &[]).await[0]), "did not converge");
    // The live file is untouched.
    assert_eq!(plan(&engine, &wanted).await.statements.len(), 1);
    engine.close().await;
}

#[tokio::test]
async fn mysql_plans_are_tried_in_a_scratch_database() {
    use sqlx::Connection;
    let server = std::env::var("SCHEMAHERO_TEST_MYSQL").unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".into());
    let name = schemahero_integration::test_db_name("shvalidate_my");
    let mut admin = sqlx::MySqlConnection::connect(&server).await.expect("MariaDB must be reachable");
    for sql in [
        format!("DROP DATABASE IF EXISTS `{name}_shscratch`"),
        format!("DROP DATABASE IF EXISTS `{name}`"),
        format!("CREATE DATABASE `{name}`"),
    ] {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut admin).await.unwrap();
    }
    let engine = Engine::connect(Driver::Mysql, &format!("{server}/{name}")).await.expect("connect");
    engine.apply_script("CREATE TABLE parents (id int PRIMARY KEY); CREATE TABLE kids (id int PRIMARY KEY, parent_id int, FOREIGN KEY (parent_id) REFERENCES parents (id));").await.unwrap();
    let wanted = specs(
        "validate-mysql",
        &table(
            "kids",
            "mysql",
            &format!("{}{}", column("parent_id", "int"), column("nickname", "varchar(40)")),
            "      foreignKeys:\n        - columns: [parent_id]\n          references:\n            table: parents\n            columns: [id]\n          name: kids_ibfk_1\n",
        ),
    );
    // A plan that would fail on the live database fails the same way on the scratch copy,
    // before anyone approves it: the spec leaves out the index MySQL made for the foreign key,
    // which the server refuses to drop while the key needs it.
    let doomed = plan(&engine, &wanted).await;
    let predicted = engine.validate_plans(&wanted, &[Some(&doomed)], &[]).await;
    match &predicted[0] {
        Validation::Failed(e) => assert!(e.contains("needed in a foreign key constraint"), "{e}"),
        other => panic!("{other:?}: {}", doomed.to_sql()),
    }
    let live_error = engine.apply_statements(&doomed.statements).await.expect_err("the live database refuses it too").to_string();
    assert!(live_error.contains("needed in a foreign key constraint"), "{live_error}");
    // A good plan (the table that the key references gains a column) converges there.
    let parents = specs("validate-mysql-parents", &table("parents", "mysql", &column("label", "varchar(40)"), ""));
    let good = plan(&engine, &parents).await;
    assert_eq!(engine.validate_plans(&parents, &[Some(&good)], &[]).await, [Validation::Converged], "{}", good.to_sql());
    let broken =
        Plan { statements: vec![PlannedStatement::new("parents", "ALTER TABLE `parents` ADD COLUMN `label` nosuchtype")], ..good.clone() };
    assert_eq!(kind(&engine.validate_plans(&parents, &[Some(&broken)], &[]).await[0]), "failed");
    assert_eq!(plan(&engine, &parents).await.statements.len(), good.statements.len(), "the live database is untouched");
    engine.close().await;
}
