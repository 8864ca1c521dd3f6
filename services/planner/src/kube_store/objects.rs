//! Functions, DatabaseExtensions and Views in Kubernetes: the owner of their Migrations, the
//! finalizer that holds one with `removeOnDeletion` until its removal is recorded, and their
//! `status.phase`.
//!
//! Every write here is best effort and logged: the planner's decisions live in the Migrations;
//! a finalizer or status write that fails is made again on the next event or resync.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;
use kube::api::{ApiResource, DynamicObject, Patch, PatchParams};
use kube::{Api, Client, ResourceExt};
use schemahero_k8s::{DatabaseExtension, Function, View, finalizer_of};

fn api(client: &Client, kind: &str, namespace: &str) -> Option<Api<DynamicObject>> {
    let resource = match kind {
        "Function" => ApiResource::erase::<Function>(&()),
        "DatabaseExtension" => ApiResource::erase::<DatabaseExtension>(&()),
        "View" => ApiResource::erase::<View>(&()),
        _ => return None,
    };
    Some(Api::namespaced_with(client.clone(), namespace, &resource))
}

async fn get(client: &Client, kind: &str, namespace: &str, name: &str) -> Option<(Api<DynamicObject>, DynamicObject)> {
    let api = api(client, kind, namespace)?;
    match api.get_opt(name).await {
        Ok(Some(object)) => Some((api, object)),
        Ok(None) => None,
        Err(e) => {
            tracing::warn!(kind, namespace, name, error = %e, "cannot read the resource");
            None
        }
    }
}

/// The resource as the owner of a Migration planned for it, unless it is being deleted (the
/// Migration that removes it must outlive it).
pub(super) async fn owner(client: &Client, kind: &str, namespace: &str, name: &str) -> Option<OwnerReference> {
    let (_, object) = get(client, kind, namespace, name).await?;
    if object.metadata.deletion_timestamp.is_some() {
        return None;
    }
    Some(OwnerReference {
        api_version: "schemas.schemahero.io/v1alpha4".into(),
        kind: kind.to_string(),
        name: object.name_any(),
        uid: object.uid()?,
        controller: Some(true),
        block_owner_deletion: Some(false),
    })
}

/// Adds (`hold`) or removes our finalizer, when it is not already so. The resourceVersion in
/// the patch makes it a compare-and-set: a concurrent change to the finalizers is not undone;
/// a conflict reads the resource again and retries.
pub(super) async fn set_finalizer(client: &Client, kind: &str, namespace: &str, name: &str, hold: bool) {
    let Some(finalizer) = finalizer_of(kind) else { return };
    const ATTEMPTS: u32 = 5;
    for attempt in 1..=ATTEMPTS {
        let Some((api, object)) = get(client, kind, namespace, name).await else { return };
        let Some(finalizers) = finalizers_after(object.finalizers(), object.metadata.deletion_timestamp.is_some(), finalizer, hold) else {
            return;
        };
        let patch = serde_json::json!({ "metadata": { "finalizers": finalizers, "resourceVersion": object.resource_version() } });
        match api.patch(name, &PatchParams::default(), &Patch::Merge(&patch)).await {
            Ok(_) => {
                tracing::info!(kind, namespace, name, hold, "finalizer updated");
                return;
            }
            Err(kube::Error::Api(e)) if e.code == 409 && attempt < ATTEMPTS => {
                tracing::debug!(kind, namespace, name, hold, attempt, "finalizer update conflicted; reading the resource again");
            }
            Err(e) => {
                tracing::warn!(kind, namespace, name, hold, error = %e, "cannot update the finalizer");
                return;
            }
        }
    }
}

/// The finalizers to write, or `None` when nothing is to change.
fn finalizers_after(current: &[String], deleting: bool, finalizer: &str, hold: bool) -> Option<Vec<String>> {
    let mut finalizers = current.to_vec();
    let has = finalizers.iter().any(|f| f == finalizer);
    if has == hold {
        return None;
    }
    if hold {
        if deleting {
            return None; // no new finalizers on an object being deleted
        }
        finalizers.push(finalizer.to_string());
    } else {
        finalizers.retain(|f| f != finalizer);
    }
    Some(finalizers)
}

