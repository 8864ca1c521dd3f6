//! The Argo CD health checks in `deploy/argocd/health-checks.yaml`, run by a real Lua
//! interpreter (Argo CD's scripts are Lua 5.x) against sample Migrations and Tables in each
//! phase: what an Argo CD user sees for each.

use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::Command;

const LUA: &str = "lua5.4";

fn scripts() -> serde_json::Map<String, Value> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../deploy/argocd/health-checks.yaml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let config: Value = serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    config.get("data").and_then(Value::as_object).cloned().unwrap_or_else(|| panic!("{}: no data", path.display()))
}

/// A JSON value as a Lua table constructor (Argo CD hands the script the object as a table).
fn lua_value(v: &Value) -> String {
    match v {
        Value::Null => "nil".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => lua_string(s),
        Value::Array(items) => format!("{{{}}}", items.iter().map(lua_value).collect::<Vec<_>>().join(", ")),
        Value::Object(map) => {
            format!("{{{}}}", map.iter().map(|(k, v)| format!("[{}] = {}", lua_string(k), lua_value(v))).collect::<Vec<_>>().join(", "))
        }
    }
}

fn lua_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// (status, message) the script gives for `obj`.
fn health(script: &str, obj: &Value) -> (String, String) {
    let program = format!(
        "obj = {}\nlocal function check()\n{script}\nend\nlocal hs = check()\nio.write(hs.status, \"\\t\", hs.message or \"\")\n",
        lua_value(obj)
    );
    let out = Command::new(LUA)
        .args(["-e", &program])
        .output()
        .unwrap_or_else(|e| panic!("{LUA} is needed to test the Argo CD health checks (.ci/run installs it): {e}"));
    assert!(out.status.success(), "lua failed: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (status, message) = text.split_once('\t').unwrap_or((text.as_str(), ""));
    (status.to_string(), message.to_string())
}

fn migration(status: Value) -> Value {
    json!({
        "apiVersion": "schemas.schemahero.io/v1alpha4",
        "kind": "Migration",
        "metadata": {"name": "users-1a2b3c", "namespace": "default"},
        "spec": {"database": "db", "tableName": "users", "tableResource": "users", "plannedDdl": "ALTER TABLE \"users\" ADD COLUMN \"x\" integer;"},
        "status": status
    })
}

#[test]
fn migrations_in_each_phase() {
    let scripts = scripts();
    let script = scripts["resource.customizations.health.schemas.schemahero.io_Migration"].as_str().unwrap_or_default();
    let cases = [
        (
            json!({"phase": "Planned"}),
            "Progressing",
            "Planned for table users: waiting for approval (kubectl schemahero approve migration users-1a2b3c)",
        ),
        (json!({"phase": "Approved"}), "Progressing", "Approved: waiting for an executor"),
        (json!({"phase": "Approved", "waitingReason": "the fingerprint changed"}), "Progressing", "Approved: the fingerprint changed"),
        (json!({"phase": "Executing", "executor": "executor-0"}), "Progressing", "Executing on executor-0"),
        (json!({"phase": "Executed"}), "Healthy", "Executed"),
        (json!({"phase": "Rejected"}), "Degraded", "Rejected"),
        (json!({"phase": "Failed", "error": "statement 1 failed: \"x\" exists"}), "Degraded", "Failed: statement 1 failed: \"x\" exists"),
        (json!({"phase": "Superseded"}), "Healthy", "Superseded by a newer plan for table users"),
        (json!({}), "Progressing", "Waiting for the planner"),
        (json!({"phase": "Exploded"}), "Unknown", "Unknown phase Exploded"),
    ];
    for (status, want_status, want_message) in cases {
        let got = health(script, &migration(status.clone()));
        assert_eq!(got, (want_status.to_string(), want_message.to_string()), "status {status}");
    }
    // SchemaHero (Go)'s Migrations, kept as history: healthy whatever their phase.
    let legacy = json!({
        "apiVersion": "schemas.schemahero.io/v1alpha4",
        "kind": "Migration",
        "metadata": {"name": "abc"},
        "spec": {"tableName": "users", "generatedDDL": "alter table users add column x int"},
        "status": {"phase": "APPROVED", "approvedAt": 1700000000}
    });
    assert_eq!(health(script, &legacy), ("Healthy".into(), "Made by SchemaHero (Go), kept as history: APPROVED".into()));
}

#[test]
fn tables_planned_failing_and_waiting() {
    let scripts = scripts();
    let script = scripts["resource.customizations.health.schemas.schemahero.io_Table"].as_str().unwrap_or_default();
    let table = |status: Value| json!({"apiVersion": "schemas.schemahero.io/v1alpha4", "kind": "Table", "metadata": {"name": "users"}, "spec": {"database": "db", "name": "users"}, "status": status});
    let planned = json!({"conditions": [{"type": "Planned", "status": "True", "reason": "InSync"}, {"type": "Error", "status": "False", "reason": "Planned"}]});
    assert_eq!(health(script, &table(planned)), ("Healthy".into(), "Planned".into()));
    let failing = json!({"conditions": [{"type": "Planned", "status": "True"}, {"type": "Error", "status": "True", "reason": "PlanFailed", "message": "column type \"nope\" does not exist (attempt 3; retrying in 2.0 s)"}]});
    assert_eq!(
        health(script, &table(failing)),
        ("Degraded".into(), "column type \"nope\" does not exist (attempt 3; retrying in 2.0 s)".into())
    );
    assert_eq!(
        health(script, &table(json!({"lastPlannedTableSpecSHA": "abc"}))),
        ("Healthy".into(), "Planned".into()),
        "planned by SchemaHero (Go)"
    );
    assert_eq!(health(script, &table(json!({}))), ("Progressing".into(), "Waiting for the planner".into()));
    assert_eq!(
        health(script, &json!({"kind": "Table", "metadata": {"name": "t"}})),
        ("Progressing".into(), "Waiting for the planner".into()),
        "no status yet"
    );
}
