# Guest payload: kselftests on Debian's stock kernel.
. /guest-lib.sh
echo "TAP version 13"
insmod /v3chkpt.ko
tap $? "insmod v3chkpt.ko"
/v3chkpt_test
sh /cli_test.sh
rmmod v3chkpt
tap $? "rmmod v3chkpt"
test ! -e /dev/v3chkpt
tap $? "device node gone after rmmod"
check_dmesg
