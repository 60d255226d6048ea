#!/usr/bin/env bash
# Issue 4, S3: sync BENCH_OBJECTS (default 100,000) blobs and BENCH_JSON_OBJECTS (default 10,000)
# task-JSON objects from an in-memory S3 endpoint, on SQLite and on PostgreSQL, against the
# endpoint's raw listing rate measured in the same run. Writes `## Sync: S3` in docs/benchmarks.md.
#
#   scripts/bench sync-s3
#
# The endpoint is `labelsync-bench s3-serve` (crates/labelsync-bench: benchmark-only, on the s3s
# crate, SigV4 checked), not s3s-fs, whose listing rescans its directory per page (~380 keys/s at
# 100,000 objects) and would be all the benchmark measured.
#
# Env: LABELSYNC_BIN, LABELSYNC_BENCH_BIN (release builds; scripts/bench sets both), TEST_DATABASE_URL,
# BENCH_OBJECTS, BENCH_JSON_OBJECTS, BENCH_DBS (default "sqlite postgres").
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/bench.sh"
: "${LABELSYNC_BENCH_BIN:?set LABELSYNC_BENCH_BIN to a release labelsync-bench binary (scripts/bench does)}"
N=${BENCH_OBJECTS:-100000}
NJ=${BENCH_JSON_OBJECTS:-10000}
AK=bench SK=bench-secret BUCKET=bench

t0=$(now)
"$LABELSYNC_BENCH_BIN" s3-serve --access-key "$AK" --secret-key "$SK" --bucket "$BUCKET" \
  --blobs "$N" --json "$NJ" >"$BENCH_WORK/s3.log" 2>&1 &
BENCH_PIDS+=($!)
S3=
for _ in $(seq 1 600); do
  S3=$(sed -n 's/^listening on //p' "$BENCH_WORK/s3.log")
  [[ -n $S3 ]] && break
  kill -0 "${BENCH_PIDS[-1]}" 2>/dev/null || { cat "$BENCH_WORK/s3.log" >&2 && exit 1; }
  sleep 0.1
done
[[ -n $S3 ]] || { echo "the in-memory S3 server did not start" >&2 && exit 1; }
echo "in-memory S3 at $S3 with $N blobs and $NJ task files, ready in $(elapsed "$t0" "$(now)") s"

# list_rate: the endpoint's raw listing rate of the blob prefix (best of 3), keys/s.
list_rate() {
  "$LABELSYNC_BENCH_BIN" list-rate --endpoint "$S3" --bucket "$BUCKET" --prefix images/ \
    --access-key "$AK" --secret-key "$SK" | tee -a "$BENCH_WORK/list-rate.log" | sed -n 's/.*keys_per_second=//p'
}
RAW_BEFORE=$(list_rate)
echo "raw listing rate: $RAW_BEFORE keys/s"

storage_json() { # PREFIX BLOB_MODE
  echo "{\"project\":__PROJECT__,\"bucket\":\"$BUCKET\",\"prefix\":\"$1\",\"use_blob_urls\":$2,\"recursive_scan\":true,\"regex_filter\":\"\",\"s3_endpoint\":\"$S3\",\"region_name\":\"us-east-1\",\"aws_access_key_id\":\"$AK\",\"aws_secret_access_key\":\"$SK\"}"
}

RESULTS=()
for db in ${BENCH_DBS:-sqlite postgres}; do
  sync_run "$db" s3 "$(storage_json images/ true)" "$N"
  echo "s3 blobs, $db: $N tasks in $SYNC_S s = $SYNC_TPS tasks/s, peak RSS $SYNC_RSS_MB MB, re-sync $RESYNC_S s"
  RESULTS+=("blob|$db|$N|$SYNC_S|$SYNC_TPS|$SYNC_RSS_MB|$RESYNC_S")
  sync_run "$db" s3 "$(storage_json tasks/ false)" "$NJ"
  echo "s3 JSON, $db: $NJ tasks in $SYNC_S s = $SYNC_TPS tasks/s, peak RSS $SYNC_RSS_MB MB, re-sync $RESYNC_S s"
  RESULTS+=("json|$db|$NJ|$SYNC_S|$SYNC_TPS|$SYNC_RSS_MB|$RESYNC_S")
done
RAW_AFTER=$(list_rate)
echo "raw listing rate after the syncs: $RAW_AFTER keys/s"
RAW=$((RAW_BEFORE > RAW_AFTER ? RAW_BEFORE : RAW_AFTER))

SECTION="$BENCH_WORK/section.md"
{
  echo "## Sync: S3"
  echo
  echo "Measured $(date -u +%Y-%m-%d) on $(machine_line); commit $(git -C "$BENCH_ROOT" rev-parse --short HEAD)."
  echo "Same server setup and timing as *Sync: local files*, against \`labelsync-bench s3-serve\` on loopback:"
  echo "an in-memory S3 endpoint on the \`s3s\` crate (SigV4 checked on every request) seeded with $N blobs"
  echo "\`images/img-NNNNNNN.png\` (16 bytes) and $NJ task files \`tasks/task-NNNNNNN.json\` (one task each)."
  echo "Blob rows: an S3 import storage on \`images/\` with \`use_blob_urls=true\`; JSON rows: on \`tasks/\` with"
  echo "\`use_blob_urls=false\`, so every object is fetched (16 at a time) and parsed."
  echo
  echo "Raw listing rate: \`labelsync-bench list-rate\` lists \`images/\` with labelsync's own S3 listing client"
  echo "(1,000-key pages, SigV4, the adapter's XML parser) and no database, best of 3, before and after the"
  echo "syncs: $RAW_BEFORE and $RAW_AFTER keys/s; the higher, $RAW keys/s, is the limit. Blob target: at least"
  echo "80% of it. JSON target: at least 1,000 tasks/s."
  echo
  echo '```'
  echo "scripts/bench sync-s3"
  echo '```'
  echo
  echo "| objects | database | count | sync s | tasks/s | target | peak RSS MB (< 200) | re-sync s (< 5) |"
  echo "|---|---|---|---|---|---|---|---|"
  for row in "${RESULTS[@]}"; do
    IFS='|' read -r kind db count secs tps rss resync <<<"$row"
    if [[ $kind == blob ]]; then
      pct=$(python3 -c "import sys; print(f'{100*float(sys.argv[1])/float(sys.argv[2]):.0f}')" "$tps" "$RAW")
      target="≥ 80% of $RAW: $pct% ($(met "$pct" ge 80))"
      label="blobs, use_blob_urls"
    else
      target="≥ 1,000 ($(met "$tps" ge 1000))"
      label="task JSON files"
    fi
    echo "| $label | $db | $count | $secs | $tps | $target | $rss ($(met "$rss" lt 200)) | $resync ($(met "$resync" lt 5)) |"
  done
} >"$SECTION"
write_section "Sync: S3" "$SECTION"
