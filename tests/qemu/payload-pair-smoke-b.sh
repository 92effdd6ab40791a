# Guest payload, pair smoke test, guest B: send a 4 MiB random file to A
# over IPv4, then over IPv6, timing each, and print its md5sum as a TAP line.
. /guest-lib.sh
echo "TAP version 13"
echo "# payload starts at uptime $(cut -d' ' -f1 /proc/uptime) s"
role=$(guest_role)
[ "$role" = b ]
tap $? "role b from the kernel command line (got '$role')"
net_up b
tap $? "network up: $SELF_ADDR/24, $SELF_ADDR6/64"
wait_peer
tap $? "peer answers ping at $PEER_ADDR and $PEER_ADDR6"
dd if=/dev/urandom of=/tmp/tx.bin bs=64k count=64 2>/dev/null
tap $? "4 MiB random file"
sum=$(md5sum < /tmp/tx.bin | cut -d' ' -f1)
# send ADDR PORT: send /tmp/tx.bin to ADDR:PORT, trying again while A is not
# listening yet (at most 60 s).  nc returns once A has read everything and
# closed; the time taken goes to /tmp/secs.
send() {
	local end=$(( $(cut -d. -f1 /proc/uptime) + 60 )) t0 t1
	while :; do
		t0=$(cut -d' ' -f1 /proc/uptime)
		timeout 120 nc "$1" "$2" < /tmp/tx.bin 2> /tmp/nc.err && break
		grep -q refused /tmp/nc.err &&
			[ "$(cut -d. -f1 /proc/uptime)" -lt $end ] ||
			{ cat /tmp/nc.err; return 1; }
		sleep 0.2
	done
	t1=$(cut -d' ' -f1 /proc/uptime)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f\n", b - a }' > /tmp/secs
}
for v in 4 6; do
	if [ $v = 4 ]; then addr=$PEER_ADDR; else addr=$PEER_ADDR6; fi
	send "$addr" 500$v
	rc=$?
	[ $rc != 0 ] ||
		awk -v s="$(cat /tmp/secs)" -v v=$v 'BEGIN { printf "# ipv%s: 4194304 bytes in %s s (%.2f MiB/s)\n", v, s, (s > 0 ? 4 / s : 0) }'
	tap $rc "md5 ipv$v $sum"
done
check_dmesg
echo "# payload ends at uptime $(cut -d' ' -f1 /proc/uptime) s"
