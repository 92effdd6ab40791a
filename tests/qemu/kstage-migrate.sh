# Stage on the KASAN + lockdep kernel (sourced by payload-kunit.sh, module
# loaded, tap available): the live-migration kselftest (migrate_test.c),
# both ends in this guest over loopback, so every path of the source, the
# destination and the migration fd (cancel, close, a peer killed, a
# refusal, a stall) runs under KASAN, lockdep and kmemleak; about 2
# minutes.  Each harness test case becomes one tap line here; a harness
# that died early is a failure of its own.
ip link set lo up
t0=$(cut -d' ' -f1 /proc/uptime)
/migrate_test > /tmp/migrate.out 2>&1
mig_rc=$?
t1=$(cut -d' ' -f1 /proc/uptime)
grep -vE '^(not )?ok [0-9]+ ' /tmp/migrate.out | sed '/^#/!s/^/# /'
echo "# migrate_test: ${t0}..${t1} s uptime"
while read -r mig_a mig_b mig_c; do
	case "$mig_a $mig_b" in
	"ok "[0-9]*) tap 0 "migrate: $mig_c" ;;
	"not ok") tap 1 "migrate: ${mig_c#* }" ;;
	esac
done < /tmp/migrate.out
[ $mig_rc -le 1 ]
tap $? "migrate: migrate_test ran to completion (exit $mig_rc)"
