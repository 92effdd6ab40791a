#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Parse the `v3chkpt migrate --json` and `receive --json` objects the CLI
tests print in the kselftest guest (which has no JSON parser): lines
"# V3CHKPT-MIGJSON TAG OBJ" in its results.log.  TAP on stdout, one line
per expected object: a migration DONE whose figures add up.
"""
import json
import sys

EXPECTED = ("migrate", "receive")
KEYS = {"ok", "command", "vm", "target", "state", "cancelled", "total_s",
        "downtime_ms", "pause_ms", "expected_downtime_ms", "rounds", "bytes_sent",
        "guest_bytes", "sent_ratio", "pages_sent", "pages_zero", "pages_lz4",
        "page_bytes", "compression_ratio", "throttle_pct"}


def close(a, b):
    return abs(a - b) <= 0.001 + abs(b) / 1000


def check(tag, text):
    """None if the object is right, else what is wrong."""
    try:
        o = json.loads(text)
    except ValueError as e:
        return f"not JSON: {e}"
    want = KEYS | ({"vm_state"} if tag == "receive" else set())
    if not isinstance(o, dict) or set(o) != want:
        return f"keys {sorted(o) if isinstance(o, dict) else type(o)}"
    if o["ok"] is not True or o["state"] != "DONE" or o["cancelled"] is not False:
        return f"ok {o['ok']} state {o['state']} cancelled {o['cancelled']}"
    if o["command"] != tag or not o["target"].startswith("net:"):
        return f"command {o['command']} target {o['target']}"
    if tag == "receive" and o["vm_state"] not in ("running", "paused"):
        return f"vm_state {o['vm_state']}"
    ints = ("rounds", "bytes_sent", "guest_bytes", "pages_sent", "pages_zero",
            "pages_lz4", "page_bytes", "throttle_pct")
    if not all(isinstance(o[k], int) and o[k] >= 0 for k in ints):
        return f"counts {[o[k] for k in ints]}"
    if o["rounds"] < 1 or o["bytes_sent"] <= 0 or o["guest_bytes"] <= 0:
        return f"rounds {o['rounds']} bytes {o['bytes_sent']} of {o['guest_bytes']}"
    if o["pages_sent"] < o["guest_bytes"] // 4096:
        return f"{o['pages_sent']} pages sent for {o['guest_bytes']} bytes"
    if not o["pages_zero"] <= o["pages_sent"] or o["pages_lz4"] > o["pages_sent"] - o["pages_zero"]:
        return f"pages {o['pages_sent']} zero {o['pages_zero']} lz4 {o['pages_lz4']}"
    if not close(o["sent_ratio"], o["bytes_sent"] / o["guest_bytes"]):
        return f"sent_ratio {o['sent_ratio']}"
    nonzero = (o["pages_sent"] - o["pages_zero"]) * 4096
    ratio = nonzero / o["page_bytes"] if o["page_bytes"] else 1.0
    if not close(o["compression_ratio"], ratio):
        return f"compression_ratio {o['compression_ratio']}, want {ratio}"
    if tag == "migrate" and not 0 < o["downtime_ms"] <= o["total_s"] * 1000:
        return f"downtime {o['downtime_ms']} ms of {o['total_s']} s"
    if tag == "migrate" and not 0 <= o["pause_ms"] <= o["downtime_ms"]:
        return f"pause {o['pause_ms']} ms of a {o['downtime_ms']} ms downtime"
    return None


def main():
    found = {}
    with open(sys.argv[1], errors="replace") as f:
        for line in f:
            line = line.rstrip("\r\n")
            if line.startswith("# V3CHKPT-MIGJSON "):
                tag, _, obj = line[len("# V3CHKPT-MIGJSON "):].partition(" ")
                found[tag] = obj
    print(f"1..{len(EXPECTED)}")
    for n, tag in enumerate(EXPECTED, 1):
        err = check(tag, found[tag]) if tag in found else "not printed by the guest"
        print(f"{'not ok' if err else 'ok'} {n} cli: {tag} --json parses and adds up")
        if err:
            print(f"# {err}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
