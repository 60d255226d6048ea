# shellcheck shell=bash
# Shared helpers for scripts/test: logging, quiet commands, root, apt, ports, waiting.
# Sourced, not executed. Expects `set -euo pipefail` and RUN_DIR (a per-run temp dir) to be set.

LABELSYNC_CACHE="${LABELSYNC_CACHE:-$HOME/.cache/labelsync}"

note() { printf '==> %s\n' "$*" >&2; }
ok() { printf '    ok  %s\n' "$*" >&2; }
warn() { printf 'WARNING: %s\n' "$*" >&2; }
die() {
  printf 'ERROR: %s\n' "$*" >&2
  exit 1
}

# Seconds since the epoch with milliseconds, and a duration since such a stamp ("1.23s").
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }

# run_quiet LOGNAME CMD...: run CMD with all output in $RUN_DIR/logs/LOGNAME.log.
# Silent on success; on failure prints the log's tail and its path, and returns CMD's status.
run_quiet() {
  local name=$1
  shift
  local log="$RUN_DIR/logs/$name.log"
  mkdir -p "$RUN_DIR/logs"
  if "$@" >"$log" 2>&1 </dev/null; then
    return 0
  else
    local rc=$?
    printf 'ERROR: "%s" failed (exit %s). Last lines of %s:\n' "$*" "$rc" "$log" >&2
    tail -n 80 "$log" | sed 's/^/    | /' >&2
    return "$rc"
  fi
}

# as_root CMD...: run CMD as root: directly when we are root, else through sudo if there is one.
as_root() {
  if [[ $EUID -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null; then
    sudo "$@"
  else
    die "need root for: $* (not root, and no sudo)"
  fi
}

APT_UPDATED=0
# apt_install PKG...: install the Debian packages that are not installed yet (apt-get update once per run).
apt_install() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  ((${#missing[@]})) || return 0
  command -v apt-get >/dev/null || die "need the Debian packages ${missing[*]}, and there is no apt-get"
  note "apt-get install ${missing[*]}"
  if ((!APT_UPDATED)); then
    run_quiet apt-update as_root env DEBIAN_FRONTEND=noninteractive apt-get update
    APT_UPDATED=1
  fi
  run_quiet "apt-install-${missing[0]}" as_root env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${missing[@]}"
}

# need_command CMD PKG: make sure CMD exists, installing the Debian package PKG if it does not.
need_command() {
  command -v "$1" >/dev/null || apt_install "$2"
  command -v "$1" >/dev/null || die "$1 is still missing after installing $2"
}

# free_port: print a TCP port on 127.0.0.1 that nothing listens on now and that this run has not handed out.
HANDED_OUT_PORTS=" "
free_port() {
  local port
  while :; do
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    [[ $HANDED_OUT_PORTS == *" $port "* ]] || break
  done
  HANDED_OUT_PORTS+="$port "
  echo "$port"
}

# http_answers URL: true when anything answers URL with an HTTP status (any status: some emulators say 403).
http_answers() {
  local code
  code=$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$1" 2>/dev/null) || true
  [[ -n $code && $code != 000 ]]
}

# http_ok URL: true when URL answers 2xx.
http_ok() { curl -fs -o /dev/null -m 2 "$1" 2>/dev/null; }

# redis_pong PORT: true when a Redis server on 127.0.0.1:PORT answers PING (bash's /dev/tcp; no redis-cli needed).
redis_pong() {
  local reply=""
  { exec 3<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || return 1
  printf 'PING\r\n' >&3
  read -r -t 2 reply <&3 || true
  exec 3<&- 3>&-
  [[ $reply == +PONG* ]]
}

# wait_until NAME PID LOG TIMEOUT PROBE...: poll PROBE until it succeeds. Fails with the service's log when
# the process PID dies first (PID may be "" when there is none to watch) or TIMEOUT seconds pass.
wait_until() {
  local name=$1 pid=$2 log=$3 timeout=$4
  shift 4
  local deadline=$((SECONDS + timeout))
  until "$@"; do
    if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then
      service_failed "$name" "$log" "exited before it answered"
    fi
    if ((SECONDS >= deadline)); then
      service_failed "$name" "$log" "did not answer within ${timeout}s"
    fi
    sleep 0.1
  done
}

service_failed() {
  local name=$1 log=$2 why=$3
  printf 'ERROR: %s %s. Its log is %s; last lines:\n' "$name" "$why" "$log" >&2
  tail -n 40 "$log" 2>/dev/null | sed 's/^/    | /' >&2
  exit 1
}
