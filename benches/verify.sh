#!/usr/bin/env bash
# Benchmark of `opsbook verify` against the peer tools, side by side:
#   b3sum    on several large files and on ~100k small files,
#   zstd -t  on one large .sql.zst and on several .zst files,
# printed as ratios of medians (hyperfine), plus opsbook's peak RSS
# (/usr/bin/time -v). The corpus is made under a temporary folder
# (BENCH_DIR to choose it; about 7 GiB) and removed at the end unless
# BENCH_KEEP=1. Page cache warm: every command runs once before timing.
#
#   cargo build --release && bash benches/verify.sh
#
# Knobs: BENCH_RUNS (default 5), BENCH_LARGE_GIB (4), BENCH_SMALL (100000),
# BENCH_SQL_ROWS (14200000: about 1 GiB of SQL text).
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${BENCH_RUNS:-5}
LARGE_GIB=${BENCH_LARGE_GIB:-4}
SMALL=${BENCH_SMALL:-100000}
SQL_ROWS=${BENCH_SQL_ROWS:-14200000}
OPSBOOK=${OPSBOOK:-$PWD/target/release/opsbook}

for tool in hyperfine b3sum zstd jq /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "missing: $tool (apt-get install -y hyperfine zstd jq time; cargo install b3sum)" >&2; exit 2; }
done
[ -x "$OPSBOOK" ] || { echo "build first: cargo build --release" >&2; exit 2; }

ROOT=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/opsbook-bench.XXXXXX")
[ "${BENCH_KEEP:-0}" = 1 ] || trap 'rm -rf "$ROOT"' EXIT
echo "corpus in $ROOT"

# SQL-like text: a pg_dump COPY block with varied rows.
sql_text() { # ROWS SEED
  awk -v n="$1" -v s="$2" 'BEGIN {
    print "--\n-- PostgreSQL database dump\n--\n"
    print "CREATE TABLE public.documents (id integer, title text, status text, at date, body text);\n"
    print "COPY public.documents (id, title, status, at, body) FROM stdin;"
    srand(s)
    for (i = 0; i < n; i++)
      printf "%d\t关于第%d号文件的通知\t%s\t2025-%02d-%02d\t%x%x\n", i, i * 7 + s, (rand() < 0.9 ? "ok" : "failed"), i % 12 + 1, i % 28 + 1, rand() * 2^31, rand() * 2^31
    print "\\.\n\n--\n-- PostgreSQL database dump complete\n--\n"
  }'
}

project() { # DIR KIND [SET_DIR]
  mkdir -p "$1"
  printf '[project]\nname = "bench"\n\n[[backups]]\nname = "set"\npath = "%s"\nkind = "%s"\n' "${3:-$1/set}" "$2" > "$1/opsbook.toml"
}

echo "--- making the corpus"
project "$ROOT/large" files
mkdir -p "$ROOT/large/set"
for i in $(seq 1 "$LARGE_GIB"); do
  head -c $((1 << 30)) /dev/urandom > "$ROOT/large/set/part$i.bin"
done

project "$ROOT/small" files
mkdir -p "$ROOT/small/set"
python3 - "$ROOT/small/set" "$SMALL" <<'EOF'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
block = os.urandom(4096 + 1000)
for d in range(n // 1000 + 1):
    os.makedirs(f"{root}/{d:03}", exist_ok=True)
for i in range(n):
    with open(f"{root}/{i // 1000:03}/f{i:06}.dat", "wb") as f:
        f.write(block[i % 1000:i % 1000 + 4096])
EOF

project "$ROOT/onezst" files
mkdir -p "$ROOT/onezst/set"
# ~1 GiB decoded: rows of ~76 bytes.
sql_text "$SQL_ROWS" 1 | zstd -q -3 -T0 > "$ROOT/onezst/set/oa.sql.zst"
project "$ROOT/onezst-pg" pgdump "$ROOT/onezst/set"

project "$ROOT/manyzst" files
mkdir -p "$ROOT/manyzst/set"
for i in 1 2 3 4; do
  sql_text "$((SQL_ROWS / 4))" "$((i + 10))" | zstd -q -3 -T0 > "$ROOT/manyzst/set/oa-$i.sql.zst"
done
du -sh "$ROOT"/* | sed 's/^/  /'
stored=$(stat -c %s "$ROOT/onezst/set/oa.sql.zst")
decoded=$(zstd -dc "$ROOT/onezst/set/oa.sql.zst" | wc -c)
echo "  one .sql.zst: $stored bytes stored, $decoded decoded"

verify() { echo "$OPSBOOK -C $1 --quiet verify --full"; }

RESULTS=()
compare() { # NAME PEER_CMD OPSBOOK_CMD
  local name=$1 json="$ROOT/$1.json"
  hyperfine -N --warmup 1 --runs "$RUNS" --style none --export-json "$json" \
    -n peer "$2" -n opsbook "$3" >/dev/null
  local peer ours peer_cpu ours_cpu
  peer=$(jq '.results[] | select(.command == "peer") | .median' "$json")
  ours=$(jq '.results[] | select(.command == "opsbook") | .median' "$json")
  peer_cpu=$(jq '.results[] | select(.command == "peer") | .user + .system' "$json")
  ours_cpu=$(jq '.results[] | select(.command == "opsbook") | .user + .system' "$json")
  RESULTS+=("$(printf '%-34s %9.3f s %9.3f s %8.2fx   %7.3f s %7.3f s' "$name" "$peer" "$ours" \
    "$(awk -v a="$peer" -v b="$ours" 'BEGIN { print a / b }')" "$peer_cpu" "$ours_cpu")")
}

echo "--- timing ($RUNS runs each, medians)"
compare "large files: b3sum" "sh -c 'b3sum $ROOT/large/set/*.bin >/dev/null'" "$(verify "$ROOT/large")"
compare "100k small files: b3sum" "sh -c 'cd $ROOT/small/set && find . -type f -print0 | xargs -0 b3sum >/dev/null'" "$(verify "$ROOT/small")"
compare "one .sql.zst: zstd -t" "zstd -q -t $ROOT/onezst/set/oa.sql.zst" "$(verify "$ROOT/onezst")"
compare "one .sql.zst (pgdump): zstd -t" "zstd -q -t $ROOT/onezst/set/oa.sql.zst" "$(verify "$ROOT/onezst-pg")"
compare "several .zst: zstd -t" "sh -c 'zstd -q -t $ROOT/manyzst/set/*.zst'" "$(verify "$ROOT/manyzst")"

rss() { /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F': ' '/Maximum resident/ {printf "%.1f MiB", $2 / 1024}'; }

echo
echo "                                   wall, medians                      CPU (user+sys), means"
echo "scenario                           peer       opsbook     peer/opsbook   peer     opsbook"
printf '%s\n' "${RESULTS[@]}"
echo
echo "peak RSS of opsbook:"
echo "  one .sql.zst (files):   $(rss $(verify "$ROOT/onezst"))"
echo "  one .sql.zst (pgdump):  $(rss $(verify "$ROOT/onezst-pg"))"
echo "  several .zst:           $(rss $(verify "$ROOT/manyzst"))"
echo "  100k small files:       $(rss $(verify "$ROOT/small"))"
echo "  large files (mmap'd):   $(rss $(verify "$ROOT/large"))"
echo "peak RSS of the peers:"
echo "  zstd -t, one .sql.zst:  $(rss zstd -q -t "$ROOT/onezst/set/oa.sql.zst")"
echo "  b3sum, large files:     $(rss sh -c "b3sum $ROOT/large/set/*.bin")"
echo
echo "load average during the run: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
