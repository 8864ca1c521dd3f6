//! The planner serves the API split by caller on one port: `ResourceService` (watchers),
//! `MigrationService` (people and their tools) and `ExecutorService` (executors), with gRPC
//! health SERVING for each of them and for the server (""), and reflection naming all three.

use schemahero_planner::store::SqlStore;
use schemahero_proto::v1 as pb;
use schemahero_proto::v1::executor_service_client::ExecutorServiceClient;
use schemahero_proto::v1::migration_service_client::MigrationServiceClient;
use schemahero_proto::v1::resource_service_client::ResourceServiceClient;
use std::time::Duration;
use tonic::transport::Channel;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;
use tonic_reflection::pb::v1::{ServerReflectionRequest, ServerReflectionResponse};

const WAIT: Duration = Duration::from_secs(10);

/// The services listed by reflection v1alpha.
async fn reflect_v1alpha_services(channel: &Channel) -> Vec<String> {
    use tonic_reflection::pb::v1alpha::ServerReflectionRequest as AlphaServerReflectionRequest;
    use tonic_reflection::pb::v1alpha::server_reflection_client::ServerReflectionClient as AlphaClient;
    use tonic_reflection::pb::v1alpha::server_reflection_request::MessageRequest as AlphaRequest;
    use tonic_reflection::pb::v1alpha::server_reflection_response::MessageResponse as AlphaResponse;
    let mut client = AlphaClient::new(channel.clone());
    let request = AlphaServerReflectionRequest { host: String::new(), message_request: Some(AlphaRequest::ListServices(String::new())) };
    let mut responses =
        client.server_reflection_info(tokio_stream::iter([request])).await.expect("v1alpha reflection answers").into_inner();
    let response = tokio::time::timeout(WAIT, responses.message()).await.expect("in time").expect("stream ok").expect("a response");
    match response.message_response {
        Some(AlphaResponse::ListServicesResponse(list)) => list.service.into_iter().map(|s| s.name).collect(),
        other => panic!("expected a v1alpha service list, got {other:?}"),
    }
}

