# Guest payload, net store across two QEMU guests, guest B (the source):
# a 128 MiB, 2-vCPU VM runs, pauses and is saved to A over IPv4 (A listens);
# both then step 100 more; B saves again, now listening on IPv6, and A
# loads into its VM.  Digests go out as TAP lines for the host to compare.
. /guest-lib.sh
echo "TAP version 13"
cli=/v3chkpt
insmod /v3chkpt.ko
tap $? "insmod v3chkpt.ko"
net_up b
tap $? "network up: $SELF_ADDR, $SELF_ADDR6"
wait_peer
tap $? "peer answers at $PEER_ADDR and $PEER_ADDR6"
printf 'pair-test-key-0123456789abcdef' > /tmp/key
$cli vm create mig --mem 128M --vcpus 2 --workload write=60,pattern=random &&
	$cli vm run mig && sleep 2 && $cli vm pause mig
tap $? "VM runs, then pauses"
# A may not listen yet: try again while the connection is refused.
end=$(( $(cut -d. -f1 /proc/uptime) + 120 ))
while :; do
	$cli save mig "net:connect:$PEER_ADDR:7000" --key-file /tmp/key 2> /tmp/err && break
	cat /tmp/err
	grep -q ECONNREFUSED /tmp/err && [ "$(cut -d. -f1 /proc/uptime)" -lt $end ] || break
	sleep 0.5
done
tap $? "saved to net:connect:$PEER_ADDR:7000 with a key"
tap 0 "digest-ipv4 $($cli vm digest mig)"
$cli vm step mig 100
tap $? "stepped 100"
tap 0 "digest-steps $($cli vm digest mig)"
$cli save mig "net:listen:[$SELF_ADDR6]:7001" --key-file /tmp/key --timeout 300
tap $? "saved to net:listen:[$SELF_ADDR6]:7001 (A connects)"
tap 0 "digest-ipv6 $($cli vm digest mig)"
. /payload-migrate-b.sh
check_dmesg
