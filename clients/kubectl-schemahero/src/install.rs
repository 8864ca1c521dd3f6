//! `kubectl schemahero install` / `uninstall`: the objects of `deploy/base` (CRDs, namespace,
//! service accounts, RBAC, the three Deployments, the planner Service, the executor autoscaler),
//! applied with server-side apply, or printed with `--yaml`; and the services' TLS Secrets,
//! generated when none exists (see [`crate::install_tls`]; never printed).

use crate::install_tls;
use crate::kube_mode::{KubeArgs, client};
use anyhow::{Context, Result, bail};
use kube::api::{DeleteParams, DynamicObject, Patch, PatchParams};
use kube::discovery::{Discovery, Scope};
use kube::{Api, ResourceExt};

const DEFAULT_NAMESPACE: &str = "schemahero-system";
/// The image the bundled manifests name; `install --image` replaces it.
pub const DEFAULT_IMAGE: &str = "ghcr.io/schemahero/schemahero-rs:0.1.0";

/// The manifests in apply order (the same files the kustomize base lists).
const MANIFESTS: &[&str] = &[
    include_str!("../../../deploy/base/namespace.yaml"),
    include_str!("../../../deploy/crds/databases.yaml"),
    include_str!("../../../deploy/crds/tables.yaml"),
    include_str!("../../../deploy/crds/migrations.yaml"),
    include_str!("../../../deploy/crds/functions.yaml"),
    include_str!("../../../deploy/crds/databaseextensions.yaml"),
    include_str!("../../../deploy/crds/views.yaml"),
    include_str!("../../../deploy/base/rbac.yaml"),
    include_str!("../../../deploy/base/planner.yaml"),
    include_str!("../../../deploy/base/watcher.yaml"),
    include_str!("../../../deploy/base/executor.yaml"),
    include_str!("../../../deploy/base/networkpolicy.yaml"),
];

/// Every object, as YAML documents, placed in `namespace`, its containers running `image`.
pub fn manifests(namespace: &str, image: &str) -> String {
    MANIFESTS
        .iter()
        .map(|m| {
            format!(
                "---\n{}",
                m.replace(DEFAULT_NAMESPACE, namespace).replace(&format!("image: {DEFAULT_IMAGE}"), &format!("image: {image}"))
            )
        })
        .collect()
}

fn objects(namespace: &str, image: &str) -> Result<Vec<DynamicObject>> {
    let values: Vec<serde_json::Value> =
        serde_saphyr::from_multiple(&manifests(namespace, image)).map_err(|e| anyhow::anyhow!("bundled manifests: {e}"))?;
    values.into_iter().filter(|v| !v.is_null()).map(|v| serde_json::from_value(v).context("bundled manifest")).collect()
}

fn valid_namespace(namespace: &str) -> Result<()> {
    let ok = !namespace.is_empty()
        && namespace.len() <= 63
        && namespace.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !namespace.starts_with('-')
        && !namespace.ends_with('-');
    if !ok {
        bail!("--namespace {namespace:?} is not a valid namespace name");
    }
    Ok(())
}

/// Whether a server of this version has gRPC probes (Kubernetes 1.24+). Minor versions may carry
/// a suffix (`"20+"` on some distributions); an unreadable version is taken as recent.
fn serves_grpc_probes(major: &str, minor: &str) -> bool {
    let number = |v: &str| v.trim_end_matches(|c: char| !c.is_ascii_digit()).parse::<u32>().ok();
    match (number(major), number(minor)) {
        (Some(major), Some(minor)) => (major, minor) >= (1, 24),
        _ => true,
    }
}

/// For a server before 1.24: each gRPC probe becomes a TCP probe. The planner's readiness goes
/// to its gRPC port, which a waiting replica does not open (so the Service still routes to the
/// leader alone); the other probes to the health port.
fn probe_with_tcp(obj: &mut DynamicObject) {
    let planner = obj.name_any() == "schemahero-planner";
    let Some(containers) = obj.data.pointer_mut("/spec/template/spec/containers").and_then(serde_json::Value::as_array_mut) else {
        return;
    };
    for container in containers {
        for probe in ["readinessProbe", "livenessProbe"] {
            let Some(p) = container.get_mut(probe).and_then(serde_json::Value::as_object_mut) else { continue };
            let Some(grpc) = p.remove("grpc") else { continue };
            let port = if planner && probe == "readinessProbe" { serde_json::json!("grpc") } else { grpc["port"].clone() };
            p.insert("tcpSocket".into(), serde_json::json!({ "port": port }));
        }
    }
}

