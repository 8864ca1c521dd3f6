//! The manifests as a production cluster receives them: every object the kustomize base and
//! overlays render is accepted by a real API server (`--dry-run=server`), and every Deployment
//! (base, overlays and Helm chart) runs under restricted Pod Security with resources set;
//! executors spread over nodes; every Deployment is probed over gRPC on the port where it
//! serves health; the planner runs two replicas replaced with `Recreate` and no
//! PodDisruptionBudget (its waiting replica is never ready).
//!
//! The manifests target Kubernetes 1.24+ (gRPC probes, `policy/v1` PodDisruptionBudgets); the
//! test API server is 1.20, which predates both. For its dry run only, a gRPC probe is submitted
//! as a TCP probe on the same port and a `policy/v1` PodDisruptionBudget as `policy/v1beta1`
//! (the same fields) without `unhealthyPodEvictionPolicy` (1.27+); everything else goes as
//! rendered.

use schemahero_integration::kube_env::*;
use serde_json::Value;
use std::path::Path;

fn deploy(path: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy").join(path)
}

fn docs(yaml: &str) -> Vec<Value> {
    let docs: Vec<Value> = serde_saphyr::from_multiple(yaml).unwrap_or_else(|e| panic!("rendered YAML: {e}"));
    docs.into_iter().filter(|d| !d.is_null()).collect()
}

fn at<'a>(v: &'a Value, path: &str) -> &'a Value {
    v.pointer(path).unwrap_or(&Value::Null)
}

/// Restricted Pod Security, resources and (for executors) spread, for one Deployment.
fn assert_hardened(deployment: &Value, what: &str) {
    let name = at(deployment, "/metadata/name").as_str().unwrap_or_default();
    let pod = at(deployment, "/spec/template/spec");
    assert_eq!(at(pod, "/securityContext/runAsNonRoot"), &Value::Bool(true), "{what} {name}: runAsNonRoot");
    assert!(at(pod, "/securityContext/runAsUser").as_u64().is_some_and(|u| u > 0), "{what} {name}: a non-root user");
    assert_eq!(at(pod, "/securityContext/seccompProfile/type"), "RuntimeDefault", "{what} {name}: seccomp");
    for container in at(pod, "/containers").as_array().into_iter().flatten() {
        let c = at(container, "/securityContext");
        assert_eq!(at(c, "/allowPrivilegeEscalation"), &Value::Bool(false), "{what} {name}: privilege escalation");
        assert_eq!(at(c, "/readOnlyRootFilesystem"), &Value::Bool(true), "{what} {name}: read-only root");
        assert_eq!(at(c, "/capabilities/drop"), &serde_json::json!(["ALL"]), "{what} {name}: capabilities");
        assert!(at(container, "/resources/requests/memory").is_string(), "{what} {name}: a memory request");
        assert!(at(container, "/resources/limits/memory").is_string(), "{what} {name}: a memory limit");
    }
    for container in at(pod, "/containers").as_array().into_iter().flatten() {
        assert_probed_on_health_port(container, &format!("{what} {name}"));
    }
    if name == "schemahero-executor" {
        let spread = at(pod, "/topologySpreadConstraints/0");
        assert_eq!(at(spread, "/topologyKey"), "kubernetes.io/hostname", "{what}: executors spread over nodes");
    }
}

/// Readiness and liveness are gRPC probes of the `readiness` and `liveness` services on the port
/// the container serves health on (`--health-listen 0.0.0.0:PORT`).
fn assert_probed_on_health_port(container: &Value, what: &str) {
    let args: Vec<&str> = at(container, "/command").as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    let listen = args.iter().position(|a| *a == "--health-listen").and_then(|i| args.get(i + 1)).copied();
    let port: u64 = listen
        .and_then(|l| l.rsplit(':').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("{what}: --health-listen 0.0.0.0:PORT in {args:?}"));
    for (probe, service) in [("readinessProbe", "readiness"), ("livenessProbe", "liveness")] {
        assert_eq!(at(container, &format!("/{probe}/grpc/port")).as_u64(), Some(port), "{what}: {probe} on the health port");
        assert_eq!(at(container, &format!("/{probe}/grpc/service")), service, "{what}: {probe} asks about {service}");
    }
    let ports = at(container, "/ports").as_array().cloned().unwrap_or_default();
    assert!(ports.iter().any(|p| at(p, "/containerPort").as_u64() == Some(port)), "{what}: the health port is declared");
}

