//! The deploy/ tree stays consistent: the Helm chart carries the generated CRDs, the kustomize
//! base and overlays render, `kubectl schemahero install --yaml` is the kustomize base, every
//! service is wired for mTLS, the NetworkPolicy admits only the watcher and executors to the
//! planner, reviewers get a role that patches Migrations, and install / uninstall really create
//! and remove the objects (and the generated TLS Secrets) in a cluster.

use schemahero_integration::kube_env::*;
use schemahero_integration::services::{bin_dir, wait_for};
use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

const TLS_DIR: &str = "/etc/schemahero/tls";

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
    for crd in ["databases.yaml", "tables.yaml", "migrations.yaml", "functions.yaml", "databaseextensions.yaml", "views.yaml"] {
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
    for secret in TLS_SECRETS {
        assert!(out.contains(&format!("Secret/{secret} created")), "{out}");
    }
    let listed = kubectl_ok(&["get", "deployments,services,serviceaccounts,hpa,networkpolicies", "-n", &ns, "-o", "name"], None);
    for expected in [
        "deployment.apps/schemahero-planner",
        "deployment.apps/schemahero-watcher",
        "deployment.apps/schemahero-executor",
        "service/schemahero-planner",
        "serviceaccount/schemahero-watcher",
        "horizontalpodautoscaler.autoscaling/schemahero-executor",
        "networkpolicy.networking.k8s.io/schemahero-planner",
    ] {
        assert!(listed.lines().any(|l| l == expected), "{expected} missing:\n{listed}");
    }
    let binding = kubectl_ok(&["get", "clusterrolebinding", "schemahero-planner", "-o", "jsonpath={.subjects[0].namespace}"], None);
    assert_eq!(binding, ns);
    let generated = tls_secrets(&ns);
    assert_generated_certificates(&ns, &generated);
    assert_reviewer_role_in_cluster(&ns);
    // Installing again is idempotent and leaves the Secrets as they are.
    let out = plugin(&["install", "--namespace", &ns]);
    assert!(out.contains("Secret/schemahero-planner-tls exists (generated by an earlier install): left untouched"), "{out}");
    assert_eq!(tls_secrets(&ns), generated, "a second install changed the TLS Secrets");

    // Deleting the CRDs (and every object with them) takes --yes; without it nothing changes
    // and the refusal says what would go.
    let refused = std::process::Command::new(bin_dir().join("kubectl-schemahero"))
        .args(["uninstall", "--delete-crds", "--namespace", &ns])
        .output()
        .expect("run the plugin");
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(
        !refused.status.success() && said.contains("--delete-crds deletes the CRDs and with them") && said.contains("Table(s)"),
        "{said}"
    );
    assert!(said.contains("nothing was changed"), "{said}");
    assert!(kubectl(&["get", "deployment", "schemahero-planner", "-n", &ns], None).status.success(), "the refusal changed nothing");
    let out = plugin(&["uninstall", "--delete-crds", "--yes", "--namespace", &ns]);
    assert!(out.contains("untouched"), "{out}");
    assert!(out.contains("CustomResourceDefinition/tables.schemas.schemahero.io deleted"), "{out}");
    for secret in TLS_SECRETS {
        assert!(out.contains(&format!("Secret/{secret} deleted")), "{out}");
    }
    wait_until_uninstalled(Some(&ns));
    let roles = kubectl(&["get", "clusterrole", "schemahero-planner"], None);
    assert!(!roles.status.success(), "the ClusterRole was removed");

    // Secrets install did not create (cert-manager's, or your own PKI's): used as they are, and
    // kept by uninstall together with their namespace.
    let own_ns = format!("shinstall-own-{}", std::process::id());
    kubectl_ok(&["create", "namespace", &own_ns], None);
    create_own_secrets(&own_ns);
    let own = tls_secrets(&own_ns);
    let out = plugin(&["install", "--namespace", &own_ns]);
    assert!(out.contains("Secret/schemahero-watcher-tls exists (not created by install, e.g. cert-manager): left untouched"), "{out}");
    assert!(!out.contains("created (generated"), "{out}");
    assert_eq!(tls_secrets(&own_ns), own);
    let out = plugin(&["uninstall", "--delete-crds", "--yes", "--namespace", &own_ns]);
    assert!(out.contains("Secret/schemahero-executor-tls was not created by install: left in place"), "{out}");
    assert!(out.contains(&format!("Namespace/{own_ns} kept")), "{out}");
    wait_until_uninstalled(None);
    assert_eq!(tls_secrets(&own_ns), own, "uninstall touched Secrets it did not create");
    kubectl_ok(&["delete", "namespace", &own_ns, "--wait=false"], None);

    // By default (and with --keep-crds, e.g. switching back to SchemaHero (Go)) the services go,
    // the CRDs and every object of theirs stay.
    let kept_ns = format!("shinstall-keep-{}", std::process::id());
    plugin(&["install", "--namespace", &kept_ns]);
    kubectl_ok(&["wait", "--for=condition=Established", "--timeout=60s", "crd/tables.schemas.schemahero.io"], None);
    let objects_ns = fresh_namespace("shinstall-objects");
    kubectl_ok(
        &["apply", "-n", &objects_ns, "-f", "-"],
        Some("apiVersion: schemas.schemahero.io/v1alpha4\nkind: Table\nmetadata:\n  name: users\nspec:\n  database: db\n  name: users\n"),
    );
    let out = plugin(&["uninstall", "--namespace", &kept_ns]);
    // Other tests' Tables may exist too: at least this one is counted.
    assert!(out.contains("CustomResourceDefinition/tables.schemas.schemahero.io kept, with its "), "{out}");
    assert!(!out.contains("CustomResourceDefinition/tables.schemas.schemahero.io kept, with its 0 object(s)"), "{out}");
    assert!(out.contains("CustomResourceDefinition/migrations.schemas.schemahero.io kept"), "{out}");
    assert!(out.contains("Deployment/schemahero-planner deleted"), "{out}");
    let kept_ns2 = kept_ns.clone();
    tokio_free_wait(Duration::from_secs(120), move || !kubectl(&["get", "namespace", &kept_ns2], None).status.success());
    assert_eq!(kubectl_ok(&["get", "table", "users", "-n", &objects_ns, "-o", "jsonpath={.spec.name}"], None), "users", "objects stay");
    assert!(kubectl(&["get", "crd", "databases.databases.schemahero.io"], None).status.success());
    let refused = std::process::Command::new(bin_dir().join("kubectl-schemahero")).args(["install", "--keep-crds"]).output().expect("run");
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--keep-crds, --delete-crds and --yes are only for uninstall"));
    kubectl_ok(&["delete", "namespace", &objects_ns, "--wait=false"], None);
}

