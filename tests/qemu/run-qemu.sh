#!/bin/bash
# run-qemu.sh KERNEL INITRD OUTDIR [TIMEOUT_S] [MEM]
# Boots under TCG (KVM hangs on these machines).  Kernel messages go to
# OUTDIR/console.log, the payload's output to OUTDIR/results.log.
# no5lvl: -cpu max offers LA57, and the KASAN kernel booting with 5-level
# paging under TCG once died in early boot (a KASAN report in an IRQ
# during identify_cpu, before any of our code); 4-level is what hosts run.
# Optional environment: V3CHKPT_CMDLINE (appended to the kernel command
# line), V3CHKPT_QEMU_NET (QEMU network arguments, split on spaces, in place
# of "-nic none"), V3CHKPT_QEMU_SMP (vCPUs, default 2).
# A TERM or HUP to this script stops QEMU (run_guest_pair runs two of these
# in the background and stops them if it is interrupted).
set -euo pipefail
kernel=$1 initrd=$2 outdir=$3 tmo=${4:-600} mem=${5:-2G}
read -ra net <<< "${V3CHKPT_QEMU_NET:--nic none}"
mkdir -p "$outdir"
rm -f "$outdir/console.log" "$outdir/results.log"
set +e
timeout --foreground "$tmo" qemu-system-x86_64 \
	-machine q35,accel=tcg -cpu max -smp "${V3CHKPT_QEMU_SMP:-2}" -m "$mem" \
	-kernel "$kernel" -initrd "$initrd" \
	-append "console=ttyS0 panic=-1 panic_on_warn=1 oops=panic no5lvl ${V3CHKPT_CMDLINE:-}" \
	-display none -no-reboot -monitor none \
	-serial "file:$outdir/console.log" -serial "file:$outdir/results.log" \
	"${net[@]}" </dev/null &
qpid=$!
trap 'echo "qemu: stopped by a signal" >&2; kill -TERM "$qpid" 2>/dev/null' TERM INT HUP
# wait returns early when a trapped signal arrives: wait again until QEMU
# (which the trap has told to stop) is gone.
while :; do
	wait "$qpid"
	rc=$?
	[ $rc -gt 128 ] && kill -0 "$qpid" 2>/dev/null || break
done
trap - TERM INT HUP
set -e
if [ $rc = 124 ]; then
	echo "qemu: timed out after ${tmo}s" >&2
fi
grep -q "V3CHKPT-GUEST-END" "$outdir/results.log" 2>/dev/null || {
	echo "qemu: guest did not finish (rc=$rc); console tail:" >&2
	tail -30 "$outdir/console.log" >&2
	exit 1
}
