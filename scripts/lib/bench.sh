# Helpers for scripts/benches/*.sh (sourced): a release server per run on a fresh database,
# REST calls, a timed sync, peak RSS, and the docs/benchmarks.md section writer.
#
# Needs LABELSYNC_BIN (release) and, for PostgreSQL runs, TEST_DATABASE_URL (scripts/test).

BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
: "${LABELSYNC_BIN:?set LABELSYNC_BIN to a release labelsync binary (scripts/bench does)}"
BENCH_WORK=$(mktemp -d "${TMPDIR:-/tmp}/labelsync-bench.XXXXXX")
SERVER_PID=
BENCH_PIDS=()

bench_cleanup() {
  stop_server
  local pid
  for pid in "${BENCH_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  # The PostgreSQL databases fresh_db made (named in a file: fresh_db runs in a subshell).
  local db
  if [[ -f $BENCH_WORK/pg-databases ]]; then
    while read -r db; do
      psql -q "$TEST_DATABASE_URL" -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
    done <"$BENCH_WORK/pg-databases"
  fi
  rm -rf "$BENCH_WORK"
}
trap bench_cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
now() { date +%s.%N; }
elapsed() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$1" "$2"; }
rate() { python3 -c "import sys; print(f'{float(sys.argv[1]) / float(sys.argv[2]):.0f}')" "$1" "$2"; }

# fresh_db sqlite|postgres NAME: prints a DATABASE_URL nobody has used yet.
fresh_db() {
  local kind=$1 name="bench_${2}_$$_$RANDOM"
  case $kind in
  sqlite) echo "sqlite://$BENCH_WORK/$name.db?mode=rwc" ;;
  postgres)
    : "${TEST_DATABASE_URL:?PostgreSQL runs need TEST_DATABASE_URL (run under scripts/bench)}"
    psql -q "$TEST_DATABASE_URL" -c "CREATE DATABASE $name" >/dev/null
    echo "$name" >>"$BENCH_WORK/pg-databases"
    python3 -c 'import sys, urllib.parse as u; p=u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/"+sys.argv[2])))' \
      "$TEST_DATABASE_URL" "$name"
    ;;
  esac
}

# start_server DATABASE_URL: a release `serve` (API + in-process workers) with the caller's
# exported settings; sets SERVER_PID, BASE, TOKEN.
start_server() {
  local port
  port=$(free_port)
  BASE="http://127.0.0.1:$port"
  TOKEN=$(head -c 20 /dev/urandom | od -An -tx1 | tr -d ' \n')
  DATABASE_URL=$1 LABELSYNC_SECRET_KEY=bench-secret-key-of-at-least-32-bytes LABELSYNC_BIND="127.0.0.1:$port" \
    LABELSYNC_ADMIN_TOKEN=$TOKEN SSRF_PROTECTION_ENABLED=false LABELSYNC_LOG=${LABELSYNC_LOG:-warn} \
    LABELSYNC_JOB_POLL_MS=${LABELSYNC_JOB_POLL_MS:-100} \
    "$LABELSYNC_BIN" serve >"$BENCH_WORK/server-$port.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 200); do curl -sf "$BASE/health" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "the server did not start; log:" >&2
  cat "$BENCH_WORK/server-$port.log" >&2
  return 1
}

stop_server() {
  if [[ -n $SERVER_PID ]]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  SERVER_PID=
}

# start_mem_s3 LOG S3_SERVE_FLAGS...: a `labelsync-bench s3-serve` endpoint with the caller's AK, SK and
# BUCKET and the given seeding and latency flags, logging to LOG; sets S3 (its URL) and S3_PID. Call it
# in the script's own shell, not in $(…): the cleanup stops what BENCH_PIDS lists.
start_mem_s3() {
  : "${LABELSYNC_BENCH_BIN:?set LABELSYNC_BENCH_BIN to a release labelsync-bench binary (scripts/bench does)}"
  local log=$1
  shift
  "$LABELSYNC_BENCH_BIN" s3-serve --access-key "$AK" --secret-key "$SK" --bucket "$BUCKET" "$@" >"$log" 2>&1 &
  S3_PID=$!
  BENCH_PIDS+=("$S3_PID")
  S3=
  for _ in $(seq 1 1200); do
    S3=$(sed -n 's/^listening on //p' "$log")
    [[ -n $S3 ]] && return 0
    kill -0 "$S3_PID" 2>/dev/null || { cat "$log" >&2 && return 1; }
    sleep 0.1
  done
  echo "the in-memory S3 server did not start" >&2
  return 1
}

