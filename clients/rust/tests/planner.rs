//! The client against the real planner process (built by cargo, or SCHEMAHERO_PLANNER_BIN),
//! over plaintext loopback and over mTLS; the planner learns its Database and Tables the way
//! it does from a watcher, over ResourceService.

use futures_util::TryStreamExt;
use schemahero_client::{Client, Error, Filter, Phase, Tls, phase_of};
use schemahero_proto::v1 as pb;
use schemahero_proto::v1::resource_service_client::ResourceServiceClient;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;
use tonic::transport::{Channel, Endpoint};

const WAIT: Duration = Duration::from_secs(20);

/// The planner binary: SCHEMAHERO_PLANNER_BIN, else built by cargo next to this test.
fn planner_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("SCHEMAHERO_PLANNER_BIN") {
        return PathBuf::from(path);
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    // The same packages as the integration tests build (integration/src/services.rs): one
    // feature set, so neither invocation rebuilds what the other built.
    let packages = ["schemahero-planner", "schemahero-watcher", "schemahero-executor", "kubectl-schemahero"];
    let args = ["build", "--quiet"].into_iter().chain(packages.iter().flat_map(|p| ["-p", p]));
    let status = Command::new(cargo).args(args).status().expect("run cargo build");
    assert!(status.success(), "building the planner failed");
    // target/debug/deps/<test> → target/debug
    let exe = std::env::current_exe().expect("test executable");
    exe.parent().and_then(Path::parent).expect("target dir").join("schemahero-planner")
}

struct Planner {
    child: Child,
    address: String,
    log: PathBuf,
}

impl Planner {
    fn start(dir: &Path, listen: &str, extra: &[&str]) -> Planner {
        let log = dir.join(format!("planner-{}.log", std::time::SystemTime::now().elapsed().map(|d| d.as_nanos()).unwrap_or(0)));
        let store = dir.join("planner.db");
        let mut child = Command::new(planner_binary())
            .args(["--listen", listen, "--store", store.to_str().expect("utf-8"), "--drift-interval-secs", "3600", "--debounce-ms", "20"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).expect("log file"))
            .spawn()
            .expect("start the planner");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("the planner prints its address");
        let address = line.trim().strip_prefix("planner listening on ").map(str::to_string);
        let address =
            address.unwrap_or_else(|| panic!("unexpected planner output {line:?}: {}", std::fs::read_to_string(&log).unwrap_or_default()));
        Planner { child, address, log }
    }
}

