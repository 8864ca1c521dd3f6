#!/usr/bin/env bash
# The main job on embedded SQLite: plan the Table specs under examples/tables into a SQLite
# file, apply the plan, and show that planning again yields nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
db="${1:-target/example.db}"
cargo build --quiet --bin kubectl-schemahero
cli=target/debug/kubectl-schemahero
mkdir -p "$(dirname "$db")"
plan="$(mktemp)"
trap 'rm -f "$plan"' EXIT
echo "== plan (driver sqlite, database $db)"
"$cli" plan --driver sqlite --uri "$db" --spec-file examples/tables --seed-data --out "$plan"
cat "$plan"
echo "== apply"
"$cli" apply --driver sqlite --uri "$db" --ddl "$plan"
echo "== plan again (empty when the database matches the specs)"
"$cli" plan --driver sqlite --uri "$db" --spec-file examples/tables --seed-data
echo "== tables now in $db"
"$cli" generate --driver sqlite --uri "$db" --dbname my-database --output-dir target/example-generated
ls target/example-generated
