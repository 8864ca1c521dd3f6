use super::*;

#[test]
fn deploy_crds_match_the_rust_types() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/crds");
    for (name, yaml) in crd_files().unwrap() {
        let on_disk = std::fs::read_to_string(dir.join(&name)).unwrap_or_default();
        assert!(
            on_disk == yaml,
            "deploy/crds/{name} differs from the Rust types; run `cargo run -p schemahero-k8s --bin schemahero-crdgen`"
        );
    }
}

#[test]
fn crds_have_status_printer_columns_and_no_cel() {
    let yaml = crds_yaml().unwrap();
    assert_eq!(yaml.matches("status: {}").count(), 3, "status subresources on all three:\n{yaml}");
    for column in ["Database", "Table", "Phase", "Age"] {
        assert!(yaml.contains(&format!("name: {column}")), "{column} printer column");
    }
    assert!(!yaml.contains("x-kubernetes-validations"), "no CEL rules: the test server is Kubernetes 1.20");
}

#[test]
fn the_guides_manifests_parse() {
    let database: Database = serde_saphyr::from_str(
        "apiVersion: databases.schemahero.io/v1alpha4\nkind: Database\nmetadata:\n  name: my-database\n  namespace: default\nspec:\n  connection:\n    postgres:\n      uri:\n        valueFrom:\n          secretKeyRef:\n            name: postgres-secret\n            key: uri\n",
    )
    .unwrap();
    assert_eq!(database.spec.connection["postgres"]["uri"]["valueFrom"]["secretKeyRef"]["name"], "postgres-secret");
    let table: Table = serde_saphyr::from_str(
        "apiVersion: schemas.schemahero.io/v1alpha4\nkind: Table\nmetadata:\n  name: users\n  namespace: default\nspec:\n  database: my-database\n  name: users\n  schema:\n    postgres:\n      primaryKey: [id]\n      columns:\n        - name: id\n          type: uuid\n          default: gen_random_uuid()\n",
    )
    .unwrap();
    assert_eq!(table.spec.database, "my-database");
    assert_eq!(table.spec.schema.as_ref().unwrap()["postgres"]["primaryKey"][0], "id");
}
