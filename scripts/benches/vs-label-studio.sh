#!/usr/bin/env bash
# Issue 16: labelsync vs Label Studio 1.23.2 on one in-memory S3: sync, re-sync, peak RSS, wrk.
#
# Installs label-studio==1.23.2 from PyPI into a venv under $LABELSYNC_CACHE (once, reused afterwards),
# starts one `labelsync-bench s3-serve` seeded with BENCH_LS_OBJECTS (default 10,000) blobs under
# images/ and as many task files under tasks/, and then, one server at a time, on the same endpoint:
#   blob rows: an S3 import storage on images/ with use_blob_urls=true, synced, then re-synced unchanged;
#   JSON rows: on tasks/ with use_blob_urls=false (every object fetched and parsed), the same; then,
#     with that server still up, `wrk` on GET /api/tasks/{id}/ (URIs rewritten to resolve URLs) and on
#     the resolve URL it returns (presign: a 303, not followed), 1 and 16 connections.
# labelsync: the release `serve` on a fresh SQLite database per row (lib/bench.sh). Label Studio: `label-studio
# start` (Django's server, as a pip install runs it) on a fresh copy of a data dir initialised once per run
# (SQLite, a user with a legacy API token), no Redis: Label Studio then syncs inside the POST request.
# Time is the same for both: from POST …/sync until GET …/storages/s3/{id} says `completed`. Peak RSS: the
# sum of VmHWM over the server's process tree, read after the re-sync. Rewrites `## Label Studio 1.23.2 side
# by side` in docs/benchmarks.md (BENCH_WRITE_DOCS=0: print only).
#
#   scripts/bench vs-label-studio     (or, with services up: LABELSYNC_BIN=… LABELSYNC_BENCH_BIN=… bash scripts/benches/vs-label-studio.sh)
#
# Env: LABELSYNC_BIN, LABELSYNC_BENCH_BIN (release builds; scripts/bench sets both), LABELSYNC_CACHE
# (default ~/.cache/labelsync), BENCH_LS_OBJECTS (default 10000), BENCH_LIST_LATENCY_MS (added to every
# listing page, default 0), BENCH_DURATION (wrk per row, default 10s).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/bench.sh"
: "${LABELSYNC_BENCH_BIN:?set LABELSYNC_BENCH_BIN to a release labelsync-bench binary (scripts/bench does)}"
N=${BENCH_LS_OBJECTS:-10000}
LATENCY=${BENCH_LIST_LATENCY_MS:-0}
DURATION=${BENCH_DURATION:-10s}
LS_VERSION=1.23.2
LABELSYNC_CACHE=${LABELSYNC_CACHE:-$HOME/.cache/labelsync}
AK=bench SK=bench-secret BUCKET=bench
LS_TOKEN=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')

if ! command -v wrk >/dev/null; then
  echo "installing wrk (Debian package)"
  apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
fi

# ensure_label_studio → LS_BIN: label-studio==LS_VERSION in its own venv, installed once (the `.complete`
# stamp is written last, as scripts/lib/install.sh does, so an interrupted install is redone).
ensure_label_studio() {
  local py dir
  py=$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')
  dir="$LABELSYNC_CACHE/label-studio-$LS_VERSION-py$py"
  LS_BIN=$dir/bin/label-studio
  [[ -f $dir/.complete ]] && return 0
  mkdir -p "$LABELSYNC_CACHE"
  exec 8>"$LABELSYNC_CACHE/.install.lock"
  flock 8
  if [[ ! -f $dir/.complete ]]; then
    echo "installing label-studio==$LS_VERSION from PyPI into $dir (once; a few minutes)"
    rm -rf "$dir"
    python3 -m venv "$dir" 2>/dev/null || { rm -rf "$dir" && apt-get install -y -qq python3-venv >/dev/null && python3 -m venv "$dir"; }
    "$dir/bin/pip" install --disable-pip-version-check --no-input "label-studio==$LS_VERSION" >"$BENCH_WORK/pip.log" 2>&1 ||
      { tail -n 30 "$BENCH_WORK/pip.log" >&2 && exit 1; }
    date -u +%FT%TZ >"$dir/.complete"
  fi
  flock -u 8
  exec 8>&-
}

