//! Turning one manifest file into resources. Errors never carry a connection URI.

use crate::source::Resource;
use schemahero_proto::v1::{Database, SchemaObject, Table};
use schemahero_schema::database::{ConnectionError, DatabaseManifest};
use schemahero_schema::{Document, SpecError, parse_documents};
use std::path::Path;
use tracing::{debug, warn};

/// Why a file produced no resources this time. Never carries a connection URI.
#[derive(Debug, thiserror::Error)]
pub(super) enum FileError {
    #[error("cannot read: {0}")]
    Read(std::io::Error),
    #[error("{0}")]
    Spec(SpecError),
    #[error("{0}")]
    Connection(ConnectionError),
    #[error("{document}: table has no name (metadata.name or spec.name)")]
    UnnamedTable { document: String },
    #[error("{document}: {kind} has no metadata.name")]
    UnnamedObject { document: String, kind: String },
    #[error("{document}: cannot encode the spec as JSON: {error}")]
    Json { document: String, error: serde_json::Error },
    #[error("{document}: Database {database}: {error}")]
    Policy { document: String, database: String, error: schemahero_plan::policy::PolicyError },
}

/// The resources one file defines. Any error rejects the whole file: applying half of an edit
/// could hand the planner a table without the database change made alongside it.
pub(super) fn parse_file(path: &Path, text: &str) -> Result<Vec<Resource>, FileError> {
    let parsed = parse_documents(&path.display().to_string(), text).map_err(FileError::Spec)?;
    for warning in &parsed.warnings {
        warn!(file = %warning.source, "{}", warning.message);
    }
    let mut resources = Vec::new();
    for document in parsed.documents {
        match document {
            Document::Table(manifest) => {
                let name = manifest.metadata_name.clone().filter(|n| !n.is_empty()).unwrap_or_else(|| manifest.spec.name.clone());
                if name.is_empty() {
                    return Err(FileError::UnnamedTable { document: manifest.source });
                }
                let spec_json =
                    serde_json::to_string(&manifest.spec).map_err(|error| FileError::Json { document: manifest.source.clone(), error })?;
                resources.push(Resource::Table(Table {
                    namespace: namespace(manifest.namespace),
                    name,
                    source: manifest.source,
                    spec_json,
                }));
            }
            Document::Other(other) => match DatabaseManifest::from_document(&other) {
                None => match schemahero_schema::object::SchemaObject::from_document(&other) {
                    None => {
                        debug!(file = %other.source, kind = %other.kind, "skipping a document that is not a Table, Database, Function, DatabaseExtension or View")
                    }
                    Some(Err(e)) => return Err(FileError::Spec(e)),
                    Some(Ok(object)) => resources.push(object_resource(&other, &object)?),
                },
                Some(Err(e)) => return Err(FileError::Spec(redact_spec_error(e))),
                Some(Ok(manifest)) => {
                    // Checked here too, so that the error names the file (the planner checks again).
                    let entries = manifest.spec.hazard_policy.iter().map(|(k, v)| (k.as_str(), v.as_str()));
                    if let Err(error) = schemahero_plan::policy::HazardPolicy::from_entries("spec.hazardPolicy", entries) {
                        return Err(FileError::Policy { document: manifest.source, database: manifest.name, error });
                    }
                    let (driver, uri) = manifest
                        .spec
                        .resolve(&manifest.name, &|variable| std::env::var(variable).ok(), &|_, _| None)
                        .map_err(FileError::Connection)?;
                    resources.push(Resource::Database(Database {
                        namespace: namespace(manifest.namespace),
                        name: manifest.name,
                        driver,
                        uri,
                        immediate_deploy: manifest.spec.immediate_deploy,
                        deploy_seed_data: manifest.spec.deploy_seed_data,
                        hazard_policy: manifest.spec.hazard_policy.into_iter().collect(),
                    }));
                }
            },
        }
    }
    Ok(resources)
}

/// A Function, DatabaseExtension or View document as the planner receives it (named by its
/// metadata.name, as in Kubernetes).
fn object_resource(
    doc: &schemahero_schema::OtherDocument,
    object: &schemahero_schema::object::SchemaObject,
) -> Result<Resource, FileError> {
    let name = doc
        .name
        .clone()
        .filter(|n| !n.is_empty())
        .ok_or_else(|| FileError::UnnamedObject { document: doc.source.clone(), kind: doc.kind.clone() })?;
    let spec_json = object.spec_json().map_err(|error| FileError::Json { document: doc.source.clone(), error })?;
    Ok(Resource::Object(SchemaObject {
        kind: object.kind().to_string(),
        namespace: namespace(doc.namespace()),
        name,
        source: doc.source.clone(),
        spec_json,
        deleting: false,
    }))
}

fn namespace(namespace: Option<String>) -> String {
    namespace.filter(|n| !n.is_empty()).unwrap_or_else(|| "default".to_string())
}

/// serde quotes the offending value in type errors (`invalid type: string "postgres://u:pw@…"`),
/// and in a Database document that value may well be a connection URI.
fn redact_spec_error(error: SpecError) -> SpecError {
    match error {
        SpecError::Field { file, table, field, message } => SpecError::Field { file, table, field, message: redact_quoted(&message) },
        other => other,
    }
}

pub(super) fn redact_quoted(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut open: Option<char> = None;
    for c in message.chars() {
        match open {
            Some(q) if c == q => {
                out.push_str("<redacted>");
                out.push(c);
                open = None;
            }
            Some(_) => {}
            None => {
                out.push(c);
                if c == '"' || c == '`' {
                    open = Some(c);
                }
            }
        }
    }
    if open.is_some() {
        out.push_str("<redacted>");
    }
    out
}
