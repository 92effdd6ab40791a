# Sourced by guest payloads (busybox sh).  TAP helpers and the kernel-log
# check: any warning, oops, KASAN, UBSAN or lockdep report is a failure
# (lockdep and KASAN reports begin with WARNING: or BUG:).
tap_n=0
tap() {	# tap RC NAME
	tap_n=$((tap_n + 1))
	if [ "$1" = 0 ]; then echo "ok $tap_n $2"; else echo "not ok $tap_n $2"; fi
}
check_dmesg() {
	if dmesg | grep -E 'WARNING:|BUG:|Oops|UBSAN:|circular locking|INFO: task .* blocked|general protection|list_(add|del) corruption|refcount_t:|Call Trace|suspected memory leak' > /tmp/bad.log; then
		cat /tmp/bad.log
		tap 1 "kernel log has no warnings, oopses or sanitizer reports"
	else
		tap 0 "kernel log has no warnings, oopses or sanitizer reports"
	fi
}