/// An image reference as registries accept it: `[host[:port]/]path[:tag][@algorithm:digest]`,
/// path components lowercase. Checked before it is written into a manifest.
pub fn valid_image(image: &str) -> Result<()> {
    let bad = |why: &str| anyhow::anyhow!("--image {image:?} is not an image reference: {why}");
    if image.is_empty() || image.len() > 512 {
        return Err(bad("empty or longer than 512 characters"));
    }
    let (name_tag, digest) = match image.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (image, None),
    };
    if let Some(d) = digest {
        let ok = d.split_once(':').is_some_and(|(alg, hex)| {
            !alg.is_empty()
                && alg.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "+._-".contains(c))
                && hex.len() >= 32
                && hex.chars().all(|c| c.is_ascii_hexdigit())
        });
        if !ok {
            return Err(bad("the digest must be algorithm:hex (e.g. sha256:…)"));
        }
    }
    let last_slash = name_tag.rfind('/');
    let (name, tag) = match name_tag.rfind(':') {
        Some(colon) if last_slash.is_none_or(|s| colon > s) => (&name_tag[..colon], Some(&name_tag[colon + 1..])),
        _ => (name_tag, None),
    };
    if let Some(tag) = tag {
        let ok = !tag.is_empty()
            && tag.len() <= 128
            && tag.chars().next().is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
            && tag.chars().all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
        if !ok {
            return Err(bad("the tag allows letters, digits, '_', '.' and '-' (at most 128)"));
        }
    }
    let mut parts = name.split('/').peekable();
    let mut first = true;
    while let Some(part) = parts.next() {
        // The first component may be a registry host (with a port, dots or capitals).
        let host = first && parts.peek().is_some() && (part.contains('.') || part.contains(':') || part == "localhost");
        first = false;
        let ok = if host {
            !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric() || ".-:".contains(c))
        } else {
            !part.is_empty()
                && part.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c))
                && part.starts_with(|c: char| c.is_ascii_alphanumeric())
                && part.ends_with(|c: char| c.is_ascii_alphanumeric())
        };
        if !ok {
            return Err(bad(&format!("the name component {part:?} allows lowercase letters, digits and '.', '_', '-' between them")));
        }
    }
    Ok(())
}

async fn api_for(discovery: &Discovery, client: &kube::Client, obj: &DynamicObject) -> Result<Api<DynamicObject>> {
    let types = obj.types.clone().context("a bundled object has no apiVersion/kind")?;
    let gvk = kube::api::GroupVersionKind::try_from(&types).map_err(|e| anyhow::anyhow!("{e}"))?;
    let (resource, caps) =
        discovery.resolve_gvk(&gvk).with_context(|| format!("the cluster does not serve {}/{}", types.api_version, types.kind))?;
    Ok(match (caps.scope, obj.namespace()) {
        (Scope::Namespaced, Some(ns)) => Api::namespaced_with(client.clone(), &ns, &resource),
        _ => Api::all_with(client.clone(), &resource),
    })
}

pub async fn install(kube: &KubeArgs, namespace: &str, image: &str, print_yaml: bool, tls_secrets_only: bool) -> Result<String> {
    valid_namespace(namespace)?;
    valid_image(image)?;
    if print_yaml && tls_secrets_only {
        bail!("--yaml never prints the TLS Secrets (they hold private keys): give one of --yaml and --tls-secrets-only");
    }
    if print_yaml {
        return Ok(format!("{}{}", install_tls::yaml_note(namespace), manifests(namespace, image)));
    }
    let client = client(kube).await?;
    if tls_secrets_only {
        return install_tls::ensure_with_namespace(&client, namespace).await;
    }
    let mut out = String::new();
    let mut objects = objects(namespace, image)?;
    let version = client.apiserver_version().await.context("reading the API server's version")?;
    if !serves_grpc_probes(&version.major, &version.minor) {
        objects.iter_mut().for_each(probe_with_tcp);
        out.push_str(&format!(
            "Kubernetes {}.{} has no gRPC probes (1.24+): the Deployments are probed over TCP instead \
             (the planner's readiness on its gRPC port, which only the leader opens)\n",
            version.major, version.minor
        ));
    }
    let (crds, rest): (Vec<_>, Vec<_>) =
        objects.into_iter().partition(|o| o.types.as_ref().is_some_and(|t| t.kind == "CustomResourceDefinition" || t.kind == "Namespace"));
    // CRDs and the namespace first; discovery afterwards sees everything else. The TLS Secrets
    // between the two, so the pods find them when they are scheduled.
    for (i, batch) in [crds, rest].into_iter().enumerate() {
        if i == 1 {
            out.push_str(&install_tls::ensure(&client, namespace).await?);
        }
        let discovery = Discovery::new(client.clone()).run().await.context("discovering the cluster's APIs")?;
        for obj in batch {
            let api = api_for(&discovery, &client, &obj).await?;
            let name = obj.name_any();
            let kind = obj.types.as_ref().map(|t| t.kind.clone()).unwrap_or_default();
            api.patch(&name, &PatchParams::apply("kubectl-schemahero").force(), &Patch::Apply(&obj))
                .await
                .with_context(|| format!("applying {kind} {name}"))?;
            out.push_str(&format!("{kind}/{name} applied\n"));
        }
    }
    out.push_str(&format!("SchemaHero is installed in namespace {namespace}. Verify: kubectl get pods -n {namespace}\n"));
    Ok(out)
}

