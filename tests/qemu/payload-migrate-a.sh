# Live migration between two QEMU guests, guest A (the destination);
# sourced by payload-net-a.sh after the net-store tests (/tmp/key, $cli,
# $SELF_ADDR).  A first listens with another key (B's migration is
# refused, no VM here), then receives B's running VM, checks it runs,
# pauses it and copies it into fast.  B then sends its migrated VM (the
# state at the switchover) into ref; ref stepped as far as the destination
# ran must equal it, and both stepped 300 more still agree.
. /migrate-lib.sh
printf 'pair-test-key-WRONG-0123456789' > /tmp/badkey
$cli vm destroy mig && mig_create ref && mig_create fast
tap $? "migrate: VMs ref and fast made (the migrated VM's configuration, unpaced)"
$cli receive mig "net:listen:$SELF_ADDR:7002" --key-file /tmp/badkey --json \
	--timeout 300 > /tmp/recv-bad.json 2> /tmp/recv-bad.json.err
rc=$?
sed 's/^/# /' /tmp/recv-bad.json /tmp/recv-bad.json.err
st=$(vm_field mig 2)
[ $rc != 0 ] && [ "$(jget ok /tmp/recv-bad.json)" = false ] &&
	[ -n "$(jget error /tmp/recv-bad.json)" ] && [ -z "$st" ]
tap $? "migrate: a source with another key is refused, no VM mig here (exit $rc, $(jget error /tmp/recv-bad.json), state '$st')"

$cli receive mig "net:listen:$SELF_ADDR:7003" --key-file /tmp/key --json \
	--timeout 300 > /tmp/recv.json 2> /tmp/recv.json.err
rc=$?
# at once: the VM makes a step per vCPU when it starts, the next a second
# later
st=$(vm_field mig 2)
$cli vm pause mig
prc=$?
sed 's/^/# /' /tmp/recv.json /tmp/recv.json.err
tap $rc "migrate: v3chkpt receive mig exits 0"
[ "$(jget ok /tmp/recv.json)" = true ]
tap $? "migrate: its report says ok"
[ "$st" = running ] && [ "$(jget vm_state /tmp/recv.json)" = running ]
tap $? "migrate: the VM runs on the destination (vm list: $st, report: $(jget vm_state /tmp/recv.json))"
tap $prc "migrate: the destination VM pauses"
$cli save mig memory:mig-dst && $cli load fast memory:mig-dst &&
	$cli delete memory:mig-dst > /dev/null && $cli vm destroy mig
tap $? "migrate: the destination VM copied into fast (memory store)"
$cli load ref "net:listen:$SELF_ADDR:7004" --key-file /tmp/key --timeout 300
tap $? "migrate: the source's migrated VM loaded into ref"
d=$($cli vm digest ref)
tap $? "digest-migref $d"
# The destination ran the same number of steps k on each vCPU (see
# migrate-lib.sh): steps are summed over the 2 vCPUs.
sr=$(vm_field ref 5) sf=$(vm_field fast 5)
k=$(( (${sf:-0} - ${sr:-0}) / 2 ))
[ -n "$sr" ] && [ -n "$sf" ] && [ $(( (sf - sr) % 2 )) = 0 ] && [ $k -ge 0 ] &&
	{ [ $k = 0 ] || $cli vm step ref $k; } &&
	[ "$($cli vm digest ref)" = "$($cli vm digest fast)" ]
tap $? "migrate: the destination held the source's switchover state (+$k steps per vCPU on the source's: equal digests; steps $sr -> $sf)"
$cli vm step ref 300 && $cli vm step fast 300 && d=$($cli vm digest ref) &&
	[ "$d" = "$($cli vm digest fast)" ]
tap $? "migrate: 300 more steps on both, equal digests ($d)"
$cli vm destroy ref && $cli vm destroy fast
tap $? "migrate: ref and fast destroyed"
