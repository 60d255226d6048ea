# shellcheck shell=bash
# The test suites scripts/test runs, and the summary it prints. Each run_* records its outcome in RESULTS
# ("name|PASSED or FAILED|detail") and returns 0 so that the next suite still runs.

RESULTS=()
record() { RESULTS+=("$1|$2|$3"); }

# target_dir: where cargo puts build output (honours CARGO_TARGET_DIR and cargo config).
target_dir() {
  cargo metadata --format-version 1 --no-deps --manifest-path "$REPO/Cargo.toml" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])'
}

# run_rust_tests ARGS...: `cargo nextest run --workspace --all-targets ARGS...`, output kept in a log.
run_rust_tests() {
  local log="$RUN_DIR/logs/nextest.log" rc=0
  note "cargo nextest run --workspace --all-targets $*"
  NEXTEST_STATUS_LEVEL="${NEXTEST_STATUS_LEVEL:-pass}" \
    cargo nextest run --manifest-path "$REPO/Cargo.toml" --workspace --all-targets --no-fail-fast \
    --tool-config-file "labelsync-scripts:$REPO/scripts/nextest.toml" "$@" 2>&1 | tee "$log" || rc=$?
  local sqlite postgres summary
  sqlite=$(grep -cE '^\s*PASS .*::sqlite$' "$log" || true)
  postgres=$(grep -cE '^\s*PASS .*::postgres$' "$log" || true)
  summary=$(grep -E '^\s*Summary \[' "$log" | tail -n 1 | sed 's/^ *//' || true)
  local detail="${summary:-no nextest summary (build failed?)}; passed on SQLite: $sqlite, on PostgreSQL: $postgres"
  if ((rc == 0)); then record "Rust tests (nextest)" PASSED "$detail"; else record "Rust tests (nextest)" FAILED "$detail"; fi
}

run_doc_tests() {
  local log="$RUN_DIR/logs/doctest.log"
  note "cargo test --doc --workspace"
  if run_quiet doctest cargo test --manifest-path "$REPO/Cargo.toml" --doc --workspace; then
    record "Rust doc tests" PASSED "$(doctest_counts "$log")"
  else
    record "Rust doc tests" FAILED "see $log"
  fi
}

doctest_counts() {
  awk '/^test result:/ { p += $4; f += $6 } END { printf "doc tests of all crates: %d passed, %d failed", p, f }' "$1"
}

# build_labelsync: builds the labelsync binary that the worker tests and the compat suite start
# ($LABELSYNC_BIN). Nextest builds test targets only, so without this they would find no binary.
LABELSYNC_BIN_BUILT=0
build_labelsync() {
  note "building the labelsync binary ($LABELSYNC_BIN)"
  if run_quiet build-labelsync cargo build --manifest-path "$REPO/Cargo.toml" -p labelsync-server --bin labelsync; then
    LABELSYNC_BIN_BUILT=1
  else
    record "labelsync binary" FAILED "cargo build -p labelsync-server failed; see $RUN_DIR/logs/build-labelsync.log"
  fi
}

# run_compat_suite: the label-studio-sdk suite in tests/compat against the freshly built $LABELSYNC_BIN.
run_compat_suite() {
  local log="$RUN_DIR/logs/compat.log" rc=0
  if ((!LABELSYNC_BIN_BUILT)); then
    record "SDK compat suite" FAILED "the labelsync binary did not build"
    return 0
  fi
  note "pytest tests/compat (label-studio-sdk against $LABELSYNC_BIN)"
  (cd "$REPO" && "$SDK_PYTHON" -m pytest tests/compat -q) 2>&1 | tee "$log" || rc=$?
  local last
  last=$(grep -E '(passed|failed|error|no tests ran)' "$log" | tail -n 1 | sed 's/^=* *//; s/ *=*$//' || true)
  case $rc in
  0) record "SDK compat suite" PASSED "$last" ;;
  10) record "SDK compat suite" FAILED "the labelsync server did not start; pytest printed why above" ;;
  5) record "SDK compat suite" FAILED "pytest collected no tests" ;;
  *) record "SDK compat suite" FAILED "pytest exit $rc: $last" ;;
  esac
}

# run_schema_fuzz DATABASE SECONDS: schemathesis against the built $LABELSYNC_BIN on a fresh DATABASE
# (sqlite or postgres) for SECONDS: no 5xx, no undocumented status, content type or body (tests/fuzz/run.py).
run_schema_fuzz() {
  local database=$1 seconds=$2 log="$RUN_DIR/logs/fuzz-$1.log" rc=0 name="Schema fuzz ($1)"
  if ((!LABELSYNC_BIN_BUILT)); then
    record "$name" FAILED "the labelsync binary did not build"
    return 0
  fi
  note "schemathesis for ${seconds}s against labelsync on $database"
  (cd "$REPO" && "$FUZZ_PYTHON" tests/fuzz/run.py --database "$database" --seconds "$seconds" \
    --report-dir "$RUN_DIR/fuzz-$database") 2>&1 | tee "$log" || rc=$?
  local last
  last=$(grep -E '^[0-9]+ (passed|failed)|test cases|Test cases|passed|failed' "$log" | tail -n 1 | sed 's/^=* *//; s/ *=*$//' || true)
  case $rc in
  0) record "$name" PASSED "${last:-no failures} (${seconds}s)" ;;
  10) record "$name" FAILED "the labelsync server did not start" ;;
  *) record "$name" FAILED "schemathesis exit $rc: ${last:-see $log}" ;;
  esac
}

# print_summary: one line per suite and per service; returns 1 when any suite failed.
print_summary() {
  local line name status detail failed=0
  printf '\n==================== labelsync test summary ====================\n'
  for line in "${RESULTS[@]}"; do
    IFS='|' read -r name status detail <<<"$line"
    printf '%-22s %-7s %s\n' "$name" "$status" "$detail"
    [[ $status == PASSED ]] || failed=1
  done
  if ((${#STARTED[@]})); then
    printf 'services:\n'
    printf '  %s\n' "${STARTED[@]}"
  fi
  ((!failed)) || printf 'logs (kept): %s\n' "$RUN_DIR/logs"
  return "$failed"
}
