#!/bin/bash
# pair-net.sh OUTDIR KO CLI: a VM moves between two QEMU guests (Debian's
# kernel, run_guest_pair) over the net store, with a key: IPv4 with the
# loader listening, then IPv6 with the saver listening.  Then, in the same
# boot, a running VM live-migrates from B to A (payload-migrate-[ab].sh,
# issue 12's test 1 and a wrong key).  Prints TAP: every
# line of both guests, then the digests compared across guests.  Exits
# non-zero on any failure.  Used by tests/run.sh.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/qemu/lib.sh
. "${V3CHKPT_CACHE:-/var/cache/v3chkpt}/debian.env"
out=$1 ko=$2 cli=$3
failed=0
line() {	# line RC NAME
	if [ "$1" = 0 ]; then echo "ok 1 $2"; else echo "not ok 1 $2"; failed=1; fi
}
# 2G: A holds two 256 MiB VMs at once, beside the kernel and initramfs
run_guest_pair net "$DEBIAN_VMLINUZ" tests/qemu/payload-net-a.sh \
	tests/qemu/payload-net-b.sh 900 2G "$out" "$ko" "$cli" \
	tests/qemu/migrate-lib.sh tests/qemu/payload-migrate-a.sh \
	tests/qemu/payload-migrate-b.sh >&2
line $? "net pair: both guests ran their payloads to the end"
for r in a b; do
	tr -d '\r' < "$out/net-$r/results.log" 2>/dev/null |
		sed -n '/V3CHKPT-GUEST-START/,/V3CHKPT-GUEST-END/p' > "$out/net-$r.tap"
	grep -E '^(not )?ok [0-9]+' "$out/net-$r.tap" | sed "s/ok [0-9]* /&guest $r: /"
	grep -q 'V3CHKPT-GUEST-END rc=0' "$out/net-$r.tap"
	line $? "net pair: guest $r payload exit 0"
done
for d in ipv4 steps ipv6; do
	a=$(sed -n "s/^ok [0-9]* digest-$d //p" "$out/net-a.tap")
	b=$(sed -n "s/^ok [0-9]* digest-$d //p" "$out/net-b.tap")
	[ -n "$a" ] && [ "$a" = "$b" ]
	line $? "net pair: digest-$d equal in both guests (${a:-none})"
done
# At COMMIT the destination's digest equals the source's: A's VM, received
# paused, and B's, frozen at the switchover.
a=$(sed -n "s/^ok [0-9]* digest-migdst //p" "$out/net-a.tap")
b=$(sed -n "s/^ok [0-9]* digest-migsrc //p" "$out/net-b.tap")
[ -n "$a" ] && [ "$a" = "$b" ]
line $? "migrate pair: the VM received on A has B's switchover digest (${b:-none})"
exit $failed
