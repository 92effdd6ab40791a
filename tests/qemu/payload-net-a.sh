# Guest payload, net store across two QEMU guests, guest A (the
# destination): see payload-net-b.sh.
. /guest-lib.sh
echo "TAP version 13"
cli=/v3chkpt
insmod /v3chkpt.ko
tap $? "insmod v3chkpt.ko"
net_up a
tap $? "network up: $SELF_ADDR, $SELF_ADDR6"
wait_peer
tap $? "peer answers at $PEER_ADDR and $PEER_ADDR6"
printf 'pair-test-key-0123456789abcdef' > /tmp/key
$cli load mig "net:listen:$SELF_ADDR:7000" --create --key-file /tmp/key --timeout 300
tap $? "loaded from net:listen:$SELF_ADDR:7000 with a key (--create)"
tap 0 "digest-ipv4 $($cli vm digest mig)"
$cli vm step mig 100
tap $? "stepped 100"
tap 0 "digest-steps $($cli vm digest mig)"
end=$(( $(cut -d. -f1 /proc/uptime) + 120 ))
while :; do
	$cli load mig "net:connect:[$PEER_ADDR6]:7001" --key-file /tmp/key 2> /tmp/err && break
	cat /tmp/err
	grep -q ECONNREFUSED /tmp/err && [ "$(cut -d. -f1 /proc/uptime)" -lt $end ] || break
	sleep 0.5
done
tap $? "loaded from net:connect:[$PEER_ADDR6]:7001 into the existing VM"
tap 0 "digest-ipv6 $($cli vm digest mig)"
. /payload-migrate-a.sh
check_dmesg
