#!/usr/bin/env bash
# Issue 16: a million objects (in-memory S3 and local files, both databases) against 100,000 in the same run, and parallel prefix listing at 50 ms per page.
#
#   scripts/bench huge
#
# Three parts, each writing rows of `## Sync: a million objects` in docs/benchmarks.md:
#   1. in-memory S3 (`labelsync-bench s3-serve`, no added latency): BENCH_HUGE (default 1,000,000)
#      blobs and BENCH_OBJECTS (default 100,000) blobs, each in 16 sub-prefixes, synced on each
#      database: tasks/s of the large sync against the small one's, peak RSS, re-sync;
#   2. local files: the same counts as tiny files in 16 directories;
#   3. parallel listing: BENCH_HUGE blobs in 16 sub-prefixes behind 50 ms per listing page. The raw
#      listing rate of one sub-prefix (sequential, as one prefix allows) and of the whole bucket
#      with 16 sub-prefixes at once are measured with `labelsync-bench list-rate`; the syncs run with
#      LABELSYNC_LIST_CONCURRENCY=16.
#
# Env: LABELSYNC_BIN, LABELSYNC_BENCH_BIN (release builds; scripts/bench sets both), TEST_DATABASE_URL,
# BENCH_HUGE, BENCH_OBJECTS, BENCH_DBS (default "sqlite postgres").
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/bench.sh"
: "${LABELSYNC_BENCH_BIN:?set LABELSYNC_BENCH_BIN to a release labelsync-bench binary (scripts/bench does)}"
BIG=${BENCH_HUGE:-1000000}
SMALL=${BENCH_OBJECTS:-100000}
PREFIXES=16
LATENCY=50
AK=bench SK=bench-secret BUCKET=bench
ROWS=()
NOTES=()

# start_s3 NAME BLOBS LATENCY_MS: an in-memory S3 endpoint with BLOBS blobs under `images/p000/` …
# `images/p015/`; sets S3.
start_s3() {
  start_mem_s3 "$BENCH_WORK/s3-$1.log" --blobs "$2" --blob-prefixes "$PREFIXES" --list-latency-ms "$3"
}

s3_json() { # ENDPOINT
  echo "{\"project\":__PROJECT__,\"bucket\":\"$BUCKET\",\"prefix\":\"images/\",\"use_blob_urls\":true,\"recursive_scan\":true,\"s3_endpoint\":\"$1\",\"region_name\":\"us-east-1\",\"aws_access_key_id\":\"$AK\",\"aws_secret_access_key\":\"$SK\"}"
}

# list_rate ENDPOINT PREFIX CONCURRENCY: keys/s of the raw listing (best of 2).
list_rate() {
  "$LABELSYNC_BENCH_BIN" list-rate --endpoint "$1" --bucket "$BUCKET" --prefix "$2" --access-key "$AK" \
    --secret-key "$SK" --runs 2 --concurrency "$3" | sed -n 's/.*keys_per_second=//p'
}

# pair LABEL TYPE SMALL_JSON BIG_JSON: the small and the large sync on each database, one row each.
pair() {
  local label=$1 type=$2 small_tps ratio db
  for db in ${BENCH_DBS:-sqlite postgres}; do
    sync_run "$db" "$type" "$3" "$SMALL"
    check_unchanged_resync "$SMALL" "$label $SMALL, $db"
    small_tps=$SYNC_TPS
    ROWS+=("| $label | $db | $SMALL | $SYNC_S | $SYNC_TPS | – | $SYNC_RSS_MB | $RESYNC_S |")
    sync_run "$db" "$type" "$4" "$BIG"
    check_unchanged_resync "$BIG" "$label $BIG, $db"
    ratio=$(percent "$SYNC_TPS" "$small_tps")
    echo "$label, $db: $SMALL at $small_tps tasks/s, $BIG at $SYNC_TPS tasks/s ($ratio%), peak RSS $SYNC_RSS_MB MB, re-sync $RESYNC_S s"
    ROWS+=("| $label | $db | $BIG | $SYNC_S | $SYNC_TPS | $ratio% ($(met "$ratio" ge 80)) | $SYNC_RSS_MB ($(met "$SYNC_RSS_MB" lt 150)) | $RESYNC_S |")
  done
}

# 1. In-memory S3.
start_s3 small "$SMALL" 0
small_s3=$S3
start_s3 big "$BIG" 0
big_s3=$S3
pair "in-memory S3, blobs" s3 "$(s3_json "$small_s3")" "$(s3_json "$big_s3")"