/// What `uninstall` does with the CRDs, and so with every Database, Table and Migration
/// (deleting a CRD deletes all its objects).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Crds {
    /// Leave them, with their objects (the default: a GitOps setup's migration history stays).
    Keep,
    /// Delete them, with their objects; `confirmed` is `--yes`.
    Delete { confirmed: bool },
}

/// Removes what `install` applied. The CRDs stay unless `crds` says to delete them, which
/// without confirmation only counts what would go and changes nothing.
pub async fn uninstall(kube: &KubeArgs, namespace: &str, crds: Crds) -> Result<String> {
    valid_namespace(namespace)?;
    let client = client(kube).await?;
    let discovery = Discovery::new(client.clone()).run().await.context("discovering the cluster's APIs")?;
    let counts = object_counts(&discovery, &client).await?;
    if crds == (Crds::Delete { confirmed: false }) {
        bail!(
            "--delete-crds deletes the CRDs and with them {}; nothing was changed: run again with --delete-crds --yes to go ahead",
            describe_counts(&counts)
        );
    }
    // Generated Secrets go; others (cert-manager's) stay, and so does their namespace.
    let (mut out, kept) = install_tls::remove_generated(&client, namespace).await?;
    for obj in objects(namespace, DEFAULT_IMAGE)?.into_iter().rev() {
        let name = obj.name_any();
        let kind = obj.types.as_ref().map(|t| t.kind.clone()).unwrap_or_default();
        if kind == "CustomResourceDefinition" && crds == Crds::Keep {
            let count = counts.iter().find(|(crd, _, _)| *crd == name).map_or(0, |(_, _, n)| *n);
            out.push_str(&format!("{kind}/{name} kept, with its {count} object(s) (--delete-crds deletes them)\n"));
            continue;
        }
        if kind == "Namespace" && !kept.is_empty() {
            out.push_str(&format!(
                "Namespace/{name} kept: it holds TLS Secrets install did not create ({}); delete it yourself when done: \
                 kubectl delete namespace {name}\n",
                kept.join(", ")
            ));
            continue;
        }
        let Ok(api) = api_for(&discovery, &client, &obj).await else { continue };
        match api.delete(&name, &DeleteParams::background()).await {
            Ok(_) => out.push_str(&format!("{kind}/{name} deleted\n")),
            Err(kube::Error::Api(s)) if s.code == 404 => {}
            Err(e) => return Err(e).with_context(|| format!("deleting {kind} {name}")),
        }
    }
    out.push_str("SchemaHero is uninstalled; the schemas of your databases are untouched.\n");
    Ok(out)
}

/// For each of our CRDs the cluster serves: (CRD name, kind, how many objects it has).
async fn object_counts(discovery: &Discovery, client: &kube::Client) -> Result<Vec<(String, String, usize)>> {
    let mut counts = Vec::new();
    for group in discovery.groups() {
        if !group.name().ends_with("schemahero.io") {
            continue;
        }
        for (resource, _) in group.recommended_resources() {
            let api: Api<DynamicObject> = Api::all_with(client.clone(), &resource);
            let list = api
                .list_metadata(&kube::api::ListParams::default())
                .await
                .with_context(|| format!("counting {} objects", resource.kind))?;
            counts.push((format!("{}.{}", resource.plural, resource.group), resource.kind.clone(), list.items.len()));
        }
    }
    Ok(counts)
}

