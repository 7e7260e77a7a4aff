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
# each day's verdict). Log months, data files and every other page are
# fingerprinted by a binary digest of their data, not their masked JSON.
# What remains is mapping and checking the 7.8 MB of host-days, the
# verdicts and keys of 120 months, the 10 coverage obligations on the
# dashboard's calendar and in the contract's data, digests of the log
# months' rows of 10 more hosts, and a bigger site manifest.
#
# Measured on 2 cores (2026-12-03). The machine's speed drifted by a third
# over the day, so compare figures taken side by side:
#   - before the host-days were binary and the months keyed: 265 ms
#     against 453 ms (+188 ms, +71 %, means of 5 runs);
#   - commit aac6776 beside 14bf6e2, alternating runs (medians of 25):
#     +63.5 ms (+32 %) against +51.8 ms (+28 %);
#   - instructions (valgrind --tool=callgrind, one run each, nothing
#     changed): 905 M without and 1,334 M with (+429 M, +47 %) before,
#     889 M and 1,137 M (+248 M, +28 %) at 14bf6e2. Under valgrind BLAKE3
#     runs without AVX-512, so hashing weighs more there than it does here;
#   - 14bf6e2 beside the current release, this script's setup, hyperfine,
#     30 runs each: 112 ms without and 139 ms with (+27 ms, +24 %) before,
#     70 ms and 88 ms (+18 ms, +25 %) now. The year's cost fell by a third,
#     and so did the nightly run itself (the verification beside the check,
#     the site planned on two cores, no search index made when no record's
#     words changed), so the share stays where it was.
# What the year still costs, in CPU per run: ingesting it (mapping and
# hashing 7.8 MB of host-days, 600 KB of JSON aggregates, the verdicts and
# keys of 120 months) about 9 ms, done after the check while the backups are
# verified; the 10 coverage obligations in the contract, the dashboard and
# the reports about 5 ms; the digests of the log months' rows and the
# planning of 3,770 keyed pages about 4 ms, on the second core.
# The aim is +10 %.
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