const TLS_SECRETS: [&str; 3] = ["schemahero-planner-tls", "schemahero-watcher-tls", "schemahero-executor-tls"];

/// Each TLS Secret: (resourceVersion, type, tls.crt, tls.key, ca.crt).
fn tls_secrets(ns: &str) -> Vec<(String, String, String, String, String)> {
    TLS_SECRETS
        .iter()
        .map(|name| {
            let get = |format: &str| kubectl_ok(&["get", "secret", name, "-n", ns, "-o", format], None);
            let data = |key: &str| get(&format!("go-template={{{{index .data \"{key}\" | base64decode}}}}"));
            (get("jsonpath={.metadata.resourceVersion}"), get("jsonpath={.type}"), data("tls.crt"), data("tls.key"), data("ca.crt"))
        })
        .collect()
}

fn certificate(pem: &str) -> rustls_pki_types::CertificateDer<'static> {
    use rustls_pki_types::pem::PemObject;
    rustls_pki_types::CertificateDer::from_pem_slice(pem.as_bytes()).expect("a PEM certificate")
}

/// The planner's certificate is valid, from ca.crt, for its Service names and loopback; the
/// watcher's and executor's are valid client certificates carrying their groups.
fn assert_generated_certificates(ns: &str, secrets: &[(String, String, String, String, String)]) {
    use rustls::client::danger::ServerCertVerifier;
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{PrivateKeyDer, ServerName, UnixTime};
    use schemahero_tls::Identity;
    use std::sync::Arc;

    let ca = &secrets[0].4;
    assert!(secrets.iter().all(|s| &s.4 == ca), "one CA for all three");
    let mut roots = rustls::RootCertStore::empty();
    roots.add(certificate(ca)).expect("ca.crt is a CA certificate");
    let roots = Arc::new(roots);
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    for (_, kind, cert, key, _) in secrets {
        assert_eq!(kind, "kubernetes.io/tls");
        PrivateKeyDer::from_pem_slice(key.as_bytes()).expect("tls.key is a PEM private key");
        assert!(cert.starts_with("-----BEGIN CERTIFICATE-----"), "{cert}");
    }
    let server = rustls::client::WebPkiServerVerifier::builder_with_provider(roots.clone(), provider.clone()).build().unwrap();
    let planner = certificate(&secrets[0].2);
    assert_eq!(Identity::from_der(&planner).unwrap().user, "schemahero-planner");
    let names = [
        "schemahero-planner".to_string(),
        format!("schemahero-planner.{ns}"),
        format!("schemahero-planner.{ns}.svc"),
        format!("schemahero-planner.{ns}.svc.cluster.local"),
        "localhost".into(),
        "127.0.0.1".into(),
    ];
    for name in &names {
        let server_name = ServerName::try_from(name.as_str()).unwrap();
        server.verify_server_cert(&planner, &[], &server_name, &[], UnixTime::now()).unwrap_or_else(|e| panic!("planner as {name}: {e}"));
    }
    let elsewhere = ServerName::try_from("schemahero-planner.elsewhere.svc").unwrap();
    assert!(server.verify_server_cert(&planner, &[], &elsewhere, &[], UnixTime::now()).is_err());

    let client = rustls::server::WebPkiClientVerifier::builder_with_provider(roots, provider).build().unwrap();
    for ((_, _, cert, _, _), (user, group)) in
        secrets[1..].iter().zip([("schemahero-watcher", "schemahero:watcher"), ("schemahero-executor", "schemahero:executor")])
    {
        let der = certificate(cert);
        client.verify_client_cert(&der, &[], UnixTime::now()).unwrap_or_else(|e| panic!("{user}: {e}"));
        let identity = Identity::from_der(&der).unwrap();
        assert_eq!((identity.user.as_str(), identity.groups.clone()), (user, vec![group.to_string()]));
    }
}

