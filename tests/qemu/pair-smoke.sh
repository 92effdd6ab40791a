#!/bin/bash
# bash tests/qemu/pair-smoke.sh: two QEMU guests on Debian's stock kernel,
# one virtual network (run_guest_pair: QEMU's socket netdev on host
# loopback).  Both bring the network up and wait for each other; B sends a
# 4 MiB random file to A over IPv4, then over IPv6.  The md5sum B sent must
# be the one A received, both ways.  Prints TAP lines, the run's wall time
# and the transfer rates; exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/qemu/lib.sh
debian_env
out=$PWD/build/pair-smoke
mkdir -p "$out"
n=0 failed=0
check() {	# check RC NAME
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n $2"; else echo "not ok $n $2"; failed=1; fi
}
t0=$(date +%s%N)
rc=0
run_guest_pair smoke "$DEBIAN_VMLINUZ" tests/qemu/payload-pair-smoke-a.sh \
	tests/qemu/payload-pair-smoke-b.sh 600 512M "$out" || rc=$?
t1=$(date +%s%N)
[ $rc -lt 128 ] || exit $rc	# interrupted
check $rc "both guests ran their payloads to the end"
# The serial logs have CR line ends.
for r in a b; do
	tr -d '\r' < "$out/smoke-$r/results.log" 2>/dev/null |
		sed -n '/V3CHKPT-GUEST-START/,/V3CHKPT-GUEST-END/p' > "$out/smoke-$r.tap" || true
	p=$(grep -cE '^ok [0-9]+' "$out/smoke-$r.tap" || true)
	f=$(grep -cE '^not ok [0-9]+' "$out/smoke-$r.tap" || true)
	grep -E '^not ok' "$out/smoke-$r.tap" | sed "s/^/# guest $r: /" || true
	[ "$f" = 0 ] && [ "$p" -gt 0 ] && grep -q 'V3CHKPT-GUEST-END rc=0' "$out/smoke-$r.tap"
	check $? "guest $r: $p passed, $f failed"
done
for v in 4 6; do
	a=$(sed -n "s/^ok [0-9]* md5 ipv$v \([0-9a-f]\{32\}\)\$/\1/p" "$out/smoke-a.tap")
	b=$(sed -n "s/^ok [0-9]* md5 ipv$v \([0-9a-f]\{32\}\)\$/\1/p" "$out/smoke-b.tap")
	[ -n "$a" ] && [ "$a" = "$b" ]
	check $? "ipv$v: A received what B sent (md5 A ${a:-none}, B ${b:-none})"
done
echo "1..$n"
echo "# pair run: $(( (t1 - t0) / 1000000000 )).$(( (t1 - t0) / 100000000 % 10 )) s wall (images, both boots, payloads)"
grep -h '^# ' "$out/smoke-a.tap" | sed 's/^# /# guest a: /' || true
grep -h '^# ' "$out/smoke-b.tap" | sed 's/^# /# guest b: /' || true
exit $failed
