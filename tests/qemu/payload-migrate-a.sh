# Live migration between two QEMU guests, guest A; sourced by
# payload-net-a.sh after the net-store tests (/tmp/key, $cli, $SELF_ADDR).
# A first listens with another key (B's migration is refused, no VM here),
# then receives B's running VM --paused: at COMMIT it must be exactly B's
# switchover state (its digest is compared with B's by pair-net.sh, and
# here with the copy of B's migrated VM that B then sends into ref); both
# step 300 more to equal digests.  Then the VM runs and migrates back to
# B, A listening.
. /migrate-lib.sh
printf 'pair-test-key-WRONG-0123456789' > /tmp/badkey
$cli vm destroy mig
tap $? "migrate: the net-store test's VM destroyed"
$cli receive mig "net:listen:$SELF_ADDR:7002" --key-file /tmp/badkey --json \
	--timeout 300 > /tmp/recv-bad.json 2> /tmp/recv-bad.json.err
rc=$?
sed 's/^/# /' /tmp/recv-bad.json /tmp/recv-bad.json.err
st=$(vm_field mig 2)
[ $rc != 0 ] && [ "$(jget ok /tmp/recv-bad.json)" = false ] &&
	[ -n "$(jget error /tmp/recv-bad.json)" ] && [ -z "$st" ]
tap $? "migrate: a source with another key is refused, no VM mig here (exit $rc, $(jget error /tmp/recv-bad.json), state '$st')"

$cli receive mig "net:listen:$SELF_ADDR:7003" --key-file /tmp/key --json \
	--paused --timeout 300 > /tmp/recv.json 2> /tmp/recv.json.err
rc=$?
sed 's/^/# /' /tmp/recv.json /tmp/recv.json.err
tap $rc "migrate: v3chkpt receive mig --paused exits 0"
[ "$(jget ok /tmp/recv.json)" = true ]
tap $? "migrate: its report says ok"
st=$(vm_field mig 2)
[ "$st" = paused ] && [ "$(jget vm_state /tmp/recv.json)" = paused ]
tap $? "migrate: the VM arrived paused (vm list: $st, report: $(jget vm_state /tmp/recv.json))"
d=$($cli vm digest mig)
tap $? "digest-migdst $d"
$cli load ref "net:listen:$SELF_ADDR:7004" --create --key-file /tmp/key --timeout 300
tap $? "migrate: the source's migrated VM loaded as ref (--create)"
[ -n "$d" ] && [ "$($cli vm digest ref)" = "$d" ]
tap $? "migrate: the received VM is the source's switchover state (digest equal to ref's)"
$cli vm step mig 300 && $cli vm step ref 300 && d=$($cli vm digest mig) &&
	[ "$d" = "$($cli vm digest ref)" ]
tap $? "migrate: 300 more steps on both, equal digests ($d)"
$cli vm destroy ref
tap $? "migrate: ref destroyed"

# Back to B, listening here this time; B receives it running.
$cli vm run mig && $cli migrate mig "net:listen:$SELF_ADDR:7005" --key-file /tmp/key \
	--json --timeout 300 > /tmp/back.json 2> /tmp/back.json.err
rc=$?
sed 's/^/# /' /tmp/back.json /tmp/back.json.err
st=$(vm_field mig 2)
[ $rc = 0 ] && [ "$(jget ok /tmp/back.json)" = true ] && [ "$st" = migrated ]
tap $? "migrate: the VM runs again and migrates back to B, A listening (exit $rc, $st)"
dt=$(jget downtime_ms /tmp/back.json) ex=$(jget expected_downtime_ms /tmp/back.json)
echo "# back to B: downtime $dt ms, expected $ex ms, ratio $(awk -v d="$dt" -v e="$ex" 'BEGIN { if (e > 0) printf "%.2f", d / e; else print "-" }') (not asserted: test 1 is B -> A)"
$cli vm destroy mig
tap $? "migrate: vm destroy frees the migrated VM"