/// Bound to schemahero-reviewer, a user may patch Migrations (approve) and nothing else.
fn assert_reviewer_role_in_cluster(ns: &str) {
    kubectl_ok(&["create", "rolebinding", "reviewers", "-n", ns, "--clusterrole=schemahero-reviewer", "--user=jane"], None);
    // `auth can-i VERB RESOURCE [--subresource S]`: "yes" (exit 0) or "no" (exit 1).
    let can = |user: &str, verb: &str, resource: &str, subresource: Option<&str>| {
        let mut args = vec!["auth", "can-i", verb, resource, "-n", ns, "--as", user];
        args.extend(subresource.map(|s| ["--subresource", s]).into_iter().flatten());
        let out = kubectl(&args, None);
        String::from_utf8_lossy(&out.stdout).trim() == "yes"
    };
    let migrations = "migrations.schemas.schemahero.io";
    assert!(can("jane", "patch", migrations, None));
    assert!(can("jane", "list", migrations, None));
    assert!(!can("jane", "patch", migrations, Some("status")), "status is the planner's");
    assert!(!can("jane", "delete", migrations, None));
    assert!(!can("jane", "get", "secrets", None));
    assert!(!can("bob", "patch", migrations, None), "unbound users may not approve");
}

/// Secrets made by "someone else" (no install label), from another CA.
fn create_own_secrets(ns: &str) {
    let ca = schemahero_tls::pki::CertificateAuthority::generate("own-ca", 30).unwrap();
    let planner_dns = format!("schemahero-planner.{ns}.svc");
    for (secret, user, groups, names) in [
        ("schemahero-planner-tls", "schemahero-planner", vec![], vec![planner_dns.as_str()]),
        ("schemahero-watcher-tls", "schemahero-watcher", vec!["schemahero:watcher"], vec![]),
        ("schemahero-executor-tls", "schemahero-executor", vec!["schemahero:executor"], vec![]),
    ] {
        let issued = ca.issue(user, &groups, &names, 30).unwrap();
        let object = serde_json::json!({
            "apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
            "metadata": {"name": secret, "namespace": ns},
            "stringData": {"tls.crt": issued.cert_pem, "tls.key": issued.key_pem, "ca.crt": ca.cert_pem},
        });
        kubectl_ok(&["apply", "-f", "-"], Some(&object.to_string()));
    }
}

