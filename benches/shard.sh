#!/usr/bin/env bash
# Benchmark of `opsbook verify --shard I/N` beside the single run, on this
# machine:
#   * the single run, and each shard of N run alone (what one CI runner of
#     N does), side by side with hyperfine: per-shard wall and the ratio;
#   * the N shards as N processes at once, and their merge;
#   * the balance: bytes read by each shard against the 1/N share, on the
#     generated corpus and on the example project's sample backups;
#   * that the merge of the N shards keeps the single run's report.
# The corpus (BENCH_FILES files of heavy-tailed sizes, about BENCH_MIB MiB of
# random bytes) is made under a temporary folder (BENCH_DIR to choose it)
# and removed at the end unless BENCH_KEEP=1. Page cache warm.
#
#   cargo build --release && bash benches/shard.sh
#
# Knobs: BENCH_RUNS (default 5), BENCH_FILES (2000), BENCH_MIB (1024),
# BENCH_SHARDS (the values of N, default "2 4").
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${BENCH_RUNS:-5}
FILES=${BENCH_FILES:-2000}
MIB=${BENCH_MIB:-1024}
SHARDS=${BENCH_SHARDS:-"2 4"}
OPSBOOK=${OPSBOOK:-$PWD/target/release/opsbook}
NOW=2026-01-10T02:00:00+08:00

for tool in hyperfine jq python3; do
  command -v "$tool" >/dev/null || { echo "missing: $tool (apt-get install -y hyperfine jq python3)" >&2; exit 2; }
done
[ -x "$OPSBOOK" ] || { echo "build first: cargo build --release" >&2; exit 2; }

ROOT=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/opsbook-shard-bench.XXXXXX")
[ "${BENCH_KEEP:-0}" = 1 ] || trap 'rm -rf "$ROOT"' EXIT
echo "corpus in $ROOT"

echo "--- making the corpus: $FILES files, about $MIB MiB"
mkdir -p "$ROOT/corpus/set"
printf '[project]\nname = "bench"\n\n[[backups]]\nname = "set"\npath = "set"\n' > "$ROOT/corpus/opsbook.toml"
python3 - "$ROOT/corpus/set" "$FILES" "$MIB" <<'EOF'
# Sizes as a year of nightly dumps of a few systems: log-normal, a few large
# files among many small ones, scaled to the total asked for.
import os, random, sys
root, n, mib = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(7)
weights = [rng.lognormvariate(0, 1.2) for _ in range(n)]
scale = mib * 2**20 / sum(weights)
block = os.urandom(8 << 20)
for i, w in enumerate(weights):
    size = max(1, int(w * scale))
    folder = f"{root}/{['oa-db', 'exchange', 'uploads', 'mail'][i % 4]}"
    os.makedirs(folder, exist_ok=True)
    with open(f"{folder}/{i:05}-{rng.randrange(16**6):06x}.bin", "wb") as f:
        left, at = size, (i * 4099) % len(block)
        while left:
            chunk = block[at:at + left] or block[:left]
            f.write(chunk)
            left -= len(chunk)
            at = 0
EOF
du -sh "$ROOT/corpus/set"

# Shard results of N into $1/…; prints nothing.
run_shards() { # DIR N [parallel]
  mkdir -p "$1"
  for i in $(seq 1 "$2"); do
    "$OPSBOOK" -C "$ROOT/corpus" --quiet --now "$NOW" verify --shard "$i/$2" --json "$1/$i.json" &
    [ "${3:-}" = parallel ] || wait
  done
  wait
}

# Bytes read by each shard of a result folder, against the 1/N share.
balance() { # LABEL DIR N
  jq -s --arg name "$1" --argjson n "$3" '
    [.[] | [.result.report.sets[].checked_bytes] | add] as $b
    | ($b | add) as $t
    | ([.[0].result.report.sets[].files] | add) as $files
    | "\($name), \($files) files: N = \($n), bytes read by each shard / (total / N): "
      + ([$b[] | . * $n / $t * 1000 | round / 1000 | tostring] | join(", "))' -r "$2"/*.json
}

echo "--- the single run, and each shard alone (hyperfine, $RUNS runs, page cache warm)"
rm -rf "$ROOT/corpus/state"
hyperfine --warmup 1 --runs "$RUNS" --export-json "$ROOT/single.json" \
  "$OPSBOOK -C $ROOT/corpus --quiet --now $NOW verify --full" >/dev/null
