# Sourced by guest payloads (busybox sh).  TAP helpers and the kernel-log
# check: any warning, oops, KASAN, UBSAN or lockdep report, or an OOM
# kill, is a failure
# (lockdep and KASAN reports begin with WARNING: or BUG:).
tap_n=0
tap() {	# tap RC NAME
	tap_n=$((tap_n + 1))
	if [ "$1" = 0 ]; then echo "ok $tap_n $2"; else echo "not ok $tap_n $2"; fi
}
check_dmesg() {
	if dmesg | grep -E 'WARNING:|BUG:|Oops|UBSAN:|circular locking|INFO: task .* blocked|general protection|list_(add|del) corruption|refcount_t:|Call Trace|suspected memory leak|invoked oom-killer|Out of memory' > /tmp/bad.log; then
		cat /tmp/bad.log
		tap 1 "kernel log has no warnings, oopses or sanitizer reports"
	else
		tap 0 "kernel log has no warnings, oopses or sanitizer reports"
	fi
}

# Two guests on one network (run_guest_pair).  guest_role prints this
# guest's role, a or b, from v3chkpt_role= on the kernel command line
# (empty for a lone guest).
guest_role() {
	tr ' ' '\n' < /proc/cmdline | sed -n 's/^v3chkpt_role=//p'
}
# net_up ROLE: load the NIC modules the image carries (/kmods), bring up
# lo and eth0 with A = 10.0.2.1/24 + fd00::1/64, B = 10.0.2.2/24 +
# fd00::2/64 (no duplicate address detection: usable at once), and export
# SELF_ADDR, PEER_ADDR, SELF_ADDR6, PEER_ADDR6.
net_up() {
	local m n=0
	case $1 in
	a) SELF_ADDR=10.0.2.1 PEER_ADDR=10.0.2.2 SELF_ADDR6=fd00::1 PEER_ADDR6=fd00::2 ;;
	b) SELF_ADDR=10.0.2.2 PEER_ADDR=10.0.2.1 SELF_ADDR6=fd00::2 PEER_ADDR6=fd00::1 ;;
	*) echo "net_up: the role is a or b, not '$1'"; return 1 ;;
	esac
	export SELF_ADDR PEER_ADDR SELF_ADDR6 PEER_ADDR6
	if [ -f /kmods/load.order ]; then
		while read -r m; do
			grep -q "^${m%.ko} " /proc/modules && continue
			insmod "/kmods/$m" || { echo "net_up: insmod $m failed"; return 1; }
		done < /kmods/load.order
	fi
	while [ ! -e /sys/class/net/eth0 ]; do
		n=$((n + 1))
		[ $n -le 100 ] || { echo "net_up: no eth0 after 10 s (have: $(ls /sys/class/net))"; return 1; }
		sleep 0.1
	done
	echo 0 > /proc/sys/net/ipv6/conf/eth0/accept_dad
	ip link set lo up &&
		ip link set eth0 up &&
		ip addr add "$SELF_ADDR/24" dev eth0 &&
		ip -6 addr add "$SELF_ADDR6/64" dev eth0 ||
		{ echo "net_up: cannot configure eth0"; ip addr; return 1; }
}
# wait_peer [SECONDS]: ping the peer on IPv4 and IPv6 until both answer
# (default at most 60 s); says which did not otherwise.
wait_peer() {
	local end=$(( $(cut -d. -f1 /proc/uptime) + ${1:-60} )) v4=no v6=no
	while :; do
		[ $v4 = yes ] || ! ping -c 1 -W 1 "$PEER_ADDR" > /dev/null 2>&1 || v4=yes
		[ $v6 = yes ] || ! ping -c 1 -W 1 "$PEER_ADDR6" > /dev/null 2>&1 || v6=yes
		[ $v4 = yes ] && [ $v6 = yes ] && return 0
		[ "$(cut -d. -f1 /proc/uptime)" -lt $end ] || break
		sleep 1
	done
	echo "wait_peer: no answer after ${1:-60} s (IPv4 $PEER_ADDR: $v4, IPv6 $PEER_ADDR6: $v6)"
	ip addr; ip -6 neigh 2>/dev/null; cat /proc/net/dev
	return 1
}