/// Waits until the CRDs are gone (and `namespace`, when given).
fn wait_until_uninstalled(namespace: Option<&str>) {
    let namespace = namespace.map(String::from);
    tokio_free_wait(Duration::from_secs(120), move || {
        let crds = kubectl(&["get", "crd", "-o", "name"], None);
        let namespace_gone = namespace.as_ref().is_none_or(|ns| !kubectl(&["get", "namespace", ns], None).status.success());
        !String::from_utf8_lossy(&crds.stdout).contains("schemahero") && namespace_gone
    });
}

fn tokio_free_wait(timeout: Duration, check: impl Fn() -> bool) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    runtime.block_on(wait_for("uninstall to finish", timeout, || {
        let done = check();
        async move { done.then_some(()) }
    }));
}

fn docs(yaml: &str) -> Vec<serde_json::Value> {
    let docs: Vec<serde_json::Value> = serde_saphyr::from_multiple(yaml).expect("valid YAML");
    docs.into_iter().filter(|d| !d.is_null()).collect()
}

fn strings(v: &serde_json::Value) -> Vec<String> {
    v.as_array().map(|a| a.iter().filter_map(|s| s.as_str().map(String::from)).collect()).unwrap_or_default()
}

/// The value following `flag` in a command line.
fn flag<'a>(command: &'a [String], flag: &str) -> Option<&'a str> {
    command.iter().position(|a| a == flag).and_then(|i| command.get(i + 1)).map(String::as_str)
}

/// Every planner, watcher and executor Deployment mounts its TLS Secret read-only (whole, no
/// subPath) and passes the files to the service; the clients reach the planner over https.
fn assert_mtls_wiring(yaml: &str, what: &str) {
    let deployments: Vec<_> = docs(yaml).into_iter().filter(|d| d["kind"] == "Deployment").collect();
    assert_eq!(deployments.len(), 3, "{what}");
    for d in &deployments {
        let name = d["metadata"]["name"].as_str().unwrap_or_default().to_string();
        let component = name.strip_prefix("schemahero-").unwrap_or_else(|| panic!("{what}: unexpected Deployment {name}"));
        let pod = &d["spec"]["template"]["spec"];
        let volumes = pod["volumes"].as_array().cloned().unwrap_or_default();
        let tls = volumes
            .iter()
            .find(|v| v["secret"]["secretName"] == format!("schemahero-{component}-tls").as_str())
            .unwrap_or_else(|| panic!("{what}: {name} mounts no Secret schemahero-{component}-tls"));
        let volume = tls["name"].as_str().unwrap_or_default();
        let containers = pod["containers"].as_array().cloned().unwrap_or_default();
        assert!(!containers.is_empty(), "{what}: {name} has no container");
        for c in &containers {
            let mount = c["volumeMounts"]
                .as_array()
                .and_then(|m| m.iter().find(|m| m["name"] == volume))
                .unwrap_or_else(|| panic!("{what}: {name}/{} does not mount the TLS volume", c["name"]));
            assert_eq!(mount["mountPath"], TLS_DIR, "{what}: {name}");
            assert_eq!(mount["readOnly"], true, "{what}: {name}");
            assert!(mount.get("subPath").is_none(), "{what}: {name}: a subPath mount never sees a renewed certificate");
            let command = strings(&c["command"]);
            let file = |f: &str| format!("{TLS_DIR}/{f}");
            assert!(!command.iter().any(|a| a == "--insecure"), "{what}: {name} runs --insecure");
            if component == "planner" {
                assert_eq!(flag(&command, "--tls-cert"), Some(file("tls.crt").as_str()), "{what}: {command:?}");
                assert_eq!(flag(&command, "--tls-key"), Some(file("tls.key").as_str()), "{what}: {command:?}");
                assert_eq!(flag(&command, "--tls-client-ca"), Some(file("ca.crt").as_str()), "{what}: {command:?}");
            } else {
                assert_eq!(flag(&command, "--tls-ca"), Some(file("ca.crt").as_str()), "{what}: {command:?}");
                assert_eq!(flag(&command, "--tls-cert"), Some(file("tls.crt").as_str()), "{what}: {command:?}");
                assert_eq!(flag(&command, "--tls-key"), Some(file("tls.key").as_str()), "{what}: {command:?}");
                let planner = flag(&command, "--planner").unwrap_or_default();
                assert_eq!(planner, "https://schemahero-planner.schemahero-system.svc:7070", "{what}: {name}");
            }
        }
    }
    assert!(!docs(yaml).iter().any(|d| d["kind"] == "Secret"), "{what}: no Secret (private key) may be in the manifests");
}

