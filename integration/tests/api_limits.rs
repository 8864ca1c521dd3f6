//! Limits on the planner's API: requests over the size limit are refused before they are
//! decoded, one watcher stream is held to its event rate (its events wait, none is dropped),
//! and a flooding watcher does not starve review calls.

use schemahero_planner::ServeOptions;
use schemahero_planner::core::{Config, PlannerCore};
use schemahero_planner::store::SqlStore;
use schemahero_proto::v1 as pb;
use schemahero_proto::v1::migration_service_client::MigrationServiceClient;
use schemahero_proto::v1::resource_service_client::ResourceServiceClient;
use std::time::{Duration, Instant};
use tonic::transport::Channel;

async fn start(name: &str, options: ServeOptions) -> (Channel, tokio::sync::oneshot::Sender<()>) {
    let dir = std::env::temp_dir().join(format!("schemahero-api-limits-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let store = SqlStore::open(dir.join("planner.db").to_str().unwrap()).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let core = PlannerCore::new(
        store,
        Config { debounce: Duration::from_millis(50), drift_interval: Duration::from_secs(3600), validate_plans: true },
    );
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(schemahero_planner::serve_core(listener, core, options, async {
        let _ = stopped.await;
    }));
    let channel = Channel::from_shared(format!("http://127.0.0.1:{port}")).unwrap().connect().await.unwrap();
    (channel, stop)
}

fn database_event(sequence: u64) -> pb::StreamResourcesRequest {
    pb::StreamResourcesRequest {
        sequence,
        event: Some(pb::stream_resources_request::Event::UpsertDatabase(pb::Database {
            namespace: "default".into(),
            name: format!("db{}", sequence % 50),
            driver: "sqlite".into(),
            uri: "sqlite::memory:".into(),
            immediate_deploy: false,
            deploy_seed_data: false,
            hazard_policy: Default::default(),
        })),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_requests_are_refused_and_the_server_goes_on() {
    let (channel, _stop) = start("size", ServeOptions::default()).await;
    let mut migrations = MigrationServiceClient::new(channel.clone());
    let huge = "x".repeat(schemahero_planner::MAX_REQUEST_BYTES + 1024);
    let refused = migrations.get_migration(pb::GetMigrationRequest { id: huge }).await.expect_err("over the limit");
    assert!(
        matches!(refused.code(), tonic::Code::OutOfRange | tonic::Code::ResourceExhausted),
        "{:?}: {}",
        refused.code(),
        refused.message()
    );
    assert!(refused.message().contains(&schemahero_planner::MAX_REQUEST_BYTES.to_string()), "names the limit: {}", refused.message());
    // The same connection still serves a normal call.
    migrations.list_migrations(pb::ListMigrationsRequest::default()).await.expect("the server goes on");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flooding_watcher_is_held_to_its_rate_and_review_goes_on() {
    const RATE: u32 = 200; // events per second, bursts of five seconds' worth (1000)
    const SENT: u64 = 20_000;
    let options = ServeOptions { stream_events_per_second: RATE, ..ServeOptions::default() };
    let (channel, _stop) = start("flood", options).await;

    // The flood: every event is ready at once.
    let mut resources = ResourceServiceClient::new(channel.clone());
    let events = tokio_stream::iter((1..=SENT).map(database_event));
    let started = Instant::now();
    let mut acks = resources.stream_resources(events).await.expect("stream").into_inner();
    let counter = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let seen = std::sync::Arc::clone(&counter);
    let reader = tokio::spawn(async move {
        let mut last = 0;
        while let Ok(Some(ack)) = acks.message().await {
            assert_eq!(ack.sequence, last + 1, "acknowledged in order, none skipped");
            assert!(ack.error.is_empty(), "{}", ack.error);
            last = ack.sequence;
            seen.store(last, std::sync::atomic::Ordering::SeqCst);
        }
    });

    // Meanwhile review calls are answered, each within its own deadline.
    let mut review = MigrationServiceClient::new(channel.clone());
    for _ in 0..20 {
        let mut request = tonic::Request::new(pb::ListMigrationsRequest::default());
        request.set_timeout(Duration::from_secs(5));
        review.list_migrations(request).await.expect("a review call during the flood");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let acknowledged = counter.load(std::sync::atomic::Ordering::SeqCst);
    let elapsed = started.elapsed().as_secs_f64();
    // The bucket allows its burst plus the rate over the time elapsed (with a margin for
    // scheduling); the flood itself would have been acknowledged in full by now.
    let allowed = (5.0 * f64::from(RATE) + f64::from(RATE) * elapsed) * 1.2 + 50.0;
    assert!(acknowledged > 0, "the stream makes progress");
    assert!((acknowledged as f64) <= allowed, "{acknowledged} events acknowledged in {elapsed:.2}s; the rate allows {allowed:.0}");
    assert!(acknowledged < SENT, "held back, not all {SENT} at once");
    reader.abort();
}
