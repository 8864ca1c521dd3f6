//! The watcher against an in-process fake planner: initial resync, live changes, and a full
//! resync after the planner restarts on the same port.

use schemahero_proto::v1::resource_service_server::{ResourceService, ResourceServiceServer};
use schemahero_proto::v1::stream_resources_request::Event;
use schemahero_proto::v1::*;
use schemahero_watcher::{DirectorySource, run_stream};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, watch};
use tokio_stream::wrappers::{ReceiverStream, TcpListenerStream};
use tonic::{Request, Response, Status, Streaming};

const WAIT: Duration = Duration::from_secs(20);

/// Records every event it receives and acknowledges it; a table named `rejected` is refused, as
/// a planner refuses an invalid spec.
#[derive(Clone)]
struct FakePlanner {
    received: mpsc::UnboundedSender<StreamResourcesRequest>,
    stop: watch::Receiver<bool>,
}

#[tonic::async_trait]
impl ResourceService for FakePlanner {
    type StreamResourcesStream = ReceiverStream<Result<StreamResourcesResponse, Status>>;

    async fn stream_resources(
        &self,
        request: Request<Streaming<StreamResourcesRequest>>,
    ) -> Result<Response<Self::StreamResourcesStream>, Status> {
        let mut inbound = request.into_inner();
        let (acks, rx) = mpsc::channel(16);
        let received = self.received.clone();
        let mut stop = self.stop.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    // Ending the response is how a stopping planner lets go of its streams
                    // (graceful server shutdown waits for them).
                    _ = stopped(&mut stop) => break,
                    message = inbound.message() => {
                        let Ok(Some(event)) = message else { break };
                        let error = match &event.event {
                            Some(Event::UpsertTable(t)) if t.name == "rejected" => "invalid spec".to_string(),
                            _ => String::new(),
                        };
                        let sequence = event.sequence;
                        let _ = received.send(event);
                        if acks.send(Ok(StreamResourcesResponse { sequence, error })).await.is_err() {
                            break;
                        }
                    }
                }
            }
        });
        Ok(Response::new(ReceiverStream::new(rx)))
    }
}

/// Completes once `stop` is true (or its sender is gone).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    // `wait_for` would hold a non-Send guard across the await; this loop never does.
    while !*stop.borrow_and_update() {
        if stop.changed().await.is_err() {
            return;
        }
    }
}

struct RunningPlanner {
    received: mpsc::UnboundedReceiver<StreamResourcesRequest>,
    stop: watch::Sender<bool>,
    server: tokio::task::JoinHandle<Result<(), tonic::transport::Error>>,
}

impl RunningPlanner {
    fn start(listener: std::net::TcpListener) -> Self {
        listener.set_nonblocking(true).unwrap();
        let listener = tokio::net::TcpListener::from_std(listener).unwrap();
        let (received_tx, received) = mpsc::unbounded_channel();
        let (stop, stop_rx) = watch::channel(false);
        let planner = FakePlanner { received: received_tx, stop: stop_rx.clone() };
        let mut server_stop = stop_rx;
        let server = tokio::spawn(
            tonic::transport::Server::builder().add_service(ResourceServiceServer::new(planner)).serve_with_incoming_shutdown(
                TcpListenerStream::new(listener),
                async move {
                    stopped(&mut server_stop).await;
                },
            ),
        );
        RunningPlanner { received, stop, server }
    }

    async fn stop(self) {
        self.stop.send_replace(true);
        let served = tokio::time::timeout(WAIT, self.server).await.expect("planner did not stop").unwrap();
        served.unwrap();
    }

    async fn next(&mut self) -> StreamResourcesRequest {
        tokio::time::timeout(WAIT, self.received.recv()).await.expect("no event from the watcher").unwrap()
    }

    /// The events of one full resync, checking that it is one.
    async fn resync(&mut self) -> Vec<StreamResourcesRequest> {
        let first = self.next().await;
        assert!(matches!(first.event, Some(Event::ResyncStart(_))), "a stream must start with ResyncStart: {first:?}");
        let mut events = vec![first];
        loop {
            let event = self.next().await;
            let end = matches!(event.event, Some(Event::ResyncEnd(_)));
            events.push(event);
            if end {
                return events;
            }
        }
    }
}

fn describe(event: &StreamResourcesRequest) -> String {
    match &event.event {
        Some(Event::ResyncStart(_)) => "start".into(),
        Some(Event::ResyncEnd(_)) => "end".into(),
        Some(Event::UpsertDatabase(d)) => format!("database {}/{} {} {}", d.namespace, d.name, d.driver, d.uri),
        Some(Event::UpsertTable(t)) => format!("table {}/{}", t.namespace, t.name),
        Some(Event::DeleteTable(r)) => format!("delete table {}/{}", r.namespace, r.name),
        Some(Event::DeleteDatabase(r)) => format!("delete database {}/{}", r.namespace, r.name),
        Some(Event::UpsertObject(o)) => format!("{} {}/{}", o.kind, o.namespace, o.name),
        Some(Event::DeleteObject(r)) => format!("delete {} {}/{}", r.kind, r.namespace, r.name),
        None => "none".into(),
    }
}

