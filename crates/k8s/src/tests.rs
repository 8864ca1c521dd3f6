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
    assert_eq!(yaml.matches("status: {}").count(), 6, "status subresources on all six:\n{yaml}");
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

/// A Database as SchemaHero (Go) documents and writes it, with the fields this planner does
/// not use: they parse, and they survive a round trip through the Rust type.
#[test]
fn schemahero_databases_parse_with_every_field() {
    let database: Database = serde_saphyr::from_str(
        "apiVersion: databases.schemahero.io/v1alpha4\nkind: Database\nmetadata:\n  name: rds\n  namespace: app\nspec:\n  immediateDeploy: true\n  deploySeedData: true\n  enableShellCommand: true\n  schemahero:\n    image: schemahero/schemahero:0.17.0\n    nodeSelector:\n      pool: db\n  template:\n    metadata:\n      labels:\n        team: data\n  connection:\n    postgres:\n      host:\n        value: db.internal\n      port:\n        value: \"5432\"\n      user:\n        value: app\n      password:\n        valueFrom:\n          secretKeyRef:\n            name: pg\n            key: password\n      dbname:\n        value: app\n      sslmode:\n        value: require\nstatus:\n  isConnected: true\n  lastPing: \"2024-01-02T03:04:05Z\"\n",
    )
    .unwrap();
    assert!(database.spec.immediate_deploy && database.spec.deploy_seed_data && database.spec.enable_shell_command);
    assert_eq!(database.spec.schemahero.as_ref().unwrap()["nodeSelector"]["pool"], "db");
    assert_eq!(database.spec.template.as_ref().unwrap()["metadata"]["labels"]["team"], "data");
    assert_eq!(database.spec.connection["postgres"]["password"]["valueFrom"]["secretKeyRef"]["key"], "password");
    let status = database.status.clone().unwrap();
    assert_eq!((status.is_connected, status.last_ping.as_str()), (Some(true), "2024-01-02T03:04:05Z"));
    let again: Database = serde_json::from_value(serde_json::to_value(&database).unwrap()).unwrap();
    assert_eq!((again.spec, again.status), (database.spec, database.status));
}

#[test]
fn a_schemahero_table_keeps_its_planned_sha() {
    let table: Table = serde_saphyr::from_str(
        "apiVersion: schemas.schemahero.io/v1alpha4\nkind: Table\nmetadata:\n  name: users\nspec:\n  database: db\n  name: users\n  requires: [pgcrypto]\n  schema:\n    postgres:\n      columns:\n        - name: id\n          type: integer\nstatus:\n  lastPlannedTableSpecSHA: 0f1e2d\n",
    )
    .unwrap();
    assert_eq!(table.status.unwrap().last_planned_table_spec_sha, "0f1e2d");
    assert_eq!(table.spec.requires, vec!["pgcrypto"]);
}

/// Installing these CRDs over SchemaHero's must keep its objects valid and whole: SchemaHero's
/// Migration fields are declared, ours are not required, and every spec and status keeps the
/// fields a newer SchemaHero may add (the API server would prune them otherwise).
#[test]
fn crds_are_a_superset_of_schemaheros() {
    use kube::CustomResourceExt;
    let schema = |crd: k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition| {
        serde_json::to_value(crd).unwrap()["spec"]["versions"][0]["schema"]["openAPIV3Schema"].clone()
    };
    for (kind, root) in [("Database", schema(Database::crd())), ("Table", schema(Table::crd())), ("Migration", schema(Migration::crd()))] {
        for part in ["spec", "status"] {
            assert_eq!(root["properties"][part]["x-kubernetes-preserve-unknown-fields"], true, "{kind} {part} keeps unknown fields");
        }
    }
    let migration = schema(Migration::crd());
    let spec = &migration["properties"]["spec"];
    for field in ["databaseName", "tableName", "tableNamespace", "generatedDDL", "editedDDL"] {
        assert_eq!(spec["properties"][field]["type"], "string", "spec.{field}");
    }
    assert!(spec.get("required").is_none_or(|r| r.as_array().is_some_and(|r| r.is_empty())), "nothing required in spec: {spec}");
    let status = &migration["properties"]["status"]["properties"];
    for field in ["plannedAt", "approvedAt", "executedAt", "rejectedAt", "invalidatedAt"] {
        assert_eq!(status[field]["type"], "integer", "status.{field}");
    }
    let database = schema(Database::crd());
    for field in ["deploySeedData", "enableShellCommand", "schemahero", "template"] {
        assert!(database["properties"]["spec"]["properties"].get(field).is_some(), "Database spec.{field}");
    }
}

