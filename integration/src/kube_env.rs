//! A Kubernetes cluster for tests: whatever `KUBECONFIG` points at (`.ci/run` starts the
//! kube-test-server from shared/ and exports it). There is no silent skip: without a cluster
//! these tests fail and say why.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

pub fn require_cluster() -> String {
    match std::env::var("KUBECONFIG") {
        Ok(k) if !k.is_empty() => k,
        _ => panic!(
            "the Kubernetes tests need a cluster: set KUBECONFIG (e.g. run `bash ../shared/kube-test-server.sh build && \
             bash ../shared/kube-test-server.sh start` and export the KUBECONFIG it prints; .ci/run does this)"
        ),
    }
}

/// kubectl: `$KUBECTL`, the kube-test-server's, or the one on PATH.
pub fn kubectl_path() -> PathBuf {
    if let Ok(k) = std::env::var("KUBECTL") {
        return PathBuf::from(k);
    }
    let bundled = PathBuf::from("/var/cache/kube-test-server/bin/kubectl");
    if bundled.exists() { bundled } else { PathBuf::from("kubectl") }
}

pub fn kubectl(args: &[&str], stdin: Option<&str>) -> Output {
    require_cluster();
    let mut child = Command::new(kubectl_path())
        .args(args)
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("run kubectl ({}): {e}", kubectl_path().display()));
    if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(text.as_bytes()).expect("write to kubectl");
    }
    child.wait_with_output().expect("kubectl output")
}

pub fn kubectl_ok(args: &[&str], stdin: Option<&str>) -> String {
    let out = kubectl(args, stdin);
    assert!(out.status.success(), "kubectl {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Applies the CRDs from deploy/crds and waits until they are established (once per test
/// process: tests running side by side would race to create them).
pub fn apply_crds() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(apply_crds_now);
}

fn apply_crds_now() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/crds");
    for file in ["databases.yaml", "tables.yaml", "migrations.yaml", "functions.yaml", "databaseextensions.yaml", "views.yaml"] {
        kubectl_ok(&["apply", "-f", dir.join(file).to_str().expect("utf-8 path")], None);
    }
    for crd in [
        "databases.databases.schemahero.io",
        "tables.schemas.schemahero.io",
        "migrations.schemas.schemahero.io",
        "functions.schemas.schemahero.io",
        "databaseextensions.schemas.schemahero.io",
        "views.schemas.schemahero.io",
    ] {
        kubectl_ok(&["wait", "--for=condition=Established", "--timeout=60s", &format!("crd/{crd}")], None);
    }
}

/// A new namespace for one test: the name, the process id and the clock's microseconds, so
/// neither reruns nor a process id reused by a later run (the test server keeps its etcd data
/// between runs) meet an existing namespace.
pub fn fresh_namespace(name: &str) -> String {
    let micros = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_micros() % 1_000_000);
    let ns = format!("{name}-{}-{micros}", std::process::id());
    kubectl_ok(&["create", "namespace", &ns], None);
    ns
}
