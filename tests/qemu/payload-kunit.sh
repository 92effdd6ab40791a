# Guest payload on the KUnit kernel: v3chkpt.ko, then its KUnit suites
# (v3chkpt_kunit.ko, run as it loads, against the initialised v3chkpt),
# the userspace stages, a kmemleak scan and the kernel-log check.
. /guest-lib.sh
# The net store's suite talks to itself over loopback.
ip link set lo up
tap $? "loopback up"
insmod /v3chkpt.ko
tap $? "insmod v3chkpt.ko (KUnit kernel)"
insmod /v3chkpt_kunit.ko
tap $? "insmod v3chkpt_kunit.ko (the KUnit suites)"
for d in /sys/kernel/debug/kunit/*/; do
	echo "KUNIT-SUITE-BEGIN $(basename "$d")"
	cat "$d/results"
	echo "KUNIT-SUITE-END"
done
# Out before the stages: it pins v3chkpt, which the race stage reloads.
# (Its results in debugfs go with it.)
rmmod v3chkpt_kunit
tap $? "rmmod v3chkpt_kunit"
# Userspace stages on the KASAN + lockdep kernel (fail-nth walks, races,
# hostile checkpoints): tests/qemu/kstage-*.sh, each a sourced script that
# reports through tap, run with the module loaded.
for s in /kstage-*.sh; do
	[ -f "$s" ] || continue
	echo "# stage $(basename "$s")"
	. "$s"
done
if [ -e /sys/kernel/debug/kmemleak ]; then
	# kmemleak reports only objects older than 5 s: let the tests' age.
	sleep 6
	echo scan > /sys/kernel/debug/kmemleak
	echo scan > /sys/kernel/debug/kmemleak
	cat /sys/kernel/debug/kmemleak > /tmp/leaks
	if grep -qE 'v3_|v3c_|v3chkpt' /tmp/leaks; then
		cat /tmp/leaks
		tap 1 "kmemleak: nothing of v3chkpt leaked"
	else
		tap 0 "kmemleak: nothing of v3chkpt leaked"
	fi
fi
rmmod v3chkpt
tap $? "rmmod v3chkpt (KUnit kernel)"
check_dmesg
