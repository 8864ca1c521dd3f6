//! WatchMigrations in Kubernetes mode (real API server): the planner's watch cache of the
//! Migration resources is the change sequence. Changes made through the API and through the
//! Migration resource (the CLI's `reject --comment`) are streamed with their comments; a token
//! resumes; after a planner restart an old token is OUT_OF_RANGE.

use schemahero_integration::kube_env::*;
use schemahero_integration::services::*;
use schemahero_proto::v1 as pb;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(60);

fn table(name: &str) -> String {
    format!(
        "apiVersion: schemas.schemahero.io/v1alpha4\nkind: Table\nmetadata:\n  name: {name}\nspec:\n  database: db\n  name: {name}\n  schema:\n    sqlite:\n      columns:\n        - name: id\n          type: integer\n"
    )
}

/// A watch, retried while the planner's cache has not listed yet (UNAVAILABLE).
async fn watch(client: &mut Client, resume_token: &str) -> Result<tonic::Streaming<pb::WatchMigrationsResponse>, tonic::Status> {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let request = pb::WatchMigrationsRequest { resume_token: resume_token.into(), ..Default::default() };
        match client.watch_migrations(request).await {
            Err(s) if s.code() == tonic::Code::Unavailable && tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(200)).await
            }
            other => return other.map(|r| r.into_inner()),
        }
    }
}

/// The next change with a migration (bookmarks skipped), and its resume token.
async fn next_change(stream: &mut tonic::Streaming<pb::WatchMigrationsResponse>) -> (pb::Migration, String) {
    loop {
        let message = tokio::time::timeout(WAIT, stream.message()).await.expect("a change in time").expect("stream ok").expect("not ended");
        if let Some(m) = message.migration {
            return (m, message.resume_token);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrations_are_watched_through_the_kubernetes_store() {
    require_cluster();
    apply_crds();
    let ns = fresh_namespace("watch");
    let dir = scratch("k8s-watch");
    let database = format!(
        "apiVersion: databases.schemahero.io/v1alpha4\nkind: Database\nmetadata:\n  name: db\nspec:\n  connection:\n    sqlite:\n      dsn:\n        value: {}\n",
        dir.join("app.db").display()
    );
    let (planner, address) = start_planner_k8s(&dir, &ns, 300);
    let _watcher = start_watcher_k8s(&dir, &address, &ns);
    let mut reviewer = client(&address).await;
    let mut stream = watch(&mut reviewer, "").await.expect("watch");
    kubectl_ok(&["apply", "-n", &ns, "-f", "-"], Some(&format!("{database}---\n{}", table("users"))));

    let (users, _) = next_change(&mut stream).await;
    assert_eq!((users.table_resource.as_str(), users.phase), ("users", pb::Phase::Planned as i32));
    let approved = reviewer
        .approve_migration(pb::ApproveMigrationRequest { id: users.id.clone(), comment: "looks right".into() })
        .await
        .expect("approve")
        .into_inner()
        .migration
        .expect("the migration");
    assert_eq!(approved.approval_comment, "looks right");
    let (seen, token) = next_change(&mut stream).await;
    assert_eq!((seen.phase, seen.approval_comment.as_str()), (pb::Phase::Approved as i32, "looks right"));
    let status = kubectl_ok(&["get", "migration", &users.id, "-n", &ns, "-o", "jsonpath={.status.approvalComment}"], None);
    assert_eq!(status, "looks right", "the comment is kept on the Migration resource");

    // Rejected through the resource (the CLI in Kubernetes mode): the controller moves it and
    // the watch sees the change, comment included.
    let out = cli(&["reject", "migration", &users.id, "-n", &ns, "--comment", "not this week"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (rejected, _) = next_change(&mut stream).await;
    assert_eq!((rejected.phase, rejected.rejection_comment.as_str()), (pb::Phase::Rejected as i32, "not this week"));

    // Away and back with the token from after the approval: the rejection and the new table,
    // nothing from before.
    drop(stream);
    kubectl_ok(&["apply", "-n", &ns, "-f", "-"], Some(&table("orders")));
    let mut resumed = watch(&mut reviewer, &token).await.expect("resume");
    let mut seen = Vec::new();
    while !seen.iter().any(|(t, _): &(String, i32)| t == "orders") {
        let (m, _) = next_change(&mut resumed).await;
        seen.push((m.table_resource, m.phase));
    }
    assert_eq!(seen[0], ("users".to_string(), pb::Phase::Rejected as i32), "{seen:?}");
    assert!(!seen.iter().any(|(_, phase)| *phase == pb::Phase::Approved as i32), "nothing from before the token: {seen:?}");

    // A planner restart starts a new sequence: the old token is refused, telling to list again.
    drop((resumed, reviewer, planner));
    let (_planner, address) = start_planner_k8s(&dir, &ns, 300);
    let mut reviewer = client(&address).await;
    let refused = watch(&mut reviewer, &token).await.expect_err("a token from before the restart");
    assert_eq!(refused.code(), tonic::Code::OutOfRange, "{}", refused.message());
    assert!(refused.message().contains("list again"), "{}", refused.message());
    kubectl(&["delete", "namespace", &ns, "--wait=false"], None);
}