/// One reflection request on its own stream; its one response.
async fn reflect(channel: &Channel, request: MessageRequest) -> MessageResponse {
    let mut client = ServerReflectionClient::new(channel.clone());
    let request = ServerReflectionRequest { host: String::new(), message_request: Some(request) };
    let mut responses = client.server_reflection_info(tokio_stream::iter([request])).await.expect("reflection answers").into_inner();
    let response: ServerReflectionResponse =
        tokio::time::timeout(WAIT, responses.message()).await.expect("in time").expect("reflection stream ok").expect("a response");
    response.message_response.expect("a reflection message")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_three_services_health_and_reflection_answer_on_one_port() {
    let dir = std::env::temp_dir().join(format!("schemahero-api-services-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let store = SqlStore::open(dir.join("planner.db").to_str().expect("utf-8 path")).await.expect("SQLite store");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("address").port();
    let config = schemahero_planner::core::Config {
        debounce: Duration::from_millis(100),
        drift_interval: Duration::from_secs(3600),
        validate_plans: true,
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(schemahero_planner::serve(listener, store, config, async {
        let _ = stopped.await;
    }));
    let channel = Channel::from_shared(format!("http://127.0.0.1:{port}")).expect("URL").connect().await.expect("connect");

    // MigrationService: an empty list; an unknown id is NotFound (the RPC reached the core).
    let mut migrations = MigrationServiceClient::new(channel.clone());
    let listed = migrations.list_migrations(pb::ListMigrationsRequest::default()).await.expect("ListMigrations").into_inner();
    assert!(listed.migrations.is_empty(), "{listed:?}");
    let status = migrations.get_migration(pb::GetMigrationRequest { id: "ghost-1".into() }).await.expect_err("no such migration");
    assert_eq!((status.code(), status.message()), (tonic::Code::NotFound, "migration ghost-1 not found"));

    // ExecutorService: nothing to claim; renewing an unknown lease is NotFound.
    let mut executors = ExecutorServiceClient::new(channel.clone());
    let claim = executors
        .claim_migration(pb::ClaimMigrationRequest { executor_id: "exec-1".into(), lease_seconds: 5 })
        .await
        .expect("ClaimMigration")
        .into_inner();
    assert!(claim.claim.is_none(), "{claim:?}");
    let status = executors
        .renew_lease(pb::RenewLeaseRequest { migration_id: "ghost-1".into(), fencing_token: 1, lease_seconds: 5 })
        .await
        .expect_err("no such lease");
    assert_eq!(status.code(), tonic::Code::NotFound);

    // ResourceService: an empty resync, acknowledged in order without error.
    let mut resources = ResourceServiceClient::new(channel.clone());
    let events = [
        pb::StreamResourcesRequest {
            sequence: 1,
            event: Some(pb::stream_resources_request::Event::ResyncStart(pb::ResyncStart {})),
            ..Default::default()
        },
        pb::StreamResourcesRequest {
            sequence: 2,
            event: Some(pb::stream_resources_request::Event::ResyncEnd(pb::ResyncEnd {})),
            ..Default::default()
        },
    ];
    let mut acks = resources.stream_resources(tokio_stream::iter(events)).await.expect("StreamResources").into_inner();
    for sequence in [1, 2] {
        let ack = tokio::time::timeout(WAIT, acks.message()).await.expect("in time").expect("stream ok").expect("an ack");
        assert_eq!((ack.sequence, ack.error.as_str()), (sequence, ""));
    }

    // A spec over the size limit is refused, naming the table and the limit; the stream goes on.
    let huge =
        format!("{{\"database\":\"db\",\"name\":\"big\",\"requires\":[\"{}\"]}}", "x".repeat(schemahero_planner::core::MAX_SPEC_BYTES));
    let events = [
        pb::StreamResourcesRequest {
            sequence: 1,
            event: Some(pb::stream_resources_request::Event::UpsertTable(pb::Table {
                namespace: "default".into(),
                name: "big".into(),
                source: "big.yaml".into(),
                spec_json: huge,
            })),
            ..Default::default()
        },
        pb::StreamResourcesRequest {
            sequence: 2,
            event: Some(pb::stream_resources_request::Event::ResyncStart(pb::ResyncStart {})),
            ..Default::default()
        },
    ];
    let mut acks = resources.stream_resources(tokio_stream::iter(events)).await.expect("StreamResources").into_inner();
    let refused = tokio::time::timeout(WAIT, acks.message()).await.expect("in time").expect("stream ok").expect("an ack");
    assert_eq!(refused.sequence, 1);
    assert!(refused.error.contains("big.yaml") && refused.error.contains("at most 1048576"), "{}", refused.error);
    let next = tokio::time::timeout(WAIT, acks.message()).await.expect("in time").expect("stream ok").expect("an ack");
    assert_eq!((next.sequence, next.error.as_str()), (2, ""));

    // Health: SERVING for the server and for each service; the old single service is unknown.
    let mut health = HealthClient::new(channel.clone());
    for service in [""].into_iter().chain(pb::SERVICE_NAMES) {
        let response = health.check(tonic_health::pb::HealthCheckRequest { service: service.into() }).await.expect("health").into_inner();
        assert_eq!(response.status, ServingStatus::Serving as i32, "health of {service:?}");
    }
    let status = health
        .check(tonic_health::pb::HealthCheckRequest { service: "schemahero.v1.Planner".into() })
        .await
        .expect_err("the old service name is gone");
    assert_eq!(status.code(), tonic::Code::NotFound);

    // Reflection lists the three services (and health, reflection); each resolves to its file.
    let MessageResponse::ListServicesResponse(list) = reflect(&channel, MessageRequest::ListServices(String::new())).await else {
        panic!("expected a service list")
    };
    let names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
    for expected in pb::SERVICE_NAMES.into_iter().chain(["grpc.health.v1.Health"]) {
        assert!(names.iter().any(|n| n == expected), "reflection lists {expected}: {names:?}");
    }
    assert!(!names.iter().any(|n| n == "schemahero.v1.Planner"), "{names:?}");
    // The same list over v1alpha, all that Python's grpcio-reflection and older grpcurl speak.
    let alpha_names = reflect_v1alpha_services(&channel).await;
    for expected in pb::SERVICE_NAMES.into_iter().chain(["grpc.health.v1.Health"]) {
        assert!(alpha_names.iter().any(|n| n == expected), "v1alpha reflection lists {expected}: {alpha_names:?}");
    }
    for (service, file) in pb::SERVICE_NAMES.into_iter().zip([
        "schemahero/v1/resource_service.proto",
        "schemahero/v1/migration_service.proto",
        "schemahero/v1/executor_service.proto",
    ]) {
        let MessageResponse::FileDescriptorResponse(files) = reflect(&channel, MessageRequest::FileContainingSymbol(service.into())).await
        else {
            panic!("expected the file defining {service}")
        };
        // Encoded FileDescriptorProtos: the first one is the defining file, its name in field 1.
        let first = files.file_descriptor_proto.first().expect("a file descriptor");
        assert!(first.windows(file.len()).any(|w| w == file.as_bytes()), "{service} is defined in {file}");
    }

    drop((migrations, executors, resources, health, acks, channel));
    let _ = stop.send(());
    let _ = tokio::time::timeout(WAIT, server).await;
    let _ = std::fs::remove_dir_all(&dir);
}