/// SchemaHero's own Function and DatabaseExtension manifests (its docs' examples) read as ours.
#[test]
fn schemaheros_function_and_extension_manifests_parse() {
    let function: Function = serde_saphyr::from_str(
        "apiVersion: schemas.schemahero.io/v1alpha4\nkind: Function\nmetadata:\n  name: count-users\nspec:\n  database: my-database\n  name: count_users\n  removeOnDeletion: true\n  schema:\n    postgres:\n      lang: PLpgSQL\n      return: bigint\n      as: |\n        BEGIN RETURN 1; END;\n",
    )
    .unwrap();
    assert_eq!((function.spec.name.as_str(), function.spec.remove_on_deletion), ("count_users", true));
    assert_eq!(function.spec.schema.as_ref().unwrap()["postgres"]["return"], "bigint");
    let extension: DatabaseExtension = serde_saphyr::from_str(
        "apiVersion: schemas.schemahero.io/v1alpha4\nkind: DatabaseExtension\nmetadata:\n  name: trgm\nspec:\n  database: my-database\n  postgres:\n    name: pg_trgm\n    version: \"1.6\"\nstatus:\n  phase: Applied\n  appliedAt: 1700000000\n  message: Extension successfully applied\n",
    )
    .unwrap();
    assert_eq!(extension.spec.postgres.as_ref().unwrap()["name"], "pg_trgm");
    assert_eq!(extension.status.as_ref().map(|s| (s.phase.as_str(), s.applied_at)), Some(("Applied", 1_700_000_000)));
    assert_eq!(finalizer_of("DatabaseExtension"), Some("databaseextensions.schemas.schemahero.io/finalizer"));
}

/// The watcher sends a Table's spec as JSON: a field of the spec itself must be declared to
/// survive that (those inside `schema` always do).
#[test]
fn a_table_renamed_from_another_keeps_renamed_from_in_its_spec_json() {
    let table: Table = serde_saphyr::from_str(
        "apiVersion: schemas.schemahero.io/v1alpha4\nkind: Table\nmetadata:\n  name: customers\nspec:\n  database: db\n  name: customers\n  renamedFrom: people\n  schema:\n    postgres:\n      columns:\n        - name: id\n          type: integer\n          renamedFrom: pk\n",
    )
    .unwrap();
    let json = serde_json::to_string(&table.spec).unwrap();
    assert!(json.contains("\"renamedFrom\":\"people\"") && json.contains("\"renamedFrom\":\"pk\""), "{json}");
}

/// SchemaHero's View manifest (its TimescaleDB section) and ours (plain sections) read as ours.
#[test]
fn schemaheros_view_manifests_parse() {
    let view: View = serde_saphyr::from_str(
        "apiVersion: schemas.schemahero.io/v1alpha4\nkind: View\nmetadata:\n  name: daily\nspec:\n  database: metrics\n  name: daily\n  requires: [events]\n  schema:\n    timescaledb:\n      isContinuousAggregate: true\n      withNoData: true\n      query: SELECT 1\n    postgres:\n      query: SELECT 2\n      isDeleted: true\nstatus:\n  lastPlannedViewSpecSHA: abc\n",
    )
    .unwrap();
    assert_eq!((view.spec.name.as_str(), view.spec.requires.as_slice()), ("daily", &["events".to_string()][..]));
    let schema = view.spec.schema.as_ref().unwrap();
    assert_eq!(
        (schema["timescaledb"]["isContinuousAggregate"].as_bool(), schema["postgres"]["isDeleted"].as_bool()),
        (Some(true), Some(true))
    );
    assert_eq!(finalizer_of("View"), None, "a View is dropped by isDeleted, never held");
}