SINGLE=$(jq '.results[0].median' "$ROOT/single.json")
SINGLE_CPU=$(jq '.results[0].user + .results[0].system' "$ROOT/single.json")
for n in $SHARDS; do
  hyperfine --warmup 1 --runs "$RUNS" --export-json "$ROOT/alone-$n.json" -L i "$(seq -s, 1 "$n")" \
    "$OPSBOOK -C $ROOT/corpus --quiet --now $NOW verify --shard {i}/$n" >/dev/null
  jq -r --argjson n "$n" --argjson one "$SINGLE" '
    (.results | map(.median)) as $s
    | "N = \($n): single \($one * 1000 | round) ms; each shard alone: "
      + ([$s[] | "\(. * 1000 | round) ms"] | join(", "))
      + "; single / slowest shard = \($one / ($s | max) * 100 | round / 100)x (ideal: \($n)x)"' \
    "$ROOT/alone-$n.json"
  # CPU time (user + system) does not swing with the machine's load as wall
  # time does: it shows the work split, and what a shard costs beyond its part.
  jq -r --argjson n "$n" --argjson one "$SINGLE_CPU" '
    (.results | map(.user + .system)) as $c
    | "N = \($n): CPU single \($one * 1000 | round) ms; each shard: "
      + ([$c[] | "\(. * 1000 | round) ms"] | join(", "))
      + "; all shards / single = \(($c | add) / $one * 100 | round / 100)"' \
    "$ROOT/alone-$n.json"
done

echo "--- N shards as N processes at once, against the single run"
export -f run_shards
export OPSBOOK ROOT NOW
for n in $SHARDS; do
  hyperfine --warmup 1 --runs "$RUNS" --export-json "$ROOT/together-$n.json" \
    -n single "$OPSBOOK -C $ROOT/corpus --quiet --now $NOW verify --full" \
    --shell=bash -n "$n shards at once" "run_shards $ROOT/together $n parallel" \
    >/dev/null
  jq -r --argjson n "$n" '"N = \($n): single \(.results[0].median * 1000 | round) ms; \($n) shards at once \(.results[1].median * 1000 | round) ms (all on this machine'"'"'s '"$(nproc)"' cores)"' \
    "$ROOT/together-$n.json"
done

echo "--- balance"
for n in $SHARDS; do
  rm -rf "$ROOT/b$n"
  run_shards "$ROOT/b$n" "$n"
  balance "generated corpus" "$ROOT/b$n" "$n"
done
mkdir -p "$ROOT/example"
cp -r opsbook.toml backups "$ROOT/example/"
for n in $SHARDS; do
  mkdir -p "$ROOT/e$n"
  for i in $(seq 1 "$n"); do
    "$OPSBOOK" -C "$ROOT/example" --quiet --now "$NOW" verify --shard "$i/$n" --json "$ROOT/e$n/$i.json" >/dev/null 2>&1
  done
  balance "example project" "$ROOT/e$n" "$n"
done

echo "--- the merge keeps what the single run keeps"
for n in $SHARDS; do
  rm -rf "$ROOT/corpus/state" "$ROOT/m$n"
  "$OPSBOOK" -C "$ROOT/corpus" --quiet --now "$NOW" verify --json "$ROOT/single.json"
  cp "$ROOT/corpus/state/baseline/set.jsonl" "$ROOT/single-baseline.jsonl"
  rm -rf "$ROOT/corpus/state"
  run_shards "$ROOT/m$n" "$n" parallel
  start=$(date +%s%N)
  "$OPSBOOK" -C "$ROOT/corpus" --quiet verify --json "$ROOT/merged.json" --merge "$ROOT/m$n"/*.json
  took=$((($(date +%s%N) - start) / 1000000))
  same=no
  if diff <(jq 'del(.finished_at)' "$ROOT/single.json") <(jq 'del(.finished_at)' "$ROOT/merged.json") >/dev/null &&
     cmp -s "$ROOT/single-baseline.jsonl" "$ROOT/corpus/state/baseline/set.jsonl"; then
    same=yes
  fi
  echo "N = $n: merge took $took ms; report and baseline the same as the single run's: $same"
done
