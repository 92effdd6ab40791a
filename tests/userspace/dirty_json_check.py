#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Parse the `v3chkpt vm dirty --json` objects the CLI tests print in the
kselftest guest (which has no JSON parser): lines "# V3CHKPT-JSON TAG OBJ"
in its results.log.  TAP on stdout, one line per expected object.

  count=N      N intervals, each with pages > 0, not interrupted
  interrupted  stopped by a signal: at least one interval, interrupted
"""
import json
import sys

EXPECTED = ("count=3", "interrupted")
INTERVAL_KEYS = {"secs", "pages", "mb_s", "harvest_us", "exits", "scanned"}
TOP_KEYS = {"vm", "mode", "interval_s", "intervals", "total_pages",
            "total_s", "avg_mb_s", "interrupted"}


def mib_s(pages, secs):
    return pages * 4096 / 2**20 / secs if secs > 0 else 0.0


def close(a, b):
    return abs(a - b) <= 0.01 + abs(b) / 100


def check(tag, text):
    """None if the object is right, else what is wrong."""
    try:
        o = json.loads(text)
    except ValueError as e:
        return f"not JSON: {e}"
    if not isinstance(o, dict) or set(o) != TOP_KEYS:
        return f"keys {sorted(o) if isinstance(o, dict) else type(o)}"
    if o["mode"] not in ("wp", "ad", "pml") or not isinstance(o["vm"], str):
        return f"vm {o['vm']!r} mode {o['mode']!r}"
    ivs = o["intervals"]
    if not isinstance(ivs, list) or not ivs:
        return "no intervals"
    for i, iv in enumerate(ivs):
        if not isinstance(iv, dict) or set(iv) != INTERVAL_KEYS:
            return f"interval {i}: keys {iv}"
        if not all(isinstance(iv[k], int) and iv[k] >= 0
                   for k in ("pages", "exits", "scanned")):
            return f"interval {i}: counts {iv}"
        if iv["secs"] <= 0 or not close(iv["mb_s"], mib_s(iv["pages"], iv["secs"])):
            return f"interval {i}: MB/s {iv['mb_s']} for {iv}"
    total = sum(iv["pages"] for iv in ivs)
    secs = sum(iv["secs"] for iv in ivs)
    if o["total_pages"] != total or not close(o["total_s"], secs):
        return f"totals {o['total_pages']} pages {o['total_s']} s, intervals {total} {secs}"
    if not close(o["avg_mb_s"], mib_s(total, secs)):
        return f"avg_mb_s {o['avg_mb_s']}, want {mib_s(total, secs)}"
    if tag.startswith("count="):
        n = int(tag[6:])
        if len(ivs) != n or o["interrupted"] is not False:
            return f"{len(ivs)} intervals, interrupted {o['interrupted']}"
        if any(iv["pages"] == 0 for iv in ivs):
            return "an interval of a running VM with 0 pages"
    elif o["interrupted"] is not True:
        return "not marked interrupted"
    return None


def main():
    found = {}
    with open(sys.argv[1], errors="replace") as f:
        for line in f:
            line = line.rstrip("\r\n")
            if line.startswith("# V3CHKPT-JSON "):
                tag, _, obj = line[len("# V3CHKPT-JSON "):].partition(" ")
                found[tag] = obj
    print(f"1..{len(EXPECTED)}")
    for n, tag in enumerate(EXPECTED, 1):
        err = check(tag, found[tag]) if tag in found else "not printed by the guest"
        print(f"{'not ok' if err else 'ok'} {n} cli: vm dirty --json ({tag}) parses"
              " and adds up")
        if err:
            print(f"# {err}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
