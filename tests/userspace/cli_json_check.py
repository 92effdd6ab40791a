#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Parse the CLI's --json objects printed in a guest (which has no JSON
parser) as "# V3CHKPT-JSON TAG OBJ" lines of its results.log, and compare
each with the text output printed beside it ("# V3CHKPT-TEXT TAG LINE"):
the same fields, the same values.  TAP on stdout, one line per object.
"""
import json
import re
import sys

from inspect_json_check import compare


def version(o, text):
    want = {"module", "abi", "stream_format", "features"}
    if set(o) != want:
        return f"keys {sorted(o)}"
    t = dict(line.split(": ", 1) if ": " in line else (line.rstrip(":"), "")
             for line in text)
    if o["module"] != t["module"] or str(o["abi"]) != t["abi"] or \
       o["stream_format"] != t["stream format"]:
        return f"{o} against {t}"
    text_feats = t["features"].split()
    # the JSON names every feature bit; the text may predate some
    if not isinstance(o["features"], list) or \
       not set(text_feats) <= set(o["features"]):
        return f"features {o['features']} against {text_feats}"
    return None


def mem_list(o, text):
    if set(o) != {"checkpoints"}:
        return f"keys {sorted(o)}"
    rows = [line.split() for line in text[1:]]
    got = [(c["name"], c["bytes"], c["saved"]) for c in o["checkpoints"]]
    want = [(r[0], int(r[1]), " ".join(r[2:])) for r in rows]
    if got != want:
        return f"{got} against {want}"
    for c in o["checkpoints"]:
        if set(c) != {"name", "bytes", "saved", "saved_ns"} or c["saved_ns"] <= 0:
            return f"entry {c}"
    return None


def vm_list(o, text):
    if set(o) != {"vms"}:
        return f"keys {sorted(o)}"
    keys = {"name", "state", "memory", "memory_bytes", "vcpus", "steps",
            "error", "error_name"}
    rows = [line.split() for line in text[1:]]
    if len(rows) != len(o["vms"]) or not rows:
        return f"{len(o['vms'])} VMs against {len(rows)} rows"
    for v, r in zip(o["vms"], rows):
        if set(v) != keys:
            return f"keys {sorted(v)}"
        if [v["name"], v["state"], v["memory"], str(v["vcpus"]),
                str(v["steps"])] != r[:5]:
            return f"{v} against {r}"
        if v["memory"] == "64M" and v["memory_bytes"] != 64 << 20:
            return f"memory_bytes {v['memory_bytes']}"
        if (v["error"] == 0) != (r[5] == "-") or \
           (v["error"] == 0) != (v["error_name"] is None):
            return f"error {v['error']} {v['error_name']} against {r[5:]}"
    return None


def digest(o, text):
    if set(o) != {"vm", "total", "mem", "vcpus", "devs"}:
        return f"keys {sorted(o)}"
    line = f"{o['total']} mem={o['mem']} vcpus={o['vcpus']} devs={o['devs']}"
    if [line] != text or not re.fullmatch(r"[0-9a-f]{16}", o["total"]):
        return f"{line!r} against {text}"
    return None


def inspect_dir(o, text):
    if "manifest" not in o or o["verdict"] != "OK":
        return f"no manifest or not OK: {str(o)[:200]}"
    return compare(text, o)


CHECKS = {"version": version, "list": mem_list, "vmlist": vm_list,
          "digest": digest, "digest2": digest, "inspectdir": inspect_dir}


def main(path):
    objs, texts = {}, {}
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\r\n")
            m = re.match(r"# V3CHKPT-JSON (\S+) ?(.*)$", line)
            if m:
                objs[m.group(1)] = m.group(2)
            m = re.match(r"# V3CHKPT-TEXT (\S+) (.*)$", line)
            if m:
                texts.setdefault(m.group(1), []).append(m.group(2))
    n = 0
    for tag, fn in CHECKS.items():
        n += 1
        if tag not in objs:
            print(f"not ok {n} --json {tag}: no object printed")
            continue
        try:
            o = json.loads(objs[tag])
            err = fn(o, texts.get(tag, [])) if isinstance(o, dict) else "not an object"
        except (ValueError, KeyError, IndexError) as e:
            err = f"{type(e).__name__}: {e}"
        if err:
            print(f"not ok {n} --json {tag}: {err}")
        else:
            print(f"ok {n} --json {tag}: one object, the text's fields and values")


if __name__ == "__main__":
    main(sys.argv[1])
