#!/usr/bin/env python3
"""Writes the example project's metrics: logs/metrics/metrics-2025-12.jsonl.zst.

Every host of the hardware register (app-01, app-02, db-01, the exchange
gateway ex-01, the storage st-01) sends a `metric` event every 5 minutes
through December 2025 (Asia/Shanghai). The lines the example had before
(every 30 minutes from 28 December) are kept as they are; the samples
between them are interpolated, so those days' peaks (db-01's 88 % disk on
30 December) stay what they were. Earlier days follow a working-day curve
with a little noise, all under the thresholds; app-02 is silent for 45
minutes on 9 December (a reboot), the example's monitoring gap.
Deterministic (fixed seed). Run from the repository root:

    python3 benches/gen_example_metrics.py
"""
import json
import math
import random
import subprocess
from datetime import datetime, timedelta, timezone

PATH = "logs/metrics/metrics-2025-12.jsonl.zst"
CST = timezone(timedelta(hours=8))
HOSTS = {  # cpu, mem, disk baselines
    "app-01": (18, 70, 51),
    "app-02": (16, 58, 54),
    "db-01": (22, 67, 70),
    "ex-01": (12, 62, 39),
    "st-01": (6, 35, 61),
}
GAP = ("app-02", datetime(2025, 12, 9, 2, 0, tzinfo=CST), datetime(2025, 12, 9, 2, 45, tzinfo=CST))

rnd = random.Random(20251201)
old = subprocess.run(["zstd", "-dc", PATH], check=True, capture_output=True, text=True).stdout.splitlines()
known = {}  # host -> sorted [(time, (cpu, mem, disk))]
for line in old:
    r = json.loads(line)
    t = datetime.fromisoformat(r["ts"].replace("Z", "+00:00"))
    known.setdefault(r["host"], []).append((t, (r["cpu"], r["mem"], r["disk"])))
for v in known.values():
    v.sort()


def curve(host, t):
    cpu, mem, disk = HOSTS[host]
    local = t.astimezone(CST)
    hour = local.hour + local.minute / 60
    busy = math.exp(-((hour - 10.5) ** 2) / 8) + 0.8 * math.exp(-((hour - 15.5) ** 2) / 6)
    if local.weekday() >= 5:
        busy *= 0.3
    day = local.day
    return (
        round(min(85.0, cpu * (0.5 + busy) + rnd.uniform(-2, 2)), 1),
        round(min(85.0, mem + 8 * busy + rnd.uniform(-1.5, 1.5)), 1),
        round(min(80.0, disk + day * 0.1 + rnd.uniform(-0.2, 0.2)), 1),
    )


def between(samples, t):
    """Linear between the kept samples around t (the last one after them)."""
    for (a, va), (b, vb) in zip(samples, samples[1:]):
        if a <= t <= b:
            f = (t - a) / (b - a)
            return tuple(round(x + (y - x) * f, 1) for x, y in zip(va, vb))
    return samples[-1][1]


lines = []
start = datetime(2025, 12, 1, tzinfo=CST)
end = datetime(2026, 1, 1, tzinfo=CST)
kept = {(h, t) for h, v in known.items() for t, _ in v}
for host in HOSTS:
    t = start
    samples = known.get(host)
    while t < end:
        if (host, t) not in kept and not (host == GAP[0] and GAP[1] <= t < GAP[2]):
            if samples and t >= samples[0][0]:
                cpu, mem, disk = between(samples, t)
            else:
                cpu, mem, disk = curve(host, t)
            ts = t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
            lines.append((ts, host, json.dumps(
                {"ts": ts, "level": "INFO", "host": host, "service": "monitor", "event": "metric",
                 "cpu": cpu, "mem": mem, "disk": disk}, separators=(",", ":"))))
        t += timedelta(minutes=5)
for line in old:
    r = json.loads(line)
    lines.append((r["ts"], r["host"], line))
lines.sort()
text = "".join(l + "\n" for _, _, l in lines)
subprocess.run(["zstd", "-q", "-19", "-f", "-o", PATH], input=text, check=True, text=True)
print(f"{len(lines)} lines ({len(old)} kept) -> {PATH}")
