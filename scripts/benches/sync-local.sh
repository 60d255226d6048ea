#!/usr/bin/env bash
# Issue 3, local files: sync BENCH_OBJECTS (default 100,000) tiny files from a local-files
# import storage in blob mode (use_blob_urls=true), on SQLite and on PostgreSQL; tasks/s,
# the server's peak RSS (VmHWM; workers run inside `serve`) and a re-sync of the unchanged
# directory, under the default policies and under sync_changed=update, sync_deleted=delete
# (issue 13: the re-sync compares every version and reconciles, and must still change nothing);
# and what the sync's progress writes cost. Writes `## Sync: local files` in docs/benchmarks.md.
#
#   scripts/bench sync-local          (or, with services up: LABELSYNC_BIN=<release> LABELSYNC_BENCH_BIN=<release> bash scripts/benches/sync-local.sh)
#
# Env: LABELSYNC_BIN, LABELSYNC_BENCH_BIN (release builds; scripts/bench sets both), TEST_DATABASE_URL,
# BENCH_OBJECTS, BENCH_DBS (default "sqlite postgres"), LABELSYNC_SYNC_BATCH_SIZE (default 1000).
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
# A sync pings once per listed batch: the progress writes to replay are that many.
PINGS=$(((N + ${LABELSYNC_SYNC_BATCH_SIZE:-1000} - 1) / ${LABELSYNC_SYNC_BATCH_SIZE:-1000}))

# storage_body POLICY_JSON: the storage JSON, with extra fields (the sync policies) or none.
storage_body() {
  echo "{\"project\":__PROJECT__,\"path\":\"$ROOT/files\",\"use_blob_urls\":true,\"regex_filter\":\"\"$1}"
}

# bench_policy DB LABEL POLICY_JSON: one row. The sync and the unchanged re-sync (whose counters
# must say nothing was created, updated or deleted), then the progress writes of a sync of
# PINGS batches on the same database, as a share of the sync's wall time.
bench_policy() {
  local db=$1 label=$2 policies=$3 share share_ckpt
  sync_run "$db" localfiles "$(storage_body "$policies")" "$N"
  check_unchanged_resync "$N" "local files, $label, $db"
  progress_cost "$PINGS"
  share=$(percent "$PROGRESS_S" "$SYNC_S")
  share_ckpt=$(percent "$PROGRESS_CKPT_S" "$SYNC_S")
  echo "local files, $label, $db: $N tasks in $SYNC_S s = $SYNC_TPS tasks/s, peak RSS $SYNC_RSS_MB MB," \
    "re-sync $RESYNC_S s; progress: $PINGS pings $PROGRESS_S s = $share% of the sync" \
    "($PROGRESS_CKPT_S s = $share_ckpt% with checkpoints)"
  ROWS+=("$(sync_row "local files, blob mode, $label" "$db" "$N" 10000 \
    "$share ($(met "$share" lt 5)); $share_ckpt with checkpoints")")
}

# pg_durability: ", PostgreSQL with fsync=… and synchronous_commit=…" when a row runs on it:
# what a commit costs there (scripts/test may use the machine's server or a throwaway cluster).
pg_durability() {
  [[ " ${BENCH_DBS:-sqlite postgres} " == *" postgres "* ]] || return 0
  local fsync commit
  fsync=$(psql -At "$TEST_DATABASE_URL" -c 'show fsync')
  commit=$(psql -At "$TEST_DATABASE_URL" -c 'show synchronous_commit')
  printf ', PostgreSQL with `fsync=%s`, `synchronous_commit=%s`' "$fsync" "$commit"
}

ROWS=()
for db in ${BENCH_DBS:-sqlite postgres}; do
  bench_policy "$db" "default policies" ""
  bench_policy "$db" "sync_changed=update, sync_deleted=delete" \
    ',"sync_changed":"update","sync_deleted":"delete"'
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
  echo "same storage synced again with nothing changed; checked: the task count, and the re-sync's \`meta\`"
  echo "counters \`tasks_created\`, \`tasks_updated\`, \`tasks_deleted\`, \`objects_failed\`, \`objects_missing\` 0 and"
  echo "\`objects_listed\` = \`objects_skipped\` = $N. Rows *default policies* create the storage without"
  echo "\`sync_changed\`/\`sync_deleted\` (keep, keep); rows *sync_changed=update, sync_deleted=delete* with them,"
  echo "so the re-sync compares every object's version (size and mtime) with its link's and reconciles"
  echo "vanished objects after the listing."
  echo
  echo "Progress: no setting turns a sync's progress writes off, so \`labelsync-bench progress-cost\` replays"
  echo "them after the row's syncs, with the server stopped, on the same database and storage row:"
  echo "\`Progress::start\`, $PINGS \`Progress::ping\` (one per batch of the sync: $N objects in batches of"
  echo "${LABELSYNC_SYNC_BATCH_SIZE:-1000}; counters growing as a sync's do) and \`finish_import\`. The column is their"
  echo "wall time as a percentage of the row's sync time (target < 5%). A local-files listing has no checkpoints, so"
  echo "its pings write the storage row only (status, \`meta\`, \`last_sync_count\`); *with checkpoints* is"
  echo "the same replay saving a new checkpoint at every ping too, as S3, GCS and Azure syncs do (one more"
  echo "UPDATE each). No object failed, so no ledger insert. Every write commits on its own, as in a"
  echo "sync: SQLite in WAL with \`synchronous=NORMAL\`$(pg_durability)."
  echo
  echo '```'
  echo "scripts/bench sync-local"
  echo '```'
  echo
  echo "| storage | database | objects | sync s | tasks/s (target ≥ 10,000) | peak RSS MB (target < 200) | re-sync s (target < 5) | progress % of sync (target < 5) |"
  echo "|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${ROWS[@]}"
} >"$SECTION"
write_section "Sync: local files" "$SECTION"