#[test]
fn every_service_is_wired_for_mtls() {
    for path in ["base", "overlays/dev", "overlays/prod"] {
        assert_mtls_wiring(&kustomize(path), path);
    }
}

/// The pod template labels of each Deployment, by name.
fn pod_labels(all: &[serde_json::Value], deployment: &str) -> serde_json::Value {
    all.iter()
        .find(|d| d["kind"] == "Deployment" && d["metadata"]["name"] == deployment)
        .map(|d| d["spec"]["template"]["metadata"]["labels"].clone())
        .unwrap_or_else(|| panic!("no Deployment {deployment}"))
}

fn selects(selector: &serde_json::Value, labels: &serde_json::Value) -> bool {
    let Some(match_labels) = selector["matchLabels"].as_object() else { return false };
    selector.get("matchExpressions").is_none() && match_labels.iter().all(|(k, v)| &labels[k] == v)
}

#[test]
fn network_policy_admits_only_the_watcher_and_executors_to_the_planner() {
    let all = docs(&kustomize("base"));
    let policies: Vec<_> = all.iter().filter(|d| d["kind"] == "NetworkPolicy").collect();
    assert_eq!(policies.len(), 1);
    let spec = &policies[0]["spec"];
    let (planner, watcher, executor) =
        (pod_labels(&all, "schemahero-planner"), pod_labels(&all, "schemahero-watcher"), pod_labels(&all, "schemahero-executor"));
    assert!(selects(&spec["podSelector"], &planner), "the policy selects the planner's pods");
    assert!(!selects(&spec["podSelector"], &watcher) && !selects(&spec["podSelector"], &executor));
    assert!(strings(&spec["policyTypes"]).contains(&"Ingress".to_string()));
    let rules = spec["ingress"].as_array().cloned().unwrap_or_default();
    // Every rule names its ports (a rule without ports would open the gRPC port too).
    let covers_grpc =
        |r: &serde_json::Value| r["ports"].as_array().is_none_or(|ports| ports.iter().any(|p| p["port"] == 7070 || p["port"] == "grpc"));
    let grpc: Vec<_> = rules.iter().filter(|r| covers_grpc(r)).collect();
    assert_eq!(grpc.len(), 1, "one rule covers the gRPC port: {rules:?}");
    let peers = grpc[0]["from"].as_array().cloned().unwrap_or_default();
    assert_eq!(peers.len(), 2, "only the watcher and executors: {peers:?}");
    for peer in &peers {
        assert!(peer.get("namespaceSelector").is_none() && peer.get("ipBlock").is_none(), "{peer}");
        assert!(selects(&peer["podSelector"], &watcher) || selects(&peer["podSelector"], &executor), "{peer}");
        assert!(!selects(&peer["podSelector"], &planner), "{peer}");
    }
    assert!(peers.iter().any(|p| selects(&p["podSelector"], &watcher)));
    assert!(peers.iter().any(|p| selects(&p["podSelector"], &executor)));
    // The rest (metrics) opens only port 9090.
    for rule in rules.iter().filter(|r| !covers_grpc(r)) {
        assert_eq!(rule["ports"].as_array().map(|p| p.iter().map(|p| p["port"].clone()).collect::<Vec<_>>()), Some(vec![9090.into()]));
    }
}

fn reviewer_rules(yaml: &str) -> Vec<serde_json::Value> {
    docs(yaml)
        .into_iter()
        .find(|d| d["kind"] == "ClusterRole" && d["metadata"]["name"] == "schemahero-reviewer")
        .and_then(|d| d["rules"].as_array().cloned())
        .expect("a schemahero-reviewer ClusterRole")
}