impl Drop for Planner {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("planner log:\n{}", std::fs::read_to_string(&self.log).unwrap_or_default());
        }
    }
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("schemahero-client-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

fn table_json(name: &str) -> String {
    format!(
        r#"{{"database":"app","name":"{name}","schema":{{"sqlite":{{"primaryKey":["id"],"columns":[{{"name":"id","type":"integer"}}]}}}}}}"#
    )
}

/// Tells the planner about the Database `app` (a SQLite file in `dir`) and `tables`, as a
/// watcher does; returns the open stream's sender (the planner keeps what it was told).
async fn feed(channel: Channel, dir: &Path, tables: &[&str]) -> tokio::sync::mpsc::Sender<pb::StreamResourcesRequest> {
    use pb::stream_resources_request::Event;
    let (tx, rx) = tokio::sync::mpsc::channel(16);
    let mut acks = ResourceServiceClient::new(channel)
        .stream_resources(tokio_stream::wrappers::ReceiverStream::new(rx))
        .await
        .expect("stream")
        .into_inner();
    let target = dir.join("app.db");
    let mut events = vec![Event::UpsertDatabase(pb::Database {
        namespace: "default".into(),
        name: "app".into(),
        driver: "sqlite".into(),
        uri: target.to_str().expect("utf-8").into(),
        immediate_deploy: false,
        deploy_seed_data: false,
        hazard_policy: Default::default(),
    })];
    for t in tables {
        events.push(Event::UpsertTable(pb::Table {
            namespace: "default".into(),
            name: t.to_string(),
            source: format!("{t}.yaml"),
            spec_json: table_json(t),
        }));
    }
    for (i, event) in events.into_iter().enumerate() {
        let sequence = i as u64 + 1;
        tx.send(pb::StreamResourcesRequest { sequence, event: Some(event), ..Default::default() }).await.expect("send");
        let ack = tokio::time::timeout(WAIT, acks.message()).await.expect("ack in time").expect("ack").expect("an ack");
        assert_eq!((ack.sequence, ack.error.as_str()), (sequence, ""));
    }
    tx
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn review_cycle_over_plaintext_with_a_watch_that_survives_a_planner_restart() {
    let dir = scratch("plain");
    let planner = Planner::start(&dir, "127.0.0.1:0", &[]);
    let client = Client::connect(&format!("http://{}", planner.address), None).await.expect("connect");
    assert!(client.list_all(Filter::new()).await.expect("list").is_empty());
    let mut watch = client.watch_migrations(Filter::new(), None).await.expect("watch");

    let channel = Endpoint::from_shared(format!("http://{}", planner.address)).expect("URL").connect().await.expect("connect");
    let _feed = feed(channel, &dir, &["users", "orders", "items"]).await;
    let mut planned = std::collections::BTreeMap::new();
    while planned.len() < 3 {
        let m = tokio::time::timeout(WAIT, watch.next()).await.expect("in time").expect("a change").expect("ok");
        assert_eq!(phase_of(&m), Phase::Planned);
        planned.insert(m.table_resource.clone(), m.id.clone());
    }
    assert!(watch.caught_up(), "the replay of an empty store ended with a bookmark");

    // Pages of one: the same migrations, in the same order, as one big page.
    let one_by_one: Vec<String> = client.list_migrations_paged(Filter::new(), 1).map_ok(|m| m.id).try_collect().await.expect("pages");
    let all: Vec<String> = client.list_all(Filter::new()).await.expect("list").into_iter().map(|m| m.id).collect();
    assert_eq!(one_by_one, all);
    assert_eq!(all.len(), 3);
    let only_users = client.list_all(Filter::new().table("users")).await.expect("list");
    assert_eq!(only_users.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(), vec![planned["users"].as_str()]);

    // Errors carry the status.
    let missing = client.get_migration("nope-1").await.expect_err("no such migration");
    assert_eq!(missing.code(), Some(tonic::Code::NotFound), "{missing}");

    // Approve with a comment; waiting for Approved returns at once, for Executed times out
    // (no executor runs here) saying where it is.
    let users = client.approve(&planned["users"], Some("ship it")).await.expect("approve");
    assert_eq!((phase_of(&users), users.approval_comment.as_str()), (Phase::Approved, "ship it"));
    assert_eq!(phase_of(&client.wait_for(&users.id, Phase::Approved, WAIT).await.expect("approved")), Phase::Approved);
    match client.wait_for(&users.id, Phase::Executed, Duration::from_millis(700)).await {
        Err(Error::Timeout { phase: Phase::Approved, .. }) => {}
        other => panic!("expected a timeout in Approved, got {other:?}"),
    }
    // Rejected: waiting for Executed ends at once.
    client.reject(&planned["orders"], None).await.expect("reject");
    match client.wait_for(&planned["orders"], Phase::Executed, WAIT).await {
        Err(Error::Ended { phase: Phase::Rejected, .. }) => {}
        other => panic!("expected Ended(Rejected), got {other:?}"),
    }
    // wait_for follows a watch: an approval made while it waits ends the wait.
    let waiter = {
        let client = client.clone();
        let id = planned["items"].clone();
        tokio::spawn(async move { client.wait_for(&id, Phase::Approved, WAIT).await })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    client.approve(&planned["items"], None).await.expect("approve items");
    let waited = waiter.await.expect("join").expect("items approved while waiting");
    assert_eq!(waited.id, planned["items"]);

    // The watch saw each of these changes.
    let mut seen = Vec::new();
    while seen.len() < 3 {
        let m = tokio::time::timeout(WAIT, watch.next()).await.expect("in time").expect("a change").expect("ok");
        seen.push((m.table_resource.clone(), phase_of(&m)));
    }
    assert_eq!(seen, vec![("users".into(), Phase::Approved), ("orders".into(), Phase::Rejected), ("items".into(), Phase::Approved)]);

    // PlanPreview: statements for a table the database lacks; an unknown Database is refused.
    let preview = client.plan_preview("default", "app", &table_json("extra")).await.expect("preview");
    assert!(preview.statements.iter().any(|s| s.sql.starts_with("CREATE TABLE \"extra\"")), "{preview:?}");
    let unknown = client.plan_preview("default", "ghost", &table_json("extra").replace("\"app\"", "\"ghost\"")).await.unwrap_err();
    assert_eq!(unknown.code(), Some(tonic::Code::FailedPrecondition), "{unknown}");

    // The planner restarts on the same address; the watch reconnects with its token and
    // delivers the next change, and nothing it had already delivered.
    let address = planner.address.clone();
    drop(planner);
    let planner = Planner::start(&dir, &address, &[]);
    let rejected = client.reject(&planned["users"], Some("changed my mind")).await.expect("reject after restart");
    let next = tokio::time::timeout(WAIT, watch.next()).await.expect("in time").expect("a change").expect("resumed");
    assert_eq!((next.id.as_str(), phase_of(&next)), (rejected.id.as_str(), Phase::Rejected));
    assert_eq!(next.rejection_comment, "changed my mind");
    drop(planner);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mtls_reviewers_may_review_and_others_are_refused_with_the_status() {
    use schemahero_tls::pki::CertificateAuthority;
    use schemahero_tls::roles;
    let dir = scratch("mtls");
    let ca = CertificateAuthority::generate("client test CA", 30).expect("CA");
    let write = |name: &str, issued: schemahero_tls::pki::Issued| {
        let (cert, key) = (dir.join(format!("{name}.crt")), dir.join(format!("{name}.key")));
        std::fs::write(&cert, issued.cert_pem).expect("write");
        std::fs::write(&key, issued.key_pem).expect("write");
        (cert, key)
    };
    let ca_path = dir.join("ca.crt");
    std::fs::write(&ca_path, &ca.cert_pem).expect("write");
    let server = write("planner", ca.issue("schemahero-planner", &[], &["localhost", "127.0.0.1"], 30).expect("issue"));
    let reviewer = write("reviewer", ca.issue("rita", &[roles::REVIEWER], &[], 30).expect("issue"));
    let watcher = write("watcher", ca.issue("wat", &[roles::WATCHER], &[], 30).expect("issue"));
    let (cert, key, client_ca) = (server.0.to_str().unwrap(), server.1.to_str().unwrap(), ca_path.to_str().unwrap());
    let planner = Planner::start(&dir, "127.0.0.1:0", &["--tls-cert", cert, "--tls-key", key, "--tls-client-ca", client_ca]);
    let target = format!("https://{}", planner.address);

    let client = Client::connect(&target, Some(Tls::new(&ca_path, &reviewer.0, &reviewer.1))).await.expect("connect over mTLS");
    assert!(client.list_all(Filter::new()).await.expect("a reviewer lists").is_empty());
    let mut watch = client.watch_migrations(Filter::new(), None).await.expect("a reviewer watches");
    let unknown = client.plan_preview("default", "app", &table_json("t")).await.unwrap_err();
    assert_eq!(unknown.code(), Some(tonic::Code::FailedPrecondition), "a reviewer may preview: {unknown}");

    // The planner learns a table from a watcher-role connection; the reviewer's watch sees it
    // and approves it, recorded under the certificate's name.
    let feeder_tls = Arc::new(schemahero_tls::ClientTls::load(ca_path.clone(), watcher.0.clone(), watcher.1.clone(), None).expect("TLS"));
    let endpoint = Endpoint::from_shared(target.clone()).expect("URL");
    let channel = schemahero_tls::client::connect(&endpoint, Some(&feeder_tls)).await.expect("connect");
    let _feed = feed(channel, &dir, &["users"]).await;
    let m = tokio::time::timeout(WAIT, watch.next()).await.expect("in time").expect("a change").expect("ok");
    let approved = client.approve(&m.id, Some("mTLS review")).await.expect("approve");
    assert_eq!((approved.approved_by.as_str(), approved.approval_comment.as_str()), ("rita", "mTLS review"));

    // Another role is refused, and the error says so with the gRPC code.
    let stranger = Client::connect(&target, Some(Tls::new(&ca_path, &watcher.0, &watcher.1))).await.expect("connect");
    let refused = stranger.reject(&m.id, None).await.expect_err("a watcher cannot reject");
    assert_eq!(refused.code(), Some(tonic::Code::PermissionDenied), "{refused}");
    assert!(refused.to_string().contains(roles::REVIEWER), "{refused}");

    // Mismatched URL and TLS settings are refused before any connection.
    for (url, tls) in [(target.clone(), None), (format!("http://{}", planner.address), Some(Tls::new(&ca_path, &reviewer.0, &reviewer.1)))]
    {
        match Client::connect(&url, tls).await {
            Err(Error::InvalidTarget { .. }) => {}
            Err(other) => panic!("{url}: expected InvalidTarget, got {other}"),
            Ok(_) => panic!("{url}: expected InvalidTarget, got a client"),
        }
    }
    drop(planner);
    let _ = std::fs::remove_dir_all(&dir);
}
