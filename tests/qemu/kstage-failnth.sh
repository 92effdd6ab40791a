# Userspace stage on the KASAN + lockdep KUnit kernel (sourced by
# payload-kunit.sh, module loaded): fail-nth walks (failnth_test.c), one
# TAP line per operation naming its number of fail points.  Leaks are
# caught by payload-kunit.sh's kmemleak scan and VM page count checks in
# failnth_test; warnings by check_dmesg and failnth_test itself.
if [ -e /proc/self/fail-nth ] && [ -x /failnth_test ]; then
	# About 10 minutes under TCG + KASAN (the dirty tracker's six walks
	# about a minute; the two live-migration walks 85 s each, a time
	# budget: FAILNTH_BUDGET=S, FAILNTH_CAP=N in failnth_mig.c);
	# `failnth_test list` has more (mem-save-over, dir-load,
	# dir-load-create, net-load-create).
	for op in ${V3CHKPT_FAILNTH_OPS:-create mem-save dir-save net-save mem-load \
		mem-load-create dir-save-over net-load dirty-wp dirty-ad dirty-pml \
		harvest-wp harvest-ad harvest-pml mig-src mig-dst}; do
		t0=$(cut -d' ' -f1 /proc/uptime)
		/failnth_test "$op" > /tmp/failnth.out 2>&1
		rc=$?
		t1=$(cut -d' ' -f1 /proc/uptime)
		sed '$d; s/^/# /' /tmp/failnth.out
		echo "# failnth $op: ${t0}..${t1} s uptime"
		tap $rc "fail-nth $(tail -n 1 /tmp/failnth.out)"
	done
else
	tap 1 "fail-nth: /proc/self/fail-nth and /failnth_test present"
fi