#[test]
fn the_reviewer_role_patches_migrations_and_nothing_more() {
    let rules = reviewer_rules(&kustomize("base"));
    let verbs_on = |resource: &str| -> Vec<String> {
        rules.iter().filter(|r| strings(&r["resources"]).iter().any(|x| x == resource)).flat_map(|r| strings(&r["verbs"])).collect()
    };
    let mut migrations = verbs_on("migrations");
    migrations.sort();
    assert_eq!(migrations, ["get", "list", "patch", "watch"]);
    assert!(verbs_on("migrations/status").is_empty(), "status is the planner's");
    assert!(verbs_on("secrets").is_empty(), "reviewers never read connection Secrets");
    for rule in &rules {
        assert!(!strings(&rule["verbs"]).contains(&"*".to_string()) && !strings(&rule["resources"]).contains(&"*".to_string()));
        if strings(&rule["resources"]) != ["migrations"] {
            assert!(strings(&rule["verbs"]).iter().all(|v| ["get", "list", "watch"].contains(&v.as_str())), "{rule}");
        }
    }
}

#[test]
fn the_cert_manager_example_issues_the_secrets_the_base_mounts() {
    let certificates: Vec<_> =
        docs(&kustomize("cert-manager")).into_iter().filter(|d| d["kind"] == "Certificate" && d["spec"]["isCA"] != true).collect();
    let by_secret = |secret: &str| {
        certificates.iter().find(|c| c["spec"]["secretName"] == secret).unwrap_or_else(|| panic!("no Certificate writes {secret}")).clone()
    };
    let planner = by_secret("schemahero-planner-tls");
    let names = strings(&planner["spec"]["dnsNames"]);
    for name in [
        "schemahero-planner",
        "schemahero-planner.schemahero-system",
        "schemahero-planner.schemahero-system.svc",
        "schemahero-planner.schemahero-system.svc.cluster.local",
        "localhost",
    ] {
        assert!(names.iter().any(|n| n == name), "the planner's certificate lacks {name}");
    }
    assert_eq!(strings(&planner["spec"]["ipAddresses"]), ["127.0.0.1"]);
    assert!(strings(&planner["spec"]["usages"]).contains(&"server auth".to_string()));
    for (secret, cn, group) in [
        ("schemahero-watcher-tls", "schemahero-watcher", "schemahero:watcher"),
        ("schemahero-executor-tls", "schemahero-executor", "schemahero:executor"),
    ] {
        let c = by_secret(secret);
        assert_eq!(c["spec"]["commonName"], cn);
        assert_eq!(strings(&c["spec"]["subject"]["organizations"]), [group]);
        assert!(strings(&c["spec"]["usages"]).contains(&"client auth".to_string()));
    }
    // All three from the one CA Issuer, so each Secret's ca.crt verifies the others.
    let issuers: BTreeSet<String> = certificates.iter().map(|c| c["spec"]["issuerRef"]["name"].to_string()).collect();
    assert_eq!(issuers.len(), 1, "{issuers:?}");
}

#[test]
fn the_helm_chart_is_wired_like_the_base() {
    let template = |f: &str| std::fs::read_to_string(deploy("helm/schemahero/templates").join(f)).unwrap();
    let helpers = template("_helpers.tpl");
    assert!(helpers.contains("https://schemahero-planner.{{ .Release.Namespace }}.svc:7070"));
    for f in ["planner.yaml", "watcher.yaml", "executor.yaml"] {
        let t = template(f);
        assert!(t.contains("schemahero.tlsMount") && t.contains("schemahero.tlsVolume"), "{f} mounts the TLS Secret");
        if f == "planner.yaml" {
            assert!(t.contains("--tls-client-ca") && t.contains("--tls-cert") && t.contains("--tls-key"), "{f}");
        } else {
            assert!(t.contains("schemahero.clientTLSArgs") && t.contains("schemahero.plannerAddress"), "{f}");
        }
    }
    assert!(template("networkpolicy.yaml").contains("kind: NetworkPolicy"));
    assert!(template("rbac.yaml").contains("name: schemahero-reviewer"));
    let certificates = template("certificates.yaml");
    assert!(certificates.contains("organizations:") && certificates.contains("- schemahero:{{ $component }}"));
}
