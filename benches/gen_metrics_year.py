#!/usr/bin/env python3
"""Writes a year of server metrics for the server-records benchmark: HOSTS
hosts (default 10, bench-01 …) sending a `metric` event every 5 minutes
through 2025 (Asia/Shanghai), about 105,000 lines a host, one zstd file per
month under DIR. Deterministic (fixed seed).

    python3 benches/gen_metrics_year.py DIR [HOSTS]
"""
import os
import random
import subprocess
import sys
from datetime import datetime, timedelta, timezone

out_dir = sys.argv[1]
hosts = [f"bench-{i:02d}" for i in range(1, (int(sys.argv[2]) if len(sys.argv) > 2 else 10) + 1)]
CST = timezone(timedelta(hours=8))
rnd = random.Random(2025)
os.makedirs(out_dir, exist_ok=True)
total = 0
for month in range(1, 13):
    start = datetime(2025, month, 1, tzinfo=CST)
    end = datetime(2025 + month // 12, month % 12 + 1, 1, tzinfo=CST)
    lines = []
    t = start
    while t < end:
        ts = t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        for h in hosts:
            lines.append(
                f'{{"ts":"{ts}","level":"INFO","host":"{h}","service":"monitor","event":"metric",'
                f'"cpu":{rnd.uniform(2, 60):.1f},"mem":{rnd.uniform(30, 80):.1f},"disk":{rnd.uniform(40, 70):.1f}}}\n'
            )
        t += timedelta(minutes=5)
    path = os.path.join(out_dir, f"metrics-2025-{month:02d}.jsonl.zst")
    subprocess.run(["zstd", "-q", "-3", "-f", "-o", path], input="".join(lines), text=True, check=True)
    total += len(lines)
print(f"{total} metric lines of {len(hosts)} hosts in {out_dir}")