/// The objects as the 1.20 test server can take them (see the module comment).
fn for_the_test_server(objects: &[Value]) -> String {
    let mut items = Vec::new();
    for o in objects {
        let mut o = o.clone();
        if at(&o, "/kind") == "PodDisruptionBudget" && at(&o, "/apiVersion") == "policy/v1" {
            o["apiVersion"] = Value::from("policy/v1beta1");
            if let Some(spec) = o.pointer_mut("/spec").and_then(Value::as_object_mut) {
                spec.remove("unhealthyPodEvictionPolicy");
            }
        }
        if let Some(containers) = o.pointer_mut("/spec/template/spec/containers").and_then(Value::as_array_mut) {
            for c in containers {
                for probe in ["readinessProbe", "livenessProbe"] {
                    if let Some(p) = c.get_mut(probe).and_then(Value::as_object_mut)
                        && let Some(grpc) = p.remove("grpc")
                    {
                        p.insert("tcpSocket".into(), serde_json::json!({ "port": grpc["port"].clone() }));
                    }
                }
            }
        }
        items.push(o);
    }
    serde_json::json!({ "apiVersion": "v1", "kind": "List", "items": items }).to_string()
}

#[test]
fn every_rendered_object_is_accepted_and_every_deployment_runs_restricted() {
    require_cluster();
    let ns = fresh_namespace("shharden");
    for overlay in ["base", "overlays/dev", "overlays/prod"] {
        let rendered = kubectl_ok(&["kustomize", deploy(overlay).to_str().unwrap_or_default()], None);
        let objects = docs(&rendered);
        let deployments: Vec<&Value> = objects.iter().filter(|o| at(o, "/kind") == "Deployment").collect();
        assert_eq!(deployments.len(), 3, "{overlay}: planner, watcher, executor");
        for d in &deployments {
            assert_hardened(d, overlay);
        }
        let pdb_for = |app: &str| {
            objects
                .iter()
                .any(|o| at(o, "/kind") == "PodDisruptionBudget" && at(o, "/spec/selector/matchLabels/app.kubernetes.io~1name") == app)
        };
        assert!(!pdb_for("schemahero-planner"), "{overlay}: a planner PodDisruptionBudget would block drains");
        assert!(
            objects.iter().any(|o| at(o, "/kind") == "Deployment"
                && at(o, "/metadata/name") == "schemahero-planner"
                && at(o, "/spec/replicas").as_u64().is_some_and(|r| r >= 2)
                && at(o, "/spec/strategy/type") == "Recreate"),
            "{overlay}: two planner replicas (one leads), replaced with Recreate"
        );
        if overlay == "overlays/prod" {
            assert!(pdb_for("schemahero-executor"), "prod: executors have a PodDisruptionBudget");
            assert!(
                objects
                    .iter()
                    .any(|o| at(o, "/kind") == "PodDisruptionBudget" && at(o, "/spec/unhealthyPodEvictionPolicy") == "AlwaysAllow"),
                "prod: unready executors (planner away) can still be evicted"
            );
        }
        // Server-side validation of every object, in a namespace of this test's own (a dry run
        // does not create the namespace the manifests name).
        let moved = for_the_test_server(&objects).replace("\"namespace\":\"schemahero-system\"", &format!("\"namespace\":\"{ns}\""));
        let accepted = kubectl_ok(&["apply", "--dry-run=server", "-f", "-"], Some(&moved));
        let count = accepted.lines().filter(|l| l.ends_with("(server dry run)")).count();
        assert_eq!(count, objects.len(), "{overlay}: every object accepted:\n{accepted}");
    }
    kubectl_ok(&["delete", "namespace", &ns, "--wait=false"], None);
}

/// The chart's templates cannot be rendered here (no helm binary): they carry the same
/// security settings as the base, line for line.
#[test]
fn the_helm_chart_runs_restricted_like_the_base() {
    for component in ["planner", "watcher", "executor"] {
        let template = std::fs::read_to_string(deploy("helm/schemahero/templates").join(format!("{component}.yaml"))).unwrap_or_default();
        for line in [
            "runAsNonRoot: true",
            "type: RuntimeDefault",
            "allowPrivilegeEscalation: false",
            "readOnlyRootFilesystem: true",
            "drop: [\"ALL\"]",
        ] {
            assert!(template.contains(line), "helm {component}.yaml: {line}");
        }
        if component == "executor" {
            assert!(template.contains("topologySpreadConstraints:"), "helm executor.yaml spreads");
        }
    }
    let values = std::fs::read_to_string(deploy("helm/schemahero/values.yaml")).unwrap_or_default();
    let values: Value = serde_saphyr::from_str(&values).unwrap_or_else(|e| panic!("values.yaml: {e}"));
    for component in ["planner", "watcher", "executor"] {
        assert!(at(&values, &format!("/{component}/resources/limits/memory")).is_string(), "helm values: {component} memory limit");
    }
}