# 2. Local files.
ROOT="$BENCH_WORK/root"
t0=$(now)
python3 - "$ROOT" "$SMALL" "$BIG" "$PREFIXES" <<'PY'
import os, sys
root, small, big, k = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
for name, n in (("small", small), ("big", big)):
    for d in range(k):
        os.makedirs(f"{root}/{name}/d{d:03d}", exist_ok=True)
    for i in range(n):
        with open(f"{root}/{name}/d{i % k:03d}/img-{i:07d}.png", "wb") as f:
            f.write(b"not really a png")
PY
echo "generated $SMALL + $BIG files in $(elapsed "$t0" "$(now)") s"
export LABEL_STUDIO_LOCAL_FILES_SERVING_ENABLED=true LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT=$ROOT
local_json() { echo "{\"project\":__PROJECT__,\"path\":\"$ROOT/$1\",\"use_blob_urls\":true,\"recursive_scan\":true}"; }
pair "local files" localfiles "$(local_json small)" "$(local_json big)"

# 3. Parallel listing behind 50 ms per page.
start_s3 slow "$BIG" "$LATENCY"
slow_s3=$S3
one_prefix=$(list_rate "$slow_s3" images/p000/ 1)
parallel=$(list_rate "$slow_s3" images/ "$PREFIXES")
sequential_s=$(python3 -c "import sys; print(f'{int(sys.argv[1]) / float(sys.argv[2]):.1f}')" "$BIG" "$one_prefix")
NOTES+=("Raw listing at $LATENCY ms per page: one prefix sequentially $one_prefix keys/s (so $BIG objects in one prefix would take $sequential_s s to list); $PREFIXES sub-prefixes at once $parallel keys/s.")
echo "${NOTES[-1]}"
export LABELSYNC_LIST_CONCURRENCY=$PREFIXES
for db in ${BENCH_DBS:-sqlite postgres}; do
  sync_run "$db" s3 "$(s3_json "$slow_s3")" "$BIG"
  check_unchanged_resync "$BIG" "parallel listing, $db"
  speedup=$(python3 -c "import sys; print(f'{float(sys.argv[1]) / float(sys.argv[2]):.1f}')" "$SYNC_TPS" "$one_prefix")
  echo "parallel listing, $db: $BIG tasks in $SYNC_S s = $SYNC_TPS tasks/s, ${speedup}× the sequential listing rate, peak RSS $SYNC_RSS_MB MB, re-sync $RESYNC_S s"
  ROWS+=("| in-memory S3, $LATENCY ms per page, $PREFIXES prefixes at once | $db | $BIG | $SYNC_S (< 14: $(met "$SYNC_S" lt 14)) | $SYNC_TPS | ${speedup}× the sequential listing rate (≥ 4×: $(met "$speedup" ge 4)) | $SYNC_RSS_MB ($(met "$SYNC_RSS_MB" lt 150)) | $RESYNC_S |")
done
unset LABELSYNC_LIST_CONCURRENCY

SECTION="$BENCH_WORK/section.md"
{
  echo "## Sync: a million objects"
  echo
  echo "Measured $(date -u +%Y-%m-%d) on $(machine_line); commit $(git -C "$BENCH_ROOT" rev-parse --short HEAD)."
  echo "Same server setup and timing as *Sync: local files* (release \`serve\`, fresh database per row, default"
  echo "settings, blob mode). Objects are spread over $PREFIXES sub-prefixes (\`images/p000/\` … of"
  echo "\`labelsync-bench s3-serve\`; directories \`d000/\` … of local files), so listings run in parts"
  echo "(\`LABELSYNC_LIST_CONCURRENCY\`, default 8). Each large row is compared with the $SMALL-object row"
  echo "of the same storage and database measured just before it (target: tasks/s within 20%); peak RSS target"
  echo "150 MB. The parallel-listing rows add $LATENCY ms to every listing page, like a real bucket, and sync with"
  echo "\`LABELSYNC_LIST_CONCURRENCY=$PREFIXES\`; target: under 14 s and at least 4× the rate one prefix can be listed at."
  printf '%s\n' "${NOTES[@]}"
  echo
  echo '```'
  echo "scripts/bench huge"
  echo '```'
  echo
  echo "| storage | database | objects | sync s | tasks/s | against the small row | peak RSS MB | re-sync s |"
  echo "|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${ROWS[@]}"
} >"$SECTION"
write_section "Sync: a million objects" "$SECTION"
