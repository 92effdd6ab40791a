# Stage on the KASAN + lockdep kernel (sourced by payload-kunit.sh, module
# loaded, tap available): the dirty-tracker kselftest (dirty_test.c).
# This kernel has no CONFIG_MAPPING_DIRTY_HELPERS, so the tracker takes
# write access away from user mappings by unmapping them; Debian's kernel
# (payload-kselftest.sh) covers the other path.  Each harness test case
# becomes one tap line here (its "# SKIP" kept); a harness that died
# early is a failure of its own.
t0=$(cut -d' ' -f1 /proc/uptime)
/dirty_test > /tmp/dirty.out 2>&1
dirty_rc=$?
t1=$(cut -d' ' -f1 /proc/uptime)
grep -vE '^(not )?ok [0-9]+ ' /tmp/dirty.out | sed '/^#/!s/^/# /'
echo "# dirty_test: ${t0}..${t1} s uptime"
while read -r dirty_a dirty_b dirty_c; do
	case "$dirty_a $dirty_b" in
	"ok "[0-9]*) tap 0 "dirty: $dirty_c" ;;
	"not ok") tap 1 "dirty: ${dirty_c#* }" ;;
	esac
done < /tmp/dirty.out
[ $dirty_rc -le 1 ]
tap $? "dirty: dirty_test ran to completion (exit $dirty_rc)"