# "${LS_ENV[@]}" VAR=… CMD…: CMD in a clean environment (nothing of scripts/test's leaks into Django's
# settings) with Label Studio's calls home (Sentry, the PyPI version check, analytics) off and SSRF
# protection off as for labelsync (the S3 endpoint is on loopback). An array, not a function: started
# with `&`, `env` then execs the server, so `$!` is the server's pid.
LS_ENV=(env -i PATH="$PATH" HOME="$HOME" LANG=C.UTF-8 SENTRY_DSN= FRONTEND_SENTRY_DSN= LATEST_VERSION_CHECK=false
  COLLECT_ANALYTICS=false SSRF_PROTECTION_ENABLED=false)

# A data dir with migrations applied and the user created, copied for each Label Studio run, so that no
# run's peak RSS includes the migrations.
init_label_studio_template() {
  LS_TEMPLATE="$BENCH_WORK/ls-template"
  local t0
  t0=$(now)
  "${LS_ENV[@]}" LABEL_STUDIO_BASE_DATA_DIR="$LS_TEMPLATE" "$LS_BIN" init --data-dir "$LS_TEMPLATE" --username bench@localhost \
    --password "bench-$LS_TOKEN" --user-token "$LS_TOKEN" --enable-legacy-api-token --log-level WARNING \
    >"$BENCH_WORK/ls-init.log" 2>&1 || { tail -n 40 "$BENCH_WORK/ls-init.log" >&2 && return 1; }
  echo "Label Studio $LS_VERSION data dir initialised in $(elapsed "$t0" "$(now)") s"
}

# start_label_studio: `label-studio start` on a fresh copy of the template; sets SERVER_PID, BASE, TOKEN
# like lib/bench.sh's start_server, so api, timed_sync, stop_server… work on it unchanged.
start_label_studio() {
  local port dir
  port=$(free_port)
  dir=$(mktemp -d "$BENCH_WORK/ls-data.XXXXXX")
  cp -a "$LS_TEMPLATE/." "$dir/"
  BASE="http://127.0.0.1:$port"
  TOKEN=$LS_TOKEN
  "${LS_ENV[@]}" LABEL_STUDIO_BASE_DATA_DIR="$dir" "$LS_BIN" start --no-browser --internal-host 127.0.0.1 --port "$port" --data-dir "$dir" \
    --log-level WARNING >"$BENCH_WORK/ls-$port.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 1200); do
    curl -sf "$BASE/health" >/dev/null 2>&1 && api "$BASE/api/current-user/whoami" >/dev/null && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "Label Studio did not start; log:" >&2
  tail -n 60 "$BENCH_WORK/ls-$port.log" >&2
  return 1
}

