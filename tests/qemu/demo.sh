#!/bin/bash
# make demo: boot Debian's stock kernel in QEMU, insmod v3chkpt.ko, run a
# 256 MiB 2-vCPU VM, save it to the memory store, restore it into a fresh VM
# and show both reach identical digests; refusals of a mismatched VM and of a
# corrupted stream.
# Never waits for the KUnit kernel.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/qemu/lib.sh
debian_env
make -s build/v3chkpt
build_module "$DEBIAN_KDIR" "$PWD/build/debian"
mkdir -p build/demo
cat > build/demo/payload.sh <<'PAYLOAD'
set -x
insmod /v3chkpt.ko
v3chkpt version
# The issue's headline: a 256 MiB, 2-vCPU VM running the workload is paused,
# saved to the memory store, loaded into a fresh VM, and both continue to
# identical digests.
v3chkpt vm create src --mem 256M --vcpus 2 --workload ws=4096,write=40,pattern=hotcold
v3chkpt vm run src
sleep 3
v3chkpt vm pause src
v3chkpt vm list
v3chkpt vm list | awk '$1 == "src" && $2 == "paused" && $5 > 0 { ok = 1 } END { exit !ok }' &&
	echo "src ran and is paused"
v3chkpt save src memory:demo
v3chkpt list
v3chkpt load dst memory:demo --create
a=$(v3chkpt vm digest src); b=$(v3chkpt vm digest dst)
echo "src: $a"; echo "dst: $b"
[ "$a" = "$b" ] && echo "RESTORED: digests identical"
v3chkpt vm step src 500
v3chkpt vm step dst 500
a=$(v3chkpt vm digest src); b=$(v3chkpt vm digest dst)
echo "src: $a"; echo "dst: $b"
[ "$a" = "$b" ] && echo "500 STEPS LATER: digests still identical"
# A VM of another size refuses the checkpoint and is left as it was.
v3chkpt vm create small --mem 128M --vcpus 2
before=$(v3chkpt vm digest small)
v3chkpt load small memory:demo || echo "mismatched VM refused"
[ "$before" = "$(v3chkpt vm digest small)" ] && echo "and its digest is unchanged"
# A corrupted stream is refused, and the target is unchanged.
v3chkpt export memory:demo /tmp/demo.v3c
v3chkpt inspect /tmp/demo.v3c | head -20
printf 'X' | dd of=/tmp/demo.v3c bs=1 seek=5000 conv=notrunc 2>/dev/null
v3chkpt import /tmp/demo.v3c memory:bad
before=$(v3chkpt vm digest dst)
v3chkpt load dst memory:bad || echo "corrupted checkpoint refused"
[ "$before" = "$(v3chkpt vm digest dst)" ] && echo "and dst is unchanged"
v3chkpt vm destroy src
v3chkpt vm destroy dst
v3chkpt vm destroy small
v3chkpt delete memory:demo
v3chkpt delete memory:bad
rmmod v3chkpt
PAYLOAD
run_guest out "$DEBIAN_VMLINUZ" build/demo/payload.sh 600 2G build/demo \
	build/debian/src/v3chkpt.ko build/v3chkpt
sed -e '/V3CHKPT-GUEST-START/d' -e 's/^+ /$ /' build/demo/out/results.log
grep -q "V3CHKPT-GUEST-END rc=0" build/demo/out/results.log
for line in "src ran and is paused" "RESTORED: digests identical" \
	"500 STEPS LATER: digests still identical" "mismatched VM refused" \
	"and its digest is unchanged" "corrupted checkpoint refused" \
	"and dst is unchanged"; do
	tr -d '\r' < build/demo/out/results.log | grep -qx "$line" ||
		{ echo "demo: missing result: $line" >&2; exit 1; }
done
