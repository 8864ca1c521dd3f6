//! Two planners in Kubernetes mode against the test API server: one leads (holds the Lease,
//! listens, is ready), the other waits (not listening, not ready). Killing the leader hands
//! over within the Lease duration and no Migration is created twice; a leader that shuts down
//! releases the Lease; a leader whose Lease is taken, or that cannot renew it (the API server
//! stopped), stops and exits non-zero before the Lease expires.

use schemahero_integration::kube_env::*;
use schemahero_integration::services::*;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};
use tonic_health::pb::health_check_response::ServingStatus;

const LEASE_SECS: u64 = 6;
const TABLES: [&str; 4] = ["accounts", "orders", "items", "events"];

fn table(name: &str, extra_column: bool) -> String {
    let extra = if extra_column { "        - name: note\n          type: text\n" } else { "" };
    format!(
        "apiVersion: schemas.schemahero.io/v1alpha4\nkind: Table\nmetadata:\n  name: {name}\nspec:\n  database: db\n  name: {name}\n  schema:\n    sqlite:\n      columns:\n        - name: id\n          type: integer\n{extra}"
    )
}

/// Migrations per table (`spec.tableName`).
fn migrations_per_table(ns: &str) -> BTreeMap<String, usize> {
    let out = kubectl_ok(&["get", "migrations", "-n", ns, "-o", "jsonpath={.items[*].spec.tableName}"], None);
    let mut counts = BTreeMap::new();
    for t in out.split_whitespace() {
        *counts.entry(t.to_string()).or_insert(0) += 1;
    }
    counts
}

