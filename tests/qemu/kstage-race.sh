# Stage of payload-kunit.sh (sourced, module loaded, tap available): the
# race stress on the KASAN + lockdep kernel.  race_test prints
# "RESULT ok|fail NAME" lines; each becomes a tap line.  Its own watchdog
# reports a hang (with sysrq dumps); this one catches race_test itself
# stuck.  V3CHKPT_RACE_SECONDS would shorten it for a quick look.
race_secs=${V3CHKPT_RACE_SECONDS:-60}
/race_test -t "$race_secs" -k /v3chkpt.ko > /tmp/race.log 2>&1 &
race_pid=$!
race_end=$(( $(cut -d. -f1 /proc/uptime) + race_secs + 900 ))
while kill -0 "$race_pid" 2> /dev/null &&
      [ "$(cut -d. -f1 /proc/uptime)" -lt "$race_end" ]; do
	sleep 2
done
if kill -0 "$race_pid" 2> /dev/null; then
	echo w > /proc/sysrq-trigger
	echo d > /proc/sysrq-trigger
	kill -9 "$race_pid"
	echo "RESULT fail race: race_test did not finish (hung)" >> /tmp/race.log
fi
wait "$race_pid"
race_rc=$?
cat /tmp/race.log
# A failing exit needs a failing result (a crash between two of them).
[ "$race_rc" = 0 ] || grep -q '^RESULT fail ' /tmp/race.log ||
	echo "RESULT fail race: race_test exited with status $race_rc" >> /tmp/race.log
while read -r race_tag race_res race_name; do
	[ "$race_tag" = RESULT ] || continue
	[ "$race_res" = ok ]
	tap $? "$race_name"
done < /tmp/race.log
# A lockdep report would have turned lockdep off (and be in the log).
grep -qE 'debug_locks: +1$' /proc/lockdep_stats
tap $? "race: lockdep still checking after the race"
# The module must be loaded for the rest of the payload.
grep -q '^v3chkpt ' /proc/modules || insmod /v3chkpt.ko