# wrk_measure URL CONNECTIONS: "median_ms p99_ms req_per_s errors" for URL under `wrk` for DURATION
# (errors: non-2xx/3xx answers plus socket errors, timeouts included), as the caller's TOKEN.
wrk_measure() {
  local out
  out=$(wrk -t "$(($2 < 2 ? 1 : 2))" -c "$2" -d "$DURATION" --timeout 10s --latency \
    -H "Authorization: Token $TOKEN" "$1")
  python3 - "$out" <<'PY'
import re, sys
out = sys.argv[1]
def ms(label):
    m = re.search(r"^\s*" + label + r"%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    value, unit = float(m.group(1)), m.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
errors = (int(bad.group(1)) if bad else 0) + (sum(int(g) for g in sock.groups()) if sock else 0)
print(f"{ms('50'):.2f} {ms('99'):.2f} {rps:.1f} {errors}")
PY
}

api() { curl -sS --fail-with-body -H "Authorization: Token $TOKEN" -H 'Content-Type: application/json' "$@"; }

# create_project: prints the id of a project whose label config reads $image.
create_project() {
  api -X POST "$BASE/api/projects/" \
    -d '{"title":"bench","label_config":"<View><Image name=\"image\" value=\"$image\"/></View>"}' | json "['id']"
}

# create_storage TYPE JSON: prints the new import storage's id.
create_storage() { api -X POST "$BASE/api/storages/$1/" -d "$2" | json "['id']"; }

# timed_sync TYPE ID: starts a sync, waits for `completed`, prints the seconds it took. The poll
# (every 50 ms) reads the status with a bash regex, not a Python process: on a 2-CPU machine,
# spawning Python 20 times a second took a fifth of the CPU the sync being timed needed.
timed_sync() {
  local type=$1 id=$2 start status body
  start=$(now)
  api -X POST "$BASE/api/storages/$type/$id/sync" >/dev/null
  while :; do
    body=$(api "$BASE/api/storages/$type/$id")
    [[ $body =~ \"status\":\ ?\"([a-z_]+)\" ]] && status=${BASH_REMATCH[1]} || status=
    case $status in
    completed) break ;;
    failed | completed_with_errors)
      echo "sync of $type/$id ended $status: $(api "$BASE/api/storages/$type/$id")" >&2
      return 1
      ;;
    esac
    sleep 0.05
  done
  elapsed "$start" "$(now)"
}

last_sync_count() { api "$BASE/api/storages/$1/$2" | json ".get('last_sync_count')"; }
# storage_meta TYPE ID: the storage's `meta` as JSON (the counters of its latest sync).
storage_meta() { api "$BASE/api/storages/$1/$2" | python3 -c 'import json, sys; print(json.dumps(json.load(sys.stdin).get("meta") or {}))'; }
# meta_value META_JSON KEY: one counter of storage_meta's output (None when absent).
meta_value() { json ".get('$2')" <<<"$1"; }
task_count() { api "$BASE/api/projects/$1/" | json "['task_number']"; }

# peak_rss_mb: the server's VmHWM so far, in MB.
peak_rss_mb() { awk '/^VmHWM:/ {printf "%.0f\n", $2 / 1024}' "/proc/$SERVER_PID/status"; }

# check EXPECTED ACTUAL WHAT: fails the benchmark when a count is off.
check() { [[ $1 == "$2" ]] || { echo "$3: expected $1, got $2" >&2; return 1; }; }

# met VALUE OP TARGET: "met" or "**not met**" (OP is ge or lt).
met() {
  python3 -c "import sys; v,t=float(sys.argv[1]),float(sys.argv[3]); ok = v>=t if sys.argv[2]=='ge' else v<t; print('met' if ok else '**not met**')" "$1" "$2" "$3"
}

# machine_line: "CPU, N CPUs, M GiB RAM".
machine_line() {
  local cpu mem
  cpu=$(lscpu | sed -n 's/^Model name:\s*//p' | head -1)
  mem=$(free -g | awk '/^Mem:/ {print $2 " GiB"}')
  echo "${cpu:-unknown CPU}, $(nproc) CPUs, $mem RAM"
}

# write_section TITLE FILE: replaces (or appends) `## TITLE` in docs/benchmarks.md with FILE,
# unless BENCH_WRITE_DOCS=0.
write_section() {
  [[ ${BENCH_WRITE_DOCS:-1} == 1 ]] || return 0
  local doc="$BENCH_ROOT/docs/benchmarks.md"
  [[ -f $doc ]] || printf '# Benchmarks\n\n' >"$doc"
  python3 - "$doc" "$1" "$2" <<'PY'
import re, sys
path, title, section = sys.argv[1], sys.argv[2], open(sys.argv[3]).read().rstrip("\n") + "\n\n"
doc = open(path).read()
pattern = re.compile(r"^## " + re.escape(title) + r"\n.*?(?=^## |\Z)", re.M | re.S)
doc = pattern.sub(lambda _: section, doc) if pattern.search(doc) else doc.rstrip("\n") + "\n\n" + section
open(path, "w").write(doc.rstrip("\n") + "\n")
PY
  echo "wrote ## $1 to $doc"
}

# sync_run DB TYPE STORAGE_JSON EXPECTED: on a fresh DB (sqlite|postgres) and server, creates a
# project and the import storage (`__PROJECT__` in the JSON becomes its id), syncs it, checks
# that EXPECTED tasks exist and last_sync_count says so, then re-syncs the unchanged storage and
# checks that nothing was added. Sets SYNC_S, SYNC_TPS, SYNC_RSS_MB, RESYNC_S, RESYNC_META (the
# re-sync's `meta`), and SYNC_DB_URL and SYNC_STORAGE: the database outlives the server, so a
# benchmark can measure more against it (progress_cost).
sync_run() {
  local db=$1 type=$2 body=$3 expected=$4 project
  SYNC_DB_URL=$(fresh_db "$db" "$type")
  start_server "$SYNC_DB_URL"
  project=$(create_project)
  SYNC_STORAGE=$(create_storage "$type" "${body//__PROJECT__/$project}")
  SYNC_S=$(timed_sync "$type" "$SYNC_STORAGE")
  check "$expected" "$(task_count "$project")" "$type on $db: tasks after the sync"
  check "$expected" "$(last_sync_count "$type" "$SYNC_STORAGE")" "$type on $db: last_sync_count"
  RESYNC_S=$(timed_sync "$type" "$SYNC_STORAGE")
  check "$expected" "$(task_count "$project")" "$type on $db: tasks after the re-sync"
  RESYNC_META=$(storage_meta "$type" "$SYNC_STORAGE")
  SYNC_RSS_MB=$(peak_rss_mb)
  SYNC_TPS=$(rate "$expected" "$SYNC_S")
  stop_server
}

# check_unchanged_resync OBJECTS WHAT: the re-sync's counters (RESYNC_META) say it created,
# updated and deleted nothing and skipped all OBJECTS as unchanged: the task count alone would
# not see a task deleted and another created, or data rewritten in place.
check_unchanged_resync() {
  local key
  for key in tasks_created tasks_updated tasks_deleted objects_failed objects_missing; do
    check 0 "$(meta_value "$RESYNC_META" "$key")" "$2: re-sync meta.$key"
  done
  check "$1" "$(meta_value "$RESYNC_META" objects_listed)" "$2: re-sync meta.objects_listed"
  check "$1" "$(meta_value "$RESYNC_META" objects_skipped)" "$2: re-sync meta.objects_skipped"
}

# progress_cost PINGS: times the progress writes of a sync of PINGS batches (labelsync-bench
# progress-cost: Progress::start, PINGS pings, the finish) on sync_run's storage row and database,
# with the server stopped. Sets PROGRESS_S (as this sync writes them) and PROGRESS_CKPT_S (with
# a checkpoint saved at every ping, as a sync of a checkpointing listing does). Run it after the
# checks: it overwrites the storage's status and counters.
progress_cost() {
  : "${LABELSYNC_BENCH_BIN:?set LABELSYNC_BENCH_BIN to a release labelsync-bench binary (scripts/bench does)}"
  local out
  out=$("$LABELSYNC_BENCH_BIN" progress-cost --database-url "$SYNC_DB_URL" --storage "$SYNC_STORAGE" --pings "$1")
  PROGRESS_S=$(sed -n 's/.* seconds=\([0-9.]*\).*/\1/p' <<<"$out")
  PROGRESS_CKPT_S=$(sed -n 's/.*seconds_with_checkpoints=\([0-9.]*\).*/\1/p' <<<"$out")
  [[ -n $PROGRESS_S && -n $PROGRESS_CKPT_S ]] || { echo "progress-cost printed: $out" >&2; return 1; }
}

# percent PART WHOLE: PART as a percentage of WHOLE, one decimal.
percent() { python3 -c "import sys; print(f'{100 * float(sys.argv[1]) / float(sys.argv[2]):.1f}')" "$1" "$2"; }

# sync_row LABEL DB OBJECTS MIN_TPS [CELL...]: a table row from sync_run's results, with the
# targets (tasks/s ≥ MIN_TPS, peak RSS < 200 MB, re-sync < 5 s) marked met or not, then CELLs.
sync_row() {
  local extra="" cell
  for cell in "${@:5}"; do extra+=" $cell |"; done
  echo "| $1 | $2 | $3 | $SYNC_S | $SYNC_TPS ($(met "$SYNC_TPS" ge "$4")) | $SYNC_RSS_MB ($(met "$SYNC_RSS_MB" lt 200)) | $RESYNC_S ($(met "$RESYNC_S" lt 5)) |$extra"
}