fn lease_holder(ns: &str) -> String {
    let out = kubectl(&["get", "lease", "schemahero-planner", "-n", ns, "-o", "jsonpath={.spec.holderIdentity}"], None);
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

struct Planner {
    proc: Proc,
    lines: StdoutLines,
    health: String,
}

fn start(dir: &Path, ns: &str, identity: &str) -> Planner {
    let lease = LEASE_SECS.to_string();
    let mut proc = spawn(
        identity,
        "schemahero-planner",
        &[
            "--kubernetes",
            "--namespace",
            ns,
            "--watch-namespace",
            ns,
            "--listen",
            "127.0.0.1:0",
            "--health-listen",
            "127.0.0.1:0",
            "--lease-duration-secs",
            &lease,
            "--leader-identity",
            identity,
            "--drift-interval-secs",
            "300",
            "--debounce-ms",
            "100",
        ],
        dir,
    );
    let lines = StdoutLines::of(&mut proc);
    let health = lines
        .wait_for("health listening on ", Duration::from_secs(20))
        .unwrap_or_else(|| panic!("{identity} did not start its health endpoint: {}", proc.log_text()));
    Planner { proc, lines, health }
}

async fn wait_until<F: FnMut() -> bool>(what: &str, timeout: Duration, mut ok: F) {
    let deadline = Instant::now() + timeout;
    while !ok() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_planner_leads_and_a_killed_leader_is_replaced_without_duplicate_migrations() {
    require_cluster();
    apply_crds();
    let ns = fresh_namespace("leader");
    let dir = scratch("k8s-leader");
    let db = dir.join("app.db");

    let mut a = start(&dir, &ns, "planner-a");
    let a_address = a.lines.wait_for("planner listening on ", Duration::from_secs(30)).expect("planner-a leads and listens");
    let mut b = start(&dir, &ns, "planner-b");
    assert_eq!(lease_holder(&ns), "planner-a");

    // The follower neither listens nor is ready; it is alive.
    assert_eq!(
        b.lines.wait_for("planner listening on ", Duration::from_secs(LEASE_SECS + 2)),
        None,
        "planner-b must wait while planner-a holds the Lease: {}",
        b.proc.log_text()
    );
    assert_eq!(health_of(&b.health, "").await.expect("b health"), ServingStatus::NotServing);
    assert_eq!(health_of(&b.health, "readiness").await.expect("b readiness"), ServingStatus::NotServing);
    assert_eq!(health_of(&b.health, "liveness").await.expect("b liveness"), ServingStatus::Serving);
    assert_eq!(health_of(&a.health, "").await.expect("a health"), ServingStatus::Serving);
    assert_eq!(health_of(&a.health, "liveness").await.expect("a liveness"), ServingStatus::Serving);
    assert!(b.proc.log_text().contains("waiting to lead"), "{}", b.proc.log_text());

    // The leader plans every Table once.
    let mut watcher = start_watcher_k8s(&dir, &format!("http://{a_address}"), &ns);
    let database = format!(
        "apiVersion: databases.schemahero.io/v1alpha4\nkind: Database\nmetadata:\n  name: db\nspec:\n  connection:\n    sqlite:\n      dsn:\n        value: {}\n",
        db.display()
    );
    let manifests: Vec<String> = TABLES.iter().map(|t| table(t, false)).collect();
    kubectl_ok(&["apply", "-n", &ns, "-f", "-"], Some(&format!("{database}---\n{}", manifests.join("---\n"))));
    let ns2 = ns.clone();
    wait_until("a Migration per Table", Duration::from_secs(60), || migrations_per_table(&ns2).len() == TABLES.len()).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(migrations_per_table(&ns).values().all(|&n| n == 1), "{:?}", migrations_per_table(&ns));

    // Kill the leader: the follower takes over within the Lease duration.
    let killed = Instant::now();
    a.proc.kill9();
    let b_address = b
        .lines
        .wait_for("planner listening on ", Duration::from_secs(LEASE_SECS * 3))
        .unwrap_or_else(|| panic!("planner-b did not take over: {}", b.proc.log_text()));
    let handover = killed.elapsed();
    println!("handover after the leader was killed: {:.2} s (Lease {LEASE_SECS} s)", handover.as_secs_f64());
    // The follower waits out the Lease it last saw (at most LEASE_SECS) plus up to 1 s of jitter.
    assert!(handover < Duration::from_secs(LEASE_SECS + 3), "handover took {handover:?}");
    assert_eq!(lease_holder(&ns), "planner-b");
    assert_eq!(health_of(&b.health, "").await.expect("b health"), ServingStatus::Serving);

    // The new leader resyncs every Table: nothing is planned twice; a changed Table is planned
    // once more.
    watcher.kill9();
    let _watcher = start_watcher_k8s(&dir, &format!("http://{b_address}"), &ns);
    kubectl_ok(&["apply", "-n", &ns, "-f", "-"], Some(&table("orders", true)));
    let ns3 = ns.clone();
    wait_until("the changed Table's new Migration", Duration::from_secs(60), || migrations_per_table(&ns3).get("orders") == Some(&2)).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let counts = migrations_per_table(&ns);
    for t in TABLES {
        let expected = if t == "orders" { 2 } else { 1 };
        assert_eq!(counts.get(t), Some(&expected), "Migrations per table after the handover: {counts:?}");
    }

    // A leader that shuts down releases the Lease: a new replica leads at once.
    let status = b.proc.terminate().expect("planner-b stops on SIGTERM");
    assert!(status.success(), "a SIGTERM is a clean stop: {status:?} {}", b.proc.log_text());
    assert_eq!(lease_holder(&ns), "", "the Lease was released");
    let started = Instant::now();
    let mut c = start(&dir, &ns, "planner-c");
    c.lines.wait_for("planner listening on ", Duration::from_secs(10)).expect("planner-c leads");
    println!("a released Lease was taken in {:.2} s", started.elapsed().as_secs_f64());
    assert!(started.elapsed() < Duration::from_secs(LEASE_SECS), "a released Lease is taken without waiting for it to expire");

    // Someone else takes the Lease (as a replica would after a partition): the leader notices at
    // its next renewal, stops and exits non-zero so Kubernetes restarts it as a candidate.
    let now = kubectl_ok(&["get", "lease", "schemahero-planner", "-n", &ns, "-o", "jsonpath={.spec.renewTime}"], None);
    assert!(!now.trim().is_empty());
    let patch = format!(
        r#"{{"spec":{{"holderIdentity":"intruder","leaseDurationSeconds":600,"renewTime":"{}","acquireTime":"{}"}}}}"#,
        micro_now(),
        micro_now()
    );
    kubectl_ok(&["patch", "lease", "schemahero-planner", "-n", &ns, "--type", "merge", "-p", &patch], None);
    let deadline = Instant::now() + Duration::from_secs(LEASE_SECS * 3);
    let exit = loop {
        if let Ok(Some(status)) = c.proc.child.try_wait() {
            break status;
        }
        assert!(Instant::now() < deadline, "planner-c kept running after losing its Lease: {}", c.proc.log_text());
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(!exit.success(), "losing the Lease is a failure exit");
    let log = c.proc.log_text();
    assert!(log.contains("lost leadership") && log.contains("another replica holds the Lease"), "{log}");
    assert_eq!(lease_holder(&ns), "intruder", "a stopping leader does not release a Lease it no longer holds");

    // A leader that cannot renew (the API server is gone) stops before its Lease expires.
    kubectl_ok(&["delete", "lease", "schemahero-planner", "-n", &ns], None);
    let mut d = start(&dir, &ns, "planner-d");
    d.lines.wait_for("planner listening on ", Duration::from_secs(20)).expect("planner-d leads");
    // Let it renew at least once.
    tokio::time::sleep(Duration::from_secs(LEASE_SECS)).await;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/kube-test-server.sh");
    let server = move |cmd: &str| {
        let status = std::process::Command::new("bash").arg(&script).arg(cmd).status().expect("run kube-test-server.sh");
        assert!(status.success(), "kube-test-server.sh {cmd} failed");
    };
    // Stop the API server in the background and watch planner-d meanwhile.
    let stopping = std::thread::spawn({
        let server = server.clone();
        move || server("stop")
    });
    let watching = Instant::now();
    let exited_at = loop {
        if let Ok(Some(status)) = d.proc.child.try_wait() {
            assert!(!status.success(), "losing the Lease is a failure exit");
            break std::time::SystemTime::now();
        }
        if watching.elapsed() > Duration::from_secs(LEASE_SECS * 5) {
            let _ = stopping.join();
            server("start");
            panic!("planner-d kept running without its API server: {}", d.proc.log_text());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    stopping.join().expect("stopping the API server");
    server("start");
    assert!(d.proc.log_text().contains("the Lease could not be renewed"), "{}", d.proc.log_text());
    // The safety property: it stopped before its Lease (as last renewed, read back now) expired,
    // that is before any other replica could have taken it.
    let renewed = kubectl_ok(&["get", "lease", "schemahero-planner", "-n", &ns, "-o", "jsonpath={.spec.renewTime}"], None);
    let expires = unix_micros(renewed.trim()) + LEASE_SECS as i64 * 1_000_000;
    let exited = exited_at.duration_since(std::time::UNIX_EPOCH).expect("clock").as_micros() as i64;
    println!("without the API server the leader stopped {:.2} s before its Lease expired", (expires - exited) as f64 / 1e6);
    assert!(exited < expires, "planner-d stopped {} µs after its Lease expired", exited - expires);
}

/// A Kubernetes MicroTime (RFC 3339) as microseconds since the epoch.
fn unix_micros(time: &str) -> i64 {
    let out = std::process::Command::new("date").args(["-u", "-d", time, "+%s%6N"]).output().expect("date");
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap_or_else(|e| panic!("renewTime {time:?}: {e}"))
}

/// Now as a Kubernetes MicroTime (RFC 3339 with microseconds, UTC).
fn micro_now() -> String {
    let out = std::process::Command::new("date").args(["-u", "+%Y-%m-%dT%H:%M:%S.%6NZ"]).output().expect("date");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}
