#!/usr/bin/env bash
# Starts the watcher, planner and executor as separate processes on embedded SQLite, pointed at
# the Table specs in examples/tables (with a local SQLite Database manifest), then walks through
# the review flow with the CLI: list the planned migrations, describe one, approve them all, and
# list them again once executed. With --keep-running the services stay up (Ctrl-C stops them).
set -euo pipefail
cd "$(dirname "$0")/.."
keep_running=false
[ "${1:-}" = "--keep-running" ] && keep_running=true

cargo build --quiet -p schemahero-planner -p schemahero-watcher -p schemahero-executor -p kubectl-schemahero
bin=target/debug
work=target/services-demo
rm -rf "$work" && mkdir -p "$work/specs"
cp examples/tables/*.yaml "$work/specs/"
cat > "$work/specs/database.yaml" <<YAML
apiVersion: databases.schemahero.io/v1alpha4
kind: Database
metadata:
  name: my-database
  namespace: default
spec:
  deploySeedData: true
  connection:
    sqlite:
      dsn:
        value: $work/app.db
YAML

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

"$bin/schemahero-planner" --listen 127.0.0.1:0 --store "$work/planner.db" --drift-interval-secs 10 > "$work/planner.out" 2> "$work/planner.log" &
pids+=($!)
for _ in $(seq 1 100); do grep -q "listening on" "$work/planner.out" 2>/dev/null && break; sleep 0.1; done
planner="http://$(sed -n 's/^planner listening on //p' "$work/planner.out")"
echo "== planner on $planner (logs in $work/*.log)"
"$bin/schemahero-watcher" --planner "$planner" --spec-dir "$work/specs" 2> "$work/watcher.log" &
pids+=($!)
"$bin/schemahero-executor" --planner "$planner" --id executor-1 2> "$work/executor.log" &
pids+=($!)

cli() { "$bin/kubectl-schemahero" "$@" --planner "$planner"; }
for _ in $(seq 1 100); do [ "$(cli get migrations --phase Planned -o json | grep -c '"name"')" -ge 3 ] && break; sleep 0.2; done
echo "== kubectl schemahero get migrations"
cli get migrations
first=$(cli get migrations --phase Planned -o json | sed -n 's/^    "name": "\(.*\)",$/\1/p' | head -n1)
echo "== kubectl schemahero describe migration $first"
cli describe migration "$first"
for id in $(cli get migrations --phase Planned -o json | sed -n 's/^    "name": "\(.*\)",$/\1/p'); do
  cli approve migration "$id"
done
for _ in $(seq 1 100); do [ "$(cli get migrations --phase Executed -o json | grep -c '"name"')" -ge 3 ] && break; sleep 0.2; done
echo "== after approval"
cli get migrations
if $keep_running; then
  echo "== services running; try: $bin/kubectl-schemahero get migrations --planner $planner  (Ctrl-C stops)"
  wait
fi
