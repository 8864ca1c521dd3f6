//! The watcher's and executor's health endpoints (`--health-listen`), as kubelet's gRPC probes
//! see them: live from the start; ready only while the planner has the watcher's full state or
//! answers the executor's claims; not ready again when the planner goes away.

use schemahero_integration::services::*;
use std::time::{Duration, Instant};
use tonic_health::pb::health_check_response::ServingStatus;

async fn wait_for_status(address: &str, service: &str, want: ServingStatus, what: &str) -> Duration {
    let started = Instant::now();
    loop {
        if health_of(address, service).await.ok() == Some(want) {
            return started.elapsed();
        }
        assert!(started.elapsed() < Duration::from_secs(30), "{what}: {service:?} never became {want:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A free loopback port (bound and released; the planner takes it right after).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watcher_and_executor_are_ready_only_while_the_planner_serves_them() {
    let dir = scratch("health");
    let specs = dir.join("specs");
    std::fs::create_dir_all(&specs).expect("spec dir");
    std::fs::write(
        specs.join("db.yaml"),
        format!(
            "apiVersion: databases.schemahero.io/v1alpha4\nkind: Database\nmetadata:\n  name: db\nspec:\n  connection:\n    sqlite:\n      dsn:\n        value: {}\n",
            dir.join("app.db").display()
        ),
    )
    .expect("write spec");
    let port = free_port();
    let planner_url = format!("http://127.0.0.1:{port}");

    // Both start before the planner exists: alive, not ready.
    let mut watcher = spawn(
        "watcher",
        "schemahero-watcher",
        &["--planner", &planner_url, "--spec-dir", specs.to_str().expect("utf-8"), "--health-listen", "127.0.0.1:0"],
        &dir,
    );
    // Kept for the whole test: a dropped reader would close the pipe under the process.
    let watcher_out = StdoutLines::of(&mut watcher);
    let watcher_health = watcher_out.wait_for("health listening on ", Duration::from_secs(20)).expect("the watcher's health address");
    let mut executor = spawn(
        "executor",
        "schemahero-executor",
        &["--planner", &planner_url, "--id", "e1", "--poll-interval-ms", "100", "--health-listen", "127.0.0.1:0"],
        &dir,
    );
    let executor_out = StdoutLines::of(&mut executor);
    let executor_health = executor_out.wait_for("health listening on ", Duration::from_secs(20)).expect("the executor's health address");
    for (address, who) in [(&watcher_health, "watcher"), (&executor_health, "executor")] {
        assert_eq!(health_of(address, "liveness").await.ok(), Some(ServingStatus::Serving), "{who} is live");
        assert_eq!(health_of(address, "readiness").await.ok(), Some(ServingStatus::NotServing), "{who} is not ready without a planner");
        assert_eq!(health_of(address, "").await.ok(), Some(ServingStatus::NotServing), "{who}: \"\" is readiness");
    }

    // The planner comes: both become ready.
    let store = dir.join("planner.db");
    let (mut planner, _) = start_planner(&dir, &format!("127.0.0.1:{port}"), &store, 300);
    let w = wait_for_status(&watcher_health, "readiness", ServingStatus::Serving, "watcher").await;
    let e = wait_for_status(&executor_health, "readiness", ServingStatus::Serving, "executor").await;
    println!("ready after the planner started: watcher {w:?}, executor {e:?}");

    // The planner goes: both stop being ready, and stay alive.
    planner.kill9();
    wait_for_status(&watcher_health, "readiness", ServingStatus::NotServing, "watcher").await;
    wait_for_status(&executor_health, "readiness", ServingStatus::NotServing, "executor").await;
    assert_eq!(health_of(&watcher_health, "liveness").await.ok(), Some(ServingStatus::Serving));
    assert_eq!(health_of(&executor_health, "liveness").await.ok(), Some(ServingStatus::Serving));
    assert!(watcher.is_running() && executor.is_running());
}
