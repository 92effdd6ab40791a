#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""`v3chkpt inspect --json` against the text `inspect` prints, on the host:
for each stream file given, and for copies of the first one truncated,
with a byte flipped and with a byte appended (each refused), one object
whose records, verdict and counts are the text's; the exit status and
stderr are the same with and without --json.  TAP on stdout.

Usage: inspect_json_check.py CLI FILE...
compare(text_lines, obj) is also used by cli_json_check.py for a dir:
checkpoint inspected in a guest.
"""
import json
import os
import re
import subprocess
import sys
import tempfile


def compare(text, o):
    """None if the object says what the text says, else the difference."""
    if not isinstance(o, dict) or "file" not in o or "verdict" not in o:
        return f"not an inspect object: {str(o)[:200]}"
    ats = [int(m.group(1)) for m in (re.match(r"@(\d+)", t) for t in text)
           if m]
    ended = sum(1 for t in text if re.match(r"@\d+ +section \d+ .* ended:", t))
    recs = o.get("records", [])
    if len(recs) != len(ats) - ended:
        return f"{len(recs)} records against {len(ats) - ended} lines"
    got_ats = [r["at"] for r in recs]
    want_ats = [a for a, t in zip(ats, [t for t in text if t.startswith("@")])
                if " ended: " not in t]
    if got_ats != want_ats:
        return f"offsets {got_ats[:8]}... against {want_ats[:8]}..."
    for t in text:
        m = re.match(r"verdict: OK, (\d+) contexts, (\d+) blobs, (\d+) bytes", t)
        if m and (o["verdict"] != "OK" or
                  [o["contexts"], o["blobs"], o["bytes"]] != [int(x) for x in m.groups()]):
            return f"verdict {t!r} against {o['verdict']} {o.get('contexts')}"
        if t == "verdict: REFUSED" and (o["verdict"] != "REFUSED" or
                                        set(o["error"]) != {"at", "record", "errno", "errno_name", "message"}):
            return f"verdict {t!r} against {o['verdict']} {o.get('error')}"
        m = re.match(r"stream: format (\d+\.\d+), producer \"(.*)\", flags 0x([0-9a-f]+), created (\d+) ns", t)
        if m and [o["stream"]["format"], o["stream"]["producer"], o["stream"]["flags"],
                  o["stream"]["created_ns"]] != [m.group(1), m.group(2), int(m.group(3), 16), int(m.group(4))]:
            return f"stream {t!r} against {o['stream']}"
        m = re.match(r"manifest: (\d+) context files, (\d+) bytes outside contexts, stream (\d+) bytes", t)
        if m:
            mf = o.get("manifest", {})
            if [mf.get("context_files"), mf.get("outside_bytes"), mf.get("stream_bytes")] != \
               [int(x) for x in m.groups()] or len(mf.get("files", [])) != int(m.group(1)):
                return f"manifest {t!r} against {mf}"
    if not any(t.startswith("verdict: ") for t in text) and o["verdict"] != "REFUSED":
        return "no verdict line in the text, yet not REFUSED"
    return None


def run(cli, path, json_mode):
    args = [cli, "inspect", path] + (["--json"] if json_mode else [])
    p = subprocess.run(args, capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def main(cli, files):
    tmp = tempfile.mkdtemp()
    data = open(files[0], "rb").read()
    cases = [(f, 0) for f in files]
    for name, blob in (("truncated", data[:len(data) // 2]),
                       ("flipped", data[:len(data) // 2] + bytes([data[len(data) // 2] ^ 0x40])
                        + data[len(data) // 2 + 1:]),
                       ("trailing", data + b"\0")):
        path = os.path.join(tmp, name + ".v3c")
        open(path, "wb").write(blob)
        cases.append((path, 1))
    n = 0
    for path, want_rc in cases:
        n += 1
        rc_t, out_t, err_t = run(cli, path, False)
        rc_j, out_j, err_j = run(cli, path, True)
        err = None
        if (rc_t, rc_j) != (want_rc, want_rc):
            err = f"exit {rc_t} (text), {rc_j} (json), want {want_rc}"
        elif err_t != err_j:
            err = f"stderr differs: {err_t!r} against {err_j!r}"
        elif out_j.count("\n") != 1:
            err = f"{out_j.count(chr(10))} lines"
        else:
            try:
                o = json.loads(out_j)
                err = compare(out_t.splitlines(), o)
                if not err and want_rc and o["error"]["errno_name"] not in err_t \
                        and o["error"]["message"] not in err_t:
                    err = f"errno {o['error']} not in {err_t!r}"
            except (ValueError, KeyError, TypeError) as e:
                err = f"{type(e).__name__}: {e}"
        name = os.path.basename(path)
        if err:
            print(f"not ok {n} inspect --json {name}: {err}")
        else:
            verdict = "refused" if want_rc else "OK"
            print(f"ok {n} inspect --json {name}: one object, the text's records and verdict ({verdict})")
    for f in os.listdir(tmp):
        os.unlink(os.path.join(tmp, f))
    os.rmdir(tmp)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
