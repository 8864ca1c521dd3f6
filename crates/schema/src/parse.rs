//! Reading manifests: one or more YAML documents, each a full Kubernetes object
//! (`apiVersion/kind/metadata/spec`) or a bare Table spec.

use crate::spec::TableSpec;
use crate::validate;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// A Table read from a manifest, with where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct TableManifest {
    /// `file` or `file#N` for the N-th document of a multi-document file (1-based).
    pub source: String,
    pub metadata_name: Option<String>,
    pub namespace: Option<String>,
    pub spec: TableSpec,
}

/// A document that is not a Table (a Database, a Secret, …); callers decide what to do.
#[derive(Debug, Clone, PartialEq)]
pub struct OtherDocument {
    pub source: String,
    pub api_version: String,
    pub kind: String,
    pub name: Option<String>,
    pub value: Value,
}

impl OtherDocument {
    /// The document's `spec` as `T` when it is a `kind` of the API group `group`; `None` for
    /// other kinds. An error names the file, the object and the field.
    pub fn spec_of<T: serde::de::DeserializeOwned>(&self, group: &str, kind: &str) -> Option<Result<T, SpecError>> {
        if self.kind != kind || !self.api_version.strip_prefix(group).is_some_and(|rest| rest.starts_with('/')) {
            return None;
        }
        let spec = self.value.get("spec").cloned().unwrap_or(Value::Null);
        Some(serde_path_to_error::deserialize(spec).map_err(|e| self.field_error(&format!("spec.{}", e.path()), e.inner().to_string())))
    }

    /// An error about `field` of this document.
    pub fn field_error(&self, field: &str, message: String) -> SpecError {
        SpecError::Field { file: self.source.clone(), table: self.name.clone().unwrap_or_default(), field: field.to_string(), message }
    }

    pub fn namespace(&self) -> Option<String> {
        self.value.get("metadata").and_then(|m| m.get("namespace")).and_then(Value::as_str).map(str::to_string)
    }
}

#[derive(Debug, Clone, PartialEq)]
// Documents are parsed one at a time and consumed at once, so the size difference costs nothing.
#[allow(clippy::large_enum_variant)]
pub enum Document {
    Table(TableManifest),
    Other(OtherDocument),
}

/// Something accepted but worth telling the user about (e.g. a field we do not know).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub source: String,
    pub message: String,
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.source, self.message)
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SpecError {
    #[error("{file}: invalid YAML: {message}")]
    Yaml { file: String, message: String },
    #[error("{file}: {message}")]
    Document { file: String, message: String },
    #[error("{file}: table {table:?}: field {field}: {message}")]
    Field { file: String, table: String, field: String, message: String },
}

#[derive(Debug, Default)]
pub struct Parsed {
    pub documents: Vec<Document>,
    pub warnings: Vec<Warning>,
}

/// Parses every document in `text`. `source` names the file in errors and warnings.
pub fn parse_documents(source: &str, text: &str) -> Result<Parsed, SpecError> {
    // YAML 1.2 booleans only: a column named `y`, `no` or `on` stays a name.
    let options = serde_saphyr::options! { strict_booleans: true };
    let values: Vec<Value> = serde_saphyr::from_multiple_with_options(text, options)
        .map_err(|e| SpecError::Yaml { file: source.to_string(), message: first_line(&e.to_string()) })?;
    let many = values.len() > 1;
    let mut parsed = Parsed::default();
    for (index, value) in values.into_iter().enumerate() {
        let source = if many { format!("{source}#{}", index + 1) } else { source.to_string() };
        if value.is_null() {
            continue;
        }
        let document = parse_document(&source, value, &mut parsed.warnings)?;
        parsed.documents.push(document);
    }
    Ok(parsed)
}

