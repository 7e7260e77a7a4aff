#!/usr/bin/env bash
# The nightly run on the example project (a full service year: 496 notes),
# against `opsbook check` and `opsbook build` alone, so the cost of the
# contract analysis and the summary shows as the difference.
#
#   bash benches/nightly.sh        (needs hyperfine: apt-get install -y hyperfine)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=target/release/opsbook
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r opsbook.toml schedules content "$work/"

hyperfine --warmup 3 --runs 20 -N \
  "$bin -C $work --now 2026-01-01 check" \
  "$bin -C $work --now 2026-01-01 build" \
  "$bin -C $work --now 2026-01-01 nightly --json $work/nightly.json --junit $work/nightly.xml"

echo "--- peak memory of one nightly run"
/usr/bin/time -v "$bin" -C "$work" --now 2026-01-01 --quiet nightly 2>&1 >/dev/null |
  grep -E "Maximum resident set size|Elapsed \(wall clock\)"
