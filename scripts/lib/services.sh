# shellcheck shell=bash
# Throwaway services for scripts/test: each listens on a free 127.0.0.1 port, keeps its data under
# $RUN_DIR, is started in its own process group, and is stopped by stop_services (by PID, never by name).
# Each start_* function exports the variables of the test environment contract (notes/team.md).

S3_ACCESS_KEY=labelsync-test
S3_SECRET_KEY=labelsync-test-secret
STOP_ACTIONS=() # commands run in reverse order by stop_services
STARTED=()      # "name address" lines for the summary

# spawn NAME DIR CMD...: start CMD in DIR, in the background, in its own session and process group, with
# output to $RUN_DIR/logs/NAME.log, and register it for stopping. Sets SPAWNED_PID and SPAWNED_LOG.
spawn() {
  local name=$1 dir=$2
  shift 2
  SPAWNED_LOG="$RUN_DIR/logs/$name.log"
  mkdir -p "$RUN_DIR/logs" "$dir"
  # This shell has no job control, so the subshell is not a group leader and setsid execs in place: $! is
  # the service itself, and it leads its own process group (its children included, stopped together).
  (cd "$dir" && exec setsid "$@") >"$SPAWNED_LOG" 2>&1 </dev/null &
  SPAWNED_PID=$!
  STOP_ACTIONS+=("stop_group $name $SPAWNED_PID")
}

# stop_group NAME PID: SIGTERM the process group PID leads, then SIGKILL whatever is left after 10 s.
stop_group() {
  local name=$1 pid=$2 i
  kill -TERM -- "-$pid" 2>/dev/null || return 0
  for ((i = 0; i < 100; i++)); do
    kill -0 -- "-$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  warn "$name (pid $pid) ignored SIGTERM for 10s; killing it"
  kill -KILL -- "-$pid" 2>/dev/null || true
}

