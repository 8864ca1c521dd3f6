//! The Kubernetes source: Database, Table, Function, DatabaseExtension and View custom resources,
//! watched with kube-rs, in all namespaces or a configured list. A Function or DatabaseExtension
//! being deleted (held by the planner's finalizer) is sent with `deleting` set, so the planner
//! can plan its removal from the spec it had, even after a restart. kube's watcher relists after a 410 Gone or a lost
//! connection (with backoff); every completed relist becomes a full Snapshot, so the planner is
//! resynced and deletions missed while disconnected are noticed.
//!
//! A Database's connection is resolved here, reading `valueFrom.secretKeyRef` Secrets from the
//! Database's namespace (RBAC: get on secrets). The URI travels to the planner only.

use crate::source::{Resource, ResourceKey, ResourceKind, ResourceSource, SourceEvent};
use futures_util::StreamExt;
use k8s_openapi::api::core::v1::Secret;
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher::{self, Event};
use kube::{Api, Client, ResourceExt};
use schemahero_k8s::{Database, DatabaseExtension, Function, Table, View};
use schemahero_proto::v1 as pb;
use std::collections::{BTreeMap, HashMap, HashSet};
use tokio::sync::mpsc;

pub struct KubeSource {
    rx: mpsc::Receiver<SourceEvent>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for KubeSource {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// One change from one of the watch streams (each stream's changes are tagged with its index).
enum Change {
    Init,
    Item(Resource),
    InitDone,
    Delete(ResourceKey),
}

impl KubeSource {
    /// Watches `namespaces` (all namespaces when empty).
    pub fn new(client: Client, namespaces: Vec<String>) -> Self {
        let (tx, rx) = mpsc::channel(256);
        let task = tokio::spawn(run(client, namespaces, tx));
        KubeSource { rx, task }
    }
}

impl ResourceSource for KubeSource {
    async fn next(&mut self) -> Option<SourceEvent> {
        self.rx.recv().await
    }
}

fn apis<K>(client: &Client, namespaces: &[String]) -> Vec<Api<K>>
where
    K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope>,
    <K as kube::Resource>::DynamicType: Default,
{
    if namespaces.is_empty() {
        vec![Api::all(client.clone())]
    } else {
        namespaces.iter().map(|ns| Api::namespaced(client.clone(), ns)).collect()
    }
}

async fn run(client: Client, namespaces: Vec<String>, tx: mpsc::Sender<SourceEvent>) {
    let mut streams = Vec::new();
    for api in apis::<Database>(&client, &namespaces) {
        let c = client.clone();
        let stream =
            watcher::watcher(api, watcher::Config::default()).default_backoff().then(move |e| database_change(c.clone(), e)).boxed();
        streams.push(stream);
    }
    for api in apis::<Table>(&client, &namespaces) {
        streams.push(watcher::watcher(api, watcher::Config::default()).default_backoff().map(table_change).boxed());
    }
    // Clusters upgraded without the newer CRDs: a watch of a kind the API server does not serve
    // would never complete its first listing, and so hold every Snapshot back.
    let functions = if served::<Function>(&client).await { apis::<Function>(&client, &namespaces) } else { Vec::new() };
    let extensions = if served::<DatabaseExtension>(&client).await { apis::<DatabaseExtension>(&client, &namespaces) } else { Vec::new() };
    let views = if served::<View>(&client).await { apis::<View>(&client, &namespaces) } else { Vec::new() };
    for api in functions {
        let stream = watcher::watcher(api, watcher::Config::default()).default_backoff();
        streams.push(stream.map(|e| object_change(ResourceKind::Function, e, |f: &Function| serde_json::to_string(&f.spec))).boxed());
    }
    for api in extensions {
        let stream = watcher::watcher(api, watcher::Config::default()).default_backoff();
        streams.push(
            stream
                .map(|e| object_change(ResourceKind::DatabaseExtension, e, |x: &DatabaseExtension| serde_json::to_string(&x.spec)))
                .boxed(),
        );
    }
    for api in views {
        let stream = watcher::watcher(api, watcher::Config::default()).default_backoff();
        streams.push(stream.map(|e| object_change(ResourceKind::View, e, |v: &View| serde_json::to_string(&v.spec))).boxed());
    }
    let total = streams.len();
    let tagged = streams.into_iter().enumerate().map(|(i, s)| s.map(move |c| (i, c)).boxed());
    let mut merged = futures_util::stream::select_all(tagged);

    let mut state: BTreeMap<ResourceKey, Resource> = BTreeMap::new();
    let mut owner: HashMap<ResourceKey, usize> = HashMap::new();
    let mut buffers: HashMap<usize, Vec<Resource>> = HashMap::new();
    let mut listed: HashSet<usize> = HashSet::new();
    while let Some((index, change)) = merged.next().await {
        let event = match change {
            None => continue,
            Some(Change::Init) => {
                buffers.insert(index, Vec::new());
                continue;
            }
            Some(Change::Item(r)) if buffers.contains_key(&index) => {
                buffers.entry(index).or_default().push(r);
                continue;
            }
            Some(Change::Item(r)) => {
                owner.insert(r.key(), index);
                // A status-only change (the planner's own conditions) leaves the spec as it was:
                // nothing to tell the planner.
                if state.insert(r.key(), r.clone()).as_ref() == Some(&r) {
                    continue;
                }
                if listed.len() < total {
                    continue; // the first Snapshot carries it
                }
                SourceEvent::Upsert(r)
            }
            Some(Change::Delete(key)) => {
                owner.remove(&key);
                if state.remove(&key).is_none() || listed.len() < total {
                    continue;
                }
                SourceEvent::Delete(key)
            }
            Some(Change::InitDone) => {
                // This stream's objects are exactly the listed ones now.
                let fresh = buffers.remove(&index).unwrap_or_default();
                state.retain(|k, _| owner.get(k) != Some(&index));
                owner.retain(|_, i| *i != index);
                for r in fresh {
                    owner.insert(r.key(), index);
                    state.insert(r.key(), r);
                }
                listed.insert(index);
                if listed.len() < total {
                    continue;
                }
                SourceEvent::Snapshot(state.values().cloned().collect())
            }
        };
        if tx.send(event).await.is_err() {
            return;
        }
    }
}

fn table_change(event: Result<Event<Table>, watcher::Error>) -> Option<Change> {
    match event {
        Err(e) => {
            tracing::warn!(error = %e, "watching Tables failed; retrying");
            None
        }
        Ok(Event::Init) => Some(Change::Init),
        Ok(Event::InitDone) => Some(Change::InitDone),
        Ok(Event::InitApply(t)) | Ok(Event::Apply(t)) => table_resource(&t).map(Change::Item),
        Ok(Event::Delete(t)) => {
            Some(Change::Delete(ResourceKey::new(ResourceKind::Table, t.namespace().unwrap_or_default(), t.name_any())))
        }
    }
}

/// Whether the API server serves the kind (its CRD is installed). Errors other than "not found"
/// count as served: the watch then retries them like any other.
async fn served<K>(client: &Client) -> bool
where
    K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope>
        + Clone
        + for<'de> k8s_openapi::serde::Deserialize<'de>
        + std::fmt::Debug,
    <K as kube::Resource>::DynamicType: Default,
{
    let api: Api<K> = Api::all(client.clone());
    match api.list_metadata(&kube::api::ListParams::default().limit(1)).await {
        Err(kube::Error::Api(s)) if s.code == 404 => {
            tracing::warn!(kind = %K::kind(&Default::default()), "the CRD is not installed: this kind is not watched (install the CRDs and restart the watcher)");
            false
        }
        _ => true,
    }
}

fn object_change<K: kube::Resource>(
    kind: ResourceKind,
    event: Result<Event<K>, watcher::Error>,
    spec_json: impl Fn(&K) -> Result<String, serde_json::Error>,
) -> Option<Change> {
    match event {
        Err(e) => {
            tracing::warn!(error = %e, "watching {kind}s failed; retrying");
            None
        }
        Ok(Event::Init) => Some(Change::Init),
        Ok(Event::InitDone) => Some(Change::InitDone),
        Ok(Event::InitApply(o)) | Ok(Event::Apply(o)) => object_resource(kind, &o, spec_json(&o)).map(Change::Item),
        Ok(Event::Delete(o)) => Some(Change::Delete(ResourceKey::new(kind, o.namespace().unwrap_or_default(), o.name_any()))),
    }
}

/// A Function, DatabaseExtension or View as the planner receives it.
pub fn object_resource<K: kube::Resource>(kind: ResourceKind, o: &K, spec_json: Result<String, serde_json::Error>) -> Option<Resource> {
    let namespace = o.namespace().unwrap_or_else(|| "default".into());
    let name = o.name_any();
    match spec_json {
        Ok(spec_json) => Some(Resource::Object(pb::SchemaObject {
            kind: kind.to_string(),
            source: format!("{kind} {namespace}/{name}"),
            namespace,
            name,
            spec_json,
            deleting: o.meta().deletion_timestamp.is_some(),
        })),
        Err(e) => {
            tracing::error!(kind = %kind, name = %name, error = %e, "cannot encode the spec");
            None
        }
    }
}

pub fn table_resource(t: &Table) -> Option<Resource> {
    let namespace = t.namespace().unwrap_or_else(|| "default".into());
    let name = t.name_any();
    match serde_json::to_string(&t.spec) {
        Ok(spec_json) => Some(Resource::Table(pb::Table { source: format!("Table {namespace}/{name}"), namespace, name, spec_json })),
        Err(e) => {
            tracing::error!(table = %name, error = %e, "cannot encode the Table spec");
            None
        }
    }
}

async fn database_change(client: Client, event: Result<Event<Database>, watcher::Error>) -> Option<Change> {
    match event {
        Err(e) => {
            tracing::warn!(error = %e, "watching Databases failed; retrying");
            None
        }
        Ok(Event::Init) => Some(Change::Init),
        Ok(Event::InitDone) => Some(Change::InitDone),
        Ok(Event::InitApply(d)) | Ok(Event::Apply(d)) => database_resource(&client, &d).await.map(Change::Item),
        Ok(Event::Delete(d)) => {
            Some(Change::Delete(ResourceKey::new(ResourceKind::Database, d.namespace().unwrap_or_default(), d.name_any())))
        }
    }
}

/// Secret references (name, key) anywhere in a connection.
fn secret_refs(value: &serde_json::Value, out: &mut Vec<(String, String)>) {
    match value {
        serde_json::Value::Object(map) => {
            if let Some(r) = map.get("secretKeyRef") {
                let field = |k: &str| r.get(k).and_then(|v| v.as_str()).unwrap_or_default().to_string();
                out.push((field("name"), field("key")));
            }
            map.values().for_each(|v| secret_refs(v, out));
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| secret_refs(v, out)),
        _ => {}
    }
}

/// Resolves a Database's connection; errors are logged (never with the URI) and the Database
/// is left out until it can be resolved.
pub async fn database_resource(client: &Client, d: &Database) -> Option<Resource> {
    let namespace = d.namespace().unwrap_or_else(|| "default".into());
    let name = d.name_any();
    let spec: schemahero_schema::database::DatabaseSpec = match serde_json::to_value(&d.spec).and_then(serde_json::from_value) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(database = %format!("{namespace}/{name}"), error = %e, "invalid Database spec");
            return None;
        }
    };
    let mut refs = Vec::new();
    secret_refs(&d.spec.connection, &mut refs);
    let secrets: Api<Secret> = Api::namespaced(client.clone(), &namespace);
    let mut values: HashMap<(String, String), String> = HashMap::new();
    for (secret, key) in refs {
        match secrets.get_opt(&secret).await {
            Ok(Some(s)) => {
                let data = s.data.unwrap_or_default();
                if let Some(bytes) = data.get(&key) {
                    values.insert((secret.clone(), key.clone()), String::from_utf8_lossy(&bytes.0).into_owned());
                } else if let Some(text) = s.string_data.unwrap_or_default().get(&key) {
                    values.insert((secret.clone(), key.clone()), text.clone());
                }
            }
            Ok(None) => tracing::warn!(database = %format!("{namespace}/{name}"), secret = %secret, "Secret not found"),
            Err(e) => tracing::warn!(database = %format!("{namespace}/{name}"), secret = %secret, error = %e, "cannot read Secret"),
        }
    }
    let lookup = |s: &str, k: &str| values.get(&(s.to_string(), k.to_string())).cloned();
    match spec.resolve(&name, &|_| None, &lookup) {
        Ok((driver, uri)) => Some(Resource::Database(pb::Database {
            namespace,
            name,
            driver,
            uri,
            immediate_deploy: spec.immediate_deploy,
            deploy_seed_data: spec.deploy_seed_data,
            hazard_policy: spec.hazard_policy.clone().into_iter().collect(),
        })),
        Err(e) => {
            tracing::error!(database = %format!("{namespace}/{name}"), error = %e, "cannot resolve the connection");
            None
        }
    }
}