/// Whether the Database resource exists; `true` when it cannot be read (the deletion of an
/// object waiting for it is held rather than let go on a transient error).
pub(super) async fn database_exists(client: &Client, namespace: &str, name: &str) -> bool {
    let api: Api<schemahero_k8s::Database> = Api::namespaced(client.clone(), namespace);
    match api.get_opt(name).await {
        Ok(found) => found.is_some(),
        Err(e) => {
            tracing::warn!(namespace, name, error = %e, "cannot read the Database; assuming it exists");
            true
        }
    }
}

/// Writes `status.phase` and `status.message` (and `appliedAt`, unix seconds as SchemaHero
/// writes it, when it becomes `Applied`).
pub(super) async fn report_phase(client: &Client, kind: &str, namespace: &str, name: &str, phase: &str, message: &str) {
    let Some((api, object)) = get(client, kind, namespace, name).await else { return };
    let status = object.data.get("status");
    let field = |f: &str| status.and_then(|s| s.get(f)).and_then(|v| v.as_str()).unwrap_or_default().to_string();
    if field("phase") == phase && field("message") == message {
        return;
    }
    let mut patch = serde_json::json!({ "status": { "phase": phase, "message": message } });
    if phase == "Applied" {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or_default();
        patch["status"]["appliedAt"] = now.into();
    }
    if let Err(e) = api.patch_status(name, &PatchParams::default(), &Patch::Merge(&patch)).await {
        tracing::warn!(kind, namespace, name, error = %e, "cannot write the status");
    }
}

#[cfg(test)]
mod tests {
    use super::{finalizers_after, set_finalizer};
    use kube::client::Body;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Finding 10: a patch that conflicts (409) reads the resource again and retries.
    #[tokio::test]
    async fn a_conflicting_finalizer_patch_is_retried() {
        let (gets, patches) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let (g, p) = (Arc::clone(&gets), Arc::clone(&patches));
        let service = tower::service_fn(move |request: http::Request<Body>| {
            let (g, p) = (Arc::clone(&g), Arc::clone(&p));
            async move {
                let response = if request.method() == http::Method::GET {
                    let version = g.fetch_add(1, Ordering::SeqCst) + 1;
                    let object = serde_json::json!({
                        "apiVersion": "schemas.schemahero.io/v1alpha4", "kind": "Function",
                        "metadata": { "name": "f", "namespace": "default", "uid": "u", "resourceVersion": version.to_string() },
                        "spec": {}
                    });
                    http::Response::builder().status(200).body(Body::from(serde_json::to_vec(&object).unwrap()))
                } else if p.fetch_add(1, Ordering::SeqCst) == 0 {
                    let status = serde_json::json!({
                        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                        "message": "the object has been modified", "reason": "Conflict", "code": 409
                    });
                    http::Response::builder().status(409).body(Body::from(serde_json::to_vec(&status).unwrap()))
                } else {
                    let object = serde_json::json!({
                        "apiVersion": "schemas.schemahero.io/v1alpha4", "kind": "Function",
                        "metadata": { "name": "f", "namespace": "default", "uid": "u", "resourceVersion": "9",
                                      "finalizers": ["functions.schemas.schemahero.io/finalizer"] },
                        "spec": {}
                    });
                    http::Response::builder().status(200).body(Body::from(serde_json::to_vec(&object).unwrap()))
                };
                Ok::<_, std::convert::Infallible>(response.unwrap())
            }
        });
        let client = kube::Client::new(service, "default");
        set_finalizer(&client, "Function", "default", "f", true).await;
        assert_eq!(patches.load(Ordering::SeqCst), 2, "patched again after the conflict");
        assert_eq!(gets.load(Ordering::SeqCst), 2, "read again before the second patch");
    }

    #[test]
    fn finalizers_change_only_when_needed() {
        let ours = "schemahero.io/function";
        let theirs = vec!["other".to_string()];
        assert_eq!(finalizers_after(&theirs, false, ours, true), Some(vec!["other".to_string(), ours.to_string()]));
        assert_eq!(finalizers_after(&theirs, true, ours, true), None, "none added while deleting");
        let both = vec!["other".to_string(), ours.to_string()];
        assert_eq!(finalizers_after(&both, true, ours, false), Some(theirs.clone()));
        assert_eq!(finalizers_after(&both, false, ours, true), None);
        assert_eq!(finalizers_after(&theirs, false, ours, false), None);
    }
}