fn sequences(events: &[StreamResourcesRequest]) -> Vec<u64> {
    events.iter().map(|e| e.sequence).collect()
}

fn table_yaml(name: &str, column_type: &str) -> String {
    format!(
        "apiVersion: schemas.schemahero.io/v1alpha4\nkind: Table\nmetadata:\n  name: {name}\nspec:\n  database: db\n  name: {name}\n  schema:\n    postgres:\n      columns:\n        - name: id\n          type: {column_type}\n"
    )
}

/// Writes through a hidden temporary file and a rename, so a poll never reads half a file.
fn write(dir: &Path, name: &str, text: &str) {
    let tmp = dir.join(format!(".tmp-{name}"));
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, dir.join(name)).unwrap();
}

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("schemahero-watcher-stream-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Rebinding right after the previous server let go can briefly fail; retry for a while.
async fn bind_again(port: u16) -> std::net::TcpListener {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        match std::net::TcpListener::bind(("127.0.0.1", port)) {
            Ok(listener) => return listener,
            Err(e) if tokio::time::Instant::now() < deadline => {
                eprintln!("rebinding port {port}: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => panic!("cannot rebind port {port}: {e}"),
        }
    }
}

#[tokio::test]
async fn streams_resyncs_changes_and_resyncs_again_after_a_planner_restart() {
    let dir = temp_dir();
    write(
        &dir,
        "db.yaml",
        "apiVersion: databases.schemahero.io/v1alpha4\nkind: Database\nmetadata:\n  name: db\nspec:\n  connection:\n    sqlite:\n      dsn: {value: /tmp/app.db}\n",
    );
    write(&dir, "users.yaml", &table_yaml("users", "integer"));
    write(&dir, "rejected.yaml", &table_yaml("rejected", "integer"));

    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut planner = RunningPlanner::start(listener);

    let source = DirectorySource::new(&dir, Duration::from_millis(20)).unwrap();
    let (shutdown, shutdown_rx) = oneshot::channel::<()>();
    let watcher = tokio::spawn(run_stream(format!("http://127.0.0.1:{port}"), source, async move {
        let _ = shutdown_rx.await;
    }));

    // The first stream: a full resync, in key order (databases first), numbered from 1.
    let resync = planner.resync().await;
    let described: Vec<String> = resync.iter().map(describe).collect();
    assert_eq!(described, ["start", "database default/db sqlite /tmp/app.db", "table default/rejected", "table default/users", "end"]);
    assert_eq!(sequences(&resync), [1, 2, 3, 4, 5]);

    // A live edit arrives as an upsert; the rejected table before it did not stop the stream.
    write(&dir, "users.yaml", &table_yaml("users", "bigint"));
    let edit = planner.next().await;
    match &edit.event {
        Some(Event::UpsertTable(t)) => {
            assert_eq!(t.name, "users");
            assert!(t.spec_json.contains("bigint"), "{}", t.spec_json);
            assert_eq!(t.source, dir.join("users.yaml").display().to_string());
        }
        other => panic!("expected the edited table, got {other:?}"),
    }
    assert_eq!(edit.sequence, 6);

    // The planner goes away; meanwhile a table is added and another removed.
    planner.stop().await;
    write(&dir, "orders.yaml", &table_yaml("orders", "text"));
    std::fs::remove_file(dir.join("rejected.yaml")).unwrap();
    // Several polls and reconnect attempts happen while the planner is down.
    tokio::time::sleep(Duration::from_millis(400)).await;

    let mut planner = RunningPlanner::start(bind_again(port).await);
    let resync = planner.resync().await;
    let described: Vec<String> = resync.iter().map(describe).collect();
    assert_eq!(described, ["start", "database default/db sqlite /tmp/app.db", "table default/orders", "table default/users", "end"]);
    assert_eq!(sequences(&resync), [1, 2, 3, 4, 5], "sequences start over on a new stream");
    match &resync[3].event {
        Some(Event::UpsertTable(t)) => assert!(t.spec_json.contains("bigint"), "the resync carries the edited spec: {}", t.spec_json),
        other => panic!("{other:?}"),
    }

    // Changes keep flowing on the new stream.
    std::fs::remove_file(dir.join("orders.yaml")).unwrap();
    let delete = planner.next().await;
    assert_eq!((describe(&delete), delete.sequence), ("delete table default/orders".to_string(), 6));

    shutdown.send(()).unwrap();
    let result = tokio::time::timeout(WAIT, watcher).await.expect("watcher did not stop").unwrap();
    assert!(result.is_ok(), "{result:?}");
    planner.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}
