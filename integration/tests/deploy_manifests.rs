//! The deploy/ tree stays consistent: the Helm chart carries the generated CRDs, the kustomize
//! base and overlays render, `kubectl schemahero install --yaml` is the kustomize base, and
//! install / uninstall really create and remove the objects in a cluster.

use schemahero_integration::kube_env::*;
use schemahero_integration::services::{bin_dir, wait_for};
use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

fn deploy(path: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy").join(path)
}

/// (kind, name, namespace) of every document in a YAML stream.
fn objects(yaml: &str) -> BTreeSet<(String, String, String)> {
    let docs: Vec<serde_json::Value> = serde_saphyr::from_multiple(yaml).expect("valid YAML");
    docs.iter()
        .filter(|d| !d.is_null())
        .map(|d| {
            let s = |p: &str| d.pointer(p).and_then(|v| v.as_str()).unwrap_or_default().to_string();
            (s("/kind"), s("/metadata/name"), s("/metadata/namespace"))
        })
        .collect()
}

fn kustomize(path: &str) -> String {
    kubectl_ok(&["kustomize", deploy(path).to_str().expect("utf-8 path")], None)
}

#[test]
fn the_helm_chart_carries_the_generated_crds() {
    for crd in ["databases.yaml", "tables.yaml", "migrations.yaml"] {
        let generated = std::fs::read_to_string(deploy("crds").join(crd)).unwrap();
        let chart = std::fs::read_to_string(deploy("helm/schemahero/crds").join(crd)).unwrap_or_default();
        assert!(generated == chart, "deploy/helm/schemahero/crds/{crd} differs from deploy/crds/{crd}: copy it again");
    }
}

#[test]
fn install_yaml_is_the_kustomize_base_and_overlays_render() {
    let base = objects(&kustomize("base"));
    let install =
        std::process::Command::new(bin_dir().join("kubectl-schemahero")).args(["install", "--yaml"]).output().expect("run the plugin");
    assert!(install.status.success());
    assert_eq!(objects(&String::from_utf8_lossy(&install.stdout)), base, "install --yaml and deploy/base must hold the same objects");
    let deployments = base.iter().filter(|o| o.0 == "Deployment").count();
    assert_eq!(deployments, 3);

    let dev = kustomize("overlays/dev");
    let prod = kustomize("overlays/prod");
    assert_eq!(objects(&dev), base, "dev changes settings, not objects");
    let prod_objects = objects(&prod);
    assert!(prod_objects.is_superset(&base));
    assert!(prod_objects.iter().any(|o| o.0 == "PodDisruptionBudget"), "prod adds a PodDisruptionBudget");
    let executor_replicas = |yaml: &str| -> Option<i64> {
        let docs: Vec<serde_json::Value> = serde_saphyr::from_multiple(yaml).ok()?;
        docs.iter()
            .find(|d| d["kind"] == "Deployment" && d["metadata"]["name"] == "schemahero-executor")
            .and_then(|d| d["spec"]["replicas"].as_i64())
    };
    assert_eq!(executor_replicas(&dev), Some(1));
    assert_eq!(executor_replicas(&prod), Some(3));
}

#[test]
fn install_and_uninstall_in_a_cluster() {
    require_cluster();
    let ns = format!("shinstall-{}", std::process::id());
    let plugin = |args: &[&str]| {
        let o = std::process::Command::new(bin_dir().join("kubectl-schemahero")).args(args).output().expect("run the plugin");
        assert!(o.status.success(), "kubectl schemahero {args:?}: {}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let out = plugin(&["install", "--namespace", &ns]);
    assert!(out.contains("Deployment/schemahero-planner applied"), "{out}");
    let listed = kubectl_ok(&["get", "deployments,services,serviceaccounts,hpa", "-n", &ns, "-o", "name"], None);
    for expected in [
        "deployment.apps/schemahero-planner",
        "deployment.apps/schemahero-watcher",
        "deployment.apps/schemahero-executor",
        "service/schemahero-planner",
        "serviceaccount/schemahero-watcher",
        "horizontalpodautoscaler.autoscaling/schemahero-executor",
    ] {
        assert!(listed.lines().any(|l| l == expected), "{expected} missing:\n{listed}");
    }
    let binding = kubectl_ok(&["get", "clusterrolebinding", "schemahero-planner", "-o", "jsonpath={.subjects[0].namespace}"], None);
    assert_eq!(binding, ns);
    // Installing again is idempotent.
    plugin(&["install", "--namespace", &ns]);

    let out = plugin(&["uninstall", "--namespace", &ns]);
    assert!(out.contains("untouched"), "{out}");
    let ns2 = ns.clone();
    tokio_free_wait(Duration::from_secs(120), move || {
        let crds = kubectl(&["get", "crd", "-o", "name"], None);
        let namespace = kubectl(&["get", "namespace", &ns2], None);
        !String::from_utf8_lossy(&crds.stdout).contains("schemahero") && !namespace.status.success()
    });
    let roles = kubectl(&["get", "clusterrole", "schemahero-planner"], None);
    assert!(!roles.status.success(), "the ClusterRole was removed");
}

fn tokio_free_wait(timeout: Duration, check: impl Fn() -> bool) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    runtime.block_on(wait_for("uninstall to finish", timeout, || {
        let done = check();
        async move { done.then_some(()) }
    }));
}
