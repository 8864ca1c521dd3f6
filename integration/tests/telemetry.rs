//! One change traced end to end through the three real processes into an in-process OTLP
//! receiver: watcher event → planner (introspect, plan) → approval → executor (fingerprint
//! check, apply, one span per statement), all in one trace whose id the Migration records.
//! Also: `/metrics` on each service moves, and a password in the database URI appears in no
//! log, span, error or migration.

use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{TraceService, TraceServiceServer};
use opentelemetry_proto::tonic::collector::trace::v1::{ExportTraceServiceRequest, ExportTraceServiceResponse};
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use schemahero_integration::services::*;
use schemahero_proto::v1 as pb;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const PASSWORD: &str = "S3cretPW9";

#[derive(Debug, Clone)]
struct Collected {
    service: String,
    name: String,
    trace_id: String,
    span_id: String,
    parent: String,
    attributes: HashMap<String, String>,
}

#[derive(Clone, Default)]
struct Receiver {
    spans: Arc<Mutex<Vec<Collected>>>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn value_text(v: &Option<opentelemetry_proto::tonic::common::v1::AnyValue>) -> String {
    match v.as_ref().and_then(|v| v.value.clone()) {
        Some(Value::StringValue(s)) => s,
        Some(Value::IntValue(i)) => i.to_string(),
        Some(Value::DoubleValue(d)) => d.to_string(),
        Some(Value::BoolValue(b)) => b.to_string(),
        other => format!("{other:?}"),
    }
}

#[tonic::async_trait]
impl TraceService for Receiver {
    async fn export(
        &self,
        request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        let mut spans = self.spans.lock().unwrap();
        for rs in request.into_inner().resource_spans {
            let service = rs
                .resource
                .as_ref()
                .and_then(|r| r.attributes.iter().find(|a| a.key == "service.name"))
                .map(|a| value_text(&a.value))
                .unwrap_or_default();
            for ss in rs.scope_spans {
                for span in ss.spans {
                    spans.push(Collected {
                        service: service.clone(),
                        name: span.name.clone(),
                        trace_id: hex(&span.trace_id),
                        span_id: hex(&span.span_id),
                        parent: hex(&span.parent_span_id),
                        attributes: span.attributes.iter().map(|a| (a.key.clone(), value_text(&a.value))).collect(),
                    });
                }
            }
        }
        Ok(tonic::Response::new(ExportTraceServiceResponse { partial_success: None }))
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

async fn scrape(port: u16) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut socket = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.expect("metrics port");
    socket.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.unwrap();
    let mut out = String::new();
    socket.read_to_string(&mut out).await.unwrap();
    out
}

/// The value of the first sample line starting with `prefix`.
fn sample(metrics: &str, prefix: &str) -> f64 {
    metrics.lines().find(|l| l.starts_with(prefix)).and_then(|l| l.rsplit(' ').next()).and_then(|v| v.parse().ok()).unwrap_or(0.0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_change_is_one_trace_and_metrics_move() {
    // The receiver.
    let receiver = Receiver::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let otlp = format!("http://{}", listener.local_addr().unwrap());
    let service = receiver.clone();
    tokio::spawn(async move {
        tonic::transport::Server::builder()
            .add_service(TraceServiceServer::new(service))
            .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener))
            .await
    });

    // A Postgres database whose URI carries a password (trust auth ignores it).
    use sqlx::{Connection, PgConnection};
    let server = std::env::var("SCHEMAHERO_TEST_POSTGRES").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
    let mut admin = PgConnection::connect(&format!("{server}/postgres")).await.expect("PostgreSQL must be reachable");
    for sql in ["DROP DATABASE IF EXISTS shtelemetry WITH (FORCE)", "CREATE DATABASE shtelemetry"] {
        sqlx::raw_sql(sql).execute(&mut admin).await.unwrap();
    }
    let uri = format!("{}/shtelemetry?sslmode=disable", server.replacen("postgres@", &format!("postgres:{PASSWORD}@"), 1));
    assert!(uri.contains(PASSWORD));

    let dir = scratch("telemetry");
    let specs = dir.join("specs");
    std::fs::create_dir_all(&specs).unwrap();
    std::fs::write(
        specs.join("db.yaml"),
        format!("apiVersion: databases.schemahero.io/v1alpha4\nkind: Database\nmetadata:\n  name: pg\nspec:\n  connection:\n    postgres:\n      uri:\n        value: {uri}\n"),
    )
    .unwrap();
    std::fs::write(
        specs.join("users.yaml"),
        "database: pg\nname: users\nschema:\n  postgres:\n    primaryKey: [id]\n    columns:\n      - name: id\n        type: integer\n      - name: email\n        type: text\n",
    )
    .unwrap();

    let env = [("OTEL_EXPORTER_OTLP_ENDPOINT", otlp.as_str()), ("OTEL_BSP_SCHEDULE_DELAY", "100")];
    let (planner_port, watcher_port, executor_port) = (free_port(), free_port(), free_port());
    let planner_address = format!("127.0.0.1:{}", free_port());
    let store = dir.join("planner.db");
    let mut planner = spawn_with_env(
        "planner",
        "schemahero-planner",
        &[
            "--listen",
            &planner_address,
            "--store",
            store.to_str().unwrap(),
            "--debounce-ms",
            "100",
            "--metrics-listen",
            &format!("127.0.0.1:{planner_port}"),
        ],
        &env,
        &dir,
    );
    let address = format!("http://{planner_address}");
    let mut client = client(&address).await;
    let mut watcher = spawn_with_env(
        "watcher",
        "schemahero-watcher",
        &[
            "--planner",
            &address,
            "--spec-dir",
            specs.to_str().unwrap(),
            "--poll-interval-ms",
            "100",
            "--metrics-listen",
            &format!("127.0.0.1:{watcher_port}"),
        ],
        &env,
        &dir,
    );
    let mut executor = spawn_with_env(
        "executor",
        "schemahero-executor",
        &[
            "--planner",
            &address,
            "--id",
            "exec-t",
            "--lease-seconds",
            "5",
            "--poll-interval-ms",
            "100",
            "--metrics-listen",
            &format!("127.0.0.1:{executor_port}"),
        ],
        &env,
        &dir,
    );

    let planned = wait_for("a Planned migration", Duration::from_secs(60), || {
        let mut c = client.clone();
        async move { migrations(&mut c, "users").await.into_iter().find(|m| phase(m) == pb::Phase::Planned) }
    })
    .await;
    assert_eq!(planned.trace_id.len(), 32, "the Migration records its trace id: {planned:?}");
    approve_migration(&mut client, &planned.id).await;
    let executed = wait_for("the migration to be executed", Duration::from_secs(60), || {
        let mut c = client.clone();
        let id = planned.id.clone();
        async move { migrations(&mut c, "users").await.into_iter().find(|m| m.id == id && phase(m) == pb::Phase::Executed) }
    })
    .await;
    let trace = planned.trace_id.clone();

    // Metrics moved on every service.
    let planner_metrics = scrape(planner_port).await;
    assert!(sample(&planner_metrics, "schemahero_plans_total{") >= 1.0, "{planner_metrics}");
    assert!(sample(&planner_metrics, "schemahero_migrations_total{phase=\"Executed\"}") >= 1.0, "{planner_metrics}");
    // The current state next to the counters: what the store holds per phase (counted at most
    // once a second after a change, so wait for it).
    let mut planner_metrics = planner_metrics;
    for _ in 0..50 {
        if sample(&planner_metrics, "schemahero_migrations_by_phase{phase=\"Executed\"}") >= 1.0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        planner_metrics = scrape(planner_port).await;
    }
    assert_eq!(sample(&planner_metrics, "schemahero_migrations_by_phase{phase=\"Executed\"}"), 1.0, "{planner_metrics}");
    assert!(planner_metrics.contains("schemahero_migrations_by_phase{phase=\"Planned\"} 0"), "{planner_metrics}");
    assert!(planner_metrics.contains("content-type: application/openmetrics-text"), "{planner_metrics}");
    assert!(
        sample(
            &planner_metrics,
            "grpc_server_requests_total{method=\"/schemahero.v1.MigrationService/ApproveMigration\",grpc_status=\"0\"}"
        ) >= 1.0,
        "{planner_metrics}"
    );
    assert!(planner_metrics.contains("schemahero_plan_duration_seconds_count"), "{planner_metrics}");
    let watcher_metrics = scrape(watcher_port).await;
    assert!(sample(&watcher_metrics, "schemahero_watcher_events_total{kind=\"Table\",op=\"upsert\"}") >= 1.0, "{watcher_metrics}");
    let executor_metrics = scrape(executor_port).await;
    assert!(sample(&executor_metrics, "schemahero_statement_duration_seconds_count{kind=\"CREATE TABLE\"}") >= 1.0, "{executor_metrics}");
    assert_eq!(sample(&executor_metrics, "schemahero_executor_outcomes_total{outcome=\"OUTCOME_EXECUTED\"}"), 1.0, "{executor_metrics}");

    // Stop everything (flushes the exporters), then read the trace.
    for p in [&mut watcher, &mut executor, &mut planner] {
        p.terminate();
    }
    let spans = wait_for("the executor's statement spans", Duration::from_secs(30), || {
        let spans = receiver.spans.lock().unwrap().clone();
        let complete = spans.iter().any(|s| s.name == "ddl.statement" && s.trace_id == trace);
        async move { complete.then_some(spans) }
    })
    .await;
    let in_trace: Vec<&Collected> = spans.iter().filter(|s| s.trace_id == trace).collect();
    let find = |name: &str| {
        in_trace.iter().find(|s| s.name == name).copied().unwrap_or_else(|| panic!("no {name} span in trace {trace}: {in_trace:#?}"))
    };
    let by_id: HashMap<&str, &Collected> = in_trace.iter().map(|s| (s.span_id.as_str(), *s)).collect();

    let event = find("watcher.event");
    assert_eq!((event.service.as_str(), event.attributes.get("name").map(String::as_str)), ("schemahero-watcher", Some("users")));
    let plan = find("planner.plan_table");
    assert_eq!(plan.service, "schemahero-planner");
    assert_eq!(plan.parent, event.span_id, "planning continues the watcher's event span");
    let introspect = find("introspect");
    assert_eq!(introspect.parent, plan.span_id);
    let approve = find("planner.approve");
    assert_eq!(approve.parent, plan.span_id, "the approval joins the planning trace");
    let execute = find("executor.execute");
    assert_eq!(execute.service, "schemahero-executor");
    assert_eq!(execute.parent, plan.span_id, "the execution continues the planning trace, hours later if need be");
    assert_eq!(execute.attributes.get("migration"), Some(&executed.id));
    assert_eq!(execute.attributes.get("outcome").map(String::as_str), Some("OUTCOME_EXECUTED"));
    find("executor.fingerprint_check");
    let statements: Vec<&&Collected> = in_trace.iter().filter(|s| s.name == "ddl.statement").collect();
    let creates: Vec<&&&Collected> = statements
        .iter()
        .filter(|s| {
            s.attributes.get("statement.kind").map(String::as_str) == Some("CREATE TABLE")
                && s.attributes.get("statement.table").map(String::as_str) == Some("public.users")
        })
        .collect();
    let parent_name = |s: &Collected| by_id.get(s.parent.as_str()).map(|p| p.name.clone()).unwrap_or_default();
    // The plan ran first on the scratch copy, under planner.validate, in the same trace.
    let tried = creates
        .iter()
        .find(|s| parent_name(s) == "planner.validate")
        .unwrap_or_else(|| panic!("the validation's CREATE TABLE: {statements:#?}"));
    assert_eq!(by_id.get(tried.parent.as_str()).map(|v| v.parent.as_str()), Some(plan.span_id.as_str()), "validation is part of planning");
    let create = creates
        .iter()
        .find(|s| parent_name(s) == "executor.apply")
        .unwrap_or_else(|| panic!("a CREATE TABLE span on public.users (the table carried from planning): {statements:#?}"));
    assert!(
        statements.iter().any(|s| s.attributes.get("statement.kind").map(String::as_str) == Some("INSERT")),
        "the ledger row is written in the same transaction, and traced too"
    );
    assert!(create.attributes.contains_key("rows_affected") && create.attributes.contains_key("duration_ms"), "{:?}", create.attributes);
    // The statement sits under executor.apply, under executor.execute.
    let apply = by_id.get(create.parent.as_str()).expect("the statement's parent is in the trace");
    assert_eq!(apply.name, "executor.apply");
    assert_eq!(apply.parent, execute.span_id);
    assert!(
        spans.iter().any(|s| s.name == "grpc.request" && s.attributes.get("rpc.method").is_some_and(|m| m.ends_with("/ClaimMigration")))
    );

    // The password is nowhere: not in spans, logs, errors or migrations.
    let all_spans = format!("{spans:?}");
    assert!(!all_spans.contains(PASSWORD), "a span carries the password");
    for p in [&planner, &watcher, &executor] {
        assert!(!p.log_text().contains(PASSWORD), "{} logged the password", p.name);
    }
    assert!(!format!("{executed:?}").contains(PASSWORD));
    let described = cli(&["describe", "migration", &executed.id, "--planner", &address]);
    let _ = described; // the planner is stopped; the stored record was checked above
}
