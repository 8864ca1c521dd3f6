//! Database objects that are not tables: Functions, DatabaseExtensions and Views, as the services
//! carry them (a kind, a resource name and the spec as JSON) and plan them one at a time.

use crate::extension::{DatabaseExtensionSpec, ExtensionManifest};
use crate::function::{FunctionManifest, FunctionSpec};
use crate::parse::{OtherDocument, SpecError};
use crate::view::{ViewManifest, ViewSpec};

/// The kinds of object, as written in a manifest's `kind` and in a Migration's `resourceKind`.
pub const FUNCTION: &str = "Function";
pub const DATABASE_EXTENSION: &str = "DatabaseExtension";
pub const VIEW: &str = "View";

/// A Function, a DatabaseExtension or a View.
#[derive(Debug, Clone, PartialEq)]
pub enum SchemaObject {
    Function(FunctionManifest),
    Extension(ExtensionManifest),
    View(ViewManifest),
}

impl SchemaObject {
    /// Reads `spec_json` (the `spec:` of a `kind` resource named `name`) with the checks a
    /// manifest file gets; `source` names it in errors.
    pub fn from_spec_json(kind: &str, name: &str, namespace: &str, source: &str, spec_json: &str) -> Result<Self, SpecError> {
        let spec: serde_json::Value = serde_json::from_str(spec_json)
            .map_err(|e| SpecError::Document { file: source.to_string(), message: format!("the {kind} spec is not JSON: {e}") })?;
        let api_version = match kind {
            FUNCTION | DATABASE_EXTENSION | VIEW => "schemas.schemahero.io/v1alpha4",
            other => {
                return Err(SpecError::Document {
                    file: source.to_string(),
                    message: format!("kind {other:?} is not {FUNCTION}, {DATABASE_EXTENSION} or {VIEW}"),
                });
            }
        };
        let doc = OtherDocument {
            source: source.to_string(),
            api_version: api_version.to_string(),
            kind: kind.to_string(),
            name: Some(name.to_string()),
            value: serde_json::json!({ "metadata": { "name": name, "namespace": namespace }, "spec": spec }),
        };
        Self::from_document(&doc).unwrap_or_else(|| {
            Err(SpecError::Document { file: source.to_string(), message: format!("not a {kind} (apiVersion {api_version})") })
        })
    }

    /// A `kind: Function`, `DatabaseExtension` or `View` document; `None` for other kinds.
    pub fn from_document(doc: &OtherDocument) -> Option<Result<Self, SpecError>> {
        if let Some(f) = FunctionManifest::from_document(doc) {
            return Some(f.map(SchemaObject::Function));
        }
        if let Some(v) = ViewManifest::from_document(doc) {
            return Some(v.map(SchemaObject::View));
        }
        ExtensionManifest::from_document(doc).map(|e| e.map(SchemaObject::Extension))
    }

    pub fn kind(&self) -> &'static str {
        match self {
            SchemaObject::Function(_) => FUNCTION,
            SchemaObject::Extension(_) => DATABASE_EXTENSION,
            SchemaObject::View(_) => VIEW,
        }
    }

    /// The Database resource it belongs to.
    pub fn database(&self) -> &str {
        match self {
            SchemaObject::Function(f) => &f.spec.database,
            SchemaObject::Extension(e) => &e.spec.database,
            SchemaObject::View(v) => &v.spec.database,
        }
    }

    pub fn remove_on_deletion(&self) -> bool {
        match self {
            SchemaObject::Function(f) => f.spec.remove_on_deletion,
            SchemaObject::Extension(e) => e.spec.remove_on_deletion,
            // A View is dropped by `isDeleted`, as SchemaHero's Tables are.
            SchemaObject::View(_) => false,
        }
    }

    /// The name of the object in the database (the function's, the extension's, the view's).
    pub fn object_name(&self) -> String {
        match self {
            SchemaObject::Function(f) => f.spec.name.clone(),
            SchemaObject::Extension(e) => e.spec.postgres.as_ref().map(|p| p.name.clone()).unwrap_or_default(),
            SchemaObject::View(v) => v.spec.name.clone(),
        }
    }

    pub fn source(&self) -> &str {
        match self {
            SchemaObject::Function(f) => &f.source,
            SchemaObject::Extension(e) => &e.source,
            SchemaObject::View(v) => &v.source,
        }
    }

    /// The spec as JSON (what the services carry and a Migration keeps).
    pub fn spec_json(&self) -> Result<String, serde_json::Error> {
        match self {
            SchemaObject::Function(f) => serde_json::to_string::<FunctionSpec>(&f.spec),
            SchemaObject::Extension(e) => serde_json::to_string::<DatabaseExtensionSpec>(&e.spec),
            SchemaObject::View(v) => serde_json::to_string::<ViewSpec>(&v.spec),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_from_the_wire_are_checked_like_files() {
        let f = SchemaObject::from_spec_json(
            FUNCTION,
            "count-users",
            "app",
            "Function app/count-users",
            r#"{"database":"db","removeOnDeletion":true,"schema":{"postgres":{"return":"bigint","as":"SELECT 1"}}}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((f.kind(), f.database(), f.object_name().as_str(), f.remove_on_deletion()), (FUNCTION, "db", "count-users", true));
        let round =
            SchemaObject::from_spec_json(FUNCTION, "count-users", "app", "Function app/count-users", &f.spec_json().unwrap_or_default());
        assert_eq!(round.ok(), Some(f));

        let bad = SchemaObject::from_spec_json(
            FUNCTION,
            "f",
            "app",
            "Function app/f",
            r#"{"database":"db","schema":{"postgres":{"return":"int; drop table t","as":"SELECT 1"}}}"#,
        );
        assert!(matches!(bad, Err(SpecError::Field { ref field, .. }) if field == "spec.schema.postgres.return"), "{bad:?}");

        let ext =
            SchemaObject::from_spec_json(DATABASE_EXTENSION, "trgm", "app", "x", r#"{"database":"db","postgres":{"name":"pg_trgm"}}"#)
                .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((ext.kind(), ext.object_name().as_str(), ext.remove_on_deletion()), (DATABASE_EXTENSION, "pg_trgm", false));
        let unknown = SchemaObject::from_spec_json("Type", "v", "app", "Type app/v", "{}");
        assert!(matches!(unknown, Err(SpecError::Document { ref message, .. }) if message.contains("Type")), "{unknown:?}");

        let view = SchemaObject::from_spec_json(
            VIEW,
            "active-users",
            "app",
            "View app/active-users",
            r#"{"database":"db","schema":{"postgres":{"query":"SELECT id FROM users"}}}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((view.kind(), view.object_name().as_str(), view.remove_on_deletion()), (VIEW, "active-users", false));
        let round =
            SchemaObject::from_spec_json(VIEW, "active-users", "app", "View app/active-users", &view.spec_json().unwrap_or_default());
        assert_eq!(round.ok(), Some(view));
        let hostile = SchemaObject::from_spec_json(
            VIEW,
            "v",
            "app",
            "View app/v",
            r#"{"database":"db","schema":{"postgres":{"query":"SELECT 1; DROP TABLE users"}}}"#,
        );
        assert!(matches!(hostile, Err(SpecError::Field { ref field, .. }) if field == "spec.schema.postgres.query"), "{hostile:?}");
    }
}
