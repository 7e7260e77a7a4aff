#!/usr/bin/env bash
# Benchmark of `opsbook build` against Hugo on the same corpus: a full build
# and a rebuild with nothing changed, at 10k and 50k notes, writing to disk
# and to tmpfs (/dev/shm), with peak RSS and the number of files written.
#
#   bash benches/portal.sh                 # 10000 and 50000 notes
#   SIZES=2000 RUNS=2 bash benches/portal.sh
#
# Needs hyperfine, hugo (apt-get install -y hyperfine hugo), python3 and GNU
# time (/usr/bin/time). The corpus (benches/gen_corpus.py) is markdown with a
# table, a third of the notes in Chinese, one taxonomy (Hugo's tags). Results
# go to stdout and to $OUT/results.md. Timings are medians of RUNS runs.
#
# Before each full build the previous output is moved aside, not deleted:
# ext4 avoids reusing inodes freed in the last minutes, and creating files
# right after deleting as many costs both tools several seconds of kernel
# time that a build into a fresh folder (a CI checkout) never pays. Old
# outputs are deleted at the very end.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=${SIZES:-"10000 50000"}
RUNS=${RUNS:-3}
DISK=${DISK:-$PWD/target/bench}
TMPFS=${TMPFS:-/dev/shm/opsbook-bench}
OUT=${OUT:-$PWD/target/bench}
# Past the corpus's last day, so every period gets its report.
NOW=2099-12-31

for tool in hyperfine hugo python3 /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "benches/portal.sh needs $tool" >&2; exit 2; }
done
cargo build --release --quiet
OPSBOOK=$PWD/target/release/opsbook
mkdir -p "$OUT"
results="$OUT/results.md"

median() { # hyperfine JSON → median seconds
  python3 -c 'import json,sys; print("%.3f" % json.load(open(sys.argv[1]))["results"][0]["median"])' "$1"
}
peak_rss_mb() { # command... → peak RSS in MB of one run
  /usr/bin/time -f "%M" -o "$OUT/rss" "$@" >/dev/null 2>&1
  echo $(( $(tail -1 "$OUT/rss") / 1024 ))
}

{
  echo "| notes | where | opsbook full | opsbook no-op | Hugo full | Hugo no-op | full ratio | no-op / full | opsbook RSS | Hugo RSS | opsbook files | Hugo files |"
  echo "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
} > "$results"

for n in $SIZES; do
  runs=$RUNS
  [ "$n" -ge 50000 ] && runs=$(( RUNS > 1 ? RUNS - 1 : 1 ))
  for place in disk tmpfs; do
    root=$DISK/n$n
    [ "$place" = tmpfs ] && root=$TMPFS/n$n
    rm -rf "$root"
    mkdir -p "$root/trash"
    aside="mv '$root/%s' \"\$(mktemp -d -p '$root/trash')\" 2>/dev/null; sync"
    echo "--- $n notes on $place ($root)" >&2
    python3 benches/gen_corpus.py "$n" "$root"
    ob="$root/opsbook"
    hg="$root/hugo"
    sync

    hyperfine --style basic --runs "$runs" --export-json "$OUT/ob-full.json" \
      --prepare "$(printf "$aside" opsbook/site)" \
      "$OPSBOOK -C '$ob' --now $NOW -q build" >&2
    eval "$(printf "$aside" opsbook/site)"
    ob_rss=$(peak_rss_mb "$OPSBOOK" -C "$ob" --now $NOW -q build)
    ob_files=$(find "$ob/site" -type f | wc -l)
    hyperfine --style basic --warmup 1 --runs $(( runs * 3 )) --export-json "$OUT/ob-noop.json" \
      "$OPSBOOK -C '$ob' --now $NOW -q build" >&2

    hyperfine --style basic --runs "$runs" --export-json "$OUT/hg-full.json" \
      --prepare "$(printf "$aside" hugo/public); rm -rf '$hg/resources'" \
      "hugo --quiet -s '$hg'" >&2
    eval "$(printf "$aside" hugo/public)"
    rm -rf "$hg/resources"
    hg_rss=$(peak_rss_mb hugo --quiet -s "$hg")
    hg_files=$(find "$hg/public" -type f | wc -l)
    hyperfine --style basic --runs "$runs" --export-json "$OUT/hg-noop.json" \
      "hugo --quiet -s '$hg'" >&2

    of=$(median "$OUT/ob-full.json"); on=$(median "$OUT/ob-noop.json")
    hf=$(median "$OUT/hg-full.json"); hn=$(median "$OUT/hg-noop.json")
    ratio=$(python3 -c "print('%.2f' % ($of / $hf))")
    noop=$(python3 -c "print('%.1f%%' % (100 * $on / $of))")
    echo "| $n | $place | ${of} s | ${on} s | ${hf} s | ${hn} s | ${ratio}× | $noop | ${ob_rss} MB | ${hg_rss} MB | $ob_files | $hg_files |" >> "$results"
    [ "$place" = tmpfs ] && rm -rf "$root"
  done
done
for n in $SIZES; do rm -rf "$DISK/n$n"; done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$results"
cat "$results"
