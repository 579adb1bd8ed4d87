#!/usr/bin/env bash
# Rows/s of the Beam pipeline on Prism (plus analyze merge) against
# analyze run, on the same generated exports, alternating the two ROUNDS
# times. Both outputs are checked to be the same reports.
#
#   beam/bench.sh                      # 8 files x 250,000 rows
#   FILES=16 ROWS=500000 ROUNDS=5 beam/bench.sh
#   BEAM_FLAGS='--workers_per_file 2' beam/bench.sh   # extra analyze-beam flags
set -euo pipefail
cd "$(dirname "$0")"
FILES=${FILES:-8}
ROWS=${ROWS:-250000}
ROUNDS=${ROUNDS:-3}
WORK=${WORK:-$(mktemp -d)}
mkdir -p "$WORK/in" "$WORK/tmp"
(cd .. && go build -o "$WORK/analyze" ./cmd/analyze)
go build -o "$WORK/analyze-beam" ./cmd/analyze-beam
for i in $(seq 1 "$FILES"); do
  [ -f "$WORK/in/day-$i.csv" ] || "$WORK/analyze" gen --rows "$ROWS" --seed "$i" --merchants 2000 -o "$WORK/in/day-$i.csv"
done
total=$((FILES * ROWS))
cd "$WORK"
opts=(--by region,payment_method --bucket 1h)
now=2026-11-22T06:00:00+08:00
secs() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N); awk -v s="$s" -v e="$e" 'BEGIN { print e - s }'; }
for r in $(seq 1 "$ROUNDS"); do
  t_run=$(secs ./analyze run -q -w "$(nproc)" -o out-run --now $now "${opts[@]}" in/)
  rm -rf parts
  t_beam=$(secs env TMPDIR="$WORK/tmp" ./analyze-beam --input 'in/*.csv' --partial_out parts "${opts[@]}" ${BEAM_FLAGS:-})
  t_merge=$(secs ./analyze merge -q -o out-merge --now $now parts/*)
  awk -v r="$r" -v n="$total" -v a="$t_run" -v b="$t_beam" -v m="$t_merge" 'BEGIN {
    printf "round %d: analyze run %.2f s (%.0f rows/s); beam on prism %.2f s (%.0f rows/s) + merge %.2f s (%.0f rows/s with it)\n",
      r, a, n / a, b, n / b, m, n / (b + m) }'
done
for f in out-run/*; do
  n=$(basename "$f")
  [ "$n" = summary.json ] && continue
  cmp -s "$f" "out-merge/$n" || { echo "MISMATCH: $n differs between run and beam+merge" >&2; exit 1; }
done
echo "outputs identical (summary.json aside: its command differs); work dir $WORK"
