#!/bin/bash
# make demo: boot Debian's stock kernel in QEMU, insmod v3chkpt.ko, save
# and load through the memory store with the CLI, and inspect the stream.
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
printf 'rax=1 rbx=2 rip=0xfff0\n' > /tmp/regs
dd if=/dev/urandom of=/tmp/ram bs=1M count=4 2>/dev/null
v3chkpt put memory:demo "cpu#0@2/regs=/tmp/regs" "cpu#0@2/ram=/tmp/ram" "pit/state=/tmp/regs"
v3chkpt list
v3chkpt get memory:demo "cpu/ram" /tmp/ram.back && cmp /tmp/ram /tmp/ram.back && echo "ROUND TRIP: 4 MiB identical"
v3chkpt export memory:demo /tmp/demo.v3c
v3chkpt inspect /tmp/demo.v3c
printf 'X' | dd of=/tmp/demo.v3c bs=1 seek=200 conv=notrunc 2>/dev/null
v3chkpt inspect /tmp/demo.v3c || echo "corrupted copy refused, as it must be"
v3chkpt get memory:demo "cpu/nosuch" || echo "missing tag refused"
v3chkpt delete memory:demo
rmmod v3chkpt
PAYLOAD
run_guest out "$DEBIAN_VMLINUZ" build/demo/payload.sh 300 1G build/demo \
	build/debian/src/v3chkpt.ko build/v3chkpt
sed -e '/V3CHKPT-GUEST-START/d' -e 's/^+ /$ /' build/demo/out/results.log
grep -q "V3CHKPT-GUEST-END rc=0" build/demo/out/results.log
