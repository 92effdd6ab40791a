# make bench, migration pair, guest A (the destination): the raw TCP
# receiver, then one receive per migration B makes (mig-common.sh).
. /guest-lib.sh
cli=/v3chkpt
. /migrate-lib.sh
. /mig-common.sh
insmod /v3chkpt.ko && net_up a && wait_peer || exit 1
/bench $TCP_MIB tcp-recv $TCP_PORT $TCP_RUNS || exit 1
i=0
while [ $i -lt $MIG_COUNT ]; do
	$cli receive mig "net:listen:$SELF_ADDR:$((MIG_PORT0 + i))" \
		--key-file /tmp/key --json --timeout 300 > /tmp/r.json 2> /tmp/r.err
	echo "RECVJSON $i $(head -1 /tmp/r.json)"
	cat /tmp/r.err
	$cli vm destroy mig 2> /dev/null
	i=$((i + 1))
done
