# Stage of payload-kunit.sh (sourced, module loaded, tap available): the
# CLI's vm dirty on the KASAN + lockdep kernel, where its paths into the
# tracker run against busy vCPUs: every mode harvests a running VM, a
# tracker stopped by a signal mid-run (its fd closed while vCPUs write),
# and a VM destroyed under a running tracker.
dc_cli=/v3chkpt
dc_w=/tmp/kstage-dirtycli
mkdir -p $dc_w
# dc_wait PID: until PID holds a tracker fd (at most 30 s)
dc_wait() {
	dc_i=0
	while ! ls -l /proc/$1/fd 2> /dev/null | grep -q v3chkpt-dirty; do
		dc_i=$((dc_i + 1))
		[ $dc_i -le 300 ] || return 1
		sleep 0.1
	done
}

$dc_cli vm create kdv --mem 64M --vcpus 2 && $dc_cli vm run kdv
tap $? "dirtycli: a running 2-vCPU VM"

dc_r=0
for dc_m in wp ad pml; do
	$dc_cli vm dirty kdv --mode $dc_m --count 3 --interval 0.5 > $dc_w/out 2>&1 &&
	[ "$(awk '/^ *[0-9]+ / && $3 > 0' $dc_w/out | wc -l)" = 3 ] ||
		{ echo "# mode $dc_m:"; sed 's/^/# /' $dc_w/out; dc_r=1; }
done
[ $dc_r = 0 ]
tap $? "dirtycli: vm dirty --mode wp, ad, pml: 3 intervals with pages each"

dc_r=0
for dc_m in wp ad pml wp ad pml; do
	$dc_cli vm dirty kdv --mode $dc_m --interval 0.1 > $dc_w/out 2>&1 &
	dc_p=$!
	dc_wait $dc_p || dc_r=1
	sleep 0.3
	kill -INT $dc_p
	wait $dc_p || dc_r=1
	grep -q "interrupted" $dc_w/out || dc_r=1
done
[ $dc_r = 0 ] && $dc_cli vm dirty kdv --count 1 --interval 0.1 > /dev/null
tap $? "dirtycli: SIGINT mid-run, 6 times over the modes: exit 0, the VM untracked"

$dc_cli vm dirty kdv --mode wp --interval 0.1 > $dc_w/out 2> $dc_w/err &
dc_p=$!
dc_wait $dc_p; dc_t=$?
$dc_cli vm destroy kdv; wait $dc_p; dc_r=$?
[ $dc_t = 0 ] && [ $dc_r = 1 ] && grep -q ENODEV $dc_w/err
tap $? "dirtycli: a VM destroyed under vm dirty --mode wp: ENODEV, exit 1"

grep -qE 'debug_locks: +1$' /proc/lockdep_stats
tap $? "dirtycli: lockdep still checking"
