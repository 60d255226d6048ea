#!/usr/bin/env bash
# Issue 3, local files: sync BENCH_OBJECTS (default 100,000) tiny files from a local-files
# import storage in blob mode (use_blob_urls=true), on SQLite and on PostgreSQL; tasks/s,
# the server's peak RSS (VmHWM; workers run inside `serve`) and a re-sync of the unchanged
# directory. Writes `## Sync: local files` in docs/benchmarks.md.
#
#   scripts/bench sync-local          (or, with services up: LABELSYNC_BIN=<release> bash scripts/benches/sync-local.sh)
#
# Env: LABELSYNC_BIN (release), TEST_DATABASE_URL, BENCH_OBJECTS, BENCH_DBS (default "sqlite postgres").
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/bench.sh"
N=${BENCH_OBJECTS:-100000}

ROOT="$BENCH_WORK/root"
t0=$(now)
python3 - "$ROOT/files" "$N" <<'PY'
import os, sys
path, n = sys.argv[1], int(sys.argv[2])
os.makedirs(path, exist_ok=True)
body = b"not really a png"
for i in range(n):
    with open(f"{path}/img-{i:07d}.png", "wb") as f:
        f.write(body)
PY
echo "generated $N files in $(elapsed "$t0" "$(now)") s"

export LABEL_STUDIO_LOCAL_FILES_SERVING_ENABLED=true LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT=$ROOT
BODY="{\"project\":__PROJECT__,\"path\":\"$ROOT/files\",\"use_blob_urls\":true,\"regex_filter\":\"\"}"
ROWS=()
for db in ${BENCH_DBS:-sqlite postgres}; do
  sync_run "$db" localfiles "$BODY" "$N"
  echo "local files, $db: $N tasks in $SYNC_S s = $SYNC_TPS tasks/s, peak RSS $SYNC_RSS_MB MB, re-sync $RESYNC_S s"
  ROWS+=("$(sync_row "local files, blob mode" "$db" "$N" 10000)")
done

SECTION="$BENCH_WORK/section.md"
{
  echo "## Sync: local files"
  echo
  echo "Measured $(date -u +%Y-%m-%d) on $(machine_line); commit $(git -C "$BENCH_ROOT" rev-parse --short HEAD)."
  echo "Release \`labelsync serve\` (API and the default 2 job workers in one process), default"
  echo "\`LABELSYNC_SYNC_BATCH_SIZE\`, fresh database per row. $N files of 16 bytes in one directory,"
  echo "a local-files import storage with \`use_blob_urls=true\` (one task per file). Time: from"
  echo "\`POST /api/storages/localfiles/{id}/sync\` to \`status: completed\` (polled every 50 ms), task"
  echo "count and \`last_sync_count\` checked. Peak RSS: the server's \`VmHWM\` after both syncs. Re-sync: the"
  echo "same storage synced again with nothing changed (no task added, checked)."
  echo
  echo '```'
  echo "scripts/bench sync-local"
  echo '```'
  echo
  echo "| storage | database | objects | sync s | tasks/s (target ≥ 10,000) | peak RSS MB (target < 200) | re-sync s (target < 5) |"
  echo "|---|---|---|---|---|---|---|"
  printf '%s\n' "${ROWS[@]}"
} >"$SECTION"
write_section "Sync: local files" "$SECTION"