# tree_mb FIELD: FIELD of /proc/PID/status (VmHWM, VmRSS) summed over SERVER_PID and its descendants, MB.
tree_mb() {
  local pids=("$SERVER_PID") i=0 kid total=0 kb
  while ((i < ${#pids[@]})); do
    for kid in $(ps -o pid= --ppid "${pids[i]}" 2>/dev/null || true); do pids+=("$kid"); done
    i=$((i + 1))
  done
  for i in "${pids[@]}"; do
    kb=$(awk -v f="$1:" '$1 == f {print $2}' "/proc/$i/status" 2>/dev/null || true)
    total=$((total + ${kb:-0}))
  done
  awk -v kb="$total" 'BEGIN {printf "%.0f\n", kb / 1024}'
}

start_s3() {
  local t0
  t0=$(now)
  start_mem_s3 "$BENCH_WORK/s3.log" --blobs "$N" --json "$N" --list-latency-ms "$LATENCY"
  echo "in-memory S3 at $S3 ($LATENCY ms per listing page), $N blobs and $N task files, ready in $(elapsed "$t0" "$(now)") s"
}

storage_json() { # PROJECT PREFIX BLOB_MODE: the same body for both servers
  echo "{\"project\":$1,\"bucket\":\"$BUCKET\",\"prefix\":\"$2\",\"use_blob_urls\":$3,\"recursive_scan\":true,\"regex_filter\":\"\",\"presign\":true,\"presign_ttl\":15,\"s3_endpoint\":\"$S3\",\"region_name\":\"us-east-1\",\"aws_access_key_id\":\"$AK\",\"aws_secret_access_key\":\"$SK\"}"
}

# run_row SERVER KIND: one server (labelsync | label-studio) on one kind of storage (blob | json):
# start, project, storage, timed sync and re-sync with their checks, peak RSS; JSON rows then run wrk.
# Appends to SYNC_RESULTS and WRK_RESULTS.
SYNC_RESULTS=()
WRK_RESULTS=()
run_row() {
  local server=$1 kind=$2 project storage sync resync start_mb peak_mb prefix blob task resolve code
  case $server in
  labelsync) start_server "$(fresh_db sqlite vsls)" ;;
  label-studio) start_label_studio ;;
  esac
  start_mb=$(tree_mb VmRSS)
  project=$(create_project)
  if [[ $kind == blob ]]; then prefix=images/ blob=true; else prefix=tasks/ blob=false; fi
  storage=$(create_storage s3 "$(storage_json "$project" "$prefix" "$blob")")
  sync=$(timed_sync s3 "$storage")
  check "$N" "$(task_count "$project")" "$server, $kind: tasks after the sync"
  check "$N" "$(last_sync_count s3 "$storage")" "$server, $kind: last_sync_count"
  resync=$(timed_sync s3 "$storage")
  check "$N" "$(task_count "$project")" "$server, $kind: tasks after the re-sync"
  if [[ $server == labelsync ]]; then
    RESYNC_META=$(storage_meta s3 "$storage")
    check_unchanged_resync "$N" "$server, $kind"
  fi
  peak_mb=$(tree_mb VmHWM)
  echo "$server, $kind: $N tasks in $sync s = $(rate "$N" "$sync") tasks/s, re-sync $resync s, peak RSS $peak_mb MB (at start $start_mb MB)"
  SYNC_RESULTS+=("$server|$kind|$sync|$resync|$peak_mb|$start_mb")

  if [[ $kind == json ]]; then
    task=$(api "$BASE/api/tasks/?project=$project&page_size=1" | json "['tasks'][0]['id']")
    resolve=$(api "$BASE/api/tasks/$task/" | json "['data']['image']")
    [[ $resolve == /tasks/$task/resolve/?fileuri=* ]] || { echo "$server: task data not rewritten: $resolve" >&2 && return 1; }
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Token $TOKEN" "$BASE$resolve")
    [[ $code == 303 ]] || { echo "$server: resolve answered $code" >&2 && return 1; }
    local target name url c out median p99 rps errors
    for target in "GET /api/tasks/{id}/|$BASE/api/tasks/$task/" "GET /tasks/{id}/resolve/ (303)|$BASE$resolve"; do
      name=${target%%|*} url=${target#*|}
      for c in 1 16; do
        out=$(wrk_measure "$url" "$c")
        read -r median p99 rps errors <<<"$out"
        echo "$server: $name c=$c median $median ms, p99 $p99 ms, $rps req/s, $errors errors"
        WRK_RESULTS+=("$server|$name|$c|$median|$p99|$rps|$errors")
      done
    done
  fi
  stop_server
}

ensure_label_studio
init_label_studio_template
start_s3
for kind in blob json; do
  for server in labelsync label-studio; do
    run_row "$server" "$kind"
  done
done

# ratio A B: A/B as "N×" (one decimal under 10).
ratio() { python3 -c "import sys; r = float(sys.argv[1]) / max(float(sys.argv[2]), 1e-9); print(f'{r:.0f}×' if r >= 10 else f'{r:.1f}×')" "$1" "$2"; }
# result ARRAY_NAME KEY FIELD: field FIELD (1-based, after the key fields) of the row whose leading fields are KEY.
result() {
  local -n rows=$1
  local row
  for row in "${rows[@]}"; do
    [[ $row == "$2|"* ]] && { cut -d'|' -f"$3" <<<"$row"; return 0; }
  done
  echo "no result for $2" >&2
  return 1
}

SECTION="$BENCH_WORK/section.md"
{
  echo "## Label Studio 1.23.2 side by side"
  echo
  echo "Measured $(date -u +%Y-%m-%d) on $(machine_line); commit $(git -C "$BENCH_ROOT" rev-parse --short HEAD)."
  echo "Both servers on this machine, one after the other, against one \`labelsync-bench s3-serve\` on loopback"
  echo "seeded with $N blobs \`images/img-NNNNNNN.png\` and $N task files \`tasks/task-NNNNNNN.json\` ($LATENCY ms added"
  echo "per listing page; Label Studio's boto3 lists with ListObjects v1, labelsync with v2, 1,000 keys a page)."
  echo "labelsync: the release \`serve\` on a fresh SQLite database per row. Label Studio $LS_VERSION from PyPI:"
  echo "\`label-studio start\` (Django's server, as a pip install runs it) on a fresh copy of a data dir"
  echo "initialised once (SQLite, migrations done), no Redis, so it syncs inside the \`POST …/sync\` request"
  echo "(with Redis it would queue the same function on an RQ worker). Blob rows: an S3 import storage on"
  echo "\`images/\` with \`use_blob_urls=true\`; JSON rows: on \`tasks/\` with \`use_blob_urls=false\` (every object"
  echo "fetched and parsed). Sync time: from \`POST /api/storages/s3/{id}/sync\` until the storage reads"
  echo "\`completed\` (polled every 50 ms; the same client for both), task counts checked; re-sync: the unchanged"
  echo "storage synced again. Peak RSS: VmHWM summed over the server's process tree after the re-sync (one"
  echo "process each); *at start*: VmRSS once the server answered. The request rows run on the JSON row's server"
  echo "(its $N tasks), \`wrk -t2 -c16 -d$DURATION --timeout 10s --latency\` (\`-t1\` for one connection) on a task's"
  echo "\`GET /api/tasks/{id}/\`, whose \`s3://\` URI both rewrite to \`/tasks/{id}/resolve/?fileuri=…\`, and on that"
  echo "URL (presign: \`303\` to a signed URL, not followed); the load generator on the same 2 CPUs."
  echo
  echo '```'
  echo "scripts/bench vs-label-studio"
  echo '```'
  echo
  echo "Ratios, Label Studio ÷ labelsync (time and memory: how many times more Label Studio takes):"
  echo
  echo "| measure | blobs, use_blob_urls | task JSON files |"
  echo "|---|---|---|"
  for m in "sync time|3" "re-sync time|4" "peak RSS|5"; do
    label=${m%%|*} f=${m#*|}
    echo "| $label | $(ratio "$(result SYNC_RESULTS "label-studio|blob" "$f")" "$(result SYNC_RESULTS "labelsync|blob" "$f")") | $(ratio "$(result SYNC_RESULTS "label-studio|json" "$f")" "$(result SYNC_RESULTS "labelsync|json" "$f")") |"
  done
  echo
  echo "| request | connections | median latency, Label Studio ÷ labelsync | req/s, labelsync ÷ Label Studio |"
  echo "|---|---|---|---|"
  for name in "GET /api/tasks/{id}/" "GET /tasks/{id}/resolve/ (303)"; do
    for c in 1 16; do
      echo "| $name | $c | $(ratio "$(result WRK_RESULTS "label-studio|$name|$c" 4)" "$(result WRK_RESULTS "labelsync|$name|$c" 4)") | $(ratio "$(result WRK_RESULTS "labelsync|$name|$c" 6)" "$(result WRK_RESULTS "label-studio|$name|$c" 6)") |"
    done
  done
  echo
  echo "Raw numbers:"
  echo
  echo "| server | objects | count | sync s | tasks/s | re-sync s | peak RSS MB | RSS at start MB |"
  echo "|---|---|---|---|---|---|---|---|"
  for row in "${SYNC_RESULTS[@]}"; do
    IFS='|' read -r server kind sync resync peak start <<<"$row"
    [[ $kind == blob ]] && label="blobs, use_blob_urls" || label="task JSON files"
    [[ $server == labelsync ]] && who=labelsync || who="Label Studio $LS_VERSION"
    echo "| $who | $label | $N | $sync | $(rate "$N" "$sync") | $resync | $peak | $start |"
  done
  echo
  echo "| server | request | connections | median ms | p99 ms | req/s | errors |"
  echo "|---|---|---|---|---|---|---|"
  for row in "${WRK_RESULTS[@]}"; do
    IFS='|' read -r server name c median p99 rps errors <<<"$row"
    [[ $server == labelsync ]] && who=labelsync || who="Label Studio $LS_VERSION"
    echo "| $who | $name | $c | $median | $p99 | $rps | $errors |"
  done
} >"$SECTION"
cat "$SECTION"
write_section "Label Studio 1.23.2 side by side" "$SECTION"
