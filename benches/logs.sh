#!/usr/bin/env bash
# Log ingestion benchmark: `opsbook logs` against `jq` and `wc -l` on about
# 1 GiB of generated JSON lines, side by side in one hyperfine run, with
# throughputs, ratios of medians and peak RSS.
#
#   bash benches/logs.sh                 # 1 GiB, opsbook on 2 cores
#   SIZE_MIB=256 CORES=4 bash benches/logs.sh
#
# Needs: cargo, python3, hyperfine, jq, GNU time (/usr/bin/time); taskset
# (util-linux) to hold opsbook to CORES cores. jq and wc use one core each.
# The page cache is warmed first: this measures parsing, not the disk.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE_MIB=${SIZE_MIB:-1024}
CORES=${CORES:-2}
RUNS=${RUNS:-5}
WORK=${WORK:-$(mktemp -d "${TMPDIR:-/tmp}/opsbook-logs-bench.XXXXXX")}
PROJECT=$WORK/project
LOG=$PROJECT/logs/bench.jsonl

for tool in hyperfine jq python3 /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 2; }
done

echo "--- building opsbook (release)"
cargo build --release --quiet
BIN=$PWD/target/release/opsbook

echo "--- generating ${SIZE_MIB} MiB of JSON lines in $WORK"
mkdir -p "$PROJECT/logs"
printf '[project]\nname = "bench"\ntimezone = "Asia/Shanghai"\n' >"$PROJECT/opsbook.toml"
if [ ! -s "$LOG" ] || [ "$(stat -c %s "$LOG")" -lt $((SIZE_MIB << 20)) ]; then
  # A 128 MiB part (a month of a platform's logs), repeated: generating the
  # whole GiB in Python would take minutes and measure nothing more.
  PART_MIB=$((SIZE_MIB < 128 ? SIZE_MIB : 128))
  python3 benches/gen_logs.py $((PART_MIB << 20)) >"$WORK/part.jsonl"
  : >"$LOG"
  while [ "$(stat -c %s "$LOG")" -lt $((SIZE_MIB << 20)) ]; do
    cat "$WORK/part.jsonl" >>"$LOG"
  done
  rm -f "$WORK/part.jsonl"
fi
BYTES=$(stat -c %s "$LOG")
LINES=$(wc -l <"$LOG")
cat "$LOG" >/dev/null

PIN=""
if command -v taskset >/dev/null; then
  PIN="taskset -c 0-$((CORES - 1))"
fi
# A fixed clock well after the logs: a run of old logs exits 0.
OPSBOOK="$PIN env RAYON_NUM_THREADS=$CORES $BIN -C $PROJECT --now 2026-06-01 --quiet logs"
OPSBOOK_1="$PIN env RAYON_NUM_THREADS=1 $BIN -C $PROJECT --now 2026-06-01 --quiet logs"
JQ="jq -c 'select(.level==\"ERROR\")' $LOG | wc -l"
WC="wc -l $LOG"

echo "--- $LINES lines, $BYTES bytes; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
hyperfine --warmup 1 --runs "$RUNS" --export-json "$WORK/hyperfine.json" \
  -n "opsbook ($CORES cores)" "rm -rf $PROJECT/state && $OPSBOOK" \
  -n "opsbook (1 core)" "rm -rf $PROJECT/state && $OPSBOOK_1" \
  -n "opsbook (unchanged, cached)" "$OPSBOOK" \
  -n "jq select ERROR | wc -l" "$JQ" \
  -n "wc -l" "$WC"
echo "--- load after: $(cut -d' ' -f1-3 /proc/loadavg)"

rss() { # peak RSS in MiB of one run of a shell command
  /usr/bin/time -v sh -c "$1" 2>&1 >/dev/null | awk -F': ' '/Maximum resident/ {printf "%.1f", $2 / 1024}'
}
RSS_OPSBOOK=$(rm -rf "$PROJECT/state" && rss "$OPSBOOK")
RSS_JQ=$(rss "$JQ")
RSS_WC=$(rss "$WC")

python3 - "$WORK/hyperfine.json" "$BYTES" "$RSS_OPSBOOK" "$RSS_JQ" "$RSS_WC" <<'EOF'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
size = int(sys.argv[2])
rss = {"opsbook": sys.argv[3], "jq": sys.argv[4], "wc": sys.argv[5]}
# Wall-clock medians, and CPU time (user + system, mean): on a machine shared
# with other work the second says more about the work each tool does.
print(f"\n{'command':<30} {'median s':>9} {'GB/s':>7} {'cpu s':>7} {'GB/cpu-s':>9}")
for r in results:
    m, cpu = r["median"], r["user"] + r["system"]
    print(f"{r['command']:<30} {m:>9.3f} {size / m / 1e9:>7.3f} {cpu:>7.3f} {size / cpu / 1e9:>9.3f}")
ops, ops1, _, jq, wc = results
cpu = lambda r: r["user"] + r["system"]
print(f"\nopsbook throughput / jq's (medians): {jq['median'] / ops['median']:.1f}x on its cores, "
      f"{jq['median'] / ops1['median']:.1f}x on one core; per CPU-second: {cpu(jq) / cpu(ops):.1f}x")
print(f"opsbook throughput / wc -l's (medians): {wc['median'] / ops['median']:.2f}x")
print(f"peak RSS: opsbook {rss['opsbook']} MiB, jq {rss['jq']} MiB, wc -l {rss['wc']} MiB")
EOF
