#!/usr/bin/env bash
# What a year of server records costs the nightly run once the logs are
# ingested: the example project as it is, beside the same project with a
# year of metrics of 10 more hosts every 5 minutes (about 1 M lines, from
# benches/gen_metrics_year.py), each run once first so that its logs are in
# `state/logs/` and its portal built. Both then run `nightly` with nothing
# changed: the difference is reading the cached host-day aggregates, making
# 3,650 server records and 120 monthly reports, planning their pages (none
# is rendered again) and judging 10 more daily coverage obligations.
#
# Server records are planned by month, by a key of the month's evidence:
# a month whose evidence is unchanged makes no record and renders nothing,
# and its host-days stay undecoded in state/logs/ (their summaries give
# each day's verdict). What remains is mapping and checking the 7.8 MB of
# host-days, the coverage obligations on the dashboard's calendar and in
# contract.json, the log pages' rows of 10 more hosts and a bigger site
# manifest.
#
# Measured on 2 cores (2026-12-03, medians of 20 runs): 181 ms without,
# 226 ms with (+45 ms, +25 %); another run of 15 gave 187 ms and 243 ms
# (+30 %). Before the host-days were binary and the months keyed: 265 ms
# against 453 ms (+188 ms, +71 %, means of 5 runs), with 18 MB of JSON
# host-days. The aim is +10 %.
#
#   bash benches/servers.sh        (needs hyperfine and zstd)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=$PWD/target/release/opsbook
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for p in plain servers; do
  mkdir -p "$work/$p"
  cp -r opsbook.toml schedules content backups logs "$work/$p/"
done
python3 benches/gen_metrics_year.py "$work/servers/logs/bench"
now=2026-01-10
for p in plain servers; do
  /usr/bin/time -f "$p: first run (ingest and build) %e s, %M KB" \
    "$bin" -C "$work/$p" --quiet --now $now nightly >/dev/null || true
done
du -sh "$work/servers/state/logs" "$work/plain/state/logs"
hyperfine --warmup 1 --runs "${BENCH_RUNS:-10}" -N --export-json "$work/times.json" \
  -n "nightly, example, nothing changed" "$bin -C $work/plain --quiet --now $now nightly" \
  -n "nightly, + a year of 10 servers, nothing changed" "$bin -C $work/servers --quiet --now $now nightly"
python3 - "$work/times.json" <<'EOF'
import json, sys
plain, servers = (r["median"] * 1000 for r in json.load(open(sys.argv[1]))["results"])
print(f"medians: {plain:.0f} ms without, {servers:.0f} ms with (+{servers / plain * 100 - 100:.0f} %)")
EOF