fn describe_counts(counts: &[(String, String, usize)]) -> String {
    let parts: Vec<String> = counts.iter().map(|(_, kind, n)| format!("{n} {kind}(s)")).collect();
    if parts.is_empty() { "no objects".to_string() } else { parts.join(", ") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifests_move_to_the_chosen_namespace() {
        let yaml = manifests("ops", DEFAULT_IMAGE);
        assert!(!yaml.contains(DEFAULT_NAMESPACE));
        let objects = objects("ops", DEFAULT_IMAGE).unwrap();
        let kinds: Vec<String> = objects.iter().map(|o| o.types.as_ref().unwrap().kind.clone()).collect();
        for kind in
            ["Namespace", "CustomResourceDefinition", "ServiceAccount", "ClusterRole", "Deployment", "Service", "HorizontalPodAutoscaler"]
        {
            assert!(kinds.iter().any(|k| k == kind), "{kind} missing from {kinds:?}");
        }
        assert_eq!(kinds.iter().filter(|k| *k == "CustomResourceDefinition").count(), 6);
        assert_eq!(kinds.iter().filter(|k| *k == "Deployment").count(), 3);
        assert!(kinds.iter().any(|k| k == "NetworkPolicy"));
        assert!(!kinds.iter().any(|k| k == "Secret"), "no private key is bundled");
        assert!(yaml.contains("https://schemahero-planner.ops.svc:7070"));
        assert!(objects.iter().filter(|o| o.types.as_ref().unwrap().kind == "Deployment").all(|o| o.namespace().as_deref() == Some("ops")));
        assert!(valid_namespace("Bad_NS").is_err());
    }

    #[test]
    fn install_image_replaces_every_container_image() {
        let yaml = manifests("ops", "registry.example.com:5000/team/schemahero-rs:1.2.3");
        assert!(!yaml.contains(DEFAULT_IMAGE));
        let objects = objects("ops", "registry.example.com:5000/team/schemahero-rs:1.2.3").unwrap();
        let images: Vec<String> = objects
            .iter()
            .filter(|o| o.types.as_ref().unwrap().kind == "Deployment")
            .flat_map(|o| o.data["spec"]["template"]["spec"]["containers"].as_array().cloned().unwrap_or_default())
            .map(|c| c["image"].as_str().unwrap_or_default().to_string())
            .collect();
        assert_eq!(images.len(), 3);
        assert!(images.iter().all(|i| i == "registry.example.com:5000/team/schemahero-rs:1.2.3"), "{images:?}");
    }

    #[test]
    fn image_references_are_checked() {
        for good in [
            DEFAULT_IMAGE,
            "schemahero-rs",
            "localhost/schemahero-rs:dev",
            "localhost:5000/a/b_c.d-e:v1.0_rc-1",
            "ghcr.io/org/img@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "ghcr.io/org/img:1.0@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        ] {
            assert!(valid_image(good).is_ok(), "{good}: {:?}", valid_image(good));
        }
        for bad in [
            "",
            "Upper/Case",
            "img:",
            "img:bad tag",
            "img\nimage: evil",
            "img:1 # comment",
            "-img",
            "img@sha256:xyz",
            "a//b",
            "img:tag:more",
        ] {
            let e = valid_image(bad).expect_err(bad).to_string();
            assert!(e.contains("--image"), "{e}");
        }
    }

    #[test]
    fn servers_before_1_24_get_tcp_probes() {
        assert!(!serves_grpc_probes("1", "20"));
        assert!(!serves_grpc_probes("1", "23+"));
        assert!(serves_grpc_probes("1", "24"));
        assert!(serves_grpc_probes("1", "31+"));
        assert!(serves_grpc_probes("", ""), "unknown: assume recent");
        let mut objects = objects("ops", DEFAULT_IMAGE).unwrap();
        objects.iter_mut().for_each(probe_with_tcp);
        let deployments: Vec<&DynamicObject> = objects.iter().filter(|o| o.types.as_ref().unwrap().kind == "Deployment").collect();
        assert_eq!(deployments.len(), 3);
        for d in deployments {
            let c = &d.data["spec"]["template"]["spec"]["containers"][0];
            let planner = d.name_any() == "schemahero-planner";
            assert!(c["readinessProbe"]["grpc"].is_null() && c["livenessProbe"]["grpc"].is_null());
            let ready_port = if planner { serde_json::json!("grpc") } else { serde_json::json!(8081) };
            assert_eq!(c["readinessProbe"]["tcpSocket"]["port"], ready_port, "{}", d.name_any());
            assert_eq!(c["livenessProbe"]["tcpSocket"]["port"], serde_json::json!(8081), "{}", d.name_any());
        }
    }
}
