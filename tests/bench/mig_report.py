#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make bench, migration pair: the figures of issue 12 section 8 from guest
B's results.log (tests/bench/payload-mig-b.sh): lines "TCP tcp MB/s BEST
MIN MEDIAN", "MIGJSON LABEL {migrate --json}" and "MIGDIRTY {vm dirty
--json}".  Prints ratios (median, min, max over the runs); exits 1 if a
migration failed or a figure is missing."""
import json
import statistics
import sys

TARGET_MS = 50.0


def parse(path):
    tcp, runs, dirty = None, {}, []
    with open(path, errors="replace") as f:
        for line in f:
            line = line.strip("\r\n")
            word = line.split(" ", 2)
            if word[0] == "TCP" and len(word) > 2:
                f3 = line.split()
                tcp = float(f3[3]) if len(f3) > 3 else None
            elif word[0] == "MIGJSON" and len(word) > 1:
                try:
                    obj = json.loads(word[2]) if len(word) > 2 else None
                except ValueError:
                    obj = None
                if obj is not None and dirty:
                    obj["_dirty"] = dirty[-1]   # measured just before
                runs.setdefault(word[1], []).append(obj)
            elif word[0] == "MIGDIRTY":
                try:
                    dirty.append(json.loads(line.split(" ", 1)[1]))
                except (ValueError, IndexError):
                    dirty.append(None)
    return tcp, runs, dirty


def row(name, vals, fmt="%.2f"):
    vals = [v for v in vals if v is not None]
    if not vals:
        print("  %-44s %10s" % (name, "-"))
        return None
    med = statistics.median(vals)
    print("  %-44s %10s %10s %10s" % (name, fmt % med, fmt % min(vals),
                                       fmt % max(vals)))
    return med


def main():
    tcp, runs, dirty = parse(sys.argv[1])
    bad = 0
    for label, objs in runs.items():
        for i, o in enumerate(objs):
            if not o or not o.get("ok"):
                bad += 1
                print("bench: migration %s run %d failed: %s" % (
                    label, i + 1, json.dumps(o) if o else "no report"))
    ok = {k: [o for o in v if o and o.get("ok")] for k, v in runs.items()}
    d, z, c = ok.get("default", []), ok.get("lz4", []), ok.get("capped", [])
    mib = lambda o: o["guest_bytes"] >> 20 if o else 0
    print("live migration between two QEMU/TCG guests (1 vCPU each), %d MiB"
          " 2-vCPU VM, memory all non-zero, a write-heavy hot/cold workload;"
          " %d+%d+%d runs" % (mib((d or z or c or [None])[0]), len(d), len(z),
                              len(c)))
    print("  %-44s %10s %10s %10s" % ("", "median", "min", "max"))
    print("  %-44s %10s" % ("baseline: raw TCP B -> A, MB/s (median)",
                            "%.0f" % tcp if tcp else "-"))
    print("default settings (downtime target 50 ms, no bandwidth cap):")
    row("downtime, ms", [o["downtime_ms"] for o in d], "%.1f")
    row("expected downtime (last round), ms",
        [o["expected_downtime_ms"] for o in d], "%.1f")
    row("downtime / 50 ms target", [o["downtime_ms"] / TARGET_MS for o in d])
    row("downtime / expected (issue: <= 1.5)",
        [o["downtime_ms"] / o["expected_downtime_ms"]
         if o["expected_downtime_ms"] > 0 else None for o in d])
    row("total time, s", [o["total_s"] for o in d])
    thr = row("throughput (bytes sent / total time), MB/s",
              [o["bytes_sent"] / o["total_s"] / 1e6 for o in d], "%.0f")
    row("throughput / raw TCP",
        [o["bytes_sent"] / o["total_s"] / 1e6 / tcp if tcp else None
         for o in d])
    row("bytes sent / guest RAM", [o["sent_ratio"] for o in d])
    row("rounds", [o["rounds"] for o in d], "%.0f")
    print("--compress lz4 (each run against the median of the default runs):")
    if d and z:
        mb = statistics.median(o["bytes_sent"] for o in d)
        mt = statistics.median(o["total_s"] for o in d)
        row("bytes sent / default's", [o["bytes_sent"] / mb for o in z])
        row("total time / default's", [o["total_s"] / mt for o in z])
    row("downtime, ms", [o["downtime_ms"] for o in z], "%.1f")
    row("downtime / expected",
        [o["downtime_ms"] / o["expected_downtime_ms"]
         if o["expected_downtime_ms"] > 0 else None for o in z])
    row("compression (non-zero pages raw / on wire)",
        [o["compression_ratio"] for o in z])
    print("capped at 4x the guest's dirty rate (it dirties at ~25% of the"
          " bandwidth):")
    rates = [x.get("avg_mb_s") for x in dirty if x]
    row("dirty rate measured before, MiB/s", rates, "%.1f")
    row("cap, MiB/s", [max(int(r * 4 * 1024), 1024) / 1024 for r in rates],
        "%.1f")
    row("dirty rate / achieved (bytes sent / time)",
        [o["_dirty"]["avg_mb_s"] * 1048576 / (o["bytes_sent"] / o["total_s"])
         if o.get("_dirty") else None for o in c])
    row("bytes sent / guest RAM", [o["sent_ratio"] for o in c])
    row("total time, s", [o["total_s"] for o in c])
    row("rounds", [o["rounds"] for o in c], "%.0f")
    row("downtime / expected",
        [o["downtime_ms"] / o["expected_downtime_ms"]
         if o["expected_downtime_ms"] > 0 else None for o in c])
    row("throttle at the end, %", [o["throttle_pct"] for o in c], "%.0f")
    if bad or not tcp or not d or not z or not c or not thr:
        print("bench: migration figures incomplete (%d failed)" % bad)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
