//! The SchemaHero watcher: reads Database and Table resources from a source (a directory of
//! manifests; Kubernetes later) and streams them to the planner over `ResourceService.StreamResources`.

pub mod directory;
pub mod entry;
pub mod kube_source;
pub mod source;
pub mod stream;

pub use directory::{DirectoryError, DirectorySource};
pub use kube_source::KubeSource;
pub use source::{Resource, ResourceKey, ResourceKind, ResourceSource, SourceEvent};
pub use stream::{StreamConfig, StreamError, run_stream, run_stream_with};
