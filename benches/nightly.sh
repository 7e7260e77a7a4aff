#!/usr/bin/env bash
# The nightly run on the example project (a full service year: 496 notes,
# sample logs and backups): from nothing (no `site/`, no `state/`, as on a
# fresh CI runner without a cache) and again with nothing changed, beside
# `opsbook check` and a full `opsbook build` alone, so the cost of the other
# stages shows as the difference. Then the peak memory of a nightly run.
#
#   bash benches/nightly.sh        (needs hyperfine: apt-get install -y hyperfine)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=$PWD/target/release/opsbook
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r opsbook.toml schedules content backups logs "$work/"
# The example is a service year that ended on 2025-12-31, with backups of
# its last days: judged at a clock just after it, as its settings expect.
now="--now 2026-01-10"

nightly="$bin -C $work --quiet $now nightly --json $work/nightly.json --junit $work/nightly.xml"
hyperfine --warmup 2 --runs "${BENCH_RUNS:-10}" -N --export-json "$work/times.json" \
  --prepare true --prepare "rm -rf $work/site" --prepare "rm -rf $work/site $work/state" --prepare true \
  -n "check" "$bin -C $work --quiet $now check" \
  -n "build, no site yet" "$bin -C $work --quiet $now build" \
  -n "nightly, no site or state yet" "$nightly" \
  -n "nightly, nothing changed" "$nightly"

python3 - "$work/times.json" <<'EOF'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print(f"median {r['median'] * 1000:6.0f} ms  {r['command']}")
EOF

echo "--- peak memory of one nightly run from nothing"
rm -rf "$work/site" "$work/state"
/usr/bin/time -v "$bin" -C "$work" --quiet $now nightly 2>&1 >/dev/null |
  grep -E "Maximum resident set size|Elapsed \(wall clock\)"
