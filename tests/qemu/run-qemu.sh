#!/bin/bash
# run-qemu.sh KERNEL INITRD OUTDIR [TIMEOUT_S] [MEM]
# Boots under TCG (KVM hangs on these machines).  Kernel messages go to
# OUTDIR/console.log, the payload's output to OUTDIR/results.log.
# no5lvl: -cpu max offers LA57, and the KASAN kernel booting with 5-level
# paging under TCG once died in early boot (a KASAN report in an IRQ
# during identify_cpu, before any of our code); 4-level is what hosts run.
set -euo pipefail
kernel=$1 initrd=$2 outdir=$3 tmo=${4:-600} mem=${5:-2G}
mkdir -p "$outdir"
rm -f "$outdir/console.log" "$outdir/results.log"
set +e
timeout --foreground "$tmo" qemu-system-x86_64 \
	-machine q35,accel=tcg -cpu max -smp 2 -m "$mem" \
	-kernel "$kernel" -initrd "$initrd" \
	-append "console=ttyS0 panic=-1 panic_on_warn=1 oops=panic no5lvl ${V3CHKPT_CMDLINE:-}" \
	-display none -no-reboot -monitor none \
	-serial "file:$outdir/console.log" -serial "file:$outdir/results.log" \
	-nic none </dev/null
rc=$?
set -e
if [ $rc = 124 ]; then
	echo "qemu: timed out after ${tmo}s" >&2
fi
grep -q "V3CHKPT-GUEST-END" "$outdir/results.log" 2>/dev/null || {
	echo "qemu: guest did not finish (rc=$rc); console tail:" >&2
	tail -30 "$outdir/console.log" >&2
	exit 1
}