fn parse_document(source: &str, value: Value, warnings: &mut Vec<Warning>) -> Result<Document, SpecError> {
    let Value::Object(object) = &value else {
        return Err(SpecError::Document { file: source.to_string(), message: "expected a mapping (a Table manifest or spec)".into() });
    };
    let is_object = object.contains_key("apiVersion") || object.contains_key("kind");
    if !is_object {
        let spec: TableSpec = deserialize_reporting(source, "spec", "", value, warnings)?;
        validate::validate_table(source, &spec, warnings)?;
        return Ok(Document::Table(TableManifest { source: source.to_string(), metadata_name: None, namespace: None, spec }));
    }

    let api_version = string_field(object, "apiVersion");
    let kind = string_field(object, "kind");
    let metadata = object.get("metadata");
    let name = metadata.and_then(|m| m.get("name")).and_then(Value::as_str).map(str::to_string);
    let namespace = metadata.and_then(|m| m.get("namespace")).and_then(Value::as_str).map(str::to_string);
    let is_table = kind == "Table" && api_version.starts_with("schemas.schemahero.io/");
    if !is_table {
        return Ok(Document::Other(OtherDocument { source: source.to_string(), api_version, kind, name, value }));
    }
    if api_version != "schemas.schemahero.io/v1alpha4" {
        warnings.push(Warning {
            source: source.to_string(),
            message: format!("apiVersion {api_version} read as schemas.schemahero.io/v1alpha4"),
        });
    }
    for key in object.keys() {
        if !matches!(key.as_str(), "apiVersion" | "kind" | "metadata" | "spec" | "status") {
            warnings.push(Warning { source: source.to_string(), message: format!("unknown field {key} ignored") });
        }
    }
    let Some(spec_value) = object.get("spec").cloned() else {
        return Err(SpecError::Field {
            file: source.to_string(),
            table: name.unwrap_or_default(),
            field: "spec".into(),
            message: "missing".into(),
        });
    };
    let table_hint = name.clone().unwrap_or_default();
    let mut spec: TableSpec = deserialize_reporting(source, "spec", &table_hint, spec_value, warnings)?;
    if spec.name.is_empty() {
        // SchemaHero falls back to the object's name when spec.name is empty.
        if let Some(n) = &name {
            spec.name = n.clone();
        }
    }
    validate::validate_table(source, &spec, warnings)?;
    Ok(Document::Table(TableManifest { source: source.to_string(), metadata_name: name, namespace, spec }))
}

/// Deserializes `value` as `T`, turning unknown fields into warnings and type errors into an
/// error that names the field path.
fn deserialize_reporting<T: DeserializeOwned>(
    source: &str,
    prefix: &str,
    table: &str,
    value: Value,
    warnings: &mut Vec<Warning>,
) -> Result<T, SpecError> {
    let mut unknown = Vec::new();
    let result: Result<T, _> = {
        let mut record = |path: serde_ignored::Path| unknown.push(path.to_string());
        let ignored = serde_ignored::Deserializer::new(value, &mut record);
        serde_path_to_error::deserialize(ignored)
    };
    match result {
        Ok(v) => {
            for path in unknown {
                // serde_ignored marks each Option layer with `?`; users think in field names.
                let path = path.replace(".?", "").replace("?.", "");
                warnings
                    .push(Warning { source: source.to_string(), message: format!("unknown field {} ignored", join_path(prefix, &path)) });
            }
            Ok(v)
        }
        Err(e) => Err(SpecError::Field {
            file: source.to_string(),
            table: table.to_string(),
            field: join_path(prefix, &e.path().to_string()),
            message: e.inner().to_string(),
        }),
    }
}

fn join_path(prefix: &str, path: &str) -> String {
    match (prefix.is_empty(), path == "." || path.is_empty()) {
        (true, _) => path.to_string(),
        (false, true) => prefix.to_string(),
        (false, false) => format!("{prefix}.{path}"),
    }
}

fn string_field(object: &serde_json::Map<String, Value>, key: &str) -> String {
    object.get(key).and_then(Value::as_str).unwrap_or_default().to_string()
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or_default().to_string()
}
