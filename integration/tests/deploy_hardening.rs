//! The manifests as a production cluster receives them: every object the kustomize base and
//! overlays render is accepted by a real API server (`--dry-run=server`), and every Deployment
//! (base, overlays and Helm chart) runs under restricted Pod Security with resources set;
//! executors spread over nodes.

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
    if name == "schemahero-executor" {
        let spread = at(pod, "/topologySpreadConstraints/0");
        assert_eq!(at(spread, "/topologyKey"), "kubernetes.io/hostname", "{what}: executors spread over nodes");
    }
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
        if overlay == "overlays/prod" {
            assert!(objects.iter().any(|o| at(o, "/kind") == "PodDisruptionBudget"), "prod: executors have a PodDisruptionBudget");
        }
        // Server-side validation of every object, in a namespace of this test's own (a dry run
        // does not create the namespace the manifests name).
        let moved = rendered.replace("namespace: schemahero-system", &format!("namespace: {ns}"));
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
