#!/usr/bin/env bash
# Runs every fuzz target for SECONDS_PER_TARGET (default 60), one job each, and prints per
# target the executions libFuzzer made and the crashes it saved.
#
#   fuzz/run.sh [SECONDS_PER_TARGET] [TARGET…]
#
# cargo fuzz needs nightly compiler flags; only the stable toolchain is installed, so
# RUSTC_BOOTSTRAP=1 is set here, for this build alone (never for the workspace).
# CARGO_TARGET_DIR defaults to /work/target-fuzz. Corpora live in fuzz/corpus/<target>
# (seeded from the repository's specs and SQL on every run), crashes in fuzz/artifacts/<target>,
# logs in fuzz/logs/<target>.log.
set -euo pipefail

FUZZ_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(dirname "$FUZZ_DIR")"
SECONDS_PER_TARGET="${1:-60}"
shift || true
export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/work/target-fuzz}"
NICE="${FUZZ_NICE:-nice -n 19}"

ALL_TARGETS=(spec_parser normalize_postgres normalize_mysql normalize_sqlite default_classifier sql_splitter uri_dsn)
if [ "$#" -gt 0 ]; then TARGETS=("$@"); else TARGETS=("${ALL_TARGETS[@]}"); fi

cd "$FUZZ_DIR"
FLAGS=(--fuzz-dir "$FUZZ_DIR" -s none --codegen-units 16)
command -v cargo-fuzz >/dev/null || { echo "cargo-fuzz missing: cargo install cargo-fuzz --locked" >&2; exit 2; }

# Seeds from the repository (copied by content hash, so re-runs add nothing twice).
seed() { # target, files…
    local target="$1"; shift
    mkdir -p "corpus/$target"
    for f in "$@"; do
        [ -f "$f" ] && [ "$(stat -c %s "$f")" -le 65536 ] || continue
        cp "$f" "corpus/$target/seed-$(sha1sum "$f" | cut -c1-16)"
    done
}
shopt -s nullglob
seed spec_parser "$REPO"/examples/tables/*.yaml "$REPO"/examples/databases/*.yaml "$REPO"/integration/cases/*/*/spec.yaml
seed sql_splitter "$REPO"/integration/cases/*/*/*.sql
for t in "${ALL_TARGETS[@]}"; do mkdir -p "corpus/$t" "seeds/$t" "artifacts/$t" "logs"; done

# One build for all targets: release with debug assertions and overflow checks (cargo fuzz's
# default), no sanitizer (the code under test is safe Rust; panics are the crashes we look for).
$NICE cargo fuzz build "${FLAGS[@]}" 2>&1 | tail -n 3

printf '\n%-20s %8s %14s %10s %8s\n' target seconds executions exec/s crashes
for t in "${TARGETS[@]}"; do
    log="logs/$t.log"
    before=$(find "artifacts/$t" -type f | wc -l)
    started=$SECONDS
    # -fork/-jobs off: one process. Crashes stop the run; the artifact is kept.
    $NICE cargo fuzz run "${FLAGS[@]}" "$t" "$FUZZ_DIR/corpus/$t" "$FUZZ_DIR/seeds/$t" -- \
        -max_total_time="$SECONDS_PER_TARGET" -print_final_stats=1 -max_len=4096 -timeout=10 \
        -artifact_prefix="$FUZZ_DIR/artifacts/$t/" >"$log" 2>&1 || true
    after=$(find "artifacts/$t" -type f | wc -l)
    elapsed=$((SECONDS - started))
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -n1)
    [ -n "$execs" ] || execs=$(grep -o '^#[0-9]*' "$log" | tr -d '#' | tail -n1)
    rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -n1)
    printf '%-20s %8s %14s %10s %8s\n' "$t" "$elapsed" "${execs:-?}" "${rate:-?}" "$((after - before))"
    if [ "$after" -gt "$before" ]; then
        grep -m1 -A3 -E 'panicked at|ERROR: libFuzzer' "$log" | sed 's/^/    /' || true
    fi
done
