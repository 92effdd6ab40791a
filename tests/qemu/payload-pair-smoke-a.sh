# Guest payload, pair smoke test, guest A: receive B's file over IPv4, then
# over IPv6, and print each one's md5sum as a TAP line.
. /guest-lib.sh
echo "TAP version 13"
echo "# payload starts at uptime $(cut -d' ' -f1 /proc/uptime) s"
role=$(guest_role)
[ "$role" = a ]
tap $? "role a from the kernel command line (got '$role')"
net_up a
tap $? "network up: $SELF_ADDR/24, $SELF_ADDR6/64"
wait_peer
tap $? "peer answers ping at $PEER_ADDR and $PEER_ADDR6"
# recv ADDR PORT OUT: take one connection on ADDR:PORT into OUT, at most
# 120 s.  nc's stdin is a fifo held open and never written: at EOF on its
# stdin nc would half-close, and B's nc would quit at once.
recv() {
	local pid rc
	mkfifo /tmp/idle
	timeout 120 nc -l -p "$2" "$1" < /tmp/idle > "$3" &
	pid=$!
	exec 3> /tmp/idle
	wait $pid
	rc=$?
	exec 3>&-
	rm -f /tmp/idle
	return $rc
}
for v in 4 6; do
	if [ $v = 4 ]; then addr=$SELF_ADDR; else addr=$SELF_ADDR6; fi
	recv "$addr" 500$v /tmp/rx$v.bin &&
		[ "$(stat -c %s /tmp/rx$v.bin)" = 4194304 ]
	tap $? "md5 ipv$v $(md5sum < /tmp/rx$v.bin | cut -d' ' -f1)"
	rm -f /tmp/rx$v.bin
done
check_dmesg
echo "# payload ends at uptime $(cut -d' ' -f1 /proc/uptime) s"
