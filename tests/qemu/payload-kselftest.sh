# Guest payload: kselftests on Debian's stock kernel.
. /guest-lib.sh
echo "TAP version 13"
ip link set lo up
tap $? "loopback up (the net store tests use it)"
insmod /v3chkpt.ko
tap $? "insmod v3chkpt.ko"
insmod /v3chkpt_extstore.ko
tap $? "insmod a third-party store module (v3chkpt_extstore.ko)"
/v3chkpt_test
rc=$?
# The harness exits 0 (all passed) or 1 (some failed, already counted);
# anything else means it died and tests may be missing from the count.
[ $rc -le 1 ]
tap $? "v3chkpt_test ran to completion (exit $rc)"
/vm_test
rc=$?
[ $rc -le 1 ]
tap $? "vm_test ran to completion (exit $rc)"
/store_test
rc=$?
[ $rc -le 1 ]
tap $? "store_test ran to completion (exit $rc)"
/vm_stream_test
rc=$?
[ $rc -le 1 ]
tap $? "vm_stream_test ran to completion (exit $rc)"
/dirty_test
rc=$?
[ $rc -le 1 ]
tap $? "dirty_test ran to completion (exit $rc)"
/migrate_test
rc=$?
[ $rc -le 1 ]
tap $? "migrate_test ran to completion (exit $rc)"
/compat32_test
[ $? -le 1 ]
tap $? "compat32_test ran to completion"
sh /cli_test.sh
sh /old_streams_test.sh
! rmmod v3chkpt 2>/dev/null
tap $? "rmmod v3chkpt refused while a store module depends on it"
rmmod v3chkpt_extstore
tap $? "rmmod the store module"
# rmmod with VMs alive (one running, one paused) stops and frees them.
threads0=$(ps | grep -c '[v]3vcpu')
/v3chkpt vm create alive1 --mem 64M --vcpus 2 && /v3chkpt vm run alive1 &&
	/v3chkpt vm create alive2 --mem 64M --vcpus 1 &&
	[ "$(ps | grep -c '[v]3vcpu')" = $((threads0 + 3)) ]
tap $? "two VMs alive before rmmod (3 more vCPU threads)"
rmmod v3chkpt
tap $? "rmmod v3chkpt (with a running and a paused VM)"
sleep 1
[ "$(ps | grep -c '[v]3vcpu')" = 0 ]
tap $? "no vCPU thread left after rmmod"
test ! -e /dev/v3chkpt
tap $? "device node gone after rmmod"
check_dmesg
