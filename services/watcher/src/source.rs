//! Where resources come from. The watcher only needs a stream of full listings and changes, so a
//! directory of manifests today and a Kubernetes informer later implement the same trait.

use schemahero_proto::v1::{Database, ResourceRef, SchemaObject, SchemaObjectRef, Table, stream_resources_request};
use std::fmt;
use std::future::Future;

/// The kind of a resource. Databases order before Tables so that a planner receiving events in
/// key order learns about a database before the tables that name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ResourceKind {
    Database,
    Table,
    Function,
    DatabaseExtension,
    View,
}

impl ResourceKind {
    /// The kind of a Function, DatabaseExtension or View by its name; `None` for anything else.
    pub fn of_object(kind: &str) -> Option<Self> {
        match kind {
            schemahero_schema::object::FUNCTION => Some(ResourceKind::Function),
            schemahero_schema::object::DATABASE_EXTENSION => Some(ResourceKind::DatabaseExtension),
            schemahero_schema::object::VIEW => Some(ResourceKind::View),
            _ => None,
        }
    }
}

impl fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ResourceKind::Database => "Database",
            ResourceKind::Table => "Table",
            ResourceKind::Function => "Function",
            ResourceKind::DatabaseExtension => "DatabaseExtension",
            ResourceKind::View => "View",
        })
    }
}

/// Identifies a resource: `(kind, namespace, name)`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResourceKey {
    pub kind: ResourceKind,
    pub namespace: String,
    pub name: String,
}

impl ResourceKey {
    pub fn new(kind: ResourceKind, namespace: impl Into<String>, name: impl Into<String>) -> Self {
        ResourceKey { kind, namespace: namespace.into(), name: name.into() }
    }

    /// The delete event the planner understands for this key.
    pub fn delete_event(&self) -> stream_resources_request::Event {
        let reference = ResourceRef { namespace: self.namespace.clone(), name: self.name.clone() };
        match self.kind {
            ResourceKind::Database => stream_resources_request::Event::DeleteDatabase(reference),
            ResourceKind::Table => stream_resources_request::Event::DeleteTable(reference),
            ResourceKind::Function | ResourceKind::DatabaseExtension | ResourceKind::View => {
                stream_resources_request::Event::DeleteObject(SchemaObjectRef {
                    kind: self.kind.to_string(),
                    namespace: self.namespace.clone(),
                    name: self.name.clone(),
                })
            }
        }
    }
}

impl fmt::Display for ResourceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}/{}", self.kind, self.namespace, self.name)
    }
}

/// A resource as the planner receives it. A Database carries its resolved connection URI.
#[derive(Clone, PartialEq)]
pub enum Resource {
    Database(Database),
    Table(Table),
    /// A Function, DatabaseExtension or View.
    Object(SchemaObject),
}

impl Resource {
    pub fn key(&self) -> ResourceKey {
        match self {
            Resource::Database(d) => ResourceKey::new(ResourceKind::Database, &d.namespace, &d.name),
            Resource::Table(t) => ResourceKey::new(ResourceKind::Table, &t.namespace, &t.name),
            // Objects are only made with a known kind; an unknown one sorts with Functions.
            Resource::Object(o) => {
                ResourceKey::new(ResourceKind::of_object(&o.kind).unwrap_or(ResourceKind::Function), &o.namespace, &o.name)
            }
        }
    }

    /// The upsert event the planner understands for this resource.
    pub fn upsert_event(&self) -> stream_resources_request::Event {
        match self {
            Resource::Database(d) => stream_resources_request::Event::UpsertDatabase(d.clone()),
            Resource::Table(t) => stream_resources_request::Event::UpsertTable(t.clone()),
            Resource::Object(o) => stream_resources_request::Event::UpsertObject(o.clone()),
        }
    }
}

// Hand-written so that a `{:?}` anywhere (logs, test failures) never prints a connection URI,
// which usually holds a password.
impl fmt::Debug for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Resource::Database(d) => f
                .debug_struct("Database")
                .field("namespace", &d.namespace)
                .field("name", &d.name)
                .field("driver", &d.driver)
                .field("uri", &"<redacted>")
                .field("immediate_deploy", &d.immediate_deploy)
                .field("deploy_seed_data", &d.deploy_seed_data)
                .field("hazard_policy", &d.hazard_policy)
                .finish(),
            Resource::Table(t) => f
                .debug_struct("Table")
                .field("namespace", &t.namespace)
                .field("name", &t.name)
                .field("source", &t.source)
                .field("spec_json", &t.spec_json)
                .finish(),
            Resource::Object(o) => f
                .debug_struct(&o.kind)
                .field("namespace", &o.namespace)
                .field("name", &o.name)
                .field("source", &o.source)
                .field("spec_json", &o.spec_json)
                .field("deleting", &o.deleting)
                .finish(),
        }
    }
}

/// What a source reports.
#[derive(Debug, Clone, PartialEq)]
pub enum SourceEvent {
    /// Every resource the source currently knows; anything not listed no longer exists.
    Snapshot(Vec<Resource>),
    /// A resource appeared or changed.
    Upsert(Resource),
    /// A resource disappeared.
    Delete(ResourceKey),
}

/// A source of Database, Table, Function and DatabaseExtension resources.
///
/// Contract: the first event is a `Snapshot` (the watcher does not tell the planner anything
/// before it, because a resync with a partial listing would make the planner forget
/// resources). Later `Snapshot`s are allowed (e.g. a Kubernetes relist) and replace everything.
/// Transient errors are the source's business: log them and keep going. `None` means the source
/// has ended for good.
pub trait ResourceSource: Send + 'static {
    fn next(&mut self) -> impl Future<Output = Option<SourceEvent>> + Send;
}