stop_services() {
  local i
  for ((i = ${#STOP_ACTIONS[@]} - 1; i >= 0; i--)); do
    eval "${STOP_ACTIONS[i]}" || warn "stopping failed: ${STOP_ACTIONS[i]}"
  done
  STOP_ACTIONS=()
}

started() {
  STARTED+=("$(printf '%-16s %s' "$1" "$2")")
  ok "$(printf '%-16s %s (%s)' "$1" "$2" "$3")"
}

# --- PostgreSQL ----------------------------------------------------------------------------------------

SYSTEM_PG_URL=postgres://postgres@127.0.0.1:5432/postgres

# start_postgres → TEST_DATABASE_URL. In order: the caller's TEST_DATABASE_URL; the machine's server on
# 5432 (unless LABELSYNC_TEST_PG=throwaway); a throwaway cluster made with initdb.
start_postgres() {
  local t0
  t0=$(now)
  if [[ -n ${TEST_DATABASE_URL:-} ]]; then
    started postgres "TEST_DATABASE_URL as given" "$(since "$t0")"
  elif [[ ${LABELSYNC_TEST_PG:-auto} != throwaway ]] && postgres_answers "$SYSTEM_PG_URL"; then
    export TEST_DATABASE_URL=$SYSTEM_PG_URL
    started postgres "$SYSTEM_PG_URL (the machine's server)" "$(since "$t0")"
  else
    start_throwaway_postgres
    started postgres "$TEST_DATABASE_URL (throwaway cluster)" "$(since "$t0")"
  fi
}

postgres_answers() {
  if command -v psql >/dev/null; then
    PGCONNECT_TIMEOUT=3 psql -w "$1" -Atqc 'select 1' >/dev/null 2>&1 </dev/null
  else
    { exec 3<>/dev/tcp/127.0.0.1/5432; } 2>/dev/null && exec 3<&- 3>&-
  fi
}

start_throwaway_postgres() {
  ensure_postgres_binaries
  local dir="$RUN_DIR/postgres" port
  port=$(free_port)
  mkdir -p "$dir/socket" "$RUN_DIR/logs"
  PG_OWNER=$(postgres_owner)
  if [[ -n $PG_OWNER ]]; then
    chmod 755 "$RUN_DIR" # mktemp made it 0700; the cluster's owner must reach its data dir
    chown -R "$PG_OWNER" "$dir"
  fi
  PG_DATA="$dir/data"
  local log="$RUN_DIR/logs/postgres.log"
  run_quiet initdb as_pg_owner "$PG_BIN/initdb" -D "$PG_DATA" -A trust -U postgres -E UTF8 --locale=C --no-sync
  # pg_ctl -w returns once the server accepts connections; it daemonizes, so it is stopped with pg_ctl.
  STOP_ACTIONS+=("stop_throwaway_postgres")
  touch "$log"
  [[ -z $PG_OWNER ]] || chown "$PG_OWNER" "$log"
  as_pg_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$log" -w -t 60 -o "-p $port -k $dir/socket \
    -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off -c synchronous_commit=off \
    -c full_page_writes=off" start >>"$RUN_DIR/logs/pg_ctl.log" 2>&1 ||
    service_failed postgres "$log" "did not start (pg_ctl output: $RUN_DIR/logs/pg_ctl.log)"
  export TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
}

stop_throwaway_postgres() {
  [[ -f $PG_DATA/postmaster.pid ]] || return 0
  as_pg_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 30 stop >>"$RUN_DIR/logs/pg_ctl.log" 2>&1 && return 0
  # pg_ctl could not stop it: fall back to the postmaster's PID from its own pid file.
  local pid
  pid=$(head -n 1 "$PG_DATA/postmaster.pid" 2>/dev/null) || return 0
  if [[ $pid =~ ^[0-9]+$ ]]; then kill -KILL "$pid" 2>/dev/null || true; fi
}

# initdb refuses to run as root: as root, the cluster belongs to the `postgres` system user (created
# if this machine has none); as anyone else, to the current user. Prints the owner, or nothing.
postgres_owner() {
  [[ $EUID -eq 0 ]] || return 0
  id postgres >/dev/null 2>&1 ||
    useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
      postgres >&2
  echo postgres
}

as_pg_owner() {
  if [[ -n ${PG_OWNER:-} ]]; then
    (cd "$RUN_DIR" && runuser -u "$PG_OWNER" -- "$@")
  else
    "$@"
  fi
}

# --- Redis, S3 (s3s-fs), moto, fake-gcs-server, Azurite, Chromium ----------------------------------

start_redis() {
  local t0 port dir="$RUN_DIR/redis"
  t0=$(now)
  port=$(free_port)
  spawn redis "$dir" redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir"
  wait_until redis-server "$SPAWNED_PID" "$SPAWNED_LOG" 30 redis_pong "$port"
  export LABELSYNC_TEST_REDIS_URL="redis://127.0.0.1:$port"
  started redis-server "$LABELSYNC_TEST_REDIS_URL" "$(since "$t0")"
}

start_s3s_fs() {
  local t0 port root="$RUN_DIR/s3s-fs"
  t0=$(now)
  port=$(free_port)
  spawn s3s-fs "$root" "$S3S_FS" --host 127.0.0.1 --port "$port" \
    --access-key "$S3_ACCESS_KEY" --secret-key "$S3_SECRET_KEY" "$root"
  wait_until s3s-fs "$SPAWNED_PID" "$SPAWNED_LOG" 30 http_answers "http://127.0.0.1:$port/"
  export LABELSYNC_TEST_S3_ENDPOINT="http://127.0.0.1:$port"
  export LABELSYNC_TEST_S3_ACCESS_KEY=$S3_ACCESS_KEY LABELSYNC_TEST_S3_SECRET_KEY=$S3_SECRET_KEY
  started s3s-fs "$LABELSYNC_TEST_S3_ENDPOINT" "$(since "$t0")"
}

start_moto() {
  local t0 port
  t0=$(now)
  port=$(free_port)
  spawn moto "$RUN_DIR/moto" "$MOTO_SERVER" -H 127.0.0.1 -p "$port"
  wait_until moto "$SPAWNED_PID" "$SPAWNED_LOG" 60 http_ok "http://127.0.0.1:$port/moto-api/"
  export LABELSYNC_TEST_MOTO_ENDPOINT="http://127.0.0.1:$port"
  started moto "$LABELSYNC_TEST_MOTO_ENDPOINT" "$(since "$t0")"
}

start_fake_gcs() {
  local t0 port
  t0=$(now)
  port=$(free_port)
  spawn fake-gcs-server "$RUN_DIR/fake-gcs" "$FAKE_GCS_SERVER" -scheme http -backend memory \
    -host 127.0.0.1 -port "$port" \
    -external-url "http://127.0.0.1:$port" -public-host "127.0.0.1:$port" -log-level warn
  wait_until fake-gcs-server "$SPAWNED_PID" "$SPAWNED_LOG" 30 http_ok "http://127.0.0.1:$port/storage/v1/b"
  export LABELSYNC_TEST_GCS_ENDPOINT="http://127.0.0.1:$port"
  started fake-gcs-server "$LABELSYNC_TEST_GCS_ENDPOINT" "$(since "$t0")"
}

start_azurite() {
  local t0 port dir="$RUN_DIR/azurite"
  t0=$(now)
  port=$(free_port)
  # --disableTelemetry: without it Azurite tries to reach an Application Insights host.
  spawn azurite "$dir" "$AZURITE_BLOB" --blobHost 127.0.0.1 --blobPort "$port" \
    --inMemoryPersistence --skipApiVersionCheck --loose --disableTelemetry --silent
  wait_until azurite "$SPAWNED_PID" "$SPAWNED_LOG" 60 \
    http_answers "http://127.0.0.1:$port/devstoreaccount1?comp=list"
  export LABELSYNC_TEST_AZURITE_ENDPOINT="http://127.0.0.1:$port/devstoreaccount1"
  started azurite "$LABELSYNC_TEST_AZURITE_ENDPOINT" "$(since "$t0")"
}

# Chromium is not a service (tests launch it); this checks once that it renders a page headless.
check_chromium() {
  local t0 profile="$RUN_DIR/chromium-profile" out="$RUN_DIR/logs/chromium.log"
  t0=$(now)
  mkdir -p "$profile" "$RUN_DIR/logs"
  if ! timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --dump-dom 'data:text/html,<p>labelsync-chromium-ok</p>' \
    >"$out.dom" 2>"$out" || ! grep -q labelsync-chromium-ok "$out.dom"; then
    service_failed chromium "$out" "did not render a page headless"
  fi
  export LABELSYNC_TEST_CHROMIUM=$CHROMIUM
  started chromium "$CHROMIUM" "$(since "$t0")"
}
